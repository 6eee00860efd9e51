"""The governance.* tables: DDL, the harvest to classify, stored classifications, overrides and the audit writer."""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from govdata import warehouse
from govdata.classify.overrides import Override, column_signature

if TYPE_CHECKING:
    import psycopg

    from govdata.classify.column import ColumnClassifier

log = logging.getLogger(__name__)

SCHEMA_SQL = Path(__file__).with_name("schema.sql")

#: Columns of governance.field_classification written by `upsert_fields`, in order.
FIELD_COLUMNS = (
    "department_code", "source_name", "column_name", "raw_schema", "raw_table", "ordinal_position", "data_type",
    "column_comment", "entity", "category", "grade", "gbt43697", "confidence", "quasi_identifier", "auto_entity",
    "auto_category", "auto_grade", "auto_gbt43697", "auto_confidence", "auto_quasi_identifier", "evidence",
    "is_overridden", "override_source", "override_reason", "is_reviewed", "reviewed_by", "reviewed_at",
    "needs_review", "is_error", "recognizer_version", "rules_version", "column_signature", "sample_size",
    "crawl_run_id", "classified_at",
)  # fmt: skip

#: The values shown as "before"/"after" in the audit trail.
AUDITED_VALUES = ("entity", "category", "grade", "gbt43697")


def ensure_governance_schema(conn: psycopg.Connection) -> None:
    """Create the governance.* tables if missing (see `warehouse.ensure_schema`)."""
    warehouse.ensure_schema(conn, "governance", SCHEMA_SQL)


def lock_department(conn: psycopg.Connection, department_code: str) -> None:
    """Serialise classification runs and reviews of one department (held until the transaction ends)."""
    conn.execute("select pg_advisory_xact_lock(hashtext('govdata.classify.' || %s))", (department_code,))


@dataclass(frozen=True)
class HarvestedField:
    """One column of the department's current harvest, with where its snapshot lives."""

    source_name: str
    column_name: str
    ordinal_position: int
    data_type: str
    column_comment: str | None
    raw_schema: str
    raw_table: str
    row_count: int | None

    @property
    def key(self) -> tuple[str, str]:
        """(source_name, column_name)."""
        return (self.source_name, self.column_name)

    @property
    def signature(self) -> str:
        """Name + type + comment hash."""
        return column_signature(self.column_name, self.data_type, self.column_comment)


def latest_crawl_run(conn: psycopg.Connection, department_code: str) -> int | None:
    """The department's latest completed crawl (success or partial), or None if it has none."""
    exists = conn.execute("select to_regclass('meta.crawl_run') is not null").fetchone()
    if not (exists and exists[0]):
        return None
    row = conn.execute(
        "select max(crawl_run_id) from meta.crawl_run where department_code = %s and status in ('success', 'partial')",
        (department_code,),
    ).fetchone()
    return row[0] if row else None


def current_harvest(conn: psycopg.Connection, crawl_run_id: int) -> list[HarvestedField]:
    """Every column harvested by that crawl, table by table in column order."""
    rows = conn.execute(
        """
        select c.source_name, c.column_name, c.ordinal_position, c.data_type, c.column_comment,
               t.raw_schema, t.raw_table, t.row_count
        from meta.harvested_column c
        join meta.harvested_table t using (crawl_run_id, source_name)
        where c.crawl_run_id = %s
        order by c.source_name, c.ordinal_position
        """,
        (crawl_run_id,),
    ).fetchall()
    return [HarvestedField(*row) for row in rows]


def stored_fields(
    conn: psycopg.Connection, department_code: str, source_name: str | None = None
) -> dict[tuple[str, str], dict[str, Any]]:
    """The stored classification rows of a department (or one of its tables), by (source, column)."""
    from psycopg.rows import dict_row

    query = "select * from governance.field_classification where department_code = %s"
    params: list[Any] = [department_code]
    if source_name is not None:
        query += " and source_name = %s"
        params.append(source_name)
    with conn.cursor(row_factory=dict_row) as cur:
        return {(r["source_name"], r["column_name"]): r for r in cur.execute(query, params)}


