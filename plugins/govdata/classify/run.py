"""Classify one department's current harvest into governance.*: sample, classify, apply overrides, grade tables.

Incremental: a column is re-classified only when it is new, its name/type/comment changed, the recognizer
or rules version changed, or its previous classification failed; ``full_refresh`` re-does every column.
Reviewer overrides (CLI and config/classification_overrides.yaml) are applied on every run and always win.

Read, decide, write: `store.load_department_state` reads what the run needs, the stale columns are sampled
and classified, `plan_department` (pure) decides the override sync, re-review flags, audit entries and rows,
and `store.apply_plan` writes them inside the department's transaction.
"""

from __future__ import annotations

import logging
import re
import time
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from govdata import warehouse
from govdata.classify import store
from govdata.classify.overrides import (
    FAILED,
    Override,
    OverrideEntry,
    entry_ref,
    finalize,
    load_overrides_file,
    override_from_entry,
)

if TYPE_CHECKING:
    import psycopg

    from govdata.classify.column import ColumnClassifier
    from govdata.classify.rules import ClassificationRules
    from govdata.classify.store import HarvestedField
    from govdata.config import Department

log = logging.getLogger(__name__)

#: Who the automatic actions are recorded as in the audit trail.
ACTOR = "classify_fields"


class ClassificationIncomplete(RuntimeError):
    """Some columns could not be classified; they were recorded as L4 for review and the others were saved."""


@dataclass
class ClassifySummary:
    """What a department's classification did, returned to Airflow (XCom) and printed by the CLI."""

    department_code: str
    department_name: str
    crawl_run_id: int | None
    status: str = "success"
    columns: int = 0
    classified: int = 0
    skipped: int = 0
    overridden: int = 0
    needs_review: int = 0
    failed: int = 0
    removed: int = 0
    tables: int = 0
    yaml_changes: int = 0
    seconds: float = 0.0
    recognizer_version: str = ""
    rules_version: str = ""
    failed_columns: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return asdict(self)

    def line(self, label: str) -> str:
        """One log line for staff."""
        return (
            f"{label}: {self.columns} columns in {self.tables} tables — {self.classified} classified, "
            f"{self.skipped} unchanged (skipped), {self.overridden} overridden, {self.needs_review} need review, "
            f"{self.failed} failed, {self.removed} removed ({self.seconds:.1f}s)"
        )


def _auto_values(record: dict[str, Any]) -> dict[str, Any]:
    return {
        "entity": record["entity"],
        "category": record["category"],
        "grade": record["grade"],
        "gbt43697": record["gbt43697"],
        "confidence": float(record["confidence"]),
        "quasi_identifier": record.get("quasi_identifier"),
    }


def stored_auto(row: dict[str, Any]) -> dict[str, Any]:
    """The automatic result kept in a governance.field_classification row (before overrides)."""
    return {
        "entity": row["auto_entity"],
        "category": row["auto_category"],
        "grade": row["auto_grade"],
        "gbt43697": row["auto_gbt43697"],
        "confidence": float(row["auto_confidence"]),
        "quasi_identifier": row["auto_quasi_identifier"],
    }


_QUOTED = re.compile(r"\"[^\"]*\"|'[^']*'")
_LONG_DIGITS = re.compile(r"\d{4,}")


