"""Platform subcommands: embedded PostgreSQL, demo data, the main job (`run`), the Airflow UI (`up`), `stop`."""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from govdata import config, warehouse
from govdata.embedded_pg import process_alive
from govdata.errors import CommandError, redact

#: The pipelines `govdata run` runs, in data-flow order; later stages append themselves here.
MAIN_JOB_DAGS = (
    "crawl_departments", "classify_fields", "build_catalog", "check_quality", "publish_open_data", "sync_catalog",
    "score_maturity",
)  # fmt: skip

AIRFLOW_COMPONENTS = ("api-server", "scheduler", "dag-processor", "triggerer")


def _embedded() -> bool:
    return "GOVDATA_DATABASE_URL" not in os.environ


def _say(message: str) -> None:
    print(message, flush=True)


def start_database() -> None:
    """Start the embedded cluster (unless an external one is configured) and create our databases."""
    from govdata.config import default_cluster, location_note
    from govdata.embedded_pg import EmbeddedPgError

    platform = config.load_platform()
    if not _embedded():
        _say(f"• PostgreSQL: external ({redact(config.warehouse_url())})")
    else:
        cluster = default_cluster()

        def create_databases() -> None:
            for db in (platform.warehouse_db, platform.airflow_db):
                cluster.ensure_database(db)

        state = _start_embedded(cluster, EmbeddedPgError, create_databases)
        where = location_note(cluster.root)
        note = f"; {where}" if where else ""
        _say(f"• PostgreSQL {state}: 127.0.0.1:{cluster.port} (data in {cluster.data_dir}{note})")
    start_mariadb()


def _embedded_mariadb() -> bool:
    return "GOVDATA_MARIADB_URL" not in os.environ


def start_mariadb() -> None:
    """Start the embedded MariaDB the MySQL demo departments run on (unless GOVDATA_MARIADB_URL points elsewhere)."""
    from govdata.config import default_server
    from govdata.embedded_mariadb import EmbeddedMariaDBError

    if not _embedded_mariadb():
        _say(f"• MariaDB: external ({redact(os.environ['GOVDATA_MARIADB_URL'])})")
        return
    server = default_server()
    state = _start_embedded(server, EmbeddedMariaDBError)
    _say(f"• MariaDB {state}: 127.0.0.1:{server.port} (data in {server.data_dir})")


def _embedded_smtp() -> bool:
    return not config.mail_relay_configured()


def start_mail_server() -> None:
    """Start the local SMTP server mail goes to (unless AIRFLOW_CONN_SMTP_DEFAULT names a relay)."""
    from govdata.config import default_mail_server
    from govdata.embedded_smtp import SMTP_CONN_ENV, EmbeddedSmtpError

    if not _embedded_smtp():
        _say(f"• SMTP: the relay of connection smtp_default ({SMTP_CONN_ENV})")
        return
    server = default_mail_server()
    state = _start_embedded(server, EmbeddedSmtpError)
    _say(f"• SMTP server {state}: 127.0.0.1:{server.port} (mail kept in the Maildir {server.maildir})")


def _start_embedded(server: Any, error: type[Exception], then: Callable[[], None] | None = None) -> str:
    """Start an embedded server (and what must follow), saying "started" or "already running"."""
    try:
        was_running = server.is_running()
        server.start()
        if then is not None:
            then()
    except error as exc:
        raise CommandError(str(exc)) from exc
    return "already running" if was_running else "started"