def unreadable_sources(conn: psycopg.Connection, department_code: str, crawl_run_id: int) -> set[str]:
    """Sources of the department that the crawl could not read this time (their snapshots are still there).

    A malformed file is logged under its file name; the tables it held were harvested under other names.
    """
    rows = conn.execute(
        """
        select distinct t.source_name
        from meta.crawl_error e
        join meta.harvested_table t
          on t.department_code = e.department_code and e.source_name in (t.source_name, t.file_name)
        where e.crawl_run_id = %s and e.department_code = %s
        """,
        (crawl_run_id, department_code),
    ).fetchall()
    return {r[0] for r in rows}


def upsert_fields(conn: psycopg.Connection, rows: list[dict[str, Any]]) -> None:
    """Insert or replace field classification rows (one per column)."""
    from psycopg import sql
    from psycopg.types.json import Jsonb

    if not rows:
        return
    columns = sql.SQL(", ").join(sql.Identifier(c) for c in FIELD_COLUMNS)
    placeholders = sql.SQL(", ").join(sql.Placeholder() for _ in FIELD_COLUMNS)
    updates = sql.SQL(", ").join(
        sql.SQL("{} = excluded.{}").format(sql.Identifier(c), sql.Identifier(c)) for c in FIELD_COLUMNS[3:]
    )
    stmt = sql.SQL(
        "insert into governance.field_classification ({}) values ({})"
        " on conflict (department_code, source_name, column_name) do update set {}, updated_at = now()"
    ).format(columns, placeholders, updates)
    params = [[Jsonb(r[c]) if c == "evidence" else r[c] for c in FIELD_COLUMNS] for r in rows]
    with conn.cursor() as cur:
        cur.executemany(stmt, params)


def delete_stale_fields(
    conn: psycopg.Connection, department_code: str, current: set[tuple[str, str]], keep_sources: set[str]
) -> int:
    """Drop rows of columns no longer harvested (dropped columns and tables); returns the count.

    Tables the crawl could not read this time keep their rows: their previous snapshot is still served.
    """
    stored = conn.execute(
        "select source_name, column_name from governance.field_classification where department_code = %s",
        (department_code,),
    ).fetchall()
    stale = [(s, c) for s, c in stored if (s, c) not in current and s not in keep_sources]
    if stale:
        with conn.cursor() as cur:
            cur.executemany(
                "delete from governance.field_classification"
                " where department_code = %s and source_name = %s and column_name = %s",
                [(department_code, s, c) for s, c in stale],
            )
    conn.execute(
        """
        delete from governance.table_classification t
        where t.department_code = %s and not exists (
            select 1 from governance.field_classification f
            where f.department_code = t.department_code and f.source_name = t.source_name)
        """,
        (department_code,),
    )
    return len(stale)


# ---------------------------------------------------------------------------------------------- read → apply
@dataclass(frozen=True)
class DepartmentState:
    """What a classification run reads of one department before it decides anything."""

    crawl_run_id: int
    harvest: list[HarvestedField]
    stored: dict[tuple[str, str], dict[str, Any]]
    overrides: dict[tuple[str, str], Override]
    unreadable: set[str]


def load_department_state(conn: psycopg.Connection, department_code: str, crawl_run_id: int) -> DepartmentState:
    """The harvest of that crawl, the stored classifications and overrides, and the sources it could not read."""
    return DepartmentState(
        crawl_run_id=crawl_run_id,
        harvest=current_harvest(conn, crawl_run_id),
        stored=stored_fields(conn, department_code),
        overrides=load_overrides(conn, department_code),
        unreadable=unreadable_sources(conn, department_code, crawl_run_id),
    )


@dataclass(frozen=True)
class AuditEntry:
    """One governance.classification_audit entry to write (see `record_audit`)."""

    changed_by: str
    source_name: str
    column_name: str
    action: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    reason: str | None
    source: str


@dataclass
class ClassificationPlan:
    """Everything a classification run writes for one department, decided before anything is written."""

    department_code: str
    #: overrides to insert or replace, and those to remove, by (source, column)
    save_overrides: dict[tuple[str, str], Override] = field(default_factory=dict)
    delete_overrides: list[tuple[str, str]] = field(default_factory=list)
    audits: list[AuditEntry] = field(default_factory=list)
    #: field_classification rows that are new or changed
    rows: list[dict[str, Any]] = field(default_factory=list)
    #: the columns harvested now, and the sources whose rows stay although not harvested (unreadable)
    current: set[tuple[str, str]] = field(default_factory=set)
    keep_sources: set[str] = field(default_factory=set)


