"""Personal data inside jsonb and arrays, crawled and classified for real: graded like the same text."""

from __future__ import annotations

import json

import pytest
from psycopg import sql

from govdata import config, warehouse
from govdata.config import Department
from tests.unit.test_containers import MOBILES, RESIDENT_IDS, _people

pytestmark = pytest.mark.integration

CODE = "containers"


@pytest.fixture
def container_dept(pg, warehouse_conn):
    """A source whose personal data sits in jsonb documents and a text[] column only."""
    database = "govdata_dept_containers"
    pg.ensure_database(database)
    with warehouse.connect(config.database_url(database), autocommit=True) as src:
        src.execute("drop schema public cascade; create schema public")
        src.execute("create table applicant (id int primary key, ext_info jsonb, lxdh_list text[], bz json)")
        with src.cursor() as cur:
            cur.executemany(
                "insert into applicant values (%s, %s, %s, %s)",
                [(i, doc, MOBILES[i : i + 2], json.dumps({"code": f"A{i:03d}"})) for i, doc in enumerate(_people())],
            )
    yield Department.model_validate(
        {
            "code": CODE, "name": "容器测试局", "short_name": "容器局", "org_code": "11440300MB2C00003X",
            "contact": {"name": "测试员", "email": "t@example.gov.cn"},
            "database": {"url": config.database_url(database)},
        }
    )  # fmt: skip
    for table in ("field_classification", "table_classification"):
        warehouse_conn.execute(
            sql.SQL("delete from governance.{} where department_code = %s").format(sql.Identifier(table)), (CODE,)
        )
    warehouse_conn.execute("delete from meta.crawl_run where department_code = %s", (CODE,))
    warehouse_conn.execute("delete from meta.snapshot_state where department_code = %s", (CODE,))
    warehouse_conn.execute(f"drop schema if exists raw_{CODE} cascade")


def test_json_and_array_columns_are_graded_by_what_they_hold(container_dept, warehouse_conn):
    from govdata.classify.run import classify_department
    from govdata.crawl.run import crawl_department

    crawl_department(container_dept, run_id="containers-1")
    classify_department(container_dept)
    graded = dict(
        (column, (entity, grade))
        for column, entity, grade in warehouse_conn.execute(
            "select column_name, entity, grade from governance.field_classification where department_code = %s",
            (CODE,),
        )
    )
    assert graded["ext_info"] == ("CN_RESIDENT_ID", "L4")
    assert graded["lxdh_list"][0] == "CN_MOBILE"
    assert graded["bz"][0] == "NONE"
    table_grade = warehouse_conn.execute(
        "select grade from governance.table_classification where department_code = %s", (CODE,)
    ).fetchone()[0]
    assert table_grade == "L4"
    evidence = " ".join(
        json.dumps(r[0], ensure_ascii=False)
        for r in warehouse_conn.execute(
            "select evidence from governance.field_classification where department_code = %s", (CODE,)
        )
    )
    assert not any(value in evidence for value in RESIDENT_IDS + MOBILES)
