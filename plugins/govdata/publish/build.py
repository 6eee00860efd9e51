"""Build one open dataset's candidate in PostgreSQL: columns treated by grade, text fully scanned, k-anonymity.

The candidate is a table ``publish_work.<dataset>`` with a ``_row_id`` key. Structured columns are masked as
whole columns by SQL functions (govdata.mask.sql), free text and every other text column are scanned cell by
cell in PostgreSQL (govdata.publish.scan), quasi-identifiers are generalised until every combination is shared by
at least k rows (smaller groups suppressed). Nothing here is served: pipeline.py checks and swaps.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Literal

import psycopg
from psycopg import sql

from govdata import config, warehouse
from govdata.classify.grading import FREE_TEXT, NONE, is_personal
from govdata.classify.rules import load_rules
from govdata.publish.datasets import PSEUDONYMISED_ENTITIES, QUASI_IDENTIFIERS, DatasetSpec, SourceColumn

log = logging.getLogger(__name__)

WORK_SCHEMA = "publish_work"
ROW_ID = "_row_id"

Action = Literal["keep", "mask", "generalise", "spans", "pseudonym", "drop"]
_DATE_TYPES = ("date", "timestamp without time zone", "timestamp with time zone")
_NUMBER_TYPES = ("smallint", "integer", "bigint", "numeric", "real", "double precision")


@dataclass(frozen=True)
class Treatment:
    """What is done to one source column, and why (shown in the catalogue and the approval queue)."""

    column: SourceColumn
    action: Action
    entity: str = NONE
    reason: str = ""

    @property
    def published(self) -> bool:
        """Whether the column is in the candidate at all."""
        return self.action != "drop"

    def describe(self) -> str:
        """One phrase: kept / masked as CN_MOBILE / generalised (birth_date → year) / dropped (L4) …."""
        what = {
            "keep": "kept",
            "mask": f"masked as {self.entity}",
            "generalise": f"generalised ({self.reason})",
            "spans": "free text: detected spans masked",
            "pseudonym": "keyed pseudonym",
            "drop": f"dropped ({self.reason})",
        }[self.action]
        return what


def plan_treatments(spec: DatasetSpec, policy: config.MaskPolicy) -> list[Treatment]:
    """How each column of a dataset is treated (pure).

    Curated datasets are kept as staff wrote them (their text is still scanned); derived ones by the column's
    final grade.
    """
    if spec.kind == "curated":
        return [Treatment(c, "keep") for c in spec.columns]
    return [_treatment(c, policy) for c in spec.columns]


def _treatment(c: SourceColumn, policy: config.MaskPolicy) -> Treatment:
    if c.is_error:
        return Treatment(c, "drop", reason="classification failed: treated as L4")
    if c.entity == FREE_TEXT and c.grade in ("L3", "L4"):
        # graded by what its cells hold (an ID number in a remark makes it L4): every cell is scanned and those
        # spans masked, the rest of the text kept; the re-classification and the leak guard check the result
        return Treatment(c, "spans", FREE_TEXT, f"{c.grade} free text")
    if c.grade == "L4":
        if c.entity in PSEUDONYMISED_ENTITIES:
            return Treatment(c, "pseudonym", c.entity, "L4 identifier: pseudonym in 有条件开放 only")
        return Treatment(c, "drop", reason="L4")
    if c.grade == "L3":
        if c.entity != NONE:
            return Treatment(c, "mask", c.entity)
        return Treatment(c, "drop", reason="L3 without an entity to mask it by")
    published_as_is = isinstance(policy.entities.get(c.entity, policy.fallback), config.KeepRule)
    if c.entity not in (NONE, FREE_TEXT) and is_personal(load_rules(), c.entity) and not published_as_is:
        # an L2 personal entity (固定电话, IP地址): masked too — no raw personal value is ever published
        return Treatment(c, "mask", c.entity, f"{c.grade} personal data")
    if c.quasi_identifier == "origin" and any(word in c.description for word in _CATEGORIES_OF_ORIGIN):
        return Treatment(c, "keep")  # 民族, 国籍: a category, not a place to cut; k-anonymity covers it
    if c.quasi_identifier in ("birth_date", "age", "address", "origin"):
        return Treatment(c, "generalise", c.quasi_identifier, _GENERALISED[c.quasi_identifier][0])
    return Treatment(c, "keep")


#: origin columns that name a category (民族, 国籍), not a place: kept and counted in k-anonymity, never cut
_CATEGORIES_OF_ORIGIN = ("民族", "国籍")

#: quasi-identifier → (level 1, level 2) generalisations, described
_GENERALISED = {
    "birth_date": ("birth_date → year", "year → decade"),
    "age": ("age → 5-year band", "5-year → 10-year band"),
    "address": ("address → 区/县", "区/县 → 市"),
    "origin": ("place → 区/县", "区/县 → 市"),
}


def _policy_with_address(policy: config.MaskPolicy, level: str) -> config.MaskPolicy:
    """The policy with its ADDRESS rule cut at another division level (generalisation level 2)."""
    rule = config.AddressRule(method="address", level=level, marker="")  # type: ignore[arg-type]
    return policy.model_copy(update={"entities": {**policy.entities, "ADDRESS": rule}})


_KEY_SETTING = "govdata.pseudonym_key"
_SOURCE = "src"  # the alias of the input relation in the candidate's CREATE TABLE AS


@dataclass(frozen=True)
class _Lookup:
    """A column masked through a map of its distinct values (mask.sql.lookup_table), joined to the rows."""

    table: sql.Identifier


def _masked(
    conn: psycopg.Connection, spec: DatasetSpec, column: str, entity: str, policy: config.MaskPolicy
) -> sql.Composable | _Lookup:
    """A source column masked as an entity: a ``mask.*`` expression, or the map of its distinct values to join.

    Parser rules (address, organisation) give the map: the candidate's query joins it (a hash join reads a million
    rows in ~0.3 s, a subquery per row ~2 s).
    """
    from govdata.mask.sql import column_expression, lookup_table, needs_lookup

    if needs_lookup(entity, policy):
        return _Lookup(lookup_table(conn, spec.input_relation, column, entity, policy))
    return column_expression(entity, sql.Identifier(_SOURCE, column), policy)


def _expression(
    conn: psycopg.Connection, spec: DatasetSpec, t: Treatment, policy: config.MaskPolicy, pseudonym_key: str | None
) -> sql.Composable | _Lookup:
    """The SQL expression of one published column of the candidate, or the lookup map it is joined from."""
    from govdata.mask.sql import normalize_expression

    col = sql.Identifier(_SOURCE, t.column.name)
    if t.action == "keep" or t.action == "spans":
        return col
    if t.action == "mask":
        return _masked(conn, spec, t.column.name, t.entity, policy)
    if t.action == "pseudonym":
        if pseudonym_key is None:
            raise ValueError("pseudonym without a key")
        # the key is a session setting bound as a parameter (build_candidate), never part of the statement's text
        return sql.SQL("left(encode(hmac({}, current_setting({}), 'sha256'), 'hex'), 32)").format(
            normalize_expression(sql.SQL("{}::text").format(col)), sql.Literal(_KEY_SETTING)
        )
    kind = t.entity
    if kind == "birth_date":
        if t.column.pg_type in _DATE_TYPES:
            return sql.SQL("extract(year from {})::int::text").format(col)
        year = config.BirthDateRule(method="birth_date", output="year")
        return _masked(
            conn, spec, t.column.name, "BIRTH_DATE",
            policy.model_copy(update={"entities": {**policy.entities, "BIRTH_DATE": year}}),
        )  # fmt: skip
    if kind == "age":
        if t.column.pg_type in _NUMBER_TYPES:
            return sql.SQL("(floor({c} / 5) * 5)::int::text || '-' || (floor({c} / 5) * 5 + 4)::int::text").format(
                c=col
            )
        return sql.SQL("null::text")  # an age that is not a number cannot be banded: withheld
    return _masked(conn, spec, t.column.name, "ADDRESS", _policy_with_address(policy, "district"))


_TARGET = "t"  # the alias of the candidate in its UPDATEs


def _level2(conn: psycopg.Connection, candidate: Candidate, t: Treatment, policy: config.MaskPolicy) -> sql.Composable:
    """Level-2 generalisation of a level-1 value already in the candidate (SET col = this)."""
    from govdata.mask.sql import lookup_expression

    col = sql.Identifier(_TARGET, t.column.name)
    kind = _generalisable(t)
    if kind == "birth_date":
        return sql.SQL(
            "case when {c} ~ '^\\d{{4}}$' then left({c}, 3) || '0-' || left({c}, 3) || '9' else {c} end"
        ).format(c=col)
    if kind == "age":
        return sql.SQL(
            "case when {c} ~ '^\\d+-\\d+$' then (split_part({c}, '-', 1)::int / 10 * 10)::text || '-'"
            " || (split_part({c}, '-', 1)::int / 10 * 10 + 9)::text else {c} end"
        ).format(c=col)
    # rare (only when groups are still smaller than k): a lookup per row, the map indexed
    return lookup_expression(
        conn, candidate.relation, t.column.name, "ADDRESS", _policy_with_address(policy, "prefecture"), alias=_TARGET
    )


@dataclass
class Candidate:
    """A built candidate: where it is, its columns and what was done to them."""

    relation: tuple[str, str]
    treatments: list[Treatment]
    row_count: int
    spans_masked: dict[str, int] = field(default_factory=dict)  # cells changed by the full scan, per column
    suppressed_rows: int = 0
    generalised_further: list[str] = field(default_factory=list)
    pseudonyms: bool = False

    @property
    def published(self) -> list[Treatment]:
        """The treatments of the columns in the candidate, in order."""
        return [t for t in self.treatments if t.published]

    @property
    def columns(self) -> list[str]:
        """Published column names, in order."""
        return [t.column.name for t in self.published]


def build_candidate(
    conn: psycopg.Connection,
    spec: DatasetSpec,
    policy: config.MaskPolicy,
    k: int,
    pseudonym_key: str | None,
) -> Candidate:
    """Create ``publish_work.<dataset>``: masked, scanned, k-anonymous. Pseudonym columns only with a key."""
    from govdata.classify.column import get_classifier
    from govdata.mask.sql import drop_lookups
    from govdata.mask.table import TableMasker
    from govdata.publish.scan import mask_text_columns

    treatments = [
        t if t.action != "pseudonym" or pseudonym_key else Treatment(t.column, "drop", reason="L4")
        for t in plan_treatments(spec, policy)
    ]
    kept = [t for t in treatments if t.published]
    relation = (WORK_SCHEMA, spec.dataset_id)
    target = warehouse.qualified(*relation)
    conn.execute(sql.SQL("drop table if exists {}").format(target))
    try:  # the lookups of masked columns hold raw values: dropped whatever happens
        query = _candidate_query(conn, spec, [(t, _expression(conn, spec, t, policy, pseudonym_key)) for t in kept])
        if pseudonym_key:
            conn.execute("select set_config(%s, %s, false)", (_KEY_SETTING, pseudonym_key))
        conn.execute(sql.SQL("create unlogged table {} as {}").format(target, query))
    finally:
        conn.execute("select set_config(%s, '', false)", (_KEY_SETTING,))
        drop_lookups(conn)
    conn.execute(sql.SQL("alter table {} add primary key ({})").format(target, sql.Identifier(ROW_ID)))
    rows = warehouse.scalar(conn.execute(sql.SQL("select count(*) from {}").format(target)))
    candidate = Candidate(relation, treatments, int(rows), pseudonyms=any(t.action == "pseudonym" for t in kept))

    # every cell of every text column, whatever the sample said: free text spans, identifiers anywhere else
    masker = TableMasker(get_classifier(), policy)
    text = [t for t in kept if t.action in ("keep", "spans") and t.column.is_text]
    if text:
        candidate.spans_masked = mask_text_columns(
            conn,
            relation,
            [t.column.name for t in text],
            masker,
            free_text={t.column.name for t in text if t.action == "spans"},
        )
    _k_anonymise(conn, candidate, policy, k)
    return candidate


def _candidate_query(
    conn: psycopg.Connection, spec: DatasetSpec, columns: list[tuple[Treatment, sql.Composable | _Lookup]]
) -> sql.Composable:
    """The SELECT of the candidate: the columns' expressions over the input, then the lookup maps joined.

    Written so PostgreSQL can spread it over its parallel workers: the row key of a table is its row's physical
    address (``_row_id`` in the input's order, unique, no window function to gather first) and the expressions
    are computed in a subquery below the joins, whose maps are temporary tables only the session itself reads.
    """
    src, inner = sql.Identifier(_SOURCE), sql.Identifier("s")
    key = sql.Identifier(ROW_ID)
    below = [sql.SQL("{} as {}").format(_row_key(conn, spec.input_relation), key)]
    above: list[sql.Composable] = [sql.SQL("{}.{}").format(inner, key)]
    joins: list[sql.Composable] = []
    for i, (t, expression) in enumerate(columns):
        name = sql.Identifier(t.column.name)
        if isinstance(expression, _Lookup):
            value, lookup = sql.Identifier(f"_lookup_value_{i}"), sql.Identifier(f"_lookup_{i}")
            below.append(sql.SQL("{}.{}::text as {}").format(src, name, value))
            above.append(sql.SQL("{}.masked as {}").format(lookup, name))
            joins.append(
                sql.SQL("left join {t} as {m} on {m}.value = {s}.{v}").format(
                    t=expression.table, m=lookup, s=inner, v=value
                )
            )
        else:
            below.append(sql.SQL("{} as {}").format(expression, name))
            above.append(sql.SQL("{}.{}").format(inner, name))
    return sql.SQL("select {} from (select {} from {} as {} offset 0) as {} {}").format(
        sql.SQL(", ").join(above),
        sql.SQL(", ").join(below),
        warehouse.qualified(*spec.input_relation),
        src,
        inner,
        sql.SQL(" ").join(joins),
    )


def _row_key(conn: psycopg.Connection, relation: tuple[str, str]) -> sql.Composable:
    """A unique bigint per input row, in the input's order: a table's row addresses, else the row number."""
    kind = conn.execute(
        "select c.relkind from pg_class as c join pg_namespace as n on n.oid = c.relnamespace"
        " where n.nspname = %s and c.relname = %s",
        relation,
    ).fetchone()
    if kind is not None and kind[0] in ("r", "m"):  # a plain table or a materialised view: (block, item) packed
        return sql.SQL("(((({s}.ctid)::text::point)[0]::bigint << 16) | (({s}.ctid)::text::point)[1]::bigint)").format(
            s=sql.Identifier(_SOURCE)
        )
    return sql.SQL("row_number() over ()::bigint")  # a view or a partitioned table: no address is unique


def quasi_columns(candidate: Candidate) -> list[Treatment]:
    """The published quasi-identifier columns whose combination k-anonymity protects.

    A masked one counts too: an address masked by the policy still names its 区/县. Pseudonyms and free text
    do not (a pseudonym is an identifier, dropped from 无条件开放; free text is span-masked).
    """
    return [
        t
        for t in candidate.published
        if t.column.quasi_identifier in QUASI_IDENTIFIERS and t.action in ("keep", "generalise", "mask")
    ]


def _generalisable(t: Treatment) -> str | None:
    """The quasi-identifier kind a column can be generalised further as (level 2), if any."""
    if t.action == "generalise":
        return t.entity
    if t.action == "mask" and t.entity == "ADDRESS":
        return "address"  # masked down to 区/县 by the policy: 市 is the next level
    return None


def _small_group_rows(conn: psycopg.Connection, candidate: Candidate, quasi: list[Treatment], k: int) -> int:
    cols = sql.SQL(", ").join(sql.Identifier(t.column.name) for t in quasi)
    query = sql.SQL(
        "select coalesce(sum(n), 0) from (select count(*) as n from {} group by {} having count(*) < {}) as g"
    ).format(warehouse.qualified(*candidate.relation), cols, sql.Literal(k))
    return int(warehouse.scalar(conn.execute(query)))


def _k_anonymise(conn: psycopg.Connection, candidate: Candidate, policy: config.MaskPolicy, k: int) -> None:
    """Every combination of quasi-identifiers shared by ≥ k rows: generalise once more, then suppress the rest."""
    from govdata.mask.sql import drop_lookups

    quasi = quasi_columns(candidate)
    if not quasi or k <= 1 or not _small_group_rows(conn, candidate, quasi, k):
        return
    target = warehouse.qualified(*candidate.relation)
    further = [t for t in quasi if _generalisable(t)]
    if further:
        assignments = sql.SQL(", ").join(
            sql.SQL("{} = {}").format(sql.Identifier(t.column.name), _level2(conn, candidate, t, policy))
            for t in further
        )
        try:
            conn.execute(sql.SQL("update {} as {} set {}").format(target, sql.Identifier(_TARGET), assignments))
        finally:
            drop_lookups(conn)
        candidate.generalised_further = [
            f"{t.column.name}: {_GENERALISED[_generalisable(t) or 'address'][1]}" for t in further
        ]
    if not _small_group_rows(conn, candidate, quasi, k):
        return
    cols = sql.SQL(", ").join(sql.Identifier(t.column.name) for t in quasi)
    same = sql.SQL(" and ").join(
        sql.SQL("t.{c} is not distinct from g.{c}").format(c=sql.Identifier(t.column.name)) for t in quasi
    )
    deleted = conn.execute(
        sql.SQL("delete from {} as t using (select {} from {} group by {} having count(*) < {}) as g where {}").format(
            target, cols, target, cols, sql.Literal(k), same
        )
    ).rowcount
    candidate.suppressed_rows = deleted
    candidate.row_count -= deleted
    log.info("%s: %s rows suppressed for %s-anonymity", candidate.relation[1], deleted, k)
