"""目录 — build the public data resource catalog, the responsibility lists and the 一数一源 conflicts."""

from __future__ import annotations

import sys
from pathlib import Path

import pendulum
from airflow.sdk import TriggerRule, dag, task
from cosmos import DbtTaskGroup, ExecutionConfig, ProfileConfig, ProjectConfig, RenderConfig
from cosmos.constants import ExecutionMode, InvocationMode, LoadMode, TestBehavior
from cosmos.profiles import PostgresUserPasswordProfileMapping

from govdata.catalog.dbt import DBT_AIRFLOW_TARGET, DBT_PROFILE, MATURITY_SELECTOR, dbt_project_dir
from govdata.dag_support import CATALOG, CRAWL_COMPLETED, FIELD_CLASSIFICATION, Tag, default_args

DOCS = """
### 目录 build_catalog

Runs after every crawl (asset `x-govdata://warehouse/raw`) and after every classification run
(`x-govdata://warehouse/governance/field_classification`), so grades reach the catalog:

1. **load_catalog_config** copies `config/departments.yaml` and `config/catalog.yaml` (classes,
   keyword rules, overrides, pinyin dictionary, data items) into `catalog_config.*`.
2. **catalog_models** (dbt through Cosmos' watcher mode): `dbt_producer_watcher` runs one
   `dbt build` of staging → intermediate → marts `catalog.resource` (公共数据资源目录, codes stable
   across crawls), `catalog.item` (信息项), `catalog.responsibility` (责任清单, 一数一源),
   `catalog.catalog_version`, `catalog.change_log`, each model's data tests right after it (a
   model whose test fails is not built upon: the models after it keep their previous contents);
   one task per model then shows that model's result. The dbt unit tests (the SQL rules on fixed
   inputs) run in CI (`make test`), as dbt advises, not on every build.
3. **detect_source_conflicts** reads what dbt found (`catalog.source_comparison`: each copy of a
   shared data item against its authoritative source on 身份证号 / 统一社会信用代码; the restricted
   view `catalog_restricted.source_conflict_candidates`: the records that disagree), pseudonymises
   and masks them → `catalog.source_conflict` and `catalog.source_conflict_summary`.
4. **export_catalog** writes the XLSX/CSV/JSON exports in the national template's column order.
5. **report_catalog** logs resources per department, unnamed items, conflicts and the change log.

#### Triage
- `dbt_producer_watcher` red: a model or a data test failed; its log names it (the test with its
  model and column). The tasks of the models after it are red too: dbt did not build them, their
  tables keep the previous build. Clearing a model task re-runs that one model. A failing test is
  most often a department that declared an unknown update cycle or a class code missing from
  `config/catalog.yaml`.
- A resource in the wrong class: add an override in `config/catalog.yaml` (`overrides:`) or a
  keyword rule; `catalog.resource.classification_rule` says which rule placed it.
- Codes never change: a renamed table is a new resource (the old one is 已撤销).
"""

DBT_DIR = dbt_project_dir()
# dbt's threads in the one `dbt build`: models of a layer run side by side (2 cores, mostly waiting on PostgreSQL)
DBT_THREADS = 4
# a sensor only waits when it starts before the build reported its model (a scheduler after a clear):
# poll every second, not Cosmos' 10 s
SENSOR_POKE_SECONDS = 1


def _models_after_the_build(group) -> None:
    """The producer's one `dbt build` runs the models and their data tests; the model sensors start after it.

    Cosmos starts a DbtTaskGroup's sensors beside the producer. `dag.test` (how `govdata run` and
    the tests run DAGs) runs one task at a time: a sensor run before the producer would wait for
    it for ever. After the build each sensor reads its model's result at its first poke — also
    after a failed build (ALL_DONE): the models dbt built show green, the ones it did not build red.

    No automatic retries: Cosmos *skips* a retried producer (it will not run a second build), and a
    skipped producer would skip every task after it — a failed build would end as a green run. A
    sensor's retry would build its model alone, even on a model whose test just failed. Clearing a
    model task in the UI still re-runs that one model.
    """
    producer = next(t for t in group.children.values() if t.task_id.endswith(".dbt_producer_watcher"))
    # the data tests inside the one `dbt build` (Cosmos gives the producer `--resource-type model …`, tests
    # left to a task of their own that started dbt again: ~6 s of the demo's catalog); not the unit tests
    producer.dbt_cmd_flags = ["--exclude-resource-type", "unit_test"]
    producer.retries = 0
    for node in group.children.values():
        if hasattr(node, "producer_task_id"):
            node.poke_interval = SENSOR_POKE_SECONDS
            node.retries = 0
            node.trigger_rule = TriggerRule.ALL_DONE
            if not node.upstream_task_ids & group.children.keys():
                producer >> node


