"""Who may read what was published: the portal's reader role and one role per 有条件开放 access grant.

Read, decide, write: the roles and privileges are read from the catalogs, the wanted state is computed
from config/open_data.yaml and the served datasets, and the difference is applied in one transaction.
Every change is returned for the audit. Fail closed: a privilege that stays after being revoked is an error.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple
from zoneinfo import ZoneInfo

from govdata import config, secret_files
from govdata.config import AccessGrant, OpenDataConfig
from govdata.errors import ConfigError
from govdata.publish.model import CONDITIONAL_SCHEMA, OPEN_SCHEMA

if TYPE_CHECKING:
    import psycopg
    from psycopg import sql

PORTAL_READER = "portal_reader"
CONDITIONAL_PREFIX = "conditional_"
#: grant expiry dates are days in the city's time zone; a grant holds until the end of that day
TIMEZONE = ZoneInfo("Asia/Shanghai")
#: relkinds a reader selects from: tables, views, materialised views, partitioned and foreign tables
READABLE_RELKINDS = ("r", "v", "m", "p", "f")
#: privilege names as aclexplode returns them, which are also their SQL keywords
PRIVILEGES = frozenset(
    "SELECT INSERT UPDATE DELETE TRUNCATE REFERENCES TRIGGER MAINTAIN USAGE CREATE CONNECT TEMPORARY EXECUTE".split()
)
_FINGERPRINT = re.compile(r"password sha256:([0-9a-f]{16})")


class RoleChange(NamedTuple):
    """One change for the audit: action, role, dataset (a view's name, or None) and what exactly."""

    action: str
    role: str
    dataset: str | None
    detail: str


@dataclass
class RoleReport:
    """What ensure_roles changed, which granted datasets are not served in conditional_data, and warnings."""

    changes: list[RoleChange] = field(default_factory=list)
    #: (role, dataset, why): a grant names a dataset that is not (or not yet) a view of conditional_data
    not_served: list[tuple[str, str, str]] = field(default_factory=list)
    #: PUBLIC privileges this role may not revoke (an external warehouse it does not own)
    warnings: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        """Whether anything changed."""
        return bool(self.changes)


@dataclass(frozen=True)
class Priv:
    """One privilege: kind (database, schema, relation, sequence, default), object, privilege, grantee.

    ``schema`` is empty for databases and schemas; for ``default`` (default privileges on tables)
    ``name`` is the creating role and ``schema`` the schema they apply in.
    """

    kind: str
    schema: str
    name: str
    privilege: str
    role: str

    def label(self) -> str:
        """``SELECT on relation open_data.x`` for the audit."""
        where = f"{self.schema}.{self.name}" if self.kind in ("relation", "sequence") else self.name
        if self.kind == "default":
            where = f"future tables of {self.name} in {self.schema or 'every schema'}"
        return f"{self.privilege} on {self.kind} {where}"

    def dataset(self) -> str | None:
        """The dataset a relation privilege is about (served views are named by the dataset id)."""
        return self.name if self.kind == "relation" and self.schema in (OPEN_SCHEMA, CONDITIONAL_SCHEMA) else None


@dataclass(frozen=True)
class RoleSpec:
    """The wanted state of one managed role."""

    name: str
    login: bool
    valid_until: datetime | None  # None: no expiry


@dataclass(frozen=True)
class RoleState:
    """A managed role as the catalog has it."""

    name: str
    login: bool
    valid_until: datetime | None
    elevated: tuple[str, ...]  # SUPERUSER, CREATEDB … it must not have
    fingerprint: str | None  # of the password govdata set, from the role's comment
    member_of: tuple[str, ...]


# --- secrets ---------------------------------------------------------------------------------------


def password_path(role: str) -> Path:
    """Where a role's password is kept (mode 600), beside the pseudonym key."""
    return config.local_dir() / "secrets" / f"{role}.password"


def role_password(role: str) -> str:
    """A managed role's password, generated once."""
    return secret_files.read_or_create(password_path(role), lambda: secrets.token_urlsafe(32))


def fingerprint(password: str) -> str:
    """A short hash of a (random, 256-bit) password, kept in the role's comment to tell whether it was set."""
    return hashlib.sha256(password.encode("utf-8")).hexdigest()[:16]


def scram_verifier(password: str, salt: bytes | None = None, iterations: int = 4096) -> str:
    """The SCRAM-SHA-256 verifier PostgreSQL stores (RFC 5802/7677), so the plain password never reaches the server.

    Sent pre-hashed, it stays out of server logs, pg_stat_statements and error messages.
    """
    salt = salt or os.urandom(16)
    salted = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt, iterations)
    client_key = hmac.new(salted, b"Client Key", hashlib.sha256).digest()
    stored_key = hashlib.sha256(client_key).digest()
    server_key = hmac.new(salted, b"Server Key", hashlib.sha256).digest()

    def b64(raw: bytes) -> str:
        return base64.b64encode(raw).decode("ascii")

    return f"SCRAM-SHA-256${iterations}:{b64(salt)}${b64(stored_key)}:{b64(server_key)}"


