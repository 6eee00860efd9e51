"""一数一源 conflicts: records whose values in a department's copy disagree with the authoritative source.

For every shared data item with an authoritative source (catalog.responsibility) and every other
table holding the same item paired with the same key (catalog_intermediate.int_shared_key_pairs),
one query inside PostgreSQL joins the copy to the source on the normalised key and keeps the rows
whose values differ. Only those few rows reach Python, where keys and values are pseudonymised and
masked before they are written to catalog.source_conflict: no personal data leaves raw schemas. Keys are
masked as their key type, values as their data item's entity (config/catalog.yaml data_items), both by
the strict evidence policy of config/masking.yaml.
"""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from govdata import config, warehouse
from govdata.classify.normalize import NORMALIZE_KEY_SQL
from govdata.mask.pseudonyms import pseudonym
from govdata.mask.values import mask_value

if TYPE_CHECKING:
    import psycopg

log = logging.getLogger(__name__)

EXAMPLES_PER_PAIR = 3

SCHEMA_SQL = Path(__file__).with_name("schema.sql")


@dataclass(frozen=True)
class Holder:
    """A column holding a data item, paired with its key column, in one raw table."""

    department_code: str
    source_name: str
    resource_code: str | None
    raw_schema: str
    raw_table: str
    attribute_column: str
    key_column: str


@dataclass(frozen=True)
class Comparison:
    """One authoritative holder against one copy."""

    data_item: str
    key_item: str
    key_type: str
    source: Holder
    copy: Holder


def comparisons(wh: psycopg.Connection) -> list[Comparison]:
    """Every (authoritative source, copy) pair to compare, from the catalog's dbt models."""
    rows = wh.execute(
        """
        with holders as (
            select p.department_code, p.source_name, r.resource_code, r.raw_schema, r.raw_table,
                   p.attribute_column, p.key_column, p.data_item, p.key_item, p.key_type
            from catalog_intermediate.int_shared_key_pairs p
            join catalog.resource r on r.department_code = p.department_code and r.source_name = p.source_name
            where r.status = '有效'
        ),
        sources as (
            select h.* from holders h
            join catalog.responsibility s
              on s.source_department_code = h.department_code and s.source_name = h.source_name
             and s.column_name = h.attribute_column and s.shared_data_item = h.data_item
            where s.is_authoritative and s.status = '已明确'
        )
        select s.data_item, s.key_item, s.key_type,
               s.department_code, s.source_name, s.resource_code, s.raw_schema, s.raw_table,
               s.attribute_column, s.key_column,
               c.department_code, c.source_name, c.resource_code, c.raw_schema, c.raw_table,
               c.attribute_column, c.key_column
        from sources s
        join holders c on c.data_item = s.data_item and c.key_item = s.key_item
         and (c.department_code, c.source_name) <> (s.department_code, s.source_name)
        order by 1, 4, 5, 11, 12, 16
        """
    ).fetchall()
    return [Comparison(r[0], r[1], r[2], Holder(*r[3:10]), Holder(*r[10:17])) for r in rows]


def _compare_sql(c: Comparison) -> psycopg.sql.Composed:
    """Rows of the copy whose key matches the source and whose value is none of the source's values.

    Nulls on either side are gaps (completeness), not disagreements. The source may hold a key twice
    (a duplicate-key defect): a copy agreeing with either of its values is not a conflict.
    """
    from psycopg import sql

    def norm(alias: str, column: str) -> sql.Composed:
        return sql.SQL(NORMALIZE_KEY_SQL.replace("{expr}", "{}")).format(sql.Identifier(alias, column))

    src, cpy = c.source, c.copy
    return sql.SQL(
        """
        with src as (
            select {src_key} as k, btrim({src_val}::text) as v
            from {src_table} as s where {src_key_raw} is not null and {src_val} is not null
        ),
        cpy as (
            select {cpy_key} as k, btrim({cpy_val}::text) as v
            from {cpy_table} as c where {cpy_key_raw} is not null and {cpy_val} is not null
        ),
        compared as (
            select cpy.k, cpy.v from cpy where exists (select 1 from src where src.k = cpy.k)
        )
        select
            (select count(*) from compared) as compared,
            d.k, d.v, (select min(src.v) from src where src.k = d.k) as source_value
        from (
            select distinct k, v from compared
            where not exists (select 1 from src where src.k = compared.k and src.v = compared.v)
        ) as d
        right join (select 1) as one on true
        order by d.k
        """
    ).format(
        src_key=norm("s", src.key_column),
        src_val=sql.Identifier("s", src.attribute_column),
        src_table=warehouse.qualified(src.raw_schema, src.raw_table),
        src_key_raw=sql.Identifier("s", src.key_column),
        cpy_key=norm("c", cpy.key_column),
        cpy_val=sql.Identifier("c", cpy.attribute_column),
        cpy_table=warehouse.qualified(cpy.raw_schema, cpy.raw_table),
        cpy_key_raw=sql.Identifier("c", cpy.key_column),
    )


def detect_source_conflicts(wh: psycopg.Connection) -> dict:
    """Rebuild catalog.source_conflict and its summary in one transaction; returns counts."""
    pairs = comparisons(wh)
    policy = config.load_masking_config().policy(config.EVIDENCE_POLICY)
    # an item without an entity ("") is masked by the policy's fallback: starred whole
    entities = {d.item: d.mask_entity or "" for d in config.load_catalog_config().data_items}
    conflict_rows: list[tuple] = []
    summary_rows: dict[tuple, list] = {}
    for c in pairs:
        result = wh.execute(_compare_sql(c)).fetchall()
        compared = result[0][0] if result else 0
        found = [r for r in result if r[1] is not None]
        key = (c.source.department_code, c.copy.department_code, c.copy.source_name, c.data_item)
        examples: list[dict[str, str | None]] = []
        entity = entities.get(c.data_item, "")
        for _, k, copy_value, source_value in found:
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
