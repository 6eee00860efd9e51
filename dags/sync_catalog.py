"""元数据同步 — sync the catalog, grades, 责任清单, quality results and lineage to OpenMetadata after publication."""

from __future__ import annotations

import pendulum
from airflow.sdk import dag, task

from govdata.dag_support import OPEN_DATA, Tag, default_args

DOCS = """
### 元数据同步 sync_catalog

Runs after every publication (asset `x-govdata://warehouse/open_data`; publication itself follows each catalog
build, which follows crawl and classification, so one run sees all of them). Server and token: the Airflow
connection `openmetadata_default` (see README, *OpenMetadata*).

**sync_to_openmetadata** reads the warehouse (catalog.resource / item / responsibility,
governance.field_classification through catalog.item, publish.dataset), computes the OpenMetadata entities with
the SDK's request models, reads each from the server and sends a PUT only where it differs:
a team per department (owner of its `raw_<dept>` schema and tables), the classifications `GovDataGrade`
(L1–L4) and `GovDataEntity` plus `PII.Sensitive` / `PII.NonSensitive` on columns, the glossary 责任清单 (a term per
data item, owned by its authoritative department), the table custom properties 资源代码 / 共享属性 / 开放属性 /
更新周期, the service `govdata_warehouse` with `raw_<dept>`, `open_data`, `conditional_data`, their tables and
columns (信息项名称 as display name), the latest quality check of each raw table (governance.quality_result,
written by check_quality before publication) as test cases in the table's basic test suite with their results
(POST, each result once: skipped when the server's latest result is as recent), and lineage raw → open dataset
per column kept by name.
Tables the catalog no longer has are soft-deleted (restorable in OpenMetadata). An unchanged catalog sends nothing.

#### Triage
- *skipped* with "no Airflow connection 'openmetadata_default'": not configured; nothing was sent. Add the
  connection (README) or leave it skipped on purpose.
- *VersionMismatchException*: the server's major.minor differs from openmetadata-ingestion in the venv (2.0);
  upgrade one of them.
- *401 / Not authorized*: the token expired or the bot was disabled: new token in the connection.
- *404 … not found* on a PUT: a referenced entity is missing on the server (e.g. the built-in `PII` classification
  deleted, or a built-in test definition such as `columnValuesToBeNotNull`); the message names it.
- `govdata catalog sync --dry-run --out DIR` writes the requests a run would send (`DIR/requests.json`) for review.
"""


@dag(
    dag_id="sync_catalog",
    schedule=[OPEN_DATA],
    start_date=pendulum.datetime(2026, 1, 1, tz="Asia/Shanghai"),
    catchup=False,
    max_active_runs=1,
    default_args=default_args(),
    tags=[Tag.GOVDATA, Tag.METADATA_SYNC, Tag.CATALOG],
    doc_md=DOCS,
)
def sync_catalog():
    """One task: diff the warehouse against OpenMetadata and apply."""

    @task
    def sync_to_openmetadata() -> dict:
        """Skipped when no connection is configured; else PUT what differs, soft-delete withdrawn tables."""
        from govdata.catalog_sync.run import sync_task

        return sync_task()

    sync_to_openmetadata()


sync_catalog()
