"""Publish one open dataset: build, re-classify, decide, guard, approve, swap, export, log — fail closed.

For each dataset (datasets.load_specs) `publish_dataset`:
1. builds its candidate (build.py: masked, fully scanned, k-anonymous) in ``publish_work``;
2. re-classifies the candidate with the same classifier and decides its 开放属性 from the grade
   (L1 → 无条件开放, L2/L3 → 有条件开放, L4 → 不予开放), a curated dataset's declaration or a staff decision;
3. runs the leak guard (leak_guard.py); a hit blocks it and the previous version stays served;
4. waits as 待审核 when approval is required and the dataset is new or its columns changed;
5. stops when the content is unchanged (same checksum and columns: no new version);
6. otherwise copies it into ``publish_store.<dataset>__v<N>``, exports the version's files, and swaps the served
   view in one transaction (the portal never sees a half-written table), keeping ``versions_kept`` versions.
Every outcome is a line of ``publish.publication_log``; every publication and withdrawal an audit record.
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from govdata import alerts, config, warehouse
from govdata.errors import GovdataError
from govdata.publish import audit
from govdata.publish.build import ROW_ID, Candidate, build_candidate
from govdata.publish.datasets import DatasetSpec
from govdata.publish.model import (
    CONDITIONAL_SCHEMA,
    OPEN_SCHEMA,
    SCHEMA_OF_ATTRIBUTE,
    STATE_SCHEMA,
    STORE_SCHEMA,
    ColumnMeta,
    DatasetMeta,
)

log = logging.getLogger(__name__)

SCHEMA_SQL = Path(__file__).with_name("schema.sql")
#: rows of the candidate the re-classification reads per column (the full scan has read every text cell)
RECLASSIFY_ROWS = 2000
GRADE_ATTRIBUTE = {"L1": "无条件开放", "L2": "有条件开放", "L3": "有条件开放", "L4": "不予开放"}
_OPENNESS = ["不予开放", "有条件开放", "无条件开放"]
OPEN_SCHEMA_ATTRIBUTE = "无条件开放"


class DatasetBlocked(GovdataError):
    """The leak guard or a check stopped a dataset: nothing new is served (its previous version still is)."""


@dataclass
class Outcome:
    """What happened to one dataset in one run (the publication log line, and the task's return value)."""

    dataset_id: str
    title: str
    outcome: str  # published / unchanged / blocked / held (quality) / pending / withheld / failed
    open_attribute: str
    version: int | None = None
    rows: int | None = None
    suppressed_rows: int = 0
    leak_guard: str = "not run"
    message: str = ""
    grade: str | None = None
    columns: list[dict[str, str]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """JSON form (XCom, CLI)."""
        return asdict(self)


def ensure_publish_schema(conn: psycopg.Connection) -> None:
    """The stage's schemas, tables and the SQL mask functions (idempotent, versioned)."""
    from govdata.mask.sql import ensure_mask_functions

    conn.execute("create extension if not exists pgcrypto")
    ensure_mask_functions(conn)
    warehouse.ensure_schema(conn, "publish", SCHEMA_SQL)


def policy_version(policy: config.MaskPolicy) -> str:
    """A short hash of the masking policy in force: each version records it."""
    return hashlib.sha256(policy.model_dump_json().encode()).hexdigest()[:12]


def decide_attribute(spec: DatasetSpec, grade: str, cfg: config.OpenDataConfig) -> tuple[str, str | None]:
    """The dataset's 开放属性 and who decided it.

    Staff's decision wins; else the grade decides, and a curated dataset's declaration can only make it less open.
    """
    decision = cfg.decision(spec.dataset_id)
    if decision is not None:
        return decision.open_attribute, decision.by
    attribute = GRADE_ATTRIBUTE[grade]
    if spec.declared_attribute and _OPENNESS.index(spec.declared_attribute) < _OPENNESS.index(attribute):
        attribute = spec.declared_attribute
    return attribute, None


def reclassify(conn: psycopg.Connection, candidate: Candidate, rows: int = RECLASSIFY_ROWS) -> tuple[str, list[Any]]:
    """The candidate's grade by the same classifier as the raw tables (pseudonym columns aside: keyed hashes)."""
    from govdata.classify.column import get_classifier

    classifier = get_classifier()
    treatments = [t for t in candidate.published if t.action != "pseudonym"]
    if not treatments:
        return "L1", []
    cols = sql.SQL(", ").join(sql.SQL("{}::text").format(sql.Identifier(t.column.name)) for t in treatments)
    sample = conn.execute(
        sql.SQL("select {} from {} order by {} limit {}").format(
            cols, warehouse.qualified(*candidate.relation), sql.Identifier(ROW_ID), sql.Literal(rows)
        )
    ).fetchall()
    fields = []
    for i, t in enumerate(treatments):
        values = [row[i] for row in sample]
        # typed columns keep their type's meaning (a date is not an identifier); masked ones are text now
        data_type = t.column.pg_type if t.action == "keep" else "text"
        fields.append(
            classifier.classify(t.column.name, values, t.column.description, data_type, sample_size=len(values))
        )
    return classifier.grade_table(fields, candidate.row_count).grade, fields


def checksum(conn: psycopg.Connection, candidate: Candidate) -> str:
    """An order-independent checksum of the candidate's rows (without the row key) and its column names."""
    cols = sql.SQL(", ").join(sql.Identifier(c) for c in candidate.columns)
    digest = warehouse.one_row(
        conn.execute(
            sql.SQL(
                "select count(*), coalesce(sum(('x' || left(md5(row({})::text), 16))::bit(64)::bigint), 0) from {}"
            ).format(cols, warehouse.qualified(*candidate.relation))
        )
    )
    return hashlib.sha256(f"{candidate.columns}|{digest[0]}|{digest[1]}".encode()).hexdigest()[:32]


def schema_signature(candidate: Candidate, attribute: str) -> str:
    """What approval is about: the columns, what was done to each, and where it is served."""
    shape = [(t.column.name, t.action, t.entity) for t in candidate.published] + [attribute]
    return hashlib.sha256(json.dumps(shape, ensure_ascii=False).encode()).hexdigest()[:16]


def column_meta(candidate: Candidate) -> list[ColumnMeta]:
    """The published columns' catalogue entries."""
    return [
        ColumnMeta(
            t.column.name,
            t.column.pg_type if t.action == "keep" else "text",
            t.column.description,
            t.describe(),
        )
        for t in candidate.published
    ]


def _state(conn: psycopg.Connection, dataset_id: str) -> dict[str, Any] | None:
    row = conn.execute(
        "select d.current_version, d.served_schema, v.checksum, v.schema_signature, d.first_published_at,"
        " d.status, d.open_attribute"
        " from publish.dataset as d left join publish.version as v"
        "   on v.dataset_id = d.dataset_id and v.version = d.current_version where d.dataset_id = %s",
        (dataset_id,),
    ).fetchone()
    if row is None:
        return None
    keys = ("version", "schema", "checksum", "signature", "first_published_at", "status", "attribute")
    return dict(zip(keys, row, strict=True))


def _upsert_dataset(
    conn: psycopg.Connection,
    spec: DatasetSpec,
    attribute: str,
    decided_by: str | None,
    status: str,
    reason: str,
    columns: list[ColumnMeta],
    signature: str | None,
) -> None:
    conn.execute(
        """
        insert into publish.dataset (dataset_id, kind, title, description, theme, keywords, update_cycle,
            open_attribute, decision_by, status, status_reason, department_code, source_resource_codes, columns,
            schema_signature)
        values (%(id)s, %(kind)s, %(title)s, %(description)s, %(theme)s, %(keywords)s, %(cycle)s, %(attribute)s,
            %(by)s, %(status)s, %(reason)s, %(dept)s, %(codes)s, %(columns)s, %(signature)s)
        on conflict (dataset_id) do update set kind = excluded.kind, title = excluded.title,
            description = excluded.description, theme = excluded.theme, keywords = excluded.keywords,
            update_cycle = excluded.update_cycle, open_attribute = excluded.open_attribute,
            decision_by = excluded.decision_by, status = excluded.status, status_reason = excluded.status_reason,
            department_code = excluded.department_code, source_resource_codes = excluded.source_resource_codes,
            columns = case when publish.dataset.current_version is null or excluded.status = '已发布'
                           then excluded.columns else publish.dataset.columns end,
            schema_signature = coalesce(excluded.schema_signature, publish.dataset.schema_signature),
            updated_at = now()
        """,
        {
            "id": spec.dataset_id, "kind": spec.kind, "title": spec.title, "description": spec.description,
            "theme": spec.theme, "keywords": spec.keywords, "cycle": spec.update_cycle, "attribute": attribute,
            "by": decided_by, "status": status, "reason": reason, "dept": spec.department_code,
            "codes": spec.resource_codes, "columns": json.dumps([asdict(c) for c in columns], ensure_ascii=False),
            "signature": signature,
        },
    )  # fmt: skip


def _log(conn: psycopg.Connection, run_id: str, spec: DatasetSpec, outcome: Outcome, **extra: Any) -> None:
    conn.execute(
        """
        insert into publish.publication_log (run_id, dataset_id, outcome, version, row_count, suppressed_rows,
            checksum, source_crawl_run_ids, policy_version, leak_guard, approved_by, message)
        values (%(run)s, %(id)s, %(outcome)s, %(version)s, %(rows)s, %(suppressed)s, %(checksum)s, %(crawls)s,
            %(policy)s, %(leak)s, %(approved)s, %(message)s)
        """,
        {
            "run": run_id, "id": spec.dataset_id, "outcome": outcome.outcome, "version": outcome.version,
            "rows": outcome.rows, "suppressed": outcome.suppressed_rows, "checksum": extra.get("checksum"),
            "crawls": spec.crawl_run_ids, "policy": extra.get("policy"),
            "leak": json.dumps(extra["leak"], ensure_ascii=False) if extra.get("leak") is not None else None,
            "approved": extra.get("approved"), "message": outcome.message,
        },
    )  # fmt: skip


def publish_dataset(
    conn: psycopg.Connection,
    spec: DatasetSpec,
    cfg: config.OpenDataConfig,
    run_id: str,
    actor: str = "publish_open_data",
) -> Outcome:
    """Publish one dataset if it may be and has changed (see module docstring). Raises DatasetBlocked on a leak."""
    from govdata.mask.pseudonyms import pseudonym_key
    from govdata.publish.leak_guard import check_leaks

    policy = config.load_masking_config().policy(cfg.policy)
    state = _state(conn, spec.dataset_id)
    if state and state["status"] == "已撤回":
        outcome = Outcome(spec.dataset_id, spec.title, "withheld", state["attribute"],
                          message="withdrawn by staff (`govdata publish restore` serves it again)")  # fmt: skip
        with conn.transaction():
            _log(conn, run_id, spec, outcome)
        return outcome
    if spec.problems:
        outcome = Outcome(spec.dataset_id, spec.title, "failed", "不予开放", message="; ".join(spec.problems))
        with conn.transaction():
            _upsert_dataset(conn, spec, "不予开放", None, "已阻止" if state else "不予开放", outcome.message, [], None)
            _log(conn, run_id, spec, outcome)
        return outcome

    if cfg.quality_gate:
        held = _hold_for_quality(conn, spec, state, run_id, actor)
        if held is not None:
            return held

    candidate = build_candidate(conn, spec, policy, cfg.k_anonymity, pseudonym_key())
    grade, _fields = reclassify(conn, candidate)
    attribute, decided_by = decide_attribute(spec, grade, cfg)
    if attribute == OPEN_SCHEMA_ATTRIBUTE and candidate.pseudonyms:
        _drop_pseudonyms(
            conn, candidate
        )  # 无条件开放 carries no pseudonyms: they only serve linkage under access control
    columns = column_meta(candidate)
    outcome = Outcome(
        spec.dataset_id, spec.title, "withheld", attribute, rows=candidate.row_count,
        suppressed_rows=candidate.suppressed_rows, grade=grade,
        columns=[{"name": c.name, "treatment": c.treatment} for c in columns],
    )  # fmt: skip
    served_schema = SCHEMA_OF_ATTRIBUTE.get(attribute)
    if served_schema is None:
        outcome.message = f"grade {grade} after masking: 不予开放" + (
            f" (decided by {decided_by})" if decided_by else ""
        )
        with conn.transaction():
            if state and state["version"] is not None:
                withdraw(conn, spec.dataset_id, state["schema"], actor, outcome.message)
            _upsert_dataset(conn, spec, attribute, decided_by, "不予开放", outcome.message, columns, None)
            _log(conn, run_id, spec, outcome, policy=policy_version(policy))
        _drop_work(conn, candidate)
        return outcome

    text_columns = [t.column.name for t in candidate.published if t.column.is_text or t.action != "keep"]
    leaks = check_leaks(conn, candidate.relation, text_columns, spec.personal_sources)
    outcome.leak_guard = "passed" if leaks.ok else f"blocked: {leaks.summary()}"
    leak_record = leaks.as_dict()
    signature = schema_signature(candidate, attribute)
    digest = checksum(conn, candidate)
    pv = policy_version(policy)
    if not leaks.ok:
        outcome.outcome = "blocked"
        outcome.message = f"leak guard: {leaks.summary()}; " + (
            f"version {state['version']} stays served" if state and state["version"] else "nothing served"
        )
        with conn.transaction():
            _upsert_dataset(conn, spec, attribute, decided_by, "已阻止", outcome.message, columns, None)
            _log(conn, run_id, spec, outcome, checksum=digest, policy=pv, leak=leak_record)
            audit.record(conn, actor, "blocked", spec.dataset_id, {"leak_guard": leak_record}, outcome.message)
        _drop_work(conn, candidate)
        raise DatasetBlocked(f"{spec.label}: {outcome.message}")

    approved_by = actor
    if cfg.require_approval and (state is None or state["signature"] != signature):
        approval = _approval(conn, spec.dataset_id, signature)
        if approval is None or approval[0] != "已批准":
            outcome.outcome = "pending"
            outcome.message = "待审核: " + (
                "new dataset" if state is None or state["version"] is None else "columns changed"
            )
            with conn.transaction():
                _request_approval(conn, spec, signature, outcome, attribute, pv, leak_record)
                _upsert_dataset(conn, spec, attribute, decided_by, "待审核", outcome.message, columns, None)
                _log(conn, run_id, spec, outcome, checksum=digest, policy=pv, leak=leak_record)
            _drop_work(conn, candidate)
            return outcome
        approved_by = approval[1]

    if state and state["version"] is not None and state["checksum"] == digest and state["schema"] == served_schema:
        outcome.outcome, outcome.version = "unchanged", state["version"]
        outcome.message = f"same content as version {state['version']}: no new version"
        with conn.transaction():
            _upsert_dataset(conn, spec, attribute, decided_by, "已发布", "", columns, signature)
            _log(conn, run_id, spec, outcome, checksum=digest, policy=pv, leak=leak_record)
        _drop_work(conn, candidate)
        return outcome

    version = _next_version(conn, spec.dataset_id)
    store = (STORE_SCHEMA, f"{spec.dataset_id}__v{version}")
    cols = sql.SQL(", ").join(sql.Identifier(c) for c in candidate.columns)
    conn.execute(sql.SQL("drop table if exists {}").format(warehouse.qualified(*store)))
    conn.execute(
        sql.SQL("create table {} as select {} from {} order by {}").format(
            warehouse.qualified(*store), cols, warehouse.qualified(*candidate.relation), sql.Identifier(ROW_ID)
        )
    )
    files: list[dict[str, Any]] = []
    try:
        if served_schema == OPEN_SCHEMA:  # conditional datasets are served to their roles only, never as files
            files = _export(conn, spec, cfg, store, version, columns, candidate.row_count)
        with conn.transaction():
            _swap(conn, spec, cfg, store, served_schema, state)
            _upsert_dataset(conn, spec, attribute, decided_by, "已发布", "", columns, signature)
            conn.execute(
                """
                insert into publish.version (dataset_id, version, served_schema, row_count, checksum,
                    schema_signature, source_crawl_run_ids, policy_version, leak_guard, suppressed_rows,
                    approved_by, files)
                select %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s
                """,
                (spec.dataset_id, version, served_schema, candidate.row_count, digest, signature,
                 spec.crawl_run_ids, pv, json.dumps(leak_record, ensure_ascii=False), candidate.suppressed_rows,
                 approved_by, json.dumps(files, ensure_ascii=False)),
            )  # fmt: skip
            conn.execute(
                "update publish.dataset set current_version = %s, served_schema = %s,"
                " first_published_at = coalesce(first_published_at, now()) where dataset_id = %s",
                (version, served_schema, spec.dataset_id),
            )
            outcome.outcome, outcome.version = "published", version
            if candidate.generalised_further:
                outcome.message = "generalised further: " + "; ".join(candidate.generalised_further)
            _log(conn, run_id, spec, outcome, checksum=digest, policy=pv, leak=leak_record, approved=approved_by)
            audit.record(
                conn, actor, "publish", spec.dataset_id,
                {"version": version, "schema": served_schema, "rows": candidate.row_count, "checksum": digest,
                 "suppressed_rows": candidate.suppressed_rows, "approved_by": approved_by},
                f"grade {grade} after masking → {attribute}",
            )  # fmt: skip
    except BaseException:
        conn.execute(sql.SQL("drop table if exists {}").format(warehouse.qualified(*store)))
        shutil.rmtree(config.published_dir() / spec.dataset_id / str(version), ignore_errors=True)
        raise
    finally:
        _drop_work(conn, candidate)
    _prune_versions(conn, spec.dataset_id, cfg.versions_kept)
    return outcome


def _hold_for_quality(
    conn: psycopg.Connection, spec: DatasetSpec, state: dict[str, Any] | None, run_id: str, actor: str
) -> Outcome | None:
    """Hold the dataset back when a source's latest quality check failed a critical expectation (quality/gate.py).

    Nothing is built; the previous version, if any, stays served. The alert is raised when the hold begins or its
    reason changes, not again on every run while the department has not fixed its data.
    """
    from govdata.quality.gate import block_message, critical_failures

    failures = critical_failures(conn, spec.resource_codes)
    if not failures:
        return None
    served = state["version"] if state and state["version"] is not None else None
    message = block_message(failures) + (f"; version {served} stays served" if served else "; nothing served")
    attribute = state["attribute"] if state else "不予开放"
    outcome = Outcome(spec.dataset_id, spec.title, "held", attribute, version=served, message=message)
    previous = conn.execute(
        "select status_reason from publish.dataset where dataset_id = %s", (spec.dataset_id,)
    ).fetchone()
    with conn.transaction():
        _upsert_dataset(conn, spec, attribute, None, "已阻止", message, [], None)
        _log(conn, run_id, spec, outcome)
        if previous is None or previous[0] != message:
            audit.record(conn, actor, "held", spec.dataset_id, {"quality": [asdict(f) for f in failures]}, message)
            alerts.raise_alert(f"{spec.label} not published", message)
    return outcome


def _drop_pseudonyms(conn: psycopg.Connection, candidate: Candidate) -> None:
    from govdata.publish.build import Treatment

    target = warehouse.qualified(*candidate.relation)
    for t in [t for t in candidate.published if t.action == "pseudonym"]:
        conn.execute(sql.SQL("alter table {} drop column {}").format(target, sql.Identifier(t.column.name)))
    candidate.treatments = [
        Treatment(t.column, "drop", reason="L4") if t.action == "pseudonym" else t for t in candidate.treatments
    ]
    candidate.pseudonyms = False


def _drop_work(conn: psycopg.Connection, candidate: Candidate) -> None:
    conn.execute(sql.SQL("drop table if exists {}").format(warehouse.qualified(*candidate.relation)))


def _next_version(conn: psycopg.Connection, dataset_id: str) -> int:
    return int(
        warehouse.scalar(
            conn.execute(
                "select coalesce(max(version), 0) + 1 from publish.version where dataset_id = %s", (dataset_id,)
            )
        )
    )


def _approval(conn: psycopg.Connection, dataset_id: str, signature: str) -> tuple[str, str] | None:
    row = conn.execute(
        "select status, decided_by from publish.approval where dataset_id = %s and schema_signature = %s",
        (dataset_id, signature),
    ).fetchone()
    return (row[0], row[1]) if row else None


def _request_approval(
    conn: psycopg.Connection,
    spec: DatasetSpec,
    signature: str,
    outcome: Outcome,
    attribute: str,
    policy: str,
    leak: dict[str, Any],
) -> None:
    candidate = {
        "title": spec.title, "open_attribute": attribute, "rows": outcome.rows, "grade": outcome.grade,
        "columns": outcome.columns, "policy_version": policy, "leak_guard": leak,
        "suppressed_rows": outcome.suppressed_rows, "sources": spec.resource_codes,
    }  # fmt: skip
    conn.execute(
        "insert into publish.approval (dataset_id, schema_signature, status, candidate) values (%s, %s, '待审核', %s)"
        " on conflict (dataset_id, schema_signature) do update set candidate = excluded.candidate"
        " where publish.approval.status = '待审核'",
        (spec.dataset_id, signature, json.dumps(candidate, ensure_ascii=False)),
    )


def _export(
    conn: psycopg.Connection,
    spec: DatasetSpec,
    cfg: config.OpenDataConfig,
    store: tuple[str, str],
    version: int,
    columns: list[ColumnMeta],
    rows: int,
) -> list[dict[str, Any]]:
    from govdata.publish.exports import write_exports

    meta = DatasetMeta(
        dataset_id=spec.dataset_id, kind=spec.kind, title=spec.title, description=spec.description,
        theme=spec.theme, keywords=spec.keywords, update_cycle=spec.update_cycle, open_attribute="无条件开放",
        department_code=spec.department_code, publisher_name=cfg.publisher.name,
        source_resource_codes=spec.resource_codes, columns=columns, version=version, rows=rows,
    )  # fmt: skip
    version_dir = config.published_dir() / spec.dataset_id / str(version)
    distributions = write_exports(conn, store, version_dir, meta, cfg.download_base_url)
    return [asdict(d) for d in distributions]


def _swap(
    conn: psycopg.Connection,
    spec: DatasetSpec,
    cfg: config.OpenDataConfig,
    store: tuple[str, str],
    schema: str,
    state: dict[str, Any] | None,
) -> None:
    """Point the served view at the new version (inside the caller's transaction: readers see old or new)."""
    from govdata.publish.roles import grant_dataset

    for other in (OPEN_SCHEMA, CONDITIONAL_SCHEMA):
        conn.execute(sql.SQL("drop view if exists {}").format(warehouse.qualified(other, spec.dataset_id)))
    view = warehouse.qualified(schema, spec.dataset_id)
    conn.execute(sql.SQL("create view {} as select * from {}").format(view, warehouse.qualified(*store)))
    conn.execute(sql.SQL("comment on view {} is {}").format(view, sql.Literal(f"{spec.title}（{spec.dataset_id}）")))
    grant_dataset(conn, schema, spec.dataset_id, cfg)


def withdraw(conn: psycopg.Connection, dataset_id: str, schema: str | None, actor: str, reason: str) -> None:
    """Stop serving a dataset (its versions stay in the store and the log)."""
    if schema:
        conn.execute(sql.SQL("drop view if exists {}").format(warehouse.qualified(schema, dataset_id)))
    conn.execute(
        "update publish.dataset set current_version = null, served_schema = null where dataset_id = %s", (dataset_id,)
    )
    audit.record(conn, actor, "withdraw", dataset_id, {"schema": schema}, reason)


def _prune_versions(conn: psycopg.Connection, dataset_id: str, keep: int) -> None:
    """Drop the version tables and exports beyond the newest ``keep`` (the log keeps their record)."""
    old = conn.execute(
        "select version from publish.version where dataset_id = %s and dropped_at is null"
        " order by version desc offset %s",
        (dataset_id, keep),
    ).fetchall()
    for (version,) in old:
        with conn.transaction():
            conn.execute(
                sql.SQL("drop table if exists {}").format(
                    warehouse.qualified(STORE_SCHEMA, f"{dataset_id}__v{version}")
                )
            )
            conn.execute(
                "update publish.version set dropped_at = now() where dataset_id = %s and version = %s",
                (dataset_id, version),
            )
        shutil.rmtree(config.published_dir() / dataset_id / str(version), ignore_errors=True)


__all__ = ["STATE_SCHEMA", "DatasetBlocked", "Outcome", "ensure_publish_schema", "publish_dataset"]
