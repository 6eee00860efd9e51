"""Mask a CSV or XLSX file into a file of the same format: same rows, columns and header; written atomically.

The crawl's readers (govdata.files) decide the encoding, the header and which cells are records; only
those cells of personal columns (and personal-data spans in titles and footers) are rewritten, every other
cell is written back as the decoded text it was (CSV) or left untouched in the loaded workbook (XLSX:
numbers stay numbers, dates dates, formulas, merges and styles as they were).
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from govdata.files import FileReadError, FileTable
from govdata.mask.table import ColumnReport, TableMasker, outside_rows, plan_columns

#: what a CSV is written in without --keep-encoding: Excel and WPS open UTF-8 with a BOM as UTF-8
DEFAULT_CSV_ENCODING = "utf-8-sig"


@contextmanager
def atomic_output(out: Path) -> Iterator[Path]:
    """A temporary path beside ``out``, moved over it only when the block succeeds (never a half-written file)."""
    if not out.parent.is_dir():
        raise FileReadError(f"{out}: the output folder {out.parent} does not exist")
    fd, name = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".part", dir=out.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp's 0600 would make the result unreadable to others
        yield tmp
        os.replace(tmp, out)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def mask_csv(path: Path, out: Path, masker: TableMasker, keep_encoding: bool = False) -> list[ColumnReport]:
    """Mask a CSV: records of personal columns masked, everything else written back as decoded."""
    from govdata.files import csv_records, csv_tables

    records = csv_records(path)  # parsed once: the tables are read from it, the grid is written back
    tables = csv_tables(path, records)
    grid, encoding, dialect = records.grid, records.encoding, records.dialect
    reports = []
    for table in tables:
        assert table.layout is not None
        for plan in plan_columns(masker.classifier, table):
            report = ColumnReport(table.label, plan)
            for r in table.layout.data_index:
                row = grid.cells[r]
                value = row[plan.col - 1] if plan.col <= len(row) else None
                if value is None:
                    continue
                masked = masker.mask_cell(plan, value)
                if masked != value:
                    row[plan.col - 1] = masked
                    report.cells += 1
            reports.append(report)
    for r in sorted(outside_rows(tables)):
        grid.cells[r] = [masker.mask_outside(v) if v else v for v in grid.cells[r]]

    buffer = io.StringIO(newline="")
    writer = csv.writer(
        buffer,
        delimiter=dialect.delimiter,
        quotechar=dialect.quotechar or '"',
        lineterminator=records.line_terminator,
    )
    writer.writerows([["" if v is None else v for v in row] for row in grid.cells])
    out_encoding = encoding if keep_encoding else DEFAULT_CSV_ENCODING
    try:
        data = buffer.getvalue().encode(out_encoding)
    except UnicodeEncodeError as exc:
        raise FileReadError(f"{out.name}: a masked value cannot be written in {out_encoding.upper()} ({exc})") from exc
    with atomic_output(out) as tmp:
        tmp.write_bytes(data)
    return reports


def _sheet_tables(tables: list[FileTable]) -> dict[str, list[FileTable]]:
    by_sheet: dict[str, list[FileTable]] = {}
    for table in tables:
        by_sheet.setdefault(table.sheet or "", []).append(table)
    return by_sheet


def mask_xlsx(path: Path, out: Path, masker: TableMasker, sheet: str | None = None) -> list[ColumnReport]:
    """Mask a workbook in place of its loaded cells: every sheet (or only ``sheet``), the rest kept as it was."""
    from openpyxl import load_workbook
    from openpyxl.cell.cell import MergedCell

    from govdata.files import read_xlsx

    tables = read_xlsx(path, sheet)
    try:
        workbook = load_workbook(path, keep_vba=path.suffix.lower() == ".xlsm")
    except Exception as exc:  # the read-only pass opened it; the full load may still fail on a damaged part
        raise FileReadError(f"{path.name}: not a readable XLSX workbook ({type(exc).__name__}: {exc})") from exc
    by_sheet = _sheet_tables(tables)
    reports = []

    def rewrite(cell: Any, masked: str) -> None:
        cell.value = masked
        cell.data_type = "s"  # text starting with '=' stays text, not a formula

    for table in tables:
        assert table.layout is not None and table.sheet is not None
        worksheet = workbook[table.sheet]
        for j, plan in enumerate(plan_columns(masker.classifier, table)):
            report = ColumnReport(table.label, plan)
            for k, r in enumerate(table.layout.data_index):
                cell = worksheet.cell(row=r + 1, column=plan.col)
                if isinstance(cell, MergedCell) or cell.value is None:
                    continue  # a merged range is masked at its top-left cell
                if isinstance(cell.value, str) and cell.data_type != "f":
                    value = cell.value
                elif plan.action == "identifiers" and not isinstance(cell.value, int | float | str):
                    continue  # a date or a boolean holds no identifier
                else:
                    value = table.rows[k][j] or ""  # number, date or formula: the text the reader read
                masked = masker.mask_cell(plan, value)
                if masked != value:
                    rewrite(cell, masked)
                    report.cells += 1
            reports.append(report)
    for name in [sheet] if sheet else workbook.sheetnames:
        worksheet = workbook[name]
        sheet_tables = by_sheet.get(name, [])
        # a sheet with values but no table the reader recognised is scanned whole, like a footer
        rows = outside_rows(sheet_tables) if sheet_tables else set(range(worksheet.max_row))
        for r in sorted(rows):
            for cell in worksheet[r + 1]:
                if isinstance(cell, MergedCell) or not isinstance(cell.value, str) or cell.data_type == "f":
                    continue
                masked = masker.mask_outside(cell.value)
                if masked != cell.value:
                    rewrite(cell, masked)
    with atomic_output(out) as tmp:
        workbook.save(tmp)
    return reports


def mask_file(
    path: Path, out: Path, masker: TableMasker, sheet: str | None = None, keep_encoding: bool = False
) -> list[ColumnReport]:
    """Mask a CSV or XLSX file into ``out`` (same format); FileReadError naming the file on bad input."""
    if not path.is_file():
        raise FileReadError(f"{path}: no such file")
    suffix = path.suffix.lower()
    if out.suffix.lower() != suffix:
        raise FileReadError(f"{out.name}: the output must have the input's format ({suffix})")
    if out.exists() and out.resolve() == path.resolve():
        raise FileReadError(f"{out.name}: the output must not be the input file")
    if suffix in (".xlsx", ".xlsm"):
        return mask_xlsx(path, out, masker, sheet)
    if suffix in (".csv", ".txt"):
        if sheet is not None:
            raise FileReadError(f"{path.name}: --sheet applies to XLSX workbooks only")
        return mask_csv(path, out, masker, keep_encoding)
    raise FileReadError(f"{path.name}: unsupported file type {suffix!r} (expected CSV or XLSX)")
