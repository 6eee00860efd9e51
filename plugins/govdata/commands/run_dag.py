"""Run one DAG through Airflow in this process (``dag.test``) and exit non-zero unless it succeeded.

Used by `govdata run` in a subprocess that carries Airflow's environment; the run is recorded in
Airflow's metadata DB, so it shows in the UI like any other run.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any


def run_dag(dag_id: str, logical_date: datetime) -> str:
    """Parse dags/, run the DAG for the logical date, return the run's final state."""
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag()
    if bag.import_errors:
        for path, error in bag.import_errors.items():
            print(f"DAG import error in {path}:\n{error}", file=sys.stderr)
        raise SystemExit(2)
    dag = bag.get_dag(dag_id)
    if dag is None:
        raise SystemExit(f"no DAG named {dag_id!r} in {sorted(bag.dag_ids)}")
    return str(run_for_day(dag, logical_date).state)


def run_for_day(dag: Any, logical_date: datetime) -> Any:
    """``dag.test`` for the logical date, with the run's real start time; returns the DagRun.

    run_after = logical date gives a stable run id (``manual__<date>``), so running the same day
    again replaces that run.
    """
    with real_run_start():
        return dag.test(logical_date=logical_date, run_after=logical_date)


@contextmanager
def real_run_start() -> Iterator[None]:
    """Make ``dag.test`` record when its run really started.

    Airflow 3.3's dag.test creates its run with start_date = logical date (midnight for `govdata
    run`), so the UI showed 2 h 51 min for a crawl of 37 s. dag.test imports the helper that
    creates the run at call time, so replacing it for the call is enough.
    """
    from airflow.models import dagrun
    from airflow.sdk import timezone

    original = dagrun.get_or_create_dagrun

    def create_started_now(**kwargs: Any) -> Any:
        kwargs["start_date"] = timezone.utcnow()
        return original(**kwargs)

    dagrun.get_or_create_dagrun = create_started_now
    try:
        yield
    finally:
        dagrun.get_or_create_dagrun = original


def fail_unfinished(dag_id: str, logical_date: datetime) -> int:
    """Mark the DAG's unfinished run of that date, and its unfinished tasks, failed; returns the runs closed.

    dag.test runs the tasks in this process: when it is stopped, nothing else would ever finish
    the run, and the UI would show it running for good.
    """
    from airflow.models.dagrun import DagRun
    from airflow.models.taskinstance import TaskInstance
    from airflow.sdk import timezone
    from airflow.utils.session import create_session
    from airflow.utils.state import DagRunState, State, TaskInstanceState
    from sqlalchemy import select

    unfinished = [s for s in State.unfinished if s is not None]
    now = timezone.utcnow()
    with create_session() as session:
        runs = session.scalars(
            select(DagRun).where(
                DagRun.dag_id == dag_id,
                DagRun.logical_date == logical_date,
                DagRun.state.in_([DagRunState.RUNNING, DagRunState.QUEUED]),
            )
        ).all()
        for run in runs:
            for ti in session.scalars(
                select(TaskInstance).where(
                    TaskInstance.dag_id == dag_id,
                    TaskInstance.run_id == run.run_id,
                    (TaskInstance.state.in_(unfinished)) | (TaskInstance.state.is_(None)),
                )
            ):
                ti.state, ti.end_date = TaskInstanceState.FAILED, now
            run.state, run.end_date = DagRunState.FAILED, now
    return len(runs)


def _stop_and_clean_up(dag_id: str, logical_date: datetime) -> Callable[[int, object], None]:
    """A signal handler: leave at once, and let a fresh process close what this one leaves open.

    Airflow's dag.test treats an interrupted task as a failed try and goes on with the next task,
    so the process has to end; cleaning up from inside a signal handler could wait on locks that
    the interrupted transaction holds, so a new process does it once this one is gone.
    """

    def handler(signum: int, frame: object) -> None:
        subprocess.Popen(
            [sys.executable, "-m", "govdata.commands.run_dag", dag_id, logical_date.isoformat(),
             "--close-after", str(os.getpid())],
            start_new_session=True,
        )  # fmt: skip
        print(f"GOVDATA_DAG_STATE {dag_id} interrupted (signal {signum}); the run is being marked failed", flush=True)
        os._exit(130)

    return handler


def close_after(pid: int, dag_id: str, logical_date: datetime, timeout: float = 120) -> None:
    """Once process ``pid`` has ended, mark its DAG run failed and close the crawl runs it left open."""
    from govdata.crawl.run import close_runs_of_process
    from govdata.embedded_pg import process_alive

    deadline = time.monotonic() + timeout
    while process_alive(pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    closed = fail_unfinished(dag_id, logical_date)
    crawls = close_runs_of_process(pid, "interrupted: the DAG run was stopped (govdata run ended or was killed)")
    print(f"GOVDATA_DAG_STATE {dag_id} interrupted: {closed} DAG run and {crawls} crawl run(s) marked failed")


def main() -> None:
    """Command-line entry: ``python -m govdata.commands.run_dag DAG_ID LOGICAL_DATE``."""
    parser = argparse.ArgumentParser()
    parser.add_argument("dag_id")
    parser.add_argument("logical_date", type=datetime.fromisoformat)
    parser.add_argument("--close-after", type=int, metavar="PID", help="clean up after that process ended")
    args = parser.parse_args()
    if args.close_after:
        close_after(args.close_after, args.dag_id, args.logical_date)
        return
    # `govdata run` stops this process with SIGINT (SIGTERM belongs to Airflow while a task runs)
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, _stop_and_clean_up(args.dag_id, args.logical_date))
    state = run_dag(args.dag_id, args.logical_date)
    print(f"GOVDATA_DAG_STATE {args.dag_id} {state}")
    sys.exit(0 if state == "success" else 1)


if __name__ == "__main__":
    main()
