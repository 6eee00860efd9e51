"""Quality checks on the crawled, classified, catalogued demo: injected defects are found, clean tables pass.

Every department is validated through its GX checkpoint's validation definitions (suites generated into a
temporary copy of expectations/), results read back from governance.quality_result.
"""

from __future__ import annotations

import pytest

from govdata import config
from govdata.quality.run import check_department
from tests.conftest import QUALITY_RUN

pytestmark = pytest.mark.integration

RUN = QUALITY_RUN
#: manifest defect kind → the dimension of the expectation that must find it
KINDS = {
    "invalid_id_checksum": "validity",
    "malformed_phone": "validity",
    "null_mandatory": "completeness",
    "duplicate_key": "uniqueness",
    "stale_table": "timeliness",
}


@pytest.fixture(scope="module")
def checked(quality_checked, warehouse_conn):
    """The demo classified and catalogued, then every department checked once (the session's checks, run RUN)."""
    return quality_checked


def _results(conn, run_id: str = RUN) -> list[dict]:
    cur = conn.execute("select * from governance.quality_result where run_id = %s", (run_id,))
    names = [d.name for d in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur]


def test_every_resource_is_validated_in_sql(checked, warehouse_conn):
    outcomes, seconds, _ = checked
    print(f"\nquality: {sum(o.expectations for o in outcomes.values())} expectations over "
          f"{sum(o.resources for o in outcomes.values())} resources in {seconds:.1f}s")  # fmt: skip
    assert all(not o.errors for o in outcomes.values()), {d: o.errors for d, o in outcomes.items() if o.errors}
    catalogued = warehouse_conn.execute(
        "select count(*) from catalog.resource where status = '有效' and raw_table is not null"
    ).fetchone()[0]
    assert sum(o.resources for o in outcomes.values()) == catalogued
    rows = _results(warehouse_conn)
    assert {r["resource_code"] for r in rows} == {
        c for (c,) in warehouse_conn.execute("select resource_code from catalog.resource where status = '有效'")
    }
    assert not [r for r in rows if r["error"]], [r for r in rows if r["error"]][:3]


def test_the_injected_defects_are_found_with_their_counts(checked, warehouse_conn, demo):
    rows = _results(warehouse_conn)
    defects = [d for d in demo["defects"] if d["kind"] in KINDS]
    assert {d["kind"] for d in defects} == set(KINDS)
    for defect in defects:
        dimension = KINDS[defect["kind"]]
        where = (defect["department"], defect["table"], dimension)
        found = [
            r for r in rows
            if (r["department_code"], r["source_name"], r["dimension"]) == where
            and (dimension == "timeliness" or r["column_name"] == defect["column"])
        ]  # fmt: skip
        assert len(found) == 1, (defect, found)
        [result] = found
        assert result["success"] is False, defect
        expected = {"duplicate_key": 2 * defect["count"], "stale_table": 1}.get(defect["kind"], defect["count"])
        assert result["unexpected_count"] == expected, (defect, result)


def test_clean_tables_and_columns_pass_those_checks(checked, warehouse_conn, demo):
    rows = _results(warehouse_conn)
    injected = {
        (d["department"], d["table"], KINDS[d["kind"]], None if d["kind"] == "stale_table" else d["column"])
        for d in demo["defects"]
        if d["kind"] in KINDS
    }
    injected |= {
        (c["copy"]["department"], c["copy"]["table"], "consistency", c["copy"]["column"]) for c in demo["conflicts"]
    }
    with_update_column = {
        (code, t["name"]) for code, dept in demo["departments"].items() for t in dept["tables"] if t["update_column"]
    }
    failed = []
    for r in rows:
        where = (r["department_code"], r["source_name"])
        column = None if r["dimension"] == "timeliness" else r["column_name"]
        if (*where, r["dimension"], column) in injected:
            continue
        if r["dimension"] == "timeliness" and where not in with_update_column:
            continue  # report files: the catalog dates them by 填报日期, the demo declares no staleness for them
        if not r["success"]:
            failed.append((where, r["expectation_key"], r["unexpected_count"], r["examples"]))
    assert not failed, failed
    dimensions = {r["dimension"] for r in rows if r["success"]}
    assert dimensions == {"completeness", "uniqueness", "validity", "timeliness", "consistency"}


def test_copies_that_disagree_with_their_authoritative_source_are_found(checked, warehouse_conn, demo):
    from collections import Counter

    expected = Counter((c["copy"]["department"], c["copy"]["table"], c["copy"]["column"]) for c in demo["conflicts"])
    assert expected
    found: Counter = Counter()
    for r in _results(warehouse_conn):
        if r["dimension"] == "consistency":
            found[(r["department_code"], r["source_name"], r["column_name"])] += r["unexpected_count"]
    differ = {k: (found[k], expected[k]) for k in set(found) | set(expected) if found[k] != expected[k]}
    assert not differ, differ


