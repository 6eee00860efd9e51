"""Read the tabular files departments drop (CSV in any common Chinese encoding, XLSX)."""

from __future__ import annotations

import codecs
import csv
import io
import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from govdata.errors import GovdataError


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


def read_csv(path: Path) -> FileTable:
    """Read a CSV file; every row must have as many fields as the header."""
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
    try:
        header = next(reader)
        columns = _clean_header(list(header), path.name)
        rows: list[list[str | None]] = []
        bad: list[str] = []
        for row in reader:
            if not row:
                continue
            if len(row) != len(columns):
                bad.append(f"line {reader.line_num}: {len(row)} fields, header has {len(columns)}")
                continue
            rows.append([v if v != "" else None for v in row])
    except StopIteration as exc:
        raise FileReadError(f"{path.name}: file has no header row") from exc
    except csv.Error as exc:
        raise FileReadError(f"{path.name}: line {reader.line_num}: {exc}") from exc
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


def read_drop_folder(folder: Path, max_bytes: int) -> Iterator[DropEntry]:
    """Read every entry of a drop folder; each file is its own unit of failure."""
    for path in iter_drop_folder(folder):
        try:
            status = check_drop_file(path, folder, max_bytes)
            # hashed before parsing: a file rewritten in between is read anew next time, never skipped
            fingerprint = content_fingerprint(path)
            tables = read_tabular(path)
        except FileReadError as exc:
            yield DropEntry(path, error=exc)
            continue
        yield DropEntry(path, tables, datetime.fromtimestamp(status.st_mtime, tz=UTC), fingerprint)


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
