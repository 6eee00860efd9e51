"""Read the tabular files departments drop (CSV in any common Chinese encoding, XLSX)."""

from __future__ import annotations

import codecs
import csv
import io
import os
import stat
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from xml.parsers import expat

from govdata.errors import GovdataError
from govdata.layout import DATE_HEADER, Grid, Layout, Merge, Override, decide, fill_down, kind

#: Excel's day 0 (its 1900 leap-year bug included): serial 45474 is 2024-07-01.
EXCEL_EPOCH = date(1899, 12, 30)
#: Serials read as dates in date columns: 1950-01-01 to 2100-12-31; outside, a number is a number.
SERIAL_RANGE = (18264, 73415)


class FileReadError(GovdataError, ValueError):
    """A file that cannot be read as a table; the message names the file (and sheet/line)."""

    #: what meta.crawl_error.error_type records for it
    error_type = "malformed_file"


class UnsupportedFile(FileReadError):
    """A file whose type the crawl does not read (only CSV/TXT and XLSX/XLSM are)."""

    error_type = "unsupported_file"


class FileRefused(FileReadError):
    """A drop-folder entry that is not opened at all: it leads outside the folder, or is too large."""

    error_type = "refused"


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
    #: what the reader decided: header rows, footer rows dropped, columns flattened
    layout: Layout | None = None

    @property
    def label(self) -> str:
        """File name plus sheet, for messages."""
        return f"{self.path.name}[{self.sheet}]" if self.sheet else self.path.name


#: Encodings tried strictly, in this order, on files without a byte-order mark: what Chinese
#: departments' tools write. GB18030 is a superset of GBK and GB2312. Never a statistical guess: a
#: guess once turned a GBK file with one broken byte into ISO-8859-5 and graded the garbage L1.
STRICT_ENCODINGS = ("utf-8", "gb18030")


def _position(data: bytes, offset: int) -> str:
    line = data.count(b"\n", 0, offset) + 1
    return f"line {line}, byte {offset}"


def _utf16_without_bom(data: bytes) -> str | None:
    """UTF-16 LE/BE told by where its NUL bytes fall (ASCII commas and newlines leave one per unit)."""
    even = data[0::2].count(0)
    odd = data[1::2].count(0)
    for encoding, nuls, other in (("utf-16-le", odd, even), ("utf-16-be", even, odd)):
        if nuls and nuls > 4 * other and len(data) % 2 == 0:
            try:
                text = data.decode(encoding)
            except UnicodeDecodeError:
                continue
            if "\x00" not in text:
                return encoding
    return None


def detect_encoding(data: bytes, path: Path | str = "<bytes>") -> str:
    """Decide the text encoding of a CSV: a BOM, UTF-16 without BOM, UTF-8, then GBK/GB18030.

    Every candidate is decoded strictly; a file none of them decodes is refused with the position
    of the first bad byte under UTF-8 and GB18030, so the department can find and fix it.
    """
    name = Path(path).name if not isinstance(path, Path) else path.name
    if data.startswith(codecs.BOM_UTF8):
        encoding = "utf-8-sig"
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"
    elif b"\x00" in data:
        found = _utf16_without_bom(data)
        if found is None:
            at = _position(data, data.index(b"\x00"))
            raise FileReadError(f"{name}: NUL byte at {at}: not a text file in UTF-8, GBK/GB18030 or UTF-16")
        return found
    else:
        failures = []
        for candidate in STRICT_ENCODINGS:
            try:
                data.decode(candidate)
            except UnicodeDecodeError as exc:
                failures.append(f"{candidate.upper()} fails at {_position(data, exc.start)}")
                continue
            if candidate == "gb18030" and _decodes(data, "gbk"):
                return "gbk"  # what departments' tools write, reported as such
            return candidate
        raise FileReadError(
            f"{name}: not valid text in UTF-8, GBK/GB18030 or UTF-16 ({'; '.join(failures)}); "
            "save the file again as UTF-8 (CSV UTF-8 in Excel)"
        )
    try:
        data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise FileReadError(f"{name}: invalid {encoding.upper()} at {_position(data, exc.start)}") from exc
    return encoding


def _decodes(data: bytes, encoding: str) -> bool:
    try:
        data.decode(encoding)
    except UnicodeDecodeError:
        return False
    return True


