"""Crawl one department: harvest metadata, record schema changes, snapshot every table, log the run."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from govdata import config, warehouse
from govdata.crawl.fingerprint import database_fingerprints
from govdata.crawl.harvest import HarvestedTable, harvest_database, harvest_file_table, missing_declared_tables
from govdata.crawl.snapshot import (
    SharpDrop,
    SnapshotResult,
    SnapshotState,
    raw_columns,
    snapshot_table,
    unchanged_snapshot,
)
from govdata.crawl.sources import Source, open_source
from govdata.errors import ConfigError, GovdataError, redact
from govdata.files import read_drop_folder
from govdata.layout import Override

if TYPE_CHECKING:
    import psycopg
    from sqlalchemy.engine import Engine

    from govdata.config import Department

log = logging.getLogger(__name__)

SCHEMA_SQL = Path(__file__).with_name("schema.sql")


class DepartmentUnavailable(GovdataError, RuntimeError):
    """A department's system cannot be reached; the message names the department."""


class CrawlIncomplete(GovdataError, RuntimeError):
    """Some of a department's database tables could not be copied; the others were."""


class CrawlBusy(GovdataError, RuntimeError):
    """The department is being crawled by another process right now."""


#: Error types that note a problem in the data, not a failure to crawl it (the run still succeeds).
NOTICES = ("value_converted", "future_timestamp")


@dataclass
class CrawlError:
    """One source that could not be crawled."""

    source_kind: str
    source_name: str
    error_type: str
    message: str
    column_name: str | None = None


@dataclass
class CrawlSummary:
    """What a department's crawl did, returned to Airflow (XCom) and printed by the CLI."""

    department_code: str
    department_name: str
    crawl_run_id: int
    status: str
    tables: int = 0
    rows_copied: int = 0
    row_count: int = 0
    schema_changes: int = 0
    errors: list[dict] = field(default_factory=list)


def ensure_meta_schema(wh: psycopg.Connection) -> bool:
    """Create or upgrade the meta.* tables (see `warehouse.ensure_schema`); whether the DDL ran."""
    return warehouse.ensure_schema(wh, "meta", SCHEMA_SQL)


def lock_department(wh: psycopg.Connection, dept: Department) -> None:
    """Take the department's crawl lock for this session, or say who holds it since when.

    A session-level advisory lock: the server releases it when the holder's connection ends, even
    after kill -9, so a crashed crawl never blocks the next one.
    """
    if warehouse.scalar(
        wh.execute("select pg_try_advisory_lock(hashtext('govdata.crawl'), hashtext(%s))", (dept.code,))
    ):
        return
    holder = wh.execute(
        "select run_id, started_at, pid, host from meta.crawl_run"
        " where department_code = %s and status = 'running' order by started_at desc limit 1",
        (dept.code,),
    ).fetchone()
    who = (
        f"run {holder[0]} (pid {holder[2]} on {holder[3]}) since {holder[1]:%Y-%m-%d %H:%M:%S %Z}"
        if holder
        else "another crawl"
    )
    raise CrawlBusy(f"{dept.label}: already being crawled by {who}; this crawl did not start")


def _close_abandoned_runs(wh: psycopg.Connection, dept: Department) -> None:
    # we hold the department's lock, so a run still marked running has no live process behind it
    wh.execute(
        """
        update meta.crawl_run
        set status = 'failed', finished_at = now(),
            error_message = 'abandoned: the crawl (pid ' || coalesce(pid::text, '?') || ' on '
                || coalesce(host, '?') || ') ended without finishing — killed or crashed; closed by the next crawl'
        where department_code = %s and status = 'running'
        """,
        (dept.code,),
    )


def close_runs_of_process(pid: int, reason: str) -> int:
    """Close the crawl runs a process on this host left open when it was stopped; returns how many."""
    import socket

    with warehouse.connect(autocommit=True) as wh:
        cur = wh.execute(
            "update meta.crawl_run set status = 'failed', finished_at = now(), error_message = %s"
            " where status = 'running' and pid = %s and host = %s",
            (reason, pid, socket.gethostname()),
        )
        return cur.rowcount


