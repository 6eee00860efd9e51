"""The catalog, responsibility lists and 一数一源 conflicts, built by the DAG on the crawled demo."""

from __future__ import annotations

import os
import shutil
from datetime import datetime

import pytest
import yaml

from govdata import config, warehouse
from govdata.commands.run_dag import run_for_day
from govdata.mask.pseudonyms import pseudonym
from tests.conftest import load_dag

pytestmark = pytest.mark.integration

MANDATORY = (
    "class_lei", "class_xiang", "class_mu", "resource_name", "resource_code", "provider_name", "summary",
    "resource_format", "share_attribute", "open_attribute", "update_cycle", "published_on",
)  # fmt: skip


@pytest.fixture(scope="session")
def catalog_built(crawled):
    """The catalog built once through the build_catalog DAG (Cosmos runs the dbt models and tests)."""
    dag = load_dag("build_catalog")
    day = datetime.fromisoformat("2026-11-01T06:00:00+08:00")
    run = run_for_day(dag, day)
    assert str(run.state) == "success"
    return run


def _resources(conn) -> dict[tuple[str, str], dict]:
    cur = conn.execute("select * from catalog.resource")
    names = [d.name for d in cur.description]
    return {
        (r[names.index("department_code")], r[names.index("source_name")]): dict(zip(names, r, strict=True))
        for r in cur
    }


def test_every_demo_table_is_catalogued_with_mandatory_fields(catalog_built, demo, warehouse_conn):
    resources = _resources(warehouse_conn)
    for code, dept in demo["departments"].items():
        for table in dept["tables"]:
            resource = resources.get((code, table["name"]))
            assert resource, f"{code}.{table['name']} is not in the catalog"
            assert resource["status"] == "有效"
            for field in MANDATORY:
                assert resource[field] not in (None, ""), f"{code}.{table['name']}: {field} empty"
            assert resource["row_count"] == table["row_count"]
            assert resource["item_count"] == len(table["columns"])
            assert resource["provider_code"] == config.load_departments().get(code).org_code
            # a report's 填报单位 is the provider when the config does not name one
            reported_by = (table.get("layout") or {}).get("metadata", {}).get("reported_by")
            assert resource["provider_name"] == (reported_by or config.load_departments().get(code).name)
            assert resource["resource_format"] == (
                "数据库表" if table["source"] == "database" else resource["resource_format"]
            )
            assert resource["classification_rule"], "the rule that placed the resource must be recorded"
            # not graded yet (or graded by the classification stage): open attribute fails closed
            if resource["grade"] == "待分级":
                assert resource["open_attribute"] == "不予开放"
                assert "分级" in resource["fields_to_complete"]
    codes = [r["resource_code"] for r in resources.values()]
    assert len(codes) == len(set(codes))
    for code in codes:
        class_code, sequence = code.split("/")
        assert len(class_code) == 6 and len(sequence) == 6 and sequence.isdigit()


def test_items_are_named_from_comment_header_or_dictionary_else_flagged(catalog_built, demo, warehouse_conn):
    dictionary = config.load_catalog_config().column_dictionary
    items = {
        (r[0], r[1], r[2]): (r[3], r[4])
        for r in warehouse_conn.execute(
            "select department_code, source_name, column_name, item_name, name_source from catalog.item"
        )
    }
    flagged = 0
    for code, dept in demo["departments"].items():
        for table in dept["tables"]:
            for column in table["columns"]:
                name, source = items[(code, table["name"], column["name"])]
                if table["source"] == "database" and column["comment"]:
                    assert (name, source) == (column["comment"], "comment")
                elif column["comment"] and column["comment"] != column["name"]:
                    # a flattened report header (申领人信息/姓名) is named by its leaf cell (姓名)
                    assert (name, source) == (column["comment"], "comment")
                elif any("\u4e00" <= ch <= "\u9fff" for ch in column["name"]):
                    assert (name, source) == (column["name"], "header")
                elif column["name"].lower() in dictionary:
                    assert (name, source) == (dictionary[column["name"].lower()], "dictionary")
                else:
                    assert (name, source) == ("待补充", "missing")
                    flagged += 1
    assert flagged > 0, "the demo has uncommented columns outside the dictionary; they must be flagged"


