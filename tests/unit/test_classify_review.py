"""Reviewer overrides and incremental classification without a database: precedence, signatures, YAML, CLI."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from govdata.classify.column import classify_column
from govdata.classify.overrides import (
    FAILED,
    Override,
    OverridesFile,
    apply_override,
    column_signature,
    entry_ref,
    finalize,
    load_overrides_file,
    override_from_entry,
)
from govdata.classify.rules import load_rules
from govdata.classify.run import departments_to_classify, is_fresh, safe_error
from govdata.classify.sampling import ColumnMissing, seed_for, stored_name
from govdata.classify.store import HarvestedField
from govdata.cli import main

AUTO = {
    "entity": "CN_MOBILE",
    "category": "个人通信信息",
    "grade": "L3",
    "gbt43697": "一般",
    "confidence": 0.93,
    "quasi_identifier": "direct",
}
NOW = datetime(2026, 11, 1, tzinfo=UTC)


def decision(**values) -> Override:
    base = {"entity": None, "category": None, "grade": None, "gbt43697": None, "reviewed_signature": "sig-1"}
    return Override(
        decision="override", **{**base, **values}, reason="r", reviewed_by="甲", reviewed_at=NOW, source="review-cli"
    )


def test_signature_follows_name_type_and_comment_only():
    base = column_signature("lxdh", "varchar(20)", "联系电话")
    assert base == column_signature("lxdh", " VARCHAR(20) ", "联系电话 ")
    assert base != column_signature("lxdh", "varchar(40)", "联系电话")
    assert base != column_signature("lxdh", "varchar(20)", "手机号码")
    assert base != column_signature("sjhm", "varchar(20)", "联系电话")
    assert column_signature("bz", "text", None) == column_signature("bz", "text", "")


def test_no_override_keeps_the_automatic_result():
    assert apply_override(AUTO, None, load_rules()) == AUTO


def test_an_override_changes_only_what_it_gives_and_is_certain():
    final = apply_override(AUTO, decision(grade="L4"), load_rules())
    assert final == {**AUTO, "grade": "L4", "confidence": 1.0}


def test_an_entity_alone_takes_that_entitys_category_and_grade_from_the_rules():
    rules = load_rules()
    final = apply_override(AUTO, decision(entity="CN_RESIDENT_ID"), rules)
    rule = rules.entities["CN_RESIDENT_ID"]
    assert (final["entity"], final["category"], final["grade"]) == ("CN_RESIDENT_ID", rule.category, rule.grade)
    assert final["quasi_identifier"] == rule.quasi_identifier
    none = apply_override(AUTO, decision(entity="NONE"), rules)
    assert (none["category"], none["grade"], none["quasi_identifier"]) == (
        rules.default.category, rules.default.grade, None,
    )  # fmt: skip
    free = apply_override(AUTO, decision(entity="FREE_TEXT_WITH_PII"), rules)
    assert free["grade"] == rules.free_text_with_pii.grade


def test_values_the_reviewer_gives_beat_the_ones_derived_from_the_entity():
    final = apply_override(AUTO, decision(entity="CN_RESIDENT_ID", grade="L2", category="自定义"), load_rules())
    assert (final["entity"], final["category"], final["grade"]) == ("CN_RESIDENT_ID", "自定义", "L2")


def test_finalize_flags_a_reviewed_column_whose_signature_changed():
    rules = load_rules()
    same = finalize(AUTO, decision(grade="L4"), "sig-1", False, rules)
    assert same["is_overridden"] and same["is_reviewed"] and not same["needs_review"]
    changed = finalize(AUTO, decision(grade="L4"), "sig-2", False, rules)
    assert changed["needs_review"] and changed["grade"] == "L4", "the override keeps applying while flagged"
    assert finalize(AUTO, None, "sig-2", False, rules)["needs_review"] is False


def test_a_failed_column_needs_review_until_someone_decides():
    rules = load_rules()
    failed = finalize(dict(FAILED), None, "s", True, rules)
    assert failed["grade"] == "L4" and failed["needs_review"]
    decided = finalize(dict(FAILED), decision(grade="L2", reviewed_signature="s"), "s", True, rules)
    assert decided["grade"] == "L2" and not decided["needs_review"]


def field(**changes) -> HarvestedField:
    values = {
        "source_name": "t", "column_name": "c", "ordinal_position": 1, "data_type": "text",
        "column_comment": None, "raw_schema": "raw_x", "raw_table": "t", "row_count": 10,
    }  # fmt: skip
    return HarvestedField(**{**values, **changes})


def stored(fld: HarvestedField, **changes) -> dict:
    row = {"is_error": False, "column_signature": fld.signature, "recognizer_version": "r1", "rules_version": "k1",
           "sample_size": 10}  # fmt: skip
    return {**row, **changes}


def test_a_column_is_fresh_only_when_nothing_it_was_classified_from_changed():
    fld = field()
    assert is_fresh(stored(fld), fld, "r1", "k1")
    assert not is_fresh(None, fld, "r1", "k1")
    assert not is_fresh(stored(fld), fld, "r2", "k1"), "new recognizer version"
    assert not is_fresh(stored(fld), fld, "r1", "k2"), "new rules version"
    assert not is_fresh(stored(fld), field(data_type="varchar(5)"), "r1", "k1"), "type changed"
    assert not is_fresh(stored(fld), field(column_comment="姓名"), "r1", "k1"), "comment changed"
    assert not is_fresh(stored(fld, is_error=True), fld, "r1", "k1"), "failed columns are retried"
    assert not is_fresh(stored(fld, sample_size=0), fld, "r1", "k1"), "decided without values, now has rows"
    assert is_fresh(stored(fld, sample_size=0), field(row_count=0), "r1", "k1")


def test_error_text_keeps_no_sampled_value():
    text = safe_error(ValueError("bad value \"张三\" in '13812345678' near 440305198801011234"))
    assert text.startswith("ValueError:")
    assert "张三" not in text and "13812345678" not in text and "440305198801011234" not in text


def test_sampling_seed_is_fixed_per_column_and_in_range():
    seeds = [seed_for("raw_gaj", "hj_rkxx", c) for c in ("xm", "sfzh", "lxdh", 'a"; drop table x; --')]
    assert seeds == [seed_for("raw_gaj", "hj_rkxx", c) for c in ("xm", "sfzh", "lxdh", 'a"; drop table x; --')]
    assert len(set(seeds)) == len(seeds) and all(-1 <= s < 1 for s in seeds)


def test_long_column_names_are_found_under_postgres_cut_name():
    long = "字段" * 40
    cut = long.encode("utf-8")[:63].decode("utf-8", errors="ignore")
    assert stored_name(long, ["id", cut]) == cut
    assert stored_name("id", ["id"]) == "id"
    with pytest.raises(ColumnMissing):
        stored_name("gone", ["id"])


def test_a_triggered_run_classifies_the_refreshed_departments_a_manual_one_all():
    configured = ["gaj", "scjgj", "wsjkw"]
    assert departments_to_classify(configured, []) == configured
    assert departments_to_classify(configured, ["raw_wsjkw", "raw_gaj", "raw_crawled"]) == ["gaj", "wsjkw"]
    assert departments_to_classify(configured, ["raw_unknown"]) == []


# ------------------------------------------------------------------------------------------------ YAML
def test_the_shipped_overrides_file_is_valid_and_names_configured_departments():
    from govdata.config import load_departments

    entries = load_overrides_file().overrides
    codes = {d.code for d in load_departments().departments}
    assert entries
    for entry in entries:
        assert entry.department in codes
        assert entry.reason and entry.reviewer


def test_overrides_file_rejects_duplicates_empty_decisions_and_unknown_entities():
    entry = {"department": "gaj", "table": "t", "column": "c", "grade": "L3", "reason": "r", "reviewer": "甲"}
    assert len(OverridesFile.model_validate({"overrides": [entry]}).overrides) == 1
    with pytest.raises(ValidationError, match="listed twice"):
        OverridesFile.model_validate({"overrides": [entry, entry]})
    with pytest.raises(ValidationError, match="give entity"):
        OverridesFile.model_validate({"overrides": [{**entry, "grade": None}]})
    with pytest.raises(ValidationError, match="unknown entity"):
        OverridesFile.model_validate({"overrides": [{**entry, "entity": "SSN"}]})
    with pytest.raises(ValidationError):
        OverridesFile.model_validate({"overrides": [{**entry, "grade": "L5"}]})
    with pytest.raises(ValidationError):
        OverridesFile.model_validate({"overrides": [{**entry, "reason": ""}]})


def test_a_yaml_entry_is_reapplied_only_when_staff_change_it(tmp_path):
    raw = {"department": "gaj", "table": "t", "column": "c", "grade": "L3", "reason": "r", "reviewer": "甲"}
    entry = OverridesFile.model_validate({"overrides": [raw]}).overrides[0]
    assert entry_ref(entry) == entry_ref(entry.model_copy())
    assert entry_ref(entry) != entry_ref(entry.model_copy(update={"reason": "another"}))
    stored_override = override_from_entry(entry, "sig", NOW)
    assert (stored_override.source, stored_override.reviewed_signature) == ("yaml", "sig")
    missing = load_overrides_file(tmp_path / "absent.yaml")
    assert missing.overrides == []


# ------------------------------------------------------------------------------------------------ names
def test_relation_and_household_codes_are_not_names():
    rng = random.Random(1)
    relation = rng.choices(["户主", "配偶", "子", "女", "母亲", "父亲"], weights=[46, 36, 31, 29, 3, 2], k=100)
    assert classify_column("yhzgx", relation, comment="与户主关系", data_type="varchar(10)").entity == "NONE"
    household = rng.choices(["家庭户", "集体户"], weights=[45, 2], k=100)
    assert classify_column("hlx", household, comment="户类型").entity == "NONE"
    names = ["张伟", "王芳", "李娜", "刘洋", "陈静", "杨磊", "黄敏", "赵强", "吴军", "周杰"] * 5
    assert classify_column("hzxm", names, comment="户主姓名").entity == "PERSON"


# ------------------------------------------------------------------------------------------------ CLI
def test_review_cli_explains_what_it_needs_before_touching_the_database(capsys):
    assert main(["review"]) == 1
    assert "DEPARTMENT TABLE COLUMN" in capsys.readouterr().err
    assert main(["review", "gaj", "hj_rkxx", "--needs-review"]) == 1
    assert "--list" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["review", "gaj", "hj_rkxx", "xm", "--grade", "L9", "--reason", "x"])


def test_review_list_renders_flags_and_reviewers():
    from govdata.classify.cli import render_review_list

    row = {
        "department_code": "gaj", "source_name": "hj_rkxx", "column_name": "lxdh", "entity": "CN_MOBILE",
        "category": "个人通信信息", "grade": "L4", "auto_entity": "CN_MOBILE", "auto_grade": "L3",
        "needs_review": True, "is_error": False, "is_reviewed": True, "reviewed_by": "甲", "override_source": "yaml",
    }  # fmt: skip
    text = render_review_list([row, {**row, "column_name": "xm", "needs_review": False}])
    assert "needs review" in text and "✓ 甲 (yaml)" in text and "2 field(s), 1 need review" in text
    assert render_review_list([]) == "no classified fields match"


def test_the_plan_syncs_yaml_flags_changed_columns_and_writes_only_changed_rows():
    """plan_department is pure: the YAML sync, re-review flags and rows come from the loaded state alone."""
    from govdata.classify.overrides import OverrideEntry
    from govdata.classify.run import plan_department
    from govdata.classify.store import DepartmentState

    lxdh = HarvestedField("person", "lxdh", 1, "varchar(20)", "手机号码", "raw_x", "person", 10)
    bz = HarvestedField("person", "bz", 2, "text", "备注", "raw_x", "person", 10)
    reviewed = decision(grade="L4", reviewed_signature=column_signature("lxdh", "varchar(20)", "联系电话"))
    state = DepartmentState(
        crawl_run_id=7, harvest=[lxdh, bz], stored={}, overrides={lxdh.key: reviewed}, unreadable={"gone"}
    )
    ghost = OverrideEntry(department="d", table="person", column="sfz2", grade="L4", reason="未来列", reviewer="丁")
    fresh = {"evidence": {}, "sample_size": 10, "is_error": False}
    autos = {lxdh.key: AUTO, bz.key: {**AUTO, "entity": "NONE", "grade": "L1", "quasi_identifier": None}}
    plan, counts = plan_department(
        state, autos, {lxdh.key: fresh, bz.key: fresh}, [ghost], ("rv", "rules", NOW), "d", "classify_fields",
        load_rules(),
    )  # fmt: skip
    assert [a.action for a in plan.audits] == ["yaml_override", "needs_review"]
    assert plan.save_overrides[("person", "sfz2")].reviewed_signature is None
    assert plan.save_overrides[lxdh.key].flagged_signature == lxdh.signature
    assert (counts.yaml_changes, counts.overridden, counts.needs_review) == (1, 1, 1)
    assert len(counts.warnings) == 2
    rows = {r["column_name"]: r for r in plan.rows}
    assert rows["lxdh"]["grade"] == "L4" and rows["lxdh"]["needs_review"] and rows["bz"]["grade"] == "L1"
    assert plan.current == {lxdh.key, bz.key} and plan.keep_sources == {"gone"}
    # stored as planned: the same state planned again writes no row
    stored = {(r["source_name"], r["column_name"]): r for r in plan.rows}
    again, _ = plan_department(
        DepartmentState(7, [lxdh, bz], stored, {**state.overrides, **plan.save_overrides}, set()),
        autos, {}, [ghost], ("rv", "rules", NOW), "d", "classify_fields", load_rules(),
    )  # fmt: skip
    assert again.rows == [] and again.audits == []
