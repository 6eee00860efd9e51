"""Quality checks on the crawled, classified, catalogued demo: injected defects are found, clean tables pass.

Every department is validated through its GX checkpoint's validation definitions (suites generated into a
temporary copy of expectations/), results read back from governance.quality_result.
"""

from __future__ import annotations

import pytest
from psycopg import sql

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
    # nor does GX keep the failing values on disk (results store in memory, Data Docs built from masked copies),
    # nor the password
    from urllib.parse import urlsplit

    from govdata.quality.docs import site_dir

    outcomes, _, root = checked
    password = urlsplit(config.warehouse_url()).password
    assert password
    for path in root.rglob("*"):
        if path.is_file():
            text = path.read_text(encoding="utf-8", errors="replace")
            assert not [e for e in raw if e in text], path
            assert password not in text, path
    # the Data Docs: a page per validated resource, showing the masked examples
    site = site_dir(root)
    assert all(o.data_docs == site / "index.html" for o in outcomes.values()) and (site / "index.html").exists()
    pages = "".join(p.read_text(encoding="utf-8") for p in (site / "validations").rglob("*.html"))
    # one page per validated resource at least (other modules' checks of the session add theirs)
    assert len(list((site / "validations").rglob("*.html"))) >= sum(o.resources for o in outcomes.values())
    shown = [e for r in rows for e in r["examples"] if e in pages]
    assert shown, "the Data Docs show no masked example"


def _sheet_rows(sheet) -> tuple[list[str], list[list]]:
    """A detail sheet's header (the first styled row) and the rows under it."""
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    start = next(i for i, r in enumerate(rows) if r and sheet.cell(row=i + 1, column=1).font.bold)
    return rows[start], [r for r in rows[start + 1 :] if any(v is not None for v in r)]


@pytest.fixture(scope="module")
def rechecked(checked, demo):
    """The department of an injected invalid 身份证号, checked again now.

    Its latest check then holds the defect whatever other modules checked since (the maturity test fixes a
    defect, re-checks, then restores the source).
    """
    _, _, root = checked
    defect = next(d for d in demo["defects"] if d["kind"] == "invalid_id_checksum")
    return defect, check_department(defect["department"], run_id="feedback-run", root=root)


def test_each_department_gets_a_feedback_workbook_listing_the_rows_to_fix(rechecked, warehouse_conn, demo):
    from openpyxl import load_workbook

    defect, outcome = rechecked
    workbook = load_workbook(outcome.workbook)
    assert workbook.sheetnames[:2] == ["说明", "汇总"]
    summary = [r for r in workbook["汇总"].iter_rows(min_row=2, values_only=True) if r[0]]
    failed = [r for r in _results(warehouse_conn, "feedback-run") if not r["success"]]
    assert len(summary) == len(failed) == len(workbook.sheetnames) - 2
    [line] = [r for r in summary if r[0] == defect["table"] and r[2] == defect["column"] and r[4] == "有效性"]
    assert line[5] == "严重" and line[6] == defect["count"]
    header, rows = _sheet_rows(workbook[line[8]])
    schema, table, pk = warehouse_conn.execute(
        "select r.raw_schema, r.raw_table, array_agg(i.column_name order by i.ordinal_position)"
        " from catalog.resource r join catalog.item i using (resource_code)"
        " where r.department_code = %s and r.source_name = %s and r.status = '有效' and i.is_primary_key"
        " group by 1, 2",
        (defect["department"], defect["table"]),
    ).fetchone()
    assert header == [*pk, defect["column"]] and len(rows) == defect["count"]
    # each listed key is a row whose identifier fails the rule, and the identifier itself is masked
    for row in rows:
        where = sql.SQL(" and ").join(sql.SQL("{}::text = %s").format(sql.Identifier(c)) for c in pk)
        value = warehouse_conn.execute(
            sql.SQL("select {}::text from {}.{} where {}").format(
                sql.Identifier(defect["column"]), sql.Identifier(schema), sql.Identifier(table), where
            ),
            [str(v) for v in row[: len(pk)]],
        ).fetchone()[0]
        assert warehouse_conn.execute("select quality.is_cn_resident_id(%s)", (value,)).fetchone()[0] is False
        assert "*" in row[-1] and row[-1] != value
    # no failing personal value travels unmasked (key values, e.g. a duplicated 档案号, are shown on purpose)
    personal = {"invalid_id_checksum", "malformed_phone"}
    raw = {str(e) for d in demo["defects"] if d["kind"] in personal for e in d.get("examples") or []}
    cells = {str(v) for sheet in workbook for r in sheet.iter_rows(values_only=True) for v in r if v is not None}
    assert raw and not raw & cells, raw & cells