def read_bytes(path: Path) -> bytes:
    """A file's content, or a FileReadError saying why it could not be read (gone, unreadable)."""
    try:
        return path.read_bytes()
    except FileNotFoundError as exc:
        raise FileReadError(f"{path.name}: the file disappeared while being read") from exc
    except OSError as exc:
        raise FileReadError(f"{path.name}: cannot be read ({exc.strerror or type(exc).__name__})") from exc


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


@dataclass(frozen=True)
class CsvRecords:
    """A CSV file parsed once: its records as a grid, and how it was written (to write it back alike)."""

    grid: Grid
    lines: list[int]  # the physical line each record ends on
    encoding: str
    dialect: Any  # csv dialect: delimiter , tab ; or |, quote character
    line_terminator: str


def csv_records(path: Path) -> CsvRecords:
    """Read and parse a CSV: encoding detected, dialect sniffed, every record; FileReadError if it cannot."""
    data = read_bytes(path)
    if not data.strip():
        raise FileReadError(f"{path.name}: file is empty")
    encoding = detect_encoding(data, path)
    text = data.decode(encoding)
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise FileReadError(f"{path.name}: NUL character on line {line}: not a text file")
    try:
        dialect = csv.Sniffer().sniff(text[:8192], delimiters=",\t;|")
    except csv.Error:
        dialect = csv.excel
    # the whole file is in memory already, so a field may be as long as the file: the csv module's
    # 128 KiB default once stopped a whole department on one long 备注
    csv.field_size_limit(max(csv.field_size_limit(), len(text) + 1))
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    cells: list[list[str | None]] = []
    lines: list[int] = []
    try:
        for row in reader:
            cells.append([v if v != "" else None for v in row])
            lines.append(reader.line_num)
    except csv.Error as exc:
        raise FileReadError(f"{path.name}: line {reader.line_num}: {exc}") from exc
    if cells:
        cells[0] = [v.lstrip("\ufeff") if v else v for v in cells[0]]
    return CsvRecords(Grid(cells), lines, encoding, dialect, "\r\n" if "\r\n" in text else "\n")


def read_csv(path: Path, overrides: Mapping[str, Override] | None = None) -> list[FileTable]:
    """Read a CSV file: one table (or one per table of a report-shaped file); records must fit the header."""
    return csv_tables(path, csv_records(path), overrides)


def csv_tables(path: Path, records: CsvRecords, overrides: Mapping[str, Override] | None = None) -> list[FileTable]:
    """The tables of a parsed CSV (its grid is left as parsed); records must fit the header."""
    grid, lines, encoding = records.grid, records.lines, records.encoding
    layouts = decide(grid, overrides.get(path.stem) if overrides is not None else None)
    if not layouts:
        raise FileReadError(f"{path.name}: file has no header row")
    tables = []
    for layout in layouts:
        bad = [
            f"line {lines[r]}: {len(grid.cells[r])} fields, header has {layout.width}"
            for r in layout.data_index
            if len(grid.cells[r]) != layout.width
        ]
        if bad:
            shown = "; ".join(bad[:5])
            more = f" (and {len(bad) - 5} more)" if len(bad) > 5 else ""
            raise FileReadError(f"{path.name}: {len(bad)} malformed rows: {shown}{more}")
        name = path.stem if layout.part == 1 else f"{path.stem}__{layout.part}"
        tables.append(_table(grid, layout, path, name, None, path.name, encoding))
    return tables


def _table(
    grid: Grid, layout: Layout, path: Path, name: str, sheet: str | None, label: str, encoding: str | None = None
) -> FileTable:
    """The records of one decided table: merged data cells filled down, dates and numbers normalised."""
    columns = _clean_header([c.name for c in layout.columns], label)
    positions = [c.col - 1 for c in layout.columns]
    filled = fill_down(grid, layout)
    rows = []
    for r in layout.data_index:
        cells = grid.cells[r]
        rows.append([filled.get((r, c)) or (cells[c] if c < len(cells) else None) for c in positions])
    if not layout.plain:
        _normalise(layout, columns, rows)
    return FileTable(path=path, name=name, columns=columns, rows=rows, encoding=encoding, sheet=sheet, layout=layout)


