"""Catalog sync planning and comparison, without a database or a server: requests are the SDK's models."""

from __future__ import annotations

import dataclasses
import json
import uuid
from datetime import UTC, datetime

import pytest
from metadata.generated.schema.api.data.createTable import CreateTableRequest
from metadata.generated.schema.api.lineage.addLineage import AddLineageRequest
from pydantic import BaseModel

from govdata.catalog_sync import compare, plan
from govdata.catalog_sync.connection import MissingToken, settings_from_connection
from govdata.catalog_sync.state import (
    ColumnState,
    DataItemState,
    DepartmentState,
    QualityResultState,
    TableState,
    WarehouseState,
)
from govdata.errors import ConfigError

TEAM_ID = str(uuid.uuid4())


def demo_state(**changes) -> WarehouseState:
    """A department with one graded raw table and its open dataset (xm masked, sfzh dropped)."""
    raw = TableState(
        "raw_gaj", "hj_rkxx", "户籍人口信息", "本市户籍人口基本信息", "gaj",
        (
            ColumnState("sfzh", "character varying", 18, "公民身份号码", "CN_RESIDENT_ID", "L4", True),
            ColumnState("xm", "text", None, "姓名", "PERSON", "L3", True),
            ColumnState("lxdh", "character varying", None, "固定电话", "CN_LANDLINE", "L2", True),
            ColumnState("mz", "text", None, "民族", "NONE", "L1", False),
            ColumnState("tags", "ARRAY", None, "标签"),
        ),
        (("resourceCode", "101001/000001"), ("shareAttribute", "有条件共享"), ("openAttribute", "有条件开放"),
         ("updateCycle", "每日")),
    )  # fmt: skip
    served = TableState(
        "open_data", "gaj_hj_rkxx", "户籍人口信息", "开放数据集", "gaj",
        (ColumnState("xm", "text", None, "姓名", treatment="masked:PERSON"),
         ColumnState("mz", "text", None, "民族", treatment="kept")),
        (("openAttribute", "无条件开放"),), ("raw_gaj", "hj_rkxx"),
    )  # fmt: skip
    values = {
        "database": "govdata",
        "departments": (DepartmentState("gaj", "公安局", "11000000000000000X", "张三"),),
        "tables": (raw, served),
        "data_items": (
            DataItemState("公民身份号码", "已明确", ("gaj",), ("gaj", "mzj"), ("gaj 户籍管理 — 101001/000001 sfzh",)),
            DataItemState("联系电话", "未明确", (), ("gaj", "mzj"), ()),
        ),
    }
    values.update(changes)
    return WarehouseState(**values)


CHECKED_AT = datetime(2026, 11, 3, 0, 30, tzinfo=UTC)
RAW_FQN = "govdata_warehouse.govdata.raw_gaj.hj_rkxx"


def quality_result(key: str, type_: str, column: str | None, dimension: str | None, **changes) -> QualityResultState:
    """One row of governance.quality_result for hj_rkxx's latest check (passed, 1000 rows, unless changed)."""
    values = dict(success=True, element_count=1000, unexpected_count=0, unexpected_percent=0.0)
    values.update(changes)
    return QualityResultState(
        "raw_gaj", "hj_rkxx", "2026-11-03T08:00:00+08:00", CHECKED_AT, "gaj.hj_rkxx", key, type_, column, dimension,
        values.pop("severity", "critical"), **values,
    )  # fmt: skip


def demo_quality() -> tuple[QualityResultState, ...]:
    """The latest check of hj_rkxx: a failed critical not-null, an errored range, the custom kinds, a compound key."""
    return (
        quality_result("completeness:sfzh", "expect_column_values_to_not_be_null", "sfzh", "completeness",
                       success=False, unexpected_count=12, unexpected_percent=1.2),
        quality_result("uniqueness:sfzh", "expect_column_values_to_be_unique", "sfzh", "uniqueness"),
        quality_result("validity:sfzh", "expect_column_values_to_be_valid_cn_resident_id", "sfzh", "validity",
                       success=False, unexpected_count=3, unexpected_percent=0.3, severity="warning"),
        quality_result("validity:range:mz", "expect_column_values_to_be_between", "mz", "validity", success=False,
                       element_count=None, unexpected_count=None, unexpected_percent=None,
                       error='operator does not exist: text >= integer'),
        quality_result("validity:codes:mz", "expect_column_values_to_be_in_set", "mz", "validity",
                       parameters=(("allowedValues", '["汉族", "回族"]'),)),
        quality_result("uniqueness:sfzh+xm", "expect_compound_columns_to_be_unique", "sfzh+xm", "uniqueness"),
        quality_result("timeliness", "unexpected_rows_expectation", None, "timeliness", severity="warning",
                       element_count=None, unexpected_percent=None),
        quality_result("consistency:xm:101001/000002:xm", "unexpected_rows_expectation", "xm", "consistency",
                       success=False, element_count=None, unexpected_count=4, unexpected_percent=None),
        quality_result("completeness:dz", "expect_column_to_exist", "dz", "completeness", success=False,
                       element_count=None, unexpected_count=None, unexpected_percent=None),
    )  # fmt: skip