# --- the wanted state (pure) ---------------------------------------------------------------------------


def expiry_timestamp(expires: date) -> datetime:
    """The end of the expiry day in Asia/Shanghai (the next midnight): the role's VALID UNTIL."""
    return datetime.combine(expires + timedelta(days=1), time.min, tzinfo=TIMEZONE)


def today() -> date:
    """Today in Asia/Shanghai."""
    return datetime.now(TIMEZONE).date()


def is_active(grant: AccessGrant, on: date) -> bool:
    """Whether a grant still holds on a day (its expiry day included)."""
    return on <= grant.expires


#: a removed grant's role keeps whatever expiry it had
KEEP_EXPIRY = datetime.min.replace(tzinfo=TIMEZONE)


def wanted_roles(cfg: OpenDataConfig, existing: set[str], on: date) -> dict[str, RoleSpec]:
    """Every managed role's wanted state; expired or removed roles that exist are kept, without login.

    A grant already expired when first seen gets no role at all.
    """
    wanted = {PORTAL_READER: RoleSpec(PORTAL_READER, True, None)}
    for grant in cfg.access:
        active = is_active(grant, on)
        if active or grant.role in existing:
            wanted[grant.role] = RoleSpec(grant.role, active, expiry_timestamp(grant.expires))
    for name in existing:
        if name.startswith(CONDITIONAL_PREFIX) and name not in wanted:  # removed from config
            wanted[name] = RoleSpec(name, False, KEEP_EXPIRY)
    return wanted


def wanted_privileges(
    cfg: OpenDataConfig,
    on: date,
    *,
    database: str,
    creator: str,
    open_relations: list[str],
    conditional_views: set[str],
    served: dict[str, str],
) -> tuple[set[Priv], list[tuple[str, str, str]]]:
    """The privileges the managed roles should hold, and the granted datasets that are not served."""
    wanted = {
        Priv("database", "", database, "CONNECT", PORTAL_READER),
        Priv("schema", "", OPEN_SCHEMA, "USAGE", PORTAL_READER),
        Priv("default", OPEN_SCHEMA, creator, "SELECT", PORTAL_READER),
    }
    wanted |= {Priv("relation", OPEN_SCHEMA, rel, "SELECT", PORTAL_READER) for rel in open_relations}
    not_served = []
    for grant in cfg.access:
        if not is_active(grant, on):
            continue
        wanted.add(Priv("database", "", database, "CONNECT", grant.role))
        wanted.add(Priv("schema", "", CONDITIONAL_SCHEMA, "USAGE", grant.role))
        for dataset in grant.datasets:
            where = served.get(dataset)
            if where != CONDITIONAL_SCHEMA:
                not_served.append((grant.role, dataset, f"served in {where}" if where else "not served"))
            elif dataset not in conditional_views:
                not_served.append((grant.role, dataset, f"no view {CONDITIONAL_SCHEMA}.{dataset}"))
            else:
                wanted.add(Priv("relation", CONDITIONAL_SCHEMA, dataset, "SELECT", grant.role))
    return wanted, not_served


# --- SQL -------------------------------------------------------------------------------------------


