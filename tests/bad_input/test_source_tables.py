"""What a table is: views, materialized views, partitions, types the warehouse lacks, declared tables missing."""

from __future__ import annotations

import pytest

from govdata import config, warehouse
from govdata.config import Department
from govdata.crawl.run import crawl_department

pytestmark = pytest.mark.integration

CODE = "shapes"
DATABASE = "govdata_dept_shapes"


@pytest.fixture
def shapes(pg, warehouse_conn):
    """A source with a view, a materialized view, a partitioned table, enum/domain arrays and hstore."""
    pg.ensure_database(DATABASE)
    with warehouse.connect(config.database_url(DATABASE), autocommit=True) as src:
        src.execute("drop schema public cascade; create schema public")
        src.execute("create extension if not exists hstore")
        src.execute(
            """
            create type mood as enum ('好', '一般', '差');
            create domain phone as text check (value ~ '^1[0-9]{10}$');
            create table person (id int primary key, xm text, moods mood[], phones phone[], attrs hstore,
                                 gxsj timestamp not null default '2026-10-01');
            comment on table person is '人员';
            insert into person (id, xm, moods, phones, attrs) values
              (1, '张三', '{好,差}', '{13800138000,13900139000}', 'a=>1, b=>"x y"'),
              (2, '李四', null, '{}', null);
            create view person_view as select id, xm from person;
            comment on view person_view is '人员视图';
            create materialized view person_count as select count(*) as n from person;
            create table event (id int, day date not null, note text) partition by range (day);
            create table event_2025 partition of event for values from ('2025-01-01') to ('2026-01-01');
            create table event_2026 partition of event for values from ('2026-01-01') to ('2027-01-01');
            insert into event select g, date '2025-06-01' + g * 10, '事件' || g from generate_series(1, 40) g;
            """
        )
    if warehouse_conn.execute("select to_regclass('meta.crawl_run') is not null").fetchone()[0]:
        warehouse_conn.execute("delete from meta.crawl_run where department_code = %s", (CODE,))
        warehouse_conn.execute("delete from meta.snapshot_state where department_code = %s", (CODE,))
    warehouse_conn.execute(f"drop schema if exists raw_{CODE} cascade")
    return Department.model_validate(
        {
            "code": CODE, "name": "形态测试局", "short_name": "形态局", "org_code": "11440300MB2C00006X",
            "contact": {"name": "测试员", "email": "t@example.gov.cn"},
            "database": {"url": config.database_url(DATABASE)},
            "tables": [
                {"name": "person", "update_cycle": "每日", "update_column": "gengxin_sj"},
                {"name": "retired_table", "update_cycle": "每月"},
            ],
        }
    )  # fmt: skip


def test_views_partitions_and_foreign_types_are_crawled_and_declarations_checked(shapes, warehouse_conn):
    summary = crawl_department(shapes, run_id="shapes-1")
    assert summary.status == "partial", "the declaration mistakes are recorded"
    harvested = {
        name: (object_type, rows, mode)
        for name, object_type, rows, mode in warehouse_conn.execute(
            "select source_name, object_type, row_count, snapshot_mode from meta.harvested_table"
            " where crawl_run_id = %s",
            (summary.crawl_run_id,),
        )
    }
    assert harvested == {
        "person": ("table", 2, "full"),
        "person_view": ("view", 2, "full"),
        "person_count": ("materialized view", 1, "full"),
        "event": ("partitioned table", 40, "full"),
    }, "partitions are part of their parent, not tables of their own"
    row = warehouse_conn.execute(f"select moods, phones, attrs from raw_{CODE}.person where id = 1").fetchone()
    assert row == ("{好,差}", "{13800138000,13900139000}", '"a"=>"1", "b"=>"x y"')
    assert warehouse_conn.execute(f"select count(*) from raw_{CODE}.event").fetchone() == (40,)
    errors = {
        (name, error_type): (column, message)
        for name, error_type, column, message in warehouse_conn.execute(
            "select source_name, error_type, column_name, message from meta.crawl_error where crawl_run_id = %s",
            (summary.crawl_run_id,),
        )
    }
    assert set(errors) == {("retired_table", "declared_missing"), ("person", "declared_column_missing")}
    assert errors[("person", "declared_column_missing")][0] == "gengxin_sj"
    assert errors[("person", "declared_column_missing")][1].startswith("形态测试局 (shapes): table 'person'")
    assert "retired_table" in errors[("retired_table", "declared_missing")][1]
