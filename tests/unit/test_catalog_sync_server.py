"""The sync through the SDK's client against a local fake of OpenMetadata's REST API (no server can run here).

The fake (tests/openmetadata_fake.py) validates every request body with the SDK's request models and every answer
with the SDK's entity models and their JSON Schema; ``fake.errors`` lists any answer of its own that failed.
"""

from __future__ import annotations

import dataclasses
import json
from datetime import timedelta

import pytest

from govdata.catalog_sync.apply import sync
from govdata.catalog_sync.connection import ServerSettings, client
from govdata.catalog_sync.state import ColumnState, DepartmentState, TableState
from tests.openmetadata_fake import RunningFake
from tests.unit.test_catalog_sync import demo_quality, demo_state

RAW = "govdata_warehouse.govdata.raw_gaj.hj_rkxx"
SERVED = "govdata_warehouse.govdata.open_data.gaj_hj_rkxx"


def _mutations(fake, since: int = 0) -> list[tuple[str, str]]:
    return [(c.method, c.path) for c in fake.calls[since:] if c.mutating]


def test_first_sync_creates_every_entity_through_the_sdk(om):
    fake, server = om
    report = sync(demo_state(), server)
    calls = [(c.method, c.path) for c in fake.calls]
    assert calls[0] == ("GET", "/api/v1/system/version")
    puts = [path for method, path in _mutations(fake) if method == "PUT"]
    assert puts.count("/api/v1/teams") == 1
    assert puts.count("/api/v1/classifications") == 2
    assert puts.count("/api/v1/tags") == 4 + 3  # L1–L4; CN_RESIDENT_ID, PERSON, CN_LANDLINE
    assert puts.count("/api/v1/glossaries") == 1 and puts.count("/api/v1/glossaryTerms") == 2
    assert puts.count("/api/v1/services/databaseServices") == 1 and puts.count("/api/v1/databases") == 1
    assert puts.count("/api/v1/databaseSchemas") == 3 and puts.count("/api/v1/tables") == 2
    assert puts.count("/api/v1/lineage") == 1
    type_puts = [p for p in puts if p.startswith("/api/v1/metadata/types/")]
    assert len(type_puts) == 4
    # custom properties are defined on the table type before a table carries values for them
    assert max(puts.index(p) for p in type_puts) < puts.index("/api/v1/tables")
    assert [m.path for m in report.mutations] == puts
    assert _mutations(fake) == [(m.method, m.path) for m in report.mutations]

    raw = fake.entity("tables", RAW)
    assert raw["displayName"] == "户籍人口信息"
    assert raw["owners"][0]["fullyQualifiedName"] == "gaj"
    assert raw["extension"]["resourceCode"] == "101001/000001"
    sfzh = raw["columns"][0]
    assert sfzh["fullyQualifiedName"] == f"{RAW}.sfzh"
    assert {t["tagFQN"] for t in sfzh["tags"]} == {"GovDataGrade.L4", "GovDataEntity.CN_RESIDENT_ID", "PII.Sensitive"}
    assert {p["name"] for p in fake.types["table"]["customProperties"]} == {
        "resourceCode", "shareAttribute", "openAttribute", "updateCycle"
    }  # fmt: skip
    ((_, details),) = fake.edges.items()
    assert {(tuple(c["fromColumns"]), c["toColumn"]) for c in details["columnsLineage"]} == {
        ((f"{RAW}.xm",), f"{SERVED}.xm"), ((f"{RAW}.mz",), f"{SERVED}.mz")
    }  # fmt: skip
    term = fake.entity("glossaryTerms", "govdata_responsibility.公民身份号码")
    assert term["owners"][0]["name"] == "gaj" and "公安局" in term["description"]


def test_second_sync_with_nothing_changed_mutates_nothing(om):
    fake, server = om
    sync(demo_state(), server)
    before = len(fake.calls)
    report = sync(demo_state(), server)
    assert _mutations(fake, before) == []
    assert report.mutations == [] and report.unchanged > 20
    assert any(c.method == "GET" for c in fake.calls[before:])  # it did compare with the server


def test_withdrawn_table_is_soft_deleted_once(om):
    fake, server = om
    state = demo_state()
    sync(state, server)
    withdrawn = dataclasses.replace(state, tables=state.tables[1:])  # the raw table left the catalog
    before = len(fake.calls)
    report = sync(withdrawn, server)
    table_id = fake.entity("tables", RAW)["id"]
    assert _mutations(fake, before) == [("DELETE", f"/api/v1/tables/{table_id}")]
    (delete,) = [c for c in fake.calls[before:] if c.method == "DELETE"]
    assert delete.query == {"recursive": ["true"], "hardDelete": ["false"]}  # with its test suite and cases
    assert fake.entity("tables", RAW)["deleted"] is True  # kept, restorable
    assert report.count("DELETE") == 1
    before = len(fake.calls)
    sync(withdrawn, server)
    assert _mutations(fake, before) == []
    # back in the catalog: the PUT restores it (the server undeletes on PUT)
    sync(state, server)
    assert fake.entity("tables", RAW)["deleted"] is False


