"""Suite generation from catalog state and the merge that keeps staff edits (pure: no GX, no database)."""

from __future__ import annotations

import copy

from govdata.config import QualityConfig
from govdata.quality import suites
from govdata.quality.suites import ColumnState, ResourceState

CONFIG = QualityConfig.model_validate(
    {
        "severity": {
            "default": "warning",
            "dimensions": {"completeness": "critical", "uniqueness": "critical"},
            "expectations": {"expect_column_values_to_be_valid_cn_resident_id": "critical"},
        },
        "resources": {
            "wsjkw": {
                "mzjl": {"mandatory": ["zdmc", "jzks"], "keys": [["jzlsh", "jzrq"]]},
            }
        },
    }
)

VISITS = ResourceState(
    resource_code="101001/000007",
    department_code="wsjkw",
    source_name="mzjl",
    raw_schema="raw_wsjkw",
    raw_table="mzjl",
    update_cycle="每日",
    columns=(
        ColumnState("jzlsh", None, is_primary_key=True, is_nullable=False),
        ColumnState("sfzh", "CN_RESIDENT_ID"),
        ColumnState("xm", "PERSON"),
        ColumnState("lxdh", "CN_MOBILE"),
        ColumnState("jzrq", None, is_nullable=False),
        ColumnState("zdmc", None),
    ),
)


def _by_key(suite: dict) -> dict[str, dict]:
    return {e["meta"]["govdata"]["key"]: e for e in suite["expectations"]}


def test_a_resource_gets_completeness_uniqueness_validity_and_timeliness_checks():
    suite = suites.generate_suite(VISITS, CONFIG)
    assert suite["name"] == "wsjkw.mzjl"
    assert suite["meta"]["govdata"]["resource_code"] == "101001/000007"
    checks = {k: (e["type"], e["kwargs"], e["severity"]) for k, e in _by_key(suite).items()}
    assert checks == {
        # primary key, then NOT NULL columns, then config/quality.yaml's 必填项 (jzks is not a column: must exist)
        "completeness:jzlsh": ("expect_column_values_to_not_be_null", {"column": "jzlsh"}, "critical"),
        "completeness:jzrq": ("expect_column_values_to_not_be_null", {"column": "jzrq"}, "critical"),
        "completeness:zdmc": ("expect_column_values_to_not_be_null", {"column": "zdmc"}, "critical"),
        "completeness:jzks": ("expect_column_to_exist", {"column": "jzks"}, "critical"),
        "uniqueness:jzlsh": ("expect_column_values_to_be_unique", {"column": "jzlsh"}, "critical"),
        "uniqueness:jzlsh+jzrq": (
            "expect_compound_columns_to_be_unique", {"column_list": ["jzlsh", "jzrq"]}, "critical",
        ),
        "validity:sfzh": ("expect_column_values_to_be_valid_cn_resident_id", {"column": "sfzh"}, "critical"),
        "validity:lxdh": ("expect_column_values_to_be_valid_cn_mobile", {"column": "lxdh"}, "warning"),
        "timeliness": (
            "unexpected_rows_expectation",
            {"unexpected_rows_query": "select resource_code, update_cycle, last_updated_at from catalog.resource"
                                      " where resource_code = '101001/000007' and is_stale"},
            "warning",
        ),
    }  # fmt: skip
    assert all(e["meta"]["govdata"]["generated"] and suites.is_generated_unchanged(e) for e in suite["expectations"])
    assert all(e["description"] for e in suite["expectations"])


def test_no_timeliness_check_without_a_declared_cycle_and_identifiers_declared_in_config_are_checked():
    config = QualityConfig.model_validate(
        {"resources": {"mzj": {"名单": {"identifiers": {"xzqh": "CN_DIVISION_CODE"}}}}}
    )
    resource = ResourceState(
        "1/1", "mzj", "名单", "raw_mzj", "名单", "不定期", (ColumnState("xzqh"), ColumnState("xm", "PERSON"))
    )
    suite = suites.generate_suite(resource, config)
    assert [e["type"] for e in suite["expectations"]] == ["expect_column_values_to_be_valid_cn_division_code"]


def test_suite_names_are_paths_gx_can_file():
    assert suites.suite_name("jtysj", 'a"; drop table x; --') == "jtysj.a_; drop table x; --"
    assert suites.suite_name("jyj", "学生资助汇总表.xlsx/资助名单") == "jyj.学生资助汇总表_xlsx_资助名单"


def test_regenerating_an_unedited_suite_gives_the_new_generation_and_keeps_gx_ids():
    first = suites.generate_suite(VISITS, CONFIG)
    stored = copy.deepcopy(first)
    for i, e in enumerate(stored["expectations"]):
        e["id"] = f"id-{i}"
    stored["id"] = "suite-id"
    merged = suites.merge_suite(stored, suites.generate_suite(VISITS, CONFIG))
    assert [e["id"] for e in merged["expectations"]] == [f"id-{i}" for i in range(len(first["expectations"]))]
    assert merged["id"] == "suite-id"
    strip = [{k: v for k, v in e.items() if k != "id"} for e in merged["expectations"]]
    assert strip == first["expectations"]


