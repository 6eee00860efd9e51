"""Field classification against the real PostgreSQL: the DAG on the demo, checked against the manifest.

Incremental re-runs, reviewer overrides, re-review after a column change and fail-closed errors are tested on a
scratch department the tests change at will.
"""

from __future__ import annotations

import json
import time
from datetime import datetime

import pytest
from psycopg import sql

from govdata import config, warehouse
from govdata.cli import main
from govdata.commands.run_dag import real_run_start
from govdata.config import Department
from tests.conftest import load_dag
from tests.unit.test_recognizers import make_id

pytestmark = pytest.mark.integration

FIRST_RUN = "2026-11-01T06:00:00+08:00"
SECOND_RUN = "2026-11-01T07:00:00+08:00"

#: Entities that identify a person or an account directly: a non-PII column must never get one.
IDENTIFIERS = {
    "CN_RESIDENT_ID", "CN_MOBILE", "CN_LANDLINE", "CN_BANK_CARD", "CN_PASSPORT", "CN_HK_MACAO_PERMIT",
    "CN_LICENSE_PLATE", "EMAIL_ADDRESS", "IP_ADDRESS", "PERSON", "ADDRESS", "FREE_TEXT_WITH_PII",
}  # fmt: skip


def _fields(conn, departments) -> dict[tuple[str, str, str], dict]:
    from psycopg.rows import dict_row

    with conn.cursor(row_factory=dict_row) as cur:
        rows = cur.execute(
            "select * from governance.field_classification where department_code = any(%s)", (list(departments),)
        ).fetchall()
    return {(r["department_code"], r["source_name"], r["column_name"]): r for r in rows}


def _manifest_columns(demo):
    for code, dept in demo["departments"].items():
        for table in dept["tables"]:
            for col in table["columns"]:
                yield (code, table["name"], col["name"]), col


def _task_summaries(dag_run) -> dict[str, dict]:
    """The classify_department return values (XCom) by department code."""
    from airflow.models.xcom import XComModel
    from airflow.utils.session import create_session

    with create_session() as session:
        rows = session.scalars(
            XComModel.get_many(
                run_id=dag_run.run_id, key="return_value", dag_ids=dag_run.dag_id, task_ids="classify_department"
            ).with_only_columns(XComModel.value)
        ).all()
    out = {}
    for value in rows:
        summary = json.loads(value) if isinstance(value, str) else value
        out[summary["department_code"]] = summary
    return out


@pytest.fixture(scope="module")
def classified(crawled, warehouse_conn):
    """The demo classified once through the DAG (full refresh, so earlier runs do not matter), timed."""
    started = time.perf_counter()
    with real_run_start():
        run = load_dag("classify_fields").test(
            logical_date=datetime.fromisoformat(FIRST_RUN), run_conf={"full_refresh": True}
        )
    return run, time.perf_counter() - started


def test_dag_succeeds_with_one_named_task_per_department(classified, demo):
    from airflow.utils.session import create_session

    from govdata.config import load_departments

    run, seconds = classified
    assert str(run.state) == "success"
    with create_session() as session:
        tis = [ti for ti in run.get_task_instances(session=session) if ti.task_id == "classify_department"]
    assert {str(ti.state) for ti in tis} == {"success"}
    assert {ti.rendered_map_index for ti in tis} == {d.short_name for d in load_departments().departments}
    summaries = _task_summaries(run)
    columns = sum(len(t["columns"]) for d in demo["departments"].values() for t in d["tables"])
    assert sum(s["classified"] for s in summaries.values()) == columns
    assert sum(s["failed"] for s in summaries.values()) == 0
    work = sum(s["seconds"] for s in summaries.values())
    print(f"\nclassified {columns} demo columns: DAG run {seconds:.1f}s, classification tasks {work:.1f}s")