@dag(
    dag_id="build_catalog",
    # after each crawl, and again when classification has graded fields (grades, 共享/开放属性)
    schedule=(CRAWL_COMPLETED | FIELD_CLASSIFICATION),
    start_date=pendulum.datetime(2026, 1, 1, tz="Asia/Shanghai"),
    catchup=False,
    max_active_runs=1,
    default_args=default_args(),
    tags=[Tag.GOVDATA, Tag.CATALOG],
    doc_md=DOCS,
)
def build_catalog():
    """Config → dbt models → conflicts → exports → report."""

    @task
    def load_catalog_config() -> dict:
        """Copy the YAML config into catalog_config.* for dbt."""
        from govdata import warehouse
        from govdata.catalog.config_tables import load_config_tables

        with warehouse.connect(autocommit=True) as wh:
            return load_config_tables(wh)

    catalog_models = DbtTaskGroup(
        group_id="catalog_models",
        project_config=ProjectConfig(dbt_project_path=DBT_DIR, manifest_path=DBT_DIR / "target" / "manifest.json"),
        profile_config=ProfileConfig(
            profile_name=DBT_PROFILE,
            target_name=DBT_AIRFLOW_TARGET,
            profile_mapping=PostgresUserPasswordProfileMapping(
                conn_id="govdata_warehouse", profile_args={"schema": "catalog", "threads": DBT_THREADS}
            ),
        ),
        # emit_datasets off: Cosmos would publish one asset per model under the warehouse's internal
        # address; the only asset staff and later stages use is CATALOG, on report_catalog.
        render_config=RenderConfig(
            load_method=LoadMode.DBT_MANIFEST,
            # no test tasks: the producer's build runs the data tests (_models_after_the_build)
            test_behavior=TestBehavior.NONE,
            emit_datasets=False,
            # the PDMM models are score_maturity's (monthly, per period), not part of each catalog build
            exclude=[MATURITY_SELECTOR],
        ),
        # watcher: one `dbt build` (dbt started once, models in parallel threads) instead of one dbt
        # start per model task (~3 s each for models that run in under a second); the model tasks
        # are sensors that show each model's result.
        # dbt as a subprocess: the producer pushes three XComs per model as dbt reports it. With dbt
        # inside the task's process, dbt's threads waited for each push under one lock in one
        # interpreter (the demo's build: 14.5 s for 2 s of models); as a subprocess dbt runs on the
        # other core while the task reads its log and pushes (7.3 s).
        execution_config=ExecutionConfig(
            execution_mode=ExecutionMode.WATCHER,
            dbt_executable_path=str(Path(sys.executable).with_name("dbt")),
            invocation_mode=InvocationMode.SUBPROCESS,
        ),
        operator_args={"install_deps": False},
    )
    _models_after_the_build(catalog_models)

    @task
    def detect_source_conflicts() -> dict:
        """一数一源: records whose copy disagrees with the authoritative source."""
        from govdata import warehouse
        from govdata.catalog.conflicts import detect_source_conflicts as detect

        with warehouse.connect(autocommit=True) as wh:
            return detect(wh)

    @task
    def export_catalog() -> list[str]:
        """XLSX (one sheet per department plus a summary), CSV and JSON in the national column order."""
        from govdata.catalog.export import export_catalog as export

        return [str(p) for p in export(["xlsx", "csv", "json"])]

    @task(outlets=[CATALOG])
    def report_catalog() -> None:
        """Log the catalog summary and the latest change log."""
        from govdata.catalog.report import log_catalog_report

        log_catalog_report()

    config = load_catalog_config()
    conflicts = detect_source_conflicts()
    config >> catalog_models >> conflicts >> export_catalog() >> report_catalog()


build_catalog()