def _all_desired(state: WarehouseState) -> list[plan.Desired]:
    teams = {"gaj": TEAM_ID}
    return [
        *plan.plan_teams(state),
        *plan.plan_classifications(state),
        *plan.plan_glossary(state, teams),
        *plan.plan_warehouse(state, teams),
    ]


def _table(desired: list[plan.Desired], fqn: str) -> CreateTableRequest:
    found = next(d.request for d in desired if d.fqn == fqn)
    assert isinstance(found, CreateTableRequest)
    return found


def _round_trips(request: BaseModel) -> None:
    """What the SDK sends parses back, as the same model, to the same JSON.

    JSON, not model ``==``: that also compares private attributes the SDK's Column sets.
    """
    sent = request.model_dump_json(by_alias=True)
    assert json.loads(type(request).model_validate_json(sent).model_dump_json(by_alias=True)) == json.loads(sent)


def test_every_planned_request_is_an_sdk_request_model_and_round_trips():
    desired = _all_desired(demo_state())
    for d in desired:
        assert type(d.request).__module__.startswith("metadata.generated.schema.api."), d.fqn
        assert type(d.request).__name__.startswith("Create"), d.fqn
        _round_trips(d.request)
    for prop in plan.plan_custom_properties(str(uuid.uuid4())):
        _round_trips(prop.createCustomPropertyRequest)
    edges = plan.plan_lineage(demo_state())
    assert len(edges) == 1
    request = edges[0].request(str(uuid.uuid4()), str(uuid.uuid4()))
    assert isinstance(request, AddLineageRequest)
    _round_trips(request)
    fqns = [d.fqn for d in desired]
    assert len(fqns) == len(set(fqns))


def test_order_puts_parents_and_tags_before_what_refers_to_them():
    fqns = [d.fqn for d in _all_desired(demo_state())]
    position = {f: i for i, f in enumerate(fqns)}
    assert position["gaj"] < position["govdata_responsibility.公民身份号码"]
    assert position["GovDataGrade.L4"] < position["govdata_warehouse"]
    assert position["GovDataEntity.CN_RESIDENT_ID"] < position["govdata_warehouse.govdata.raw_gaj.hj_rkxx"]
    assert (
        position["govdata_warehouse"]
        < position["govdata_warehouse.govdata"]
        < position["govdata_warehouse.govdata.raw_gaj"]
        < position["govdata_warehouse.govdata.raw_gaj.hj_rkxx"]
    )


