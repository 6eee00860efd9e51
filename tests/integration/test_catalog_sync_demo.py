"""Catalog sync on the crawled, classified, catalogued and published demo, against the fake OpenMetadata API.

What OpenMetadata users may rely on: every current resource and served dataset is a table with its columns, grades
and owner; each raw table's latest quality check is a test case per expectation with its result (the counts of
governance.quality_result); lineage raw → open data per kept column; an unchanged warehouse sends nothing; a
withdrawn table is soft-deleted; the DAG is skipped, not failed, without a connection; the dry run writes
requests the SDK accepts.
"""

from __future__ import annotations

import dataclasses
import json
import os
from datetime import datetime

import pytest

from govdata.catalog_sync import plan
from govdata.catalog_sync.apply import sync
from govdata.catalog_sync.connection import CONN_ID
from govdata.catalog_sync.state import SERVED_SCHEMAS, read_state
from govdata.commands.run_dag import run_for_day
from tests.conftest import load_dag
from tests.openmetadata_fake import COLLECTIONS, ENTITY_LINK, RunningFake

pytestmark = pytest.mark.integration

PUBLISH_DAY = datetime.fromisoformat("2026-11-05T07:00:00+08:00")
SYNC_DAY = datetime.fromisoformat("2026-11-05T08:00:00+08:00")


@pytest.fixture(scope="module")
def published(quality_checked, warehouse_conn):
    """The demo classified, catalogued, checked (the session's checks), then published once through the DAG.

    Quality runs before publication, as in the pipeline, so its results are in before the sync.
    """
    run = run_for_day(load_dag("publish_open_data"), PUBLISH_DAY)
    assert str(run.state) == "success"
    return run


@pytest.fixture(scope="module")
def state(published, warehouse_conn):
    return read_state(warehouse_conn)


@pytest.fixture(scope="module")
def synced(state):
    """What a sync sends: the demo's hostile table ``a"; drop table x; --`` cannot have an OpenMetadata name."""
    kept, notes = plan.representable(state)
    assert any("drop table" in n for n in notes)
    return kept


@pytest.fixture(scope="module")
def synced_tables(synced):
    return synced.tables


def test_state_has_every_current_resource_its_graded_columns_and_the_served_datasets(state, warehouse_conn):
    resources = warehouse_conn.execute(
        "select raw_schema, raw_table from catalog.resource where status = '有效' and raw_table is not null"
    ).fetchall()
    raw = {(t.schema, t.name): t for t in state.tables if t.schema not in SERVED_SCHEMAS}
    assert set(raw) == set(map(tuple, resources))
    assert all(t.columns for t in raw.values())
    graded = [c for t in raw.values() for c in t.columns if c.grade]
    assert len(graded) > 100 and {c.grade for c in graded} >= {"L1", "L3", "L4"}
    assert any(c.entity == "CN_RESIDENT_ID" and c.is_personal for c in graded)
    served = [t for t in state.tables if t.schema in SERVED_SCHEMAS]
    views = warehouse_conn.execute(
        "select count(*) from information_schema.views"
        " where table_schema in ('open_data', 'conditional_data') and table_name <> 'dataset_catalog'"
    ).fetchone()[0]
    assert len(served) == views > 0
    assert all(t.source in raw for t in served if t.source)
    assert state.data_items and any(i.department_codes for i in state.data_items)
    assert not any("quality_result" in n for n in state.notes)
    assert {(r.schema, r.table) for r in state.quality_results} == set(raw)  # every resource was checked


#: each current resource's latest check, as the portal should show it
_LATEST_RESULTS = """
with latest as (
    select distinct on (resource_code) resource_code, run_id
    from governance.quality_result order by resource_code, checked_at desc
)
select r.raw_schema, r.raw_table, q.expectation_key, q.success, q.error, q.element_count, q.unexpected_count,
       q.severity
from governance.quality_result as q
join latest using (resource_code, run_id)
join catalog.resource as r on r.resource_code = q.resource_code and r.status = '有效'
"""


def test_quality_results_are_test_cases_with_the_counts_of_the_latest_check(state, synced, om, warehouse_conn):
    fake, server = om
    sync(state, server)
    tables = {(t.schema, t.name) for t in synced.tables}
    expected = {
        (plan.table_fqn(state.database, schema, table), key): (success, error, elements, unexpected, severity)
        for schema, table, key, success, error, elements, unexpected, severity in warehouse_conn.execute(
            _LATEST_RESULTS
        )
        if (schema, table) in tables
    }
    assert expected and any(not success for success, *_ in expected.values())
    found = {}
    for case_fqn, case in fake.entities["dataQuality/testCases"].items():
        table_fqn = ENTITY_LINK.fullmatch(case["entityLink"]).group(1)
        (result,) = fake.results[case_fqn]  # one check: one result each
        assert case["testCaseResult"]["timestamp"] == result["timestamp"]
        found[(table_fqn, case["displayName"])] = result
    assert set(found) == set(expected)
    for key, (success, error, elements, unexpected, severity) in expected.items():
        result = found[key]
        status = "Aborted" if error else "Success" if success else "Failed"
        assert result["testCaseStatus"] == status, key
        values = {v["name"]: v["value"] for v in result["testResultValue"]}
        assert values.get("unexpected_count") == (None if unexpected is None else str(unexpected)), key
        assert values.get("element_count") == (None if elements is None else str(elements)), key
        assert f"severity {severity}" in result["result"], key
    suites = fake.entities["dataQuality/testSuites"]
    assert len(suites) == len({table for table, _ in expected})

    before = len(fake.calls)
    again = sync(state, server)
    assert [c for c in fake.calls[before:] if c.mutating] == [] and again.mutations == []


