"""Publication roles on the session's real PostgreSQL: who can connect and read what, checked by connecting as them."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path
from typing import NamedTuple

import psycopg
import pytest
from psycopg import sql

from govdata import config
from govdata.config import AccessGrant
from govdata.errors import ConfigError
from govdata.publish import roles
from govdata.publish.roles import PORTAL_READER, ensure_roles, grant_dataset, role_url

TODAY = roles.today()
SCRATCH = {
    "open_data": "t_roles_open",
    "conditional_data": ("t_roles_a", "t_roles_b"),
}
#: schemas a reader must be refused on, each with a scratch table
PRIVATE = ("raw_x", "meta", "governance", "catalog", "publish", "publish_store")


def _grant(applicant: str, datasets: list[str], expires: date) -> AccessGrant:
    return AccessGrant(
        applicant=applicant, name=f"{applicant} 测试", scenario="测试", datasets=datasets, expires=expires
    )


@pytest.fixture(scope="module")
def scratch(warehouse_conn):
    """Scratch views in open_data / conditional_data and tables in the private schemas; dropped afterwards."""
    conn = warehouse_conn
    for schema in ("open_data", "conditional_data", *PRIVATE):
        conn.execute(sql.SQL("create schema if not exists {}").format(sql.Identifier(schema)))
    for schema in PRIVATE:
        conn.execute(sql.SQL("create table if not exists {}.t_roles_secret (v text)").format(sql.Identifier(schema)))
    conn.execute("create table if not exists publish_store.t_roles_v1 as select 1 as n, 'x'::text as label")
    views = [("open_data", "t_roles_open")] + [("conditional_data", v) for v in SCRATCH["conditional_data"]]
    for schema, view in views:
        conn.execute(
            sql.SQL("create or replace view {}.{} as select * from publish_store.t_roles_v1").format(
                sql.Identifier(schema), sql.Identifier(view)
            )
        )
    yield conn
    for schema, view in [*views, ("open_data", "t_roles_later")]:
        conn.execute(sql.SQL("drop view if exists {}.{}").format(sql.Identifier(schema), sql.Identifier(view)))
    conn.execute("drop table if exists publish_store.t_roles_v1")
    for schema in PRIVATE:
        conn.execute(sql.SQL("drop table if exists {}.t_roles_secret").format(sql.Identifier(schema)))
    conn.execute("drop schema if exists raw_x")


def _cfg(*grants: AccessGrant) -> config.OpenDataConfig:
    return config.load_open_data_config().model_copy(update={"access": list(grants)})


SERVED = {"t_roles_open": "open_data", "t_roles_a": "conditional_data", "t_roles_b": "conditional_data"}
ALPHA = _grant("t_alpha", ["t_roles_a", "t_roles_open", "t_roles_gone"], TODAY + timedelta(days=30))
BETA = _grant("t_beta", ["t_roles_b"], TODAY + timedelta(days=30))
OLD = _grant("t_old", ["t_roles_a"], TODAY - timedelta(days=1))


def _read(url: str, relation: str) -> int:
    with psycopg.connect(url, connect_timeout=5) as conn:
        return conn.execute(sql.SQL("select count(*) from {}").format(sql.SQL(relation))).fetchone()[0]


def _refused(url: str, relation: str) -> None:
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        _read(url, relation)


def _url_for_database(url: str, database: str) -> str:
    return url.rsplit("/", 1)[0] + "/" + database


class Before(NamedTuple):
    """What the cluster held before the first run: the session's publication tests may have made it already."""

    portal_reader: bool
    public_revoked: set[str]


@pytest.fixture(scope="module")
def before(scratch) -> Before:
    """Roles are cluster-wide: portal_reader and PUBLIC's revocations exist if the DAG tests published first."""
    exists = scratch.execute("select 1 from pg_roles where rolname = %s", (PORTAL_READER,)).fetchone() is not None
    revoked = set()
    if not scratch.execute("select has_database_privilege('public', 'airflow', 'CONNECT')").fetchone()[0]:
        revoked.add("CONNECT on database airflow")
    if not scratch.execute("select has_schema_privilege('public', 'public', 'USAGE')").fetchone()[0]:
        revoked.add("USAGE on schema public")
    return Before(exists, revoked)


@pytest.fixture(scope="module")
def ensured(scratch, before):
    """ensure_roles run the day before OLD expired (so its role exists), then today; both reports."""
    first = ensure_roles(scratch, _cfg(ALPHA, BETA, OLD), SERVED, on=OLD.expires)
    second = ensure_roles(scratch, _cfg(ALPHA, BETA, OLD), SERVED)
    return first, second


def test_first_run_creates_roles_and_reports_every_change(ensured, before):
    first, _ = ensured
    created = {c.role for c in first.changes if c.action == "role_created"}
    assert {ALPHA.role, BETA.role, OLD.role} <= created
    assert (PORTAL_READER in created) is not before.portal_reader
    added = {(c.role, c.dataset) for c in first.changes if c.action == "grant_added"}
    assert {(ALPHA.role, "t_roles_a"), (BETA.role, "t_roles_b")} <= added
    # an existing portal_reader reads a new open_data view through its default privileges: nothing to add
    assert ((PORTAL_READER, "t_roles_open") in added) is not before.portal_reader
    assert (ALPHA.role, "t_roles_open", "served in open_data") in first.not_served
    assert (ALPHA.role, "t_roles_gone", "not served") in first.not_served
    revoked_public = {c.detail for c in first.changes if c.role == "PUBLIC"}
    assert {"CONNECT on database airflow", "USAGE on schema public"} - before.public_revoked <= revoked_public
    assert all("password" not in c.detail.lower() or "secret" in c.detail for c in first.changes)


