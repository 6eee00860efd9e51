"""Copy source tables into raw_<dept>.<table> with COPY: atomic per table, incremental when possible."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from govdata.warehouse import column_list, copy_rows, one_row, qualified, scalar

if TYPE_CHECKING:
    import psycopg

    from govdata.crawl.harvest import HarvestedTable
    from govdata.crawl.sources import Source


@dataclass
class SnapshotResult:
    """What one table's snapshot did."""

    mode: str
    rows_copied: int
    row_count: int
    #: max of the update column as text, compared in the source's own type (no time-zone shifts)
    watermark: str | None
    #: rows whose update column is later than the crawl (left out of the watermark)
    future_rows: int = 0
    #: source values converted on the way (zero dates → NULL, NUL removed): (column, kind) → count
    conversions: Counter[tuple[str, str]] = field(default_factory=Counter)


def _column_defs(table: HarvestedTable) -> psycopg.sql.Composed:
    from psycopg import sql

    return sql.SQL(", ").join(
        sql.SQL("{} {}").format(sql.Identifier(c.name), sql.SQL(c.raw_type or "text")) for c in table.columns
    )


@dataclass(frozen=True)
class SnapshotState:
    """What raw_<dept>.<table> holds, as meta.snapshot_state recorded it."""

    column_signature: str
    watermark: str | None
    row_count: int
    fingerprint: str | None
    update_column: str | None


RAW_COLUMNS = """
select c.relname, a.attname, format_type(a.atttypid, a.atttypmod)
from pg_attribute a
join pg_class c on c.oid = a.attrelid
join pg_namespace n on n.oid = c.relnamespace
where n.nspname = %s and c.relkind = 'r' and a.attnum > 0 and not a.attisdropped {only}
order by c.relname, a.attnum
"""


def raw_columns(wh: psycopg.Connection, schema: str, table: str | None = None) -> dict[str, list[tuple[str, str]]]:
    """(column, type) in order of every raw table in the schema (or of one): one query for all of them."""
    only = "and c.relname = %s" if table is not None else ""
    found: dict[str, list[tuple[str, str]]] = {}
    for relname, column, type_ in wh.execute(RAW_COLUMNS.format(only=only), (schema, table) if only else (schema,)):
        found.setdefault(relname, []).append((column, type_))
    return found


def columns_match(have: list[tuple[str, str]] | None, table: HarvestedTable) -> bool:
    """Whether a raw table's (column, type) list is exactly the columns and types of the harvest."""
    if not have:
        return False
    wanted = [(c.name, c.raw_type or "text") for c in table.columns]
    return [h[0] for h in have] == [w[0] for w in wanted] and all(
        _same_type(h[1], w[1]) for h, w in zip(have, wanted, strict=True)
    )


def _raw_matches(wh: psycopg.Connection, schema: str, table: HarvestedTable) -> bool:
    """Whether raw.<table> exists with exactly the columns and types of the harvest."""
    return columns_match(raw_columns(wh, schema, table.raw_table).get(table.raw_table), table)


def unchanged_snapshot(
    table: HarvestedTable, state: SnapshotState | None, raw: list[tuple[str, str]] | None
) -> SnapshotResult | None:
    """The kept snapshot when the source's fingerprint, the structure and the raw table all still match."""
    if state is None or table.fingerprint is None or state.fingerprint != table.fingerprint:
        return None
    if state.column_signature != table.column_signature() or state.update_column != table.update_column:
        return None  # the watermark belongs to the update column it was taken on
    if not columns_match(raw, table):
        return None
    return SnapshotResult(mode="unchanged", rows_copied=0, row_count=state.row_count, watermark=state.watermark)


def _same_type(have: str, want: str) -> bool:
    # SQLAlchemy renders some types differently from format_type (e.g. "timestamp without time zone")
    aliases = {
        "timestamp": "timestamp without time zone",
        "time": "time without time zone",
        "varchar": "character varying",
        "char": "character",
        "double precision": "double precision",
        "float": "double precision",
        "datetime": "timestamp without time zone",
        "bool": "boolean",
        "int": "integer",
        "int4": "integer",
        "int8": "bigint",
    }

    def norm(t: str) -> str:
        t = t.lower().replace(", ", ",")
        base, _, rest = t.partition("(")
        base = aliases.get(base.strip(), base.strip())
        return f"{base}({rest}" if rest else base

    return norm(have) == norm(want)


def _recreate(wh: psycopg.Connection, schema: str, table: HarvestedTable) -> None:
    from psycopg import sql

    target = qualified(schema, table.raw_table)
    # cascade: the catalog's restricted views over raw tables (source_conflict_candidates) go with the
    # table; the next catalog build, which follows every crawl, recreates them over the new snapshot
    wh.execute(sql.SQL("drop table if exists {} cascade").format(target))
    wh.execute(sql.SQL("create table {} ({})").format(target, _column_defs(table)))
    comment = f"{table.comment or table.source_name} (snapshot of {table.source_kind} {table.source_name})"
    wh.execute(sql.SQL("comment on table {} is {}").format(target, sql.Literal(comment)))