def test_sync_of_the_demo_creates_tables_tags_terms_and_lineage_then_nothing(state, synced, synced_tables, om):
    fake, server = om
    report = sync(state, server)
    tables = {fqn: t for fqn, t in fake.entities["tables"].items() if not t.get("deleted")}
    assert len(tables) == len(synced_tables)
    sfzh_columns = [
        c for t in tables.values() for c in t["columns"]
        if "GovDataEntity.CN_RESIDENT_ID" in {g["tagFQN"] for g in c.get("tags", [])}
    ]  # fmt: skip
    assert sfzh_columns and all(
        {"PII.Sensitive", "GovDataGrade.L4"} <= {g["tagFQN"] for g in c["tags"]} for c in sfzh_columns
    )
    assert len(fake.edges) == len(plan.plan_lineage(synced)) > 0
    assert any(d.get("columnsLineage") for d in fake.edges.values())
    assert len(fake.entities["teams"]) == len(state.departments)
    assert len(fake.entities["glossaryTerms"]) == len(synced.data_items)
    assert report.count("DELETE") == 0

    before = len(fake.calls)
    again = sync(state, server)
    assert [c for c in fake.calls[before:] if c.mutating] == []
    assert again.mutations == []

    withdrawn = synced_tables[0]
    sync(dataclasses.replace(state, tables=tuple(t for t in state.tables if t != withdrawn)), server)
    gone = fake.entity("tables", plan.table_fqn(state.database, withdrawn.schema, withdrawn.name))
    assert gone["deleted"] is True
    (delete,) = [c for c in fake.calls if c.method == "DELETE"]
    assert delete.query["hardDelete"] == ["false"]


def test_dry_run_command_writes_requests_the_sdk_accepts(synced, synced_tables, tmp_path, monkeypatch):
    from metadata.generated.schema.tests.basic import TestCaseResult

    from govdata.cli import main

    monkeypatch.delenv(f"AIRFLOW_CONN_{CONN_ID.upper()}", raising=False)
    assert main(["catalog", "sync", "--dry-run", "--out", str(tmp_path)]) == 0
    document = json.loads((tmp_path / "requests.json").read_text(encoding="utf-8"))
    assert document["dry_run"] is True and document["placeholder_ids"] is True
    requests = document["requests"]
    assert requests and {r["method"] for r in requests} == {"PUT", "POST"}  # POST: test case results
    by_path = {f"/api/v1/{name}": coll.request for name, coll in COLLECTIONS.items()}
    tables = [r for r in requests if r["path"] == "/api/v1/tables"]
    assert len(tables) == len(synced_tables)
    for r in requests:
        model = by_path.get(r["path"])
        if model is not None:
            model.model_validate(r["body"])  # the exact body the SDK would send parses as its request model
        elif r["method"] == "POST":
            TestCaseResult.model_validate(r["body"])
    assert sum(r["path"].startswith("/api/v1/metadata/types/") for r in requests) == 4
    assert sum(r["path"] == "/api/v1/lineage" for r in requests) == len(plan.plan_lineage(synced))


def test_dag_is_skipped_without_a_connection_and_syncs_with_one(synced_tables, monkeypatch):
    monkeypatch.delenv(f"AIRFLOW_CONN_{CONN_ID.upper()}", raising=False)
    run = run_for_day(load_dag("sync_catalog"), SYNC_DAY)
    (ti,) = run.get_task_instances()
    assert str(ti.state) == "skipped"  # not failed, not a silent success
    assert str(run.state) == "success"

    running = RunningFake()
    try:
        host, port = running.api_url.split("://", 1)[1].split("/", 1)[0].split(":")
        monkeypatch.setenv(f"AIRFLOW_CONN_{CONN_ID.upper()}", f"http://:{running.fake.token}@{host}:{port}/api")
        run = run_for_day(load_dag("sync_catalog"), SYNC_DAY)
        (ti,) = run.get_task_instances()
        assert str(ti.state) == "success"
        assert len(running.fake.entities["tables"]) == len(synced_tables)
        assert running.fake.errors == []
    finally:
        running.stop()
        os.environ.pop(f"AIRFLOW_CONN_{CONN_ID.upper()}", None)