def _start_run(wh: psycopg.Connection, dept: Department, run_id: str, logical_date: datetime | None) -> int:
    """Open (or reopen, for a retry of the same run) the crawl_run row; clear a previous attempt's rows."""
    import os
    import socket

    with wh.transaction():
        _close_abandoned_runs(wh, dept)
        crawl_run_id = warehouse.scalar(
            wh.execute(
                """
            insert into meta.crawl_run (department_code, run_id, logical_date, pid, host)
            values (%s, %s, %s, %s, %s)
            on conflict (department_code, run_id) do update
              set started_at = now(), finished_at = null, status = 'running', error_message = null,
                  logical_date = excluded.logical_date, pid = excluded.pid, host = excluded.host
            returning crawl_run_id
            """,
                (dept.code, run_id, logical_date, os.getpid(), socket.gethostname()),
            )
        )
        for child in ("harvested_column", "harvested_table", "schema_change", "crawl_error"):
            wh.execute(f"delete from meta.{child} where crawl_run_id = %s", (crawl_run_id,))
    return crawl_run_id


def _finish_run(wh: psycopg.Connection, crawl_run_id: int, summary: CrawlSummary, error: str | None = None) -> None:
    wh.execute(
        """
        update meta.crawl_run
        set finished_at = now(), status = %s, tables_harvested = %s, rows_copied = %s, error_message = %s
        where crawl_run_id = %s
        """,
        (summary.status, summary.tables, summary.rows_copied, error, crawl_run_id),
    )


def _finish_run_anyway(wh: psycopg.Connection, crawl_run_id: int, summary: CrawlSummary, reason: str) -> None:
    """Close the run with its reason, on a new session when the crawl's own one was lost."""
    if not warehouse.is_broken(wh):
        _finish_run(wh, crawl_run_id, summary, reason)
        return
    try:
        with warehouse.connect(autocommit=True) as fresh:
            _finish_run(fresh, crawl_run_id, summary, reason)
    except Exception as exc:  # the warehouse is down: the next crawl closes the run as abandoned
        log.error("%s: could not record the end of crawl run %s: %s", summary.department_code, crawl_run_id, exc)


def _record_errors(wh: psycopg.Connection, dept: Department, crawl_run_id: int, errors: list[CrawlError]) -> None:
    if not errors:
        return
    warehouse.copy_rows(
        wh, "meta", "crawl_error",
        ["crawl_run_id", "department_code", "source_kind", "source_name", "column_name", "error_type", "message"],
        [(crawl_run_id, dept.code, e.source_kind, e.source_name, e.column_name, e.error_type, e.message)
         for e in errors],
    )  # fmt: skip


def _record_harvest(wh: psycopg.Connection, dept: Department, crawl_run_id: int, tables: list[HarvestedTable]) -> None:
    with wh.transaction():
        warehouse.copy_rows(
            wh, "meta", "harvested_table",
            ["crawl_run_id", "department_code", "source_name", "source_kind", "source_schema", "source_table",
             "file_name", "sheet_name", "file_encoding", "table_comment", "primary_key", "update_column",
             "raw_schema", "raw_table", "row_count", "last_modified_at", "snapshot_mode", "rows_copied",
             "object_type", "layout", "reported_by", "reported_on", "prepared_by"],
            [(crawl_run_id, dept.code, t.source_name, t.source_kind, t.source_schema, t.source_table,
              t.file_name, t.sheet_name, t.file_encoding, t.comment, t.primary_key, t.update_column,
              dept.raw_schema, t.raw_table, t.row_count, t.last_modified_at, t.snapshot_mode, t.rows_copied,
              t.object_type, json.dumps(t.layout, ensure_ascii=False) if t.layout else None, t.reported_by,
              t.reported_on, t.prepared_by)
             for t in tables],
        )  # fmt: skip
        warehouse.copy_rows(
            wh, "meta", "harvested_column",
            ["crawl_run_id", "department_code", "source_name", "column_name", "ordinal_position", "data_type",
             "is_nullable", "column_comment", "is_primary_key"],
            [(crawl_run_id, dept.code, t.source_name, c.name, c.ordinal, c.data_type, c.nullable, c.comment,
              c.is_primary_key) for t in tables for c in t.columns],
        )  # fmt: skip