def test_renamed_column_replaces_the_old_one_and_its_lineage(om):
    fake, server = om
    state = demo_state()
    sync(state, server)
    raw, served = state.tables

    def rename(table):
        columns = tuple(dataclasses.replace(c, name="xingming") if c.name == "xm" else c for c in table.columns)
        return dataclasses.replace(table, columns=columns)

    renamed = dataclasses.replace(state, tables=(rename(raw), rename(served)))
    before = len(fake.calls)
    report = sync(renamed, server)
    assert _mutations(fake, before) == [
        ("PUT", "/api/v1/tables"),
        ("PUT", "/api/v1/tables"),
        ("PUT", "/api/v1/lineage"),
    ]
    assert [m.changed for m in report.mutations[:2]] == [["columns"], ["columns"]]
    names = [c["name"] for c in fake.entity("tables", RAW)["columns"]]
    assert "xingming" in names and "xm" not in names
    ((_, details),) = fake.edges.items()
    assert ((f"{RAW}.xingming",), f"{SERVED}.xingming") in {
        (tuple(c["fromColumns"]), c["toColumn"]) for c in details["columnsLineage"]
    }


def test_a_changed_grade_updates_only_that_table(om):
    fake, server = om
    state = demo_state()
    sync(state, server)
    raw, served = state.tables
    regraded = dataclasses.replace(
        raw, columns=(dataclasses.replace(raw.columns[3], grade="L2"), *raw.columns[:3], *raw.columns[4:])
    )
    before = len(fake.calls)
    sync(dataclasses.replace(state, tables=(regraded, served)), server)
    (put,) = [c for c in fake.calls[before:] if c.mutating]
    assert put.path == "/api/v1/tables" and put.body["name"] == "hj_rkxx"
    mz = next(c for c in fake.entity("tables", RAW)["columns"] if c["name"] == "mz")
    assert {t["tagFQN"] for t in mz["tags"]} == {"GovDataGrade.L2"}


def test_dry_run_against_the_server_reads_but_sends_nothing(om):
    fake, server = om
    state = demo_state()
    sync(state, server)
    raw, served = state.tables
    changed = dataclasses.replace(state, tables=(dataclasses.replace(raw, description="新摘要"), served))
    before = len(fake.calls)
    report = sync(changed, server, dry_run=True)
    assert _mutations(fake, before) == []
    (put,) = report.mutations
    assert (put.method, put.path, put.target, put.changed) == ("PUT", "/api/v1/tables", RAW, ["description"])
    assert put.body["description"] == "新摘要"
    assert fake.entity("tables", RAW)["description"] == "本市户籍人口基本信息"


def test_version_mismatch_and_bad_token_fail_before_anything_is_sent():
    from metadata.ingestion.ometa.mixins.server_mixin import VersionMismatchException, VersionNotFoundException

    running = RunningFake()
    try:
        running.fake.version = "1.9.4"
        with pytest.raises(VersionMismatchException, match="Major and minor versions should match"):
            client(ServerSettings(running.api_url, running.fake.token))
        running.fake.version = "2.0.5"
        with pytest.raises(VersionNotFoundException, match="Not authorized"):
            client(ServerSettings(running.api_url, "wrong-token"))
        assert not [c for c in running.fake.calls if c.mutating]
        metadata = client(ServerSettings(running.api_url, running.fake.token))  # 2.0.x matches the SDK's 2.0
        metadata.close()
    finally:
        running.stop()


def test_request_bodies_are_what_the_sdk_serialises(om):
    fake, server = om
    report = sync(demo_state(quality_results=demo_quality()), server)
    assert report.count("POST") == len(demo_quality())
    received = [c.body for c in fake.calls if c.mutating]
    assert [json.loads(json.dumps(m.body)) for m in report.mutations] == received


def test_unbounded_varchar_is_accepted_by_the_server_length_check(om):
    fake, server = om
    state = demo_state()
    raw, served = state.tables
    wide = dataclasses.replace(raw, columns=(ColumnState("bz", "character", None, "备注"),))
    sync(dataclasses.replace(state, tables=(wide, served)), server)
    (bz,) = fake.entity("tables", RAW)["columns"]
    assert (bz["dataType"], bz["dataLength"]) == ("CHAR", 1)


