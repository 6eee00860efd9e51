"""The MySQL/MariaDB line builder's Python half: escaping, marks, conversions, the row reader (no server)."""

from __future__ import annotations

import io
from collections import Counter
from types import SimpleNamespace

import pymysql
import pytest

from govdata.crawl import mysql_lines
from govdata.crawl.harvest import HarvestedColumn, HarvestedTable
from govdata.crawl.sources import Copied, ValueNotCopyable

SEP, NULL = b"\xff", b"\xfe"


def _table(*columns: tuple[str, str], key: tuple[str, ...] = ("id",)) -> HarvestedTable:
    cols = [HarvestedColumn(name, i, raw, raw_type=raw) for i, (name, raw) in enumerate(columns, start=1)]
    return HarvestedTable("t", "database", "t", "t", cols, source_schema="db", primary_key=list(key))


TABLE = _table(("id", "integer"), ("t", "text"), ("d", "date"), ("ts", "timestamp"), ("tm", "time"), ("x", "bytea"))


def _buffer(lines: list[bytes], table: HarvestedTable = TABLE) -> tuple[list[list[str]], Copied]:
    copied = Copied(0)
    text = mysql_lines.copy_buffer(lines, mysql_lines._Layout(table), copied).decode()
    assert text.endswith("\n")
    return [line.split("\t") for line in text[:-1].split("\n")], copied


def test_text_is_escaped_and_null_differs_from_empty():
    text = "a\tb\nc\rd\\e 😀𠮷".encode()
    rows, copied = _buffer([
        SEP.join([b"1", text, b"2026-01-02", b"2026-01-02 03:04:05.250000", b"09:30:00", b"\\x00FF"]),
        SEP.join([b"2", b"", NULL, NULL, NULL, NULL]),
        SEP.join([b"3", b"\\N", b"2026-01-03", b"2026-01-03 00:00:00", b"24:00:00", b"\\x"]),
    ])  # fmt: skip
    assert rows[0] == [
        "1",
        "a\\tb\\nc\\rd\\\\e 😀𠮷",
        "2026-01-02",
        "2026-01-02 03:04:05.250000",
        "09:30:00",
        "\\\\x00FF",
    ]
    assert rows[1] == ["2", "", "\\N", "\\N", "\\N", "\\N"], "empty text stays empty, NULL becomes \\N"
    assert rows[2][1] == "\\\\N", "a text that reads \\N is not NULL"
    assert copied.conversions == Counter()


def test_zero_dates_become_null_and_nul_is_removed_counted_per_column():
    rows, copied = _buffer([
        SEP.join([b"1", b"a\x00b", b"0000-00-00", b"0000-00-00 00:00:00", b"10:00:00", NULL]),
        SEP.join([b"2", b"\x00", b"2026-01-01", b"0000-00-00 00:00:00", NULL, NULL]),
        SEP.join([b"3", b"0000-00-00 is text here", b"2026-01-01", b"2026-01-01 00:00:00", NULL, NULL]),
    ])  # fmt: skip
    assert [r[1:4] for r in rows] == [
        ["ab", "\\N", "\\N"],
        ["", "2026-01-01", "\\N"],
        ["0000-00-00 is text here", "2026-01-01", "2026-01-01 00:00:00"],
    ]
    assert copied.conversions == Counter({("t", "nul_removed"): 2, ("d", "zero_date"): 1, ("ts", "zero_date"): 2})


def test_time_outside_a_day_names_column_and_key():
    bad = SEP.join([b"7", b"x", NULL, NULL, b"\xfb25:00:00", NULL])
    with pytest.raises(ValueNotCopyable, match=r"column 'tm', key \(7\): time 25:00:00 is outside") as info:
        _buffer([SEP.join([b"6", b"y", NULL, NULL, b"01:00:00", NULL]), bad])
    assert info.value.column_name == "tm"
    keyed_by_text = _table(("code", "varchar(4)"), ("tm", "time"), key=("code",))
    with pytest.raises(ValueNotCopyable, match=r"key \('A1'\)"):
        _buffer([SEP.join([b"A1", b"\xfb-01:00:00"])], keyed_by_text)
    with pytest.raises(ValueNotCopyable, match=r"key \(row 2 of the read\)"):
        _buffer(
            [SEP.join([b"1", NULL]), SEP.join([b"2", b"\xfb839:00:00"])],
            _table(("n", "integer"), ("tm", "time"), key=()),
        )


