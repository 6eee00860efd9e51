"""Write a department's dropped files (CSV in its encoding, XLSX workbooks, broken files) into its folder."""

from __future__ import annotations

import csv
import datetime as dt
import io
import shutil
from pathlib import Path

from govdata.demo.model import DropFile, Table


def csv_bytes(table: Table, encoding: str) -> bytes:
    """A table as CSV text in the given encoding; None becomes an empty field."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([c.name for c in table.columns])
    writer.writerows([["" if v is None else v for v in row] for row in table.rows])
    return buffer.getvalue().encode(encoding)


def write_xlsx(path: Path, tables: list[Table], stamp: dt.datetime) -> None:
    """A workbook with one sheet per table; document dates are pinned to ``stamp``."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    workbook.properties.created = stamp
    workbook.properties.modified = stamp
    for table in tables:
        sheet = workbook.create_sheet(table.sheet)
        sheet.append([c.name for c in table.columns])
        for row in table.rows:
            sheet.append(row)
    workbook.save(path)


def write_drop_folder(folder: Path, files: list[DropFile], stamp: dt.datetime) -> None:
    """Replace the folder's content with exactly these files."""
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    for f in files:
        path = folder / f.name
        if f.kind == "csv":
            path.write_bytes(csv_bytes(f.tables[0], f.encoding or "utf-8"))
        elif f.kind == "xlsx":
            write_xlsx(path, f.tables, stamp)
        else:
            path.write_bytes(f.content or b"")