def _record_schema_changes(
    wh: psycopg.Connection, dept: Department, crawl_run_id: int, failed_sources: set[str]
) -> int:
    """Diff this run's harvest against the department's previous completed run; returns the count."""
    previous = warehouse.scalar(
        wh.execute(
            """
        select max(crawl_run_id) from meta.crawl_run
        where department_code = %s and crawl_run_id < %s and status in ('success', 'partial')
        """,
            (dept.code, crawl_run_id),
        )
    )
    if previous is None:
        return 0  # first crawl: the baseline, nothing to compare with
    # sources that failed to read this time are not "dropped": we just could not see them.
    # Full joins of the two runs' rows (hash or merge, whatever the estimates): the freshly copied run
    # is not in the planner's statistics yet, which made anti joins over CTEs nested loops, O(tables²).
    cur = wh.execute(
        """
        with tables as (
            select source_name, c.source_name is not null as in_current
            from (select source_name from meta.harvested_table where crawl_run_id = %(cur)s) c
            full join (select source_name from meta.harvested_table where crawl_run_id = %(prev)s) p
                using (source_name)
            where c.source_name is null or p.source_name is null
        ),
        columns as (
            select source_name, column_name, p.data_type as old_value, c.data_type as new_value
            from (select source_name, column_name, data_type from meta.harvested_column
                  where crawl_run_id = %(cur)s) c
            full join (select source_name, column_name, data_type from meta.harvested_column
                       where crawl_run_id = %(prev)s) p using (source_name, column_name)
            where c.data_type is distinct from p.data_type
        ),
        changes as (
            select source_name, null::text as column_name,
                   case when in_current then 'table_added' else 'table_dropped' end as change_type,
                   null::text as old_value, null::text as new_value
            from tables
            where in_current or source_name <> all(%(failed)s)
            union all
            select source_name, column_name,
                   case when old_value is null then 'column_added'
                        when new_value is null then 'column_dropped' else 'type_changed' end,
                   old_value, new_value
            from columns k
            -- columns of added or dropped tables are covered by the table's own change
            where exists (select from meta.harvested_table h
                          where h.crawl_run_id = %(prev)s and h.source_name = k.source_name)
              and exists (select from meta.harvested_table h
                          where h.crawl_run_id = %(cur)s and h.source_name = k.source_name)
        )
        insert into meta.schema_change
            (crawl_run_id, previous_crawl_run_id, department_code, source_name, column_name,
             change_type, old_value, new_value)
        select %(cur)s, %(prev)s, %(dept)s, source_name, column_name, change_type, old_value, new_value
        from changes
        """,
        {"prev": previous, "cur": crawl_run_id, "dept": dept.code, "failed": sorted(failed_sources)},
    )
    return cur.rowcount


def _harvest_files(dept: Department, errors: list[CrawlError]) -> list[HarvestedTable]:
    folder = dept.drop_path()
    assert folder is not None
    if not folder.is_dir():
        errors.append(
            CrawlError("file", str(folder), "drop_folder_missing", f"{dept.label}: drop folder {folder} does not exist")
        )
        return []
    tables = []
    overrides = {
        t.name: Override(header_rows=t.header_range(), skip_footer=t.skip_footer)
        for t in dept.tables
        if t.header_rows is not None or t.skip_footer is not None
    }
    for entry in read_drop_folder(folder, config.load_platform().crawl.max_file_mb * 2**20, overrides):
        if entry.error is not None:
            log.warning("%s: skipped file: %s", dept.label, entry.error)
            errors.append(CrawlError("file", entry.path.name, entry.error.error_type, f"{dept.label}: {entry.error}"))
            continue
        for ft in entry.tables:
            table = harvest_file_table(ft)
            # the 填报日期 written in a report says when its data is from; a copied file's mtime does not
            table.last_modified_at = _report_date(table.reported_on) or entry.modified_at
            table.fingerprint = entry.fingerprint
            tables.append(table)
    return tables


def _report_date(day: str | None) -> datetime | None:
    from zoneinfo import ZoneInfo

    if day is None:
        return None
    return datetime.fromisoformat(day).replace(tzinfo=ZoneInfo("Asia/Shanghai"))


def _connect_source(dept: Department) -> tuple[Source, list[HarvestedTable]]:
    import psycopg
    import sqlalchemy.exc

    assert dept.database is not None
    url = dept.database.expanded_url()
    try:
        source = open_source(url, dept.database.timeouts())
        try:
            tables = harvest_database(dept, source.engine, dept.database.schemas)
            _fingerprint(dept, source.engine, tables)
        except BaseException:
            source.close()
            raise
    except ConfigError as exc:
        raise ConfigError(f"{dept.label}: {exc}") from None
    except (sqlalchemy.exc.OperationalError, psycopg.OperationalError) as exc:
        reason = str(getattr(exc, "orig", exc)).strip().splitlines()[0]
        where = redact(url)
        raise DepartmentUnavailable(f"{dept.label}: cannot reach its database {where}: {reason}") from exc
    return source, tables


