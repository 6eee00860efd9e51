"""Faults around a crawl: a poisoned watermark, two crawls at once, a crawl killed with kill -9."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from govdata import config, warehouse
from govdata.config import Department
from govdata.crawl.run import CrawlBusy, crawl_department, lock_department

pytestmark = pytest.mark.integration

CODE = "faults"
DATABASE = "govdata_dept_faults"
ENTRY = {
    "code": CODE, "name": "故障测试局", "short_name": "故障局", "org_code": "11440300MB2C00005X",
    "contact": {"name": "测试员", "email": "t@example.gov.cn"},
    "tables": [{"name": "person", "update_cycle": "每日", "update_column": "gxsj"}],
}  # fmt: skip


@pytest.fixture
def faults(pg, warehouse_conn):
    """A department with one table stamped by gxsj, and its connection to the source."""
    pg.ensure_database(DATABASE)
    src = warehouse.connect(config.database_url(DATABASE), autocommit=True)
    src.execute("drop schema public cascade; create schema public")
    src.execute(
        "create table person (id int primary key, xm text, gxsj timestamp not null);"
        "insert into person select g, '张' || g, timestamp '2026-10-01' + g * interval '1 minute'"
        " from generate_series(1, 200) g"
    )
    if warehouse_conn.execute("select to_regclass('meta.crawl_run') is not null").fetchone()[0]:
        warehouse_conn.execute("delete from meta.crawl_run where department_code = %s", (CODE,))
        warehouse_conn.execute("delete from meta.snapshot_state where department_code = %s", (CODE,))
    warehouse_conn.execute(f"drop schema if exists raw_{CODE} cascade")
    entry = ENTRY | {"database": {"url": config.database_url(DATABASE)}}
    yield Department.model_validate(entry), src
    src.close()


def _raw(wh, sql_text: str):
    return wh.execute(sql_text).fetchone()


def test_a_future_timestamp_is_reported_and_never_becomes_the_watermark(faults, warehouse_conn):
    dept, src = faults
    src.execute("update person set gxsj = '2099-01-01' where id = 1")
    first = crawl_department(dept, run_id="faults-1")
    assert first.status == "success", "future stamps are a data problem, not a failed crawl"
    assert first.errors == []
    notice = warehouse_conn.execute(
        "select column_name, message from meta.crawl_error where crawl_run_id = %s and error_type = 'future_timestamp'",
        (first.crawl_run_id,),
    ).fetchall()
    assert len(notice) == 1 and notice[0][0] == "gxsj"
    assert "故障测试局 (faults)" in notice[0][1] and "'person'" in notice[0][1]
    watermark = warehouse_conn.execute(
        "select watermark from meta.snapshot_state where department_code = %s", (CODE,)
    ).fetchone()[0]
    assert watermark.startswith("2026-10-01"), watermark

    src.execute("update person set xm = '李四', gxsj = now()::timestamp where id = 7")
    crawl_department(dept, run_id="faults-2")
    mode = warehouse_conn.execute(
        "select t.snapshot_mode from meta.harvested_table t join meta.crawl_run r using (crawl_run_id)"
        " where r.department_code = %s and r.run_id = 'faults-2'",
        (CODE,),
    ).fetchone()[0]
    assert mode == "incremental"
    assert _raw(warehouse_conn, f"select xm from raw_{CODE}.person where id = 7") == ("李四",)


def test_a_second_crawl_of_the_same_department_says_who_runs_since_when(faults, warehouse_conn):
    from govdata.crawl.run import _start_run, ensure_meta_schema

    dept, _ = faults
    with warehouse.connect(autocommit=True) as other:
        ensure_meta_schema(other)
        lock_department(other, dept)
        _start_run(other, dept, "faults-holder", None)
        with pytest.raises(CrawlBusy, match=r"故障测试局 \(faults\): already being crawled by run faults-holder \(pid"):
            crawl_department(dept, run_id="faults-second")
    assert crawl_department(dept, run_id="faults-third").status == "success", "the lock went with its session"
    status = warehouse_conn.execute(
        "select status, error_message from meta.crawl_run where department_code = %s and run_id = 'faults-holder'",
        (CODE,),
    ).fetchone()
    assert status[0] == "failed" and status[1].startswith("abandoned"), status


def test_a_crawl_killed_mid_copy_leaves_the_snapshot_whole_and_the_run_closed(faults, warehouse_conn):
    dept, src = faults
    crawl_department(dept, run_id="faults-before")
    src.execute(
        "alter table person add column bz text;"
        "insert into person select g, '王' || g, timestamp '2026-10-02', repeat('备注', 40)"
        " from generate_series(201, 600000) g"
    )
    code = (
        "import json, sys; from govdata.config import Department; from govdata.crawl.run import crawl_department;"
        "crawl_department(Department.model_validate(json.loads(sys.argv[1])), run_id='faults-killed')"
    )
    entry = ENTRY | {"database": {"url": config.database_url(DATABASE)}}
    child = subprocess.Popen([sys.executable, "-c", code, json.dumps(entry)], env=os.environ.copy())
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            copying = warehouse_conn.execute(
                "select count(*) from pg_stat_activity where query ilike 'copy%%' and application_name = 'govdata'"
                " and pid <> pg_backend_pid()"
            ).fetchone()[0]
            if copying:
                break
            time.sleep(0.05)
        else:
            pytest.fail("the crawl never started copying")
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
    # the server ends the killed process's sessions (and with them its lock) once it sees them gone
    deadline = time.monotonic() + 30
    while (
        time.monotonic() < deadline
        and warehouse_conn.execute(
            "select count(*) from pg_stat_activity where application_name = 'govdata' and pid <> pg_backend_pid()"
            " and state <> 'idle'"
        ).fetchone()[0]
    ):
        time.sleep(0.1)
    # the old snapshot is intact: the copy was one transaction
    assert _raw(warehouse_conn, f"select count(*) from raw_{CODE}.person") == (200,)
    after = crawl_department(dept, run_id="faults-after")
    assert after.status == "success"
    killed = warehouse_conn.execute(
        "select status, finished_at is not null, error_message from meta.crawl_run"
        " where department_code = %s and run_id = 'faults-killed'",
        (CODE,),
    ).fetchone()
    assert killed[0] == "failed" and killed[1] and "abandoned" in killed[2], killed
    assert _raw(warehouse_conn, f"select count(*) from raw_{CODE}.person") == (600_000,)