def test_source_conflicts_match_the_manifest_exactly(catalog_built, demo, warehouse_conn):
    expected = {
        (pseudonym(c["key"]), c["attribute"], c["copy"]["department"], c["copy"]["table"], c["copy"]["column"])
        for c in demo["conflicts"]
    }
    found = set(
        warehouse_conn.execute(
            "select key_pseudonym, data_item, copy_department, copy_source_name, copy_column"
            " from catalog.source_conflict"
        ).fetchall()
    )
    assert found == expected
    # counts per department pair add up, and examples are given
    total = warehouse_conn.execute("select sum(conflicts) from catalog.source_conflict_summary").fetchone()[0]
    assert total == len(expected)
    assert warehouse_conn.execute(
        "select bool_and(jsonb_array_length(examples) > 0) from catalog.source_conflict_summary where conflicts > 0"
    ).fetchone()[0]


def test_conflict_tables_hold_no_raw_personal_data(catalog_built, demo, warehouse_conn):
    dump = (
        warehouse_conn.execute("select string_agg(t::text, ' ') from catalog.source_conflict t").fetchone()[0]
        + warehouse_conn.execute("select string_agg(t::text, ' ') from catalog.source_conflict_summary t").fetchone()[0]
    )
    for conflict in demo["conflicts"]:
        assert conflict["key"] not in dump
        for side in ("authoritative", "copy"):
            value = conflict[side]["value"]
            if len(value) >= 3:
                assert value not in dump, f"raw value of a {conflict['attribute']} leaked"
    # short values too (性别 男/女, two-character names): no masked value or example equals a raw one
    raw = {str(c[side]["value"]).strip() for c in demo["conflicts"] for side in ("authoritative", "copy")}
    raw |= {c["key"] for c in demo["conflicts"]}
    shown = {
        v
        for row in warehouse_conn.execute(
            "select key_masked, authoritative_value_masked, copy_value_masked from catalog.source_conflict"
        )
        for v in row
    }
    for (examples,) in warehouse_conn.execute("select examples from catalog.source_conflict_summary"):
        shown |= {v for example in examples for v in example.values()}
    assert shown and not (shown & raw), sorted(shown & raw)[:5]


def test_responsibility_follows_declared_duties(catalog_built, warehouse_conn):
    rows = warehouse_conn.execute(
        "select data_item, shared_data_item, is_authoritative, status, source_department_code, source_name,"
        " column_name, contact_email from catalog.responsibility"
    ).fetchall()
    declared = [
        (d.code, duty.name, i.item)
        for d in config.load_departments().departments
        for duty in d.duties
        for i in duty.items
    ]
    assert len([r for r in rows if r[4] is not None]) == len(declared)
    authoritative = {r[1]: (r[4], r[5], r[6]) for r in rows if r[2]}
    assert authoritative["姓名"][0] == "gaj" and authoritative["企业名称"][0] == "scjgj"
    unclear = {r[0] for r in rows if r[3] == "未明确"}
    assert "性别" in unclear  # held by several departments, declared by none
    assert all(r[7] for r in rows if r[4] is not None), "every declared item names a contact"


def test_export_xlsx_has_a_sheet_per_department_in_template_order(catalog_built, tmp_path):
    from openpyxl import load_workbook

    from govdata.catalog.export import COLUMNS
    from govdata.cli import main

    assert main(["catalog", "export", "--format", "xlsx", "--format", "csv", "--output", str(tmp_path)]) == 0
    workbook = load_workbook(tmp_path / "公共数据资源目录.xlsx", read_only=True)
    short_names = [d.short_name for d in config.load_departments().departments]
    assert workbook.sheetnames[0] == "汇总"
    assert sorted(workbook.sheetnames[1:]) == sorted(short_names)
    sheet = workbook[short_names[0]]
    header = next(sheet.iter_rows(values_only=True))
    assert list(header) == [title for title, _ in COLUMNS]
    assert list(header[:5]) == [
        "信息资源分类(类)",
        "信息资源分类(项)",
        "信息资源分类(目)",
        "信息资源名称",
        "信息资源代码",
    ]
    csv_text = (tmp_path / "公共数据资源目录.csv").read_bytes()
    assert csv_text.startswith(b"\xef\xbb\xbf")  # BOM: Excel reads the Chinese headers


