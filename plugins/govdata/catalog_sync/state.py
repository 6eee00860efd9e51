"""What the warehouse holds that OpenMetadata should show: read in one function, as plain frozen records."""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING

from govdata import config
from govdata.warehouse import scalar

if TYPE_CHECKING:
    import psycopg

#: the schemas of the open-data stage that are synced beside raw_<dept>
SERVED_SCHEMAS = ("open_data", "conditional_data")


@dataclass(frozen=True)
class DepartmentState:
    """One 数源部门: becomes a team that owns its tables."""

    code: str
    name: str
    org_code: str
    contact: str


@dataclass(frozen=True)
class ColumnState:
    """One column of a synced table."""

    name: str
    pg_type: str  # information_schema data_type
    max_length: int | None = None  # character_maximum_length
    item_name: str = ""  # 信息项名称
    entity: str | None = None  # classification entity (raw tables only)
    grade: str | None = None  # L1–L4 (raw tables only)
    is_personal: bool = False
    treatment: str | None = None  # what publication did to it (served tables only)


@dataclass(frozen=True)
class TableState:
    """One table (raw snapshot of a catalogued resource) or served open dataset view."""

    schema: str
    name: str
    display_name: str  # 资源名称 / dataset title
    description: str  # 摘要 / dataset description
    department_code: str | None
    columns: tuple[ColumnState, ...]
    #: custom properties: resourceCode, shareAttribute, openAttribute, updateCycle (values present only)
    properties: tuple[tuple[str, str], ...] = ()
    #: (schema, table) of the raw snapshot it was derived from, for lineage
    source: tuple[str, str] | None = None


@dataclass(frozen=True)
class DataItemState:
    """One data item of the 责任清单 with its authoritative department(s) (none when 未明确)."""

    name: str
    status: str  # 已明确 / 未明确 / 多部门声明 / 资源未找到
    department_codes: tuple[str, ...]
    holders: tuple[str, ...]  # departments holding a copy
    sources: tuple[str, ...]  # "<dept> 履职事项 — 资源代码 字段" of each declaration


@dataclass(frozen=True)
class QualityResultState:
    """One expectation's result of a raw table's latest check (governance.quality_result): counts, never values."""

    schema: str  # the resource's raw snapshot table
    table: str
    run_id: str
    checked_at: datetime
    suite_name: str
    expectation_key: str
    expectation_type: str
    column_name: str | None
    dimension: str | None
    severity: str
    success: bool
    element_count: int | None = None
    unexpected_count: int | None = None
    unexpected_percent: float | None = None
    error: str | None = None
    #: what config/quality.yaml declares for a range or code-list check (OpenMetadata's parameter values)
    parameters: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class WarehouseState:
    """Everything the sync needs from the warehouse, read at one moment."""

    database: str
    departments: tuple[DepartmentState, ...]
    tables: tuple[TableState, ...]
    data_items: tuple[DataItemState, ...] = ()
    quality_results: tuple[QualityResultState, ...] = ()
    notes: tuple[str, ...] = field(default=())  # what was skipped and why (logged by the sync)

    @property
    def raw_schemas(self) -> tuple[str, ...]:
        """raw_<dept> of every configured department, synced whether or not it has tables."""
        return tuple(f"raw_{d.code}" for d in self.departments)


_RESOURCES = """
select r.resource_code, r.resource_name, coalesce(r.summary, ''), r.share_attribute, r.open_attribute,
       r.update_cycle, r.department_code, r.raw_schema, r.raw_table
from catalog.resource as r
where r.status = '有效' and r.raw_table is not null
order by r.raw_schema, r.raw_table
"""

_ITEMS = """
select r.resource_code, i.column_name, c.data_type, c.character_maximum_length, coalesce(i.item_name, ''),
       i.entity, i.grade
from catalog.item as i
join catalog.resource as r on r.resource_code = i.resource_code and r.status = '有效'
join information_schema.columns as c
    on c.table_schema = r.raw_schema and c.table_name = r.raw_table and c.column_name = i.column_name
order by r.resource_code, c.ordinal_position
"""

_DATA_ITEMS = """
select data_item, status, source_department_code, duty_name, resource_code, column_name, holder_departments
from catalog.responsibility
where is_authoritative or status = '未明确'
order by data_item, source_department_code nulls last, duty_name
"""

_DATASETS = """
select d.dataset_id, d.title, d.description, d.served_schema, d.department_code, d.open_attribute,
       d.update_cycle, d.source_resource_codes, d.columns
from publish.dataset as d
where d.current_version is not null and d.served_schema is not null
  and exists (select 1 from information_schema.views as v
              where v.table_schema = d.served_schema and v.table_name = d.dataset_id)
order by d.served_schema, d.dataset_id
"""

#: each current resource's latest run (by checked_at): its results only, one row per expectation
_QUALITY = """
with latest as (
    select distinct on (q.resource_code) q.resource_code, q.run_id, q.department_code
    from governance.quality_result as q
    order by q.resource_code, q.checked_at desc, q.run_id desc
)
select r.raw_schema, r.raw_table, q.run_id, q.checked_at, q.suite_name, q.expectation_key, q.expectation_type,
       q.column_name, q.dimension, q.severity, q.success, q.element_count, q.unexpected_count,
       q.unexpected_percent::float8, q.error, q.department_code, q.source_name
from latest as l
join governance.quality_result as q
    on q.resource_code = l.resource_code and q.run_id = l.run_id and q.department_code = l.department_code
join catalog.resource as r on r.resource_code = q.resource_code and r.status = '有效' and r.raw_table is not null
order by r.raw_schema, r.raw_table, q.expectation_key
"""