def apply_plan(conn: psycopg.Connection, plan: ClassificationPlan, classifier: ColumnClassifier) -> tuple[int, int]:
    """Write a plan (the caller holds the transaction); returns (stale rows removed, tables graded)."""
    code = plan.department_code
    for source_name, column_name in plan.delete_overrides:
        delete_override(conn, code, source_name, column_name)
    for (source_name, column_name), override in plan.save_overrides.items():
        save_override(conn, code, source_name, column_name, override)
    for entry in plan.audits:
        record_audit(
            conn, changed_by=entry.changed_by, department_code=code, source_name=entry.source_name,
            column_name=entry.column_name, action=entry.action, before=entry.before, after=entry.after,
            reason=entry.reason, source=entry.source,
        )  # fmt: skip
    upsert_fields(conn, plan.rows)
    removed = delete_stale_fields(conn, code, plan.current, plan.keep_sources)
    return removed, refresh_table_grades(conn, code, classifier)


# ---------------------------------------------------------------------------------------------- overrides
def _override(row: dict[str, Any]) -> Override:
    return Override(
        decision=row["decision"],
        entity=row["entity"],
        category=row["category"],
        grade=row["grade"],
        gbt43697=row["gbt43697"],
        reason=row["reason"],
        reviewed_by=row["reviewed_by"],
        reviewed_at=row["reviewed_at"],
        source=row["source"],
        reviewed_signature=row["reviewed_signature"],
        flagged_signature=row["flagged_signature"],
        source_ref=row["source_ref"],
    )


def load_overrides(
    conn: psycopg.Connection, department_code: str, source_name: str | None = None
) -> dict[tuple[str, str], Override]:
    """Stored reviewer decisions of a department (or one table), by (source, column)."""
    from psycopg.rows import dict_row

    query = "select * from governance.classification_override where department_code = %s"
    params: list[Any] = [department_code]
    if source_name is not None:
        query += " and source_name = %s"
        params.append(source_name)
    with conn.cursor(row_factory=dict_row) as cur:
        return {(r["source_name"], r["column_name"]): _override(r) for r in cur.execute(query, params)}


def save_override(
    conn: psycopg.Connection, department_code: str, source_name: str, column_name: str, override: Override
) -> None:
    """Insert or replace the decision on one column."""
    conn.execute(
        """
        insert into governance.classification_override
            (department_code, source_name, column_name, decision, entity, category, grade, gbt43697, reason,
             reviewed_by, reviewed_at, source, source_ref, reviewed_signature, flagged_signature)
        values (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, coalesce(%s, now()), %s, %s, %s, %s)
        on conflict (department_code, source_name, column_name) do update set
            decision = excluded.decision, entity = excluded.entity, category = excluded.category,
            grade = excluded.grade, gbt43697 = excluded.gbt43697, reason = excluded.reason,
            reviewed_by = excluded.reviewed_by, reviewed_at = excluded.reviewed_at, source = excluded.source,
            source_ref = excluded.source_ref, reviewed_signature = excluded.reviewed_signature,
            flagged_signature = excluded.flagged_signature
        """,
        (department_code, source_name, column_name, override.decision, override.entity, override.category,
         override.grade, override.gbt43697, override.reason, override.reviewed_by, override.reviewed_at,
         override.source, override.source_ref, override.reviewed_signature, override.flagged_signature),
    )  # fmt: skip


def delete_override(conn: psycopg.Connection, department_code: str, source_name: str, column_name: str) -> None:
    """Remove the decision on one column: it goes back to the automatic result."""
    conn.execute(
        "delete from governance.classification_override"
        " where department_code = %s and source_name = %s and column_name = %s",
        (department_code, source_name, column_name),
    )


def record_audit(
    conn: psycopg.Connection,
    *,
    changed_by: str,
    department_code: str,
    source_name: str,
    column_name: str,
    action: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    reason: str | None,
    source: str,
) -> None:
    """Append one entry to governance.classification_audit: the one writer of the classification audit trail."""
    from psycopg.types.json import Jsonb

    conn.execute(
        """
        insert into governance.classification_audit
            (changed_by, department_code, source_name, column_name, action, before, after, reason, source)
        values (%s, %s, %s, %s, %s, %s, %s, %s, %s)
        """,
        (changed_by, department_code, source_name, column_name, action,
         Jsonb(before) if before is not None else None, Jsonb(after) if after is not None else None,
         reason, source),
    )  # fmt: skip