def test_codes_are_stable_across_crawls_with_a_table_added_and_one_dropped(
    catalog_built, pg, warehouse_conn, monkeypatch, tmp_path
):
    from govdata.catalog.build import build_catalog_now
    from govdata.config import Department
    from govdata.crawl.run import crawl_department

    # a department of its own, so the demo stays as the other tests expect it
    pg.ensure_database("govdata_dept_codes")
    src = warehouse.connect(config.database_url("govdata_dept_codes"), autocommit=True)
    src.execute("drop schema public cascade; create schema public")
    src.execute(
        "create table hjrk (sfzh text primary key, xm text); comment on table hjrk is '户籍人口';"
        "create table zxjl (id int primary key); comment on table zxjl is '注销记录';"
        "create table other (id int primary key);"
    )
    config_dir = tmp_path / "config"
    shutil.copytree(os.environ["GOVDATA_CONFIG_DIR"], config_dir)
    departments = yaml.safe_load((config_dir / "departments.yaml").read_text(encoding="utf-8"))
    entry = {
        "code": "codes",
        "name": "代码测试局",
        "short_name": "代码局",
        "org_code": "11440300MB2C00002X",
        "contact": {"name": "测试员", "email": "codes@example.gov.cn"},
        "database": {"url": config.database_url("govdata_dept_codes")},
        "tables": [{"name": "hjrk", "update_cycle": "每月"}],
    }
    departments["departments"].append(entry)
    (config_dir / "departments.yaml").write_text(yaml.safe_dump(departments, allow_unicode=True), encoding="utf-8")
    monkeypatch.setenv("GOVDATA_CONFIG_DIR", str(config_dir))
    dept = Department.model_validate(entry)

    crawl_department(dept, run_id="codes-1")
    build_catalog_now()
    first = {k[1]: v["resource_code"] for k, v in _resources(warehouse_conn).items() if k[0] == "codes"}
    demo_codes = {k: v["resource_code"] for k, v in _resources(warehouse_conn).items() if k[0] != "codes"}
    assert set(first) == {"hjrk", "zxjl", "other"}
    assert first["hjrk"].startswith("101002/")  # 户籍 keyword rule
    assert first["other"].startswith("399001/")  # no rule, no department default: fallback class

    src.execute("drop table zxjl; create table zxjl2 (id int primary key); alter table hjrk add column csrq date")
    crawl_department(dept, run_id="codes-2")
    build_catalog_now()
    second = _resources(warehouse_conn)
    assert {k[1]: v["resource_code"] for k, v in second.items() if k[0] == "codes" and k[1] in first} == first
    assert second[("codes", "zxjl")]["status"] == "已撤销"
    assert second[("codes", "zxjl")]["withdrawn_at"] is not None
    assert second[("codes", "zxjl2")]["status"] == "有效"
    assert second[("codes", "zxjl2")]["resource_code"] not in first.values()
    assert {k: v["resource_code"] for k, v in second.items() if k[0] != "codes"} == demo_codes

    changes = set(
        warehouse_conn.execute(
            """
            select change_type, source_name, coalesce(new_value, '') from catalog.change_log
            where department_code = 'codes'
              and version_number = (select max(version_number) from catalog.catalog_version)
            """
        ).fetchall()
    )
    assert {("withdrawn", "zxjl", ""), ("new", "zxjl2", ""), ("column_added", "hjrk", "csrq")} <= changes

    # a staff override wins over the rules and shows as an attribute change
    catalog_file = config_dir / "catalog.yaml"
    catalog_cfg = yaml.safe_load(catalog_file.read_text(encoding="utf-8"))
    catalog_cfg["overrides"] = [{"department": "codes", "table": "other", "class": "303001", "name": "其他业务表"}]
    catalog_file.write_text(yaml.safe_dump(catalog_cfg, allow_unicode=True), encoding="utf-8")
    build_catalog_now()
    third = _resources(warehouse_conn)[("codes", "other")]
    assert third["classification_rule"] == "人工指定" and third["class_code"] == "303001"
    assert third["resource_code"] == first["other"], "a reclassified resource keeps its code"
    assert third["resource_name"] == "其他业务表"
    src.close()


