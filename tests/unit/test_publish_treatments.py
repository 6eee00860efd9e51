"""What a derived open dataset does with each source column, by the column's classification (no database)."""

from __future__ import annotations

import pytest

from govdata import config
from govdata.publish.build import plan_treatments
from govdata.publish.datasets import DatasetSpec, SourceColumn


def _plan(*columns: SourceColumn) -> dict[str, tuple[str, str]]:
    spec = DatasetSpec(
        "t_demo", "derived", "测试", "", "GOVE", [], "每日", "t", [], ("raw_t", "demo"), list(columns), [], []
    )
    policy = config.load_masking_config().policy("publication")
    return {t.column.name: (t.action, t.entity) for t in plan_treatments(spec, policy)}


def _col(name: str, entity: str, grade: str, quasi: str | None = None, pg_type: str = "text") -> SourceColumn:
    return SourceColumn(name, pg_type, entity, grade, quasi, name)


@pytest.mark.parametrize("grade", ["L3", "L4"])
def test_free_text_is_masked_by_span_whatever_its_cells_raised_it_to(grade):
    # an ID number in 2 % of remarks grades the column L4; its words are still published, the ID is not
    assert _plan(_col("bz", "FREE_TEXT_WITH_PII", grade))["bz"] == ("spans", "FREE_TEXT_WITH_PII")


def test_identifiers_become_pseudonyms_or_are_dropped_and_l3_entities_are_masked():
    plan = _plan(
        _col("sfzh", "CN_RESIDENT_ID", "L4"),
        _col("jkzk", "NONE", "L4"),
        _col("sjhm", "CN_MOBILE", "L3"),
        _col("xm", "PERSON", "L3"),
        _col("bl", "NONE", "L3"),
        _col("gddh", "CN_LANDLINE", "L2"),
        _col("csrq", "NONE", "L2", quasi="birth_date", pg_type="date"),
        _col("sxmc", "NONE", "L1"),
    )
    assert plan == {
        "sfzh": ("pseudonym", "CN_RESIDENT_ID"),
        "jkzk": ("drop", "NONE"),
        "sjhm": ("mask", "CN_MOBILE"),
        "xm": ("mask", "PERSON"),
        "bl": ("drop", "NONE"),
        "gddh": ("mask", "CN_LANDLINE"),
        "csrq": ("generalise", "birth_date"),
        "sxmc": ("keep", "NONE"),
    }


def test_a_column_the_classifier_failed_on_is_dropped():
    failed = SourceColumn("x", "text", "NONE", "L1", None, "x", is_error=True)
    assert _plan(failed)["x"] == ("drop", "NONE")