def test_raw_table_carries_chinese_names_owner_properties_and_tags():
    table = _table(_all_desired(demo_state()), "govdata_warehouse.govdata.raw_gaj.hj_rkxx")
    body = compare.request_fields(table)
    assert body["displayName"] == "户籍人口信息" and body["description"] == "本市户籍人口基本信息"
    assert body["owners"] == [{"id": TEAM_ID, "type": "team"}]
    assert body["extension"] == {"resourceCode": "101001/000001", "shareAttribute": "有条件共享",
                                 "openAttribute": "有条件开放", "updateCycle": "每日"}  # fmt: skip
    columns = {c["name"]: c for c in body["columns"]}
    tags = {name: {t["tagFQN"] for t in c.get("tags", [])} for name, c in columns.items()}
    assert tags["sfzh"] == {"GovDataGrade.L4", "GovDataEntity.CN_RESIDENT_ID", "PII.Sensitive"}
    assert tags["xm"] == {"GovDataGrade.L3", "GovDataEntity.PERSON", "PII.Sensitive"}
    assert tags["lxdh"] == {"GovDataGrade.L2", "GovDataEntity.CN_LANDLINE", "PII.NonSensitive"}
    assert tags["mz"] == {"GovDataGrade.L1"}  # NONE is no entity, not personal
    assert tags["tags"] == set()  # not graded yet: no tag rather than a guess
    assert columns["sfzh"]["displayName"] == "公民身份号码" and columns["sfzh"]["description"] == "公民身份号码"
    # the server refuses a varchar without length; unbounded varchar gets 1, as OpenMetadata's connector sends
    assert (columns["sfzh"]["dataType"], columns["sfzh"]["dataLength"]) == ("VARCHAR", 18)
    assert (columns["lxdh"]["dataType"], columns["lxdh"]["dataLength"]) == ("VARCHAR", 1)
    assert (columns["tags"]["dataType"], columns["tags"]["arrayDataType"]) == ("ARRAY", "UNKNOWN")
    assert [c["ordinalPosition"] for c in body["columns"]] == [1, 2, 3, 4, 5]


def test_served_table_says_what_publication_did_and_lineage_pairs_only_surviving_columns():
    state = demo_state()
    table = _table(_all_desired(state), "govdata_warehouse.govdata.open_data.gaj_hj_rkxx")
    columns = {c["name"]: c for c in compare.request_fields(table)["columns"]}
    assert columns["xm"]["description"] == "姓名（开放处理：masked:PERSON）"
    assert columns["mz"]["description"] == "民族"
    (edge,) = plan.plan_lineage(state)
    assert edge.from_fqn == "govdata_warehouse.govdata.raw_gaj.hj_rkxx"
    assert edge.to_fqn == "govdata_warehouse.govdata.open_data.gaj_hj_rkxx"
    assert edge.column_pairs == (
        ("govdata_warehouse.govdata.raw_gaj.hj_rkxx.xm", "govdata_warehouse.govdata.open_data.gaj_hj_rkxx.xm"),
        ("govdata_warehouse.govdata.raw_gaj.hj_rkxx.mz", "govdata_warehouse.govdata.open_data.gaj_hj_rkxx.mz"),
    )  # sfzh was dropped: no pair for it


def test_glossary_terms_name_the_authoritative_department_and_are_owned_by_it():
    terms = {d.fqn: compare.request_fields(d.request) for d in plan.plan_glossary(demo_state(), {"gaj": TEAM_ID})}
    declared = terms["govdata_responsibility.公民身份号码"]
    assert declared["owners"] == [{"id": TEAM_ID, "type": "team"}]
    assert "**权威部门**：公安局（已明确）" in declared["description"]
    assert "gaj 户籍管理 — 101001/000001 sfzh" in declared["description"]
    undeclared = terms["govdata_responsibility.联系电话"]
    assert "owners" not in undeclared
    assert "**权威部门**：未明确（未明确）" in undeclared["description"]
    assert plan.plan_glossary(demo_state(data_items=()), {}) == []


def test_names_with_dots_are_quoted_in_fqns():
    assert plan.fqn("svc", "db", "raw_jyj", "成绩.2025") == 'svc.db.raw_jyj."成绩.2025"'
    assert plan.fqn_child('svc.db.s."t.1"', "a.b") == 'svc.db.s."t.1"."a.b"'


def _server_answer(request: BaseModel, **extra) -> dict:
    """What a server returns for a request it accepted: references expanded, ids and versions added."""
    answer = json.loads(request.model_dump_json(by_alias=True, exclude_none=True))
    for key in compare.REFERENCE_FIELDS & answer.keys():
        answer[key] = {"id": str(uuid.uuid4()), "type": key, "fullyQualifiedName": answer[key]}
    for column in answer.get("columns", []):
        column["fullyQualifiedName"] = f"x.{column['name']}"
        for tag in column.get("tags", []):
            tag["name"] = tag["tagFQN"].rsplit(".", 1)[-1]
    answer.update(id=str(uuid.uuid4()), version=0.3, updatedAt=1, href="http://x", **extra)
    return answer


def test_an_entity_as_the_server_returns_it_matches_its_request():
    for d in _all_desired(demo_state()):
        assert compare.differences(d.request, _server_answer(d.request)) == [], d.fqn


