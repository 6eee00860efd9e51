"""Test session set-up: one private PostgreSQL, one MariaDB, one Airflow metadata DB and one demo build for all tests.

Only the environment is set at import time: Airflow and govdata.config read it once, when first
imported, and pytest imports this file before it collects (imports) any test module, so nothing can
import Airflow earlier. A `pytest_configure` hook would run at the same moment and gain nothing. It
is cheap (a temporary folder, a copy of config/, free ports). Everything slow is a session fixture,
made only for the tests that ask for it: PostgreSQL, MariaDB, the demo, the Airflow metadata DB and
the dbt manifest (`dbt parse`), so `pytest tests/unit` starts no server and runs no dbt.
The cluster lives in a temporary folder on a free port, so the tests pass whether or not `make run` /
`make up` are running.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NamedTuple

import pytest
import yaml

from govdata.embedded_pg import EmbeddedPostgres, cluster_root, free_port, server_user

ROOT = Path(__file__).resolve().parents[1]
SESSION_DIR = Path(tempfile.mkdtemp(prefix="govdata-test-"))
#: The session's cluster, by the rule `make run` follows: in SESSION_DIR (private, 0700) when the server
#: user can reach it, else a folder of its own under /var/lib/govdata.
PG_DIR = cluster_root(SESSION_DIR / "pg", SESSION_DIR.name, server_user())


def _session_config() -> Path:
    """A copy of config/ with short retry delays, so a failing department retries in seconds."""
    target = SESSION_DIR / "config"
    shutil.copytree(ROOT / "config", target)
    platform_file = target / "govdata.yaml"
    platform = yaml.safe_load(platform_file.read_text(encoding="utf-8")) or {}
    platform.setdefault("crawl", {}).update(retries=1, retry_delay_seconds=1, connect_timeout_seconds=3)
    # a failing task's alert to an SMTP server no test started gives up in a fraction of a second
    platform.setdefault("mail", {}).update(retries=2, retry_delay_seconds=0.05)
    platform_file.write_text(yaml.safe_dump(platform, allow_unicode=True), encoding="utf-8")
    return target


PG_PORT = free_port()
MARIADB_PORT = free_port()
SMTP_PORT = free_port()
os.environ.update(
    GOVDATA_HOME=str(ROOT),
    GOVDATA_LOCAL_DIR=str(SESSION_DIR / "local"),
    GOVDATA_DEMO_DIR=str(SESSION_DIR / "demo"),
    GOVDATA_CONFIG_DIR=str(_session_config()),
    GOVDATA_PG_PORT=str(PG_PORT),
    GOVDATA_PG_DIR=str(PG_DIR),
    GOVDATA_MARIADB_PORT=str(MARIADB_PORT),
    GOVDATA_SMTP_PORT=str(SMTP_PORT),
    AIRFLOW_HOME=str(SESSION_DIR / "airflow"),
)
os.environ.pop("GOVDATA_DATABASE_URL", None)
os.environ.pop("GOVDATA_MARIADB_URL", None)
os.environ.pop("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", None)
os.environ.pop("AIRFLOW_CONN_SMTP_DEFAULT", None)  # mail goes to the session's own SMTP server

from govdata.airflow_env import airflow_environment  # noqa: E402

os.environ.update(airflow_environment(api_port=free_port()))


@pytest.fixture(scope="session")
def dbt_manifest() -> Path:
    """dbt_project/target/manifest.json, parsed when missing or stale: build_catalog is rendered from it.

    Every test that parses dags/ (a DagBag, :func:`load_dag`) needs it; `airflow_db` brings it.
    """
    from govdata.catalog.dbt import ensure_manifest

    return ensure_manifest()


@pytest.fixture(scope="session")
def pg():
    """The session's PostgreSQL cluster with the warehouse and Airflow databases."""
    from govdata import config

    cluster = EmbeddedPostgres(root=PG_DIR, port=PG_PORT)
    cluster.start()
    platform = config.load_platform()
    for db in (platform.warehouse_db, platform.airflow_db):
        cluster.ensure_database(db)
    yield cluster
    if "airflow.settings" in sys.modules:
        sys.modules["airflow.settings"].dispose_orm()  # close Airflow's pooled connections first
    cluster.destroy()


@pytest.fixture(scope="session")
def mariadb():
    """The session's MariaDB server (the demo's MySQL departments), started once."""
    from govdata.config import default_server

    server = default_server()
    server.start()
    yield server
    server.destroy()