def test_select_builds_each_type_and_compares_the_watermark_in_its_type():
    table = _table(
        ("id", "bigint"), ("ok", "boolean"), ("bits", "bit(4)"), ("tm", "time"), ("x", "bytea"), ("we`ird", "text"),
        ("gxsj", "timestamp"),
    )  # fmt: skip
    table.update_column = "gxsj"
    query = mysql_lines.select_sql(table, "2026-11-01 08:00:00.250000", lambda v: f"<{v!r}>")
    assert query.startswith("SELECT CONCAT_WS(X'FF', IFNULL(`id`, X'FE'), IFNULL(CASE WHEN `ok` THEN 't'")
    assert "LPAD(BIN(`bits`), 4, '0')" in query and "CONCAT(X'5C78', HEX(`x`))" in query
    assert "CAST(CONVERT(`we``ird` USING utf8mb4) AS BINARY)" in query and "X'FB'" in query
    assert "IF(`x` IS NULL, X'FE', IFNULL(CONCAT(X'5C78', HEX(`x`)), X'FD'))" in query, "overflow is not NULL"
    assert query.endswith("FROM `db`.`t` WHERE `gxsj` >= <datetime.datetime(2026, 11, 1, 8, 0, 0, 250000)>")
    assert "\\" not in query, "no backslash in the SQL: NO_BACKSLASH_ESCAPES cannot change its meaning"
    assert not mysql_lines.supports(_table(("id", "integer"), ("geo", None)))  # type: ignore[arg-type]


def _packet(seq: int, payload: bytes) -> bytes:
    return len(payload).to_bytes(3, "little") + bytes([seq % 256]) + payload


def _coded(value: bytes) -> bytes:
    n = len(value)
    if n < 251:
        return bytes([n]) + value
    if n < 1 << 16:
        return b"\xfc" + n.to_bytes(2, "little") + value
    if n < 1 << 24:
        return b"\xfd" + n.to_bytes(3, "little") + value
    return b"\xfe" + n.to_bytes(8, "little") + value


class _Reader(io.BytesIO):
    """Hands out the stream in small pieces, so packets are cut across reads."""

    def read1(self, size: int = -1) -> bytes:
        return super().read1(min(size, 1000))


def _connection(stream: bytes) -> SimpleNamespace:
    result = SimpleNamespace(field_count=1, unbuffered_active=True)
    cursor = SimpleNamespace(execute=lambda query: None, close=lambda: None)
    conn = SimpleNamespace(_result=result, _rfile=_Reader(stream), _next_seq_id=0, cursor=lambda kind: cursor)
    conn.close = lambda: setattr(conn, "closed", True)
    return conn


def test_row_reader_slices_packets_of_every_length():
    values = [b"", b"a" * 250, b"b" * 251, b"c" * 70_000, b"d" * (1 << 24)]  # the last one spans two packets
    stream, seq = b"", 1
    for value in values:
        payload = _coded(value)
        while True:
            stream += _packet(seq, payload[:0xFFFFFF])
            seq += 1
            if len(payload) < 0xFFFFFF:
                break
            payload = payload[0xFFFFFF:]
    stream += _packet(seq, b"\xfe\x00\x00\x02\x00")  # EOF
    conn = _connection(stream)
    got = [row for batch in mysql_lines._row_batches(conn, "select", size=2) for row in batch]
    assert [len(v) for v in got] == [len(v) for v in values] and got == values
    assert conn._result.unbuffered_active is False and conn._next_seq_id == (seq + 1) % 256


def test_row_reader_raises_the_servers_error():
    error = b"\xff" + (1292).to_bytes(2, "little") + b"#22007Incorrect datetime value"
    conn = _connection(_packet(1, _coded(b"row")) + _packet(2, error))
    with pytest.raises(pymysql.err.OperationalError, match="Incorrect datetime"):
        list(mysql_lines._row_batches(conn, "select"))
    assert conn._result.unbuffered_active is False


def test_row_reader_left_before_the_end_closes_the_connection():
    conn = _connection(b"".join(_packet(n + 1, _coded(b"row")) for n in range(10)))  # no EOF yet
    batches = mysql_lines._row_batches(conn, "select", size=2)
    assert next(batches) == [b"row"] * 10
    batches.close()
    assert getattr(conn, "closed", False), "rows still on the wire: the connection must not be used again"


def test_a_value_past_max_allowed_packet_is_not_taken_for_null():
    with pytest.raises(mysql_lines.LineTooLong):
        _buffer([SEP.join([b"1", b"x", NULL, NULL, NULL, b"\xfd"])])


def test_a_line_past_max_allowed_packet_is_read_to_the_end_then_reported():
    rows = _packet(1, _coded(b"row")) + _packet(2, b"\xfb") + _packet(3, _coded(b"row"))  # 0xFB: a NULL line
    conn = _connection(rows + _packet(4, b"\xfe"))
    with pytest.raises(mysql_lines.LineTooLong):
        list(mysql_lines._row_batches(conn, "select"))
    assert not getattr(conn, "closed", False) and conn._next_seq_id == 5, "read to its end: the connection is usable"
