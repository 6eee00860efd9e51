"""A department's database as a copy source: PostgreSQL by binary COPY, any other engine by SQLAlchemy stream.

Both kinds answer the same three questions the snapshot asks — open a consistent read
(:meth:`Source.snapshot`), copy the table's rows (since a watermark) into a warehouse table
(:meth:`Source.copy`), count the table's rows (:meth:`Source.count`) — so the snapshot logic
(atomic replace, merge by key) is written once in :mod:`govdata.crawl.snapshot`.

Other engines (MySQL/MariaDB, Oracle, SQL Server, SQLite, DM, KingbaseES … any SQLAlchemy
dialect) are written with ``COPY … FROM STDIN`` in text format, one buffer per batch of
:data:`BATCH_ROWS`: memory stays flat whatever the table's size. MySQL/MariaDB through PyMySQL
has the server write the lines (:mod:`govdata.crawl.mysql_lines`, ~10× faster); the others (and
MySQL tables with a column of unmapped type) are read with a server-side cursor, values formatted
in Python for the snapshot type chosen by :func:`govdata.crawl.harvest._foreign_raw_type`. Both
ways, on the way:

- MySQL zero dates (``0000-00-00``, ``0000-00-00 00:00:00``) become NULL and are counted;
- NUL characters in text are removed and counted (PostgreSQL text cannot hold U+0000; legacy
  systems use it as C-string padding, so dropping it keeps the visible value);
- 4-byte UTF-8 (emoji, CJK Extension B) passes unchanged;
- a value that does not fit its column (SQLite's dynamic typing lets ``'abc'`` sit in an INTEGER
  column) fails the table with :class:`ValueNotCopyable`, naming the column and the row's key;
  the table keeps its previous snapshot.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Protocol

from govdata import warehouse
from govdata.crawl.copy_values import BATCH_ROWS, Copied, ValueNotCopyable, watermark_value
from govdata.warehouse import column_list, qualified, stream_copy

if TYPE_CHECKING:
    import psycopg
    from sqlalchemy.engine import Connection, Engine

    from govdata.crawl.harvest import HarvestedTable

NULL = "\\N"
#: characters COPY text format must escape, plus NUL, which PostgreSQL text cannot hold
_SPECIAL = re.compile(r"[\\\t\n\r\x00]")
_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r", "\x00": None})
_ZERO_DATE = "0000-00-00"


class Source(Protocol):
    """What the snapshot needs from a departmental database."""

    @property
    def engine(self) -> Engine:
        """SQLAlchemy engine for inspecting the schema (the harvest)."""

    def snapshot(self) -> Any:
        """Context manager: one source transaction for the copy and the count."""

    def copy(
        self, table: HarvestedTable, wh: psycopg.Connection, target: psycopg.sql.Composable, since: str | None = None
    ) -> Copied:
        """Copy the table's rows (updated at or after ``since``) into ``target`` in the warehouse."""

    def count(self, table: HarvestedTable) -> int:
        """Rows in the source table now."""

    def close(self) -> None:
        """Release connections."""

    def is_broken(self) -> bool:
        """Whether the connection to the source was lost (a reconnect may help)."""

    def reconnect(self) -> None:
        """Open the connection anew after it was lost."""


def open_source(url: str, timeouts: tuple[int, int] | None = None) -> Source:
    """PostgreSQL → :class:`PgSource` (psycopg, binary COPY); anything else → :class:`SqlSource`.

    ``timeouts`` (lock, statement; seconds) apply to every session on the source.
    """
    from sqlalchemy.engine import make_url

    if make_url(warehouse.sqlalchemy_url(url)).get_backend_name() == "postgresql":
        return PgSource(warehouse.connect(url, autocommit=True, timeouts=timeouts), url, timeouts)
    return SqlSource(warehouse.engine(url, timeouts))


# -- PostgreSQL: binary COPY, nothing parsed in Python -------------------------------------------


