"""Suites from the catalog: one GX suite (as its JSON dict) per resource, and the merge that keeps staff edits.

Pure functions, no GX and no database: :func:`generate_suite` turns a resource's catalog state (columns,
primary key, NOT NULL, classified entity, 更新周期, 一数一源 comparisons) and config/quality.yaml into the
suite GX stores in expectations/expectations/; :func:`merge_suite` combines it with the suite already there.

Every generated expectation carries ``meta.govdata``: ``generated: true``, a ``key`` naming what it checks
(``validity:sfzh``) and a ``hash`` of what staff may edit (type, kwargs, description, and GX's own
``severity`` field, which holds our critical / warning from config/quality.yaml). On
regeneration an expectation whose content no longer matches its hash was edited, and is kept as it is;
one without ``meta.govdata.generated`` was added by staff, and is kept; keys listed in the suite's
``meta.govdata.suppressed`` are not generated again (how staff remove a generated check for good).
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any

from govdata.config import QualityConfig

#: expectation types by dimension, for the ones generated here
NOT_NULL = "expect_column_values_to_not_be_null"
COLUMN_EXISTS = "expect_column_to_exist"
UNIQUE = "expect_column_values_to_be_unique"
COMPOUND_UNIQUE = "expect_compound_columns_to_be_unique"
UNEXPECTED_ROWS = "unexpected_rows_expectation"
BETWEEN = "expect_column_values_to_be_between"
IN_SET = "expect_column_values_to_be_in_set"
#: the suite parameter a range bound ``today`` becomes; the check passes the day it runs for
TODAY_PARAMETER = "today"
#: identifier entity → custom expectation type (govdata.quality.expectations registers them)
VALIDITY_TYPES: dict[str, str] = {
    "CN_RESIDENT_ID": "expect_column_values_to_be_valid_cn_resident_id",
    "CN_USCC": "expect_column_values_to_be_valid_cn_uscc",
    "CN_MOBILE": "expect_column_values_to_be_valid_cn_mobile",
    "CN_DIVISION_CODE": "expect_column_values_to_be_valid_cn_division_code",
}
_ENTITY_LABELS = {
    "CN_RESIDENT_ID": "居民身份证号（校验位、出生日期、行政区划）",
    "CN_USCC": "统一社会信用代码（登记机关、类别、行政区划、校验位）",
    "CN_MOBILE": "手机号（11位，号段有效）",
    "CN_DIVISION_CODE": "行政区划代码",
}
_UNDECLARED_CYCLES = {"不定期", None}
_PATH_CHARS = re.compile(r"[./\\\"']+")


@dataclass(frozen=True)
class ColumnState:
    """One column of a resource as the catalog knows it (catalog.item)."""

    name: str
    entity: str | None = None
    is_primary_key: bool = False
    is_nullable: bool = True


@dataclass(frozen=True)
class Comparison:
    """一数一源: a column of this resource (a copy) compared with its authoritative source (source_comparison)."""

    copy_column: str
    data_item: str
    source_resource_code: str
    source_label: str  # <department>.<resource> of the source, for the description
    source_column: str


@dataclass(frozen=True)
class ResourceState:
    """One catalogued resource (catalog.resource) with its columns."""

    resource_code: str
    department_code: str
    source_name: str
    raw_schema: str
    raw_table: str
    update_cycle: str | None
    columns: tuple[ColumnState, ...]
    comparisons: tuple[Comparison, ...] = ()

    @property
    def primary_key(self) -> list[str]:
        """The declared primary key's columns, in table order."""
        return [c.name for c in self.columns if c.is_primary_key]


def suite_name(department: str, source_name: str) -> str:
    """``<department>.<resource>``: GX files it as expectations/<department>/<resource>.json.

    A dot is GX's path separator and a slash would be one too, so both (and quotes) become ``_``.
    """
    return f"{department}.{_PATH_CHARS.sub('_', source_name)}"


