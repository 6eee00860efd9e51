"""质量 — check every catalogued resource against its Great Expectations suite after each catalog build."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

import pendulum
from airflow.sdk import dag, get_current_context, task

from govdata.dag_support import CATALOG, QUALITY_RESULT, Tag, default_args

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
   It emits `x-govdata://warehouse/governance/quality_result` with the department's counts.

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

    @task(map_index_template="{{ department_label }}", outlets=[QUALITY_RESULT])
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
        }
        context["outlet_events"][QUALITY_RESULT].extra = summary
        return summary

    check_department.expand(department=list_departments())


check_quality()
