"""Load config/departments.yaml, config/catalog.yaml and config/pdmm.yaml into catalog_config.* for the dbt models."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import TYPE_CHECKING

from govdata import warehouse
from govdata.config import load_catalog_config, load_departments, load_pdmm_config

if TYPE_CHECKING:
    import psycopg

    from govdata.config import SharePolicy

SCHEMA = "catalog_config"

#: catalog_config.department's columns, in the order `config_rows` gives them (a department that left the
#: config is read back by name, whatever version of the table holds it).
DEPARTMENT_COLUMNS = (
    "department_code", "department_name", "short_name", "org_code", "contact_name", "contact_email",
    "contact_phone", "source_format", "is_configured",
)  # fmt: skip

SCHEMA_SQL = Path(__file__).with_name("config_schema.sql")

#: The tables of catalog_config (their columns are defined once, in config_schema.sql).
TABLES = (
    "department", "table_spec", "duty_item", "class", "rule_keyword", "department_default", "policy", "override",
    "column_dictionary", "data_item", "update_cycle", "settings", "pdmm_indicator", "pdmm_level", "pdmm_demand",
)  # fmt: skip


def config_rows() -> dict[str, list[tuple]]:
    """The rows of every catalog_config table, from the YAML files."""
    departments = load_departments().departments
    catalog = load_catalog_config()
    rows: dict[str, list[tuple]] = {name: [] for name in TABLES}
    for d in departments:
        source = "+".join(k for k, v in (("database", d.database), ("files", d.drop_folder)) if v)
        rows["department"].append(
            (d.code, d.name, d.short_name, d.org_code, d.contact.name, d.contact.email, d.contact.phone, source, True)
        )
        rows["table_spec"] += [(d.code, t.name, t.title, t.update_cycle, t.update_column, t.provider) for t in d.tables]
        rows["duty_item"] += [(d.code, duty.name, i.item, i.table, i.column) for duty in d.duties for i in duty.items]
    rows["class"] = [(c.class_code, c.lei, c.lei_name, c.xiang, c.xiang_name, c.mu, c.mu_name) for c in catalog.classes]
    rows["rule_keyword"] = [
        (r.id, r.priority, kw, r.class_code, r.resource_type) for r in catalog.rules for kw in r.keywords
    ]
    rows["department_default"] = list(catalog.department_defaults.items())
    policies: list[tuple[str, SharePolicy]] = [("default", catalog.default_policy), *catalog.grade_policies.items()]
    rows["policy"] = [
        (g, p.share_attribute, p.share_condition, p.share_method, p.open_attribute, p.open_condition)
        for g, p in policies
    ]
    rows["override"] = [
        (o.department, o.table, o.class_code, o.resource_type, o.name, o.summary, o.share_attribute,
         o.share_condition, o.share_method, o.open_attribute, o.open_condition, o.update_cycle)
        for o in catalog.overrides
    ]  # fmt: skip
    rows["column_dictionary"] = sorted(catalog.column_dictionary.items())
    rows["data_item"] = [(d.item, n, d.key_type, d.key, d.roles) for d in catalog.data_items for n in d.names]
    rows["update_cycle"] = list(catalog.update_cycles.items())
    digest = hashlib.sha256(json.dumps(rows, sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest()
    rows["settings"] = [("fallback_class", catalog.fallback_class), ("config_hash", digest[:12])]
    _pdmm_rows(rows)
    return rows


def _pdmm_rows(rows: dict[str, list[tuple]]) -> None:
    """config/pdmm.yaml's rows: indicators with their dimension, levels, demands, and pdmm_* settings."""
    pdmm = load_pdmm_config()
    rows["pdmm_indicator"] = [
        (d.code, d.name, d.weight, di, i.code, i.name, i.weight, ii, i.method, i.penalty, i.zeroes_dimension,
         i.definition)
        for di, d in enumerate(pdmm.dimensions, 1) for ii, i in enumerate(d.indicators, 1)
    ]  # fmt: skip
    rows["pdmm_level"] = [(lv.level, lv.name, lv.min_score) for lv in pdmm.levels]
    rows["pdmm_demand"] = [(d.department, d.title, d.answered) for d in pdmm.demands]
    rows["settings"] += [
        ("pdmm_above_weakest_dimension", str(pdmm.caps.above_weakest_dimension)),
        ("pdmm_leak_max_level", str(pdmm.caps.leak_max_level)),
        ("pdmm_catalog_mandatory_fields", str(pdmm.catalog_mandatory_fields)),
        *((f"pdmm_severity_weight_{k}", str(v)) for k, v in pdmm.severity_weights.items()),
    ]


def load_config_tables(wh: psycopg.Connection) -> dict[str, int]:
    """Replace the rows of catalog_config.* with the current YAML, in one transaction; returns row counts."""
    from psycopg import sql

    rows = config_rows()
    rows["department"] += _departments_gone(wh, {r[0] for r in rows["department"]})  # before a new DDL drops them
    warehouse.ensure_schema(wh, SCHEMA, SCHEMA_SQL)
    with wh.transaction():
        for table in TABLES:
            wh.execute(sql.SQL("truncate {}").format(warehouse.qualified(SCHEMA, table)))
            warehouse.copy_rows(wh, SCHEMA, table, _columns(wh, table), rows[table])
    return {table: len(r) for table, r in rows.items()}


def _columns(wh: psycopg.Connection, table: str) -> list[str]:
    return [r[0] for r in wh.execute(
        "select column_name from information_schema.columns where table_schema = %s and table_name = %s"
        " order by ordinal_position",
        (SCHEMA, table),
    )]  # fmt: skip


def _departments_gone(wh: psycopg.Connection, configured: set[str]) -> list[tuple]:
    """Departments removed from departments.yaml, as last configured (is_configured false).

    Their resources stay in the catalog as 已撤销 and need the provider's name and code; dropping
    the department with its config once left 702 items pointing at resources that had vanished.
    """
    exists = warehouse.scalar(wh.execute("select to_regclass('catalog_config.department') is not null"))
    if not exists:
        return []
    columns = [c for c in DEPARTMENT_COLUMNS if c != "is_configured"]
    have = set(_columns(wh, "department"))
    picked = ", ".join(c if c in have else f"null as {c}" for c in columns)
    gone = wh.execute(f"select {picked} from catalog_config.department").fetchall()  # noqa: S608 - fixed names
    return [(*row, False) for row in gone if row[0] not in configured]