def build_demo_if_needed(rebuild: bool, scale: float) -> None:
    """Load the demo departmental systems unless they are already there with the same scale."""
    import json

    from govdata.demo import build_demo

    manifest_path = config.demo_dir() / "manifest.json"
    if manifest_path.exists() and not rebuild:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        if manifest.get("scale") == scale and _demo_databases_exist(manifest):
            _say(f"• Demo departments already loaded ({manifest_path}); `govdata demo` rebuilds them")
            return
    import psycopg

    started = time.monotonic()
    server = config.departments_server_url()
    try:
        manifest = build_demo(server, config.demo_dir(), scale=scale)
    except psycopg.errors.InsufficientPrivilege as exc:
        raise CommandError(
            f"the demo creates one database per department on {redact(server)}, which needs "
            f"CREATEDB ({str(exc).strip()}); grant it, point GOVDATA_SERVER_URL at a server where the role "
            "may create databases, or run without the demo (`govdata run --no-demo`)"
        ) from exc
    tables = sum(len(d["tables"]) for d in manifest["departments"].values())
    rows = sum(t["row_count"] for d in manifest["departments"].values() for t in d["tables"])
    _say(
        f"• Demo departments loaded: {len(manifest['departments'])} departments, {tables} tables/files, "
        f"{rows:,} rows in {time.monotonic() - started:.0f}s (manifest: {manifest_path})"
    )


def _demo_databases_exist(manifest: dict) -> bool:
    # only the PostgreSQL ones: MariaDB and SQLite departments are checked by their crawl
    wanted = {d["database"] for d in manifest["departments"].values() if d.get("engine") == "postgresql"}
    with warehouse.connect(f"{config.departments_server_url()}/postgres", autocommit=True) as conn:
        have = {r[0] for r in conn.execute("select datname from pg_database")}
    return wanted <= have


def airflow(*args: str, capture: bool = False, log_file: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run an `airflow` command with the platform's environment."""
    from govdata.airflow_env import airflow_environment

    env = {**os.environ, **airflow_environment(_api_port())}
    cmd = [str(Path(sys.executable).with_name("airflow")), *args]
    if log_file is not None:
        log_file.parent.mkdir(parents=True, exist_ok=True)
        with log_file.open("w", encoding="utf-8") as fh:
            return subprocess.run(cmd, env=env, stdout=fh, stderr=subprocess.STDOUT, text=True)
    return subprocess.run(cmd, env=env, capture_output=capture, text=True)


def _api_port() -> int:
    return int(os.environ.get("GOVDATA_AIRFLOW_PORT", "8080"))


def _logs_dir() -> Path:
    path = config.local_dir() / "logs"
    path.mkdir(parents=True, exist_ok=True)
    return path


def migrate_airflow() -> None:
    """Create or upgrade Airflow's metadata DB (idempotent)."""
    log_file = _logs_dir() / "airflow-db-migrate.log"
    started = time.monotonic()
    proc = airflow("db", "migrate", log_file=log_file)
    if proc.returncode != 0:
        raise CommandError(f"airflow db migrate failed; see {log_file}:\n{_tail(log_file)}")
    _say(f"• Airflow metadata DB ready ({time.monotonic() - started:.0f}s)")


def _tail(path: Path, lines: int = 25) -> str:
    return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])


def run_dags(dag_ids: list[str] | tuple[str, ...], logical_date: datetime) -> tuple[bool, dict[str, str]]:
    """Run DAGs one after the other in one Airflow process, each logging to .local/logs/<dag>.log.

    Airflow, the DAG files and the in-process execution API start once for all of them. Prints each
    DAG's outcome and time as it finishes; returns whether every run succeeded (or was skipped), and
    each finished DAG's state.
    """
    from govdata.airflow_env import airflow_environment

    logs = _logs_dir()
    env = {**os.environ, **airflow_environment(_api_port())}
    started = time.monotonic()
    read_fd, write_fd = os.pipe()
    states: dict[str, str] = {}
    with (logs / f"{dag_ids[0]}.log").open("w", encoding="utf-8") as fh:
        child = subprocess.Popen(
            [sys.executable, "-m", "govdata.commands.run_dag", *dag_ids, logical_date.isoformat(),
             "--log-dir", str(logs), "--progress-fd", str(write_fd)],
            env=env, stdout=fh, stderr=subprocess.STDOUT, pass_fds=(write_fd,), preexec_fn=_end_with_parent,
        )  # fmt: skip
        os.close(write_fd)
        try:
            with os.fdopen(read_fd, encoding="utf-8") as progress:
                for line in progress:
                    states.update(_report_progress(line.split(), started))
            child.wait()
        except BaseException:  # `govdata run` interrupted: the DAG run ends with it, marked failed
            _stop(child)
            raise
    fine = ("success", "skipped")
    for dag_id in dag_ids:
        if states.get(dag_id) not in fine:
            _report_failure(dag_id, logs / f"{dag_id}.log", states.get(dag_id))
    return child.returncode == 0 and all(states.get(d) in fine for d in dag_ids), states


