"""采集 — crawl every department's systems into the warehouse and harvest their metadata."""

from __future__ import annotations

import pendulum
from airflow.sdk import dag, get_current_context, task

from govdata.dag_support import CRAWL_COMPLETED, RAW_DEPARTMENTS, Tag, default_args, raw_asset

DOCS = """
### 采集 crawl_departments

Daily crawl of every department (数源部门) declared in `config/departments.yaml`:

1. **list_departments** reads the config (departments are added without touching this file).
2. **crawl_department** runs once per department (the map index shows its name). It harvests
   tables, columns, types, comments, primary keys and row counts into `meta.harvested_*`, records
   schema changes in `meta.schema_change`, and snapshots the data into `raw_<code>.*` with COPY —
   incremental for tables with an update timestamp and a primary key, full otherwise, each table
   atomically. It emits the asset `x-govdata://warehouse/raw_<code>` that later stages wait on.
3. **all_departments_crawled** turns the run red when any department failed.
4. **summarise_crawl** logs what every department's crawl did, even when some failed, and emits
   `x-govdata://warehouse/raw` once per crawl: the catalog is rebuilt from it.

#### Triage
- *cannot reach its database*: the department's system is down or its URL/credentials changed.
  The task retried before failing; the other departments are unaffected. Check the connection in
  `config/departments.yaml`, then clear the failed map index.
- *N table(s) could not be copied*: the named table/column had data the copy refused; the previous
  snapshot of that table is still in place. See `meta.crawl_error`.
- Malformed files in a drop folder never fail the task: they are logged, skipped and recorded in
  `meta.crawl_error` for the department's maturity report.
"""


@dag(
    dag_id="crawl_departments",
    schedule="@daily",
    start_date=pendulum.datetime(2026, 1, 1, tz="Asia/Shanghai"),
    catchup=False,
    max_active_runs=1,
    default_args=default_args(),
    tags=[Tag.GOVDATA, Tag.CRAWL],
    doc_md=DOCS,
)
def crawl_departments():
    """Crawl each department in its own mapped task."""

    @task
    def list_departments() -> list[str]:
        """Codes of the departments in config/departments.yaml."""
        from govdata.config import load_departments

        return [d.code for d in load_departments().departments]

    @task(map_index_template="{{ department_label }}", outlets=[RAW_DEPARTMENTS])
    def crawl_department(department: str) -> dict:
        """Harvest and snapshot one department; emit its raw asset."""
        from dataclasses import asdict

        from govdata.config import load_departments
        from govdata.crawl.run import crawl_department as crawl

        context = get_current_context()
        dept = load_departments().get(department)
        context["department_label"] = dept.short_name  # type: ignore[typeddict-unknown-key]
        summary = crawl(dept, run_id=context["run_id"], logical_date=context.get("logical_date"))
        context["outlet_events"][RAW_DEPARTMENTS].add(
            raw_asset(dept.code),
            extra={"crawl_run_id": summary.crawl_run_id, "rows": summary.row_count, "status": summary.status},
        )
        return asdict(summary)

    @task(trigger_rule="all_done", outlets=[CRAWL_COMPLETED])
    def summarise_crawl() -> None:
        """Log one line per department for this run, from meta.crawl_run."""
        from govdata.crawl.report import log_run_summary

        log_run_summary(get_current_context()["run_id"])

    @task
    def all_departments_crawled() -> None:
        """Fails (upstream_failed) when any department failed, so the run shows red; the summary still ran."""

    crawled = crawl_department.expand(department=list_departments())
    crawled >> [summarise_crawl(), all_departments_crawled()]


crawl_departments()