def source_select(table: HarvestedTable, where_after: str | None = None) -> psycopg.sql.Composed:
    """SELECT of a PostgreSQL source table; non-builtin types are cast to text so binary COPY matches."""
    from psycopg import sql

    cols = sql.SQL(", ").join(
        sql.Identifier(c.name) if c.raw_type else sql.SQL("{}::text").format(sql.Identifier(c.name))
        for c in table.columns
    )
    query = sql.SQL("select {} from {}").format(cols, qualified(table.source_schema or "public", table.source_table))
    if where_after is not None and table.update_column:
        # >= rather than >: rows stamped in the same instant as the watermark but committed later
        # are picked up; the merge by primary key makes the overlap harmless
        column = next(c for c in table.columns if c.name == table.update_column)
        query = sql.SQL("{} where {} >= {}::{}").format(
            query, sql.Identifier(column.name), sql.Literal(where_after), sql.SQL(column.raw_type or "text")
        )
    return query


class PgSource:
    """A PostgreSQL source: ``COPY (select) TO STDOUT`` streamed into the warehouse's ``COPY FROM STDIN``."""

    def __init__(
        self, conn: psycopg.Connection, url: str | None = None, timeouts: tuple[int, int] | None = None
    ) -> None:
        """Wrap an autocommit connection; ``url`` gives the SQLAlchemy engine for harvesting."""
        self.conn = conn
        self.url = url
        self.timeouts = timeouts
        self._engine: Engine | None = None

    @property
    def engine(self) -> Engine:
        """SQLAlchemy engine for inspection, created on first use."""
        if self._engine is None:
            assert self.url is not None
            self._engine = warehouse.engine(self.url, self.timeouts)
        return self._engine

    def snapshot(self) -> Any:
        """One source transaction."""
        return self.conn.transaction()

    def copy(
        self, table: HarvestedTable, wh: psycopg.Connection, target: psycopg.sql.Composable, since: str | None = None
    ) -> Copied:
        """Binary COPY stream of the table (or its rows since the watermark)."""
        return Copied(stream_copy(self.conn, source_select(table, since), wh, target, table.column_names))

    def count(self, table: HarvestedTable) -> int:
        """``count(*)`` of the source table."""
        from psycopg import sql

        target = qualified(table.source_schema or "public", table.source_table)
        return warehouse.scalar(self.conn.execute(sql.SQL("select count(*) from {}").format(target)))

    def is_broken(self) -> bool:
        """Whether the session was lost (terminated, server restarted, network cut)."""
        return warehouse.is_broken(self.conn)

    def reconnect(self) -> None:
        """A new session with the same URL and timeouts."""
        assert self.url is not None
        self.conn.close()
        self.conn = warehouse.connect(self.url, autocommit=True, timeouts=self.timeouts)

    def close(self) -> None:
        """Close the connection (cancelling a query still running) and dispose of the inspection engine.

        Closing alone leaves a query that waits on a lock running on the department's server until
        it gets the lock; a task stopped by its timeout or by staff must not leave one behind.
        """
        from psycopg.pq import TransactionStatus

        if not self.conn.closed and self.conn.info.transaction_status == TransactionStatus.ACTIVE:
            try:
                self.conn.cancel_safe(timeout=5)
            except Exception:  # noqa: BLE001 - the server is gone: nothing left to cancel
                pass
        self.conn.close()
        if self._engine is not None:
            self._engine.dispose()


# -- any SQLAlchemy dialect: server-side cursor → COPY text ---------------------------------------