def _normalise(layout: Layout, columns: list[str], rows: list[list[str | None]]) -> None:
    """Excel date serials in date columns → ISO dates; numbers typed as text with 1,365.00 or ＊ → plain digits."""
    for i, column in enumerate(columns):
        is_date = bool(DATE_HEADER.search(layout.columns[i].leaf))
        counts: dict[str, int] = {}
        for row in rows:
            value = row[i]
            if value is None or kind(value) != "number":
                continue
            plain = unicodedata.normalize("NFKC", value).strip().replace(",", "")
            if is_date and plain.isdigit() and SERIAL_RANGE[0] <= int(plain) <= SERIAL_RANGE[1]:
                row[i] = (EXCEL_EPOCH + timedelta(days=int(plain))).isoformat()
                counts["date_serial"] = counts.get("date_serial", 0) + 1
            elif plain != value:
                row[i] = plain
                counts["number_text"] = counts.get("number_text", 0) + 1
        if counts:
            layout.normalised[column] = counts


def _cell(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        # Excel stores long digit strings typed as numbers as floats; keep them exact
        return str(int(value))
    if isinstance(value, datetime):
        # a date-formatted cell: the date as ISO text, the time only when there is one
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(sep=" ")
    text = str(value)
    return text if text != "" else None


def _sheet_extras(workbook: Any, worksheet: Any) -> tuple[list[Merge], set[int], set[int]]:
    """Merged ranges and hidden rows/columns of a sheet, read from its XML without building a tree.

    openpyxl's read-only mode (which streams rows) does not expose them and its full mode holds every
    cell as an object (tens of times the file's size), so one expat pass reads just these elements.
    """
    from openpyxl.utils.cell import range_boundaries

    merges: list[Merge] = []
    hidden_rows: set[int] = set()
    hidden_cols: set[int] = set()
    archive = getattr(workbook, "_archive", None)
    path = getattr(worksheet, "_worksheet_path", None)
    if archive is None or path is None:
        return merges, hidden_rows, hidden_cols

    def start(tag: str, attrs: dict[str, str]) -> None:
        tag = tag.rsplit("}", 1)[-1].rsplit(":", 1)[-1]
        if tag == "mergeCell" and attrs.get("ref"):
            c0, r0, c1, r1 = range_boundaries(attrs["ref"])
            merges.append((r0 - 1, c0 - 1, r1 - 1, c1 - 1))
        elif tag == "row" and attrs.get("hidden") in ("1", "true") and attrs.get("r"):
            hidden_rows.add(int(attrs["r"]) - 1)
        elif tag == "col" and attrs.get("hidden") in ("1", "true"):
            hidden_cols.update(range(int(attrs["min"]) - 1, int(attrs["max"])))

    parser = expat.ParserCreate(namespace_separator="}")
    parser.StartElementHandler = start
    with archive.open(path) as stream:
        parser.ParseFile(stream)
    return merges, hidden_rows, hidden_cols


def read_xlsx(path: Path, sheet: str | None = None, overrides: Mapping[str, Override] | None = None) -> list[FileTable]:
    """Read every non-empty sheet (or the named one) of a workbook; a sheet may hold several tables."""
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
            worksheet = workbook[name]
            label = f"{path.name}[{name}]"
            try:
                merges, hidden_rows, hidden_cols = _sheet_extras(workbook, worksheet)
                cells = [[_cell(v) for v in raw] for raw in worksheet.iter_rows(values_only=True)]
            except FileReadError:
                raise
            except Exception as exc:  # a damaged sheet part: the workbook opened, the sheet does not
                raise FileReadError(f"{label}: sheet cannot be read ({type(exc).__name__}: {exc})") from exc
            grid = Grid(cells, merges, hidden_rows, hidden_cols)
            table_name = f"{path.stem}__{name}"
            for layout in decide(grid, overrides.get(table_name) if overrides is not None else None):
                width = len(layout.columns)
                for r in layout.data_index:
                    if any(v is not None for v in grid.cells[r][width:]):
                        raise FileReadError(f"{label}: values beyond the header's {width} columns (row {r + 1})")
                part_name = table_name if layout.part == 1 else f"{table_name}__{layout.part}"
                tables.append(_table(grid, layout, path, part_name, name, label))
        return tables
    finally:
        workbook.close()


def read_tabular(
    path: Path, sheet: str | None = None, overrides: Mapping[str, Override] | None = None
) -> list[FileTable]:
    """Read a CSV or XLSX file into tables; raises FileReadError naming the file on bad input.

    ``overrides`` maps a table name (CSV stem, ``<workbook stem>__<sheet>``) to what staff declared
    about its layout (header rows, footer rows) instead of what the reader would decide.
    """
    path = Path(path)
    if not path.exists():
        raise FileReadError(f"{path}: no such file")
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return read_xlsx(path, sheet, overrides)
    if suffix in (".csv", ".txt"):
        if sheet is not None:
            raise FileReadError(f"{path.name}: --sheet applies to XLSX workbooks only")
        return read_csv(path, overrides)
    raise UnsupportedFile(f"{path.name}: unsupported file type {suffix!r} (expected CSV or XLSX); not read")


def iter_drop_folder(folder: Path) -> Iterator[Path]:
    """Entries of a drop folder to read, in a stable order; hidden files and Office lock files skipped.

    Links and files of unsupported types are listed too, so that the crawl records why it did not
    read them (a link leading outside the folder, a legacy .xls) instead of passing over them.
    """
    for path in sorted(folder.iterdir()):
        if path.name.startswith((".", "~$")):
            continue
        if path.is_symlink() or path.is_file():
            yield path


@dataclass
class DropEntry:
    """One entry of a drop folder: the tables read from it, or why it was not read."""

    path: Path
    tables: list[FileTable] = field(default_factory=list)
    modified_at: datetime | None = None
    #: sha256 of the bytes, taken before they were parsed: equal next time means the same tables
    fingerprint: str | None = None
    error: FileReadError | None = None


def read_drop_folder(
    folder: Path, max_bytes: int, overrides: Mapping[str, Override] | None = None
) -> Iterator[DropEntry]:
    """Read every entry of a drop folder; each file is its own unit of failure."""
    for path in iter_drop_folder(folder):
        try:
            status = check_drop_file(path, folder, max_bytes)
            # hashed before parsing: a file rewritten in between is read anew next time, never skipped;
            # the reader's overrides for it are part of what it is
            fingerprint = content_fingerprint(path) + _overrides_fingerprint(path, overrides)
            tables = read_tabular(path, overrides=overrides)
        except FileReadError as exc:
            yield DropEntry(path, error=exc)
            continue
        yield DropEntry(path, tables, datetime.fromtimestamp(status.st_mtime, tz=UTC), fingerprint)


def _overrides_fingerprint(path: Path, overrides: Mapping[str, Override] | None) -> str:
    relevant = sorted(
        (name, repr(value)) for name, value in (overrides or {}).items()
        if name == path.stem or name.startswith(f"{path.stem}__")
    )  # fmt: skip
    return f";overrides={relevant}" if relevant else ""


def content_fingerprint(path: Path) -> str:
    """``sha256:<hex>`` of a file's bytes, read in blocks."""
    import hashlib

    digest = hashlib.sha256()
    try:
        with path.open("rb") as fh:
            while block := fh.read(1 << 20):
                digest.update(block)
    except OSError as exc:
        raise FileReadError(f"{path.name}: cannot be read ({exc.strerror or type(exc).__name__})") from exc
    return f"sha256:{digest.hexdigest()}"


def check_drop_file(path: Path, folder: Path, max_bytes: int) -> os.stat_result:
    """The entry's status, or FileRefused when it leaves the drop folder, is not a file or is too big.

    A department controls what is in its drop folder, not what the crawl may read: a link to the
    warehouse's password file once made the password a column name in the catalog.
    """
    real_folder = folder.resolve()
    try:
        real = path.resolve(strict=True)
        status = real.stat()
    except FileNotFoundError as exc:
        raise FileRefused(f"{path.name}: gone, or a link whose target does not exist; not read") from exc
    except (OSError, RuntimeError) as exc:  # permission, link loop
        raise FileRefused(f"{path.name}: cannot be opened ({exc}); not read") from exc
    if real_folder not in real.parents:
        raise FileRefused(f"{path.name}: a link leading outside the drop folder; not read")
    if not stat.S_ISREG(status.st_mode):
        raise FileRefused(f"{path.name}: not a regular file; not read")
    if status.st_size > max_bytes:
        raise FileRefused(
            f"{path.name}: {status.st_size / 2**20:,.0f} MiB is over the limit of {max_bytes / 2**20:,.0f} MiB "
            "(crawl.max_file_mb in config/govdata.yaml); not read"
        )
    return status