def test_examples_are_masked_never_raw(checked, warehouse_conn, demo):
    rows = [r for r in _results(warehouse_conn) if r["examples"]]
    assert rows
    raw = {str(e) for d in demo["defects"] if d["kind"] in KINDS for e in d.get("examples") or []}
    for r in rows:
        assert len(r["examples"]) <= config.load_quality_config().examples
        for example in r["examples"]:
            assert "*" in example and example not in raw, (r["suite_name"], r["expectation_key"])
    # nor does GX keep the failing values on disk (results store in memory, no Data Docs), nor the password
    from urllib.parse import urlsplit

    _, _, root = checked
    password = urlsplit(config.warehouse_url()).password
    assert password
    for path in root.rglob("*"):
        if path.is_file():
            text = path.read_text(encoding="utf-8", errors="replace")
            assert not [e for e in raw if e in text], path
            assert password not in text, path


def test_severity_comes_from_config_and_results_are_kept_per_run(checked, warehouse_conn):
    outcomes, _, root = checked
    rows = _results(warehouse_conn)
    severities = {(r["expectation_type"], r["severity"]) for r in rows}
    assert ("expect_column_values_to_be_valid_cn_resident_id", "critical") in severities
    assert ("expect_column_values_to_be_valid_cn_mobile", "warning") in severities
    assert {s for t, s in severities if t == "expect_column_values_to_not_be_null"} == {"critical"}
    assert all(r["is_generated"] for r in rows)  # nothing edited yet: every check is as the generator wrote it
    # the same run again replaces its rows; another run adds its own
    before = len(rows)
    check_department("gaj", run_id=RUN, root=root)
    assert len(_results(warehouse_conn)) == before
    again = check_department("gaj", run_id="2026-11-03T08:00:00+08:00", root=root)
    assert (
        len(_results(warehouse_conn, "2026-11-03T08:00:00+08:00")) == again.expectations == outcomes["gaj"].expectations
    )


def test_the_dag_checks_every_department_in_a_mapped_task_named_after_it(checked, warehouse_conn, monkeypatch):
    from datetime import datetime

    from airflow.utils.session import create_session

    from govdata.commands.run_dag import run_for_day
    from tests.conftest import load_dag

    _, _, root = checked
    monkeypatch.setenv("GOVDATA_EXPECTATIONS_DIR", str(root))
    run = run_for_day(load_dag("check_quality"), datetime.fromisoformat("2026-11-02T09:00:00+08:00"))
    assert str(run.state) == "success"
    with create_session() as session:
        tis = [ti for ti in run.get_task_instances(session=session) if ti.task_id == "check_department"]
    assert {str(ti.state) for ti in tis} == {"success"}
    departments = config.load_departments().departments
    assert {ti.rendered_map_index for ti in tis} == {d.short_name for d in departments}
    rows = _results(warehouse_conn, run.run_id)
    assert {r["department_code"] for r in rows} == {d.code for d in departments}
    assert len(rows) == len(_results(warehouse_conn))  # the same checks as the direct run


def test_the_cli_checks_a_department_and_prints_its_counts(checked, warehouse_conn, monkeypatch, capsys):
    from govdata.cli import main

    _, _, root = checked
    monkeypatch.setenv("GOVDATA_EXPECTATIONS_DIR", str(root))
    assert main(["quality", "check", "--department", "wsjkw", "--run-id", "cli-run"]) == 0
    out = capsys.readouterr().out
    rows = _results(warehouse_conn, "cli-run")
    failed = {r["severity"] for r in rows if not r["success"]}
    resources = warehouse_conn.execute(
        "select count(*) from catalog.resource where department_code = 'wsjkw' and status = '有效'"
    ).fetchone()[0]
    assert out.startswith(f"wsjkw: {resources} resources, {len(rows)} expectations, ") and "critical" in failed, out


def test_a_staff_edited_check_is_kept_on_regeneration_and_run_in_postgresql(checked, warehouse_conn):
    import json

    from govdata.quality import gx_context

    _, _, root = checked
    path = gx_context.suite_path(root, "wsjkw.jmjkda")
    suite = json.loads(path.read_text(encoding="utf-8"))
    [edited] = [e for e in suite["expectations"] if e["meta"].get("govdata", {}).get("key") == "validity:range:csrq"]
    edited["kwargs"]["min_value"] = "1990-01-01"  # staff: 档案 of people born before 1990 are migrated elsewhere
    path.write_text(json.dumps(suite, ensure_ascii=False, indent=2), encoding="utf-8")

    check_department("wsjkw", run_id="edited", root=root)
    after = json.loads(path.read_text(encoding="utf-8"))
    [kept] = [e for e in after["expectations"] if e["id"] == edited["id"]]
    assert kept["kwargs"]["min_value"] == "1990-01-01" and kept["kwargs"]["max_value"] == {"$PARAMETER": "today"}
    [row] = [r for r in _results(warehouse_conn, "edited")
             if r["source_name"] == "jmjkda" and r["expectation_key"] == "validity:range:csrq"]  # fmt: skip
    older = warehouse_conn.execute("select count(*) from raw_wsjkw.jmjkda where csrq < '1990-01-01'").fetchone()[0]
    assert older > 0 and row["unexpected_count"] == older and row["success"] is False
    assert row["is_generated"] is False
    assert all("*" in e for e in row["examples"])  # dates are not personal here, but the evidence policy hides all
