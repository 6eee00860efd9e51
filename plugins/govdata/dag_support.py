"""What every govdata DAG shares: default arguments, the tag allow-list, assets and failure alerts.

Imported at DAG parse time, so it must stay light: no database, no pandas, no heavy libraries.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from enum import StrEnum
from typing import Any

from airflow.sdk import Asset, AssetAlias

from govdata import config

log = logging.getLogger("govdata.alerts")

OWNER = "数据资源管理处"


class Tag(StrEnum):
    """Tags a govdata DAG may carry (checked by the DAG integrity tests)."""

    GOVDATA = "govdata"
    CRAWL = "采集 crawl"
    CATALOG = "目录 catalog"
    CLASSIFICATION = "分类分级 classification"
    MASKING = "脱敏 masking"
    PUBLICATION = "开放 publication"
    QUALITY = "质量 quality"
    MATURITY = "成熟度 maturity"
    METADATA_SYNC = "元数据同步 metadata-sync"


#: An asset event per department is added to this alias by the crawl; later stages wait on it.
RAW_ALIAS_NAME = "govdata_raw_departments"


#: Emitted once per crawl run when every department has been tried: the catalog builds on it.
CRAWL_COMPLETED_URI = "x-govdata://warehouse/raw"
#: Emitted by each department's classification (governance.field_classification).
FIELD_CLASSIFICATION_URI = "x-govdata://warehouse/governance/field_classification"
#: Emitted when the catalog (catalog.*) has been rebuilt.
CATALOG_URI = "x-govdata://warehouse/catalog"
#: Emitted when open datasets have been published (open_data.*, conditional_data.*, published/).
OPEN_DATA_URI = "x-govdata://warehouse/open_data"
#: Emitted by each department's quality check (governance.quality_result).
QUALITY_RESULT_URI = "x-govdata://warehouse/governance/quality_result"
#: Emitted when a period has been scored and its reports written (maturity.*, reports/<period>/).
MATURITY_URI = "x-govdata://warehouse/maturity"


def raw_asset_uri(department_code: str) -> str:
    """URI of the asset that stands for raw_<dept> in the warehouse."""
    return f"x-govdata://warehouse/raw_{department_code}"


#: The assets that link the DAGs, each defined once (Airflow's light SDK classes; DAG files import it anyway).
CRAWL_COMPLETED = Asset(name="raw_crawled", uri=CRAWL_COMPLETED_URI)
FIELD_CLASSIFICATION = Asset(name="governance_field_classification", uri=FIELD_CLASSIFICATION_URI)
CATALOG = Asset(name="catalog", uri=CATALOG_URI)
OPEN_DATA = Asset(name="open_data", uri=OPEN_DATA_URI)
QUALITY_RESULT = Asset(name="governance_quality_result", uri=QUALITY_RESULT_URI)
MATURITY = Asset(name="maturity", uri=MATURITY_URI)
#: One alias for every department's raw asset, so classification runs for the departments a crawl refreshed.
RAW_DEPARTMENTS = AssetAlias(RAW_ALIAS_NAME)


def raw_asset(department_code: str) -> Asset:
    """The asset that stands for raw_<dept> in the warehouse."""
    return Asset(name=f"raw_{department_code}", uri=raw_asset_uri(department_code))


def alert_on_failure(context: dict[str, Any]) -> None:
    """Say what broke in one line staff can act on, and mail it to the bureau's operators.

    Airflow calls it once per failed task, after the last retry (a retry calls on_retry_callback,
    which we leave unset), so each incident is one mail. It runs in the task's process: the mail
    module is imported here, not when the DAG file is parsed.
    """
    ti = context.get("task_instance") or context.get("ti")
    exc = context.get("exception")
    where = f"{getattr(ti, 'dag_id', '?')} › {getattr(ti, 'task_id', '?')}"
    rendered = getattr(ti, "rendered_map_index", None)
    if rendered:
        where += f" [{rendered}]"
    log.error("[govdata alert] %s failed (try %s): %s", where, getattr(ti, "try_number", "?"), exc)
    try:
        from govdata.mail.alert import send_failure_alert

        delivery = send_failure_alert(context)
    except Exception:  # the alert must never hide the task's own failure
        log.exception("[govdata alert] the alert mail could not be composed")
        return
    log.log(logging.INFO if delivery.sent else logging.ERROR, "[govdata alert] %s", delivery.line())


def default_args() -> dict[str, Any]:
    """Owner, retries and the failure alert; retry settings come from config/govdata.yaml."""
    crawl = config.load_platform().crawl
    return {
        "owner": OWNER,
        "retries": crawl.retries,
        "retry_delay": timedelta(seconds=crawl.retry_delay_seconds),
        # a hung source must not hold a worker slot for ever; the task's cleanup cancels its queries
        "execution_timeout": timedelta(minutes=crawl.task_timeout_minutes),
        "on_failure_callback": alert_on_failure,
    }