def test_differences_name_the_fields_that_changed():
    table = _table(_all_desired(demo_state()), "govdata_warehouse.govdata.raw_gaj.hj_rkxx")
    answer = _server_answer(table)
    assert compare.differences(table, None) == sorted(compare.request_fields(table))
    assert compare.differences(table, {**answer, "description": "旧摘要"}) == ["description"]
    assert compare.differences(table, {**answer, "owners": [{"id": str(uuid.uuid4()), "type": "team"}]}) == ["owners"]
    moved = {**answer, "databaseSchema": {"id": "x", "type": "databaseSchema", "fullyQualifiedName": "s.d.other"}}
    assert compare.differences(table, moved) == ["databaseSchema"]
    renamed = json.loads(json.dumps(answer))
    renamed["columns"][1]["name"] = "xingming"
    assert compare.differences(table, renamed) == ["columns"]
    retagged = json.loads(json.dumps(answer))
    retagged["columns"][0]["tags"] = [{"tagFQN": "GovDataGrade.L3"}]
    assert compare.differences(table, retagged) == ["columns"]
    reordered = {**answer, "columns": list(reversed(answer["columns"]))}
    assert compare.differences(table, reordered) == ["columns"]
    props = {**answer, "extension": {**answer["extension"], "openAttribute": "不予开放"}}
    assert compare.differences(table, props) == ["extension"]


def test_fields_the_sync_leaves_unset_are_not_overwritten():
    """Tags staff put on a table, or server-side additions, are no reason to PUT."""
    table = _table(_all_desired(demo_state()), "govdata_warehouse.govdata.raw_gaj.hj_rkxx")
    answer = _server_answer(table, tags=[{"tagFQN": "Tier.Tier1"}], followers=[], usageSummary={})
    assert compare.differences(table, answer) == []


def test_tags_of_other_classifications_on_a_column_are_not_ours_to_compare():
    table = _table(_all_desired(demo_state()), "govdata_warehouse.govdata.raw_gaj.hj_rkxx")
    answer = _server_answer(table)
    answer["columns"][0]["tags"] += [{"tagFQN": "Tier.Tier1"}, {"tagFQN": "BusinessGlossary.身份"}]
    assert compare.differences(table, answer) == []
    answer["columns"][0]["tags"].append({"tagFQN": "GovDataGrade.L3"})  # a grade of ours that should not be there
    assert compare.differences(table, answer) == ["columns"]


def test_custom_property_and_lineage_comparison():
    type_id = str(uuid.uuid4())
    (prop, *_) = plan.plan_custom_properties(type_id)
    request = prop.createCustomPropertyRequest
    stored = {**compare.request_fields(request), "propertyType": {"id": type_id, "type": "type", "name": "string"}}
    assert not compare.custom_property_missing(request, [stored])
    assert compare.custom_property_missing(request, [{**stored, "description": "old"}])
    assert compare.custom_property_missing(request, [])
    (edge,) = plan.plan_lineage(demo_state())
    source = str(uuid.uuid4())
    lineage = {
        "upstreamEdges": [{
            "fromEntity": source, "toEntity": str(uuid.uuid4()),
            "lineageDetails": {"columnsLineage": [{"fromColumns": [f], "toColumn": t} for f, t in edge.column_pairs]},
        }]
    }  # fmt: skip
    assert compare.lineage_matches(lineage, source, edge.column_pairs)
    assert not compare.lineage_matches(lineage, source, edge.column_pairs[:1])
    assert not compare.lineage_matches(lineage, str(uuid.uuid4()), edge.column_pairs)
    assert not compare.lineage_matches(None, source, edge.column_pairs)


@pytest.mark.parametrize(
    ("host", "port", "schema", "password", "extra", "expected"),
    [
        ("openmetadata-server", 8585, "http", "jwt", None, "http://openmetadata-server:8585/api"),
        ("openmetadata-server", 8585, "api", "jwt", None, "http://openmetadata-server:8585/api"),  # URI form
        ("om.example.cn", None, "https", None, {"jwt_token": "jwt"}, "https://om.example.cn/api"),
        ("https://gw.example.cn/openmetadata/api", None, None, "jwt", None, "https://gw.example.cn/openmetadata/api"),
        ("http://om:8585", None, None, "jwt", None, "http://om:8585/api"),
    ],
)
def test_server_settings_from_the_airflow_connection(host, port, schema, password, extra, expected):
    settings = settings_from_connection(host, port, schema, password, extra)
    assert (settings.host_port, settings.token) == (expected, "jwt")
    assert "jwt" not in repr(settings)


