"""Run DAGs through Airflow in this process (``dag.test``), one after the other; exit non-zero unless all succeeded.

Used by `govdata run` in a subprocess that carries Airflow's environment; the runs are recorded in
Airflow's metadata DB, so they show in the UI like any other run. One process for all the DAGs of
the main job: Airflow, the DAG files and the in-process execution API start once (~15 s), not once
per DAG. Each DAG's output goes to its own log file (``--log-dir``); progress lines (``GOVDATA_DAG_READY``,
``GOVDATA_DAG_BEGIN dag``, ``GOVDATA_DAG_STATE dag state seconds``) also go to ``--progress-fd``.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any


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


class Progress:
    """Where this process reports which DAG it runs: the parent's pipe (if any) and the DAG's log."""

    def __init__(self, dag_ids: list[str], logical_date: datetime, fd: int | None, log_dir: Path | None):
        self.dag_ids, self.logical_date, self.log_dir = dag_ids, logical_date, log_dir
        self.stream = os.fdopen(fd, "w", buffering=1, encoding="utf-8") if fd is not None else None

    def say(self, line: str) -> None:
        """One line to the log (stdout) and to the parent; a parent that has gone is no error."""
        print(line, flush=True)
        if self.stream is not None:
            try:
                self.stream.write(line + "\n")
                self.stream.flush()
            except OSError:
                self.stream = None

    def log_to(self, dag_id: str) -> None:
        """Send this process's output (fd 1 and 2, so dbt's and Airflow's too) to the DAG's log file."""
        if self.log_dir is None:
            return
        sys.stdout.flush()
        sys.stderr.flush()
        fd = os.open(self.log_dir / f"{dag_id}.log", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        os.dup2(fd, 1)
        os.dup2(fd, 2)
        os.close(fd)


def _stop_and_clean_up(progress: Progress) -> Callable[[int, object], None]:
    """A signal handler: leave at once, and let a fresh process close what this one leaves open.

    Airflow's dag.test treats an interrupted task as a failed try and goes on with the next task,
    so the process has to end; cleaning up from inside a signal handler could wait on locks that
    the interrupted transaction holds, so a new process does it once this one is gone.
    """

    def handler(signum: int, frame: object) -> None:
        subprocess.Popen(
            [sys.executable, "-m", "govdata.commands.run_dag", *progress.dag_ids, progress.logical_date.isoformat(),
             "--close-after", str(os.getpid())],
            start_new_session=True,
        )  # fmt: skip
        try:
            print(
                f"GOVDATA_DAG_STATE interrupted (signal {signum}); the unfinished run is being marked failed",
                flush=True,
            )
        finally:
            os._exit(130)

    return handler


def close_after(pid: int, dag_ids: list[str], logical_date: datetime, timeout: float = 120) -> None:
    """Once process ``pid`` has ended, mark its unfinished DAG runs failed and close the crawl runs it left open."""
    from govdata.crawl.run import close_runs_of_process
    from govdata.embedded_pg import process_alive

    deadline = time.monotonic() + timeout
    while process_alive(pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    closed = sum(fail_unfinished(dag_id, logical_date) for dag_id in dag_ids)
    crawls = close_runs_of_process(pid, "interrupted: the DAG run was stopped (govdata run ended or was killed)")
    print(f"GOVDATA_DAG_STATE interrupted: {closed} DAG run(s) and {crawls} crawl run(s) marked failed")


def run_dags(progress: Progress) -> bool:
    """Parse dags/ once, then run each DAG for the logical date; True when every run succeeded."""
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag()
    if bag.import_errors:
        for path, error in bag.import_errors.items():
            print(f"DAG import error in {path}:\n{error}", file=sys.stderr)
        raise SystemExit(2)
    missing = [d for d in progress.dag_ids if bag.get_dag(d) is None]
    if missing:
        raise SystemExit(f"no DAG named {missing} in {sorted(bag.dag_ids)}")
    progress.say("GOVDATA_DAG_READY")
    ok = True
    for dag_id in progress.dag_ids:
        if dag_id != progress.dag_ids[0]:
            progress.log_to(dag_id)
        progress.say(f"GOVDATA_DAG_BEGIN {dag_id}")
        started = time.monotonic()
        run = run_for_day(bag.get_dag(dag_id), progress.logical_date)
        state = str(run.state)
        if state == "success" and all(str(ti.state) == "skipped" for ti in run.get_task_instances()):
            state = "skipped"  # e.g. sync_catalog without an OpenMetadata connection: not green by silence
        progress.say(f"GOVDATA_DAG_STATE {dag_id} {state} {time.monotonic() - started:.1f}")
        ok = ok and state in ("success", "skipped")
    return ok


def main() -> None:
    """Command-line entry: ``python -m govdata.commands.run_dag DAG_ID [DAG_ID …] LOGICAL_DATE``."""
    parser = argparse.ArgumentParser()
    parser.add_argument("dag_ids", nargs="+", metavar="dag_id")
    parser.add_argument("logical_date", type=datetime.fromisoformat)
    parser.add_argument("--close-after", type=int, metavar="PID", help="clean up after that process ended")
    parser.add_argument("--log-dir", type=Path, help="one log file per DAG there (the first DAG's is stdout)")
    parser.add_argument("--progress-fd", type=int, help="also write progress lines to this file descriptor")
    args = parser.parse_args()
    if args.close_after:
        close_after(args.close_after, args.dag_ids, args.logical_date)
        return
    progress = Progress(args.dag_ids, args.logical_date, args.progress_fd, args.log_dir)
    # `govdata run` stops this process with SIGINT (SIGTERM belongs to Airflow while a task runs)
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, _stop_and_clean_up(progress))
    code = 0 if run_dags(progress) else 1
    # Every run is recorded by now. A normal exit then waited ~3 s on what Airflow leaves behind (the in-process
    # execution API's threads, its atexit handlers) before `govdata run` could print its summary.
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    main()