def _watermark(wh: psycopg.Connection, schema: str, table: HarvestedTable) -> tuple[str | None, int]:
    """The snapshot's max update time, capped at now, and how many rows are stamped in the future.

    One row stamped 2099-01-01 once moved the watermark to 2099: every later change fell below it
    and was never copied, while the crawl said success. Future stamps are counted and reported.
    """
    from psycopg import sql

    if not table.update_column:
        return None, 0
    column = sql.Identifier(table.update_column)
    raw_type = next((c.raw_type for c in table.columns if c.name == table.update_column), None) or ""
    if not raw_type.startswith(("timestamp", "date")):
        row = one_row(
            wh.execute(sql.SQL("select max({})::text, 0 from {}").format(column, qualified(schema, table.raw_table)))
        )
    else:
        # the warehouse clock, in its session time zone: a timestamp without time zone compares as local time
        cap = sql.SQL("now()::{}").format(sql.SQL(raw_type))
        row = one_row(
            wh.execute(
                sql.SQL(
                    "select (max({c}) filter (where {c} <= {cap}))::text, count(*) filter (where {c} > {cap}) from {}"
                ).format(qualified(schema, table.raw_table), c=column, cap=cap)
            )
        )
    return row[0], row[1]


def _count(conn: psycopg.Connection, target: psycopg.sql.Composable) -> int:
    from psycopg import sql

    return scalar(conn.execute(sql.SQL("select count(*) from {}").format(target)))


class SharpDrop(Exception):
    """The new snapshot would hold far fewer rows than the one it replaces; the old one is kept."""

    def __init__(self, rows: int, previous: int) -> None:
        """Remember both counts for the message."""
        super().__init__(f"{rows:,} rows, {100 - 100 * rows // max(previous, 1)}% fewer than the {previous:,} kept")
        self.rows, self.previous = rows, previous


def _check_drop(rows: int, min_rows: int | None, previous: int | None) -> None:
    # raised inside the snapshot's transaction, so the rollback keeps the previous snapshot whole
    if min_rows is not None and previous is not None and rows < min_rows:
        raise SharpDrop(rows, previous)


def snapshot_full(
    source: Source | None, wh: psycopg.Connection, schema: str, table: HarvestedTable,
    min_rows: int | None = None, previous_rows: int | None = None,
) -> SnapshotResult:  # fmt: skip
    """Replace raw.<table> with a full copy, inside one transaction so a failure keeps the old one.

    The table is truncated (or created) in the same transaction as the COPY, which lets PostgreSQL
    skip WAL for it at wal_level=minimal and keeps views that depend on the table intact. A copy
    with fewer than ``min_rows`` rows (a half-uploaded file, an emptied table) raises SharpDrop.
    """
    from psycopg import sql

    target = qualified(schema, table.raw_table)
    with wh.transaction():
        if _raw_matches(wh, schema, table):
            wh.execute(sql.SQL("truncate table {}").format(target))
        else:
            _recreate(wh, schema, table)
        conversions: Counter[tuple[str, str]] = Counter()
        if table.file_rows is not None:
            copied = copy_rows(wh, schema, table.raw_table, table.column_names, table.file_rows)
        else:
            assert source is not None
            with source.snapshot():
                result = source.copy(table, wh, target)
            copied, conversions = result.rows, result.conversions
        _check_drop(copied, min_rows, previous_rows)
        watermark, future = _watermark(wh, schema, table)
    return SnapshotResult("full", copied, copied, watermark, future_rows=future, conversions=conversions)


def snapshot_incremental(
    source: Source, wh: psycopg.Connection, schema: str, table: HarvestedTable, since: str
) -> SnapshotResult | None:
    """Copy rows updated since the watermark and merge them by primary key.

    Returns None when the merged snapshot's row count differs from the source's (rows were deleted
    at the source, which a timestamp cannot show): the caller then takes a full copy.
    """
    from psycopg import sql

    target = qualified(schema, table.raw_table)
    staging = sql.Identifier("_govdata_increment")
    pk = table.primary_key
    with wh.transaction():
        wh.execute(sql.SQL("create temp table {} (like {}) on commit drop").format(staging, target))
        with source.snapshot():
            result = source.copy(table, wh, staging, since)
            source_count = source.count(table)
        copied = result.rows
        if copied:
            match = sql.SQL(" and ").join(sql.SQL("r.{c} = i.{c}").format(c=sql.Identifier(c)) for c in pk)
            wh.execute(sql.SQL("delete from {} r using {} i where {}").format(target, staging, match))
            wh.execute(
                sql.SQL("insert into {} ({cols}) select {cols} from {}").format(
                    target, staging, cols=column_list(table.column_names)
                )
            )
        row_count = _count(wh, target)
        if row_count != source_count:
            raise _RowCountMismatch(row_count, source_count)
        watermark, future = _watermark(wh, schema, table)
    return SnapshotResult(
        "incremental", copied, row_count, watermark, future_rows=future, conversions=result.conversions
    )


class _RowCountMismatch(Exception):
    def __init__(self, raw: int, source: int) -> None:
        super().__init__(f"snapshot has {raw} rows after the increment, source has {source}")


def snapshot_table(
    source: Source | None,
    wh: psycopg.Connection,
    schema: str,
    table: HarvestedTable,
    previous_signature: str | None,
    previous_watermark: str | None,
    min_rows: int | None = None,
    previous_rows: int | None = None,
) -> SnapshotResult:
    """Incremental when the table has an update column, a primary key and an unchanged structure.

    An increment can only grow or keep a table (deletions make it a full copy), so the drop check
    of ``min_rows`` is the full copy's.
    """
    can_increment = (
        source is not None
        and table.file_rows is None
        and table.update_column is not None
        and table.primary_key
        and previous_watermark is not None
        and previous_signature == table.column_signature()
        and _raw_matches(wh, schema, table)
    )
    if can_increment:
        assert source is not None and previous_watermark is not None
        try:
            return snapshot_incremental(source, wh, schema, table, previous_watermark)  # type: ignore[return-value]
        except _RowCountMismatch:
            pass  # deletions at the source: fall through to a full copy
    return snapshot_full(source, wh, schema, table, min_rows, previous_rows)