def safe_error(exc: BaseException) -> str:
    """The exception as one line without anything that may be a sampled value (quoted text, long numbers)."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    text = _LONG_DIGITS.sub("****", _QUOTED.sub("'…'", text))[:300]
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def is_fresh(previous: dict[str, Any] | None, fld: HarvestedField, recognizer_version: str, rules_version: str) -> bool:
    """Whether a stored classification still holds for the column as harvested now."""
    if previous is None or previous["is_error"]:
        return False
    if (previous["column_signature"], previous["recognizer_version"], previous["rules_version"]) != (
        fld.signature,
        recognizer_version,
        rules_version,
    ):
        return False
    # decided without values (empty table): look again once the table has rows
    return not (previous["sample_size"] == 0 and (fld.row_count or 0) > 0)


class DepartmentClassification:
    """One run over one department; `run` reads, plans and applies inside one transaction on ``conn``."""

    def __init__(
        self,
        dept: Department,
        conn: psycopg.Connection,
        reader: psycopg.Connection,
        classifier: ColumnClassifier,
        *,
        full_refresh: bool,
        yaml_entries: list[OverrideEntry],
        actor: str,
    ) -> None:
        self.dept = dept
        self.conn = conn
        self.reader = reader
        self.classifier = classifier
        self.full_refresh = full_refresh
        self.yaml_entries = yaml_entries
        self.actor = actor
        self.now = datetime.now(UTC)
        self.raw_columns: dict[tuple[str, str], list[str]] = {}

    # ------------------------------------------------------------------ classify one column
    def classify_field(self, fld: HarvestedField, size: int) -> tuple[dict[str, Any], dict[str, Any], int, bool]:
        """(auto values, evidence, values sampled, failed) for one column; never raises (fail closed)."""
        from govdata.classify.column import classify_column
        from govdata.classify.sampling import raw_columns, sample_column, stored_name

        try:
            table_key = (fld.raw_schema, fld.raw_table)
            if table_key not in self.raw_columns:
                self.raw_columns[table_key] = raw_columns(self.reader, fld.raw_schema, fld.raw_table)
            column = stored_name(fld.column_name, self.raw_columns[table_key])
            sample = sample_column(self.reader, fld.raw_schema, fld.raw_table, column, size, fld.row_count)
            result = classify_column(
                fld.column_name,
                sample.values,
                comment=fld.column_comment,
                data_type=fld.data_type,
                sample_size=size,
                classifier=self.classifier,
            )
            evidence = dict(result.evidence)
            evidence["sample_method"] = sample.method
            return _auto_values(result.to_record()), evidence, len(sample.values), False
        except Exception as exc:  # one column's failure must not leave it unprotected, nor stop the others
            reason = safe_error(exc)
            log.error(
                "%s: %s.%s: column %r could not be classified (%s); recorded as L4, needs review",
                self.dept.label, fld.raw_schema, fld.raw_table, fld.column_name, reason,
            )  # fmt: skip
            evidence = {"error": reason, "note": "classification failed: held at L4 until reviewed or re-run"}
            return dict(FAILED), evidence, 0, True

    # ------------------------------------------------------------------ the run: read → plan → apply
    def run(self, crawl_run_id: int, summary: ClassifySummary) -> None:
        """Classify what changed, apply overrides, write fields and table grades (caller commits)."""
        from govdata.classify.rules import recognizer_version, rules_version

        versions = (recognizer_version(), rules_version(), self.now)
        summary.recognizer_version, summary.rules_version = versions[0], versions[1]
        state = store.load_department_state(self.conn, self.dept.code, crawl_run_id)
        summary.columns = len(state.harvest)
        autos, fresh = self.classify_stale(state, versions, summary)
        plan, counts = plan_department(
            state, autos, fresh, self.yaml_entries, versions, self.dept.code, self.actor, self.classifier.rules
        )
        for message in counts.warnings:
            log.warning("%s: %s", self.dept.label, message)
        summary.yaml_changes, summary.overridden, summary.needs_review = (
            counts.yaml_changes,
            counts.overridden,
            counts.needs_review,
        )
        summary.removed, summary.tables = store.apply_plan(self.conn, plan, self.classifier)

    def classify_stale(
        self, state: store.DepartmentState, versions: tuple[str, str, datetime], summary: ClassifySummary
    ) -> tuple[dict[tuple[str, str], dict[str, Any]], dict[tuple[str, str], dict[str, Any]]]:
        """(auto values of every column, the new stored part of the re-classified ones); fresh columns are kept."""
        size = self.classifier.rules.sample_size
        autos: dict[tuple[str, str], dict[str, Any]] = {}
        fresh: dict[tuple[str, str], dict[str, Any]] = {}  # key -> new auto part of the row
        for fld in state.harvest:
            previous = state.stored.get(fld.key)
            if not self.full_refresh and is_fresh(previous, fld, versions[0], versions[1]):
                assert previous is not None
                autos[fld.key] = stored_auto(previous)
                summary.skipped += 1
                continue
            auto, evidence, sampled, failed = self.classify_field(fld, size)
            autos[fld.key] = auto
            fresh[fld.key] = {"evidence": evidence, "sample_size": sampled, "is_error": failed}
            summary.classified += 1
            if failed:
                summary.failed += 1
                summary.failed_columns.append(f"{fld.source_name}.{fld.column_name}")
        return autos, fresh


# ---------------------------------------------------------------------------------------------- the plan (pure)
@dataclass
class PlanCounts:
    """What a plan does, for the summary; warnings for the log."""

    yaml_changes: int = 0
    overridden: int = 0
    needs_review: int = 0
    warnings: list[str] = field(default_factory=list)


def plan_department(
    state: store.DepartmentState,
    autos: dict[tuple[str, str], dict[str, Any]],
    fresh: dict[tuple[str, str], dict[str, Any]],
    yaml_entries: list[OverrideEntry],
    versions: tuple[str, str, datetime],
    department_code: str,
    actor: str,
    rules: ClassificationRules,
) -> tuple[store.ClassificationPlan, PlanCounts]:
    """What to write: YAML override sync, re-review flags, the changed field rows, stale rows to drop."""
    plan = store.ClassificationPlan(
        department_code, current={f.key for f in state.harvest}, keep_sources=set(state.unreadable)
    )
    counts = PlanCounts()
    overrides = dict(state.overrides)
    fields = {f.key: f for f in state.harvest}
    _plan_yaml(plan, counts, overrides, fields, state.stored, autos, yaml_entries, versions[2], actor, rules)
    for fld in state.harvest:
        override = overrides.get(fld.key)
        if (
            override is not None
            and override.needs_review(fld.signature)
            and override.flagged_signature != (fld.signature)
        ):
            plan.audits.append(_flag_entry(fld, state.stored.get(fld.key), override, actor))
            counts.warnings.append(
                f"{fld.source_name}.{fld.column_name} changed since it was reviewed by {override.reviewed_by}:"
                " override kept, flagged for re-review"
            )
            override = replace(override, flagged_signature=fld.signature)
            plan.save_overrides[fld.key] = override
        row = field_row(fld, state, autos[fld.key], fresh.get(fld.key), override, versions, department_code, rules)
        counts.overridden += bool(row["is_overridden"])
        counts.needs_review += bool(row["needs_review"])
        previous = state.stored.get(fld.key)
        if previous is None or _differs(row, previous):
            plan.rows.append(row)
    return plan, counts


def _plan_yaml(
    plan: store.ClassificationPlan,
    counts: PlanCounts,
    overrides: dict[tuple[str, str], Override],
    fields: dict[tuple[str, str], HarvestedField],
    before: dict[tuple[str, str], dict[str, Any]],
    autos: dict[tuple[str, str], dict[str, Any]],
    yaml_entries: list[OverrideEntry],
    now: datetime,
    actor: str,
    rules: ClassificationRules,
) -> None:
    """Bring the stored YAML decisions in line with config/classification_overrides.yaml; audit changes.

    ``overrides`` is updated to what they will be once the plan is applied.
    """
    wanted = {e.key: e for e in yaml_entries}
    for key, entry in wanted.items():
        fld = fields.get(key)
        signature = fld.signature if fld else None
        old = overrides.get(key)
        if old is not None and old.source == "yaml" and old.source_ref == entry_ref(entry):
            if old.reviewed_signature is None and signature is not None:
                # declared before the column was first harvested: reviewed against what it is now
                old = replace(old, reviewed_signature=signature)
                plan.save_overrides[key] = overrides[key] = old
            continue
        new = override_from_entry(entry, signature, now)
        if fld is None:
            counts.warnings.append(
                f"config/classification_overrides.yaml names {key[0]}.{key[1]}, which the latest crawl did not"
                " harvest; it will apply when the column appears"
            )
        plan.save_overrides[key] = overrides[key] = new
        auto = autos.get(key)
        after = finalize(auto, new, signature or "", False, rules) if auto else new.values()
        plan.audits.append(
            store.AuditEntry(
                changed_by=entry.reviewer, source_name=key[0], column_name=key[1], action="yaml_override",
                before=store.audited_values(before.get(key)),
                after={**store.classification_values(after), "decision": "override"}, reason=entry.reason,
                source="yaml",
            )
        )  # fmt: skip
        counts.yaml_changes += 1
    for key, old in list(overrides.items()):
        if old.source == "yaml" and key not in wanted:
            plan.delete_overrides.append(key)
            del overrides[key]
            plan.audits.append(
                store.AuditEntry(
                    changed_by=actor, source_name=key[0], column_name=key[1], action="yaml_removed",
                    before=store.audited_values(before.get(key)), after=store.audited_values(autos.get(key)),
                    reason=f"removed from config/classification_overrides.yaml (was: {old.reason})", source="yaml",
                )
            )  # fmt: skip
            counts.yaml_changes += 1


def _flag_entry(
    fld: HarvestedField, previous: dict[str, Any] | None, override: Override, actor: str
) -> store.AuditEntry:
    """The audit entry of a reviewed column that changed: its override stays applied but must be looked at again."""
    before = {"column_signature": override.reviewed_signature}
    if previous is not None:
        before.update(data_type=previous["data_type"], column_comment=previous["column_comment"])
    after = {
        "column_signature": fld.signature,
        "data_type": fld.data_type,
        "column_comment": fld.column_comment,
        "needs_review": True,
    }
    return store.AuditEntry(
        changed_by=actor, source_name=fld.source_name, column_name=fld.column_name, action="needs_review",
        before=before, after=after,
        reason=f"header or type changed since {override.reviewed_by} reviewed it; the override still applies",
        source="classify",
    )  # fmt: skip


def field_row(
    fld: HarvestedField,
    state: store.DepartmentState,
    auto: dict[str, Any],
    fresh: dict[str, Any] | None,
    override: Override | None,
    versions: tuple[str, str, datetime],
    department_code: str,
    rules: ClassificationRules,
) -> dict[str, Any]:
    """The governance.field_classification row of one column: final values, automatic values, versions."""
    if fresh is not None:
        extra = fresh
        new_versions = versions
    else:
        previous = state.stored[fld.key]
        extra = {k: previous[k] for k in ("evidence", "sample_size", "is_error")}
        new_versions = (previous["recognizer_version"], previous["rules_version"], previous["classified_at"])
    final = finalize(auto, override, fld.signature, extra["is_error"], rules)
    return {
        "department_code": department_code,
        "source_name": fld.source_name,
        "column_name": fld.column_name,
        "raw_schema": fld.raw_schema,
        "raw_table": fld.raw_table,
        "ordinal_position": fld.ordinal_position,
        "data_type": fld.data_type,
        "column_comment": fld.column_comment,
        **final,
        **{f"auto_{k}": v for k, v in auto.items()},
        **extra,
        "recognizer_version": new_versions[0],
        "rules_version": new_versions[1],
        "classified_at": new_versions[2],
        "column_signature": fld.signature,
        "crawl_run_id": state.crawl_run_id,
    }


def departments_to_classify(configured: list[str], refreshed_assets: list[str]) -> list[str]:
    """The departments a run classifies: those whose raw asset the crawl refreshed, or all when run by hand.

    ``refreshed_assets`` are the names of the triggering asset events (``raw_<code>``, see the crawl DAG).
    """
    refreshed = {name.removeprefix("raw_") for name in refreshed_assets if name.startswith("raw_")}
    if not refreshed:
        return list(configured)
    return [code for code in configured if code in refreshed]


def _differs(row: dict[str, Any], stored: dict[str, Any]) -> bool:
    for column in store.FIELD_COLUMNS:
        new, old = row[column], stored.get(column)
        if column in ("confidence", "auto_confidence"):
            if old is None or round(float(new), 3) != round(float(old), 3):
                return True
        elif new != old:
            return True
    return False


def classify_department(
    dept: Department,
    *,
    full_refresh: bool = False,
    classifier: ColumnClassifier | None = None,
    actor: str = ACTOR,
) -> ClassifySummary:
    """Classify one department's latest completed crawl into governance.*.

    Raises ClassificationIncomplete, after saving everything, when a column could not be classified.
    Idempotent: a re-run over the same harvest re-classifies nothing and writes nothing new.
    """
    from govdata.classify.column import get_classifier

    started = time.perf_counter()
    classifier = classifier or get_classifier()
    yaml_entries = load_overrides_file().for_department(dept.code)
    with warehouse.connect() as conn, warehouse.connect(autocommit=True) as reader:
        store.ensure_governance_schema(conn)
        from govdata.classify.sampling import prepare_reader

        prepare_reader(reader)
        with conn.transaction():
            store.lock_department(conn, dept.code)
            crawl_run_id = store.latest_crawl_run(conn, dept.code)
            summary = ClassifySummary(dept.code, dept.name, crawl_run_id)
            if crawl_run_id is None:
                summary.status = "no_crawl"
                log.warning("%s: no completed crawl yet: nothing to classify", dept.label)
                return summary
            job = DepartmentClassification(
                dept, conn, reader, classifier, full_refresh=full_refresh, yaml_entries=yaml_entries, actor=actor
            )
            job.run(crawl_run_id, summary)
    summary.seconds = round(time.perf_counter() - started, 2)
    if summary.failed:
        summary.status = "partial"
    log.info("%s", summary.line(dept.short_name))
    if summary.failed:
        raise ClassificationIncomplete(
            f"{dept.label}: {summary.failed} column(s) could not be classified and are held at L4 for review: "
            + ", ".join(summary.failed_columns[:20])
        )
    return summary
