"""Validation results as governance.quality_result rows: masked examples, counts, keys unique within a suite."""

from __future__ import annotations

from govdata import config
from govdata.quality import results
from govdata.quality.results import ExpectationOutcome
from govdata.quality.suites import ColumnState, ResourceState

POLICY = config.load_masking_config().policy(config.EVIDENCE_POLICY)
RESOURCE = ResourceState(
    "101001/000004", "gaj", "ldrk_jzdj", "raw_gaj", "ldrk_jzdj", "每日",
    (ColumnState("sfzh", "CN_RESIDENT_ID"), ColumnState("lxdh", "CN_MOBILE"), ColumnState("bz", None)),
)  # fmt: skip


def _outcome(type_: str, column: str, key: str | None, failing: list, gx_id: str, **result) -> ExpectationOutcome:
    meta = {"govdata": {"generated": True, "key": key, "dimension": "validity"}} if key else {}
    return ExpectationOutcome(
        type=type_, kwargs={"column": column, "batch_id": "warehouse-gaj.ldrk_jzdj"}, meta=meta, severity="critical",
        gx_id=gx_id, success=not failing,
        result={"element_count": 8000, "unexpected_count": len(failing), "partial_unexpected_list": failing, **result},
        error=None,
    )  # fmt: skip


def _row(row: tuple) -> dict:
    return dict(zip(results.COLUMNS, row, strict=True))


def test_failing_values_are_masked_by_their_column_entity_and_never_kept_raw():
    ids = ["452101197306221474", "445202200107166270", "452101197306221474"]
    outcome = _outcome("expect_column_values_to_be_valid_cn_resident_id", "sfzh", "validity:sfzh", ids, "a")
    [row] = map(_row, results.suite_rows("r1", "gaj.ldrk_jzdj", RESOURCE, [outcome], 5, POLICY, {"expectations": []}))
    assert row["examples"] == ["452101********1474", "445202********6270"]  # distinct, masked (evidence policy)
    assert row["unexpected_count"] == 3 and row["success"] is False and row["column_name"] == "sfzh"
    assert row["is_generated"] is False  # not found in the stored suite: judged not generated
    other = _outcome("expect_column_values_to_match_regex", "bz", None, ["张三 13812345678 住福田区"], "b")
    [row] = map(_row, results.suite_rows("r1", "gaj.ldrk_jzdj", RESOURCE, [other], 5, POLICY, {"expectations": []}))
    assert row["examples"] and set(row["examples"][0]) <= {"*"}  # no entity: the policy's fallback stars it whole


def test_keys_stay_unique_within_a_suite_when_staff_copied_a_generated_check():
    first = _outcome("expect_column_values_to_be_valid_cn_mobile", "lxdh", "validity:lxdh", [], "id-1")
    copy = _outcome("expect_column_values_to_be_valid_cn_mobile", "lxdh", "validity:lxdh", [], "id-2")
    staff = _outcome("expect_column_values_to_not_be_null", "bz", None, [], "id-3")
    rows = [_row(r) for r in results.suite_rows("r1", "s", RESOURCE, [first, copy, staff], 5, POLICY, {})]
    assert [r["expectation_key"] for r in rows] == ["validity:lxdh", "validity:lxdh#id-2", "id-3"]


def test_an_expectation_that_could_not_run_is_a_failure_with_its_error():
    outcome = ExpectationOutcome(
        "expect_column_values_to_not_be_null", {"column": "gone"}, {}, "warning", "x", False, {},
        results._error_message({"m1": {"raised_exception": True, "exception_message": 'column "gone" does not exist'}}),
    )  # fmt: skip
    [row] = map(_row, results.suite_rows("r1", "s", RESOURCE, [outcome], 5, POLICY, {}))
    assert row["success"] is False and row["error"] == 'column "gone" does not exist' and row["examples"] == []


def test_data_docs_keep_counts_and_masked_values_only():
    from govdata import config
    from govdata.quality.docs import masked_result

    policy = config.load_masking_config().policy(config.EVIDENCE_POLICY)
    raw_id = "110101199003074514"
    result = {
        "element_count": 10, "unexpected_count": 2, "unexpected_percent": 20.0, "observed_value": "2026-01-01",
        "partial_unexpected_list": [raw_id, None], "partial_unexpected_counts": [{"value": raw_id, "count": 1}],
        "partial_unexpected_index_list": [{"dah": "A1", "sfzh": raw_id}], "unexpected_index_query": "select …",
        "unexpected_rows": [{"sfzh": raw_id}], "details": {"x": raw_id}, "some_future_key": raw_id,
    }  # fmt: skip
    shown = masked_result(result, "CN_RESIDENT_ID", policy)
    assert set(shown) == {
        "element_count", "unexpected_count", "unexpected_percent", "partial_unexpected_list",
        "partial_unexpected_counts",
    }  # fmt: skip
    assert raw_id not in repr(shown) and shown["partial_unexpected_list"][1] is None
    assert "*" in shown["partial_unexpected_list"][0] and shown["partial_unexpected_counts"][0]["count"] == 1
    assert masked_result({"observed_value": 3}, None, policy) == {"observed_value": 3}
