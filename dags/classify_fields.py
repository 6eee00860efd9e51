"""分类分级 — classify and grade every harvested field when the crawl has refreshed a department."""

from __future__ import annotations

import pendulum
from airflow.sdk import Param, dag, get_current_context, task

from govdata.dag_support import FIELD_CLASSIFICATION, RAW_DEPARTMENTS, Tag, default_args

DOCS = """
### 分类分级 classify_fields

Runs when the crawl emits a department's raw asset (alias `govdata_raw_departments`), and on demand.

1. **list_departments**: the departments whose raw asset the triggering crawl refreshed (every
   department in `config/departments.yaml` when triggered by hand).
2. **classify_department** runs once per department (the map index shows its name). For the
   department's latest completed crawl it samples each column in PostgreSQL (100 non-null values by
   default, `sample_size` in `config/classification.yaml`), classifies it (entity, GB/T 35273
   category, grade L1–L4, GB/T 43697 level, confidence, masked evidence) into
   `governance.field_classification`, applies reviewer overrides, and grades every table into
   `governance.table_classification` (highest field grade, raised one level for quasi-identifier
   combinations). Only new or changed columns (name, type or comment) and columns classified by
   an older recognizer/rules version are re-classified; trigger with `{"full_refresh": true}` to
   re-do all. It emits `x-govdata://warehouse/governance/field_classification`.

Overrides: `govdata review DEPT TABLE COLUMN --grade L3 --reason "…"` (or `--confirm`, `--clear`,
`--list --needs-review`) and `config/classification_overrides.yaml`. They persist across crawls,
always win and are audited in `governance.classification_audit`. A YAML entry governs its column:
change it there, not with the CLI.

#### Triage
- *N column(s) could not be classified*: those columns were saved as **L4, needs review**
  (fail closed: nothing is published from them) and every other column was saved. The log names
  department, table and column and the error (without values). Usually the raw snapshot lacks the
  column (the crawl of that table failed: see `meta.crawl_error`); fix the crawl, then clear this
  map index — failed columns are always retried.
- *needs review* (`govdata review --list --needs-review`): a reviewed column's header or type
  changed. The reviewer's decision still applies; confirm it (`govdata review … --confirm`) or
  correct it.
- *no completed crawl yet*: the department's crawl has never succeeded; see `crawl_departments`.
- A changed `config/recognizers.yaml` or `config/classification.yaml` re-classifies every column on
  the next run (new recognizer/rules version): expect a longer run once.
"""


@dag(
    dag_id="classify_fields",
    schedule=[RAW_DEPARTMENTS],
    start_date=pendulum.datetime(2026, 1, 1, tz="Asia/Shanghai"),
    catchup=False,
    max_active_runs=1,
    default_args=default_args(),
    tags=[Tag.GOVDATA, Tag.CLASSIFICATION],
    doc_md=DOCS,
    params={
        "full_refresh": Param(False, type="boolean", description="re-classify every column, not only changed ones")
    },
)
def classify_fields():
    """Classify each department in its own mapped task."""

    @task
    def list_departments() -> list[str]:
        """Departments whose raw data the triggering crawl refreshed; every department when run by hand."""
        from govdata.classify.run import departments_to_classify
        from govdata.config import load_departments

        events = get_current_context().get("triggering_asset_events") or {}
        refreshed = [event.asset.name for key in events for event in events[key]]
        return departments_to_classify([d.code for d in load_departments().departments], refreshed)

    @task(map_index_template="{{ department_label }}", outlets=[FIELD_CLASSIFICATION])
    def classify_department(department: str) -> dict:
        """Classify one department's current harvest; emit the field-classification asset."""
        from govdata.classify.run import classify_department as classify
        from govdata.config import load_departments

        context = get_current_context()
        dept = load_departments().get(department)
        context["department_label"] = dept.short_name  # type: ignore[typeddict-unknown-key]
        full_refresh = bool(context["params"].get("full_refresh", False))
        summary = classify(dept, full_refresh=full_refresh)
        context["outlet_events"][FIELD_CLASSIFICATION].extra = {
            "department": dept.code,
            "classified": summary.classified,
            "skipped": summary.skipped,
            "overridden": summary.overridden,
            "needs_review": summary.needs_review,
        }
        return summary.as_dict()

    classify_department.expand(department=list_departments())


classify_fields()
