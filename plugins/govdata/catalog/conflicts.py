"""一数一源 conflicts: records whose values in a department's copy disagree with the authoritative source.

dbt finds them: catalog.source_comparison pairs every shared data item's authoritative source (the
责任清单) with each other table holding the item on the same key, and the restricted view
catalog_restricted.source_conflict_candidates compares their values inside PostgreSQL. Only the few
disagreeing records reach Python, where keys are pseudonymised and keys and values masked before they
are written to catalog.source_conflict: no personal data leaves raw schemas. Keys are masked as their
key type, values as their data item's entity (config/catalog.yaml data_items), both by the strict
evidence policy of config/masking.yaml.
"""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from govdata import config, warehouse
from govdata.mask.pseudonyms import pseudonym
from govdata.mask.values import mask_value

if TYPE_CHECKING:
    import psycopg

log = logging.getLogger(__name__)

EXAMPLES_PER_PAIR = 3

SCHEMA_SQL = Path(__file__).with_name("schema.sql")


@dataclass(frozen=True)
class Holder:
    """A column holding a data item, paired with its key column, in one department's table."""

    department_code: str
    source_name: str
    resource_code: str | None
    attribute_column: str


@dataclass(frozen=True)
class Comparison:
    """One authoritative holder against one copy, with the copy's disagreeing records (raw, unmasked)."""

    data_item: str
    key_item: str
    key_type: str
    source: Holder
    copy: Holder
    compared: int
    found: list[tuple[str, str, str]] = field(default_factory=list)  # (key, copy value, source value)


def comparisons(wh: psycopg.Connection) -> list[Comparison]:
    """Every comparison of catalog.source_comparison with its candidates, in comparison order."""
    rows = wh.execute(
        """
        select c.comparison_id, c.data_item, c.key_item, c.key_type,
               c.source_department_code, c.source_source_name, c.source_resource_code, c.source_column,
               c.copy_department_code, c.copy_source_name, c.copy_resource_code, c.copy_column,
               v.records_compared, v.key_value, v.copy_value, v.source_value
        from catalog.source_comparison c
        left join catalog_restricted.source_conflict_candidates v using (comparison_id)
        order by c.comparison_id, v.key_value
        """
    ).fetchall()
    result: dict[int, Comparison] = {}
    for r in rows:
        c = result.get(r[0])
        if c is None:
            c = result[r[0]] = Comparison(r[1], r[2], r[3], Holder(*r[4:8]), Holder(*r[8:12]), r[12] or 0)
        if r[13] is not None:
            c.found.append((r[13], r[14], r[15]))
    return list(result.values())


def detect_source_conflicts(wh: psycopg.Connection) -> dict:
    """Rebuild catalog.source_conflict and its summary in one transaction; returns counts."""
    pairs = comparisons(wh)
    policy = config.load_masking_config().policy(config.EVIDENCE_POLICY)
    # an item without an entity ("") is masked by the policy's fallback: starred whole
    entities = {d.item: d.mask_entity or "" for d in config.load_catalog_config().data_items}
    conflict_rows: list[tuple] = []
    summary_rows: dict[tuple, list] = {}
    for c in pairs:
        compared, found = c.compared, c.found
        key = (c.source.department_code, c.copy.department_code, c.copy.source_name, c.data_item)
        examples: list[dict[str, str | None]] = []
        entity = entities.get(c.data_item, "")
        for k, copy_value, source_value in found:
            key_masked = mask_value(c.key_type, k, policy)
            source_masked = mask_value(entity, source_value, policy)
            copy_masked = mask_value(entity, copy_value, policy)
            conflict_rows.append(
                (c.key_type, c.key_item, pseudonym(k), key_masked, c.data_item,
                 c.source.department_code, c.source.resource_code, c.source.source_name, c.source.attribute_column,
                 source_masked, c.copy.department_code, c.copy.resource_code, c.copy.source_name,
                 c.copy.attribute_column, copy_masked)
            )  # fmt: skip
            if len(examples) < EXAMPLES_PER_PAIR:
                examples.append({"key": key_masked, "source": source_masked, "copy": copy_masked})
        previous = summary_rows.get(key)
        total_compared = compared + (previous[0] if previous else 0)
        total_found = len(found) + (previous[1] if previous else 0)
        summary_rows[key] = [total_compared, total_found, (previous[2] if previous else []) + examples,
                             c.copy.resource_code]  # fmt: skip
        if found:
            log.info(
                "一数一源: %s.%s.%s disagrees with %s.%s.%s on %s: %d of %d records",
                c.copy.department_code, c.copy.source_name, c.copy.attribute_column, c.source.department_code,
                c.source.source_name, c.source.attribute_column, c.data_item, len(found), compared,
            )  # fmt: skip
    warehouse.ensure_schema(wh, "catalog", SCHEMA_SQL)
    with wh.transaction():
        wh.execute("truncate catalog.source_conflict restart identity; truncate catalog.source_conflict_summary")
        warehouse.copy_rows(
            wh, "catalog", "source_conflict",
            ["key_type", "key_item", "key_pseudonym", "key_masked", "data_item", "authoritative_department",
             "authoritative_resource_code", "authoritative_source_name", "authoritative_column",
             "authoritative_value_masked", "copy_department", "copy_resource_code", "copy_source_name",
             "copy_column", "copy_value_masked"],
            conflict_rows,
        )  # fmt: skip
        warehouse.copy_rows(
            wh, "catalog", "source_conflict_summary",
            ["authoritative_department", "copy_department", "copy_source_name", "data_item", "records_compared",
             "conflicts", "conflicts_per_10k", "examples", "copy_resource_code"],
            [(a, b, s, item, v[0], v[1], round(v[1] * 10000 / v[0], 2) if v[0] else 0,
              json.dumps(v[2][:EXAMPLES_PER_PAIR], ensure_ascii=False), v[3])
             for (a, b, s, item), v in sorted(summary_rows.items())],
        )  # fmt: skip
    by_pair: dict[str, int] = defaultdict(int)
    for row in conflict_rows:
        by_pair[f"{row[5]}→{row[10]}"] += 1
    return {"comparisons": len(pairs), "conflicts": len(conflict_rows), "by_department_pair": dict(by_pair)}