def test_every_personal_data_column_is_found(classified, demo, warehouse_conn):
    fields = _fields(warehouse_conn, demo["departments"])
    expected = {key: col["pii"] for key, col in _manifest_columns(demo) if col["pii"]}
    missed = {
        ".".join(key): (pii, fields[key]["entity"] if key in fields else "not classified")
        for key, pii in expected.items()
        if key not in fields or fields[key]["entity"] != pii
    }
    recall = 1 - len(missed) / len(expected)
    print(f"\npersonal-data columns: {len(expected)}, recall {recall:.3f}")
    assert not missed, f"manifest personal-data columns classified otherwise (expected, got): {missed}"


def test_no_plain_column_is_marked_as_an_identifier(classified, demo, warehouse_conn):
    fields = _fields(warehouse_conn, demo["departments"])
    plain = [key for key, col in _manifest_columns(demo) if not col["pii"]]
    false_positive = {".".join(k): fields[k]["entity"] for k in plain if fields[k]["entity"] in IDENTIFIERS}
    positives = [k for k in fields if fields[k]["entity"] in IDENTIFIERS]
    precision = 1 - len(false_positive) / max(len(positives), 1)
    print(f"\nidentifier entities assigned: {len(positives)}, precision {precision:.3f}")
    assert not false_positive, f"plain columns marked as personal data: {false_positive}"


def _health(demo, conn):
    """(manifest health columns, their rows, the columns no configured header rule names)."""
    from govdata.classify.column import get_classifier

    classifier = get_classifier()
    health = [(key, col) for key, col in _manifest_columns(demo) if col["category"]]
    fields = _fields(conn, demo["departments"])
    unnamed = [key for key, col in health if classifier.header_rule(key[2], col["comment"]) is None]
    return health, fields, unnamed


def test_health_columns_get_the_configured_category_and_grade(classified, demo, warehouse_conn):
    from govdata.classify.rules import load_rules

    health, fields, unnamed = _health(demo, warehouse_conn)
    assert health, "the demo must contain health records"
    rules = load_rules()
    wrong = {}
    for key, col in health:
        if key in unnamed:
            continue
        expected = (col["category"], max(r.grade for r in rules.header_rules if r.category == col["category"]))
        row = fields[key]
        if (row["category"], row["grade"]) != expected:
            wrong[".".join(key)] = ((row["category"], row["grade"]), expected)
    print(f"\nhealth columns: {len(health)}, graded as health: {len(health) - len(unnamed) - len(wrong)}")
    assert not wrong, f"health columns not graded as config/classification.yaml says (got, expected): {wrong}"


def test_every_health_column_of_the_manifest_is_named_by_a_health_rule(classified, demo, warehouse_conn):
    _, _, unnamed = _health(demo, warehouse_conn)
    assert not unnamed, f"health columns no header rule names: {['.'.join(k) for k in unnamed]}"


def test_evidence_is_masked_and_versions_are_recorded(classified, demo, warehouse_conn):
    from govdata.classify.rules import recognizer_version, rules_version

    fields = _fields(warehouse_conn, demo["departments"])
    ids = [r for r in fields.values() if r["entity"] == "CN_RESIDENT_ID"]
    assert ids
    for row in ids:
        ev = row["evidence"]
        assert ev["recognizer"] and 0 < ev["share"] <= 1 and ev["examples"]
        assert all("*" in example for example in ev["examples"]), ev["examples"]
        assert 0 <= float(row["confidence"]) <= 1
    # no sampled value appears verbatim anywhere in the stored evidence
    code, table, column = next(k for k, r in fields.items() if r["entity"] == "CN_RESIDENT_ID")
    raw = fields[(code, table, column)]
    values = [
        v
        for (v,) in warehouse_conn.execute(
            sql.SQL("select {}::text from {}.{} limit 200").format(
                sql.Identifier(column), sql.Identifier(raw["raw_schema"]), sql.Identifier(raw["raw_table"])
            )
        )
        if v
    ]
    evidence_text = json.dumps([r["evidence"] for r in fields.values()], ensure_ascii=False)
    assert not [v for v in values if v in evidence_text]
    assert {r["recognizer_version"] for r in fields.values()} == {recognizer_version()}
    assert {r["rules_version"] for r in fields.values()} == {rules_version()}