def _report_progress(words: list[str], started: float) -> dict[str, str]:
    """Say what a progress line of the DAG-running child tells; returns {dag: state} once a DAG ended."""
    if words[:1] == ["GOVDATA_DAG_READY"]:
        _say(f"• Airflow started in one process for the DAGs (DAG files parsed) in {time.monotonic() - started:.0f}s")
    elif words[:1] == ["GOVDATA_DAG_STATE"] and len(words) == 4:
        dag_id, state, seconds = words[1:]
        outcome = {"success": "success", "skipped": "skipped (every task; the log says why)"}.get(state, "FAILED")
        _say(f"• DAG {dag_id}: {outcome} in {float(seconds):.0f}s (log: {_logs_dir() / f'{dag_id}.log'})")
        return {dag_id: state}
    return {}


def _report_failure(dag_id: str, log_file: Path, state: str | None) -> None:
    """A DAG that did not succeed: its alerts (or the end of its log) under the outcome line."""
    if state is None:
        _say(f"• DAG {dag_id}: FAILED, did not finish (log: {log_file})")
    text = log_file.read_text(encoding="utf-8", errors="replace") if log_file.exists() else ""
    alerts = [line for line in text.splitlines() if "[govdata alert]" in line or "GOVDATA_DAG_STATE" in line]
    for line in alerts[-10:] or text.splitlines()[-25:]:
        _say(f"    {line.strip()[:400]}")


def _end_with_parent() -> None:
    """In the child, before exec: get SIGINT when `govdata run` dies, even by kill -9 (Linux).

    SIGINT rather than SIGTERM: Airflow's task runner takes SIGTERM over while a task runs (it only
    calls the operator's on_kill), while SIGINT still interrupts the task like Ctrl-C.
    """
    import ctypes

    pr_set_pdeathsig = 1
    ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGINT)


def _stop(child: subprocess.Popen, grace_seconds: int = 60) -> None:
    """Interrupt a DAG-running child (it marks its Airflow run failed), then make sure it is gone."""
    for sig in (signal.SIGINT, signal.SIGKILL):
        if child.poll() is not None:
            return
        child.send_signal(sig)
        try:
            child.wait(timeout=grace_seconds)
        except subprocess.TimeoutExpired:
            continue


def prepare_dbt() -> None:
    """Build the dbt manifest the catalog DAG is rendered from, when the models changed."""
    from govdata.catalog.dbt import ensure_manifest

    ensure_manifest()


def cmd_pg(args: argparse.Namespace) -> int:
    """`govdata pg start|stop|status|url [--role NAME]`."""
    from govdata.config import default_cluster

    if args.role and args.action != "url":
        raise CommandError("--role goes with `govdata pg url` only")
    cluster = default_cluster()
    if args.action == "start":
        start_database()
    elif args.action == "stop":
        _say("stopped" if cluster.stop() else "not running")
    elif args.action == "status":
        running = cluster.is_running()
        _say(f"{'running' if running else 'stopped'}: {cluster.data_dir} port {cluster.port}")
        return 0 if running else 3
    elif args.role:
        from govdata.publish.roles import role_url

        _say(role_url(args.role))
    else:
        _say(config.warehouse_url())
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    """`govdata demo [--scale N]`: (re)build the demo departmental systems."""
    start_database()
    build_demo_if_needed(rebuild=True, scale=args.scale)
    return 0