def classification_values(row: dict[str, Any]) -> dict[str, Any]:
    """The classification values of a row (entity, category, grade, GB/T 43697 level)."""
    return {k: row.get(k) for k in AUDITED_VALUES}


def audited_values(row: dict[str, Any] | None) -> dict[str, Any] | None:
    """The classification values of a row, for an audit entry's before/after (None: no row)."""
    return None if row is None else classification_values(row)


# ---------------------------------------------------------------------------------------------- table grades
def refresh_table_grades(
    conn: psycopg.Connection,
    department_code: str,
    classifier: ColumnClassifier,
    source_names: list[str] | None = None,
) -> int:
    """Recompute governance.table_classification from the final field values; returns the tables graded."""
    from psycopg.rows import dict_row
    from psycopg.types.json import Jsonb

    from govdata.classify.grading import ColumnClassification

    query = """
        select f.*, t.row_count
        from governance.field_classification f
        left join meta.harvested_table t on t.crawl_run_id = f.crawl_run_id and t.source_name = f.source_name
        where f.department_code = %s and (%s::text[] is null or f.source_name = any(%s::text[]))
        order by f.source_name, f.ordinal_position, f.column_name
    """
    tables: dict[str, list[dict[str, Any]]] = defaultdict(list)
    with conn.cursor(row_factory=dict_row) as cur:
        for row in cur.execute(query, (department_code, source_names, source_names)):
            tables[row["source_name"]].append(row)
    for source_name, rows in tables.items():
        fields = [
            ColumnClassification(
                name=r["column_name"],
                entity=r["entity"],
                category=r["category"],
                grade=r["grade"],
                gbt43697=r["gbt43697"],
                confidence=float(r["confidence"]),
                evidence={},
                quasi_identifier=r["quasi_identifier"],
            )
            for r in rows
        ]
        first = rows[0]
        graded = classifier.grade_table(fields, row_count=first["row_count"])
        # personal: a field holding an identifier, a quasi-identifier or a 个人… category
        personal = sum(1 for r in rows if r["quasi_identifier"] or "个人" in (r["category"] or ""))
        conn.execute(
            """
            insert into governance.table_classification
                (department_code, source_name, raw_schema, raw_table, grade, gbt43697, raised_by, highest_fields,
                 reasons, field_count, personal_field_count, needs_review_count, row_count, crawl_run_id,
                 classified_at)
            values (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, now())
            on conflict (department_code, source_name) do update set
                raw_schema = excluded.raw_schema, raw_table = excluded.raw_table, grade = excluded.grade,
                gbt43697 = excluded.gbt43697, raised_by = excluded.raised_by,
                highest_fields = excluded.highest_fields, reasons = excluded.reasons,
                field_count = excluded.field_count, personal_field_count = excluded.personal_field_count,
                needs_review_count = excluded.needs_review_count, row_count = excluded.row_count,
                crawl_run_id = excluded.crawl_run_id, classified_at = excluded.classified_at
            -- unchanged tables keep their classified_at: a re-run that changes nothing writes nothing
            where (table_classification.raw_table, table_classification.grade, table_classification.gbt43697,
                   table_classification.raised_by, table_classification.highest_fields,
                   table_classification.reasons, table_classification.field_count,
                   table_classification.personal_field_count, table_classification.needs_review_count,
                   table_classification.row_count, table_classification.crawl_run_id)
                is distinct from
                  (excluded.raw_table, excluded.grade, excluded.gbt43697, excluded.raised_by,
                   excluded.highest_fields, excluded.reasons, excluded.field_count,
                   excluded.personal_field_count, excluded.needs_review_count, excluded.row_count,
                   excluded.crawl_run_id)
            """,
            (department_code, source_name, first["raw_schema"], first["raw_table"], graded.grade, graded.gbt43697,
             graded.raised_by, graded.highest_fields, Jsonb(graded.reasons), len(rows), personal,
             sum(1 for r in rows if r["needs_review"]), first["row_count"], max(r["crawl_run_id"] for r in rows)),
        )  # fmt: skip
    return len(tables)
