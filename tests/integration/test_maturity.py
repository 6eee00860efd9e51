"""PDMM maturity scores on the crawled, classified, catalogued and quality-checked demo: scores, fix lists, reports.

The demo is scored for the current month (evidence is read as of the period's end, and the checks run now).
Indicators without evidence (O3 always: no data demand is configured; S3, S4, O2 when nothing was published
earlier in the session) must be left out with their weight redistributed, never scored 0 or 100.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from govdata import config

pytestmark = pytest.mark.integration

PERIOD = datetime.now(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m")
#: injected defects a quality check finds (the manifest's kinds); the other kinds exercise the crawl
DATA_DEFECTS = ("invalid_id_checksum", "malformed_phone", "null_mandatory", "duplicate_key")


@pytest.fixture(scope="module")
def gx_root(quality_checked):
    """The session's private Great Expectations context (the checkout's expectations/ stays as it is)."""
    return quality_checked[2]


@pytest.fixture(scope="module")
def scored(quality_checked, warehouse_conn, tmp_path_factory, monkeypatch_module):
    """The demo classified, catalogued and checked once (the session's), then scored for PERIOD; the totals."""
    from govdata.maturity.run import score_period

    monkeypatch_module.setenv("GOVDATA_REPORTS_DIR", str(tmp_path_factory.mktemp("reports")))
    return score_period(PERIOD)


@pytest.fixture(scope="module")
def monkeypatch_module():
    """A monkeypatch that lasts the module (its fixtures are module-scoped)."""
    with pytest.MonkeyPatch.context() as patch:
        yield patch


def _rows(conn, sql: str, *params) -> list[dict]:
    cur = conn.execute(sql, params)
    names = [d.name for d in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur]


def _total(conn, department: str, period: str = PERIOD) -> float:
    return float(conn.execute(
        "select exact_value from maturity.score where period = %s and department_code = %s and scope = 'total'",
        (period, department),
    ).fetchone()[0])  # fmt: skip


def test_dbt_unit_tests_of_scoring_and_caps_pass(scored):
    """The dbt `unit_tests:` on hand-made evidence: redistribution, penalty, level caps, fix scenarios."""
    from govdata.catalog.dbt import dbt_environment, dbt_executable, dbt_project_dir

    proc = subprocess.run(
        [dbt_executable(), "--no-use-colors", "test", "--profiles-dir", ".", "--select", "tag:maturity,test_type:unit",
         "--vars", f"{{period: '{PERIOD}'}}"],
        cwd=dbt_project_dir(), capture_output=True, text=True, env=dbt_environment(),
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout[-3000:]
    names = (
        "scoring_redistributes_missing_evidence",
        "level_capped_above_weakest_dimension",
        "leak_finding_caps_level",
        "fix_scenario_clears_every_indicator",
    )
    for name in names:
        assert name in proc.stdout
    assert f"PASS={len(names)} " in proc.stdout


def test_every_department_has_every_indicator_and_no_evidence_is_never_a_score(scored, warehouse_conn):
    pdmm = config.load_pdmm_config()
    departments = {d.code for d in config.load_departments().departments}
    rows = _rows(warehouse_conn, "select * from maturity.score where period = %s", PERIOD)
    indicators = [i.code for d in pdmm.dimensions for i in d.indicators]
    assert len(rows) == len(departments) * (len(indicators) + len(pdmm.dimensions) + 1)
    assert {s.department for s in scored} == departments
    for dept in departments:
        mine = [r for r in rows if r["department_code"] == dept and r["scope"] == "indicator"]
        assert sorted(r["code"] for r in mine) == sorted(indicators)
        for r in mine:
            if r["checked_count"] == 0:  # nothing to judge: 无证据, no value, no weight
                assert (r["status"], r["value"], float(r["effective_weight"])) == ("无证据", None, 0.0), r
            else:
                assert r["status"] == "已评分" and 0 <= r["value"] <= 100, r
        # the weights of what has evidence add up to the whole total
        assert abs(sum(float(r["effective_weight"]) for r in mine) - 1) < 1e-3, dept
    # no data demand is registered in config/pdmm.yaml: O3 has no evidence anywhere, and counts for nothing
    assert {r["status"] for r in rows if r["code"] == "O3"} == {"无证据"}
    # the quality indicators read the checks of this module's run
    assert all(r["status"] == "已评分" for r in rows if r["code"] in ("Q1", "Q2", "Q3", "Q4"))


def test_levels_follow_the_bands_and_the_weakest_dimension_cap(scored, warehouse_conn):
    pdmm = config.load_pdmm_config()
    above = pdmm.caps.above_weakest_dimension
    rows = _rows(warehouse_conn, "select * from maturity.score where period = %s and scope <> 'indicator'", PERIOD)

    def band(value: float) -> int:
        return max(lv.level for lv in pdmm.levels if lv.min_score <= value)

    for total in (r for r in rows if r["scope"] == "total"):
        dims = [float(r["value"]) for r in rows if r["department_code"] == total["department_code"]
                and r["scope"] == "dimension" and r["value"] is not None]  # fmt: skip
        assert total["level"] == min(band(float(total["value"])), band(min(dims)) + above), total
        assert total["level_name"] == pdmm.level_name(total["level"])
    ranks = sorted((float(r["value"]), r["rank"]) for r in rows if r["scope"] == "total")
    assert [rank for _, rank in ranks] == sorted((rank for _, rank in ranks), reverse=True)


def _ranks(values: list[float]) -> list[float]:
    """Ranks 1..n, ties sharing their mean rank (for Spearman's rho)."""
    order = sorted(range(len(values)), key=lambda i: values[i])
    ranks = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for k in range(i, j + 1):
            ranks[order[k]] = (i + j) / 2 + 1
        i = j + 1
    return ranks


def test_departments_with_more_injected_data_defects_score_lower_on_quality(scored, warehouse_conn, demo):
    """Spearman's rho between each department's injected data defects and its 数据质量 score is clearly negative."""
    codes = sorted(demo["departments"])
    defects = [float(sum(d["department"] == c and d["kind"] in DATA_DEFECTS for d in demo["defects"])) for c in codes]
    quality = {
        r["department_code"]: float(r["value"])
        for r in _rows(warehouse_conn, "select * from maturity.score where period = %s and code = 'quality'", PERIOD)
    }
    scores = [quality[c] for c in codes]
    rd, rs = _ranks(defects), _ranks(scores)
    n = len(codes)
    rho = 1 - 6 * sum((a - b) ** 2 for a, b in zip(rd, rs, strict=True)) / (n * (n * n - 1))
    pairs = dict(zip(codes, zip(defects, scores, strict=True), strict=True))
    print(f"\nquality score vs injected data defects: {pairs} rho={rho:.2f}")
    assert rho <= -0.5
    most, fewest = codes[defects.index(max(defects))], codes[defects.index(min(defects))]
    assert quality[most] < quality[fewest]


def test_every_fix_names_its_table_check_and_gain_in_order(scored, warehouse_conn):
    rows = _rows(warehouse_conn, "select * from maturity.fix_list where period = %s order by department_code, priority",
                 PERIOD)  # fmt: skip
    assert rows
    for dept in {r["department_code"] for r in rows}:
        mine = [r for r in rows if r["department_code"] == dept]
        assert [r["priority"] for r in mine] == list(range(1, len(mine) + 1))
        assert [r["exact_gain"] for r in mine] == sorted((r["exact_gain"] for r in mine), reverse=True)
        assert all(r["table_name"] and r["check_name"] and r["gain"] >= 0 for r in mine)
    # every defect traces to its evidence rows
    missing = warehouse_conn.execute(
        """select count(*) from maturity.fix_list f where f.period = %s and not exists (
               select 1 from maturity.evidence e where e.period = f.period and e.fix_key = f.fix_key)""",
        (PERIOD,),
    ).fetchone()[0]
    assert missing == 0


def test_rescoring_a_period_replaces_its_rows_and_other_periods_stay(scored, warehouse_conn):
    from govdata.maturity.run import score_period

    counted = "select period, count(*) from maturity.{} group by period order by period"
    before = {t: warehouse_conn.execute(counted.format(t)).fetchall() for t in ("score", "evidence", "fix_list")}
    totals = {s.department: s.total for s in scored}
    again = score_period(PERIOD)
    assert {s.department: s.total for s in again} == totals
    assert {t: warehouse_conn.execute(counted.format(t)).fetchall() for t in before} == before
    # an earlier month: no quality check had run by its end, so Q1–Q4 have no evidence there; both months kept
    score_period("2026-01")
    periods = {p for (p,) in warehouse_conn.execute("select distinct period from maturity.score")}
    assert {PERIOD, "2026-01"} <= periods
    q = _rows(warehouse_conn, "select * from maturity.score where period = '2026-01' and code like 'Q%%'")
    assert q and all(r["status"] == "无证据" for r in q)


def _invalid_ids(conn, table: str, column: str) -> list[tuple[str, str]]:
    """(key, value) of the source rows whose 身份证号 fails the classifier's validator (the quality check's twin)."""
    from govdata.classify.validators import cn_resident_id

    rows = conn.execute(f'select jzzbh, "{column}" from {table} where "{column}" is not null').fetchall()  # noqa: S608
    return [(key, value) for key, value in rows if not cn_resident_id(value)]


def test_fixing_a_defect_at_the_source_raises_the_score_by_the_promised_gain(
    scored, warehouse_conn, demo, gx_root, monkeypatch
):
    """公安局 corrects the 5 invalid 身份证号 of 流动人口居住登记 in its own system; the pipeline runs again.

    The rows are stamped one second after the table's latest update (the crawl is incremental on gxsj), so the
    table stays as stale as it was: only the defect goes.
    """
    from govdata import warehouse
    from govdata.catalog.build import build_catalog_now
    from govdata.classify.run import classify_department
    from govdata.crawl.run import crawl_department
    from govdata.demo.identifiers import ric_check_char
    from govdata.maturity.run import score_period
    from govdata.quality.run import check_department

    [defect] = [d for d in demo["defects"] if d["kind"] == "invalid_id_checksum" and d["department"] == "gaj"]
    table, column = defect["table"], defect["column"]
    [fix] = _rows(
        warehouse_conn,
        "select * from maturity.fix_list where period = %s and department_code = 'gaj' and table_name = %s"
        " and column_name = %s and check_name like 'validity:%%'",
        PERIOD, table, column,
    )  # fmt: skip
    assert fix["bad_row_count"] == defect["count"] and fix["gain"] > 0
    before = _total(warehouse_conn, "gaj")
    dept = config.load_departments().get("gaj")
    source_url = config.database_url(demo["departments"]["gaj"]["database"])
    with warehouse.connect(source_url, autocommit=True) as source:
        bad = _invalid_ids(source, table, column)
        assert len(bad) == defect["count"]
        with source.transaction():
            for key, value in bad:
                source.execute(
                    f"update {table} set {column} = %s, gxsj = (select max(gxsj) from {table}) + interval '1 second'"  # noqa: S608
                    " where jzzbh = %s",
                    (value[:17] + ric_check_char(value[:17]), key),
                )
        assert _invalid_ids(source, table, column) == []
    try:
        crawl_department(dept, run_id="maturity-fix-1")
        classify_department(dept)
        build_catalog_now()
        check_department("gaj", run_id="maturity-check-2", root=gx_root)
        score_period(PERIOD)
        after = _total(warehouse_conn, "gaj")
        print(f"\ngaj: {before:.4f} → {after:.4f}, promised +{fix['gain']} ({fix['exact_gain']:.4f})")
        assert abs((after - before) - float(fix["gain"])) <= 0.01
        left = _rows(warehouse_conn, "select * from maturity.fix_list where period = %s and fix_key = %s",
                     PERIOD, fix["fix_key"])  # fmt: skip
        assert left == []
    finally:  # the other modules expect the demo's defects: put them back (stamped later again) and crawl again
        with warehouse.connect(source_url, autocommit=True) as source, source.transaction():
            for key, value in bad:
                source.execute(
                    f"update {table} set {column} = %s, gxsj = (select max(gxsj) from {table}) + interval '1 second'"  # noqa: S608
                    " where jzzbh = %s",
                    (value, key),
                )
        crawl_department(dept, run_id="maturity-fix-2")


def test_reports_are_pdf_and_html_in_chinese_with_charts(scored, warehouse_conn, demo, tmp_path):
    from govdata.maturity.report import BUREAU, write_reports

    written = write_reports(PERIOD)
    assert {w.department for w in written} == {*demo["departments"], BUREAU}
    gaj = next(w for w in written if w.department == "gaj")
    name = config.load_departments().get("gaj").name
    # PDF: pages, extractable Chinese text, two embedded charts (radar, trend)
    subprocess.run(["pdftoppm", "-r", "40", "-png", str(gaj.pdf_path), str(tmp_path / "page")], check=True)
    pages = sorted(tmp_path.glob("page-*.png"))
    assert len(pages) >= 2 and all(p.stat().st_size > 1000 for p in pages)
    text = subprocess.run(["pdftotext", str(gaj.pdf_path), "-"], capture_output=True, text=True, check=True).stdout
    for words in (
        "公共数据资源治理能力成熟度评估报告",
        name,
        "整改清单",
        "指标定义",
        "目录覆盖率",
        "无证据",
        "数据质量校验通过率",
    ):
        assert words in text, words
    total, level = warehouse_conn.execute(
        "select value, level_name from maturity.score where period = %s and department_code = 'gaj'"
        " and scope = 'total'",
        (PERIOD,),
    ).fetchone()
    assert f"{total:.2f}" in text and level in text.replace("\n", "")
    images = subprocess.run(["pdfimages", "-list", str(gaj.pdf_path)], capture_output=True, text=True, check=True)
    assert [line.split()[2] for line in images.stdout.splitlines()[2:]].count("image") == 2
    bureau = next(w for w in written if w.department == BUREAU)
    bureau_text = subprocess.run(["pdftotext", str(bureau.pdf_path), "-"], capture_output=True, text=True).stdout
    assert "部门排名" in bureau_text and "热力图" in bureau_text
    assert all(config.load_departments().get(c).name in bureau_text.replace("\n", "") for c in demo["departments"])
    # no personal value of the demo appears in any report (the fix list names tables, columns and counts)
    raw = {str(e) for d in demo["defects"] for e in d.get("examples") or [] if re.fullmatch(r"[0-9X]{11,18}", str(e))}
    assert raw
    for w in written:
        html = w.html_path.read_text(encoding="utf-8")
        assert not [v for v in raw if v in html], w.department
    # the fix list's examples are the quality stage's, masked by the evidence policy (身份证号: region + last 4)
    examples = warehouse_conn.execute(
        "select department_code, priority, examples from maturity.fix_list where period = %s and examples is not null",
        (PERIOD,),
    ).fetchall()
    assert [e for _, _, e in examples if re.search(r"\d{6}\*{8}\d{3}[\dX]", e)]
    assert all("*" in e and not [v for v in raw if v in e] for _, _, e in examples)
    shown = {w.department: w.html_path.read_text(encoding="utf-8") for w in written}
    for dept, priority, e in examples:
        if priority <= 20:  # the report lists the first 20 fixes
            assert e.split("、")[0] in shown[dept], (dept, priority)


def test_the_html_report_opens_in_chromium_without_console_errors(scored, tmp_path):
    from playwright.sync_api import sync_playwright

    from govdata.maturity.report import write_reports

    [written] = write_reports(PERIOD, ["wsjkw"], bureau=False)
    chromium = shutil.which("chromium")
    assert chromium, "Debian's chromium is missing: `make install` installs it"
    errors: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, headless=True)
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(written.html_path.as_uri())
        shot = tmp_path / "wsjkw.png"
        page.screenshot(path=str(shot), full_page=True)
        loaded = page.evaluate("Array.from(document.images).map(i => i.complete && i.naturalWidth > 0)")
        heading = page.locator("h1").inner_text()
        browser.close()
    assert errors == []
    assert loaded == [True, True]
    assert heading == "公共数据资源治理能力成熟度评估报告"
    assert shot.stat().st_size > 10_000


def test_govdata_report_regenerates_one_department(scored, capsys):
    from govdata.cli import main

    assert main(["report", "--department", "scjgj", "--period", PERIOD]) == 0
    out = capsys.readouterr().out.split()
    html, pdf = (p for p in out if p.endswith((".html", ".pdf")))
    assert html.endswith(f"{PERIOD}/scjgj.html") and pdf.endswith(f"{PERIOD}/scjgj.pdf")
    assert main(["report", "--department", "scjgj", "--period", "1999-01"]) == 1
    assert "not scored" in capsys.readouterr().err


def test_the_dag_scores_a_given_period_and_mails_each_department_its_report(
    scored, airflow_db, warehouse_conn, mail_server
):
    import mailbox
    from email.header import decode_header, make_header

    from govdata.maturity.report import reports_of
    from tests.conftest import load_dag

    for old in reports_of(PERIOD):
        old.pdf_path.unlink()
    run = load_dag("score_maturity").test(
        logical_date=datetime.fromisoformat("2026-12-20T10:00:00+08:00"), run_conf={"period": PERIOD}
    )
    assert str(run.state) == "success"
    listed = reports_of(PERIOD)
    assert {r.department for r in listed} == {d.code for d in config.load_departments().departments}
    assert all(r.pdf_path.stat().st_size > 10_000 for r in listed)
    # each department's contact got its report with the PDF attached, the operators the bureau summary
    mails = {}
    for message in mailbox.Maildir(mail_server.maildir, create=False):
        subject = str(make_header(decode_header(message["Subject"] or "")))
        if PERIOD in subject and "成熟度" in subject:
            pdfs = [p.get_filename() for p in message.walk() if (p.get_filename() or "").endswith(".pdf")]
            mails[subject] = (message["X-RcptTo"] or message["To"], pdfs)
    for dept in config.load_departments().departments:
        [(to, pdfs)] = [v for k, v in mails.items() if dept.short_name in k]
        assert dept.contact.email in to and pdfs == [f"{dept.code}.pdf"], (dept.code, to, pdfs)
    [(to, pdfs)] = [v for k, v in mails.items() if "汇总" in k]
    assert pdfs == ["bureau.pdf"] and config.load_platform().mail.operators[0] in to
