"""Open-data publication on the crawled, classified, catalogued demo, through the publish_open_data DAG.

What the portal may rely on: no raw personal value in any published table or export (exactly or normalised),
the leak guard blocks a planted one and the previous version stays served, unchanged input makes no new
version, approval holds new datasets back, k-anonymity holds, and portal_reader reads open_data only.
"""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
from datetime import datetime

import psycopg
import pytest
import yaml
from psycopg import sql

from govdata import config, warehouse
from govdata.classify.grading import FREE_TEXT
from govdata.classify.normalize import normalize_text
from govdata.commands.run_dag import run_for_day
from tests.conftest import load_dag

pytestmark = pytest.mark.integration

FIRST_DAY = datetime.fromisoformat("2026-11-02T07:00:00+08:00")
#: public by policy (企业的统一社会信用代码, kept in open data): not a leak
PUBLIC_ENTITIES = {"CN_USCC"}
#: identifiers searched inside every published cell, not only compared whole
IDENTIFIERS = {"CN_RESIDENT_ID", "CN_MOBILE", "CN_BANK_CARD", "CN_PASSPORT", "CN_HK_MACAO_PERMIT", "CN_LANDLINE",
               "EMAIL_ADDRESS", "CN_LICENSE_PLATE", "IP_ADDRESS"}  # fmt: skip


def _run(day: datetime):
    run = run_for_day(load_dag("publish_open_data"), day)
    return run


@pytest.fixture(scope="module", autouse=True)
def without_quality_gate():
    """The quality gate off: these tests are about masking (test_quality tests the gate).

    The session's quality checks (other modules') must not hold a dataset back, whatever order the modules run in.
    """
    real = config.load_open_data_config
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(config, "load_open_data_config", lambda: real().model_copy(update={"quality_gate": False}))
        yield


@pytest.fixture(scope="module")
def published(crawled, warehouse_conn, tmp_path_factory):
    """The demo classified (full refresh), catalogued, then published once through the DAG."""
    from govdata.catalog.build import build_catalog_now
    from govdata.classify.run import classify_department

    for dept in config.load_departments().departments:
        classify_department(dept, full_refresh=True)
    build_catalog_now()
    run = _run(FIRST_DAY)
    assert str(run.state) == "success", _log_tail(warehouse_conn)
    return run


def _log_tail(conn) -> str:
    rows = conn.execute(
        "select dataset_id, outcome, message from publish.publication_log order by log_id desc limit 20"
    ).fetchall()
    return "\n".join(map(str, rows))


def _datasets(conn) -> dict[str, dict]:
    cur = conn.execute("select * from publish.dataset")
    names = [d.name for d in cur.description]
    return {r[0]: dict(zip(names, r, strict=True)) for r in cur}


def _served_tables(conn) -> list[tuple[str, str, list[str]]]:
    """(schema, view, text columns) of every served dataset."""
    out = []
    for schema, view in conn.execute(
        "select table_schema, table_name from information_schema.views"
        " where table_schema in ('open_data', 'conditional_data') and table_name <> 'dataset_catalog'"
    ).fetchall():
        cols = [
            c
            for (c,) in conn.execute(
                "select column_name from information_schema.columns where table_schema = %s and table_name = %s",
                (schema, view),
            )
        ]
        out.append((schema, view, cols))
    return out


def test_the_demo_is_published_by_grade_after_masking(published, warehouse_conn):
    datasets = _datasets(warehouse_conn)
    by_status: dict[str, list[str]] = {}
    for d in datasets.values():
        by_status.setdefault(d["served_schema"] or d["status"], []).append(d["dataset_id"])
    assert len(by_status.get("open_data", [])) >= 2, by_status
    assert len(by_status.get("conditional_data", [])) >= 10, by_status
    # the curated aggregate: every birth counted, served openly
    births = warehouse.scalar(warehouse_conn.execute("select sum(births) from open_data.births_monthly_by_institution"))
    assert births == warehouse.scalar(warehouse_conn.execute("select count(*) from raw_wsjkw.csyxzm"))
    assert datasets["births_monthly_by_institution"]["open_attribute"] == "无条件开放"
    # a derived dataset carries no L4 column: 出生医学证明 without the parents' ID numbers, names masked
    cols = {c["name"]: c["treatment"] for c in datasets["wsjkw_csyxzm"]["columns"]}
    assert cols["mqsfzh"] == "keyed pseudonym" and cols["mqxm"] == "masked as PERSON", cols
    assert datasets["wsjkw_csyxzm"]["served_schema"] == "conditional_data"
    names = [n for (n,) in warehouse_conn.execute("select mqxm from conditional_data.wsjkw_csyxzm limit 50")]
    assert names and all(n is None or "*" in n for n in names), names[:5]
    # every served dataset is in the portal's catalogue with its MQA score
    catalogue = warehouse_conn.execute("select dataset_id, mqa_points from open_data.dataset_catalog").fetchall()
    assert {d for d, _ in catalogue} == set(by_status["open_data"]) | set(by_status["conditional_data"])
    assert all(points is not None and 0 < points <= 405 for _, points in catalogue)


