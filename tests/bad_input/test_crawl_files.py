"""The whole bad-file table dropped into one department's folder and crawled: each file fails alone."""

from __future__ import annotations

import pytest

from govdata.config import Department
from govdata.crawl.run import crawl_department
from tests.bad_input.cases import FILE_CASES, LEAK_MARKERS

pytestmark = pytest.mark.integration


@pytest.fixture
def hostile_dept(pg, tmp_path, warehouse_conn):
    """A department whose drop folder holds every bad file at once, next to good ones."""
    drop, outside = tmp_path / "drop", tmp_path / "outside"
    drop.mkdir()
    outside.mkdir()
    for case in FILE_CASES:
        case.make(drop / case.name, outside)
    dept = Department.model_validate(
        {
            "code": "hostile",
            "name": "恶意输入测试局",
            "short_name": "恶意局",
            "org_code": "11440300MB2C00002X",
            "contact": {"name": "测试员", "email": "t@example.gov.cn"},
            "drop_folder": str(drop),
        }
    )
    if warehouse_conn.execute("select to_regclass('meta.crawl_run') is not null").fetchone()[0]:
        warehouse_conn.execute("delete from meta.crawl_run where department_code = 'hostile'")
        warehouse_conn.execute("delete from meta.snapshot_state where department_code = 'hostile'")
    warehouse_conn.execute("drop schema if exists raw_hostile cascade")
    return dept


def test_every_bad_file_is_recorded_and_every_good_one_crawled(hostile_dept, warehouse_conn):
    summary = crawl_department(hostile_dept, run_id="hostile-1")
    assert summary.status == "partial"
    run_status = warehouse_conn.execute(
        "select status, finished_at is not null from meta.crawl_run where crawl_run_id = %s", (summary.crawl_run_id,)
    ).fetchone()
    assert run_status == ("partial", True), "every run ends with a final status"

    errors = {
        name: (error_type, message)
        for name, error_type, message in warehouse_conn.execute(
            "select source_name, error_type, message from meta.crawl_error where crawl_run_id = %s",
            (summary.crawl_run_id,),
        )
    }
    harvested = {
        name: rows
        for name, rows in warehouse_conn.execute(
            "select file_name, row_count from meta.harvested_table where crawl_run_id = %s", (summary.crawl_run_id,)
        )
    }
    for case in FILE_CASES:
        if case.expect is None:
            assert case.name not in errors, errors.get(case.name)
            if case.rows is not None:
                assert harvested.get(case.name) == case.rows, case.name
            continue
        error_type, fragment = case.expect
        assert case.name in errors, f"{case.name} not recorded"
        assert errors[case.name][0] == error_type
        assert errors[case.name][1].startswith("恶意输入测试局 (hostile): " + case.name), errors[case.name][1]
        assert fragment in errors[case.name][1]
        assert case.name not in harvested
    assert set(errors) <= {c.name for c in FILE_CASES}

    # nothing read through a link leaving the folder reached the warehouse's metadata or snapshots
    names = " ".join(r[0] for r in warehouse_conn.execute("select column_name from meta.harvested_column"))
    for marker in LEAK_MARKERS:
        assert marker not in names
        assert marker not in " ".join(m for _, m in errors.values())
    assert warehouse_conn.execute("select to_regclass('raw_hostile.link_to_password')").fetchone()[0] is None