def _notices(dept: Department, table: HarvestedTable, result: SnapshotResult) -> list[CrawlError]:
    """What the copy noticed in the data (converted values, future stamps), recorded without failing the table."""
    what = {"zero_date": "zero dates (0000-00-00) copied as NULL", "nul_removed": "values with NUL characters removed"}
    found = [
        CrawlError(table.source_kind, table.source_name, "value_converted",
                   f"{dept.label}: table {table.source_name!r}, column {column!r}: {count:,} {what.get(kind, kind)}",
                   column_name=column)
        for (column, kind), count in sorted(result.conversions.items())
    ]  # fmt: skip
    if result.future_rows:
        found.append(_future_notice(dept, table, result.future_rows))
    return found


def _fingerprint(dept: Department, eng: Engine, tables: list[HarvestedTable]) -> None:
    """Set each table's fingerprint; when that fails, every table is simply copied."""
    import sqlalchemy.exc

    try:
        fingerprints = database_fingerprints(eng, tables)
    except sqlalchemy.exc.SQLAlchemyError as exc:
        log.warning("%s: no source fingerprints, every table will be copied: %s", dept.label, exc)
        return
    for table in tables:
        table.fingerprint = fingerprints.get(table.source_name)


def _copy_error(dept: Department, table: HarvestedTable, exc: Exception) -> CrawlError:
    diag = getattr(exc, "diag", None)
    column = getattr(exc, "column_name", None) or (getattr(diag, "column_name", None) if diag else None)
    context = (getattr(diag, "context", None) or "") if diag else ""
    where = f", column {column!r}" if column else ""
    detail = f" ({context.strip()})" if context else ""
    message = f"{dept.label}: table {table.source_name!r}{where}: {str(exc).strip()}{detail}"
    return CrawlError(table.source_kind, table.source_name, "copy_failed", message, column_name=column)


def crawl_department(
    dept: Department, run_id: str, logical_date: datetime | None = None, accept_drop: Iterable[str] = ()
) -> CrawlSummary:
    """Crawl one department end to end; raises DepartmentUnavailable or CrawlIncomplete on failure.

    Idempotent per ``run_id``: a retry replaces the previous attempt's metadata, and snapshots are
    full replacements or merges by primary key, so nothing is duplicated.
    """
    from psycopg import sql

    errors: list[CrawlError] = []
    notices: list[CrawlError] = []
    db_failures: list[CrawlError] = []
    with warehouse.connect(autocommit=True) as wh:
        ensure_meta_schema(wh)
        lock_department(wh, dept)
        wh.execute(sql.SQL("create schema if not exists {}").format(sql.Identifier(dept.raw_schema)))
        crawl_run_id = _start_run(wh, dept, run_id, logical_date)
        summary = CrawlSummary(dept.code, dept.name, crawl_run_id, status="running")
        source: Source | None = None
        try:
            tables: list[HarvestedTable] = []
            if dept.database is not None:
                source, tables = _connect_source(dept)
            if dept.drop_folder is not None:
                tables += _tables_without_clashes(dept, tables, _harvest_files(dept, errors), errors)
            errors += _declaration_errors(dept, tables, errors)
            summary.tables = len(tables)
            state = _load_state(wh, dept)
            raw = raw_columns(wh, dept.raw_schema)
            snapshots: list[tuple[HarvestedTable, SnapshotResult]] = []
            try:
                for table in tables:
                    result = _snapshot(
                        source, wh, dept, table, state.get(table.source_name), raw, errors, frozenset(accept_drop)
                    )
                    if result is None:
                        continue
                    table.row_count, table.snapshot_mode, table.rows_copied = (
                        result.row_count,
                        result.mode,
                        result.rows_copied,
                    )
                    if table.source_kind == "database":
                        table.last_modified_at = result.watermark
                    summary.rows_copied += result.rows_copied
                    summary.row_count += result.row_count
                    notices.extend(_notices(dept, table, result))
                    if result.mode != "unchanged":
                        snapshots.append((table, result))
            finally:  # what was copied before a failure is recorded, so the next crawl starts from it
                _save_state(wh, dept, crawl_run_id, snapshots)
            _record_harvest(wh, dept, crawl_run_id, tables)
            failed = {e.source_name for e in errors}
            summary.schema_changes = _record_schema_changes(wh, dept, crawl_run_id, failed)
            _record_errors(wh, dept, crawl_run_id, errors + notices)
            summary.errors = [asdict(e) for e in errors]
            # tables that could not be copied turn the task red; config mistakes are recorded, not retried
            db_failures = [e for e in errors if e.error_type == "copy_failed" and e.source_kind == "database"]
            summary.status = "partial" if errors else "success"
            _finish_run(wh, crawl_run_id, summary, "; ".join(e.message for e in db_failures) or None)
        except DepartmentUnavailable as exc:
            summary.status = "failed"
            _record_errors(wh, dept, crawl_run_id, [CrawlError("database", dept.code, "unreachable", str(exc))])
            _finish_run(wh, crawl_run_id, summary, str(exc))
            raise
        except BaseException as exc:  # whatever stopped it — even a signal — the run ends with a status
            summary.status = "failed"
            what = str(exc) if not isinstance(exc, KeyboardInterrupt) else f"interrupted ({exc or 'Ctrl-C'})"
            if warehouse.is_broken(wh):
                what = f"the warehouse connection was lost: {what}"
            reason = redact(what if dept.code in what else f"{dept.label}: {what}")
            _finish_run_anyway(wh, crawl_run_id, summary, reason)
            raise
        finally:
            if source is not None:
                source.close()
    if db_failures:
        raise CrawlIncomplete(
            f"{dept.label}: {len(db_failures)} table(s) could not be copied: "
            + "; ".join(e.message for e in db_failures)
        )
    return summary


