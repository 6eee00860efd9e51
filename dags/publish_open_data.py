"""开放 — publish masked open datasets for the portal after every quality check (which follows each catalog build)."""

from __future__ import annotations

import pendulum
from airflow.sdk import dag, get_current_context, task

from govdata.dag_support import OPEN_DATA, QUALITY_RESULT, Tag, default_args

DOCS = """
### 开放 publish_open_data

Runs after every quality check (asset `x-govdata://warehouse/governance/quality_result`, which follows each catalog
build, itself following each crawl and classification). Settings: `config/open_data.yaml`; masking rules:
`config/masking.yaml`.

1. **prepare_publication** installs the stage's tables and SQL mask functions, audits changes of the masking
   policy, staff decisions and the access list, and lists the open datasets: one *derived* from every current
   resource of the catalog, plus the *curated* dbt models of `marts/open_data`.
2. **publish_dataset** runs once per dataset (the map index shows its id). A dataset whose source failed a
   `critical` check in its latest quality check is *held* (已阻止; nothing built, the previous version stays
   served; an alert names the department, table, column and check). Otherwise it builds a candidate in
   `publish_work` — L4 columns dropped (keyed pseudonyms in 有条件开放), L3 masked in SQL, quasi-identifiers
   generalised, every cell of every text column scanned, k-anonymity (k in config) with small groups suppressed —,
   re-classifies it (L1 → 无条件开放 `open_data.<dataset>`, L2/L3 → 有条件开放 `conditional_data.<dataset>`,
   L4 → 不予开放), runs the **leak guard** (recognizers over every row; the values against every raw personal
   column of its sources, normalised), and, if the content changed, swaps in a new version atomically and writes
   its exports under `published/<dataset>/<version>/` (CSV with BOM, Parquet, JSON, datapackage.json).
3. **update_access** grants `portal_reader` the open views and each `conditional_<applicant>` its datasets until
   expiry (`access:` in config).
4. **write_open_catalog** scores every dataset's metadata (MQA, 405 points) and writes the DCAT-AP catalog
   `published/catalog.jsonld`.
   It emits `x-govdata://warehouse/open_data` (what is served now, blocked datasets at their previous version).
5. **report_publication** logs per dataset: attribute, rows, version, leak guard, MQA; it turns the run red when a
   dataset was blocked or failed.

#### Triage
- *leak guard: …* (a red map index): the candidate still held a personal value (the log names the column, the
  kind of value and a masked example). Nothing new was served; the previous version still is. Usually a column
  graded too low: correct it with `govdata review` (or `config/classification_overrides.yaml`), then clear the map
  index. `publish.publication_log` has every run's outcome.
- *held — quality: N critical check(s) failed — dept/table.column …*: the department's data failed a critical
  check (`config/quality.yaml`); the task stays green (the department must fix its source system, see its feedback
  workbook). The next crawl → catalog → check clears it; `quality_gate: false` in `config/open_data.yaml` turns
  the gate off.
- *待审核*: approval is on (`require_approval`) and the dataset is new or its columns changed:
  `govdata publish list`, then `govdata publish approve DATASET --reason …` (or `reject`); the next run publishes.
- *不予开放*: the dataset's grade after masking is L4, or staff decided so (`decisions:` in config).
- *unchanged*: same content as the served version: no new version (by design).
"""


@dag(
    dag_id="publish_open_data",
    schedule=[QUALITY_RESULT],
    start_date=pendulum.datetime(2026, 1, 1, tz="Asia/Shanghai"),
    catchup=False,
    max_active_runs=1,
    default_args=default_args(),
    tags=[Tag.GOVDATA, Tag.PUBLICATION, Tag.MASKING],
    doc_md=DOCS,
)
def publish_open_data():
    """Prepare → one task per dataset → access → catalogue → report."""

    @task
    def prepare_publication() -> list[str]:
        """Install the stage's tables, audit config changes, list the datasets."""
        from govdata.publish.run import prepare

        return prepare()

    @task(map_index_template="{{ dataset_label }}")
    def publish_dataset(dataset_id: str) -> dict:
        """Build, guard and (if changed) publish one open dataset."""
        from airflow.sdk.exceptions import AirflowFailException

        from govdata.publish.pipeline import DatasetBlocked
        from govdata.publish.run import publish_one

        context = get_current_context()
        context["dataset_label"] = dataset_id  # type: ignore[typeddict-unknown-key]
        try:
            return publish_one(dataset_id, run_id=context["run_id"])
        except DatasetBlocked as exc:
            # blocked again on a retry until someone fixes the data or its classification: fail, no retry
            # (a lost connection or a full disk still gets the retries of default_args)
            raise AirflowFailException(str(exc)) from exc

    @task(trigger_rule="all_done")
    def update_access() -> dict:
        """Roles of the portal and of the approved applicants, by what is served now."""
        from govdata.publish.run import update_access as grant

        return grant()

    @task(trigger_rule="all_done", outlets=[OPEN_DATA])
    def write_open_catalog() -> dict:
        """MQA scores and the DCAT-AP catalog of every served dataset."""
        from govdata.publish.run import write_open_catalog as write

        return write()

    @task(trigger_rule="all_done")
    def report_publication() -> None:
        """Log this run's outcome per dataset; fail the run if any dataset failed or was blocked."""
        from govdata.publish.run import report

        report(get_current_context()["run_id"])

    datasets = prepare_publication()
    published = publish_dataset.expand(dataset_id=datasets)
    published >> update_access() >> write_open_catalog() >> report_publication()


publish_open_data()