def test_evidence_holds_no_raw_value_of_any_personal_column(classified, demo, warehouse_conn):
    """Every manifest personal-data column: none of its values appears verbatim in any stored evidence."""
    fields = _fields(warehouse_conn, demo["departments"])
    evidence = {".".join(k): json.dumps(r["evidence"], ensure_ascii=False) for k, r in fields.items()}
    evidence_text = "\n".join(evidence.values())
    leaked: dict[str, list] = {}
    checked = 0
    for key, col in _manifest_columns(demo):
        if not col["pii"] or key not in fields:
            continue
        row = fields[key]
        values = warehouse_conn.execute(
            sql.SQL("select distinct btrim({}::text) from {}.{} where {} is not null limit 300").format(
                sql.Identifier(key[2]), sql.Identifier(row["raw_schema"]), sql.Identifier(row["raw_table"]),
                sql.Identifier(key[2]),
            )
        ).fetchall()  # fmt: skip
        values = [v for (v,) in values if v and len(v) >= 2]
        checked += len(values)
        found = [v for v in values if v in evidence_text]
        if found:
            # where it leaked: the value and the evidence holding it
            leaked[".".join(key)] = [(v, [f for f, text in evidence.items() if v in text][:2]) for v in found[:3]]
    assert checked > 1000, checked
    assert not leaked, f"raw personal values in governance evidence: {leaked}"


def test_table_grade_is_the_highest_field_grade_raised_by_quasi_identifiers(classified, demo, warehouse_conn):
    from psycopg.rows import dict_row

    with warehouse_conn.cursor(row_factory=dict_row) as cur:
        tables = cur.execute("select * from governance.table_classification where department_code = any(%s)",
                             (list(demo["departments"]),)).fetchall()  # fmt: skip
        fields = cur.execute(
            "select department_code, source_name, max(grade) as top from governance.field_classification group by 1, 2"
        ).fetchall()
    top = {(r["department_code"], r["source_name"]): r["top"] for r in fields}
    assert len(tables) == sum(len(d["tables"]) for d in demo["departments"].values())
    for t in tables:
        field_top = top[(t["department_code"], t["source_name"])]
        if t["raised_by"] and field_top < "L4":
            assert int(t["grade"][1]) == int(field_top[1]) + 1, t
        else:
            assert t["grade"] == field_top, t
    raised = [t for t in tables if t["raised_by"] and t["grade"] != top[(t["department_code"], t["source_name"])]]
    # 户信息 holds 户主姓名 + 户籍地址 (name + address) and nothing above L3: raised to L4
    hxx = next(t for t in tables if (t["department_code"], t["source_name"]) == ("gaj", "hj_hxx"))
    assert hxx["raised_by"] and hxx["grade"] == "L4", hxx
    assert raised


def test_hostile_identifiers_are_classified(classified, demo, warehouse_conn):
    hostile = [d for d in demo["defects"] if d["kind"] == "hostile_identifier"]
    fields = _fields(warehouse_conn, demo["departments"])
    for defect in hostile:
        rows = [r for k, r in fields.items() if k[:2] == (defect["department"], defect["table"])]
        assert rows and not any(r["is_error"] for r in rows), rows


def test_yaml_override_is_applied_audited_and_not_changeable_from_the_cli(classified, warehouse_conn, capsys):
    from govdata.classify.overrides import load_overrides_file

    entries = load_overrides_file().overrides
    assert entries, "config/classification_overrides.yaml ships an example decision"
    entry = entries[0]
    fields = _fields(warehouse_conn, [entry.department])
    row = fields[(entry.department, entry.table, entry.column)]
    assert row["is_overridden"] and row["override_source"] == "yaml" and row["is_reviewed"]
    assert row["grade"] == entry.grade and row["category"] == entry.category
    assert row["reviewed_by"] == entry.reviewer
    audits = warehouse_conn.execute(
        "select changed_by, reason, after ->> 'grade' from governance.classification_audit"
        " where source = 'yaml' and department_code = %s and source_name = %s and column_name = %s",
        (entry.department, entry.table, entry.column),
    ).fetchall()
    assert (entry.reviewer, entry.reason, entry.grade) in audits
    code = main(["review", entry.department, entry.table, entry.column, "--grade", "L1", "--reason", "x",
                 "--reviewer", "someone"])  # fmt: skip
    assert code == 1
    assert "classification_overrides.yaml" in capsys.readouterr().err