def content_hash(expectation: dict[str, Any]) -> str:
    """Hash of what staff may change in an expectation: its type, arguments, description and severity."""
    content = {
        "type": expectation.get("type"),
        "kwargs": {k: v for k, v in (expectation.get("kwargs") or {}).items() if k != "batch_id"},
        "description": expectation.get("description"),
        "severity": expectation.get("severity"),
    }
    return hashlib.sha256(json.dumps(content, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:16]


def _expectation(
    config: QualityConfig,
    key: str,
    dimension: str,
    type_: str,
    kwargs: dict[str, Any],
    description: str,
    **meta: Any,
) -> dict[str, Any]:
    expectation: dict[str, Any] = {
        "type": type_,
        "kwargs": kwargs,
        "description": description,
        "severity": config.severity.of(type_, dimension),
        "meta": {"govdata": {"generated": True, "key": key, "dimension": dimension, **meta}},
    }
    expectation["meta"]["govdata"]["hash"] = content_hash(expectation)
    return expectation


def _sql_literal(value: str) -> str:
    # GX formats the query with str.format ({batch}): braces are doubled so a name holding one stays literal
    return "'" + value.replace("'", "''").replace("{", "{{").replace("}", "}}") + "'"


def _bound(value: Any) -> Any:
    """A range bound as GX's kwargs hold it: ``today`` as a suite parameter, a date as ISO text."""
    if value == "today":
        return {"$PARAMETER": TODAY_PARAMETER}
    return value.isoformat() if hasattr(value, "isoformat") else value


def generate_suite(resource: ResourceState, config: QualityConfig) -> dict[str, Any]:
    """The suite of one resource: completeness, uniqueness, validity, timeliness and consistency, in that order."""
    declared = config.rules(resource.department_code, resource.source_name)
    columns = {c.name: c for c in resource.columns}
    out: list[dict[str, Any]] = []

    mandatory = list(resource.primary_key)
    mandatory += [c.name for c in resource.columns if not c.is_nullable and c.name not in mandatory]
    mandatory += [c for c in declared.mandatory if c not in mandatory]
    for name in mandatory:
        if name not in columns:
            out.append(
                _expectation(
                    config,
                    f"completeness:{name}",
                    "completeness",
                    COLUMN_EXISTS,
                    {"column": name},
                    f"必填项 {name} 应存在（config/quality.yaml 声明，表中没有此列）",
                    column=name,
                )  # fmt: skip
            )
            continue
        why = "主键" if columns[name].is_primary_key else "必填项"
        out.append(
            _expectation(
                config,
                f"completeness:{name}",
                "completeness",
                NOT_NULL,
                {"column": name},
                f"{why} {name} 不得为空",
                column=name,
            )  # fmt: skip
        )

    keys = [resource.primary_key] if resource.primary_key else []
    keys += [key for key in declared.keys if key not in keys]
    for key in keys:
        label = "主键" if key == resource.primary_key else "唯一键"
        kwargs: dict[str, Any]
        if len(key) == 1:
            type_, kwargs = UNIQUE, {"column": key[0]}
        else:
            type_, kwargs = COMPOUND_UNIQUE, {"column_list": list(key)}
        out.append(
            _expectation(
                config,
                f"uniqueness:{'+'.join(key)}",
                "uniqueness",
                type_,
                kwargs,
                f"{label} {'+'.join(key)} 取值唯一",
                column="+".join(key),
            )  # fmt: skip
        )

    entities = {c.name: c.entity for c in resource.columns if c.entity in config.validity_entities}
    entities.update(declared.identifiers)
    for name, entity in entities.items():
        if entity is None or entity not in VALIDITY_TYPES:
            continue
        out.append(
            _expectation(
                config,
                f"validity:{name}",
                "validity",
                VALIDITY_TYPES[entity],
                {"column": name},
                f"{name} 应为有效的{_ENTITY_LABELS[entity]}",
                column=name,
                entity=entity,
            )  # fmt: skip
        )

    for name, bounds in declared.ranges.items():
        kwargs = {"column": name, "min_value": _bound(bounds.min), "max_value": _bound(bounds.max)}
        shown = f"{bounds.min if bounds.min is not None else '…'} 至 {bounds.max if bounds.max is not None else '…'}"
        out.append(
            _expectation(
                config,
                f"validity:range:{name}",
                "validity",
                BETWEEN,
                kwargs,
                f"{name} 取值应在 {shown} 之间",
                column=name,
            )  # fmt: skip
        )
    for name, codes in declared.code_lists.items():
        out.append(
            _expectation(
                config,
                f"validity:codes:{name}",
                "validity",
                IN_SET,
                {"column": name, "value_set": list(codes)},
                f"{name} 应取代码表中的值（{'、'.join(codes[:8])}{'…' if len(codes) > 8 else ''}）",
                column=name,
            )  # fmt: skip
        )

    if resource.update_cycle not in _UNDECLARED_CYCLES:
        query = (
            "select resource_code, update_cycle, last_updated_at from catalog.resource"
            f" where resource_code = {_sql_literal(resource.resource_code)} and is_stale"
        )
        out.append(
            _expectation(
                config,
                "timeliness",
                "timeliness",
                UNEXPECTED_ROWS,
                {"unexpected_rows_query": query},
                f"按声明的更新周期（{resource.update_cycle}）及时更新（catalog.resource.is_stale）",
            )  # fmt: skip
        )

    for c in resource.comparisons:
        # the catalog build that precedes every check compared the copy with its source in PostgreSQL and kept
        # each disagreeing record, masked, in catalog.source_conflict: counting them reads no raw value (and
        # does not join the two raw tables again, twice per check, as GX's count and rows queries would)
        query = (
            "select s.conflict_id from catalog.source_conflict as s"
            f" where s.copy_resource_code = {_sql_literal(resource.resource_code)}"
            f" and s.copy_column = {_sql_literal(c.copy_column)}"
            f" and s.authoritative_resource_code = {_sql_literal(c.source_resource_code)}"
            f" and s.authoritative_column = {_sql_literal(c.source_column)}"
        )
        out.append(
            _expectation(
                config,
                f"consistency:{c.copy_column}:{c.source_resource_code}:{c.source_column}",
                "consistency",
                UNEXPECTED_ROWS,
                {"unexpected_rows_query": query},
                f"{c.data_item} {c.copy_column} 与数源 {c.source_label}.{c.source_column} 一致（一数一源，按键比对）",
                column=c.copy_column,
            )  # fmt: skip
        )

    return {
        "name": suite_name(resource.department_code, resource.source_name),
        "expectations": out,
        "meta": {
            "govdata": {
                "resource_code": resource.resource_code,
                "department_code": resource.department_code,
                "source_name": resource.source_name,
                "raw_schema": resource.raw_schema,
                "raw_table": resource.raw_table,
            }
        },
    }


def is_generated_unchanged(expectation: dict[str, Any]) -> bool:
    """Whether the generator wrote this expectation and nobody changed it since (its hash still matches)."""
    govdata = (expectation.get("meta") or {}).get("govdata") or {}
    return bool(govdata.get("generated")) and govdata.get("hash") == content_hash(expectation)


def _key(expectation: dict[str, Any]) -> str | None:
    return ((expectation.get("meta") or {}).get("govdata") or {}).get("key")


def merge_suite(existing: dict[str, Any] | None, generated: dict[str, Any]) -> dict[str, Any]:
    """The suite to store: ``generated`` where the stored suite holds only what was generated, staff work kept.

    - a stored expectation staff added (no ``meta.govdata.generated``) or edited (hash differs) is kept;
      an edited one also stands in for the generated expectation of the same key;
    - a stored, unchanged generated expectation is replaced by its regenerated version (keeping its id),
      or dropped when the catalog no longer calls for it (a column dropped, a key removed);
    - keys in the stored suite's ``meta.govdata.suppressed`` are not generated;
    - the suite's own id, notes and other meta are kept.
    """
    if existing is None:
        return generated
    stored = list(existing.get("expectations") or [])
    suite_meta = dict(existing.get("meta") or {})
    suppressed = set((suite_meta.get("govdata") or {}).get("suppressed") or [])
    kept_by_key: dict[str, dict[str, Any]] = {}
    ids_by_key: dict[str, str] = {}
    staff: list[dict[str, Any]] = []
    for expectation in stored:
        key = _key(expectation)
        if is_generated_unchanged(expectation):
            if key and expectation.get("id"):
                ids_by_key[key] = expectation["id"]
            continue
        if key and key not in kept_by_key:
            kept_by_key[key] = expectation
        else:
            staff.append(expectation)

    merged: list[dict[str, Any]] = []
    for expectation in generated["expectations"]:
        key = _key(expectation)
        if key in suppressed:
            continue
        if key in kept_by_key:
            merged.append(kept_by_key.pop(key))
            continue
        if key in ids_by_key:
            expectation = {**expectation, "id": ids_by_key[key]}
        merged.append(expectation)
    merged += list(kept_by_key.values()) + staff

    govdata_meta = {**(suite_meta.get("govdata") or {}), **generated["meta"]["govdata"]}
    out = {**existing, "name": generated["name"], "expectations": merged}
    out["meta"] = {**suite_meta, "govdata": govdata_meta}
    return out


def expectation_types(suite: dict[str, Any]) -> list[str]:
    """Every expectation type a suite (as stored JSON) names."""
    return [str(e.get("type")) for e in suite.get("expectations") or []]