def test_server_settings_name_what_is_missing():
    with pytest.raises(MissingToken, match="no JWT token"):
        settings_from_connection("om", 8585, "http", None, {})
    with pytest.raises(ConfigError, match="host is empty"):
        settings_from_connection(None, 8585, "http", "jwt", None)


def _cases(state: WarehouseState) -> dict[str, plan.DesiredTestCase]:
    return {c.desired.request.displayName: c for c in plan.plan_quality(state).cases}  # type: ignore[attr-defined]


def test_a_failed_critical_not_null_check_is_a_failed_result_on_the_columns_test_case_with_counts():
    case = _cases(demo_state(quality_results=demo_quality()))["completeness:sfzh"]
    request = compare.request_fields(case.desired.request)
    assert case.desired.fqn == f"{RAW_FQN}.sfzh.completeness_sfzh"
    assert request["name"] == "completeness_sfzh" and request["testDefinition"] == "columnValuesToBeNotNull"
    assert request["entityLink"] == f"<#E::table::{RAW_FQN}::columns::sfzh>"
    assert "parameterValues" not in request
    result = json.loads(case.result.model_dump_json(exclude_none=True))
    assert result["testCaseStatus"] == "Failed"
    assert result["timestamp"] == int(CHECKED_AT.timestamp() * 1000)
    assert {v["name"]: v["value"] for v in result["testResultValue"]} == {"unexpected_count": "12",
                                                                           "element_count": "1000"}  # fmt: skip
    assert (result["failedRows"], result["passedRows"], result["failedRowsPercentage"]) == (12, 988, 1.2)
    assert "1000 行中 12 行不符合（1.20%）" in result["result"] and "严重程度 严重" in result["result"]
    assert "12 of 1000 rows unexpected" in result["result"] and "severity critical" in result["result"]


def test_a_check_that_errored_is_aborted_with_its_error_and_no_counts():
    case = _cases(demo_state(quality_results=demo_quality()))["validity:range:mz"]
    result = json.loads(case.result.model_dump_json(exclude_none=True))
    assert result["testCaseStatus"] == "Aborted"
    assert "operator does not exist" in result["result"] and "could not run" in result["result"]
    assert result["testResultValue"] == [] and "failedRows" not in result
    assert compare.request_fields(case.desired.request)["testDefinition"] == "columnValuesToBeBetween"


def test_passed_checks_are_success_and_results_hold_counts_never_examples():
    cases = _cases(demo_state(quality_results=demo_quality()))
    assert cases["uniqueness:sfzh"].result.testCaseStatus.value == "Success"
    fields = set(QualityResultState.__dataclass_fields__)
    assert "examples" not in fields and "observed_value" not in fields  # the state never reads a value
    timeliness = json.loads(cases["timeliness"].result.model_dump_json(exclude_none=True))
    assert timeliness["testResultValue"] == [{"name": "unexpected_count", "value": "0"}]
    assert "0 条不符合" in timeliness["result"] and "严重程度 警告" in timeliness["result"]


