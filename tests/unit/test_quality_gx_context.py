"""Suites stored through GX's File Data Context: hashes survive the round trip, staff edits too; unknown types fail.

No database: only the expectations store is used (the data source and checkpoints need the warehouse).
"""

from __future__ import annotations

import json
import shutil

import pytest

from govdata import config
from govdata.config import QualityConfig
from govdata.quality import gx_context, suites
from govdata.quality.expectations import UnknownExpectationError
from govdata.quality.suites import ColumnState, ResourceState

CONFIG = QualityConfig.model_validate({"resources": {"rsj": {"sb_cbry": {"mandatory": ["sfzh"]}}}})
INSURED = ResourceState(
    resource_code="102003/000001",
    department_code="rsj",
    source_name="sb_cbry",
    raw_schema="raw_rsj",
    raw_table="sb_cbry",
    update_cycle="每日",
    columns=(
        ColumnState("grbh", None, is_primary_key=True, is_nullable=False),
        ColumnState("sfzh", "CN_RESIDENT_ID"),
        ColumnState("lxdh", "CN_MOBILE"),
        ColumnState("dwtyshxydm", "CN_USCC"),
    ),
)


@pytest.fixture
def root(tmp_path):
    folder = tmp_path / "expectations"
    folder.mkdir()
    shutil.copy(config.project_root() / "expectations" / "great_expectations.yml", folder)
    return folder


def test_generated_suites_survive_gx_storage_unchanged(root):
    context = gx_context.open_context(root)
    [written] = gx_context.write_suites(context, root, [INSURED], CONFIG)
    stored = gx_context.read_stored_suite(root, written.name)
    assert gx_context.suite_path(root, "rsj.sb_cbry") == root / "expectations" / "rsj" / "sb_cbry.json"
    assert stored is not None and written.kept == 0
    generated = suites.generate_suite(INSURED, CONFIG)
    assert len(stored["expectations"]) == len(generated["expectations"]) == written.expectations
    # GX added ids (and may reorder keys), but what we hash is unchanged: nothing reads as a staff edit
    assert all(e.get("id") for e in stored["expectations"])
    assert all(suites.is_generated_unchanged(e) for e in stored["expectations"]), stored["expectations"]
    # and GX itself reads back every expectation (none dropped as unknown)
    assert len(context.suites.get(written.name).expectations) == written.expectations


def test_a_staff_edit_in_the_stored_file_is_kept_when_the_catalog_changes(root):
    context = gx_context.open_context(root)
    [written] = gx_context.write_suites(context, root, [INSURED], CONFIG)
    path = gx_context.suite_path(root, written.name)
    stored = json.loads(path.read_text(encoding="utf-8"))
    for e in stored["expectations"]:
        if e["meta"]["govdata"]["key"] == "validity:lxdh":
            e["kwargs"]["mostly"] = 0.9
            edited_id = e["id"]
    stored["expectations"].append(
        {"type": "expect_column_value_lengths_to_equal", "kwargs": {"column": "grbh", "value": 16}, "meta": {}}
    )
    path.write_text(json.dumps(stored, ensure_ascii=False), encoding="utf-8")

    changed = ResourceState(
        **{**INSURED.__dict__, "columns": INSURED.columns + (ColumnState("jhrsfzh", "CN_RESIDENT_ID"),)}
    )
    [again] = gx_context.write_suites(context, root, [changed], CONFIG)
    after = gx_context.read_stored_suite(root, again.name)
    assert after is not None
    by_id = {e["id"]: e for e in after["expectations"]}
    assert by_id[edited_id]["kwargs"]["mostly"] == 0.9
    assert [e["type"] for e in after["expectations"]].count("expect_column_value_lengths_to_equal") == 1
    assert "validity:jhrsfzh" in {e["meta"].get("govdata", {}).get("key") for e in after["expectations"]}
    assert again.kept == 2 and again.expectations == written.expectations + 2


def test_a_suite_naming_an_unregistered_expectation_is_a_hard_error(root):
    context = gx_context.open_context(root)
    [written] = gx_context.write_suites(context, root, [INSURED], CONFIG)
    path = gx_context.suite_path(root, written.name)
    stored = json.loads(path.read_text(encoding="utf-8"))
    stored["expectations"].append({"type": "expect_column_values_to_be_valid_cn_passport", "kwargs": {"column": "x"}})
    path.write_text(json.dumps(stored, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(UnknownExpectationError, match="expect_column_values_to_be_valid_cn_passport"):
        gx_context.write_suites(context, root, [INSURED], CONFIG)
    # what GX alone would do: load the suite and silently leave the expectation out
    import great_expectations as gx

    loaded = gx.ExpectationSuite(**{k: stored[k] for k in ("name", "expectations")})
    assert len(loaded.expectations) == len(stored["expectations"]) - 1


def test_every_identifier_type_the_generator_uses_is_registered():
    from govdata.quality.expectations import require_registered

    require_registered(list(suites.VALIDITY_TYPES.values()) + [suites.NOT_NULL, suites.UNIQUE, suites.COMPOUND_UNIQUE,
                       suites.COLUMN_EXISTS, suites.UNEXPECTED_ROWS], "generator")  # fmt: skip


def test_writers_of_the_context_take_turns(tmp_path):
    import threading
    import time

    order: list[str] = []
    first_inside = threading.Event()

    def first():
        with gx_context.context_lock(tmp_path):
            first_inside.set()
            time.sleep(0.3)
            order.append("first done")

    def second():
        first_inside.wait()
        with gx_context.context_lock(tmp_path):
            order.append("second inside")

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(5)
    assert order == ["first done", "second inside"]
    assert (tmp_path / "uncommitted" / "govdata.lock").exists()  # in uncommitted/: ignored by git


def test_a_suite_holding_an_expectation_gx_cannot_build_is_a_hard_error_not_a_silent_drop(root):
    from govdata.quality.gx_context import InvalidExpectationError

    context = gx_context.open_context(root)
    [written] = gx_context.write_suites(context, root, [INSURED], CONFIG)
    path = gx_context.suite_path(root, written.name)
    stored = json.loads(path.read_text(encoding="utf-8"))
    stored["expectations"].append(
        {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "xm", "mostly": 2}}
    )
    path.write_text(json.dumps(stored, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(InvalidExpectationError, match=r"rsj.sb_cbry: expect_column_values_to_not_be_null .*mostly"):
        gx_context.write_suites(context, root, [INSURED], CONFIG)


def test_a_new_context_folder_starts_from_the_checkout_s_configuration(tmp_path):
    from govdata.quality import gx_context

    folder = tmp_path / "local" / "expectations"
    context = gx_context.open_context(folder)
    template = (gx_context.template_dir() / "great_expectations.yml").read_text(encoding="utf-8")
    assert (folder / "great_expectations.yml").read_text(encoding="utf-8") == template
    assert "masked_validation_results_store" in context.stores
