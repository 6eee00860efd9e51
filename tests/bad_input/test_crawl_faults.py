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


def _with_timeouts(dept: Department, lock: int) -> Department:
    data = dept.model_dump()
    data["database"] |= {"lock_timeout_seconds": lock}
    return Department.model_validate(data)


def test_a_locked_source_table_fails_fast_alone_and_leaves_no_query_behind(faults, warehouse_conn):
    from govdata.crawl.run import CrawlIncomplete

    dept, src = faults
    src.execute("create table other (id int primary key); insert into other select generate_series(1, 10)")
    holder = warehouse.connect(config.database_url(DATABASE))
    try:
        holder.execute("lock table person in access exclusive mode")  # held until rollback
        started = time.monotonic()
        with pytest.raises(CrawlIncomplete, match=r"故障测试局 \(faults\).*'person'.*lock timeout"):
            crawl_department(_with_timeouts(dept, lock=1), run_id="faults-locked")
        assert time.monotonic() - started < 30, "the lock must not hold the crawl"
        lingering = src.execute(
            "select count(*) from pg_stat_activity where datname = %s and application_name = 'govdata'"
            " and state = 'active' and pid <> pg_backend_pid()",
            (DATABASE,),
        ).fetchone()[0]
        assert lingering == 0
    finally:
        holder.rollback()
        holder.close()
    assert _raw(warehouse_conn, f"select count(*) from raw_{CODE}.other") == (10,)
    status = warehouse_conn.execute(
        "select status from meta.crawl_run where department_code = %s and run_id = 'faults-locked'", (CODE,)
    ).fetchone()
    assert status == ("partial",)


def test_a_sharp_drop_keeps_the_previous_snapshot_until_accepted(faults, warehouse_conn):
    dept, src = faults
    src.execute("insert into person select g, '王' || g, timestamp '2026-10-03' from generate_series(201, 3000) g")
    crawl_department(dept, run_id="faults-full")
    src.execute("delete from person where id > 500")  # a department's export cut short
    dropped = crawl_department(dept, run_id="faults-dropped")
    assert dropped.status == "partial"
    (error,) = [e for e in dropped.errors if e["error_type"] == "sharp_drop"]
    assert "500 rows, 84% fewer than the 3,000 kept" in error["message"]
    assert "govdata crawl --department faults --accept-drop person" in error["message"]
    assert _raw(warehouse_conn, f"select count(*) from raw_{CODE}.person") == (3000,)
    accepted = crawl_department(dept, run_id="faults-accepted", accept_drop=["person"])
    assert accepted.status == "success"
    assert _raw(warehouse_conn, f"select count(*) from raw_{CODE}.person") == (500,)


def _terminate_when_copying(database: str, stop: dict) -> None:
    with warehouse.connect(config.database_url("postgres"), autocommit=True) as admin:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not stop.get("done"):
            pids = [r[0] for r in admin.execute(
                "select pid from pg_stat_activity where datname = %s and application_name = 'govdata'"
                " and query ilike 'copy%%' and state = 'active'",
                (database,),
            )]  # fmt: skip
            if pids:
                admin.execute("select pg_terminate_backend(%s)", (pids[0],))
                stop["terminated"] = database
                return
            time.sleep(0.01)


def _big_person(src) -> None:
    src.execute(
        "insert into person select g, repeat('王', 50) || g, timestamp '2026-10-03' from generate_series(201, 400000) g"
    )


def test_a_lost_source_session_is_reconnected_and_the_table_copied(faults, warehouse_conn):
    import threading

    dept, src = faults
    _big_person(src)
    stop: dict = {}
    killer = threading.Thread(target=_terminate_when_copying, args=(DATABASE, stop))
    killer.start()
    try:
        summary = crawl_department(dept, run_id="faults-reconnect")
    finally:
        stop["done"] = True
        killer.join()
    assert stop.get("terminated") == DATABASE, "the source session was never terminated mid-copy"
    assert summary.status == "success"
    assert _raw(warehouse_conn, f"select count(*) from raw_{CODE}.person") == (400_000,)


def test_a_lost_warehouse_session_ends_the_run_with_its_reason_and_keeps_the_snapshot(faults, warehouse_conn):
    import threading

    dept, src = faults
    crawl_department(dept, run_id="faults-base")
    src.execute("alter table person add column bz text")
    _big_person(src)
    stop: dict = {}
    warehouse_db = config.load_platform().warehouse_db
    killer = threading.Thread(target=_terminate_when_copying, args=(warehouse_db, stop))
    killer.start()
    try:
        with pytest.raises(Exception, match="terminat|connection|closed"):
            crawl_department(dept, run_id="faults-wh-lost")
    finally:
        stop["done"] = True
        killer.join()
    assert stop.get("terminated") == warehouse_db
    run = warehouse_conn.execute(
        "select status, error_message from meta.crawl_run where department_code = %s and run_id = 'faults-wh-lost'",
        (CODE,),
    ).fetchone()
    assert run[0] == "failed" and "warehouse connection was lost" in run[1], run
    assert _raw(warehouse_conn, f"select count(*) from raw_{CODE}.person") == (200,)
    assert crawl_department(dept, run_id="faults-wh-back").status == "success"