def test_names_openmetadata_cannot_hold_are_left_out_and_said_so(om):
    """A crawled table or header may hold a double quote (the demo has one): only that table or column is left out."""
    fake, server = om
    state = demo_state()
    raw, served = state.tables
    odd_table = dataclasses.replace(raw, name='a"; drop table x; --')
    odd_column = dataclasses.replace(raw, columns=(*raw.columns, ColumnState('x"y', "text", None, "备注")))
    report = sync(dataclasses.replace(state, tables=(odd_column, served, odd_table)), server)
    assert fake.entity("tables", RAW) is not None
    assert [c["name"] for c in fake.entity("tables", RAW)["columns"]] == [c.name for c in raw.columns]
    assert not [f for f in fake.entities["tables"] if "drop table" in f]
    assert 'raw_gaj.a"; drop table x; --: not synced, OpenMetadata names cannot hold a double quote' in report.notes
    assert 'raw_gaj.hj_rkxx: column(s) x"y not synced (double quote in the name)' in report.notes


def test_a_department_removed_from_config_has_its_schema_soft_deleted_with_its_tables(om):
    fake, server = om
    state = demo_state()
    mzj = DepartmentState("mzj", "民政局", "11000000000000001X", "李四")
    shzz = TableState(
        "raw_mzj", "shzz", "社会组织", "社会组织登记信息", "mzj", (ColumnState("mc", "text", None, "名称"),)
    )
    both = dataclasses.replace(state, departments=(*state.departments, mzj), tables=(*state.tables, shzz))
    sync(both, server)
    schema = fake.entity("databaseSchemas", "govdata_warehouse.govdata.raw_mzj")
    before = len(fake.calls)
    report = sync(state, server)  # mzj left departments.yaml: the catalog withdrew its tables with it
    deletes = [m for m in _mutations(fake, before) if m[0] == "DELETE"]
    assert deletes == [("DELETE", f"/api/v1/databaseSchemas/{schema['id']}")]
    (delete,) = [m for m in report.mutations if m.method == "DELETE"]
    assert delete.path.endswith("?recursive=true&hardDelete=false")
    # the terms' holders are named by code now that 民政局 is no configured department
    assert {m.path for m in report.mutations if m.method == "PUT"} == {"/api/v1/glossaryTerms"}
    assert fake.entity("databaseSchemas", "govdata_warehouse.govdata.raw_mzj")["deleted"] is True
    assert fake.entity("tables", "govdata_warehouse.govdata.raw_mzj.shzz")["deleted"] is True
    assert fake.entity("tables", RAW)["deleted"] is False
    before = len(fake.calls)
    sync(state, server)
    assert _mutations(fake, before) == []


CASES = "/api/v1/dataQuality/testCases"
RESULTS = "/api/v1/dataQuality/testCases/testCaseResults/"


def test_quality_results_become_test_cases_with_results_then_nothing(om):
    fake, server = om
    state = demo_state(quality_results=demo_quality())
    report = sync(state, server)
    quality = [(m, p) for m, p in _mutations(fake) if "/dataQuality/" in p]
    assert quality[:5] == [("PUT", "/api/v1/dataQuality/testDefinitions")] * 4 + [
        ("PUT", "/api/v1/dataQuality/testSuites/executable")
    ]
    planned = [c.desired.fqn for c in _planned(demo_quality())]
    assert [m for m, _ in quality[5:]] == ["PUT", "POST"] * len(planned)
    # each test case is created, then its result posted to it
    assert [(m.method, m.target) for m in report.mutations if m.path.startswith(CASES)] == [
        pair for fqn in planned for pair in (("PUT", fqn), ("POST", fqn))
    ]
    assert [p for m, p in quality[5:] if m == "POST"] == [RESULTS + fqn for fqn in planned]
    assert report.count("POST") == len(demo_quality())

    not_null = fake.entity("dataQuality/testCases", f"{RAW}.sfzh.completeness_sfzh")
    assert not_null["testDefinition"]["name"] == "columnValuesToBeNotNull"
    assert not_null["testSuite"]["fullyQualifiedName"] == f"{RAW}.testSuite"
    assert not_null["entityLink"] == f"<#E::table::{RAW}::columns::sfzh>"
    (result,) = fake.results[f"{RAW}.sfzh.completeness_sfzh"]
    assert (result["testCaseStatus"], result["failedRows"], result["passedRows"]) == ("Failed", 12, 988)
    assert not_null["testCaseResult"]["timestamp"] == result["timestamp"]
    (aborted,) = fake.results[f"{RAW}.mz.validity_range_mz"]
    assert aborted["testCaseStatus"] == "Aborted"
    statuses = sorted(r[-1]["testCaseStatus"] for r in fake.results.values())
    assert statuses == ["Aborted"] + ["Failed"] * 4 + ["Success"] * 4
    timeliness = fake.entity("dataQuality/testCases", f"{RAW}.timeliness")
    assert timeliness["testDefinition"]["name"] == "govdataTimeliness"
    assert timeliness["entityLink"] == f"<#E::table::{RAW}>"
    assert fake.entity("dataQuality/testDefinitions", "govdataTimeliness")["entityType"] == "TABLE"

    before = len(fake.calls)
    again = sync(state, server)
    assert _mutations(fake, before) == [] and again.mutations == []
    assert any(c.path.startswith(CASES + "/name/") for c in fake.calls[before:])  # compared with the server


