"""Fingerprints of source tables and files: equal to the stored one means the snapshot can be kept as it is.

A fingerprint may only claim "unchanged" when it is sure. Every part moves when the data may
have changed, and a table we cannot vouch for gets no fingerprint (None), so it is copied.

- Every database table: row count and the maximum of its update column, in one aggregate query
  per chunk of tables (`row_aggregates`). Transactional, so it also sees changes committed a
  moment ago. Alone, it vouches only for tables with an update column (the assumption incremental
  copies already make: every change stamps that column); `generic_fingerprints` is that alone,
  for any SQLAlchemy dialect.
- PostgreSQL adds its cumulative statistics (`postgres_statistics`, one query for all tables):
  rows inserted/updated/deleted (which only grow), the table's oid and relfilenode (new on TRUNCATE,
  rewrites, drop-and-recreate), and an epoch of postmaster start time and the database's
  stats_reset (a reset or a crash zeroes the counters, which could later climb back to the stored
  values; the epoch makes every table look changed instead). Statistics reach the shared view up
  to ~1 s late (PGSTAT_MIN_INTERVAL; longer under lock contention), so a change committed just
  before the crawl may show only in the next crawl's fingerprint — never lost, because the stored
  fingerprint is the one read before the copy. With statistics every table is vouched for, update
  column or not. Without track_counts, partitioned or inherited tables (their rows live in other
  relations) the statistics are left out.
- Files: sha256 of the contents (`govdata.files.content_fingerprint`, taken as the file is read).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Dialect, Engine

    from govdata.crawl.harvest import HarvestedTable

log = logging.getLogger(__name__)

#: Tables per aggregate query: few enough locks and a short statement on the department's server.
AGGREGATE_CHUNK = 200

POSTGRES_STATISTICS = """
select n.nspname, c.relname,
       concat_ws(':', 'pg', extract(epoch from pg_postmaster_start_time()),
                 coalesce(extract(epoch from d.stats_reset)::text, '-'), c.oid, c.relfilenode,
                 pg_stat_get_tuples_inserted(c.oid), pg_stat_get_tuples_updated(c.oid),
                 pg_stat_get_tuples_deleted(c.oid))
from pg_class c
join pg_namespace n on n.oid = c.relnamespace
cross join (select stats_reset from pg_stat_database where datname = current_database()) d
where n.nspname = any(:schemas) and c.relkind = 'r' and not c.relhassubclass
  and current_setting('track_counts')::boolean
"""


def postgres_statistics(conn: Connection, tables: list[HarvestedTable]) -> dict[str, str]:
    """PostgreSQL's change counters per table (source name → text), one query for all the tables."""
    from sqlalchemy import text

    schemas = sorted({t.source_schema or "public" for t in tables})
    found = {(r[0], r[1]): r[2] for r in conn.execute(text(POSTGRES_STATISTICS), {"schemas": schemas})}
    return {
        t.source_name: found[key] for t in tables if (key := (t.source_schema or "public", t.source_table)) in found
    }


#: Dialect-specific statistics that vouch for a table without an update column; others plug in here.
STATISTICS: dict[str, Callable[[Connection, list[HarvestedTable]], dict[str, str]]] = {
    "postgresql": postgres_statistics,
}

#: Run before the row aggregates, per dialect. PostgreSQL plans a union of many small counts as a
#: parallel append, whose worker start-up costs several times the counts themselves.
AGGREGATE_SETUP: dict[str, str] = {"postgresql": "set local max_parallel_workers_per_gather = 0"}


def _cast_to_text(dialect: Dialect) -> str:
    """``CAST({} AS <the dialect's string type>)``, compiled once per query rather than once per table."""
    from sqlalchemy import String, cast, literal_column

    return str(cast(literal_column("{}"), String).compile(dialect=dialect))


def aggregate_query(dialect: Dialect, tables: list[HarvestedTable]) -> str:
    """One ``union all`` of ``select <i>, count(*), cast(max(<update column> up to now))`` over the tables.

    Written as text with the dialect's quoting: compiling a SQLAlchemy select per table cost more than
    running it. The key is the table's position in the list, so no value from the source is in the SQL.
    """
    quote = dialect.identifier_preparer.quote
    as_text = _cast_to_text(dialect)
    parts = []
    for i, table in enumerate(tables):
        target = (
            quote(table.source_table)
            if not table.source_schema
            else f"{quote(table.source_schema)}.{quote(table.source_table)}"
        )
        # capped at now: one row stamped 2099 would otherwise hold the max still while other rows change
        column = quote(table.update_column) if table.update_column else None
        latest = as_text.format(f"max(case when {column} <= current_timestamp then {column} end)") if column else "null"
        parts.append(f"select {i}, count(*), {latest} from {target}")
    return " union all ".join(parts)


def row_aggregates(conn: Connection, tables: list[HarvestedTable]) -> dict[str, str]:
    """Row count and max(update column) per table (source name → text); a chunk that fails is left out."""
    from sqlalchemy import text

    found: dict[str, str] = {}
    setup = AGGREGATE_SETUP.get(conn.dialect.name)
    for start in range(0, len(tables), AGGREGATE_CHUNK):
        chunk = tables[start : start + AGGREGATE_CHUNK]
        try:
            with conn.begin():
                if setup:
                    conn.execute(text(setup))
                rows = conn.execute(text(aggregate_query(conn.dialect, chunk))).fetchall()
        except Exception as exc:  # e.g. a table dropped since the harvest: those tables are simply copied
            log.warning("row aggregates of %d tables failed, they will be copied: %s", len(chunk), exc)
            continue
        found.update({chunk[r[0]].source_name: f"rows={r[1]}:max={r[2]}" for r in rows})
    return found


def combine(statistics: str | None, aggregate: str | None, table: HarvestedTable) -> str | None:
    """The fingerprint from its parts, or None when they cannot vouch for the table."""
    if aggregate is None or (statistics is None and not table.update_column):
        return None
    return f"{statistics};{aggregate}" if statistics else aggregate


def generic_fingerprints(conn: Connection, tables: list[HarvestedTable]) -> dict[str, str | None]:
    """Any SQLAlchemy source without statistics: row count + max(update column), for tables that have one."""
    aggregates = row_aggregates(conn, [t for t in tables if t.update_column])
    return {t.source_name: combine(None, aggregates.get(t.source_name), t) for t in tables}


def database_fingerprints(eng: Engine, tables: list[HarvestedTable]) -> dict[str, str | None]:
    """Fingerprint every table of a database: the dialect's statistics (if any) with the row aggregates."""
    statistics_of = STATISTICS.get(eng.dialect.name)
    with eng.connect() as conn:
        if statistics_of is None:
            return generic_fingerprints(conn, tables)
        # the statistics first: a change racing the crawl then moves the aggregate, or the next statistics
        statistics = statistics_of(conn, tables)
        conn.commit()
        aggregates = row_aggregates(conn, tables)
    return {t.source_name: combine(statistics.get(t.source_name), aggregates.get(t.source_name), t) for t in tables}