def test_a_failed_copy_keeps_describing_the_snapshot_and_a_department_leaving_withdraws_everything(
    catalog_built, pg, warehouse_conn, monkeypatch, tmp_path
):
    from govdata.catalog.build import build_catalog_now
    from govdata.config import Department
    from govdata.crawl import run as crawl_run

    pg.ensure_database("govdata_dept_leaver")
    with warehouse.connect(config.database_url("govdata_dept_leaver"), autocommit=True) as src:
        src.execute("drop schema public cascade; create schema public")
        src.execute(
            "create table rkxx (id int primary key, xm text); comment on table rkxx is '人口信息';"
            "insert into rkxx select g, '张' || g from generate_series(1, 40) g;"
            "create table fwxx (id int primary key, dz text); comment on table fwxx is '房屋信息';"
            "insert into fwxx select g, '福田区' || g || '号' from generate_series(1, 25) g;"
        )
    config_dir = tmp_path / "config"
    shutil.copytree(os.environ["GOVDATA_CONFIG_DIR"], config_dir)
    departments = yaml.safe_load((config_dir / "departments.yaml").read_text(encoding="utf-8"))
    entry = {
        "code": "leaver", "name": "撤并测试局", "short_name": "撤并局", "org_code": "11440300MB2C00004X",
        "contact": {"name": "测试员", "email": "leaver@example.gov.cn"},
        "database": {"url": config.database_url("govdata_dept_leaver")},
    }  # fmt: skip
    departments["departments"].append(entry)
    (config_dir / "departments.yaml").write_text(yaml.safe_dump(departments, allow_unicode=True), encoding="utf-8")
    original_config = os.environ["GOVDATA_CONFIG_DIR"]
    monkeypatch.setenv("GOVDATA_CONFIG_DIR", str(config_dir))
    dept = Department.model_validate(entry)
    crawl_run.crawl_department(dept, run_id="leaver-1")

    # the next copy of fwxx fails (its previous snapshot stays): the catalog describes that snapshot
    real_snapshot = crawl_run.snapshot_table

    def failing(source, wh, schema, table, *args, **kwargs):
        if table.source_name == "fwxx":
            raise RuntimeError("simulated: the connection to the source was lost")
        return real_snapshot(source, wh, schema, table, *args, **kwargs)

    monkeypatch.setattr(crawl_run, "snapshot_table", failing)
    with warehouse.connect(config.database_url("govdata_dept_leaver"), autocommit=True) as src:
        src.execute("insert into fwxx values (26, '福田区26号')")  # changed, so the crawl copies it again
    with pytest.raises(crawl_run.CrawlIncomplete, match="fwxx"):
        crawl_run.crawl_department(dept, run_id="leaver-2")
    monkeypatch.setattr(crawl_run, "snapshot_table", real_snapshot)
    build_catalog_now()
    resources = _resources(warehouse_conn)
    fwxx = resources[("leaver", "fwxx")]
    assert (fwxx["status"], fwxx["row_count"], fwxx["is_latest_copy_failed"]) == ("有效", 25, True)
    assert "共25条记录" in fwxx["summary"]
    assert "采集失败" in fwxx["crawl_note"]
    assert resources[("leaver", "rkxx")]["is_latest_copy_failed"] is False

    # the department is removed from departments.yaml: its resources and items are withdrawn together
    monkeypatch.setenv("GOVDATA_CONFIG_DIR", original_config)
    before = {k: v["status"] for k, v in resources.items() if k[0] != "leaver"}
    build_catalog_now()
    after = _resources(warehouse_conn)
    assert {after[("leaver", name)]["status"] for name in ("rkxx", "fwxx")} == {"已撤销"}
    assert after[("leaver", "rkxx")]["provider_name"] == "撤并测试局"
    assert after[("leaver", "rkxx")]["withdrawn_at"] is not None
    orphans = warehouse_conn.execute(
        "select count(*) from catalog.item i where not exists"
        " (select 1 from catalog.resource r where r.resource_code = i.resource_code and r.status = '有效')"
    ).fetchone()[0]
    assert orphans == 0, "items of withdrawn resources are withdrawn with them"
    assert {k: v["status"] for k, v in after.items() if k[0] != "leaver"} == before, "the others are untouched"


