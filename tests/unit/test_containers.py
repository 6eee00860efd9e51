"""Containers never hide personal data: the same values grade the same as text, in an array or in JSON."""

from __future__ import annotations

import json

import pytest

from govdata.classify.column import classify_column
from govdata.classify.containers import array_elements, container_kind, json_leaves
from tests.unit.test_column_classifier import NAMES, ids

MOBILES = [f"13{i % 10}{i:08d}" for i in range(60)]
RESIDENT_IDS = ids(60)


def _people() -> list[str]:
    return [
        json.dumps({"姓名": name, "手机": mobile, "身份证号": sfzh, "备注": "已核实"}, ensure_ascii=False)
        for name, mobile, sfzh in zip(NAMES * 4, MOBILES, RESIDENT_IDS, strict=False)
    ]


def _grade(name: str, values: list[str], data_type: str | None) -> tuple[str, str]:
    result = classify_column(name, values, data_type=data_type)
    return result.entity, result.grade


@pytest.mark.parametrize(
    ("data_type", "wrap"),
    [
        ("text", lambda vs: vs),
        ("text[]", lambda vs: ["{" + ",".join(vs[i : i + 3]) + "}" for i in range(0, len(vs), 3)]),
        (
            "character varying(20)[]",
            lambda vs: ["{" + ",".join(f'"{v}"' for v in vs[i : i + 2]) + "}" for i in range(0, len(vs), 2)],
        ),
        ("jsonb", lambda vs: [json.dumps(vs[i : i + 3]) for i in range(0, len(vs), 3)]),
        ("jsonb", lambda vs: [json.dumps({"items": [{"value": v}]}) for v in vs]),
        ("json", lambda vs: [json.dumps(v) for v in vs]),
    ],
)
@pytest.mark.parametrize("values", [MOBILES, RESIDENT_IDS], ids=["mobile", "resident_id"])
def test_same_values_grade_the_same_in_any_container(values, data_type, wrap):
    assert _grade("sjhm_list", wrap(values), data_type) == _grade("sjhm_list", values, "text")


def test_json_people_grade_by_their_most_sensitive_key():
    result = classify_column("ext_info", _people(), data_type="jsonb")
    assert (result.entity, result.grade) == ("CN_RESIDENT_ID", "L4")
    assert result.evidence["decided_by_key"] == "身份证号"
    assert {"手机", "身份证号"} <= set(result.evidence["json_keys"])
    evidence = json.dumps(result.evidence, ensure_ascii=False)
    assert not any(value in evidence for value in RESIDENT_IDS + MOBILES), "evidence is masked"


def test_json_cut_short_by_the_sampler_still_reads_its_complete_pairs():
    cut = [doc[: len(doc) // 2 + 10] for doc in _people()]
    assert classify_column("ext_info", cut, data_type="jsonb").grade in ("L3", "L4")


def test_a_json_column_of_codes_stays_low():
    docs = [json.dumps({"code": f"A{i:03d}", "flag": True, "n": i}) for i in range(60)]
    assert classify_column("ext", docs, data_type="jsonb").entity == "NONE"


@pytest.mark.parametrize(
    ("data_type", "kind"),
    [("jsonb", "json"), ("json", "json"), ("text[]", "array"), ("_varchar", "array"), ("integer", None), (None, None)],
)
def test_container_kind(data_type, kind):
    assert container_kind(data_type) == kind


def test_array_literals_and_json_leaves():
    assert array_elements('{a,"b c",NULL,"NULL","x\\"y",{1,2}}') == ["a", "b c", "NULL", 'x"y', "1", "2"]
    assert json_leaves('{"a": {"b": [1, {"c": "x"}]}, "d": null, "e": true}') == [("a.b", "1"), ("a.b.c", "x")]
