"""The platform as a user runs it: a fresh clone in a private folder, and an external warehouse without superuser."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import tempfile
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from govdata import config
from govdata.embedded_pg import RELOCATION_BASES, EmbeddedPostgres, cluster_root, free_port, server_user
from tests.conftest import ROOT

pytestmark = pytest.mark.integration

#: One department with both a database and a drop folder: the smallest crawl that exercises both.
DEPARTMENT = "jyj"
#: How its crawl ends: its drop folder holds the demo's injected malformed files (meta.crawl_error).
CRAWLED = f"({DEPARTMENT}): partial"


def _user_env(**extra: str) -> dict[str, str]:
    """A user's shell: none of the test session's GOVDATA_*/Airflow/dbt settings, plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GOVDATA_", "AIRFLOW", "DBT_"))}
    # the embedded MariaDB it may start gets a port of its own: the default one may be in use here
    return {**env, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false", "GOVDATA_MARIADB_PORT": str(free_port()), **extra}


def _govdata(env: dict[str, str], *args: str, timeout: int = 300) -> subprocess.CompletedProcess[str]:
    """The `govdata` console script of this venv, as a user types it."""
    cmd = [str(Path(sys.executable).with_name("govdata")), *args]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout, cwd="/")
    assert proc.returncode == 0, f"govdata {' '.join(args)} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    return proc


@pytest.fixture
def private_clone():
    """``git clone`` of this repository into a folder only root may enter (mode 0700)."""
    parent = Path(tempfile.mkdtemp(prefix="govdata-clone-"))
    parent.chmod(0o700)
    clone = parent / "govdata"
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True, capture_output=True)
    yield clone
    subprocess.run(["rm", "-rf", str(parent)], check=False)


def test_a_clone_in_a_private_folder_runs_with_its_cluster_outside_it(private_clone, demo):
    # the departments' systems stay on the session cluster; the clone's own warehouse is what is tested
    env = _user_env(
        GOVDATA_HOME=str(private_clone),
        GOVDATA_PG_PORT=str(free_port()),
        GOVDATA_SERVER_URL=config.server_url(),
        GOVDATA_DEMO_DIR=str(config.demo_dir()),
    )
    expected = cluster_root(private_clone / ".local" / "pg", "govdata", server_user())
    try:
        started = _govdata(env, "pg", "start").stdout.splitlines()[0]
        assert f"data in {expected / 'data'}" in started
        if server_user():  # root: the postgres user cannot enter the clone, so the cluster lives elsewhere
            assert not expected.is_relative_to(private_clone.parent)
            assert expected.parent in RELOCATION_BASES and expected.name.startswith("govdata-")
            assert "cannot reach" in started
            assert oct(expected.stat().st_mode & 0o777) == "0o700"
            assert oct((expected / "password").stat().st_mode & 0o777) == "0o600"
        crawl = _govdata(env, "crawl", "--department", DEPARTMENT)
        assert CRAWLED in crawl.stdout, crawl.stdout
        url = _govdata(env, "pg", "url").stdout.strip()
        with psycopg.connect(url) as conn:
            runs = conn.execute("select rows_copied from meta.crawl_run where department_code = %s", (DEPARTMENT,))
            assert [r[0] > 0 for r in runs] == [True]
        assert _govdata(env, "pg", "status").stdout.startswith(f"running: {expected / 'data'}")
        _govdata(env, "stop")
        assert not EmbeddedPostgres(root=expected, port=0).is_running()
        assert f"removed: {expected}" in _govdata(env, "clean").stdout
        assert not expected.exists()
    finally:
        EmbeddedPostgres(root=expected, port=0).destroy()


@pytest.fixture
def external_warehouse(tmp_path):
    """A second server with a role that owns its database and nothing else: no superuser, no CREATEDB/ROLE."""
    cluster = EmbeddedPostgres(root=cluster_root(tmp_path / "pg", tmp_path.name, server_user()), port=free_port())
    cluster.start()
    password = secrets.token_urlsafe(16)
    with psycopg.connect(cluster.url("postgres"), autocommit=True) as conn:
        conn.execute(
            sql.SQL("create role wh_owner login password {} nosuperuser nocreatedb nocreaterole").format(
                sql.Literal(password)
            )
        )
        conn.execute("create database warehouse owner wh_owner")
        conn.execute("revoke all on database warehouse from public")
    yield f"postgresql://wh_owner:{password}@127.0.0.1:{cluster.port}/warehouse"
    cluster.destroy()