def _today_midnight() -> datetime:
    now = datetime.now(tz=ZoneInfo("Asia/Shanghai"))
    return now.replace(hour=0, minute=0, second=0, microsecond=0)


def cmd_run(args: argparse.Namespace) -> int:
    """The main job: database, demo, Airflow metadata DB, every pipeline through Airflow, a summary."""
    _say("govdata — 公共数据治理 main job")
    start_database()
    start_mail_server()
    # Airflow's metadata DB and the dbt manifest are made by subprocesses that need neither the demo nor each
    # other: they run while the demo is built (~7 s of a fresh `make run` saved on two cores)
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="govdata-prepare") as pool:
        prepared = [pool.submit(migrate_airflow), pool.submit(prepare_dbt)]
        if args.demo:
            build_demo_if_needed(rebuild=args.rebuild_demo, scale=args.scale)
        for job in prepared:
            job.result()
    logical_date = _today_midnight()
    started = time.time()
    ok, states = run_dags(MAIN_JOB_DAGS, logical_date)
    print_summary(mail_since=started, sync_skipped=states.get("sync_catalog") == "skipped")
    return 0 if ok else 1


def print_summary(mail_since: float = 0, sync_skipped: bool = False) -> None:
    """What was crawled, where the results are, what was mailed, and how to see the runs in the Airflow UI."""
    from govdata.crawl.report import format_summary, run_summary

    _say("\n采集 crawl (latest run per department):")
    for line in format_summary(run_summary()):
        _say(f"  {line}")
    _say("\n分类分级 classification:")
    try:
        from govdata.classify.report import classification_summary_lines

        for line in classification_summary_lines():
            _say(f"  {line}")
    except Exception as exc:  # not classified yet; the rest of the summary still stands
        _say(f"  not available: {exc}")
    _say("\n目录 catalog:")
    try:
        from govdata.catalog.export import default_export_dir
        from govdata.catalog.report import catalog_summary, format_catalog_summary

        for line in format_catalog_summary(catalog_summary()):
            _say(f"  {line}")
        _say(f"  exports (XLSX: a sheet per department + 汇总): {default_export_dir()}")
    except Exception as exc:  # the catalog may not be built yet; the crawl summary still stands
        _say(f"  not available: {exc}")
    _say("\n质量 quality (latest check per department: checks, failures, resources held from publication):")
    try:
        from govdata.quality.report import quality_summary_lines

        for line in quality_summary_lines():
            _say(f"  {line}")
    except Exception as exc:  # not checked yet; the rest of the summary still stands
        _say(f"  not available: {exc}")
    _say("\n开放 open data (per dataset: attribute, where served, rows, leak guard, MQA):")
    try:
        from govdata.publish.report import publication_summary_lines

        for line in publication_summary_lines():
            _say(f"  {line}")
    except Exception as exc:  # nothing published yet; the rest of the summary still stands
        _say(f"  not available: {exc}")
    _say("\n元数据同步 OpenMetadata:")
    if sync_skipped:
        # the DAG has just said so: asking Airflow for the connection again would cost ~5 s of its start-up
        from govdata.catalog_sync.connection import HOW_TO_CONFIGURE

        _say(f"  not synced (sync_catalog skipped; its log says why: {_logs_dir() / 'sync_catalog.log'}). "
             f"{HOW_TO_CONFIGURE}")  # fmt: skip
    else:
        try:
            import warnings

            from govdata.catalog_sync.run import summary_line

            with warnings.catch_warnings():  # the SDK's pydantic models warn at import; not the user's concern
                warnings.simplefilter("ignore", UserWarning)
                line = summary_line()
            _say(f"  {line}")
        except Exception as exc:  # Airflow's connections unreadable: the rest of the summary still stands
            _say(f"  not available: {exc}")
    _say("\n成熟度 maturity (PDMM):")
    try:
        from govdata.maturity.run import period_of_run, summary_lines

        for line in summary_lines(period_of_run(_today_midnight().date())):
            _say(f"  {line}")
    except Exception as exc:  # not scored yet; the rest of the summary still stands
        _say(f"  not available: {exc}")
    _say("\n邮件 mail (reports and failure alerts):")
    try:
        from govdata.mail.received import summary_lines as mail_lines

        for line in mail_lines(mail_since):
            _say(f"  {line}")
    except Exception as exc:  # an unreadable Maildir: the rest of the summary still stands
        _say(f"  not available: {exc}")
    _say("\nResults:")
    _say(f"  warehouse: {redact(config.warehouse_url())}")
    _say("    raw_<department>.*   snapshots of every table and file")
    _say("    meta.crawl_run, meta.harvested_table, meta.harvested_column, meta.schema_change, meta.crawl_error")
    _say("    governance.field_classification, governance.table_classification, governance.classification_audit")
    _say("    catalog.resource, catalog.item, catalog.responsibility, catalog.source_conflict, catalog.change_log")
    _say("    governance.quality_result (checks per run); exports/quality/ (质量反馈); Data Docs: `make up`, Browse")
    _say("    open_data.* (portal), conditional_data.* (per-applicant roles), publish.dataset / version /")
    _say("    publication_log / approval / audit")
    _say("    maturity.score / evidence / fix_list / quality_pass_rate")
    _say(f"  demo manifest: {config.demo_dir() / 'manifest.json'}")
    _say(f"  logs: {config.local_dir() / 'logs'}")
    _say(
        f"\nAirflow UI: `make up`, then http://localhost:{_api_port()} (the runs above are there); "
        "`make stop` stops all."
    )


