"""质量 — check every catalogued resource against its Great Expectations suite after each catalog build."""

from __future__ import annotations

import logging
from typing import Any
from zoneinfo import ZoneInfo

import pendulum
from airflow.sdk import dag, get_current_context, task

from govdata.dag_support import CATALOG, QUALITY_RESULT, Tag, default_args

log = logging.getLogger(__name__)

DOCS = """
### 质量 check_quality

Runs after every catalog build (asset `x-govdata://warehouse/catalog`). Settings: `config/quality.yaml`;
suites, validation definitions and checkpoints: the Great Expectations context in `expectations/`.

1. **list_departments**: every department of `config/departments.yaml`.
2. **check_department** runs once per department (the map index shows its name). It (re)generates one suite per
   current resource from the catalog (primary key, NOT NULL, 更新周期), the field classification (身份证号,
   统一社会信用代码, 手机号 columns) and `config/quality.yaml` (必填项, 唯一键, severity), keeping every
   expectation staff added or edited in `expectations/expectations/<department>/<resource>.json`; then runs each
   resource's validation definition of checkpoint `quality_<department>` inside PostgreSQL (the identifier
   checks are the functions `quality.is_cn_resident_id` …, twins of the classifier's validators) and replaces
   this run's rows of the department in `governance.quality_result` (severity, counts, masked examples).
   It writes the department's feedback workbook (质量反馈: a sheet per failed check, the rows to fix by primary
   key, identifiers masked) to `.local/exports/quality/<department>/`.
3. **summarise_quality** (after every department, even a failed one) logs per department: checks, failed
   critical / warning, resources held from publication, and emits `x-govdata://warehouse/governance/quality_result`
   (extra: those counts), which starts `publish_open_data`: a resource whose latest check failed a `critical`
   expectation is not published (its previous version stays served) until a check passes.

Failed expectations are findings about a department's data, not pipeline failures: the task stays green and
the results table (and the maturity reports) carry them.

#### Triage
- *not registered; GX would skip them silently*: a suite in `expectations/` names an expectation type no module
  defines (a typo, or a custom type of another project); *suite …: <type> {…}: …*: an expectation GX cannot build
  (e.g. `mostly: 2`). Fix or remove it in the suite's JSON; nothing of that department was validated.
- *N resource(s) could not be validated* (a red map index): GX could not read that table (dropped since the
  catalog was built, or renamed); the other resources were checked and stored. The next catalog build and check
  clear it.
- A staff edit is kept as long as its content differs from what the generator wrote; to drop a generated check
  for good, list its key (e.g. `timeliness`) in the suite's `meta.govdata.suppressed`.
"""


@dag(
    dag_id="check_quality",
    schedule=[CATALOG],
    start_date=pendulum.datetime(2026, 1, 1, tz="Asia/Shanghai"),
    catchup=False,
    max_active_runs=1,
    default_args=default_args(),
    tags=[Tag.GOVDATA, Tag.QUALITY],
    doc_md=DOCS,
)
def check_quality():
    """Check each department in its own mapped task."""

    @task
    def list_departments() -> list[str]:
        """Every configured department."""
        from govdata.config import load_departments

        return [d.code for d in load_departments().departments]

    @task(map_index_template="{{ department_label }}")
    def check_department(department: str) -> dict:
        """Generate/merge the department's suites, validate in PostgreSQL, store governance.quality_result."""
        from govdata.config import load_departments
        from govdata.quality.run import check_department as check

        context = get_current_context()
        context["department_label"] = load_departments().get(department).short_name  # type: ignore[typeddict-unknown-key]
        # a range bound `today` means the run's day (Asia/Shanghai), so a re-run of this run judges the same way
        today = context["dag_run"].run_after.astimezone(ZoneInfo("Asia/Shanghai")).date()
        outcome = check(department, run_id=context["run_id"], today=today)
        if outcome.errors:
            raise RuntimeError(f"{len(outcome.errors)} resource(s) could not be validated: {outcome.errors}")
        summary: dict[str, Any] = {
            "department": department,
            "resources": outcome.resources,
            "expectations": outcome.expectations,
            "failed": outcome.failed,
            "seconds": outcome.seconds,
            "workbook": str(outcome.workbook) if outcome.workbook else None,
        }
        return summary

    @task(trigger_rule="all_done", outlets=[QUALITY_RESULT])
    def summarise_quality() -> dict:
        """Log each department's checks, failures and held resources; tell publication the results are in."""
        from govdata.config import load_departments
        from govdata.quality.report import format_line, quality_summary

        context = get_current_context()
        names = {d.code: d.short_name for d in load_departments().departments}
        summary = quality_summary(context["run_id"])
        for department in summary:
            log.info("%s", format_line(department, names))
        extra: dict[str, Any] = {q.department_code: q.as_dict() for q in summary}
        context["outlet_events"][QUALITY_RESULT].extra = extra
        return extra

    check_department.expand(department=list_departments()) >> summarise_quality()


check_quality()