def test_expiry_disables_login_and_revokes_in_the_next_run(ensured):
    _, second = ensured
    actions = {(c.action, c.role) for c in second.changes}
    assert ("login_disabled", OLD.role) in actions
    assert any(c.action == "grant_revoked" and c.role == OLD.role and c.dataset == "t_roles_a" for c in second.changes)
    assert {c.role for c in second.changes} == {OLD.role}


def test_rerun_changes_nothing(ensured, scratch):
    report = ensure_roles(scratch, _cfg(ALPHA, BETA, OLD), SERVED)
    assert report.changes == []
    assert not report.changed


def test_portal_reader_reads_open_data_only(ensured, scratch):
    url = role_url(PORTAL_READER)
    assert _read(url, "open_data.t_roles_open") == 1
    for schema in PRIVATE:
        _refused(url, f"{schema}.t_roles_secret")
    _refused(url, "conditional_data.t_roles_a")
    _refused(url, "publish_store.t_roles_v1")
    with psycopg.connect(url, connect_timeout=5) as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute("create table public.t_roles_mine (v int)")
    for database in (config.load_platform().airflow_db, "postgres", "template1"):
        with pytest.raises(psycopg.OperationalError, match="permission denied"):
            psycopg.connect(_url_for_database(url, database), connect_timeout=5).close()


def test_a_view_created_later_in_open_data_is_readable_without_a_rerun(ensured, scratch):
    scratch.execute("create view open_data.t_roles_later as select 2 as n")
    assert _read(role_url(PORTAL_READER), "open_data.t_roles_later") == 1


def test_conditional_role_reads_its_view_only(ensured):
    url = role_url(ALPHA.role, _cfg(ALPHA, BETA, OLD))
    assert _read(url, "conditional_data.t_roles_a") == 1
    _refused(url, "conditional_data.t_roles_b")
    _refused(url, "raw_x.t_roles_secret")
    _refused(url, "publish_store.t_roles_v1")
    _refused(url, "open_data.t_roles_open")  # the portal's data is open, but the applicant's role is for its grant
    with pytest.raises(psycopg.OperationalError, match="permission denied"):
        psycopg.connect(_url_for_database(url, config.load_platform().airflow_db), connect_timeout=5).close()


def test_expired_grant_cannot_log_in_nor_get_a_url(ensured, scratch):
    with pytest.raises(ConfigError, match="expired"):
        role_url(OLD.role, _cfg(ALPHA, BETA, OLD))
    url = role_url(ALPHA.role, _cfg(ALPHA)).replace(ALPHA.role, OLD.role, 1)
    url = url.split("://", 1)[0] + "://" + OLD.role + ":" + roles.role_password(OLD.role) + "@" + url.split("@", 1)[1]
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(url, connect_timeout=5).close()
    row = scratch.execute(
        "select rolcanlogin, rolvaliduntil, has_table_privilege(oid, 'conditional_data.t_roles_a', 'SELECT')"
        " from pg_roles where rolname = %s",
        (OLD.role,),
    ).fetchone()
    assert row[0] is False and row[2] is False
    assert row[1] == roles.expiry_timestamp(OLD.expires)


def test_recreated_view_gets_its_grants_back_from_grant_dataset(ensured, scratch):
    cfg = _cfg(ALPHA, BETA, OLD)
    url = role_url(ALPHA.role, cfg)
    with scratch.transaction():
        scratch.execute("drop view conditional_data.t_roles_a")
        scratch.execute("create view conditional_data.t_roles_a as select * from publish_store.t_roles_v1")
        grant_dataset(scratch, "conditional_data", "t_roles_a", cfg)
    assert _read(url, "conditional_data.t_roles_a") == 1
    _refused(role_url(BETA.role, cfg), "conditional_data.t_roles_a")
    assert ensure_roles(scratch, cfg, SERVED).changes == []


def test_grant_removed_from_config_disables_the_role_and_keeps_it(ensured, scratch):
    report = ensure_roles(scratch, _cfg(ALPHA), SERVED)
    assert ("login_disabled", BETA.role, None, "grant removed from config") in report.changes
    assert scratch.execute("select count(*) from pg_roles where rolname = %s", (BETA.role,)).fetchone()[0] == 1
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        scratch.execute(sql.SQL("set role {}").format(sql.Identifier(BETA.role)))
        try:
            scratch.execute("select * from conditional_data.t_roles_b")
        finally:
            scratch.execute("reset role")
    assert ensure_roles(scratch, _cfg(ALPHA), SERVED).changes == []
    ensure_roles(scratch, _cfg(ALPHA, BETA, OLD), SERVED)  # back for the other tests
    assert _read(role_url(BETA.role, _cfg(BETA)), "conditional_data.t_roles_b") == 1


def test_unknown_role_has_no_url():
    with pytest.raises(ConfigError, match="unknown role"):
        role_url("conditional_nobody", _cfg(ALPHA))


def test_cli_prints_a_url_that_connects(ensured):
    govdata = Path(sys.executable).with_name("govdata")
    proc = subprocess.run(
        [str(govdata), "pg", "url", "--role", PORTAL_READER], capture_output=True, text=True, env=os.environ.copy()
    )
    assert proc.returncode == 0, proc.stderr
    url = proc.stdout.strip()
    assert url.startswith("postgresql://portal_reader:")
    assert _read(url, "open_data.t_roles_open") == 1
