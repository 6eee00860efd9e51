"""The one way to reach PostgreSQL: connections, identifier quoting and COPY streaming."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from govdata import config

if TYPE_CHECKING:
    import psycopg
    from sqlalchemy.engine import Engine

#: PostgreSQL truncates identifiers to this many bytes.
MAX_IDENTIFIER_BYTES = 63


def with_scheme(url: str, scheme: str) -> str:
    """The URL with another scheme (``postgresql+psycopg2``, ``postgres`` …): the one place URLs are rewritten."""
    return f"{scheme}://{url.split('://', 1)[1]}"


def libpq_url(url: str) -> str:
    """A SQLAlchemy URL (``postgresql+psycopg2://…``) as a libpq URL psycopg accepts."""
    return with_scheme(url, url.split("://", 1)[0].split("+", 1)[0])


#: Drivers govdata installs, for URLs that name only the engine (SQLAlchemy's defaults may be absent).
DEFAULT_DRIVERS = {
    "postgresql": "postgresql+psycopg",
    "postgres": "postgresql+psycopg",
    "mysql": "mysql+pymysql",
    "mariadb": "mariadb+pymysql",
    "oracle": "oracle+oracledb",
}


def sqlalchemy_url(url: str) -> str:
    """A URL for SQLAlchemy: a bare engine name gets the driver govdata installs (psycopg 3, PyMySQL, oracledb)."""
    scheme = url.split("://", 1)[0]
    return with_scheme(url, DEFAULT_DRIVERS.get(scheme, scheme))


def pg_options(timeouts: tuple[int, int] | None) -> str | None:
    """Libpq ``options`` setting lock_timeout and statement_timeout (seconds) for a source session."""
    if timeouts is None:
        return None
    lock, statement = timeouts
    return f"-c lock_timeout={lock}s -c statement_timeout={statement}s"


def connect(
    url: str | None = None,
    *,
    autocommit: bool = False,
    connect_timeout: int | None = None,
    timeouts: tuple[int, int] | None = None,
) -> psycopg.Connection:
    """A psycopg connection to the warehouse (default) or another PostgreSQL database.

    ``timeouts`` (lock, statement; seconds) are for sessions on departments' servers, where a
    locked table must fail its copy rather than hang the crawl.
    """
    import psycopg

    timeout = connect_timeout or config.load_platform().crawl.connect_timeout_seconds
    extra: dict[str, Any] = {"options": options} if (options := pg_options(timeouts)) else {}
    return psycopg.connect(
        libpq_url(url or config.warehouse_url()),
        autocommit=autocommit,
        connect_timeout=timeout,
        application_name="govdata",
        **extra,
    )


class FetchesRows(Protocol):
    """A psycopg cursor (what ``conn.execute`` returns) or any DB-API cursor."""

    @property
    def description(self) -> Any:
        """The result's columns (DB-API: a sequence whose items start with the name), or None."""

    def fetchone(self) -> Any:
        """The next row, or None."""


def one_row(result: FetchesRows) -> Any:
    """The first row of a query that always returns one (an aggregate, ``returning``, a function call).

    Raises LookupError naming the query's columns when there is none, instead of the
    ``TypeError: 'NoneType' object is not subscriptable`` that ``fetchone()[0]`` gives.
    """
    row = result.fetchone()
    if row is None:
        columns = ", ".join(str(c[0]) for c in result.description or ())
        raise LookupError(f"expected a row from the query, got none (columns: {columns or '-'})")
    return row


def scalar(result: FetchesRows) -> Any:
    """The first column of :func:`one_row`: ``select count(*) …``, ``select to_regclass(…) is not null``."""
    return one_row(result)[0]


def is_broken(conn: psycopg.Connection) -> bool:
    """Whether a connection is closed or was lost (server gone, session terminated)."""
    return bool(conn.closed or conn.broken)


#: Per-dialect session statements for (lock timeout, statement timeout) in seconds; a statement the
#: server does not know (MySQL vs MariaDB) is skipped. Other dialects rely on the task's timeout.
SESSION_TIMEOUTS = {
    "mysql": (
        "set session innodb_lock_wait_timeout = {lock}",
        "set session lock_wait_timeout = {lock}",
        "set session max_statement_time = {statement}",  # MariaDB
        "set session max_execution_time = {statement_ms}",  # MySQL (SELECT only)
    ),
}


def engine(url: str, timeouts: tuple[int, int] | None = None) -> Engine:
    """A SQLAlchemy engine for a source database (PostgreSQL via psycopg 3, or any dialect)."""
    from sqlalchemy import create_engine, event
    from sqlalchemy.exc import NoSuchModuleError

    from govdata.errors import ConfigError

    timeout = config.load_platform().crawl.connect_timeout_seconds
    target = sqlalchemy_url(url)
    takes_timeout = target.startswith(("postgresql", "mysql", "mariadb"))
    connect_args: dict[str, object] = {"connect_timeout": timeout} if takes_timeout else {}
    if target.startswith("postgresql") and (options := pg_options(timeouts)):
        connect_args["options"] = options
    try:
        eng = create_engine(target, pool_pre_ping=True, connect_args=connect_args)
    except (ImportError, NoSuchModuleError) as exc:
        scheme = target.split("://", 1)[0]
        raise ConfigError(
            f"database URL scheme {scheme!r} needs a driver or SQLAlchemy dialect that is not installed "
            f"({exc}); install it into the venv (`.venv/bin/python -m pip install …`, see README: Engines)"
        ) from None
    statements = SESSION_TIMEOUTS.get(eng.dialect.name, ()) if timeouts else ()
    if statements:
        lock, statement = timeouts  # type: ignore[misc]

        @event.listens_for(eng, "connect")
        def _set_timeouts(dbapi_connection: object, record: object) -> None:
            cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
            for text in statements:
                try:
                    cursor.execute(text.format(lock=lock, statement=statement, statement_ms=statement * 1000))
                except Exception:  # noqa: BLE001 - the other server's variable; the rest still apply
                    continue
            cursor.close()

    return eng


def safe_identifier(name: str, max_bytes: int = MAX_IDENTIFIER_BYTES) -> str:
    """A name that fits PostgreSQL's identifier length, keeping it unique with a hash suffix when cut."""
    if len(name.encode("utf-8")) <= max_bytes:
        return name
    digest = hashlib.sha1(name.encode("utf-8")).hexdigest()[:8]
    cut = name
    while len((cut + "_" + digest).encode("utf-8")) > max_bytes:
        cut = cut[:-1]
    return f"{cut}_{digest}"


def qualified(schema: str, table: str) -> psycopg.sql.Composed:
    """``"schema"."table"``, safely quoted whatever the names contain."""
    from psycopg import sql

    return sql.SQL("{}.{}").format(sql.Identifier(schema), sql.Identifier(table))


def column_list(columns: Sequence[str]) -> psycopg.sql.Composed:
    """``"a", "b", …`` quoted."""
    from psycopg import sql

    return sql.SQL(", ").join(sql.Identifier(c) for c in columns)


def copy_rows(
    conn: psycopg.Connection, schema: str, table: str, columns: Sequence[str], rows: Iterable[Sequence]
) -> int:
    """COPY Python rows into a table (text format); returns the number of rows written."""
    from psycopg import sql

    stmt = sql.SQL("copy {} ({}) from stdin").format(qualified(schema, table), column_list(columns))
    count = 0
    with conn.cursor() as cur, cur.copy(stmt) as copy:
        for row in rows:
            copy.write_row(row)
            count += 1
    return count


def stream_copy(
    source: psycopg.Connection,
    select: psycopg.sql.Composable,
    target: psycopg.Connection,
    target_table: psycopg.sql.Composable,
    columns: Sequence[str],
) -> int:
    """Stream ``COPY (select) TO STDOUT`` from one server into ``COPY table FROM STDIN`` on another.

    Binary format, block by block: nothing is parsed in Python and memory stays flat whatever the
    table's size. Returns the number of rows copied.
    """
    from psycopg import sql

    copy_out = sql.SQL("copy ({}) to stdout (format binary)").format(select)
    copy_in = sql.SQL("copy {} ({}) from stdin (format binary)").format(target_table, column_list(columns))
    with source.cursor() as src, target.cursor() as dst:
        with src.copy(copy_out) as out, dst.copy(copy_in) as into:
            for block in out:
                into.write(block)
        return dst.rowcount


def ensure_schema(conn: psycopg.Connection, stage: str, ddl_path: Path) -> bool:
    """Install a stage's ``schema.sql`` (idempotent DDL) unless this version is already installed.

    The one way every stage bootstraps its tables. The version is the DDL's hash, recorded in
    ``govdata.schema_version`` (stage, version, installed_at); the DDL runs only when it changed,
    serialised across parallel tasks by an advisory lock, in one transaction. Re-running DDL that
    has not changed would take locks that make one department's task wait for another's open
    transaction. Returns whether the DDL ran.
    """
    return ensure_schema_ddl(conn, stage, ddl_path.read_text(encoding="utf-8"))


def ensure_schema_ddl(conn: psycopg.Connection, stage: str, ddl: str) -> bool:
    """``ensure_schema`` of DDL text rendered at run time (a stage whose DDL embeds configured values)."""
    version = hashlib.sha256(ddl.encode("utf-8")).hexdigest()[:16]
    with conn.transaction():
        if _installed_version(conn, stage) == version:
            return False
        conn.execute("select pg_advisory_xact_lock(hashtext('govdata.schema'), hashtext(%s))", (stage,))
        conn.execute("create schema if not exists govdata")
        conn.execute(
            "create table if not exists govdata.schema_version ("
            " stage text primary key, version text not null, installed_at timestamptz not null default now())"
        )
        if _installed_version(conn, stage) == version:
            return False  # another task installed it while we waited
        conn.execute(ddl)
        conn.execute(
            "insert into govdata.schema_version (stage, version) values (%s, %s)"
            " on conflict (stage) do update set version = excluded.version, installed_at = now()",
            (stage, version),
        )
    return True


def _installed_version(conn: psycopg.Connection, stage: str) -> str | None:
    if scalar(conn.execute("select to_regclass('govdata.schema_version')")) is None:
        return None
    row = conn.execute("select version from govdata.schema_version where stage = %s", (stage,)).fetchone()
    return row[0] if row else None