def grant_sql(priv: Priv, *, revoke: bool = False) -> sql.Composed:
    """The GRANT (or REVOKE) of one privilege; ``role`` PUBLIC means the PUBLIC pseudo-role."""
    from psycopg import sql

    from govdata.warehouse import qualified

    if priv.privilege not in PRIVILEGES:
        raise ValueError(f"unknown privilege {priv.privilege!r}")
    verb = sql.SQL("revoke" if revoke else "grant")
    to = sql.SQL("from" if revoke else "to")
    grantee = sql.SQL("public") if priv.role == "PUBLIC" else sql.Identifier(priv.role)
    what = sql.SQL(priv.privilege)
    if priv.kind == "database":
        target = sql.SQL("database {}").format(sql.Identifier(priv.name))
    elif priv.kind == "schema":
        target = sql.SQL("schema {}").format(sql.Identifier(priv.name))
    elif priv.kind in ("relation", "sequence"):
        keyword = sql.SQL("table" if priv.kind == "relation" else "sequence")
        target = sql.SQL("{} {}").format(keyword, qualified(priv.schema, priv.name))
    elif priv.kind == "default":
        scope = sql.SQL(" in schema {}").format(sql.Identifier(priv.schema)) if priv.schema else sql.SQL("")
        return sql.SQL("alter default privileges for role {}{} {} {} on tables {} {}").format(
            sql.Identifier(priv.name), scope, verb, what, to, grantee
        )
    else:
        raise ValueError(f"unknown privilege kind {priv.kind!r}")
    return sql.SQL("{} {} on {} {} {}").format(verb, what, target, to, grantee)


#: privileges the managed roles hold: on the guarded databases, and on anything of the warehouse database
_HELD = """
select 'database', '', d.datname, a.privilege_type, r.rolname
  from pg_database d cross join lateral aclexplode(d.datacl) a join pg_roles r on r.oid = a.grantee
 where d.datname = any(%(databases)s) and r.rolname = any(%(roles)s)
union all
select 'schema', '', n.nspname, a.privilege_type, r.rolname
  from pg_namespace n cross join lateral aclexplode(n.nspacl) a join pg_roles r on r.oid = a.grantee
 where r.rolname = any(%(roles)s)
union all
select case c.relkind when 'S' then 'sequence' else 'relation' end, n.nspname, c.relname, a.privilege_type, r.rolname
  from pg_class c join pg_namespace n on n.oid = c.relnamespace
  cross join lateral aclexplode(c.relacl) a join pg_roles r on r.oid = a.grantee
 where r.rolname = any(%(roles)s)
union all
select 'default', coalesce(n.nspname, ''), o.rolname, a.privilege_type, r.rolname
  from pg_default_acl da join pg_roles o on o.oid = da.defaclrole
  left join pg_namespace n on n.oid = da.defaclnamespace
  cross join lateral aclexplode(da.defaclacl) a join pg_roles r on r.oid = a.grantee
 where da.defaclobjtype = 'r' and o.rolname = current_user and r.rolname = any(%(roles)s)
"""

#: PUBLIC's privileges every reader would inherit, and whether this session may revoke them (owner or superuser)
_PUBLIC = """
select 'database', '', d.datname, a.privilege_type, pg_has_role(d.datdba, 'USAGE')
  from pg_database d cross join lateral aclexplode(coalesce(d.datacl, acldefault('d', d.datdba))) a
 where a.grantee = 0 and d.datname = any(%(databases)s) and a.privilege_type in ('CONNECT', 'TEMPORARY')
union all
select 'schema', '', n.nspname, a.privilege_type, pg_has_role(n.nspowner, 'USAGE')
  from pg_namespace n cross join lateral aclexplode(coalesce(n.nspacl, acldefault('n', n.nspowner))) a
 where a.grantee = 0 and n.nspname not in ('pg_catalog', 'information_schema') and n.nspname not like 'pg\\_%%'
union all
select case c.relkind when 'S' then 'sequence' else 'relation' end, n.nspname, c.relname, a.privilege_type,
       pg_has_role(c.relowner, 'USAGE')
  from pg_class c join pg_namespace n on n.oid = c.relnamespace
  cross join lateral aclexplode(c.relacl) a
 where a.grantee = 0 and n.nspname = %(conditional)s
"""

_ROLES = """
select r.rolname, r.rolcanlogin,
       case when r.rolvaliduntil = 'infinity' then null else r.rolvaliduntil end,
       array_remove(array[case when r.rolsuper then 'SUPERUSER' end, case when r.rolcreatedb then 'CREATEDB' end,
                           case when r.rolcreaterole then 'CREATEROLE' end,
                           case when r.rolreplication then 'REPLICATION' end,
                           case when r.rolbypassrls then 'BYPASSRLS' end], null),
       shobj_description(r.oid, 'pg_authid'),
       array(select g.rolname from pg_auth_members m join pg_roles g on g.oid = m.roleid
              where m.member = r.oid order by 1)
  from pg_roles r
 where r.rolname = any(%(names)s) or r.rolname like 'conditional\\_%%'
"""