def test_second_run_reclassifies_nothing(classified, demo, warehouse_conn):
    def state():
        return warehouse_conn.execute(
            "select department_code, source_name, column_name, classified_at, updated_at, grade"
            " from governance.field_classification where department_code = any(%s) order by 1, 2, 3",
            (list(demo["departments"]),),
        ).fetchall()

    audits = warehouse_conn.execute("select count(*) from governance.classification_audit").fetchone()[0]
    before = state()
    with real_run_start():
        rerun = load_dag("classify_fields").test(logical_date=datetime.fromisoformat(SECOND_RUN))
    assert str(rerun.state) == "success"
    summaries = _task_summaries(rerun)
    assert {s["classified"] for s in summaries.values()} == {0}
    assert sum(s["skipped"] for s in summaries.values()) == len(before)
    assert state() == before, "a re-run over the same harvest must write nothing"
    assert warehouse_conn.execute("select count(*) from governance.classification_audit").fetchone()[0] == audits


# ------------------------------------------------------------------------------------------ scratch department
SCRATCH = "clsscratch"
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
GIVEN = ["伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀英"]


@pytest.fixture
def scratch(pg, warehouse_conn):
    """A department of one people table in its own database; everything it leaves is removed afterwards."""
    database = f"govdata_dept_{SCRATCH}"
    pg.ensure_database(database)
    src = warehouse.connect(config.database_url(database), autocommit=True)
    src.execute("drop schema public cascade; create schema public")
    src.execute(
        """
        create table person (id integer primary key, xm varchar(20), sfzh varchar(18), lxdh varchar(20), bz text,
                             bh varchar(20));
        comment on column person.xm is '姓名';
        comment on column person.sfzh is '公民身份号码';
        comment on column person.lxdh is '联系电话';
        comment on column person.bz is '备注';
        comment on column person.bh is '编号';
        """
    )
    rows = [
        (
            i,
            SURNAMES[i % len(SURNAMES)] + GIVEN[i % len(GIVEN)],
            make_id("440305", f"19{60 + i % 30}0{1 + i % 9}1{i % 9}", f"{i:03d}"),
            f"139{i:08d}",
            "已核实" if i % 7 else f"本人{SURNAMES[i % 5]}先生来电 13800138{i:03d}",  # a phone in a remark
            f"BH{i:06d}",
        )
        for i in range(300)
    ]
    with src.cursor() as cur:
        cur.executemany("insert into person values (%s, %s, %s, %s, %s, %s)", rows)
    dept = Department.model_validate(
        {
            "code": SCRATCH,
            "name": "分级测试局",
            "short_name": "分级测试",
            "org_code": "11440300MB2C00002X",
            "contact": {"name": "测试员", "email": "t@example.gov.cn"},
            "database": {"url": config.database_url(database)},
        }
    )
    yield dept, src
    src.close()
    for table in ("field_classification", "table_classification", "classification_override"):
        warehouse_conn.execute(
            sql.SQL("delete from governance.{} where department_code = %s").format(sql.Identifier(table)), (SCRATCH,)
        )
    warehouse_conn.execute("delete from meta.crawl_run where department_code = %s", (SCRATCH,))
    warehouse_conn.execute("delete from meta.snapshot_state where department_code = %s", (SCRATCH,))
    warehouse_conn.execute(sql.SQL("drop schema if exists {} cascade").format(sql.Identifier(f"raw_{SCRATCH}")))


def _row(conn, column):
    from psycopg.rows import dict_row

    with conn.cursor(row_factory=dict_row) as cur:
        return cur.execute(
            "select * from governance.field_classification where department_code = %s and column_name = %s",
            (SCRATCH, column),
        ).fetchone()


def _audit(conn, column):
    return conn.execute(
        "select action, changed_by, before, after, reason, source from governance.classification_audit"
        " where department_code = %s and column_name = %s order by audit_id",
        (SCRATCH, column),
    ).fetchall()


