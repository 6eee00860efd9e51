"""The crawl against the real PostgreSQL: the DAG on the demo departments, checked against the manifest."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import yaml
from psycopg import sql

from govdata.commands.run_dag import run_for_day
from tests.conftest import load_dag

#: Before any fixture ran: the crawl fixture's run really started after this.
COLLECTED_AT = datetime.now(tz=UTC)

pytestmark = pytest.mark.integration


def _run_id(dag_run) -> str:
    return dag_run.run_id


def _harvest(conn, run_id):
    tables = conn.execute(
        """
        select t.department_code, t.source_name, t.source_kind, t.table_comment, t.row_count, t.primary_key,
               t.file_encoding, t.raw_schema, t.raw_table
        from meta.harvested_table t join meta.crawl_run r using (crawl_run_id)
        where r.run_id = %s
        """,
        (run_id,),
    ).fetchall()
    columns = conn.execute(
        """
        select c.department_code, c.source_name, c.column_name, c.column_comment, c.ordinal_position
        from meta.harvested_column c join meta.crawl_run r using (crawl_run_id)
        where r.run_id = %s
        """,
        (run_id,),
    ).fetchall()
    return tables, columns


def test_crawl_dag_succeeds_with_one_named_task_per_department(crawled, demo, warehouse_conn):
    from airflow.utils.session import create_session

    assert str(crawled.state) == "success"
    with create_session() as session:
        tis = [ti for ti in crawled.get_task_instances(session=session) if ti.task_id == "crawl_department"]
    assert len(tis) == len(demo["departments"])
    assert {str(ti.state) for ti in tis} == {"success"}
    from govdata.config import load_departments

    short_names = {d.short_name for d in load_departments().departments}
    assert {ti.rendered_map_index for ti in tis} == short_names


def test_every_manifest_table_and_column_is_harvested_with_comments_and_exact_counts(crawled, demo, warehouse_conn):
    tables, columns = _harvest(warehouse_conn, _run_id(crawled))
    found = {(t[0], t[1]): t for t in tables}
    found_cols = {(c[0], c[1], c[2]): c for c in columns}
    expected_tables = 0
    for code, dept in demo["departments"].items():
        for table in dept["tables"]:
            expected_tables += 1
            key = (code, table["name"])
            assert key in found, f"{code}: table {table['name']!r} not harvested"
            harvested = found[key]
            assert harvested[4] == table["row_count"], f"{code}.{table['name']}: row count"
            if table["source"] == "database":
                assert harvested[3] == table["comment"], f"{code}.{table['name']}: table comment"
                assert list(harvested[5]) == table["primary_key"], f"{code}.{table['name']}: primary key"
            for position, col in enumerate(table["columns"], start=1):
                ckey = (code, table["name"], col["name"])
                assert ckey in found_cols, f"{code}.{table['name']}: column {col['name']!r} not harvested"
                assert found_cols[ckey][4] == position
                if table["source"] == "database":
                    assert found_cols[ckey][3] == col["comment"], f"{code}.{table['name']}.{col['name']}: comment"
    assert len(tables) == expected_tables, "the crawl found tables the manifest does not list"


def test_report_shaped_files_are_read_as_the_manifest_says(crawled, demo, warehouse_conn):
    reports = [(code, t) for code, d in demo["departments"].items() for t in d["tables"] if "layout" in t]
    assert len(reports) >= 4
    for code, table in reports:
        expected = table["layout"]
        layout, reported_by, reported_on, prepared_by = warehouse_conn.execute(
            """
            select t.layout, t.reported_by, t.reported_on::text, t.prepared_by
            from meta.harvested_table t join meta.crawl_run r using (crawl_run_id)
            where r.run_id = %s and t.department_code = %s and t.source_name = %s
            """,
            (_run_id(crawled), code, table["name"]),
        ).fetchone()
        where = f"{code}.{table['name']}"
        assert layout["header_rows"] == expected["header_rows"], where
        assert layout["footer_rows"] == expected["footer_rows"], where
        assert layout["data_rows"] == expected["data_rows"], where
        assert {c["name"]: c["leaf"] for c in layout["columns"] if c["name"] != c["leaf"]} == expected["flattened"]
        meta = expected["metadata"]
        assert (reported_by, reported_on, prepared_by) == (
            meta.get("reported_by"),
            meta.get("reported_on"),
            meta.get("prepared_by"),
        ), where
        comments = dict(
            warehouse_conn.execute(
                """
                select c.column_name, c.column_comment from meta.harvested_column c
                join meta.crawl_run r using (crawl_run_id)
                where r.run_id = %s and c.department_code = %s and c.source_name = %s
                """,
                (_run_id(crawled), code, table["name"]),
            ).fetchall()
        )
        assert {n: v for n, v in comments.items() if v} == expected["flattened"], where
    plain = warehouse_conn.execute(
        "select count(*) from meta.harvested_table t join meta.crawl_run r using (crawl_run_id)"
        " where r.run_id = %s and t.source_kind = 'file' and t.layout is null",
        (_run_id(crawled),),
    ).fetchone()[0]
    assert plain == sum(1 for d in demo["departments"].values() for t in d["tables"]
                        if t["source"] == "file" and "layout" not in t)  # fmt: skip


def test_raw_snapshots_hold_exactly_the_source_rows(crawled, demo, warehouse_conn):
    for code, dept in demo["departments"].items():
        for table in dept["tables"]:
            raw_table = warehouse_conn.execute(
                """
                select t.raw_table from meta.harvested_table t join meta.crawl_run r using (crawl_run_id)
                where r.run_id = %s and t.department_code = %s and t.source_name = %s
                """,
                (_run_id(crawled), code, table["name"]),
            ).fetchone()[0]
            count = warehouse_conn.execute(
                sql.SQL("select count(*) from {}.{}").format(sql.Identifier(f"raw_{code}"), sql.Identifier(raw_table))
            ).fetchone()[0]
            assert count == table["row_count"], f"raw_{code}.{raw_table}"


def test_hostile_identifiers_are_crawled_as_they_are(crawled, demo, warehouse_conn):
    hostile = [d for d in demo["defects"] if d["kind"] == "hostile_identifier"]
    assert hostile
    for defect in hostile:
        schema = f"raw_{defect['department']}"
        table = defect["table"]
        cols = [
            r[0]
            for r in warehouse_conn.execute(
                "select column_name from information_schema.columns where table_schema = %s and table_name = %s"
                " order by ordinal_position",
                (schema, table),
            )
        ]
        assert "select" in cols, cols
        rows = warehouse_conn.execute(
            sql.SQL("select {} from {}.{}").format(
                sql.Identifier("select"), sql.Identifier(schema), sql.Identifier(table)
            )
        ).fetchall()
        assert rows
    # nothing the hostile name tried to do happened: every demo table is still there
    raw_tables = warehouse_conn.execute(
        "select count(*) from information_schema.tables where table_schema = any(%s)",
        ([f"raw_{code}" for code in demo["departments"]],),
    ).fetchone()[0]
    assert raw_tables == sum(len(d["tables"]) for d in demo["departments"].values())


def test_gbk_csv_is_decoded(crawled, demo, warehouse_conn):
    gbk = [t for d in demo["departments"].values() for t in d["tables"] if t.get("encoding") == "gbk"]
    assert gbk, "the demo must contain a GBK CSV"
    for table in gbk:
        encoding, raw_schema, raw_table = warehouse_conn.execute(
            """
            select t.file_encoding, t.raw_schema, t.raw_table from meta.harvested_table t
            join meta.crawl_run r using (crawl_run_id) where r.run_id = %s and t.source_name = %s
            """,
            (_run_id(crawled), table["name"]),
        ).fetchone()
        assert encoding in ("gbk", "gb18030")
        text = warehouse_conn.execute(
            sql.SQL("select string_agg(t::text, '') from (select * from {}.{} limit 50) t").format(
                sql.Identifier(raw_schema), sql.Identifier(raw_table)
            )
        ).fetchone()[0]
        assert any("\u4e00" <= ch <= "\u9fff" for ch in text), "Chinese text did not survive decoding"
        assert "\ufffd" not in text


def test_malformed_file_is_recorded_and_fails_only_itself(crawled, demo, warehouse_conn):
    malformed = [d for d in demo["defects"] if d["kind"] == "malformed_file"]
    assert malformed
    for defect in malformed:
        row = warehouse_conn.execute(
            """
            select e.message, r.status from meta.crawl_error e join meta.crawl_run r using (crawl_run_id)
            where r.run_id = %s and e.department_code = %s and e.error_type = 'malformed_file'
            """,
            (_run_id(crawled), defect["department"]),
        ).fetchone()
        assert row is not None, defect
        message, status = row
        assert status == "partial"
        from govdata.config import load_departments

        assert load_departments().get(defect["department"]).name in message


def test_rerun_changes_nothing(crawled, demo, warehouse_conn):
    def state():
        return warehouse_conn.execute(
            "select department_code, source_name, row_count, column_signature from meta.snapshot_state order by 1, 2"
        ).fetchall()

    before = state()
    dag = load_dag("crawl_departments")
    day = datetime.fromisoformat("2026-11-02T00:00:00+08:00")
    rerun = run_for_day(dag, day)
    assert str(rerun.state) == "success"
    assert state() == before
    changes = warehouse_conn.execute(
        "select count(*) from meta.schema_change s join meta.crawl_run r using (crawl_run_id) where r.run_id = %s",
        (rerun.run_id,),
    ).fetchone()[0]
    assert changes == 0
    # incremental tables merged by key: no duplicated rows
    for code, dept in demo["departments"].items():
        for table in dept["tables"]:
            if table["primary_key"]:
                pk = sql.SQL(", ").join(sql.Identifier(c) for c in table["primary_key"])
                target = sql.SQL("{}.{}").format(sql.Identifier(f"raw_{code}"), sql.Identifier(table["name"]))
                total, distinct = warehouse_conn.execute(
                    sql.SQL("select count(*), count(distinct ({})) from {}").format(pk, target)
                ).fetchone()
                assert total == distinct == table["row_count"], f"{code}.{table['name']}"
    # the same logical date again replaces that run's records instead of adding to them
    again = run_for_day(dag, day)
    assert again.run_id == rerun.run_id
    runs = warehouse_conn.execute("select count(*) from meta.crawl_run where run_id = %s", (rerun.run_id,)).fetchone()[
        0
    ]
    assert runs == len(demo["departments"])


def test_unreachable_department_fails_alone_after_retries(
    crawled, demo, warehouse_conn, monkeypatch, tmp_path, mail_server
):
    import mailbox
    import os
    import shutil
    from email.header import decode_header, make_header

    from airflow.utils.session import create_session

    from govdata.config import load_departments

    config_dir = tmp_path / "config"
    shutil.copytree(os.environ["GOVDATA_CONFIG_DIR"], config_dir)
    departments = yaml.safe_load((config_dir / "departments.yaml").read_text(encoding="utf-8"))
    departments["departments"].append(
        {
            "code": "down",
            "name": "停机测试局",
            "short_name": "停机局",
            "org_code": "11440300MB2C00000X",
            "contact": {"name": "值班员", "email": "ops@example.gov.cn"},
            "database": {"url": "postgresql://govdata@127.0.0.1:1/nowhere"},
        }
    )
    (config_dir / "departments.yaml").write_text(yaml.safe_dump(departments, allow_unicode=True), encoding="utf-8")
    monkeypatch.setenv("GOVDATA_CONFIG_DIR", str(config_dir))
    assert load_departments().get("down").name == "停机测试局"

    dag = load_dag("crawl_departments")
    day = datetime.fromisoformat("2026-11-03T00:00:00+08:00")
    run = run_for_day(dag, day)
    assert str(run.state) == "failed"
    with create_session() as session:
        tis = {ti.rendered_map_index: ti for ti in run.get_task_instances(session=session)
               if ti.task_id == "crawl_department"}  # fmt: skip
        summary = [ti for ti in run.get_task_instances(session=session) if ti.task_id == "summarise_crawl"][0]
    assert str(tis["停机局"].state) == "failed"
    assert tis["停机局"].try_number == 2, "the unreachable department must be retried once before failing"
    assert {str(ti.state) for name, ti in tis.items() if name != "停机局"} == {"success"}
    assert str(summary.state) == "success", "the summary runs even when a department failed"
    message = warehouse_conn.execute(
        "select error_message from meta.crawl_run where department_code = 'down' and run_id = %s", (run.run_id,)
    ).fetchone()[0]
    assert "停机测试局 (down)" in message and "cannot reach" in message
    # the operators got one alert for the incident (after the retry, not one per try), naming the department
    box = mailbox.Maildir(mail_server.maildir, create=False)
    subjects = [str(make_header(decode_header(m["Subject"]))) for m in box]
    alerts = [s for s in subjects if "停机局 (down)" in s]
    assert len(alerts) == 1, subjects
    assert alerts[0].startswith("[govdata 告警 alert] 停机局 (down) crawl_departments.crawl_department 失败 failed: ")


def test_the_run_records_its_real_start_so_the_ui_shows_real_durations(crawled):
    """dag.test would start the run at its logical date (midnight): the UI showed hours for seconds."""
    from datetime import timedelta

    from airflow.models.dagrun import DagRun
    from airflow.utils.session import create_session
    from sqlalchemy import select

    with create_session() as session:
        run = session.scalar(select(DagRun).where(DagRun.run_id == crawled.run_id))
    assert run.run_id == "manual__2026-11-01T00:00:00+08:00"  # still one run per day, replaced on re-run
    assert run.start_date >= COLLECTED_AT, (run.start_date, COLLECTED_AT)  # the run came after collection
    assert run.start_date > run.logical_date + timedelta(days=1)
    assert run.end_date - run.start_date < timedelta(minutes=15)
