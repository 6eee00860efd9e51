"""`govdata run` killed mid-crawl: no orphan child keeps working, no Airflow run or crawl run stays running."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from datetime import datetime

import pytest

pytestmark = [pytest.mark.integration, pytest.mark.airflow]

DAY = "2026-11-20T00:00:00+08:00"


def _children(command: str) -> list[int]:
    found = subprocess.run(["pgrep", "-f", re.escape(command)], capture_output=True, text=True).stdout.split()
    return [int(pid) for pid in found]


def _wait(condition, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    pytest.fail(f"timed out waiting for {what}")


def test_killing_govdata_run_fails_the_dag_run_and_stops_its_child(demo, airflow_db, warehouse_conn):
    from airflow.models.dagrun import DagRun
    from airflow.utils.session import create_session
    from sqlalchemy import select

    from govdata.crawl.run import ensure_meta_schema

    ensure_meta_schema(warehouse_conn)
    code = (
        "import sys; from datetime import datetime; from govdata.commands.platform import run_dags;"
        "run_dags(['crawl_departments', 'classify_fields'], datetime.fromisoformat(sys.argv[1]))"
    )
    parent = subprocess.Popen([sys.executable, "-c", code, DAY], env=os.environ.copy())
    try:
        day = datetime.fromisoformat(DAY)
        _wait(
            lambda: warehouse_conn.execute(
                "select count(*) from meta.crawl_run where logical_date = %s and status = 'running'", (day,)
            ).fetchone()[0],
            180,
            "a crawl of the run to start",
        )
        parent.kill()  # kill -9: the parent cannot clean up; its child must notice by itself
        parent.wait(timeout=10)
        _wait(lambda: not _children(f"run_dag crawl_departments classify_fields {DAY}"), 90, "the child to stop")
    finally:
        if parent.poll() is None:
            parent.kill()
        for pid in _children(f"run_dag crawl_departments classify_fields {DAY}"):
            os.kill(pid, 9)
    from govdata import config

    log_file = config.local_dir() / "logs" / "crawl_departments.log"
    # the clean-up process (a fresh one, started by the interrupted child) says what it closed when it is done
    _wait(
        lambda: "GOVDATA_DAG_STATE interrupted:" in log_file.read_text(errors="replace"),
        60,
        "the clean-up to report the runs it closed",
    )
    with create_session() as session:
        run = session.scalars(
            select(DagRun).where(DagRun.dag_id == "crawl_departments", DagRun.logical_date == day)
        ).one()
        states = {str(ti.state) for ti in run.get_task_instances(session=session)}
        log = log_file.read_text(errors="replace")
        lines = [line[:300] for line in log.splitlines() if "GOVDATA_DAG_STATE" in line or "rror" in line]
        assert str(run.state) == "failed", "\n".join(lines)
        assert "GOVDATA_DAG_STATE interrupted" in log, "\n".join(lines)
        # the DAG after the interrupted one in the same process never starts, nor is left running
        later = session.scalars(
            select(DagRun).where(DagRun.dag_id == "classify_fields", DagRun.logical_date == day)
        ).all()
        assert all(str(r.state) == "failed" for r in later), [str(r.state) for r in later]
    assert not states & {"running", "queued", "scheduled"}, states
    left = warehouse_conn.execute(
        "select department_code, status, error_message from meta.crawl_run where logical_date = %s", (day,)
    ).fetchall()
    assert left and all(status != "running" for _, status, _ in left), left
    assert any("interrupted" in (message or "") for _, status, message in left if status == "failed"), left