class SqlSource:
    """A source reached through a SQLAlchemy engine (MySQL/MariaDB, Oracle, SQLite, SQL Server, …)."""

    def __init__(self, engine: Engine) -> None:
        """Wrap an engine; connections are opened per snapshot."""
        self.engine = engine
        self._conn: Connection | None = None
        self._lost = False

    @contextmanager
    def snapshot(self) -> Iterator[None]:
        """One source transaction: under MySQL's REPEATABLE READ the copy and the count see the same rows."""
        import sqlalchemy.exc

        try:
            with self.engine.connect() as conn, conn.begin():
                self._conn = conn
                yield
        except sqlalchemy.exc.DBAPIError as exc:
            self._lost = self._lost or bool(exc.connection_invalidated)
            raise
        finally:
            self._conn = None

    def is_broken(self) -> bool:
        """Whether the last snapshot lost its connection."""
        return self._lost

    def reconnect(self) -> None:
        """Drop the pooled connections; the next snapshot opens a new one."""
        self.engine.dispose()
        self._lost = False

    def _table(self, table: HarvestedTable) -> Any:
        import sqlalchemy as sa

        return sa.table(table.source_table, *[sa.column(c.name) for c in table.columns], schema=table.source_schema)

    def copy(
        self, table: HarvestedTable, wh: psycopg.Connection, target: psycopg.sql.Composable, since: str | None = None
    ) -> Copied:
        """Stream the table's rows in batches and COPY each batch as one text buffer."""
        import sqlalchemy as sa
        from psycopg import sql

        assert self._conn is not None, "copy() runs inside snapshot()"
        if self._server_builds_lines(table):
            from govdata.crawl import mysql_lines

            stmt = sql.SQL("copy {} ({}) from stdin (encoding 'utf8')").format(target, column_list(table.column_names))
            try:  # in a savepoint, so a table with a row too long for one line can be copied again below
                with wh.transaction(), wh.cursor() as cur, cur.copy(stmt) as out:
                    return mysql_lines.copy(self._conn.connection.dbapi_connection, table, out, since)
            except mysql_lines.LineTooLong:
                pass
        src = self._table(table)
        query = sa.select(*src.columns)
        if since is not None and table.update_column:
            column = next(c for c in table.columns if c.name == table.update_column)
            # a Python date/number the driver binds natively, so the source compares in its own type;
            # NullType keeps SQLAlchemy's own formatting (SQLite's adds microseconds) out of it
            since_value = sa.bindparam("since", watermark_value(since, column.raw_type), type_=sa.types.NullType())
            query = query.where(src.c[column.name] >= since_value)
        result = self._conn.execution_options(stream_results=True, yield_per=BATCH_ROWS).execute(query)
        formatters = [formatter(c.name, c.raw_type) for c in table.columns]
        key_positions = [table.column_names.index(k) for k in table.primary_key]
        copied = Copied(0)
        stmt = sql.SQL("copy {} ({}) from stdin").format(target, column_list(table.column_names))
        try:
            with wh.cursor() as cur, cur.copy(stmt) as out:
                for rows in result.partitions():
                    out.write(copy_text(rows, formatters, copied, key_positions, copied.rows))
                    copied.rows += len(rows)
        finally:
            result.close()
        return copied

    def _server_builds_lines(self, table: HarvestedTable) -> bool:
        """MySQL/MariaDB through PyMySQL: the server writes the COPY lines (:mod:`govdata.crawl.mysql_lines`)."""
        from govdata.crawl import mysql_lines

        dialect = self.engine.dialect
        return dialect.name in ("mysql", "mariadb") and dialect.driver == "pymysql" and mysql_lines.supports(table)

    def count(self, table: HarvestedTable) -> int:
        """``count(*)`` of the source table, in the snapshot's transaction."""
        import sqlalchemy as sa

        assert self._conn is not None, "count() runs inside snapshot()"
        return self._conn.execute(sa.select(sa.func.count()).select_from(self._table(table))).scalar_one()

    def close(self) -> None:
        """Dispose of the engine's pool."""
        self.engine.dispose()


def copy_text(
    rows: Sequence[Sequence[Any]],
    formatters: Sequence[Formatter],
    copied: Copied,
    key_positions: Sequence[int] = (),
    offset: int = 0,
) -> str:
    """One COPY text buffer for a batch of rows; raises ValueNotCopyable naming column and key."""
    lines = []
    for n, row in enumerate(rows):
        try:
            lines.append("\t".join([f(v, copied.conversions) for f, v in zip(formatters, row, strict=True)]))
        except _Misfit as exc:
            key = (
                ", ".join(f"{row[i]!r}" for i in key_positions)
                if key_positions
                else f"row {offset + n + 1} of the read"
            )
            raise ValueNotCopyable(exc.column, f"column {exc.column!r}, key ({key}): {exc}") from None
    lines.append("")
    return "\n".join(lines)


# -- value formatting, one function per snapshot type ---------------------------------------------

Formatter = Callable[[Any, Counter], str]


class _Misfit(ValueError):
    def __init__(self, column: str, message: str) -> None:
        super().__init__(message)
        self.column = column