def _declaration_errors(dept: Department, tables: list[HarvestedTable], errors: list[CrawlError]) -> list[CrawlError]:
    """What config/departments.yaml declares wrongly: tables the source lacks, update columns a table lacks."""
    unreadable = {e.source_name for e in errors if e.source_kind == "file"}
    missing = [
        CrawlError("database" if dept.database else "file", name, "declared_missing",
                   f"{dept.label}: table {name!r} is declared in config/departments.yaml, but the source has no "
                   "such table, view or file (renamed, dropped, or not visible to the reader account?)")
        for name in missing_declared_tables(dept, tables, unreadable)
    ]  # fmt: skip
    wrong = [
        CrawlError(t.source_kind, t.source_name, "declared_column_missing", t.problem,
                   column_name=getattr(dept.table_spec(t.source_table), "update_column", None))
        for t in tables if t.problem
    ]  # fmt: skip
    return missing + wrong


#: Times a table's copy reconnects to the source after the connection was lost, before it fails.
SOURCE_RECONNECTS = 2


def _reconnect(dept: Department, source: Source) -> None:
    import time

    time.sleep(1)  # a server restarting, a network blip: give it a moment
    try:
        source.reconnect()
    except Exception as exc:
        raise DepartmentUnavailable(
            f"{dept.label}: lost its database and could not reconnect: {redact(str(exc))}"
        ) from exc


