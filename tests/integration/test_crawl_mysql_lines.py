"""MariaDB tables copied by the server-built lines: the same snapshot as the generic path, value by value."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from decimal import Decimal

import pymysql
import pytest
from sqlalchemy.engine import make_url

from govdata.config import Department
from govdata.crawl import mysql_lines
from govdata.crawl.harvest import harvest_database
from govdata.crawl.run import CrawlIncomplete, crawl_department
from govdata.crawl.snapshot import snapshot_full
from govdata.crawl.sources import SqlSource, open_source

pytestmark = pytest.mark.integration

DB = "govdata_dept_mylines"
ODD = """
create table odd (id int primary key, t text, v varchar(20), c varchar(4) character set gbk, e enum('甲','b'),
  s set('x','y'), b tinyint(1), bt bit(1), b8 bit(8), d date, dtm datetime(6), tm time, j json, bl blob,
  vb varbinary(8), n decimal(10,2), f float, dbl double, y year, u bigint unsigned, sm smallint)
"""
ODD_ROWS = [
    (1, "a\tb\nc\rd\\e 😀𠮷", "tab\there", "中文\\", "甲", "x,y", 1, 1, 5, "2026-01-02", "2026-01-02 03:04:05.250000",
     "09:30:00", '{"k": "值\\n", "e": "👍"}', b"\x00\xff\t\n\\N", b"\\x", "-12.50", 0.5, 1e300, 2026,
     18446744073709551615, -32768),
    (2, None, None, None, None, None, None, None, None, None, None, None, None, None, None, None, None, None, None,
     None, None),
    (3, "", "", "", "b", "", 0, 0, 0, "0000-00-00", "0000-00-00 00:00:00", "24:00:00", "[]", b"", b"", "0", 0, 0,
     0, 0, 0),
    (4, "\\N", "nul\x00in\x00side", "NULL", "b", "y", 2, 1, 255, "2026-12-31", "2026-12-31 23:59:59.999999",
     "00:00:00", "null", b"\x00", b"\x00" * 8, "99999999.99", -1.5, -2.5e-300, 1901, 1, 32767),
]  # fmt: skip


def _dept(code: str, database: str, url: str) -> Department:
    return Department.model_validate(
        {
            "code": code, "name": f"{code}测试局", "short_name": f"{code}局", "org_code": "11440300MB2C00002X",
            "contact": {"name": "测试员", "email": "t@example.gov.cn"}, "database": {"url": url},
        }
    )  # fmt: skip


@pytest.fixture
def source_db(mariadb):
    admin = make_url(mariadb.admin_url())
    conn = pymysql.connect(host=admin.host, port=admin.port, user=admin.username, password=admin.password,
                           charset="utf8mb4", autocommit=True)  # fmt: skip
    with conn.cursor() as cur:
        cur.execute(f"drop database if exists {DB}")
        cur.execute(f"create database {DB}")
        cur.execute(f"use {DB}")
        cur.execute("set sql_mode = ''")  # the legacy systems' zero dates
    yield conn
    with conn.cursor() as cur:
        cur.execute(f"drop database {DB}")
    conn.close()


def test_server_built_lines_match_the_generic_path(mariadb, pg, warehouse_conn, source_db, monkeypatch):
    with source_db.cursor() as cur:
        cur.execute(ODD)
        cur.executemany(f"insert into odd values ({', '.join(['%s'] * 21)})", ODD_ROWS)
    dept = _dept("mylines", DB, mariadb.url(DB))
    source = open_source(mariadb.url(DB))
    table = next(t for t in harvest_database(dept, source.engine, []) if t.source_table == "odd")
    used = []
    monkeypatch.setattr(mysql_lines, "copy", lambda *a, _real=mysql_lines.copy: used.append(1) or _real(*a))
    for schema in ("lines_fast", "lines_generic"):
        warehouse_conn.execute(f"drop schema if exists {schema} cascade; create schema {schema}")
    try:
        fast = snapshot_full(source, warehouse_conn, "lines_fast", table)
        monkeypatch.setattr(SqlSource, "_server_builds_lines", lambda self, t: False)
        generic = snapshot_full(source, warehouse_conn, "lines_generic", table)
    finally:
        source.close()
    assert used == [1], "the MariaDB table went through the server-built lines"
    assert (fast.rows_copied, generic.rows_copied) == (4, 4)
    assert (
        fast.conversions
        == generic.conversions
        == Counter({("d", "zero_date"): 1, ("dtm", "zero_date"): 1, ("v", "nul_removed"): 1})
    )
    columns = ", ".join(c.name if c.name != "tm" else "tm::text" for c in table.columns)  # 24:00 is no Python time
    rows = {
        s: warehouse_conn.execute(f"select {columns} from {s}.odd order by id").fetchall()
        for s in ("lines_fast", "lines_generic")
    }
    assert rows["lines_fast"] == rows["lines_generic"]
    one, two, three, four = rows["lines_fast"]
    assert one[1:5] == ("a\tb\nc\rd\\e 😀𠮷", "tab\there", "中文\\", "甲"), "escapes, 4-byte UTF-8, GBK converted"
    assert (one[5], one[6], one[7], one[8]) == ("x,y", True, True, "00000101")
    assert (one[9], one[10], one[11]) == (dt.date(2026, 1, 2), dt.datetime(2026, 1, 2, 3, 4, 5, 250000), "09:30:00")
    assert one[12] == {"k": "值\n", "e": "👍"} and bytes(one[13]) == b"\x00\xff\t\n\\N" and bytes(one[14]) == b"\\x"
    assert (one[15], one[18], one[19], one[20]) == (Decimal("-12.50"), 2026, Decimal(18446744073709551615), -32768)
    assert two[1:] == (None,) * 20, "NULL stays NULL"
    assert three[1:4] == ("", "", "") and bytes(three[13]) == b"" and three[12] == [], "empty is not NULL"
    assert (three[9], three[10], three[11]) == (None, None, "24:00:00"), "zero dates → NULL; 24:00:00 fits"
    assert (four[1], four[2], four[3], four[6]) == ("\\N", "nulinside", "NULL", True)
    assert bytes(four[14]) == b"\x00" * 8


def test_time_that_does_not_fit_fails_only_its_table_naming_the_column(mariadb, pg, warehouse_conn, source_db):
    from govdata.crawl.run import ensure_meta_schema

    with source_db.cursor() as cur:
        cur.execute("create table a_late (id int primary key, tm time, mc varchar(10))")
        cur.execute("insert into a_late values (1, '08:00:00', '一'), (2, '23:59:59', '二')")
        cur.execute("create table b_ok (id int primary key, mc varchar(10))")
        cur.execute("insert into b_ok values (1, '一')")
    dept = _dept("mylate", DB, mariadb.url(DB))
    ensure_meta_schema(warehouse_conn)
    warehouse_conn.execute("drop schema if exists raw_mylate cascade")
    warehouse_conn.execute("delete from meta.snapshot_state where department_code = 'mylate'")
    assert crawl_department(dept, run_id="late-1").row_count == 3
    with source_db.cursor() as cur:  # MySQL TIME is a duration up to 838 hours; PostgreSQL's time is not
        cur.execute("insert into a_late values (3, '25:00:00', '三'), (4, '-01:00:00', '四')")
        cur.execute("insert into b_ok values (2, '二')")
    with pytest.raises(CrawlIncomplete, match=r"mylate测试局 \(mylate\): table 'a_late', column 'tm'.*key \(3\)"):
        crawl_department(dept, run_id="late-2")
    assert warehouse_conn.execute("select count(*) from raw_mylate.a_late").fetchone()[0] == 2, "old snapshot kept"
    assert warehouse_conn.execute("select count(*) from raw_mylate.b_ok").fetchone()[0] == 2, "the next table copied"
    column = warehouse_conn.execute(
        "select e.column_name from meta.crawl_error e join meta.crawl_run r using (crawl_run_id)"
        " where r.run_id = 'late-2' and e.error_type = 'copy_failed'"
    ).fetchone()[0]
    assert column == "tm"


def test_row_too_long_for_one_line_is_copied_the_generic_way(mariadb, pg, warehouse_conn, source_db, monkeypatch):
    blob = b"\xab" * 9_000_000  # 18 MB in hex: more than max_allowed_packet (16 MB), so CONCAT_WS gives NULL
    with source_db.cursor() as cur:
        cur.execute("create table big (id int primary key, bl longblob, mc varchar(10))")
        cur.execute("insert into big values (1, 'x', '一'), (2, repeat(x'ab', 9000000), '二')")
    source = open_source(mariadb.url(DB))
    table = next(t for t in harvest_database(_dept("mybig", DB, ""), source.engine, []) if t.source_table == "big")
    raised = []

    def spy(*args, _real=mysql_lines.copy):
        try:
            return _real(*args)
        except mysql_lines.LineTooLong as exc:
            raised.append(exc)
            raise

    monkeypatch.setattr(mysql_lines, "copy", spy)
    warehouse_conn.execute("drop schema if exists lines_big cascade; create schema lines_big")
    try:
        result = snapshot_full(source, warehouse_conn, "lines_big", table)
    finally:
        source.close()
    assert raised and result.rows_copied == 2
    rows = warehouse_conn.execute("select id, length(bl), mc from lines_big.big order by id").fetchall()
    assert rows == [(1, 1, "一"), (2, 9_000_000, "二")]
    assert warehouse_conn.execute("select bl = %s from lines_big.big where id = 2", (blob,)).fetchone()[0]
