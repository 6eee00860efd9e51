"""The maturity reports (成熟度评估报告): read maturity.score / fix_list, draw the charts, write HTML and PDF.

Read (report_data: one department's period, with the previous period and the history), render (HTML from the
Jinja templates beside this module, charts embedded as PNG data URIs so the HTML is one file that can be
mailed), write (WeasyPrint turns the same HTML into the PDF). Nothing here holds a personal value: the fix list
names tables, columns, checks and counts.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from govdata import config, warehouse
from govdata.errors import GovdataError
from govdata.maturity import charts
from govdata.maturity.run import Fix, check_period, fix_lists, previous_period

if TYPE_CHECKING:
    import psycopg

TEMPLATES = Path(__file__).with_name("templates")
BUREAU = "bureau"
METHODS = {"ratio": "比例", "penalty": "扣分", "any_finding": "一票否决"}


class ReportFiles(NamedTuple):
    """Where one department's report of a period was written: what the mail stage sends."""

    department: str
    html_path: Path
    pdf_path: Path


@dataclass
class Indicator:
    """One indicator's row of the report's table."""

    code: str
    name: str
    dimension: str
    value: float | None
    previous: float | None
    evidence_count: int
    effective_weight: float
    definition: str = ""
    method: str = ""
    weight: float = 0.0

    @property
    def change(self) -> float | None:
        """Change since the previous period."""
        return None if self.value is None or self.previous is None else round(self.value - self.previous, 2)


@dataclass
class DepartmentReport:
    """Everything one department's report shows."""

    department: str
    name: str
    period: str
    total: float | None
    level: int | None
    level_name: str | None
    rank: int | None
    departments: int
    previous_total: float | None
    dimensions: list[tuple[str, float | None, float | None]]  # name, value, previous
    indicators: list[Indicator]
    trend: list[tuple[str, float | None]]
    fixes: list[Fix]
    fix_count: int
    #: 数据质量通过率 per quality dimension at the latest check of the period: (dimension, checks, passed, rate, change)
    pass_rates: list[tuple[str, int, int, float, float | None]] = field(default_factory=list)
    #: the level of the total alone, before the caps
    band_level: int | None = None
    charts: dict[str, str] = field(default_factory=dict)

    @property
    def change(self) -> float | None:
        """Points since the previous period."""
        if self.total is None or self.previous_total is None:
            return None
        return round(self.total - self.previous_total, 2)


def _scores(conn: psycopg.Connection, period: str) -> dict[tuple[str, str, str], dict[str, Any]]:
    cur = conn.execute("select * from maturity.score where period = %s", (period,))
    names = [d.name for d in cur.description or ()]
    rows = [dict(zip(names, row, strict=True)) for row in cur]
    return {(r["department_code"], r["scope"], r["code"]): r for r in rows}


def _float(value: object) -> float | None:
    return None if value is None else float(value)  # type: ignore[arg-type]


def report_data(conn: psycopg.Connection, period: str, max_fixes: int = 20) -> dict[str, DepartmentReport]:
    """Every department's report of ``period``, read from maturity.score and maturity.fix_list."""
    check_period(period)
    scored = warehouse.scalar(conn.execute("select to_regclass('maturity.score')")) is not None
    now = _scores(conn, period) if scored else {}
    if not now:
        raise GovdataError(f"period {period} is not scored: run the score_maturity DAG or `govdata maturity score`")
    before = _scores(conn, previous_period(period))
    pdmm = config.load_pdmm_config()
    history = conn.execute(
        "select department_code, period, value from maturity.score where scope = 'total' and period <= %s"
        " order by period",
        (period,),
    ).fetchall()
    fixes = fix_lists(conn, period)
    pass_rates = _pass_rates(conn, period)
    totals = {d: r for (d, scope, _), r in now.items() if scope == "total"}
    reports = {}
    for code, total in totals.items():
        indicators = []
        for dim in pdmm.dimensions:
            for ind in dim.indicators:
                row = now.get((code, "indicator", ind.code), {})
                prev = before.get((code, "indicator", ind.code), {})
                indicators.append(Indicator(
                    ind.code, ind.name, dim.name, _float(row.get("value")), _float(prev.get("value")),
                    int(row.get("evidence_count") or 0), float(row.get("effective_weight") or 0), ind.definition,
                    METHODS[ind.method], ind.weight,
                ))  # fmt: skip
        dimensions = [
            (d.name, _float(now.get((code, "dimension", d.code), {}).get("value")),
             _float(before.get((code, "dimension", d.code), {}).get("value")))
            for d in pdmm.dimensions
        ]  # fmt: skip
        reports[code] = DepartmentReport(
            code, total["department_name"], period, _float(total["value"]), total["level"], total["level_name"],
            total["rank"], len(totals), _float(before.get((code, "total", "total"), {}).get("value")), dimensions,
            indicators, [(p, _float(v)) for d, p, v in history if d == code], fixes.get(code, [])[:max_fixes],
            len(fixes.get(code, [])), pass_rates.get(code, []), total["band_level"],
        )  # fmt: skip
    return reports


#: quality dimensions as the reports name them
QUALITY_DIMENSIONS = {
    "completeness": "完整性", "validity": "有效性", "uniqueness": "唯一性", "timeliness": "及时性",
    "consistency": "一致性",
}  # fmt: skip