def _min_rows(table: HarvestedTable, previous: SnapshotState | None, accept: frozenset[str]) -> int | None:
    """Fewest rows a new full copy may have before it is held back as a sharp drop (None: no check)."""
    crawl = config.load_platform().crawl
    if previous is None or crawl.max_row_drop_percent >= 100 or previous.row_count < crawl.row_drop_min_rows:
        return None
    if table.source_name in accept or "*" in accept:
        return None
    return -(-previous.row_count * (100 - crawl.max_row_drop_percent) // 100)


def _drop_error(dept: Department, table: HarvestedTable, exc: SharpDrop) -> CrawlError:
    message = (
        f"{dept.label}: table {table.source_name!r}: the new copy has {exc}; the previous snapshot is kept. "
        f"A partial upload or an emptied table? If the drop is real, accept it: "
        f"govdata crawl --department {dept.code} --accept-drop {table.source_name}"
    )
    return CrawlError(table.source_kind, table.source_name, "sharp_drop", message)


def _future_notice(dept: Department, table: HarvestedTable, rows: int) -> CrawlError:
    message = (
        f"{dept.label}: table {table.source_name!r}, column {table.update_column!r}: {rows:,} rows are stamped "
        "later than the crawl; they are copied, but the incremental watermark ignores them so later changes "
        "are still picked up — ask the department to correct the timestamps"
    )
    return CrawlError(table.source_kind, table.source_name, "future_timestamp", message, table.update_column)


def _load_state(wh: psycopg.Connection, dept: Department) -> dict[str, SnapshotState]:
    rows = wh.execute(
        "select source_name, column_signature, watermark, row_count, fingerprint, update_column"
        " from meta.snapshot_state where department_code = %s",
        (dept.code,),
    )
    return {r[0]: SnapshotState(*r[1:]) for r in rows}


def _snapshot(
    source: Source | None, wh: psycopg.Connection, dept: Department, table: HarvestedTable,
    previous: SnapshotState | None, raw: dict[str, list[tuple[str, str]]], errors: list[CrawlError],
    accept_drop: frozenset[str] = frozenset(),
) -> SnapshotResult | None:  # fmt: skip
    """Keep, merge or copy one table's snapshot; None (and an error recorded) when it failed."""
    result = unchanged_snapshot(table, previous, raw.get(table.raw_table))
    attempt = 0
    while result is None:
        try:
            result = snapshot_table(
                source, wh, dept.raw_schema, table,
                previous.column_signature if previous else None, previous.watermark if previous else None,
                min_rows=_min_rows(table, previous, accept_drop),
                previous_rows=previous.row_count if previous else None,
            )  # fmt: skip
        except Exception as exc:  # one table's failure must not stop the others
            if isinstance(exc, DepartmentUnavailable) or warehouse.is_broken(wh):
                raise  # the warehouse session itself is gone: nothing more can be recorded on it
            if source is not None and source.is_broken() and attempt < SOURCE_RECONNECTS:
                attempt += 1
                log.warning("%s: the source connection was lost during %r (%s); reconnecting (%d/%d)",
                            dept.label, table.source_name, exc, attempt, SOURCE_RECONNECTS)  # fmt: skip
                _reconnect(dept, source)
                continue
            error = _drop_error(dept, table, exc) if isinstance(exc, SharpDrop) else _copy_error(dept, table, exc)
            if attempt:
                error.message += f" (after {attempt} reconnect(s) to the source)"
            log.error("%s", error.message)
            errors.append(error)
            table.row_count, table.snapshot_mode = None, "failed"
            return None
    log.info(
        "%s: %s → %s.%s: %s rows (%s, %s copied)", dept.short_name, table.source_name,
        dept.raw_schema, table.raw_table, f"{result.row_count:,}", result.mode, f"{result.rows_copied:,}",
    )  # fmt: skip
    return result


def _tables_without_clashes(
    dept: Department, db_tables: list[HarvestedTable], file_tables: list[HarvestedTable], errors: list[CrawlError]
) -> list[HarvestedTable]:
    """Files whose table name is not already taken by a database table or another file."""
    taken = {t.raw_table for t in db_tables}
    kept = []
    for table in file_tables:
        if table.raw_table in taken:
            errors.append(
                CrawlError("file", table.source_name, "name_clash",
                           f"{dept.label}: file {table.file_name} maps to raw table {table.raw_table!r}, "
                           "which another source already uses; rename the file")
            )  # fmt: skip
            continue
        taken.add(table.raw_table)
        kept.append(table)
    return kept


def _save_state(
    wh: psycopg.Connection, dept: Department, crawl_run_id: int,
    snapshots: list[tuple[HarvestedTable, SnapshotResult]],
) -> None:  # fmt: skip
    """Record what the refreshed raw tables now hold: one upsert for the whole department."""
    if not snapshots:
        return
    columns = list(zip(*(
        (t.source_name, t.raw_table, t.column_signature(), r.watermark, r.row_count, t.fingerprint, t.update_column)
        for t, r in snapshots
    ), strict=True))  # fmt: skip
    wh.execute(
        """
        insert into meta.snapshot_state
            (department_code, raw_schema, crawl_run_id, source_name, raw_table, column_signature, watermark,
             row_count, fingerprint, update_column)
        select %s, %s, %s, s.*
        from unnest(%s::text[], %s::text[], %s::text[], %s::text[], %s::bigint[], %s::text[], %s::text[]) s
        on conflict (department_code, source_name) do update
          set raw_schema = excluded.raw_schema, raw_table = excluded.raw_table,
              column_signature = excluded.column_signature, watermark = excluded.watermark,
              row_count = excluded.row_count, fingerprint = excluded.fingerprint,
              update_column = excluded.update_column, crawl_run_id = excluded.crawl_run_id, refreshed_at = now()
        """,
        (dept.code, dept.raw_schema, crawl_run_id, *(list(c) for c in columns)),
    )