@pytest.fixture(scope="session")
def mail_server():
    """The session's SMTP server (aiosmtpd, as `make run` starts it), storing mail in a Maildir under .local/mail."""
    from govdata.config import default_mail_server

    server = default_mail_server()
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def demo(pg, mariadb):
    """The demo departmental systems, built once; returns the manifest."""
    from govdata import config
    from govdata.demo import build_demo

    return build_demo(config.server_url(), config.demo_dir())


@pytest.fixture(scope="session")
def airflow_db(pg, dbt_manifest):
    """Airflow's metadata DB, migrated once per session; with the dbt manifest, so the DAGs parse."""
    proc = subprocess.run(
        [str(Path(sys.executable).with_name("airflow")), "db", "migrate"],
        capture_output=True, text=True, env=os.environ.copy(),
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    from airflow import settings

    settings.configure_orm()
    return True


@pytest.fixture(scope="session")
def warehouse_conn(pg):
    """An autocommit connection to the test warehouse."""
    from govdata import warehouse

    with warehouse.connect(autocommit=True) as conn:
        yield conn


def load_dag(dag_id: str):
    """Parse dags/ the way Airflow does and return one DAG (needs the `dbt_manifest` fixture; `airflow_db` has it)."""
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(ROOT / "dags"))
    assert not bag.import_errors, bag.import_errors
    return bag.get_dag(dag_id)


def pytest_sessionfinish(session, exitstatus):
    """Remove the session folder and the cluster's (the cluster fixture has stopped PostgreSQL by now)."""
    EmbeddedPostgres(root=PG_DIR, port=PG_PORT).destroy()  # also when only its password was made
    shutil.rmtree(SESSION_DIR, ignore_errors=True)


CRAWL_DATE = "2026-11-01T00:00:00+08:00"


class TimedRun(NamedTuple):
    """A DAG run and the wall-clock times (UTC) just before and after it: what the UI must show it within."""

    run: Any
    started: datetime
    ended: datetime


@pytest.fixture(scope="session")
def crawl_timed(demo, airflow_db) -> TimedRun:
    """The demo departments crawled once through the crawl DAG (``dag.test``), timed by the clock on the wall."""
    from govdata.commands.run_dag import run_for_day

    dag = load_dag("crawl_departments")
    started = datetime.now(UTC)
    run = run_for_day(dag, datetime.fromisoformat(CRAWL_DATE))
    return TimedRun(run, started, datetime.now(UTC))


@pytest.fixture(scope="session")
def crawled(crawl_timed):
    """The demo departments crawled once through the crawl DAG (``dag.test``); returns the DagRun."""
    return crawl_timed.run


#: The run id of the quality checks the session makes once (tests/integration/test_quality.py, test_maturity.py).
QUALITY_RUN = "2026-11-02T08:00:00+08:00"


@pytest.fixture(scope="session")
def quality_checked(crawled, tmp_path_factory):
    """The demo classified (full refresh), catalogued, then every department checked once (run QUALITY_RUN).

    Suites go to a private Great Expectations context, so the checkout's expectations/ stays as it is.
    Returns (outcome per department, seconds the checks took, the context's folder). The quality and the
    maturity tests share it: classification, catalog and checks are the slow part of both.
    """
    import time

    from govdata import config
    from govdata.catalog.build import build_catalog_now
    from govdata.classify.run import classify_department
    from govdata.quality.run import check_department

    departments = config.load_departments().departments
    for dept in departments:
        classify_department(dept, full_refresh=True)
    build_catalog_now()
    root = tmp_path_factory.mktemp("gx") / "expectations"
    root.mkdir()
    shutil.copy(config.project_root() / "expectations" / "great_expectations.yml", root)
    started = time.monotonic()
    outcomes = {d.code: check_department(d.code, run_id=QUALITY_RUN, root=root) for d in departments}
    return outcomes, time.monotonic() - started, root


@pytest.fixture
def om():
    """A fake OpenMetadata server (tests/openmetadata_fake.py) and the sync's SDK client of it: (fake, server)."""
    from govdata.catalog_sync.apply import SdkServer
    from govdata.catalog_sync.connection import ServerSettings, client
    from tests.openmetadata_fake import RunningFake

    running = RunningFake()
    metadata = client(ServerSettings(running.api_url, running.fake.token))
    yield running.fake, SdkServer(metadata)
    metadata.close()
    running.stop()
    assert running.fake.errors == [], running.fake.errors