def _raw_personal_values(conn, demo) -> dict[str, set[str]]:
    """Manifest personal-data columns: their distinct raw values, normalised, by entity."""
    out: dict[str, set[str]] = {}
    for code, dept in demo["departments"].items():
        for table in dept["tables"]:
            for col in table["columns"]:
                entity = col.get("pii")
                if not entity or entity in PUBLIC_ENTITIES:
                    continue
                row = conn.execute(
                    "select raw_schema, raw_table from governance.field_classification"
                    " where department_code = %s and source_name = %s and column_name = %s",
                    (code, table["name"], col["name"]),
                ).fetchone()
                if row is None:
                    continue
                values = conn.execute(
                    sql.SQL("select distinct {}::text from {} where {} is not null").format(
                        sql.Identifier(col["name"]), warehouse.qualified(*row), sql.Identifier(col["name"])
                    )
                ).fetchall()
                out.setdefault(entity, set()).update(_norm(v) for (v,) in values if v and len(v.strip()) >= 2)
    return out


def _norm(value: str) -> str:
    return re.sub(r"[\s\-]", "", normalize_text(value).text).upper()


_TOKENS = re.compile(r"[0-9A-Za-z@._+\-]{6,}")


def test_no_raw_personal_value_in_any_published_table_or_export(published, demo, warehouse_conn):
    raw = _raw_personal_values(warehouse_conn, demo)
    # remarks are published span-masked: a remark with nothing personal in it (复诊) is the raw one, rightly;
    # what is personal inside remarks is checked by test_free_text_keeps_its_words_and_loses_its_names
    whole = set().union(*(v for e, v in raw.items() if e != FREE_TEXT))
    inside = set().union(*(v for e, v in raw.items() if e in IDENTIFIERS))
    assert len(whole) > 10_000, len(whole)
    leaks: list[str] = []
    cells = 0
    for schema, view, cols in _served_tables(warehouse_conn):
        select = sql.SQL(", ").join(sql.SQL("{}::text").format(sql.Identifier(c)) for c in cols)
        with warehouse_conn.transaction(), warehouse_conn.cursor(name=f"leak_{view}") as cur:
            cur.execute(sql.SQL("select {} from {}").format(select, warehouse.qualified(schema, view)))
            for row in cur:
                for col, value in zip(cols, row, strict=True):
                    if value is None:
                        continue
                    cells += 1
                    n = _norm(value)
                    if n in whole or any(_norm(t) in inside for t in _TOKENS.findall(value)):
                        leaks.append(f"{schema}.{view}.{col}")
    assert cells > 50_000, cells
    assert not leaks, f"raw personal values published in {sorted(set(leaks))[:10]}"
    # the exports: every file of every current version
    files = list(config.published_dir().glob("*/*/data.csv"))
    assert files
    for path in files:
        text = path.read_text(encoding="utf-8-sig")
        for record in csv.reader(text.splitlines()):
            for value in record:
                if value and (_norm(value) in whole or any(_norm(t) in inside for t in _TOKENS.findall(value))):
                    leaks.append(str(path))
    assert not leaks, f"raw personal values in exports {sorted(set(leaks))[:10]}"