def _read_roles(conn: psycopg.Connection, names: list[str]) -> dict[str, RoleState]:
    states = {}
    for name, login, valid_until, elevated, comment, member_of in conn.execute(_ROLES, {"names": names}):
        found = _FINGERPRINT.search(comment or "")
        states[name] = RoleState(
            name, login, valid_until, tuple(elevated), found.group(1) if found else None, tuple(member_of)
        )
    return states


def _relations(conn: psycopg.Connection, schema: str) -> list[str]:
    rows = conn.execute(
        "select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace"
        " where n.nspname = %s and c.relkind = any(%s) order by 1",
        (schema, list(READABLE_RELKINDS)),
    )
    return [r[0] for r in rows]


def _embedded() -> bool:
    """Whether the warehouse is the embedded cluster, all of whose databases govdata owns.

    Compared by URL: Airflow's tasks get GOVDATA_DATABASE_URL set to the embedded warehouse too.
    """
    return config.warehouse_url() == config.default_cluster().url(config.load_platform().warehouse_db)


def _guarded_databases(conn: psycopg.Connection) -> list[str]:
    """Databases whose PUBLIC CONNECT is revoked: those of the embedded cluster we own, else the warehouse only."""
    from govdata.warehouse import scalar

    if not _embedded():
        return [scalar(conn.execute("select current_database()"))]
    rows = conn.execute("select datname from pg_database where datallowconn and pg_has_role(datdba, 'USAGE')")
    return sorted(r[0] for r in rows)


def _connecting_roles(conn: psycopg.Connection) -> list[str]:
    """Roles that connect today through PUBLIC: govdata's own, Airflow's and the departments' server user."""
    from sqlalchemy.engine import make_url

    from govdata.airflow_env import metadata_db_url
    from govdata.warehouse import scalar

    users = {scalar(conn.execute("select current_user"))}
    for url in (config.warehouse_url, metadata_db_url, config.departments_server_url):
        try:
            users.add(make_url(url()).username or "")
        except Exception:  # noqa: BLE001, S112 - an unset or odd URL: that component does not connect here
            continue
    rows = conn.execute("select rolname from pg_roles where rolname = any(%s)", (sorted(users - {""}),))
    return sorted(r[0] for r in rows)


# --- ensure_roles ----------------------------------------------------------------------------------


def ensure_roles(
    conn: psycopg.Connection, cfg: OpenDataConfig, served: dict[str, str], *, on: date | None = None
) -> RoleReport:
    """Create or update portal_reader and the conditional_<applicant> roles and their privileges (one transaction).

    ``served`` maps dataset id → the schema its view is served in now. ``on`` is the day grants are
    judged on (default: today in Asia/Shanghai). Idempotent: a second run reports no change.
    """
    on = on or today()
    report = RoleReport()
    with conn.transaction():
        conn.execute("select pg_advisory_xact_lock(hashtext('govdata.publish.roles'))")
        _require_schemas(conn)
        _apply_roles(conn, cfg, on, report)
        wanted, held, public = _privilege_state(conn, cfg, served, on, report)
        _apply_privileges(conn, wanted, held, public, report)
        _, held_after, public_after = _privilege_state(conn, cfg, served, on, RoleReport())
        left = (held_after - wanted) | {p for p, can in public_after.items() if can}
        if left:
            raise RuntimeError(
                "privileges remain after revoking them (granted by another role?): "
                + "; ".join(f"{p.role}: {p.label()}" for p in sorted(left, key=str))
            )
    return report


def _require_schemas(conn: psycopg.Connection) -> None:
    from govdata.warehouse import scalar

    missing = [
        s for s in (OPEN_SCHEMA, CONDITIONAL_SCHEMA) if scalar(conn.execute("select to_regnamespace(%s)", (s,))) is None
    ]
    if missing:
        raise LookupError(f"schemas {missing} do not exist: install the publication schema first")