def _alert_mails(mail_server) -> list[str]:
    import mailbox
    from email.header import decode_header, make_header

    box = mailbox.Maildir(mail_server.maildir, create=False)
    subjects = [str(make_header(decode_header(m["Subject"] or ""))) for m in box]
    return [s for s in subjects if "not published" in s]


def test_a_critical_failure_holds_that_resource_back_from_publication_and_only_it(
    rechecked, warehouse_conn, caplog, mail_server
):
    from govdata.publish.datasets import derived_dataset_id
    from govdata.publish.run import prepare, publish_one
    from govdata.quality.gate import critical_failures

    prepare()
    defect, _ = rechecked
    department = defect["department"]
    resources = warehouse_conn.execute(
        "select resource_code, source_name, raw_table from catalog.resource"
        " where department_code = %s and status = '有效' and raw_table is not null order by source_name",
        (department,),
    ).fetchall()
    failing = {code for code, _, _ in resources if critical_failures(warehouse_conn, [code])}
    assert failing and failing != {code for code, _, _ in resources}  # some resources fail, others do not
    before = dict(warehouse_conn.execute("select dataset_id, current_version from publish.dataset").fetchall())
    mailed = len(_alert_mails(mail_server))
    caplog.set_level("ERROR", logger="govdata.alerts")
    outcomes = {}
    for code, source_name, raw_table in resources:
        dataset = derived_dataset_id(department, raw_table, code)
        outcomes[code] = (dataset, source_name, publish_one(dataset, run_id="quality-gate"))
    held = {code for code, (_, _, o) in outcomes.items() if o["outcome"] == "held"}
    assert held == failing
    dataset, _, outcome = next(v for v in outcomes.values() if v[1] == defect["table"])
    # the message names department, table, column and check; the previous version (if any) stays served
    assert f"{department}/{defect['table']}.{defect['column']}" in outcome["message"]
    assert "expect_column_values_to_be_valid_cn_resident_id" in outcome["message"]
    status, reason, version = warehouse_conn.execute(
        "select status, status_reason, current_version from publish.dataset where dataset_id = %s", (dataset,)
    ).fetchone()
    assert status == "已阻止" and reason == outcome["message"] and version == before.get(dataset)
    alerts = [r.getMessage() for r in caplog.records if "[govdata alert]" in r.getMessage()]
    assert len(alerts) == len(held) and any(defect["table"] in a for a in alerts)
    mails = _alert_mails(mail_server)  # the operators got one mail per hold
    assert len(mails) == mailed + len(held) and any(dataset in m for m in mails)
    # the hold is alerted once, not on every run while it lasts
    caplog.clear()
    assert publish_one(dataset, run_id="quality-gate-2")["outcome"] == "held"
    assert not [r for r in caplog.records if "[govdata alert]" in r.getMessage()]
    assert len(_alert_mails(mail_server)) == mailed + len(held)


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
    with create_session() as session:
        [summary] = [ti for ti in run.get_task_instances(session=session) if ti.task_id == "summarise_quality"]
        counts = summary.xcom_pull(task_ids="summarise_quality", session=session)
    assert str(summary.state) == "success"
    departments = config.load_departments().departments
    assert set(counts) == {d.code for d in departments}
    assert all(bool(c["blocked"]) == (c["failed_critical"] >= len(c["blocked"]) > 0) for c in counts.values())
    assert any(c["blocked"] for c in counts.values())
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