def test_staff_edits_and_additions_are_kept_and_not_duplicated():
    stored = suites.generate_suite(VISITS, CONFIG)
    by_key = _by_key(stored)
    by_key["validity:lxdh"]["kwargs"]["mostly"] = 0.95  # staff tolerate 5% bad phone numbers
    by_key["completeness:zdmc"]["severity"] = "warning"  # and downgrade a check
    added = {"type": "expect_column_values_to_be_in_set", "kwargs": {"column": "jzks", "value_set": ["内科", "外科"]},
             "meta": {"note": "staff"}}  # fmt: skip
    stored["expectations"].append(added)
    stored["notes"] = "门诊记录由卫健委信息科维护"

    merged = suites.merge_suite(stored, suites.generate_suite(VISITS, CONFIG))
    keys = [e.get("meta", {}).get("govdata", {}).get("key") for e in merged["expectations"]]
    assert keys.count("validity:lxdh") == 1 and keys.count("completeness:zdmc") == 1
    merged_by_key = _by_key({"expectations": [e for e in merged["expectations"] if "govdata" in e["meta"]]})
    assert merged_by_key["validity:lxdh"]["kwargs"]["mostly"] == 0.95
    assert merged_by_key["completeness:zdmc"]["severity"] == "warning"
    assert not suites.is_generated_unchanged(merged_by_key["validity:lxdh"])
    assert added in merged["expectations"]
    assert merged["notes"] == "门诊记录由卫健委信息科维护"
    assert len(merged["expectations"]) == len(stored["expectations"])


def test_a_catalog_change_drops_unedited_checks_of_a_dropped_column_but_keeps_edited_ones():
    stored = suites.generate_suite(VISITS, CONFIG)
    _by_key(stored)["validity:sfzh"]["description"] = "身份证号必须有效（经办人复核）"
    without_phone_and_id = ResourceState(**{**VISITS.__dict__, "columns": tuple(
        c for c in VISITS.columns if c.name not in ("lxdh", "sfzh"))})  # fmt: skip
    merged = suites.merge_suite(stored, suites.generate_suite(without_phone_and_id, CONFIG))
    keys = {e["meta"]["govdata"]["key"] for e in merged["expectations"]}
    assert "validity:lxdh" not in keys  # generated, unedited, no longer called for
    assert "validity:sfzh" in keys  # edited by staff: kept even though the catalog no longer has the column


def test_a_suppressed_key_is_not_generated_again():
    stored = suites.generate_suite(VISITS, CONFIG)
    stored["expectations"] = [e for e in stored["expectations"] if e["meta"]["govdata"]["key"] != "timeliness"]
    stored["meta"]["govdata"]["suppressed"] = ["timeliness"]
    merged = suites.merge_suite(stored, suites.generate_suite(VISITS, CONFIG))
    assert "timeliness" not in {e["meta"]["govdata"]["key"] for e in merged["expectations"]}
    assert merged["meta"]["govdata"]["suppressed"] == ["timeliness"]


def test_a_copy_gets_one_consistency_check_per_authoritative_source_reading_no_raw_value():
    from govdata.quality.suites import Comparison

    copy = ResourceState(
        "103001/000002", "rsj", "sb_cbry", "raw_rsj", "sb_cbry", None,
        (ColumnState("sfzh", "CN_RESIDENT_ID"), ColumnState("xm", "PERSON")),
        (Comparison("xm", "姓名", "101001/000001", "gaj.hj_rkxx", "xm"),),
    )  # fmt: skip
    suite = suites.generate_suite(copy, QualityConfig())
    [check] = [e for e in suite["expectations"] if e["meta"]["govdata"]["dimension"] == "consistency"]
    assert check["type"] == "unexpected_rows_expectation" and check["severity"] == "warning"
    assert check["meta"]["govdata"]["key"] == "consistency:xm:101001/000001:xm"
    query = check["kwargs"]["unexpected_rows_query"]
    # the masked conflicts the catalog build kept: no raw table is read again
    assert query.startswith("select s.conflict_id from catalog.source_conflict as s")
    assert "s.copy_resource_code = '103001/000002' and s.copy_column = 'xm'" in query
    assert "s.authoritative_resource_code = '101001/000001' and s.authoritative_column = 'xm'" in query


def test_declared_ranges_and_code_lists_become_validity_checks_with_today_as_a_parameter():
    config = QualityConfig.model_validate(
        {"resources": {"gaj": {"hj_rkxx": {
            "ranges": {"csrq": {"min": "1900-01-01", "max": "today"}, "hs": {"min": 1}},
            "code_lists": {"xb": ["男", "女"]},
        }}}}
    )  # fmt: skip
    people = ResourceState("1/1", "gaj", "hj_rkxx", "raw_gaj", "hj_rkxx", None, (ColumnState("csrq"),))
    checks = {k: (e["type"], e["kwargs"]) for k, e in _by_key(suites.generate_suite(people, config)).items()}
    assert checks == {
        "validity:range:csrq": (
            "expect_column_values_to_be_between",
            {"column": "csrq", "min_value": "1900-01-01", "max_value": {"$PARAMETER": "today"}},
        ),
        "validity:range:hs": (
            "expect_column_values_to_be_between",
            {"column": "hs", "min_value": 1.0, "max_value": None},
        ),
        "validity:codes:xb": ("expect_column_values_to_be_in_set", {"column": "xb", "value_set": ["男", "女"]}),
    }


def test_the_shipped_quality_config_loads_and_a_wrong_severity_names_its_field(tmp_path, monkeypatch):
    import pytest

    from govdata.config import load_quality_config
    from govdata.errors import ConfigError

    shipped = load_quality_config()
    assert shipped.rules("wsjkw", "crbbg").keys == [["bgkbh"]]
    assert shipped.severity.of("expect_column_values_to_be_valid_cn_uscc", "validity") == "critical"
    assert shipped.severity.of("expect_column_values_to_be_valid_cn_mobile", "validity") == "warning"
    (tmp_path / "quality.yaml").write_text("severity:\n  dimensions:\n    completeness: fatal\n", encoding="utf-8")
    monkeypatch.setenv("GOVDATA_CONFIG_DIR", str(tmp_path))
    with pytest.raises(ConfigError, match=r"config/quality.yaml: severity.dimensions.completeness"):
        load_quality_config()
