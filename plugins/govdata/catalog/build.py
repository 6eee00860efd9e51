"""Build the catalog outside Airflow (staff and tests): the same steps as the build_catalog DAG."""

from __future__ import annotations

from govdata import warehouse
from govdata.catalog.config_tables import load_config_tables
from govdata.catalog.conflicts import detect_source_conflicts
from govdata.catalog.dbt import dbt_build


def build_catalog_now() -> dict:
    """Config tables → dbt build → 一数一源 conflicts; returns the conflict counts."""
    with warehouse.connect(autocommit=True) as wh:
        load_config_tables(wh)
        dbt_build()
        return detect_source_conflicts(wh)
