"""Crawling departments that do not run PostgreSQL: the demo's MariaDB and SQLite ones, and scratch tables."""

from __future__ import annotations

import datetime as dt
import sqlite3
from decimal import Decimal

import pymysql
import pytest
from sqlalchemy.engine import make_url

from govdata.config import Department
from govdata.crawl.run import CrawlIncomplete, crawl_department

pytestmark = pytest.mark.integration


def _types(conn, schema, table):
    return dict(
        conn.execute(
            "select column_name, format_type(atttypid, atttypmod) from information_schema.columns c"
            " join pg_attribute a on a.attrelid = format('%%I.%%I', table_schema, table_name)::regclass"
            " and a.attname = c.column_name where table_schema = %s and table_name = %s",
            (schema, table),
        ).fetchall()
    )


def test_mariadb_types_values_and_conversions(crawled, demo, warehouse_conn):
    assert demo["departments"]["rsj"]["engine"] == "mariadb"
    types = _types(warehouse_conn, "raw_rsj", "zyjn_pxbt")
    assert types == {
        "sqbh": "character varying(16)", "sfzh": "character varying(18)", "xm": "character varying(50)",
        "pxzy": "character varying(50)", "pxdj": "text", "bzlx": "text", "sfhg": "boolean", "sfyx": "boolean",
        "bzje": "numeric(10,2)", "cql": "double precision", "pxnf": "smallint",
        "kssj": "timestamp without time zone", "jyrq": "date", "skss": "time without time zone", "kzxx": "jsonb",
        "clzy": "bytea", "zsbh": "character varying(30)", "xyfk": "text", "gxsj": "timestamp without time zone",
    }  # fmt: skip
    zero = {d["column"]: d["count"] for d in demo["defects"] if d["kind"] == "zero_date"}
    nulls = warehouse_conn.execute(
        "select count(*) filter (where kssj is null), count(*) filter (where jyrq is null),"
        " count(*) filter (where zsbh like '%%' || chr(1) || '%%' or length(zsbh) <> 10),"
        " bool_and(bzlx ~ '^[^,]+(,[^,]+)*$'), bool_and(length(clzy) = 16), bool_and(kzxx ? '课时'),"
        " count(*) filter (where xyfk ~ '[😀👍🌙]'), count(*) filter (where xyfk ~ '[𠮷𡃁]')"
        " from raw_rsj.zyjn_pxbt"
    ).fetchone()
    assert nulls[:3] == (zero["kssj"], zero["jyrq"], 0)
    assert nulls[3:6] == (True, True, True)
    assert nulls[6] > 0 and nulls[7] > 0, "4-byte UTF-8 (emoji, CJK Ext-B) must survive"
    notes = warehouse_conn.execute(
        "select e.column_name, e.message from meta.crawl_error e join meta.crawl_run r using (crawl_run_id)"
        " where r.run_id = %s and e.department_code = 'rsj' and e.error_type = 'value_converted' order by 1",
        (crawled.run_id,),
    ).fetchall()
    assert [n[0] for n in notes] == ["jyrq", "kssj", "zsbh"]
    assert "zero dates" in notes[0][1] and "NUL" in notes[2][1]
    status = warehouse_conn.execute(
        "select status from meta.crawl_run where run_id = %s and department_code = 'rsj'", (crawled.run_id,)
    ).fetchone()[0]
    assert status == "success", "converted values are reported, they do not fail the crawl"


def test_sqlite_department_is_crawled(crawled, demo, warehouse_conn):
    assert demo["departments"]["mzj"]["engine"] == "sqlite"
    types = _types(warehouse_conn, "raw_mzj", "shzz_djxx")
    assert types["clrq"] == "date" and types["zczj"] == "numeric(14,2)" and types["sfyx"] == "boolean"
    assert types["gxsj"] == "timestamp without time zone"
    row = warehouse_conn.execute("select count(*), bool_or(sfyx), min(zczj) from raw_mzj.shzz_djxx").fetchone()
    assert row[0] == next(t["row_count"] for t in demo["departments"]["mzj"]["tables"] if t["name"] == "shzz_djxx")
    assert row[1] is True and row[2] >= Decimal("30000")


def _fresh(warehouse_conn, code: str) -> None:
    from govdata.crawl.run import ensure_meta_schema

    ensure_meta_schema(warehouse_conn)
    warehouse_conn.execute(f"drop schema if exists raw_{code} cascade")
    warehouse_conn.execute("delete from meta.snapshot_state where department_code = %s", (code,))
    warehouse_conn.execute("delete from meta.crawl_run where department_code = %s", (code,))