def test_review_override_wins_persists_and_is_flagged_when_the_column_changes(scratch, warehouse_conn, capsys):
    from govdata.classify.run import classify_department
    from govdata.crawl.run import crawl_department

    dept, src = scratch
    crawl_department(dept, run_id="cls-1")
    first = classify_department(dept)
    assert (first.classified, first.skipped, first.failed) == (6, 0, 0)
    auto = _row(warehouse_conn, "lxdh")
    assert auto["entity"] == "CN_MOBILE" and not auto["is_reviewed"]

    # a reviewer raises the phone column to L4; the decision wins at once and is audited
    assert main(["review", SCRATCH, "person", "lxdh", "--grade", "L4", "--reason", "与患者信息关联",
                 "--reviewer", "复核员甲"]) == 0  # fmt: skip
    row = _row(warehouse_conn, "lxdh")
    assert (row["grade"], row["auto_grade"], row["entity"]) == ("L4", auto["grade"], "CN_MOBILE")
    assert row["is_reviewed"] and row["reviewed_by"] == "复核员甲" and not row["needs_review"]
    action, who, before, after, reason, source = _audit(warehouse_conn, "lxdh")[-1]
    assert (action, who, reason, source) == ("override", "复核员甲", "与患者信息关联", "review-cli")
    assert before["grade"] == auto["grade"] and after["grade"] == "L4"

    # a re-crawl and re-run: nothing re-classified, the override still applies
    crawl_department(dept, run_id="cls-2")
    again = classify_department(dept)
    assert (again.classified, again.skipped, again.overridden) == (0, 6, 1)
    assert _row(warehouse_conn, "lxdh")["grade"] == "L4"

    # the source renames the column's comment and widens another's type: only those two are re-classified,
    # the reviewed one keeps its override but is flagged for re-review, audited once
    src.execute("comment on column person.lxdh is '手机号码'; alter table person alter column bh type varchar(40)")
    crawl_department(dept, run_id="cls-3")
    changed = classify_department(dept)
    assert (changed.classified, changed.skipped, changed.needs_review) == (2, 4, 1)
    row = _row(warehouse_conn, "lxdh")
    assert row["needs_review"] and row["grade"] == "L4" and row["is_overridden"]
    flags = [a for a in _audit(warehouse_conn, "lxdh") if a[0] == "needs_review"]
    assert len(flags) == 1 and flags[0][5] == "classify" and flags[0][3]["column_comment"] == "手机号码"
    classify_department(dept)
    assert len([a for a in _audit(warehouse_conn, "lxdh") if a[0] == "needs_review"]) == 1

    assert main(["review", "--list", "--needs-review", SCRATCH]) == 0
    assert "lxdh" in capsys.readouterr().out
    # confirming clears the flag; the list is then empty
    assert main(["review", SCRATCH, "person", "lxdh", "--confirm", "--reviewer", "复核员乙"]) == 0
    row = _row(warehouse_conn, "lxdh")
    assert not row["needs_review"] and row["reviewed_by"] == "复核员乙" and row["grade"] == "L4"
    assert _audit(warehouse_conn, "lxdh")[-1][0] == "confirm"
    capsys.readouterr()
    assert main(["review", "--list", "--needs-review", SCRATCH, "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []

    # an entity correction takes that entity's grade from the rules; the table grade follows the final values
    assert main(["review", SCRATCH, "person", "bh", "--entity", "CN_RESIDENT_ID", "--reason", "测试",
                 "--reviewer", "复核员甲"]) == 0  # fmt: skip
    assert _row(warehouse_conn, "bh")["grade"] == "L4"
    # clearing returns to the automatic result
    assert main(["review", SCRATCH, "person", "bh", "--clear", "--reason", "误判", "--reviewer", "复核员甲"]) == 0
    row = _row(warehouse_conn, "bh")
    assert not row["is_overridden"] and row["grade"] == row["auto_grade"]
    assert [a[0] for a in _audit(warehouse_conn, "bh")] == ["override", "clear"]

    # full refresh re-does every column
    assert classify_department(dept, full_refresh=True).classified == 6


def test_a_column_that_cannot_be_classified_is_held_at_l4(scratch, warehouse_conn, monkeypatch):
    from govdata.classify import sampling
    from govdata.classify.run import ClassificationIncomplete, classify_department
    from govdata.crawl.run import crawl_department

    dept, _ = scratch
    crawl_department(dept, run_id="cls-err-1")
    real = sampling.sample_column

    def broken(conn, schema, table, column, size, row_count):
        if column == "bh":
            raise RuntimeError('value "BH000123" broke it 440305198801011234')
        return real(conn, schema, table, column, size, row_count)

    monkeypatch.setattr(sampling, "sample_column", broken)
    with pytest.raises(ClassificationIncomplete, match="bh"):
        classify_department(dept)
    row = _row(warehouse_conn, "bh")
    assert (row["grade"], row["entity"], row["is_error"], row["needs_review"]) == ("L4", "NONE", True, True)
    assert "RuntimeError" in row["evidence"]["error"]
    assert "BH000123" not in json.dumps(row["evidence"]) and "440305198801011234" not in json.dumps(row["evidence"])
    assert _row(warehouse_conn, "sfzh")["entity"] == "CN_RESIDENT_ID", "the other columns were saved"
    grade = warehouse_conn.execute(
        "select grade from governance.table_classification where department_code = %s", (SCRATCH,)
    ).fetchone()[0]
    assert grade == "L4"

    # the next run retries the failed column (and only it)
    monkeypatch.setattr(sampling, "sample_column", real)
    retried = classify_department(dept)
    assert (retried.classified, retried.failed) == (1, 0)
    row = _row(warehouse_conn, "bh")
    assert not row["is_error"] and not row["needs_review"]


def test_dropped_columns_lose_their_classification(scratch, warehouse_conn):
    from govdata.classify.run import classify_department
    from govdata.crawl.run import crawl_department

    dept, src = scratch
    crawl_department(dept, run_id="cls-drop-1")
    classify_department(dept)
    src.execute("alter table person drop column bh")
    crawl_department(dept, run_id="cls-drop-2")
    summary = classify_department(dept)
    assert summary.removed == 1 and _row(warehouse_conn, "bh") is None


def test_yaml_entries_apply_once_and_their_removal_restores_the_automatic_result(
    scratch, warehouse_conn, monkeypatch, tmp_path
):
    import os
    import shutil

    import yaml

    from govdata.classify.run import classify_department
    from govdata.crawl.run import crawl_department

    dept, _ = scratch
    config_dir = tmp_path / "config"
    shutil.copytree(os.environ["GOVDATA_CONFIG_DIR"], config_dir)
    monkeypatch.setenv("GOVDATA_CONFIG_DIR", str(config_dir))
    overrides = config_dir / "classification_overrides.yaml"

    def write(entries):
        overrides.write_text(yaml.safe_dump({"overrides": entries}, allow_unicode=True), encoding="utf-8")

    entry = {"department": SCRATCH, "table": "person", "column": "xm", "entity": "NONE", "reason": "测试用假名",
             "reviewer": "复核员丙"}  # fmt: skip
    write([entry])
    crawl_department(dept, run_id="cls-yaml-1")
    first = classify_department(dept)
    assert first.yaml_changes == 1
    row = _row(warehouse_conn, "xm")
    assert (row["entity"], row["auto_entity"], row["override_source"]) == ("NONE", "PERSON", "yaml")
    assert row["grade"] == "L1", "an entity alone takes the rules' grade for it (NONE: the default)"
    assert classify_department(dept).yaml_changes == 0, "an unchanged entry is not re-applied"
    assert [a[0] for a in _audit(warehouse_conn, "xm")] == ["yaml_override"]

    write([])
    assert classify_department(dept).yaml_changes == 1
    row = _row(warehouse_conn, "xm")
    assert (row["entity"], row["is_overridden"]) == ("PERSON", False)
    action, who, before, after, reason, source = _audit(warehouse_conn, "xm")[-1]
    assert (action, source, before["entity"], after["entity"]) == ("yaml_removed", "yaml", "NONE", "PERSON")
