"""Sample a raw column's non-null values in PostgreSQL: deterministic, bounded, every identifier quoted."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

from govdata.warehouse import MAX_IDENTIFIER_BYTES, qualified

if TYPE_CHECKING:
    import psycopg

#: Above this many rows a table is sampled by blocks first (TABLESAMPLE SYSTEM), not scanned whole.
LARGE_TABLE_ROWS = 200_000
#: Rows read per wanted value from a block sample, so sparse columns still yield a full sample.
OVERSAMPLE = 20
#: Longest text kept per value: classification needs the shape, not a whole document.
MAX_VALUE_CHARS = 2000
#: A sampling query may not run longer than this (a huge table must not hold up the department).
STATEMENT_TIMEOUT = "120s"


class ColumnMissing(LookupError):
    """The harvested column is not in the raw snapshot table (the snapshot failed or is stale)."""


@dataclass(frozen=True)
class Sample:
    """Values sampled from one column and how."""

    values: list[str]
    method: str


def prepare_reader(conn: psycopg.Connection) -> None:
    """Settings of the (autocommit) connection that samples: a timeout per query."""
    conn.execute(f"set statement_timeout = '{STATEMENT_TIMEOUT}'")


def raw_columns(conn: psycopg.Connection, schema: str, table: str) -> list[str]:
    """Column names of raw_<dept>.<table> as PostgreSQL stores them (empty if the table is missing)."""
    rows = conn.execute(
        """
        select a.attname from pg_attribute a
        join pg_class c on c.oid = a.attrelid
        join pg_namespace n on n.oid = c.relnamespace
        where n.nspname = %s and c.relname = %s and a.attnum > 0 and not a.attisdropped
        order by a.attnum
        """,
        (schema, table),
    ).fetchall()
    return [r[0] for r in rows]


def stored_name(column: str, present: list[str]) -> str:
    """The raw table's name of a harvested column; PostgreSQL cuts names longer than 63 bytes."""
    if column in present:
        return column
    cut = column.encode("utf-8")[:MAX_IDENTIFIER_BYTES].decode("utf-8", errors="ignore")
    if cut in present:
        return cut
    raise ColumnMissing(f"column {column!r} is not in the raw snapshot")


def seed_for(*parts: str) -> float:
    """A setseed() value in [-1, 1) fixed by the column's identity, so re-runs draw the same sample."""
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8")).digest()
    return int.from_bytes(digest[:4], "big") / 2**31 - 1.0


def sample_column(
    conn: psycopg.Connection, schema: str, table: str, column: str, size: int, row_count: int | None
) -> Sample:
    """Up to ``size`` non-null values of one column, drawn at random with a fixed seed.

    Small and medium tables: ``order by random()`` over the whole column (a top-N sort, one scan).
    Large tables: a repeatable block sample first; a sparse column that yields too few values there is
    sampled from the whole table after all.
    """
    from psycopg import sql

    target = qualified(schema, table)
    value = sql.SQL("left({}::text, {})").format(sql.Identifier(column), sql.Literal(MAX_VALUE_CHARS))
    not_null = sql.SQL("{} is not null").format(sql.Identifier(column))
    seed = seed_for(schema, table, column)
    if row_count is not None and row_count > LARGE_TABLE_ROWS:
        percent = min(100.0, 100.0 * size * OVERSAMPLE / row_count)
        query = sql.SQL(
            "select {} from {} tablesample system ({}) repeatable ({}) where {} order by random() limit {}"
        ).format(value, target, sql.Literal(percent), sql.Literal(int(abs(seed) * 2**31)), not_null, sql.Literal(size))
        block_sample = _draw(conn, seed, query)
        method = f"tablesample system {percent:.4g}%"
        if len(block_sample) >= size:
            return Sample(block_sample, method)
    query = sql.SQL("select {} from {} where {} order by random() limit {}").format(
        value, target, not_null, sql.Literal(size)
    )
    if row_count is not None and row_count > LARGE_TABLE_ROWS:
        import psycopg

        try:
            return Sample(_draw(conn, seed, query), "random (sparse column)")
        except psycopg.errors.QueryCanceled:
            # the whole-table pass timed out: the block sample is still a fair, if small, sample
            return Sample(block_sample, method + " (whole-table pass timed out)")
    return Sample(_draw(conn, seed, query), "random")


def _draw(conn: psycopg.Connection, seed: float, query: psycopg.sql.Composed) -> list[str]:
    # setseed and the query on one connection, back to back: random() then yields the same sequence
    conn.execute("select setseed(%s)", (seed,))
    return [r[0] for r in conn.execute(query).fetchall()]