def test_dbt_unit_tests_of_the_catalog_rules_pass(catalog_built):
    """The dbt `unit_tests:` (synonym matching, role pairing, staleness, code assignment) on the built warehouse.

    The maturity models' unit tests (tag maturity) read models the catalog's build leaves out: test_maturity.py.
    """
    import subprocess

    from govdata.catalog.dbt import dbt_environment, dbt_executable, dbt_project_dir

    proc = subprocess.run(
        [dbt_executable(), "--no-use-colors", "test", "--profiles-dir", ".", "--select", "test_type:unit",
         "--exclude", "tag:maturity"],
        cwd=dbt_project_dir(), capture_output=True, text=True, env=dbt_environment(),
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout[-3000:]
    names = (
        "data_item_synonyms_longest_name_wins_and_roles",
        "shared_key_pairs_by_role_else_only_key_never_a_guess",
        "stale_only_past_the_declared_cycle_at_the_latest_crawl",
        "codes_kept_and_new_resources_numbered_on_within_their_class",
        "first_build_numbers_every_class_from_000001",
    )
    for name in names:
        assert name in proc.stdout
    assert f"PASS={len(names)} " in proc.stdout and "ERROR=0" in proc.stdout


def test_the_catalog_run_emits_only_the_catalog_asset_not_one_per_dbt_model(catalog_built):
    from airflow.models.asset import AssetEvent, AssetModel
    from airflow.utils.session import create_session

    from govdata.dag_support import CATALOG_URI

    with create_session() as session:
        emitted = {
            uri
            for (uri,) in session.query(AssetModel.uri)
            .join(AssetEvent, AssetEvent.asset_id == AssetModel.id)
            .filter(AssetEvent.source_dag_id == "build_catalog", AssetEvent.source_run_id == catalog_built.run_id)
        }
    assert emitted == {CATALOG_URI}, emitted


def test_a_failing_dbt_test_fails_the_catalog_run_and_nothing_is_built_on_its_model(catalog_built, warehouse_conn):
    """A failing data test fails the catalog run, and dbt builds nothing on the model it tested.

    The data tests run inside the watcher's one `dbt build`; the catalog's tables keep the previous build.
    """
    from airflow.utils.state import TaskInstanceState

    resources_before = warehouse_conn.execute("select count(*) from catalog.resource").fetchone()[0]
    # a crawl error without a message breaks stg_meta__crawl_errors' not_null test (the table's own
    # constraint is lifted for the test; the fake source matches no resource)
    run_id = warehouse_conn.execute("select max(crawl_run_id) from meta.crawl_run").fetchone()[0]
    warehouse_conn.execute("alter table meta.crawl_error alter column message drop not null")
    try:
        warehouse_conn.execute(
            "insert into meta.crawl_error (crawl_run_id, department_code, source_kind, source_name, error_type)"
            " values (%s, 'gaj', 'file', 'no_such_file.csv', 'test')",
            [run_id],
        )
        day = datetime.fromisoformat("2026-11-02T06:00:00+08:00")
        run = run_for_day(load_dag("build_catalog"), day)
        states = {ti.task_id: ti.state for ti in run.get_task_instances()}
    finally:
        warehouse_conn.execute("delete from meta.crawl_error where source_name = 'no_such_file.csv'")
        warehouse_conn.execute("alter table meta.crawl_error alter column message set not null")
    assert str(run.state) == "failed"
    assert states["catalog_models.dbt_producer_watcher"] == TaskInstanceState.FAILED
    assert states["catalog_models.stg_meta__crawl_errors_run"] == TaskInstanceState.SUCCESS  # built, then tested
    # int_resources_harvested reads stg_meta__crawl_errors: dbt skipped it, and so everything built on it
    assert states["catalog_models.int_resources_harvested_run"] == TaskInstanceState.FAILED
    assert states["catalog_models.resource_run"] in (TaskInstanceState.FAILED, TaskInstanceState.UPSTREAM_FAILED)
    assert states["report_catalog"] == TaskInstanceState.UPSTREAM_FAILED, "no catalog asset from a failed test"
    assert warehouse_conn.execute("select count(*) from catalog.resource").fetchone()[0] == resources_before
    assert not any(task.endswith("dbt_project_test") for task in states), "the tests are the producer's"