def test_a_new_check_adds_results_only_and_a_vanished_expectation_keeps_its_test_case(om):
    fake, server = om
    first = demo_quality()
    sync(demo_state(quality_results=first), server)
    later = tuple(
        dataclasses.replace(r, run_id="2026-11-04T08:00:00+08:00", checked_at=r.checked_at + timedelta(days=1))
        for r in first[1:]
    )  # the next day's check no longer has completeness:sfzh (staff suppressed it)
    before = len(fake.calls)
    report = sync(demo_state(quality_results=later), server)
    assert {m for m, _ in _mutations(fake, before)} == {"POST"}
    assert report.count("POST") == len(later)
    assert all(len(fake.results[c.desired.fqn]) == 2 for c in _planned(later))
    # left, with its last result: the server keeps results as history, and staff may have linked incidents to it
    assert fake.entity("dataQuality/testCases", f"{RAW}.sfzh.completeness_sfzh")["deleted"] is False
    before = len(fake.calls)
    sync(demo_state(quality_results=first), server)  # an older check read again: nothing goes back in time
    assert _mutations(fake, before) == []


def _planned(results):
    from govdata.catalog_sync import plan

    return plan.plan_quality(demo_state(quality_results=results)).cases


def test_a_withdrawn_table_goes_with_its_test_suite_and_cases_and_they_come_back_with_it(om):
    fake, server = om
    state = demo_state(quality_results=demo_quality())
    sync(state, server)
    withdrawn = dataclasses.replace(state, tables=state.tables[1:])
    before = len(fake.calls)
    sync(withdrawn, server)
    (delete,) = [c for c in fake.calls[before:] if c.mutating]
    assert delete.method == "DELETE" and delete.query["recursive"] == ["true"]
    assert fake.entity("dataQuality/testSuites", f"{RAW}.testSuite")["deleted"] is True
    cases = [c for f, c in fake.entities["dataQuality/testCases"].items() if f.startswith(RAW + ".")]
    assert len(cases) == len(demo_quality()) and all(c["deleted"] for c in cases)
    before = len(fake.calls)
    sync(withdrawn, server)
    assert _mutations(fake, before) == []  # the results of a table not synced are not sent
    sync(state, server)  # back in the catalog: table, suite and test cases restored by their PUTs
    assert not any(c["deleted"] for f, c in fake.entities["dataQuality/testCases"].items() if f.startswith(RAW))
    assert fake.entity("dataQuality/testSuites", f"{RAW}.testSuite")["deleted"] is False


def test_the_fake_refuses_test_cases_the_server_would(om):
    """A wrong level, a missing required parameter, an unknown column or definition: refused, as on the server."""
    from metadata.generated.schema.api.tests.createTestCase import CreateTestCaseRequest

    fake, server = om
    sync(demo_state(quality_results=demo_quality()), server)

    def put(**fields) -> int:
        request = CreateTestCaseRequest.model_validate({"name": "x", **fields})
        status, _ = fake.handle("PUT", CASES, request.model_dump_json().encode(), f"Bearer {fake.token}")
        return status

    column = f"<#E::table::{RAW}::columns::mz>"
    assert put(testDefinition="columnValuesToBeNotNull", entityLink=f"<#E::table::{RAW}>") == 400  # level
    assert put(testDefinition="columnValuesToBeInSet", entityLink=column, parameterValues=[]) == 400  # required
    assert put(testDefinition="columnValuesToBeNotNull", entityLink=f"<#E::table::{RAW}::columns::nope>") == 400
    assert put(testDefinition="noSuchDefinition", entityLink=column) == 404
    assert put(testDefinition="columnValuesToBeNotNull", entityLink=f"<#E::table::{RAW}x::columns::mz>") == 404
    assert put(testDefinition="columnValuesToBeNotNull", entityLink=column) == 200