def test_free_text_keeps_its_words_and_loses_its_names(published, demo, warehouse_conn):
    """A remarks column is span-masked, not starred whole: its words stay, no raw name or identifier is in it."""
    raw = _raw_personal_values(warehouse_conn, demo)
    names = {n for n in raw["PERSON"] if 2 <= len(n) <= 4}
    inside = set().union(*(v for e, v in raw.items() if e in IDENTIFIERS))
    free_text = [
        (d["served_schema"], d["dataset_id"], c["name"])
        for d in _datasets(warehouse_conn).values()
        if d["served_schema"]
        for c in d["columns"]
        if c["treatment"] == "free text: detected spans masked"
    ]
    assert len(free_text) >= 2, free_text
    for schema, view, col in free_text:
        values = [
            v
            for (v,) in warehouse_conn.execute(
                sql.SQL("select {c} from {t} where {c} is not null").format(
                    c=sql.Identifier(col), t=warehouse.qualified(schema, view)
                )
            )
        ]
        assert any(v.strip() and "*" not in v for v in values), f"{view}.{col} starred whole"
        assert any("*" in v for v in values), f"{view}.{col}: nothing masked in its remarks"
        for v in values:
            text = _norm(v)
            grams = {text[i : i + n] for n in (2, 3, 4) for i in range(len(text) - n + 1)}
            assert not grams & names, f"{view}.{col}: a raw name in {v!r}"
            assert not any(_norm(t) in inside for t in _TOKENS.findall(v)), f"{view}.{col}: {v!r}"


def test_every_quasi_identifier_combination_is_shared_by_k_rows(published, warehouse_conn):
    from govdata.publish.datasets import QUASI_IDENTIFIERS

    k = config.load_open_data_config().k_anonymity
    checked = 0
    for d in _datasets(warehouse_conn).values():
        if not d["served_schema"] or d["kind"] != "derived":
            continue
        dept, source = d["department_code"], None
        quasi = [
            c
            for (c,) in warehouse_conn.execute(
                "select f.column_name from governance.field_classification as f"
                " join catalog.resource as r on r.department_code = f.department_code"
                "  and r.source_name = f.source_name"
                " where f.department_code = %s and %s = any(array[r.resource_code]) and f.quasi_identifier = any(%s)",
                (dept, d["source_resource_codes"][0], list(QUASI_IDENTIFIERS)),
            )
        ]
        published_cols = {c["name"] for c in d["columns"]}
        quasi = [c for c in quasi if c in published_cols]
        del source
        if not quasi:
            continue
        checked += 1
        smallest = warehouse.scalar(
            warehouse_conn.execute(
                sql.SQL("select min(n) from (select count(*) as n from {} group by {}) as g").format(
                    warehouse.qualified(d["served_schema"], d["dataset_id"]),
                    sql.SQL(", ").join(map(sql.Identifier, quasi)),
                )
            )
        )
        assert smallest is None or smallest >= k, (d["dataset_id"], quasi, smallest)
    assert checked >= 3


def test_publishing_unchanged_input_creates_no_new_version(published, warehouse_conn):
    before = dict(warehouse_conn.execute("select dataset_id, current_version from publish.dataset").fetchall())
    last_log = warehouse_conn.execute("select coalesce(max(log_id), 0) from publish.publication_log").fetchone()[0]
    run = _run(datetime.fromisoformat("2026-11-03T07:00:00+08:00"))
    assert str(run.state) == "success"
    after = dict(warehouse_conn.execute("select dataset_id, current_version from publish.dataset").fetchall())
    assert after == before
    # this run's lines only (another module may have published under the same day's run id)
    outcomes = dict(
        warehouse_conn.execute(
            "select outcome, count(*) from publish.publication_log where run_id = %s and log_id > %s group by 1",
            (run.run_id, last_log),
        ).fetchall()
    )
    assert set(outcomes) <= {"unchanged", "withheld"}, outcomes