def _touch_one_stamped_row(warehouse_url: str) -> None:
    """Re-stamp one row of a table the crawl copies incrementally, so the next crawl has an increment."""
    from psycopg import sql

    with psycopg.connect(warehouse_url) as conn:
        table, column, key = conn.execute(
            "select source_table, update_column, primary_key[1] from meta.harvested_table"
            " where department_code = %s and update_column is not null and cardinality(primary_key) = 1"
            " order by source_table limit 1",
            (DEPARTMENT,),
        ).fetchone()
    with psycopg.connect(config.database_url(f"govdata_dept_{DEPARTMENT}"), autocommit=True) as src:
        src.execute(
            sql.SQL("update {t} set {c} = now() where {k} = (select min({k}) from {t})").format(
                t=sql.Identifier(table), c=sql.Identifier(column), k=sql.Identifier(key)
            )
        )


def test_crawl_classify_catalog_on_an_external_warehouse_as_a_plain_database_owner(external_warehouse, demo, tmp_path):
    env = _user_env(
        GOVDATA_HOME=str(ROOT),
        GOVDATA_CONFIG_DIR=str(config.config_dir()),
        GOVDATA_LOCAL_DIR=str(tmp_path / "local"),
        GOVDATA_DATABASE_URL=external_warehouse,
        # the departments' systems stay on the session cluster
        GOVDATA_SERVER_URL=config.server_url(),
        GOVDATA_DEMO_DIR=str(config.demo_dir()),
    )
    crawl = _govdata(env, "crawl", "--department", DEPARTMENT)
    assert CRAWLED in crawl.stdout, crawl.stdout
    _touch_one_stamped_row(external_warehouse)
    # the second crawl merges the touched table's increment through a temporary table
    crawl = _govdata(env, "crawl", "--department", DEPARTMENT)
    assert CRAWLED in crawl.stdout, crawl.stdout
    classify = (
        "from govdata.classify.run import classify_department; from govdata.config import load_departments; "
        f"print(classify_department(load_departments().get({DEPARTMENT!r})).status)"
    )
    proc = subprocess.run([sys.executable, "-c", classify], env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0 and proc.stdout.strip() == "success", proc.stdout[-2000:] + proc.stderr[-3000:]
    _govdata(env, "catalog", "build")
    with psycopg.connect(external_warehouse) as conn:
        modes = conn.execute(
            "select distinct snapshot_mode from meta.harvested_table where crawl_run_id = (select max(crawl_run_id)"
            " from meta.crawl_run)"
        ).fetchall()
        assert ("incremental",) in modes
        assert conn.execute(
            "select rolsuper or rolcreatedb or rolcreaterole from pg_roles where rolname = current_user"
        ).fetchone() == (False,)
        fields = conn.execute(
            "select count(*) from governance.field_classification where department_code = %s", (DEPARTMENT,)
        ).fetchone()[0]
        resources = conn.execute(
            "select count(*), count(*) filter (where grade <> '待分级') from catalog.resource"
            " where department_code = %s",
            (DEPARTMENT,),
        ).fetchone()
    assert fields > 0
    assert resources[0] == len(demo["departments"][DEPARTMENT]["tables"]) and resources[1] == resources[0]
    assert list((tmp_path / "local" / "exports" / "catalog").glob("*.xlsx"))
    # the demo wants CREATEDB on the departments' server; without it the user is told what to do
    no_demo_server = {k: v for k, v in env.items() if k != "GOVDATA_SERVER_URL"}
    denied = subprocess.run(
        [str(Path(sys.executable).with_name("govdata")), "demo", "--scale", "0.05"],
        env={**no_demo_server, "GOVDATA_DEMO_DIR": str(tmp_path / "demo")}, capture_output=True, text=True,
    )  # fmt: skip
    _govdata({**no_demo_server, "GOVDATA_DEMO_DIR": str(tmp_path / "demo")}, "stop")  # the MariaDB it started
    assert denied.returncode == 1 and "CREATEDB" in denied.stderr and "--no-demo" in denied.stderr, denied.stderr
