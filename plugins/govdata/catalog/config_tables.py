"""Load config/departments.yaml and config/catalog.yaml into catalog_config.* for the dbt models."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import TYPE_CHECKING

from govdata import warehouse
from govdata.config import load_catalog_config, load_departments

if TYPE_CHECKING:
    import psycopg

SCHEMA = "catalog_config"

#: table → column definitions; rebuilt from the YAML at every catalog build.
TABLES: dict[str, Sequence[tuple[str, str]]] = {
    "department": [
        ("department_code", "text primary key"), ("department_name", "text not null"), ("short_name", "text"),
        ("org_code", "text"), ("contact_name", "text"), ("contact_email", "text"), ("contact_phone", "text"),
        ("source_format", "text"), ("is_configured", "boolean not null"),
    ],
    "table_spec": [
        ("department_code", "text not null"), ("table_name", "text not null"), ("title", "text"),
        ("update_cycle", "text not null"), ("update_column", "text"), ("provider", "text"),
    ],
    "duty_item": [
        ("department_code", "text not null"), ("duty_name", "text not null"), ("item", "text not null"),
        ("table_name", "text"), ("column_name", "text"),
    ],
    "class": [
        ("class_code", "text primary key"), ("lei", "text"), ("lei_name", "text"), ("xiang", "text"),
        ("xiang_name", "text"), ("mu", "text"), ("mu_name", "text"),
    ],
    "rule_keyword": [
        ("rule_id", "text not null"), ("priority", "integer not null"), ("keyword", "text not null"),
        ("class_code", "text not null"), ("resource_type", "text not null"),
    ],
    "department_default": [("department_code", "text primary key"), ("class_code", "text not null")],
    "policy": [
        ("grade", "text primary key"), ("share_attribute", "text"), ("share_condition", "text"),
        ("share_method", "text"), ("open_attribute", "text"), ("open_condition", "text"),
    ],
    "override": [
        ("department_code", "text not null"), ("table_name", "text not null"), ("class_code", "text"),
        ("resource_type", "text"), ("name", "text"), ("summary", "text"), ("share_attribute", "text"),
        ("share_condition", "text"), ("share_method", "text"), ("open_attribute", "text"),
        ("open_condition", "text"), ("update_cycle", "text"),
    ],
    "column_dictionary": [("abbreviation", "text primary key"), ("item_name", "text not null")],
    "data_item": [
        ("item", "text not null"), ("synonym", "text not null"), ("key_type", "text"), ("key_item", "text"),
        ("allow_roles", "boolean not null"),
    ],
    "settings": [("name", "text primary key"), ("value", "text")],
}  # fmt: skip


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
    policies = {"default": catalog.default_policy, **catalog.grade_policies}
    rows["policy"] = [
        (g, p.share_attribute, p.share_condition, p.share_method, p.open_attribute, p.open_condition)
        for g, p in policies.items()
    ]
    rows["override"] = [
        (o.department, o.table, o.class_code, o.resource_type, o.name, o.summary, o.share_attribute,
         o.share_condition, o.share_method, o.open_attribute, o.open_condition, o.update_cycle)
        for o in catalog.overrides
    ]  # fmt: skip
    rows["column_dictionary"] = sorted(catalog.column_dictionary.items())
    rows["data_item"] = [(d.item, n, d.key_type, d.key, d.roles) for d in catalog.data_items for n in d.names]
    digest = hashlib.sha256(json.dumps(rows, sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest()
    rows["settings"] = [("fallback_class", catalog.fallback_class), ("config_hash", digest[:12])]
    return rows


def load_config_tables(wh: psycopg.Connection) -> dict[str, int]:
    """Replace catalog_config.* with the current YAML, in one transaction; returns row counts."""
    from psycopg import sql

    rows = config_rows()
    with wh.transaction():
        wh.execute(sql.SQL("create schema if not exists {}").format(sql.Identifier(SCHEMA)))
        rows["department"] += _departments_gone(wh, {r[0] for r in rows["department"]})
        for table, columns in TABLES.items():
            target = warehouse.qualified(SCHEMA, table)
            defs = sql.SQL(", ").join(sql.SQL("{} {}").format(sql.Identifier(c), sql.SQL(t)) for c, t in columns)
            # drop + create (not truncate) so a column added to TABLES reaches existing warehouses
            wh.execute(sql.SQL("drop table if exists {} cascade").format(target))
            wh.execute(sql.SQL("create table {} ({})").format(target, defs))
            warehouse.copy_rows(wh, SCHEMA, table, [c for c, _ in columns], rows[table])
    return {table: len(r) for table, r in rows.items()}


def _departments_gone(wh: psycopg.Connection, configured: set[str]) -> list[tuple]:
    """Departments removed from departments.yaml, as last configured (is_configured false).

    Their resources stay in the catalog as 已撤销 and need the provider's name and code; dropping
    the department with its config once left 702 items pointing at resources that had vanished.
    """
    exists = wh.execute("select to_regclass('catalog_config.department') is not null").fetchone()[0]
    if not exists:
        return []
    columns = [c for c, _ in TABLES["department"][:-1]]
    have = {r[0] for r in wh.execute(
        "select column_name from information_schema.columns"
        " where table_schema = 'catalog_config' and table_name = 'department'"
    )}  # fmt: skip
    picked = ", ".join(c if c in have else f"null as {c}" for c in columns)
    gone = wh.execute(f"select {picked} from catalog_config.department").fetchall()  # noqa: S608 - fixed names
    return [(*row, False) for row in gone if row[0] not in configured]
