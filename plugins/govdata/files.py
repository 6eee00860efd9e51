"""Read the tabular files departments drop (CSV in any common Chinese encoding, XLSX)."""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

#: File suffixes the crawl picks up from drop folders.
TABULAR_SUFFIXES = (".csv", ".txt", ".xlsx", ".xlsm")


class FileReadError(ValueError):
    """A file that cannot be read as a table; the message names the file (and sheet/line)."""


@dataclass
class FileTable:
    """One table read from a file: a CSV, or one sheet of a workbook."""

    path: Path
    name: str
    columns: list[str]
    rows: list[list[str | None]]
    encoding: str | None = None
    sheet: str | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        """File name plus sheet, for messages."""
        return f"{self.path.name}[{self.sheet}]" if self.sheet else self.path.name


def detect_encoding(data: bytes, path: Path | str = "<bytes>") -> str:
    """Decide the text encoding of a CSV: UTF-8 (with or without BOM), then GB18030/GBK.

    Strict decoding in a fixed order beats statistical guessing here: GB18030 decodes almost any
    byte string, so UTF-8 is tried first, and a statistical detector is used only as a last resort.
    """
    if data.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    for encoding in ("utf-8", "gb18030"):
        try:
            data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if encoding == "gb18030":
            # report GBK when the bytes stay within it: that is what departments' tools write
            try:
                data.decode("gbk")
                return "gbk"
            except UnicodeDecodeError:
                return "gb18030"
        return encoding
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        raise FileReadError(f"{path}: cannot determine the text encoding (not UTF-8, GBK or GB18030)")
    return best.encoding


def _clean_header(columns: list[str | None], label: str) -> list[str]:
    cleaned = []
    for i, col in enumerate(columns, start=1):
        name = (col or "").strip().lstrip("\ufeff")
        if not name:
            name = f"column_{i}"
        cleaned.append(name)
    dupes = sorted({c for c in cleaned if cleaned.count(c) > 1})
    if dupes:
        raise FileReadError(f"{label}: duplicate column names in header: {dupes}")
    return cleaned


def read_csv(path: Path) -> FileTable:
    """Read a CSV file; every row must have as many fields as the header."""
    data = path.read_bytes()
    if not data.strip():
        raise FileReadError(f"{path.name}: file is empty")
    encoding = detect_encoding(data, path.name)
    text = data.decode(encoding)
    try:
        dialect = csv.Sniffer().sniff(text[:8192], delimiters=",\t;|")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    try:
        header = next(reader)
    except StopIteration as exc:
        raise FileReadError(f"{path.name}: file has no header row") from exc
    columns = _clean_header(list(header), path.name)
    rows: list[list[str | None]] = []
    bad: list[str] = []
    for line_no, row in enumerate(reader, start=2):
        if not row:
            continue
        if len(row) != len(columns):
            bad.append(f"line {line_no}: {len(row)} fields, header has {len(columns)}")
            continue
        rows.append([v if v != "" else None for v in row])
    if bad:
        shown = "; ".join(bad[:5])
        more = f" (and {len(bad) - 5} more)" if len(bad) > 5 else ""
        raise FileReadError(f"{path.name}: {len(bad)} malformed rows: {shown}{more}")
    return FileTable(path=path, name=path.stem, columns=columns, rows=rows, encoding=encoding)


def _cell(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        # Excel stores long digit strings typed as numbers as floats; keep them exact
        return str(int(value))
    text = str(value)
    return text if text != "" else None


def read_xlsx(path: Path, sheet: str | None = None) -> list[FileTable]:
    """Read every non-empty sheet (or the named one) of a workbook."""
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises zipfile/KeyError/InvalidFileException alike
        raise FileReadError(f"{path.name}: not a readable XLSX workbook ({type(exc).__name__}: {exc})") from exc
    try:
        names = workbook.sheetnames
        if sheet is not None and sheet not in names:
            raise FileReadError(f"{path.name}: no sheet named {sheet!r}; sheets are {names}")
        tables = []
        for name in [sheet] if sheet else names:
            rows_iter = workbook[name].iter_rows(values_only=True)
            header = next(rows_iter, None)
            if header is None or all(v is None for v in header):
                continue
            label = f"{path.name}[{name}]"
            width = max(i + 1 for i, v in enumerate(header) if v is not None)
            columns = _clean_header([_cell(v) for v in header[:width]], label)
            rows = []
            for raw in rows_iter:
                values = [_cell(v) for v in raw]
                if all(v is None for v in values):
                    continue
                if any(v is not None for v in values[width:]):
                    raise FileReadError(f"{label}: values beyond the header's {width} columns")
                values = (values + [None] * width)[:width]
                rows.append(values)
            tables.append(FileTable(path=path, name=f"{path.stem}__{name}", columns=columns, rows=rows, sheet=name))
        return tables
    finally:
        workbook.close()


def read_tabular(path: Path, sheet: str | None = None) -> list[FileTable]:
    """Read a CSV or XLSX file into tables; raises FileReadError naming the file on bad input."""
    path = Path(path)
    if not path.exists():
        raise FileReadError(f"{path}: no such file")
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return read_xlsx(path, sheet)
    if suffix in (".csv", ".txt"):
        if sheet is not None:
            raise FileReadError(f"{path.name}: --sheet applies to XLSX workbooks only")
        return [read_csv(path)]
    raise FileReadError(f"{path.name}: unsupported file type {suffix!r} (expected CSV or XLSX)")


def iter_drop_folder(folder: Path) -> Iterator[Path]:
    """Tabular files in a drop folder, in a stable order (hidden and temp files skipped)."""
    for path in sorted(folder.iterdir()):
        if path.is_file() and not path.name.startswith((".", "~$")) and path.suffix.lower() in TABULAR_SUFFIXES:
            yield path
