"""成熟度 — score every department's PDMM maturity for a month and write the reports (HTML + PDF)."""

from __future__ import annotations

import logging
from zoneinfo import ZoneInfo

import pendulum
from airflow.sdk import Param, dag, get_current_context, task

from govdata.dag_support import MATURITY, Tag, default_args

DOCS = """
### 成熟度 score_maturity

Monthly, at 06:00 on the 1st (Asia/Shanghai), for the month that just ended; trigger it with the param `period`
(`YYYY-MM`) to score another month (or re-score one: its rows are replaced). Without `period`, a run scores the
month of the day before it (`make run` on the 7th scores the month so far). Model: `../shared/design/pdmm.md`;
weights, level bands and caps: `config/pdmm.yaml`.

1. **score_period** reloads `config/pdmm.yaml` into `catalog_config.pdmm_*` and runs `dbt build` of the maturity
   models (tag `maturity`, `dbt_project/models/marts/maturity/`): `maturity.evidence` (every indicator's evidence
   rows: table, column, check, counts), `maturity.score` (department × indicator / dimension / total, level, rank),
   `maturity.fix_list` (整改清单: each defect's gain, computed by scoring again without it),
   `maturity.quality_pass_rate`. Indicators without evidence are 无证据, their weight redistributed.
2. **write_reports** writes each department's report and the bureau summary, HTML and PDF in Chinese, under
   `.local/reports/<period>/` (`<department>.html|pdf`, `bureau.html|pdf`); its result lists
   (department, html_path, pdf_path) for the mail.
3. **mail_reports** mails each department's PDF to its contact (`config/departments.yaml`) and the bureau summary to
   the operators (`mail.operators` of `config/govdata.yaml`), through the connection `smtp_default`; a mail that
   cannot be delivered is retried, logged and listed, never a failure of scoring.
4. **report_maturity** logs the ranking, levels and top fixes.

#### Triage
- *no CJK font found*: install `fonts-noto-cjk` (`make install` does); reports with boxes are never written.
- *dbt build failed*: the log names the model; most often a weight or level band in `config/pdmm.yaml` (config
  loading fails first, naming the key).
- A department scores 无证据 on an indicator: its stage has not produced evidence yet (no quality check, nothing
  published, no data demand registered); that is not a failure.
"""


@dag(
    dag_id="score_maturity",
    # 06:00 on the 1st in the start date's time zone (Asia/Shanghai), like the crawl's @daily
    schedule="0 6 1 * *",
    start_date=pendulum.datetime(2026, 1, 1, tz="Asia/Shanghai"),
    catchup=False,
    max_active_runs=1,
    default_args=default_args(),
    tags=[Tag.GOVDATA, Tag.MATURITY],
    doc_md=DOCS,
    params={
        "period": Param(
            None,
            type=["null", "string"],
            pattern=r"^\d{4}-(0[1-9]|1[0-2])$",
            description="评估期 YYYY-MM; empty: the month of the day before the run",
        ),
    },  # fmt: skip
)
def score_maturity():
    """Score → reports → summary."""

    @task
    def score_period() -> str:
        """Reload config/pdmm.yaml, build the maturity models for the period; returns the period."""
        from govdata.maturity.run import period_of_run
        from govdata.maturity.run import score_period as score

        context = get_current_context()
        period = context["params"].get("period") or period_of_run(
            context["dag_run"].run_after.astimezone(ZoneInfo("Asia/Shanghai")).date()
        )
        score(period)
        return period

    @task(outlets=[MATURITY])
    def write_reports(period: str) -> list[dict]:
        """Each department's report and the bureau summary (HTML + PDF); what the mail sends."""
        from govdata.maturity.report import write_reports as write

        return [{"department": d, "html": str(h), "pdf": str(p)} for d, h, p in write(period)]

    @task
    def mail_reports(period: str) -> list[str]:
        """Each department's report to its contact (PDF attached), the bureau summary to the operators."""
        from govdata.maturity.mail import mail_reports as send
        from govdata.maturity.report import reports_of

        lines = [d.line() for d in send(period, reports_of(period, bureau=True))]
        for line in lines:
            logging.getLogger("govdata.maturity").info("%s", line)
        return lines

    @task
    def report_maturity(period: str) -> None:
        """Log ranking, levels and top fixes."""
        from govdata.maturity.run import summary_lines

        for line in summary_lines(period):
            logging.getLogger("govdata.maturity").info("%s", line)

    period = score_period()
    write_reports(period) >> mail_reports(period) >> report_maturity(period)


score_maturity()
