"""Which open datasets there are and what each is made of: read from the catalog, the classification and config.

A graded resource is not the published dataset. Every current resource of the catalog yields a *derived*
dataset, each column treated by its final grade (reviewer overrides included): L4 dropped (a direct identifier
becomes a keyed pseudonym if the dataset ends up 有条件开放), L3 masked by its entity's rule, L1/L2 kept, a
quasi-identifier generalised. Staff define *curated* datasets as dbt models under marts/open_data
(config/open_data.yaml `datasets:`). Nothing here writes: `load_specs` reads, the pipeline builds.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import psycopg

from govdata import config
from govdata.classify.grading import FREE_TEXT, NONE
from govdata.publish.model import CURATED_INPUT_SCHEMA, Kind

#: quasi-identifier kinds of governance.field_classification that k-anonymity looks at, and how each is
#: generalised first (the pipeline generalises further where groups stay smaller than k)
QUASI_IDENTIFIERS = ("birth_date", "age", "gender", "address", "origin", "quasi")
#: entities whose L4 column becomes a keyed pseudonym in a 有条件开放 dataset (links records, reveals nothing)
PSEUDONYMISED_ENTITIES = frozenset(
    {"CN_RESIDENT_ID", "CN_PASSPORT", "CN_HK_MACAO_PERMIT", "CN_SOCIAL_SECURITY", "CN_USCC", "CN_BANK_CARD"}
)
_ASCII_NAME = re.compile(r"[a-z][a-z0-9_]{0,40}")


@dataclass(frozen=True)
class SourceColumn:
    """One column of a source relation, as the classification graded it."""

    name: str
    pg_type: str  # information_schema data_type of the raw snapshot
    entity: str
    grade: str
    quasi_identifier: str | None
    description: str  # 信息项名称 of the catalog, else the column comment, else the name
    is_error: bool = False  # the classifier failed on it: treated as L4 (fail closed)

    @property
    def is_text(self) -> bool:
        """Whether the column holds text (the full scan reads every cell of it)."""
        return self.pg_type in ("text", "character varying", "character", "json", "jsonb", "ARRAY")


@dataclass(frozen=True)
class PersonalColumn:
    """A raw column holding personal data (grade L3/L4 or a personal entity): what the leak guard compares with."""

    schema: str
    table: str
    column: str
    entity: str


@dataclass
class DatasetSpec:
    """What one open dataset is made of, before it is built."""

    dataset_id: str
    kind: Kind
    title: str
    description: str
    theme: str
    keywords: list[str]
    update_cycle: str
    department_code: str | None
    resource_codes: list[str]
    #: where the candidate's rows come from: the raw snapshot (derived) or the dbt model (curated)
    input_relation: tuple[str, str]
    columns: list[SourceColumn]
    personal_sources: list[PersonalColumn]
    crawl_run_ids: list[int]
    #: curated: the attribute staff declared (the grade after masking may still lower it)
    declared_attribute: str | None = None
    problems: list[str] = field(default_factory=list)  # why it cannot be built (missing source …)

    @property
    def label(self) -> str:
        """For logs and errors: id and title."""
        return f"{self.dataset_id} ({self.title})"


def derived_dataset_id(department: str, raw_table: str, resource_code: str) -> str:
    """A stable id: ``<dept>_<table>`` for an ASCII table name, else ``<dept>_<resource code digits>``."""
    if _ASCII_NAME.fullmatch(raw_table):
        return f"{department}_{raw_table}"
    return f"{department}_r{re.sub(r'[^0-9]', '', resource_code)}"


def load_specs(conn: psycopg.Connection, cfg: config.OpenDataConfig) -> list[DatasetSpec]:
    """Every open dataset: derived ones from the catalog (unless disabled or excluded), then curated ones."""
    specs = _derived_specs(conn, cfg) if cfg.derived.enabled else []
    specs += [_curated_spec(conn, cfg, d) for d in cfg.datasets]
    seen: dict[str, DatasetSpec] = {}
    for spec in specs:
        if spec.dataset_id in seen:
            spec.problems.append(f"dataset id {spec.dataset_id} is also {seen[spec.dataset_id].label}")
        seen.setdefault(spec.dataset_id, spec)
    return specs


_RESOURCES = """
select r.resource_code, r.resource_name, r.summary, r.update_cycle, r.department_code, r.source_name,
       r.raw_schema, r.raw_table, r.provider_name, r.class_xiang, r.class_mu,
       (select max(c.crawl_run_id) from governance.field_classification as c
         where c.department_code = r.department_code and c.source_name = r.source_name) as crawl_run_id
from catalog.resource as r
where r.status = '有效' and r.raw_table is not null
order by r.resource_code
"""

_COLUMNS = """
select f.department_code, f.source_name, f.column_name, coalesce(i.data_type, f.data_type), f.entity, f.grade,
       f.quasi_identifier, coalesce(nullif(i.item_name, ''), nullif(f.column_comment, ''), f.column_name),
       f.is_error, c.data_type as pg_type, f.raw_schema, f.raw_table
from governance.field_classification as f
left join catalog.item as i
    on i.department_code = f.department_code and i.source_name = f.source_name and i.column_name = f.column_name
