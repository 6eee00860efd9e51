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
    _flush_stats(src)  # so the first crawl's fingerprints include the rows just inserted
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


# ------------------------------------------------------------------------------------------------ fingerprints
def _flush_stats(src) -> None:
    """Publish the source session's statistics now: PostgreSQL may otherwise show them up to ~1 s late."""
    src.execute("select pg_stat_force_next_flush()")


def _modes(wh, run_id):
    return dict(
        wh.execute(
            "select t.source_name, t.snapshot_mode from meta.harvested_table t join meta.crawl_run r"
            " using (crawl_run_id) where r.run_id = %s",
            (run_id,),
        ).fetchall()
    )


def _rows(conn, schema, table):
    target = sql.SQL("{}.{}").format(sql.Identifier(schema), sql.Identifier(table))
    return sorted(r[0] for r in conn.execute(sql.SQL("select t::text from {} t").format(target)))


def test_unchanged_recrawl_skips_every_table(scratch, warehouse_conn):
    dept, src, drop = scratch
    (drop / "名单.csv").write_text("姓名,电话\n张三,13800138000\n", encoding="utf-8")
    first = crawl_department(dept, run_id="same-1")
    before = {t: _rows(warehouse_conn, "raw_scratch", t) for t in ("person", "code_list", "old_table", "名单")}
    again = crawl_department(dept, run_id="same-2")
    assert _modes(warehouse_conn, "same-2") == dict.fromkeys(before, "unchanged")
    assert (again.rows_copied, again.row_count, again.schema_changes) == (0, first.row_count, 0)
    assert {t: _rows(warehouse_conn, "raw_scratch", t) for t in before} == before
    counts = warehouse_conn.execute(
        "select t.source_name, t.row_count, t.rows_copied from meta.harvested_table t join meta.crawl_run r"
        " using (crawl_run_id) where r.run_id = 'same-2' order by 1"
    ).fetchall()
    assert counts == [("code_list", 2, 0), ("old_table", 0, 0), ("person", 500, 0), ("名单", 1, 0)]


@pytest.mark.parametrize(
    ("table", "change"),
    [
        ("code_list", "insert into code_list values ('03', '三')"),
        # same row count, no update column: only the statistics can tell
        ("code_list", "update code_list set mc = '壹' where dm = '01'"),
        ("code_list", "delete from code_list where dm = '02'"),
        ("code_list", "truncate code_list"),
        ("code_list", "alter table code_list add column bz text"),
        ("person", "update person set xm = '李四', gxsj = timestamp '2026-11-01' where id = 7"),
        ("person", "delete from person where id = 9"),
    ],
    ids=["insert", "update", "delete", "truncate", "alter", "update-stamped", "delete-keyed"],
)
def test_a_change_to_one_table_is_copied_on_the_next_crawl(scratch, warehouse_conn, table, change):
    dept, src, _ = scratch
    crawl_department(dept, run_id="one-1")
    src.execute(change)
    _flush_stats(src)
    crawl_department(dept, run_id="one-2")
    modes = _modes(warehouse_conn, "one-2")
    assert modes.pop(table) in ("full", "incremental")
    assert set(modes.values()) == {"unchanged"}
    assert _rows(warehouse_conn, "raw_scratch", table) == _rows(src, "public", table)


def test_a_stats_reset_never_makes_a_changed_table_look_unchanged(scratch, warehouse_conn):
    dept, src, _ = scratch

    def updates():
        return src.execute("select pg_stat_get_tuples_updated('code_list'::regclass)").fetchone()[0]

    # after each reset the same single update: counters, row count and relfilenode all come out equal
    src.execute("select pg_stat_reset()")
    src.execute("update code_list set mc = '甲' where dm = '01'")
    _flush_stats(src)
    assert updates() == 1
    crawl_department(dept, run_id="reset-1")
    src.execute("select pg_stat_reset()")
    src.execute("update code_list set mc = '乙' where dm = '01'")
    _flush_stats(src)
    assert updates() == 1
    crawl_department(dept, run_id="reset-2")
    assert _modes(warehouse_conn, "reset-2")["code_list"] == "full"
    assert warehouse_conn.execute("select mc from raw_scratch.code_list where dm = '01'").fetchone()[0] == "乙"


def test_generic_fingerprint_vouches_only_for_tables_with_an_update_column(scratch):
    from govdata.crawl.fingerprint import generic_fingerprints

    dept, src, _ = scratch
    eng = warehouse.engine(dept.database.expanded_url())
    try:
        tables = harvest_database(dept, eng, ["public"])
        with eng.connect() as conn:
            before = generic_fingerprints(conn, tables)
        src.execute("update person set gxsj = timestamp '2026-12-01' where id = 1")
        with eng.connect() as conn:
            after = generic_fingerprints(conn, tables)
    finally:
        eng.dispose()
    assert before["code_list"] is None and before["old_table"] is None
    assert before["person"] == "rows=500:max=2026-10-01 08:20:00"
    assert after["person"] == "rows=500:max=2026-12-01 00:00:00"


def test_meta_schema_upgrades_an_old_database_once(warehouse_conn):
    from govdata.crawl.run import ensure_meta_schema

    ensure_meta_schema(warehouse_conn)
    warehouse_conn.execute(
        """
        alter table meta.harvested_table drop constraint harvested_table_snapshot_mode_check;
        alter table meta.harvested_table add constraint harvested_table_snapshot_mode_check
            check (snapshot_mode in ('full', 'incremental', 'failed')) not valid;  -- rows of other tests
        alter table meta.snapshot_state drop column fingerprint, drop column update_column;
        delete from govdata.schema_version where stage = 'meta';  -- a database from before versions were kept
        """
    )
    assert ensure_meta_schema(warehouse_conn) is True
    assert ensure_meta_schema(warehouse_conn) is False  # idempotent: the same version is not re-applied
    check = warehouse_conn.execute(
        "select pg_get_constraintdef(oid) from pg_constraint where conname = 'harvested_table_snapshot_mode_check'"
    ).fetchall()
    assert len(check) == 1 and "'unchanged'" in check[0][0]
    columns = warehouse_conn.execute(
        "select column_name from information_schema.columns where table_schema = 'meta'"
        " and table_name = 'snapshot_state' and column_name in ('fingerprint', 'update_column')"
    ).fetchall()
    assert len(columns) == 2