def _pid_dir() -> Path:
    from govdata.airflow_env import airflow_home

    path = airflow_home() / "run"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _running_components() -> dict[str, int]:
    running = {}
    for pid_file in _pid_dir().glob("*.pid"):
        try:
            pid = int(pid_file.read_text())
        except ValueError:
            continue
        if process_alive(pid):
            running[pid_file.stem] = pid
        else:
            pid_file.unlink()
    return running


def component_command(component: str, api_port: int) -> list[str]:
    """The command line that starts one of AIRFLOW_COMPONENTS (the API server on ``api_port``)."""
    airflow_bin = str(Path(sys.executable).with_name("airflow"))
    return [airflow_bin, component] + (["--port", str(api_port)] if component == "api-server" else [])


def api_server_ready(url: str, timeout: float) -> bool:
    """Wait up to ``timeout`` seconds for the API server at ``url`` to pass its health check."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(f"{url}/api/v2/monitor/health", timeout=2) as resp:
                if resp.status == 200:
                    return True
        except OSError:
            pass
        if time.monotonic() > deadline:
            return False
        time.sleep(0.5)


def cmd_up(args: argparse.Namespace) -> int:
    """Start the Airflow UI, scheduler, DAG processor and triggerer in the background."""
    from govdata.airflow_env import ADMIN_USER, admin_password, airflow_environment

    start_database()
    start_mail_server()
    migrate_airflow()
    prepare_dbt()
    password = admin_password()
    env = {**os.environ, **airflow_environment(_api_port())}
    running = _running_components()
    for component in AIRFLOW_COMPONENTS:
        if component in running:
            _say(f"• {component} already running (pid {running[component]})")
            continue
        cmd = component_command(component, _api_port())
        log_file = _logs_dir() / f"airflow-{component}.log"
        with log_file.open("a", encoding="utf-8") as fh:
            proc = subprocess.Popen(cmd, env=env, stdout=fh, stderr=subprocess.STDOUT, start_new_session=True)
        (_pid_dir() / f"{component}.pid").write_text(str(proc.pid))
        _say(f"• {component} started (pid {proc.pid}, log {log_file})")
    url = f"http://localhost:{_api_port()}"
    if not api_server_ready(url, args.timeout):
        raise CommandError(f"the Airflow API server did not answer on {url} in {args.timeout}s; see {_logs_dir()}")
    _say(f"\nAirflow UI: {url}\n  login: {ADMIN_USER} / {password}\n`make stop` stops Airflow and PostgreSQL.")
    return 0


def cmd_stop(args: argparse.Namespace) -> int:
    """Stop the Airflow components started by `up`, then the embedded PostgreSQL, MariaDB and SMTP server."""
    from govdata.config import default_cluster, default_mail_server, default_server

    for component, pid in _running_components().items():
        try:
            os.killpg(pid, signal.SIGTERM)
        except ProcessLookupError:
            continue
        for _ in range(100):
            if not process_alive(pid):
                break
            time.sleep(0.1)
        else:
            os.killpg(pid, signal.SIGKILL)
        (_pid_dir() / f"{component}.pid").unlink(missing_ok=True)
        _say(f"• {component} stopped")
    if _embedded():
        _say("• PostgreSQL stopped" if default_cluster().stop() else "• PostgreSQL was not running")
    if _embedded_mariadb():
        _say("• MariaDB stopped" if default_server().stop() else "• MariaDB was not running")
    if _embedded_smtp():
        _say("• SMTP server stopped" if default_mail_server().stop() else "• SMTP server was not running")
    return 0


def cmd_clean(args: argparse.Namespace) -> int:
    """Stop everything, then delete the embedded cluster wherever it lives (`make clean` removes .local)."""
    from govdata.config import default_cluster

    cmd_stop(args)
    if _embedded():
        cluster = default_cluster()
        existed = cluster.root.exists()
        cluster.destroy()
        _say(f"• PostgreSQL cluster removed: {cluster.root}" if existed else "• no PostgreSQL cluster to remove")
    return 0


def cmd_airflow(args: argparse.Namespace) -> int:
    """`govdata airflow ARGS…`: the airflow CLI with the platform's environment."""
    return airflow(*args.args).returncode


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the platform subcommands."""
    p = subparsers.add_parser("pg", help="embedded PostgreSQL: start, stop, status, url")
    p.add_argument("action", choices=["start", "stop", "status", "url"])
    p.add_argument("--role", help="with url: the URL of portal_reader or of a conditional_<applicant> role")
    p.set_defaults(func=cmd_pg)

    p = subparsers.add_parser("demo", help="(re)build the demo departmental systems")
    p.add_argument("--scale", type=float, default=1.0, help="multiply row counts (1 ≈ 200k rows)")
    p.set_defaults(func=cmd_demo)

    p = subparsers.add_parser("run", help="the main job: every pipeline through Airflow on the embedded default")
    p.add_argument("--no-demo", dest="demo", action="store_false", help="do not load the demo departments")
    p.add_argument("--rebuild-demo", action="store_true", help="rebuild the demo departments first")
    p.add_argument("--scale", type=float, default=1.0, help="demo scale when (re)building it")
    p.set_defaults(func=cmd_run)

    p = subparsers.add_parser("up", help="start the Airflow UI, scheduler and DAG processor in the background")
    p.add_argument("--timeout", type=int, default=180)
    p.set_defaults(func=cmd_up)

    p = subparsers.add_parser("stop", help="stop what `run` and `up` started")
    p.set_defaults(func=cmd_stop)

    p = subparsers.add_parser("clean", help="stop everything and delete the embedded PostgreSQL cluster")
    p.set_defaults(func=cmd_clean)

    p = subparsers.add_parser("airflow", help="run the airflow CLI with the platform's environment")
    p.add_argument("args", nargs=argparse.REMAINDER)
    p.set_defaults(func=cmd_airflow)