def _apply_roles(conn: psycopg.Connection, cfg: OpenDataConfig, on: date, report: RoleReport) -> None:
    from psycopg import sql

    from govdata.warehouse import scalar

    names = [PORTAL_READER, *(g.role for g in cfg.access)]
    states = _read_roles(conn, names)
    wanted = wanted_roles(cfg, set(states), on)
    may = scalar(conn.execute("select rolsuper or rolcreaterole from pg_roles where rolname = current_user"))
    for name, spec in sorted(wanted.items()):
        role = sql.Identifier(name)
        state = states.get(name)
        steps: list[tuple[sql.Composed, RoleChange | None]] = []
        until = spec.valid_until.isoformat() if spec.valid_until else "infinity"
        if state is None:
            password = role_password(name)
            create = sql.SQL(
                "create role {} login nosuperuser nocreatedb nocreaterole noreplication nobypassrls"
                " password {} valid until {}"
            ).format(role, sql.Literal(scram_verifier(password)), sql.Literal(until))
            steps.append((create, RoleChange("role_created", name, None, f"LOGIN, valid until {until}")))
            steps.append((_comment(name, password), None))
        else:
            if state.elevated:
                attrs = sql.SQL(" ").join(sql.SQL("NO" + a) for a in state.elevated)
                change = RoleChange("attributes_revoked", name, None, ", ".join(state.elevated))
                steps.append((sql.SQL("alter role {} {}").format(role, attrs), change))
            for group in state.member_of:
                change = RoleChange("membership_revoked", name, None, f"member of {group}")
                steps.append((sql.SQL("revoke {} from {}").format(sql.Identifier(group), role), change))
            if spec.login and state.fingerprint != fingerprint(password := role_password(name)):
                change = RoleChange("password_set", name, None, "the kept secret differs from the one set")
                alter = sql.SQL("alter role {} password {}").format(role, sql.Literal(scram_verifier(password)))
                steps.append((alter, change))
                steps.append((_comment(name, password), None))
            if spec.valid_until is not KEEP_EXPIRY and state.valid_until != spec.valid_until:
                change = RoleChange("expiry_set", name, None, f"valid until {until}")
                steps.append((sql.SQL("alter role {} valid until {}").format(role, sql.Literal(until)), change))
            if state.login != spec.login:
                why = "" if spec.login else ("grant expired" if name in names else "grant removed from config")
                action = "login_enabled" if spec.login else "login_disabled"
                login = sql.SQL("login" if spec.login else "nologin")
                steps.append((sql.SQL("alter role {} {}").format(role, login), RoleChange(action, name, None, why)))
        if steps and not may:
            raise ConfigError(
                f"role {name} needs creating or changing, but the warehouse role may not manage roles: "
                "grant it CREATEROLE (ALTER ROLE … CREATEROLE)"
            )
        for statement, logged in steps:
            conn.execute(statement)
            if logged:
                report.changes.append(logged)


def _comment(name: str, password: str) -> sql.Composed:
    from psycopg import sql

    kind = "门户只读 portal reader" if name == PORTAL_READER else "有条件开放 conditional access"
    text = f"govdata {kind}; password sha256:{fingerprint(password)}"
    return sql.SQL("comment on role {} is {}").format(sql.Identifier(name), sql.Literal(text))


def _privilege_state(
    conn: psycopg.Connection, cfg: OpenDataConfig, served: dict[str, str], on: date, report: RoleReport
) -> tuple[set[Priv], set[Priv], dict[Priv, bool]]:
    """(wanted, held by the managed roles, PUBLIC's privileges → whether we may revoke them)."""
    from govdata.warehouse import one_row

    database, creator = one_row(conn.execute("select current_database(), current_user"))
    managed = list(_read_roles(conn, [PORTAL_READER]))
    wanted, report.not_served = wanted_privileges(
        cfg,
        on,
        database=database,
        creator=creator,
        open_relations=_relations(conn, OPEN_SCHEMA),
        conditional_views=set(_relations(conn, CONDITIONAL_SCHEMA)),
        served=served,
    )
    wanted = {p for p in wanted if p.role in managed}
    params = {"databases": _guarded_databases(conn), "roles": managed, "conditional": CONDITIONAL_SCHEMA}
    held = {Priv(*row) for row in conn.execute(_HELD, params)}
    public = {Priv(k, s, n, p, "PUBLIC"): can for k, s, n, p, can in conn.execute(_PUBLIC, params)}
    return wanted, held, public