left join information_schema.columns as c
    on c.table_schema = f.raw_schema and c.table_name = f.raw_table and c.column_name = f.column_name
order by f.department_code, f.source_name, f.ordinal_position, f.column_name
"""


def _source_columns(conn: psycopg.Connection) -> dict[tuple[str, str], list[SourceColumn]]:
    """Every classified column by (department, source), in the table's order.

    A column missing from the snapshot is left out (nothing to publish from it).
    """
    out: dict[tuple[str, str], list[SourceColumn]] = {}
    for dept, source, name, _type, entity, grade, quasi, description, is_error, pg_type, _s, _t in conn.execute(
        _COLUMNS
    ):
        if pg_type is None:
            continue
        out.setdefault((dept, source), []).append(
            SourceColumn(name, pg_type, entity, grade, quasi, description, bool(is_error))
        )
    return out


def is_personal(column: SourceColumn) -> bool:
    """A column the leak guard compares published values against: graded L3/L4, failed, or a personal entity."""
    return column.grade in ("L3", "L4") or column.is_error or column.entity not in (NONE, FREE_TEXT)


def _personal(schema: str, table: str, columns: list[SourceColumn]) -> list[PersonalColumn]:
    return [PersonalColumn(schema, table, c.name, c.entity) for c in columns if is_personal(c) and c.is_text]


def _derived_specs(conn: psycopg.Connection, cfg: config.OpenDataConfig) -> list[DatasetSpec]:
    departments = {d.code: d for d in config.load_departments().departments}
    columns = _source_columns(conn)
    excluded = set(cfg.derived.exclude)
    specs = []
    for row in conn.execute(_RESOURCES).fetchall():
        code, name, summary, cycle, dept, source, raw_schema, raw_table, provider, xiang, mu, crawl_run = row
        if f"{dept}.{source}" in excluded:
            continue
        cols = columns.get((dept, source), [])
        short = departments[dept].short_name if dept in departments else dept
        spec = DatasetSpec(
            dataset_id=derived_dataset_id(dept, raw_table, code),
            kind="derived",
            title=name,
            description=(
                f"{summary or name}（开放数据集：由公共数据资源 {code} 派生，个人信息已按分类分级删除、脱敏或泛化。）"
            ),
            theme=cfg.theme(dept),
            keywords=[k for k in dict.fromkeys([name, short, xiang, mu]) if k],
            update_cycle=cycle or "不定期",
            department_code=dept,
            resource_codes=[code],
            input_relation=(raw_schema, raw_table),
            columns=cols,
            personal_sources=_personal(raw_schema, raw_table, cols),
            crawl_run_ids=[crawl_run] if crawl_run is not None else [],
        )
        if not cols:
            spec.problems.append(f"{dept}.{source}: no classified column in the raw snapshot (classify first)")
        specs.append(spec)
    return specs


def _curated_spec(conn: psycopg.Connection, cfg: config.OpenDataConfig, d: config.CuratedDataset) -> DatasetSpec:
    """A curated dataset: its dbt model's columns, its sources' resource codes and personal columns."""
    problems: list[str] = []
    resource_codes: list[str] = []
    personal: list[PersonalColumn] = []
    crawl_runs: list[int] = []
    columns = _source_columns(conn)
    for ref in d.sources:
        dept, _, source = ref.partition(".")
        row = conn.execute(
            "select resource_code, raw_schema, raw_table from catalog.resource"
            " where department_code = %s and source_name = %s and status = '有效'",
            (dept, source),
        ).fetchone()
        if row is None:
            problems.append(f"source {ref} is not a current resource of the catalog")
            continue
        resource_codes.append(row[0])
        personal += _personal(row[1], row[2], columns.get((dept, source), []))
        run = conn.execute(
            "select max(crawl_run_id) from governance.field_classification"
            " where department_code = %s and source_name = %s",
            (dept, source),
        ).fetchone()
        if run and run[0] is not None:
            crawl_runs.append(run[0])
    model_columns = [
        SourceColumn(name, pg_type, NONE, "L1", None, description or name)
        for name, pg_type, description in conn.execute(
            "select c.column_name, c.data_type,"
            " col_description(format('%%I.%%I', c.table_schema, c.table_name)::regclass, c.ordinal_position)"
            " from information_schema.columns as c"
            " where c.table_schema = %s and c.table_name = %s order by c.ordinal_position",
            (CURATED_INPUT_SCHEMA, d.model),
        )
    ]
    if not model_columns:
        problems.append(f"dbt model {CURATED_INPUT_SCHEMA}.{d.model} is not built (see build_catalog)")
    departments = {ref.partition(".")[0] for ref in d.sources}
    return DatasetSpec(
        dataset_id=d.id,
        kind="curated",
        title=d.title,
        description=d.description,
        theme=d.theme,
        keywords=list(d.keywords),
        update_cycle=d.update_cycle,
        department_code=departments.pop() if len(departments) == 1 else None,
        resource_codes=resource_codes,
        input_relation=(CURATED_INPUT_SCHEMA, d.model),
        columns=model_columns,
        personal_sources=personal,
        crawl_run_ids=sorted(set(crawl_runs)),
        declared_attribute=d.open_attribute,
        problems=problems,
    )
