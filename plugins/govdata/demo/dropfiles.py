"""Write a department's dropped files (CSV in its encoding, XLSX workbooks, broken files) into its folder."""

from __future__ import annotations

import csv
import datetime as dt
import io
import shutil
from pathlib import Path

from govdata.demo.model import DropFile, Table
from govdata.demo.reports import block


def csv_bytes(table: Table, encoding: str) -> bytes:
    """A table as CSV text in the given encoding; None becomes an empty field; a report keeps its layout."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    if table.report is not None:
        writer.writerows([["" if v is None else v for v in row] for row in block(table, merged=False).rows])
    else:
        writer.writerow([c.name for c in table.columns])
        writer.writerows([["" if v is None else v for v in row] for row in table.rows])
    return buffer.getvalue().encode(encoding)


def write_report_xlsx(path: Path, tables: list[Table], stamp: dt.datetime) -> None:
    """A workbook of report-shaped sheets: merged title and header cells, merged 街道 runs, hidden columns."""
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    workbook.remove(workbook.active)
    workbook.properties.created = stamp
    workbook.properties.modified = stamp
    for table in tables:
        assert table.sheet is not None
        sheet = workbook[table.sheet] if table.sheet in workbook.sheetnames else workbook.create_sheet(table.sheet)
        laid = block(table)
        assert table.report is not None
        for offset, row in enumerate(laid.rows):
            for col, value in enumerate(row, start=1):
                if value is not None:
                    sheet.cell(table.report.first_row + offset, col, value)
        for cells in laid.merges:
            sheet.merge_cells(cells)
        for col in laid.hidden_columns:
            sheet.column_dimensions[get_column_letter(col)].hidden = True
    workbook.save(path)


def write_xlsx(path: Path, tables: list[Table], stamp: dt.datetime) -> None:
    """A workbook with one sheet per table; document dates are pinned to ``stamp``."""
    from openpyxl import Workbook

    if any(t.report is not None for t in tables):
        write_report_xlsx(path, tables, stamp)
        return
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