def _apply_privileges(
    conn: psycopg.Connection, wanted: set[Priv], held: set[Priv], public: dict[Priv, bool], report: RoleReport
) -> None:
    order = {"database": 0, "schema": 1, "default": 2, "relation": 3, "sequence": 3}

    def key(p: Priv) -> tuple:
        return (order[p.kind], p.role, p.schema, p.name, p.privilege)

    for priv in sorted(wanted - held, key=key):
        conn.execute(grant_sql(priv))
        report.changes.append(RoleChange("grant_added", priv.role, priv.dataset(), priv.label()))
    for priv in sorted(held - wanted, key=key):
        conn.execute(grant_sql(priv, revoke=True))
        report.changes.append(RoleChange("grant_revoked", priv.role, priv.dataset(), priv.label()))
    keep = _connecting_roles(conn) if any(p.kind == "database" and can for p, can in public.items()) else []
    for priv in sorted(public, key=key):
        if not public[priv]:
            report.warnings.append(f"PUBLIC keeps {priv.label()}: this role does not own it")
            continue
        if priv.kind == "database":
            # explicit grants first, so what connected through PUBLIC (govdata, Airflow, the demo) still does
            for role in keep:
                explicit = Priv("database", "", priv.name, priv.privilege, role)
                conn.execute(grant_sql(explicit))
                report.changes.append(RoleChange("grant_added", role, None, explicit.label()))
        conn.execute(grant_sql(priv, revoke=True))
        report.changes.append(RoleChange("grant_revoked", "PUBLIC", priv.dataset(), priv.label()))


# --- one view ----------------------------------------------------------------------------------------


def grant_dataset(conn: psycopg.Connection, schema: str, dataset_id: str, cfg: OpenDataConfig) -> None:
    """Give one (re)created view exactly the grants it should have, inside the caller's transaction.

    portal_reader in open_data; the roles of the active grants naming the dataset in conditional_data.
    The pipeline calls it in the atomic swap (a re-created view has lost its grants); a role that does
    not exist yet gets its grant from the next ensure_roles.
    """
    if schema == OPEN_SCHEMA:
        candidates = [PORTAL_READER]
    elif schema == CONDITIONAL_SCHEMA:
        on = today()
        candidates = [g.role for g in cfg.access if dataset_id in g.datasets and is_active(g, on)]
    else:
        raise ValueError(f"{schema!r} is not a served schema ({OPEN_SCHEMA}, {CONDITIONAL_SCHEMA})")
    managed = set(_read_roles(conn, [PORTAL_READER, *(g.role for g in cfg.access)]))
    wanted = {Priv("relation", schema, dataset_id, "SELECT", r) for r in candidates if r in managed}
    held = {
        Priv("relation", schema, dataset_id, privilege, role)
        for privilege, role in conn.execute(
            "select a.privilege_type, r.rolname from pg_class c join pg_namespace n on n.oid = c.relnamespace"
            " cross join lateral aclexplode(c.relacl) a join pg_roles r on r.oid = a.grantee"
            " where n.nspname = %s and c.relname = %s and r.rolname = any(%s)",
            (schema, dataset_id, sorted(managed)),
        )
    }
    for priv in wanted - held:
        conn.execute(grant_sql(priv))
    for priv in held - wanted:
        conn.execute(grant_sql(priv, revoke=True))


# --- URLs --------------------------------------------------------------------------------------------


def role_url(role: str, cfg: OpenDataConfig | None = None) -> str:
    """A libpq URL of the warehouse for a managed role, with its password; ConfigError for an unknown or expired one."""
    from sqlalchemy.engine import make_url

    from govdata.warehouse import libpq_url

    if role != PORTAL_READER:
        cfg = cfg or config.load_open_data_config()
        grant = next((g for g in cfg.access if g.role == role), None)
        if grant is None:
            known = ", ".join([PORTAL_READER, *(g.role for g in cfg.access)])
            raise ConfigError(
                f"unknown role {role!r}: neither portal_reader nor in access: of open_data.yaml ({known})"
            )
        if not is_active(grant, today()):
            raise ConfigError(f"the access grant of {grant.applicant} ({grant.name}) expired on {grant.expires}")
    if not password_path(role).exists():
        raise ConfigError(f"role {role} has no password yet: publication creates it (ensure_roles) on its next run")
    url = make_url(config.warehouse_url()).set(username=role, password=role_password(role))
    return libpq_url(url.render_as_string(hide_password=False))