def formatter(column: str, raw_type: str | None) -> Formatter:
    """The function turning one source value into COPY text for a column of this snapshot type."""
    kind = (raw_type or "text").split("(")[0].strip()
    if kind == "boolean":
        return _boolean(column)
    if kind == "bytea":
        return _bytea(column)
    if kind in ("bit", "bit varying"):
        return _bits(column, int((raw_type or "bit(1)").split("(")[1].rstrip(")")) if "(" in (raw_type or "") else 1)
    if kind.startswith("timestamp") or kind == "date":
        return _date(column)
    if kind.startswith("time"):
        return _time(column)
    if kind in ("smallint", "integer", "bigint", "numeric", "real", "double precision", "float"):
        return _number(column, kind)
    if kind in ("json", "jsonb"):
        return _json(column)
    return _text(column)


def _escape(value: str, column: str, counts: Counter) -> str:
    if _SPECIAL.search(value) is None:
        return value
    if "\x00" in value:
        counts[(column, "nul_removed")] += 1
    return value.translate(_ESCAPES)


def _text(column: str) -> Formatter:
    def fmt(v: Any, counts: Counter) -> str:
        if v is None:
            return NULL
        if type(v) is not str:
            if isinstance(v, (bytes, bytearray, memoryview)):
                try:
                    v = bytes(v).decode("utf-8")
                except UnicodeDecodeError:
                    raise _Misfit(column, "binary value is not UTF-8 text") from None
            else:
                v = str(v)
        return _escape(v, column, counts)

    return fmt


def _date(column: str) -> Formatter:
    def fmt(v: Any, counts: Counter) -> str:
        if v is None:
            return NULL
        if isinstance(v, dt.date):
            return v.isoformat(sep=" ") if isinstance(v, dt.datetime) else v.isoformat()
        v = str(v)
        if v.startswith(_ZERO_DATE):  # MySQL's "no date": PostgreSQL has no such date
            counts[(column, "zero_date")] += 1
            return NULL
        return _escape(v, column, counts)

    return fmt


def _time(column: str) -> Formatter:
    def fmt(v: Any, counts: Counter) -> str:
        if v is None:
            return NULL
        if isinstance(v, dt.timedelta):  # MySQL TIME arrives as a duration
            seconds = v.days * 86400 + v.seconds
            if not 0 <= seconds <= 86400:
                raise _Misfit(column, f"time {v} is outside 00:00–24:00")
            return f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}.{v.microseconds:06d}"
        return _escape(str(v), column, counts)

    return fmt


def _number(column: str, kind: str) -> Formatter:
    def fmt(v: Any, counts: Counter) -> str:
        if v is None:
            return NULL
        t = type(v)
        if t is int or t is float or t is Decimal:
            return str(v)
        if t is bool:
            return "1" if v else "0"
        try:  # dynamic typing (SQLite): text that holds a number is fine, anything else is not
            float(v)
        except (TypeError, ValueError):
            raise _Misfit(column, f"value {v!r} is not a number ({kind})") from None
        return str(v).strip()

    return fmt


_TRUE = frozenset(("1", "t", "true", "y", "yes", "on"))
_FALSE = frozenset(("0", "f", "false", "n", "no", "off"))


def _boolean(column: str) -> Formatter:
    def fmt(v: Any, counts: Counter) -> str:
        if v is None:
            return NULL
        if isinstance(v, (bytes, bytearray)):  # BIT(1)
            return "t" if any(v) else "f"
        if isinstance(v, (bool, int, float, Decimal)):  # MySQL BOOL is TINYINT(1): any non-zero is true
            return "t" if v else "f"
        text = str(v).strip().lower()
        if text in _TRUE or text in _FALSE:
            return "t" if text in _TRUE else "f"
        raise _Misfit(column, f"value {v!r} is not a boolean")

    return fmt


def _bytea(column: str) -> Formatter:
    def fmt(v: Any, counts: Counter) -> str:
        if v is None:
            return NULL
        if isinstance(v, str):
            v = v.encode("utf-8")
        return "\\\\x" + bytes(v).hex()  # bytea hex input, its backslash escaped for COPY

    return fmt


def _bits(column: str, length: int) -> Formatter:
    def fmt(v: Any, counts: Counter) -> str:
        if v is None:
            return NULL
        number = int.from_bytes(v, "big") if isinstance(v, (bytes, bytearray)) else int(v)
        return format(number, f"0{length}b")

    return fmt


def _json(column: str) -> Formatter:
    text = _text(column)

    def fmt(v: Any, counts: Counter) -> str:
        if isinstance(v, (dict, list)):
            v = json.dumps(v, ensure_ascii=False)
        return text(v, counts)

    return fmt