_VIEW_COLUMNS = """
select table_name, column_name, data_type, character_maximum_length
from information_schema.columns where table_schema = %s order by table_name, ordinal_position
"""


def read_state(conn: psycopg.Connection) -> WarehouseState:
    """The catalog, classification, 责任清单 and served datasets as the sync needs them (reads only)."""
    from govdata.classify.grading import is_personal
    from govdata.classify.rules import load_rules

    rules = load_rules()
    departments = tuple(
        DepartmentState(d.code, d.name, d.org_code, d.contact.name) for d in config.load_departments().departments
    )
    notes: list[str] = []
    columns: dict[str, list[ColumnState]] = {}
    for code, name, pg_type, length, item_name, entity, grade in conn.execute(_ITEMS):
        graded = grade if grade in ("L1", "L2", "L3", "L4") else None
        columns.setdefault(code, []).append(
            ColumnState(
                name, pg_type, length, item_name, entity if graded else None, graded,
                bool(graded and is_personal(rules, entity)),
            )
        )  # fmt: skip
    tables: list[TableState] = []
    raw_by_code: dict[str, tuple[str, str]] = {}
    for code, name, summary, share, open_, cycle, dept, raw_schema, raw_table in conn.execute(_RESOURCES):
        raw_by_code[code] = (raw_schema, raw_table)
        props = (("resourceCode", code), ("shareAttribute", share), ("openAttribute", open_), ("updateCycle", cycle))
        tables.append(
            TableState(
                raw_schema, raw_table, name, summary, dept, tuple(columns.get(code, ())),
                tuple((k, v) for k, v in props if v),
            )
        )  # fmt: skip
    if scalar(conn.execute("select to_regclass('publish.dataset') is not null")):
        tables += _served_tables(conn, raw_by_code)
    else:
        notes.append("publish.dataset does not exist yet: open_data / conditional_data not synced, no lineage")
    quality: tuple[QualityResultState, ...] = ()
    if scalar(conn.execute("select to_regclass('governance.quality_result') is null")):
        notes.append("governance.quality_result does not exist yet: no test cases synced")
    else:
        quality = _quality_results(conn)
    return WarehouseState(
        database=config.load_platform().warehouse_db,
        departments=departments,
        tables=tuple(tables),
        data_items=_data_items(conn),
        quality_results=quality,
        notes=tuple(notes),
    )


def _served_tables(conn: psycopg.Connection, raw_by_code: dict[str, tuple[str, str]]) -> list[TableState]:
    view_columns: dict[tuple[str, str], dict[str, tuple[str, int | None]]] = {}
    for schema in SERVED_SCHEMAS:
        for view, column, pg_type, length in conn.execute(_VIEW_COLUMNS, (schema,)):
            view_columns.setdefault((schema, view), {})[column] = (pg_type, length)
    out = []
    rows = conn.execute(_DATASETS).fetchall()
    for dataset_id, title, description, schema, dept, open_, cycle, codes, published in rows:
        actual = view_columns.get((schema, dataset_id), {})
        cols = []
        for meta in published if isinstance(published, list) else json.loads(published):
            if meta["name"] not in actual:
                continue  # the served view is the truth: a column the metadata names but the view lacks is not shown
            pg_type, length = actual[meta["name"]]
            cols.append(
                ColumnState(meta["name"], pg_type, length, meta.get("description") or "",
                            treatment=meta.get("treatment") or "kept")
            )  # fmt: skip
        props = (("resourceCode", ",".join(codes)), ("openAttribute", open_), ("updateCycle", cycle))
        source = raw_by_code.get(codes[0]) if len(codes) == 1 else None
        out.append(
            TableState(
                schema, dataset_id, title, description, dept, tuple(cols), tuple((k, v) for k, v in props if v), source
            )
        )
    return out


def _data_items(conn: psycopg.Connection) -> tuple[DataItemState, ...]:
    if not scalar(conn.execute("select to_regclass('catalog.responsibility') is not null")):
        return ()
    grouped: dict[str, dict] = {}
    for item, status, dept, duty, code, column, holders in conn.execute(_DATA_ITEMS):
        entry = grouped.setdefault(item, {"status": status, "depts": [], "holders": set(), "sources": []})
        entry["holders"].update(holders or ())
        if dept is not None:
            if dept not in entry["depts"]:
                entry["depts"].append(dept)
            entry["sources"].append(f"{dept} {duty or ''} — {code or '资源未找到'} {column or ''}".strip())
        if status != "已明确":
            entry["status"] = status
    return tuple(
        DataItemState(item, e["status"], tuple(e["depts"]), tuple(sorted(e["holders"])), tuple(e["sources"]))
        for item, e in grouped.items()
    )


def _quality_results(conn: psycopg.Connection) -> tuple[QualityResultState, ...]:
    """The latest check of every current resource, with the parameters config/quality.yaml declares."""
    from govdata.quality.suites import BETWEEN, IN_SET

    quality = config.load_quality_config()
    out = []
    for row in conn.execute(_QUALITY):
        *values, department, source_name = row
        kind, column = values[6], values[7]
        declared = quality.rules(department, source_name)
        params: tuple[tuple[str, str], ...] = ()
        if kind == IN_SET and column in declared.code_lists:
            params = (("allowedValues", json.dumps(declared.code_lists[column], ensure_ascii=False)),)
        elif kind == BETWEEN and column in declared.ranges:
            bounds = declared.ranges[column]
            params = tuple(
                (name, str(value))
                for name, value in (("minValue", bounds.min), ("maxValue", bounds.max))
                if isinstance(value, int | float)  # OpenMetadata's bounds are numbers; a date range has none
            )
        out.append(replace(QualityResultState(*values), parameters=params))
    return tuple(out)