def _scratch_dept(code: str, url: str) -> Department:
    return Department.model_validate(
        {
            "code": code, "name": f"{code}测试局", "short_name": f"{code}局", "org_code": "11440300MB2C00002X",
            "contact": {"name": "测试员", "email": "t@example.gov.cn"}, "database": {"url": url},
        }
    )  # fmt: skip


def test_mariadb_incremental_recrawl_and_deletion(mariadb, pg, warehouse_conn):
    admin = make_url(mariadb.admin_url())
    src = pymysql.connect(host=admin.host, port=admin.port, user=admin.username, password=admin.password,
                          charset="utf8mb4", autocommit=True)  # fmt: skip
    with src.cursor() as cur:
        cur.execute("drop database if exists govdata_dept_myscratch")
        cur.execute("create database govdata_dept_myscratch")
        cur.execute("use govdata_dept_myscratch")
        cur.execute(
            "create table person (id int primary key, xm varchar(20) comment '姓名', ok tinyint(1),"
            " gxsj datetime(6) not null comment '更新时间') comment '人员'"
        )
        rows = [(i, f"张{i}", i % 2, dt.datetime(2026, 10, 1) + dt.timedelta(minutes=i)) for i in range(1, 301)]
        cur.executemany("insert into person values (%s, %s, %s, %s)", rows)
    dept = _scratch_dept("myscratch", mariadb.url("govdata_dept_myscratch"))
    _fresh(warehouse_conn, "myscratch")
    first = crawl_department(dept, run_id="my-1")
    assert (first.status, first.row_count) == ("success", 300)
    with src.cursor() as cur:  # two rows change, stamped later (with microseconds: compared in the source's type)
        cur.execute("update person set xm = '李改', ok = 1, gxsj = '2026-11-01 08:00:00.250000' where id in (3, 4)")
    second = crawl_department(dept, run_id="my-2")
    mode, copied = warehouse_conn.execute(
        "select t.snapshot_mode, t.rows_copied from meta.harvested_table t join meta.crawl_run r using (crawl_run_id)"
        " where r.run_id = 'my-2' and t.source_name = 'person'"
    ).fetchone()
    # the two changed rows and the one at the previous watermark (>=: the overlap is merged by key)
    assert mode == "incremental" and copied == 3 and second.row_count == 300
    assert warehouse_conn.execute("select xm, ok from raw_myscratch.person where id = 3").fetchone() == ("李改", True)
    with src.cursor() as cur:
        cur.execute("delete from person where id = 10")
    third = crawl_department(dept, run_id="my-3")
    mode = warehouse_conn.execute(
        "select t.snapshot_mode from meta.harvested_table t join meta.crawl_run r using (crawl_run_id)"
        " where r.run_id = 'my-3' and t.source_name = 'person'"
    ).fetchone()[0]
    assert mode == "full" and third.row_count == 299
    with src.cursor() as cur:
        cur.execute("drop database govdata_dept_myscratch")
    src.close()


def test_sqlite_value_that_does_not_fit_fails_only_its_table(pg, warehouse_conn, tmp_path):
    path = tmp_path / "dept.sqlite"
    with sqlite3.connect(path) as conn:
        conn.executescript(
            "create table ok_table (id integer primary key, mc varchar(10));"
            "insert into ok_table values (1, '一'), (2, '二');"
            "create table person (id integer primary key, nl integer, gxsj timestamp);"
            "insert into person values (1, 30, '2026-10-01 00:00:00'), (2, 41, '2026-10-02 00:00:00');"
        )
    dept = _scratch_dept("sqscratch", f"sqlite:///file:{path}?mode=ro&uri=true")
    _fresh(warehouse_conn, "sqscratch")
    assert crawl_department(dept, run_id="sq-1").row_count == 4
    with sqlite3.connect(path) as conn:  # dynamic typing: text that is no number in an INTEGER column
        conn.execute("insert into person values (3, '三十', '2026-09-01 00:00:00')")
        conn.execute("insert into ok_table values (3, '三')")
    with pytest.raises(CrawlIncomplete, match=r"sqscratch测试局 \(sqscratch\): table 'person', column 'nl'.*key \(3\)"):
        crawl_department(dept, run_id="sq-2")
    assert warehouse_conn.execute("select count(*) from raw_sqscratch.person").fetchone()[0] == 2
    assert warehouse_conn.execute("select count(*) from raw_sqscratch.ok_table").fetchone()[0] == 3
    column = warehouse_conn.execute(
        "select e.column_name from meta.crawl_error e join meta.crawl_run r using (crawl_run_id)"
        " where r.run_id = 'sq-2' and e.error_type = 'copy_failed'"
    ).fetchone()[0]
    assert column == "nl"