def test_a_planted_raw_value_is_blocked_and_the_previous_version_stays_served(published, warehouse_conn, monkeypatch):
    """A masking bug let a raw ID through: the guard blocks the dataset, the portal still sees the old version."""
    from govdata.publish import build, pipeline
    from govdata.publish.datasets import load_specs

    cfg = config.load_open_data_config()
    spec = next(s for s in load_specs(warehouse_conn, cfg) if s.dataset_id == "wsjkw_csyxzm")
    before = warehouse_conn.execute(
        "select current_version, served_schema from publish.dataset where dataset_id = 'wsjkw_csyxzm'"
    ).fetchone()
    served_rows = warehouse.scalar(warehouse_conn.execute("select count(*) from conditional_data.wsjkw_csyxzm"))
    raw_id = warehouse.scalar(
        warehouse_conn.execute("select mqsfzh from raw_wsjkw.csyxzm where mqsfzh is not null limit 1")
    )
    real_build = build.build_candidate

    def leaky_build(conn, spec, policy, k, key):
        candidate = real_build(conn, spec, policy, k, key)
        conn.execute(
            sql.SQL("update {} set qfjg = %s where _row_id = (select min(_row_id) from {})").format(
                warehouse.qualified(*candidate.relation), warehouse.qualified(*candidate.relation)
            ),
            (f"{raw_id[:6]} {raw_id[6:]}",),  # spaced: the guard normalises before comparing
        )
        return candidate

    monkeypatch.setattr(pipeline, "build_candidate", leaky_build)
    with pytest.raises(pipeline.DatasetBlocked) as blocked:
        pipeline.publish_dataset(warehouse_conn, spec, cfg, run_id="test-planted")
    assert "qfjg" in str(blocked.value) and raw_id not in str(blocked.value)
    after = warehouse_conn.execute(
        "select current_version, served_schema, status from publish.dataset where dataset_id = 'wsjkw_csyxzm'"
    ).fetchone()
    assert after[:2] == before and after[2] == "已阻止"
    assert warehouse.scalar(warehouse_conn.execute("select count(*) from conditional_data.wsjkw_csyxzm")) == served_rows
    log = warehouse_conn.execute(
        "select outcome, leak_guard::text from publish.publication_log where run_id = 'test-planted'"
    ).fetchone()
    assert log[0] == "blocked" and raw_id not in log[1]
    monkeypatch.undo()
    assert pipeline.publish_dataset(warehouse_conn, spec, cfg, run_id="test-unplanted").outcome == "unchanged"


def test_approval_holds_a_new_dataset_until_staff_approve_it(published, warehouse_conn, monkeypatch, tmp_path, capsys):
    from govdata.cli import main

    config_dir = tmp_path / "config"
    shutil.copytree(os.environ["GOVDATA_CONFIG_DIR"], config_dir)
    path = config_dir / "open_data.yaml"
    cfg = yaml.safe_load(path.read_text(encoding="utf-8"))
    cfg["require_approval"] = True
    cfg["datasets"].append({**cfg["datasets"][0], "id": "births_review", "title": "新生儿数（审核测试）"})
    path.write_text(yaml.safe_dump(cfg, allow_unicode=True), encoding="utf-8")
    monkeypatch.setenv("GOVDATA_CONFIG_DIR", str(config_dir))
    monkeypatch.setenv("GOVDATA_ACTOR", "审核员甲")

    run = _run(datetime.fromisoformat("2026-11-04T07:00:00+08:00"))
    assert str(run.state) == "success"
    status = warehouse_conn.execute(
        "select status, served_schema from publish.dataset where dataset_id = 'births_review'"
    ).fetchone()
    assert status == ("待审核", None)
    assert main(["publish", "list"]) == 0
    listing = capsys.readouterr().out
    assert "births_review" in listing and "births: kept" in listing and "leak guard passed" in listing
    assert main(["publish", "approve", "births_review", "--reason", "聚合数据，无个人信息"]) == 0
    run = _run(datetime.fromisoformat("2026-11-05T07:00:00+08:00"))
    assert str(run.state) == "success"
    assert warehouse.scalar(warehouse_conn.execute("select count(*) from open_data.births_review")) > 0
    audit = warehouse_conn.execute(
        "select actor, action, reason from publish.audit where dataset_id = 'births_review' order by audit_id"
    ).fetchall()
    assert ("审核员甲", "approve", "聚合数据，无个人信息") in audit
    assert any(a[1] == "publish" for a in audit)
    with pytest.raises(psycopg.errors.RaiseException):
        warehouse_conn.execute("delete from publish.audit")


def test_exports_and_the_dcat_catalog_describe_each_open_version(published, warehouse_conn):
    row = warehouse_conn.execute(
        "select current_version, (select files from publish.version v where v.dataset_id = d.dataset_id"
        " and v.version = d.current_version) from publish.dataset d where dataset_id = 'births_monthly_by_institution'"
    ).fetchone()
    version, files = row
    folder = config.published_dir() / "births_monthly_by_institution" / str(version)
    assert (folder / "data.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    package = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    assert {r["format"] for r in package["resources"]} >= {"csv", "parquet", "json"}
    assert {f["format"] for f in files} >= {"CSV", "PARQUET", "JSON"}
    catalog = json.loads((config.published_dir() / "catalog.jsonld").read_text(encoding="utf-8"))
    assert "births_monthly_by_institution" in json.dumps(catalog, ensure_ascii=False)
