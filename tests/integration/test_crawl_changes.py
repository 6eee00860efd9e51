"""Crawl behaviour on a scratch department the tests change at will: schema changes, increments, atomicity."""

from __future__ import annotations

import pytest
from psycopg import sql

from govdata import config, warehouse
from govdata.config import Department
from govdata.crawl.harvest import harvest_database
from govdata.crawl.run import crawl_department
from govdata.crawl.snapshot import snapshot_full
from govdata.crawl.sources import PgSource

pytestmark = pytest.mark.integration


@pytest.fixture
def scratch(pg, tmp_path):
    """A department with its own fresh database and drop folder."""
    pg.ensure_database("govdata_dept_scratch")
    src = warehouse.connect(config.database_url("govdata_dept_scratch"), autocommit=True)
    src.execute("drop schema public cascade; create schema public")
    src.execute(
        """
        create table person (id integer primary key, xm varchar(20), sfzh char(18), gxsj timestamp not null);
        comment on table person is '人员信息';
        comment on column person.xm is '姓名';
        insert into person select g, '张' || g, lpad(g::text, 18, '0'), timestamp '2026-10-01' + g * interval '1 minute'
        from generate_series(1, 500) g;
        create table code_list (dm text, mc text);
        insert into code_list values ('01', '一'), ('02', '二');
        create table old_table (id int);
        """
    )
    drop = tmp_path / "drop"
    drop.mkdir()
    dept = Department.model_validate(
        {
            "code": "scratch",
            "name": "测试数据局",
            "short_name": "测试局",
            "org_code": "11440300MB2C00001X",
            "contact": {"name": "测试员", "email": "t@example.gov.cn"},
            "database": {"url": config.database_url("govdata_dept_scratch")},
            "drop_folder": str(drop),
            "tables": [{"name": "person", "update_cycle": "每日", "update_column": "gxsj"}],
        }
    )
    with warehouse.connect(autocommit=True) as wh:
        wh.execute("delete from meta.crawl_run where department_code = 'scratch'") if _has_meta(wh) else None
        wh.execute("delete from meta.snapshot_state where department_code = 'scratch'") if _has_meta(wh) else None
        wh.execute("drop schema if exists raw_scratch cascade")
    yield dept, src, drop
    src.close()


def _has_meta(wh) -> bool:
    return wh.execute("select to_regclass('meta.crawl_run') is not null").fetchone()[0]


def _changes(wh, crawl_run_id):
    return sorted(
        wh.execute(
            "select change_type, source_name, coalesce(column_name, ''), coalesce(old_value, ''),"
            " coalesce(new_value, '') from meta.schema_change where crawl_run_id = %s",
            (crawl_run_id,),
        ).fetchall()
    )


def test_schema_changes_are_detected_exactly(scratch, warehouse_conn):
    dept, src, _ = scratch
    first = crawl_department(dept, run_id="scratch-1")
    assert first.schema_changes == 0  # the first crawl is the baseline
    src.execute(
        """
        alter table person add column lxdh varchar(11);
        alter table code_list drop column mc;
        alter table code_list alter column dm type integer using dm::integer;
        drop table old_table;
        create table new_table (id int primary key);
        """
    )
    second = crawl_department(dept, run_id="scratch-2")
    assert _changes(warehouse_conn, second.crawl_run_id) == sorted(
        [
            ("column_added", "person", "lxdh", "", "varchar(11)"),
            ("column_dropped", "code_list", "mc", "text", ""),
            ("type_changed", "code_list", "dm", "text", "integer"),
            ("table_dropped", "old_table", "", "", ""),
            ("table_added", "new_table", "", "", ""),
        ]
    )
    third = crawl_department(dept, run_id="scratch-3")
    assert third.schema_changes == 0
    # the raw snapshot follows the new structure
    cols = [
        r[0]
        for r in warehouse_conn.execute(
            "select column_name from information_schema.columns where table_schema = 'raw_scratch'"
            " and table_name = 'person' order by ordinal_position"
        )
    ]
    assert cols == ["id", "xm", "sfzh", "gxsj", "lxdh"]


def test_incremental_copy_merges_updates_by_key_and_falls_back_on_deletes(scratch, warehouse_conn):
    dept, src, _ = scratch
    crawl_department(dept, run_id="inc-1")
    src.execute("update person set xm = '李四', gxsj = timestamp '2026-11-01' where id = 7")
    src.execute("insert into person values (501, '王五', '000000000000000501', timestamp '2026-11-01')")
    crawl_department(dept, run_id="inc-2")
    mode, copied, count = warehouse_conn.execute(
        """
        select t.snapshot_mode, t.rows_copied, t.row_count from meta.harvested_table t
        join meta.crawl_run r using (crawl_run_id) where r.run_id = 'inc-2' and t.source_name = 'person'
        """
    ).fetchone()
    # 2 changed rows plus row 500, stamped exactly at the previous watermark (the >= overlap)
    assert (mode, copied, count) == ("incremental", 3, 501)
    assert warehouse_conn.execute("select xm from raw_scratch.person where id = 7").fetchone()[0] == "李四"
    # a delete cannot be seen through the timestamp: the row-count check forces a full copy
    src.execute("delete from person where id < 11")
    crawl_department(dept, run_id="inc-3")
    mode, count = warehouse_conn.execute(
        """
        select t.snapshot_mode, t.row_count from meta.harvested_table t
        join meta.crawl_run r using (crawl_run_id) where r.run_id = 'inc-3' and t.source_name = 'person'
        """
    ).fetchone()
    assert (mode, count) == ("full", 491)
    assert warehouse_conn.execute("select count(*) from raw_scratch.person").fetchone()[0] == 491


def test_failed_copy_keeps_the_previous_snapshot(scratch, warehouse_conn):
    dept, src, _ = scratch
    crawl_department(dept, run_id="atomic-1")
    eng = warehouse.engine(dept.database.expanded_url())
    tables = {t.source_name: t for t in harvest_database(dept, eng, ["public"])}
    eng.dispose()
    # the table disappears between harvest and copy: the copy fails mid-transaction
    src.execute("drop table code_list")
    with pytest.raises(Exception, match="code_list"):
        snapshot_full(PgSource(src), warehouse_conn, "raw_scratch", tables["code_list"])
    assert warehouse_conn.execute("select count(*) from raw_scratch.code_list").fetchone()[0] == 2


def test_bad_file_and_hostile_names_in_a_drop_folder(scratch, warehouse_conn):
    dept, src, drop = scratch
    (drop / "名单.csv").write_bytes("姓名,电话\n张三,13800138000\n".encode("gb18030"))
    (drop / "bom.csv").write_bytes('\ufeffselect,a"b\n1,2\n'.encode())
    (drop / "broken.xlsx").write_bytes(b"not a zip file")
    summary = crawl_department(dept, run_id="files-1")
    assert summary.status == "partial"
    assert [e["source_name"] for e in summary.errors] == ["broken.xlsx"]
    assert "测试数据局 (scratch)" in summary.errors[0]["message"]
    assert warehouse_conn.execute('select "姓名" from raw_scratch."名单"').fetchone()[0] == "张三"
    row = warehouse_conn.execute(sql.SQL('select "select", {} from raw_scratch.bom').format(sql.Identifier('a"b')))
    assert row.fetchone() == ("1", "2")