def test_built_in_definitions_where_they_fit_our_own_for_the_rest():
    quality = plan.plan_quality(demo_state(quality_results=demo_quality()))
    by_key = {c.desired.request.displayName: compare.request_fields(c.desired.request) for c in quality.cases}
    definition = {k: (r["testDefinition"], r["entityLink"].count("::columns::")) for k, r in by_key.items()}
    assert definition == {
        "completeness:sfzh": ("columnValuesToBeNotNull", 1),
        "uniqueness:sfzh": ("columnValuesToBeUnique", 1),
        "validity:sfzh": ("govdataValidCnResidentId", 1),
        "validity:range:mz": ("columnValuesToBeBetween", 1),
        "validity:codes:mz": ("columnValuesToBeInSet", 1),
        "uniqueness:sfzh+xm": ("govdataCompoundColumnsToBeUnique", 0),
        "timeliness": ("govdataTimeliness", 0),
        "consistency:xm:101001/000002:xm": ("govdataSourceConsistency", 1),
        "completeness:dz": ("tableColumnNameToExist", 0),
    }
    assert by_key["validity:codes:mz"]["parameterValues"] == [{"name": "allowedValues", "value": '["汉族", "回族"]'}]
    assert by_key["completeness:dz"]["parameterValues"] == [{"name": "columnName", "value": "dz"}]
    ours = {d.fqn: compare.request_fields(d.request) for d in quality.definitions}
    assert set(ours) == {"govdataValidCnResidentId", "govdataCompoundColumnsToBeUnique", "govdataTimeliness",
                         "govdataSourceConsistency"}  # fmt: skip
    assert ours["govdataValidCnResidentId"]["entityType"] == "COLUMN"
    assert ours["govdataTimeliness"]["entityType"] == "TABLE"
    assert ours["govdataSourceConsistency"]["dataQualityDimension"] == "Consistency"
    assert all(r["testPlatforms"] == ["GreatExpectations"] for r in ours.values())
    (suite,) = quality.suites
    assert (suite.fqn, compare.request_fields(suite.request)["basicEntityReference"]) == (f"{RAW_FQN}.testSuite",
                                                                                        RAW_FQN)  # fmt: skip
    for desired in [*quality.definitions, *quality.suites, *(c.desired for c in quality.cases)]:
        _round_trips(desired.request)


def test_a_code_list_check_without_declared_codes_and_a_staff_expectation_get_definitions_named_after_gx():
    staff = (
        quality_result("validity:codes:mz", "expect_column_values_to_be_in_set", "mz", "validity"),
        quality_result("5f0c…", "expect_column_values_to_match_regex", "xm", None),
        quality_result("ab-12", "expect_table_row_count_to_be_between", None, None),
    )
    quality = plan.plan_quality(demo_state(quality_results=staff))
    used = [compare.request_fields(c.desired.request)["testDefinition"] for c in quality.cases]
    assert used == ["gx_expect_column_values_to_be_in_set", "gx_expect_column_values_to_match_regex",
                    "gx_expect_table_row_count_to_be_between_table"]  # fmt: skip
    assert [d.fqn for d in quality.definitions] == used
    assert [c.desired.fqn.rsplit(".", 1)[-1] for c in quality.cases][2] == "ab-12"


def test_test_case_names_are_safe_for_openmetadata_and_distinct():
    assert plan.case_name("completeness:xm") == "completeness_xm"
    assert plan.case_name("timeliness") == "timeliness"
    plus, underscore = plan.case_name("uniqueness:a+b"), plan.case_name("uniqueness:a_b")
    assert plus != underscore and plus.startswith("uniqueness_a_b_")
    assert plan.is_representable(plan.case_name('completeness:a"b.c'))
    assert "." not in plan.case_name("validity:成绩.2025") and "::" not in plan.case_name("a::b")
    same = (quality_result("completeness:a_b", "expect_column_to_exist", "a_b", "completeness"),
            quality_result("completeness:a:b", "expect_column_to_exist", "a:b", "completeness"))  # fmt: skip
    fqns = [c.desired.fqn for c in plan.plan_quality(demo_state(quality_results=same)).cases]
    assert len(set(fqns)) == 2


def test_results_of_tables_not_synced_are_left_out():
    elsewhere = dataclasses.replace(demo_quality()[0], table="withdrawn")
    assert plan.plan_quality(demo_state(quality_results=(elsewhere,))).cases == []
    assert plan.plan_quality(demo_state()).suites == []


def test_a_test_case_as_the_server_returns_it_matches_and_a_result_is_sent_once():
    for case in plan.plan_quality(demo_state(quality_results=demo_quality())).cases:
        answer = _server_answer(case.desired.request, testSuite={"id": str(uuid.uuid4()), "type": "testSuite"})
        for key in ("computePassedFailedRowCount", "useDynamicAssertion", "topDimensions", "dimensionColumns"):
            answer.pop(key, None)  # defaults a server may leave out
        answer["tags"] = [{"tagFQN": "GovDataGrade.L4"}]  # inherited from the column: not ours to compare
        assert compare.differences(case.desired.request, answer) == [], case.desired.fqn
        stamp = case.result.timestamp.root
        assert not compare.result_sent(answer, stamp)
        assert compare.result_sent({**answer, "testCaseResult": {"timestamp": stamp}}, stamp)
        assert not compare.result_sent({**answer, "testCaseResult": {"timestamp": stamp - 86_400_000}}, stamp)
