"""Reviewer decisions on one field (override, confirm, clear) and the review list, written with their audit entry."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from govdata import warehouse
from govdata.classify import store
from govdata.classify.overrides import Override, finalize
from govdata.classify.run import stored_auto

if TYPE_CHECKING:
    import psycopg


class ReviewError(ValueError):
    """A review that cannot be applied; the message says why and what to do instead."""


def _find_field(conn: psycopg.Connection, department: str, table: str, column: str) -> dict[str, Any]:
    from psycopg.rows import dict_row

    with conn.cursor(row_factory=dict_row) as cur:
        row = cur.execute(
            """
            select * from governance.field_classification
            where department_code = %s and %s in (source_name, raw_table) and column_name = %s
            order by (source_name = %s) desc limit 1
            """,
            (department, table, column, table),
        ).fetchone()
        if row is not None:
            return row
        tables = [
            r["source_name"]
            for r in cur.execute(
                "select distinct source_name from governance.field_classification where department_code = %s"
                " order by 1",
                (department,),
            )
        ]
    if not tables:
        raise ReviewError(f"department {department!r} has no classified fields (run the classify_fields DAG first)")
    if table not in tables:
        raise ReviewError(f"{department}: no classified table {table!r}; tables: {', '.join(tables)}")
    raise ReviewError(f"{department}.{table}: no classified column {column!r}")


def review_field(
    department: str,
    table: str,
    column: str,
    *,
    reviewer: str,
    reason: str | None,
    entity: str | None = None,
    category: str | None = None,
    grade: str | None = None,
    gbt43697: str | None = None,
    confirm: bool = False,
    clear: bool = False,
) -> dict[str, Any]:
    """Record a reviewer's decision on one field, apply it at once and audit it; returns the field's final values.

    ``confirm`` pins the values shown now (the field is reviewed; later recognizer changes do not move it);
    ``clear`` removes the reviewer's decision so the automatic result applies again. A column governed by
    config/classification_overrides.yaml can be confirmed here but only changed in that file.
    """
    from govdata.classify.column import get_classifier
    from govdata.classify.rules import OUTPUT_ENTITIES

    if entity is not None and entity not in OUTPUT_ENTITIES:
        raise ReviewError(f"unknown entity {entity!r}; known: {', '.join(OUTPUT_ENTITIES)}")
    if category is not None and not category.strip():
        raise ReviewError("--category must not be empty")
    given = {"entity": entity, "category": category, "grade": grade, "gbt43697": gbt43697}
    if sum((confirm, clear, any(given.values()))) != 1:
        raise ReviewError("give new values (--grade/--entity/--category/--gbt43697), or --confirm, or --clear")
    if not reviewer.strip():
        raise ReviewError("the reviewer's name is required (--reviewer)")
    if not confirm and not (reason and reason.strip()):
        raise ReviewError("a reason is required (--reason): the audit trail records why")
    classifier = get_classifier()
    rules = classifier.rules
    now = datetime.now(UTC)
    with warehouse.connect() as conn:
        store.ensure_governance_schema(conn)
        with conn.transaction():
            store.lock_department(conn, department)
            row = _find_field(conn, department, table, column)
            source_name = row["source_name"]
            key = (source_name, column)
            old = store.load_overrides(conn, department, source_name).get(key)
            if old is not None and old.source == "yaml" and not confirm:
                raise ReviewError(
                    f"{department}.{source_name}.{column} is set in config/classification_overrides.yaml; "
                    "change or remove it there (the file wins at every run)"
                )
            before = store.audited_values(row)
            if clear:
                if old is None:
                    raise ReviewError(f"{department}.{source_name}.{column} has no reviewer decision to clear")
                store.delete_override(conn, department, source_name, column)
                new: Override | None = None
                action = "clear"
            elif confirm:
                if old is not None and old.source == "yaml":
                    # the file's values stay; the reviewer vouches for them against the column as it is now
                    signature = row["column_signature"]
                    new = replace(
                        old, reviewed_by=reviewer, reviewed_at=now, reviewed_signature=signature, flagged_signature=None
                    )
                else:
                    new = Override(
                        decision="confirm",
                        **{k: row[k] for k in store.AUDITED_VALUES},
                        reason=reason or "确认自动分类结果",
                        reviewed_by=reviewer,
                        reviewed_at=now,
                        source="review-cli",
                        reviewed_signature=row["column_signature"],
                    )
                action = "confirm"
            else:
                new = Override(
                    decision="override",
                    **given,
                    reason=reason or "",
                    reviewed_by=reviewer,
                    reviewed_at=now,
                    source="review-cli",
                    reviewed_signature=row["column_signature"],
                )
                action = "override"
            if new is not None:
                store.save_override(conn, department, source_name, column, new)
            final = finalize(stored_auto(row), new, row["column_signature"], row["is_error"], rules)
            updated = {**row, **final}
            store.upsert_fields(conn, [updated])
            store.record_audit(
                conn, changed_by=reviewer, department_code=department, source_name=source_name, column_name=column,
                action=action, before=before,
                after={**store.classification_values(updated), **({"decision": new.decision} if new else {})},
                reason=reason or (new.reason if new else None), source="review-cli",
            )  # fmt: skip
            store.refresh_table_grades(conn, department, classifier, [source_name])
    return updated


def list_fields(
    department: str | None = None,
    table: str | None = None,
    *,
    needs_review: bool = False,
    reviewed: bool = False,
) -> list[dict[str, Any]]:
    """Classified fields with their review state, for `govdata review --list`."""
    from psycopg.rows import dict_row

    query = """
        select department_code, source_name, column_name, entity, category, grade, gbt43697, confidence,
               auto_entity, auto_grade, is_reviewed, reviewed_by, reviewed_at, override_source, override_reason,
               needs_review, is_error, evidence
        from governance.field_classification
        where (%(dept)s::text is null or department_code = %(dept)s)
          and (%(table)s::text is null or %(table)s in (source_name, raw_table))
          and (not %(needs)s or needs_review)
          and (not %(reviewed)s or is_reviewed)
        order by department_code, source_name, ordinal_position
    """
    with warehouse.connect() as conn:
        exists = conn.execute("select to_regclass('governance.field_classification') is not null").fetchone()
        if not (exists and exists[0]):
            return []
        with conn.cursor(row_factory=dict_row) as cur:
            return cur.execute(
                query, {"dept": department, "table": table, "needs": needs_review, "reviewed": reviewed}
            ).fetchall()