def _pass_rates(conn: psycopg.Connection, period: str) -> dict[str, list[tuple[str, int, int, float, float | None]]]:
    """Each department's pass rate per quality dimension at its latest check before the period's end."""
    if warehouse.scalar(conn.execute("select to_regclass('maturity.quality_pass_rate')")) is None:
        return {}
    rows = conn.execute(
        """
        select distinct on (department_code, dimension)
            department_code, dimension, checks, passed, pass_rate, pass_rate_change
        from maturity.quality_pass_rate
        where checked_at < (to_date(%s, 'YYYY-MM') + interval '1 month')::timestamp at time zone 'Asia/Shanghai'
        order by department_code, dimension, checked_at desc
        """,
        (period,),
    ).fetchall()
    out: dict[str, list[tuple[str, int, int, float, float | None]]] = {}
    for code, dimension, checks, passed, rate, change in rows:
        name = QUALITY_DIMENSIONS.get(dimension) or str(dimension)
        out.setdefault(code, []).append((name, checks, passed, float(rate), _float(change)))
    return out


def _data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def _environment():
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=jinja2.select_autoescape(["html", "j2"]),
        undefined=jinja2.StrictUndefined,
    )  # fmt: skip
    env.filters["score"] = lambda v: "无证据" if v is None else f"{v:.2f}"
    env.filters["signed"] = lambda v: "—" if v is None else f"{v:+.2f}"
    return env


def render_department(report: DepartmentReport) -> str:
    """The department's report as one HTML document (charts embedded)."""
    pdmm = config.load_pdmm_config()
    bands = [(lv.min_score, lv.name) for lv in pdmm.levels]
    report.charts = {
        "radar": _data_uri(charts.radar(
            [d[0] for d in report.dimensions], [d[1] for d in report.dimensions], [d[2] for d in report.dimensions]
        )),
        "trend": _data_uri(charts.trend([p for p, _ in report.trend], [v for _, v in report.trend], bands)),
    }  # fmt: skip
    template = _environment().get_template("department.html.j2")
    return template.render(r=report, levels=pdmm.levels, font=charts.cjk_font())


def render_bureau(period: str, reports: dict[str, DepartmentReport]) -> str:
    """The bureau's summary: ranking, department × dimension heat map, biggest movers."""
    pdmm = config.load_pdmm_config()
    ranked = sorted(reports.values(), key=lambda r: (r.rank is None, r.rank or 0, r.department))
    dims = [d.name for d in pdmm.dimensions]
    heat = _data_uri(charts.heat_map([r.name for r in ranked], dims, [[d[1] for d in r.dimensions] for r in ranked]))
    movers = sorted((r for r in ranked if r.change is not None), key=lambda r: -abs(r.change or 0))[:5]
    return _environment().get_template("bureau.html.j2").render(
        period=period, ranked=ranked, heat=heat, movers=movers, previous=previous_period(period),
        font=charts.cjk_font(),
    )  # fmt: skip


def write_pdf(html: str, pdf_path: Path) -> None:
    """The HTML laid out by WeasyPrint (Pango; the CJK font through fontconfig) into a PDF."""
    from weasyprint import HTML

    HTML(string=html, base_url=str(pdf_path.parent)).write_pdf(pdf_path)


def _write(folder: Path, name: str, html: str) -> tuple[Path, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    html_path, pdf_path = folder / f"{name}.html", folder / f"{name}.pdf"
    # written beside and renamed: a mail being sent never reads a half-written report
    tmp_html, tmp_pdf = (p.with_name(f".{p.name}.tmp") for p in (html_path, pdf_path))
    tmp_html.write_text(html, encoding="utf-8")
    write_pdf(html, tmp_pdf)
    tmp_html.replace(html_path)
    tmp_pdf.replace(pdf_path)
    return html_path, pdf_path


def write_reports(period: str, departments: list[str] | None = None, bureau: bool = True) -> list[ReportFiles]:
    """Write the reports of ``period`` under reports_dir()/<period>/; (department, html_path, pdf_path) each.

    All departments by default, and the bureau summary as department ``bureau``: what the mail stage sends.
    """
    with warehouse.connect(autocommit=True) as conn:
        reports = report_data(conn, period)
    if departments:
        unknown = sorted(set(departments) - set(reports))
        if unknown:
            raise GovdataError(f"no score of period {period} for department(s) {', '.join(unknown)}")
    folder = config.reports_dir() / period
    written = []
    for code in departments or sorted(reports):
        written.append(ReportFiles(code, *_write(folder, code, render_department(reports[code]))))
    if bureau:
        written.append(ReportFiles(BUREAU, *_write(folder, BUREAU, render_bureau(period, reports))))
    return written


def reports_of(period: str, bureau: bool = False) -> list[ReportFiles]:
    """The department reports of ``period`` already on disk (and the bureau's, last, if ``bureau``): what is mailed."""
    folder = config.reports_dir() / check_period(period)
    found = [
        ReportFiles(p.stem, p, p.with_suffix(".pdf"))
        for p in sorted(folder.glob("*.html"))
        if p.with_suffix(".pdf").exists() and (bureau or p.stem != BUREAU)
    ]
    return sorted(found, key=lambda r: r.department == BUREAU)
