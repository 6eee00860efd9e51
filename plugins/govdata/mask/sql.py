"""Masks of whole columns inside PostgreSQL: the SQL twins of govdata.mask.values, composed per column.

Structured columns are never masked cell by cell in Python. Each rule of config/masking.yaml that is a pure
string operation (keep_ends, resident_id, person_name, birth_date, email, ip, redact) has a function in
the ``mask`` schema (functions.sql), so a column's mask is one expression of a ``CREATE TABLE AS SELECT``.
The two rules that need the classifier's parsers (an address cut at its 区/县, an organisation's trade name)
are applied to the column's *distinct* values in Python, once each, and joined back from a temporary map
(``lookup_expression``): a million rows of a district column are a few thousand addresses.

Every expression equals ``values.mask_value`` on the same cell (tests/unit/test_mask_sql.py), with one
difference that ``TableMasker.mask_cell`` shares: a null-like token (``NULL``, ``-``, ``无`` …) is kept as
written, since it holds no value.
"""

from __future__ import annotations

import functools
import itertools
from pathlib import Path

import psycopg
from psycopg import sql

from govdata import config, warehouse

FUNCTIONS_SQL = Path(__file__).with_name("functions.sql")
MASK_SCHEMA = "mask"
_LOOKUP_PREFIX = "_mask_lookup_"
_lookup_counter = itertools.count(1)


def functions_ddl() -> str:
    """functions.sql with the classifier's compound surnames filled in."""
    from govdata.classify.names import load_surnames

    surnames = sorted(load_surnames().compound)
    literal = "array[" + ", ".join("'" + s.replace("'", "''") + "'" for s in surnames) + "]"
    return FUNCTIONS_SQL.read_text(encoding="utf-8").replace("__COMPOUND_SURNAMES__", literal)


def ensure_mask_functions(conn: psycopg.Connection) -> bool:
    """Install (or update) the ``mask`` schema's functions; returns whether the DDL ran."""
    return warehouse.ensure_schema_ddl(conn, MASK_SCHEMA, functions_ddl())


def needs_lookup(entity: str, policy: config.MaskPolicy) -> bool:
    """Whether an entity's rule needs the Python parsers (address, organisation): masked through a lookup."""
    rule = policy.entities.get(entity, policy.fallback)
    return isinstance(rule, config.AddressRule | config.OrganizationRule)


def _rule_call(rule: config.MaskRule, value: sql.Composable) -> sql.Composable:
    """The ``mask.*`` call of one SQL rule on an already stripped, non-empty value."""
    match rule:
        case config.RedactRule(first=first):
            return sql.SQL("mask.redact({}, {})").format(value, sql.Literal(first))
        case config.KeepEndsRule(first=first, last=last):
            return sql.SQL("mask.keep_ends({}, {}, {})").format(value, sql.Literal(first), sql.Literal(last))
        case config.ResidentIdRule(region=region, birth_year=year, last=last):
            return sql.SQL("mask.resident_id({}, {}, {}, {})").format(
                value, sql.Literal(region), sql.Literal(year), sql.Literal(last)
            )
        case config.PersonNameRule():
            return sql.SQL("mask.person_name({})").format(value)
        case config.BirthDateRule(output=output):
            return sql.SQL("mask.birth_date({}, {})").format(value, sql.Literal(output))
        case config.EmailRule(domain=domain):
            return sql.SQL("mask.email({}, {})").format(value, sql.Literal(domain))
        case config.IpRule(keep=keep):
            return sql.SQL("mask.ip_address({}, {})").format(value, sql.Literal(keep))
    return sql.SQL("mask.redact({})").format(value)  # a rule without a SQL twin: fail closed


def column_expression(entity: str, column: sql.Composable, policy: config.MaskPolicy) -> sql.Composable:
    """The SQL expression of a column masked as ``entity`` by the policy (a text result, NULL kept NULL).

    Null-like tokens are kept as written; any other value is stripped, masked by its rule, and starred whole
    when the rule returned it unchanged (as ``mask_value`` does). Address and organisation rules have no SQL
    twin: use ``lookup_expression`` for them (this raises ValueError).
    """
    from govdata.mask.values import _may_return_input

    rule = policy.entities.get(entity, policy.fallback)
    if isinstance(rule, config.KeepRule):
        return sql.SQL("{}::text").format(column)
    if isinstance(rule, config.AddressRule | config.OrganizationRule):
        raise ValueError(f"{entity}: the {rule.method} rule is applied through lookup_expression, not in SQL")
    text = sql.SQL("mask.strip({}::text)").format(column)
    masked = _rule_call(rule, text)
    if not _may_return_input(rule):
        masked = sql.SQL("mask.unless_unchanged({}, {})").format(masked, text)
    fast = _fast_path(rule, sql.SQL("{}::text").format(column))
    shortcut = sql.SQL("when {} then {} ").format(*fast) if fast else sql.SQL("")
    return sql.SQL(
        "case when {c} is null then null when mask.is_null_token({c}::text) then {c}::text {f}else {m} end"
    ).format(c=column, f=shortcut, m=masked)


#: what a plain number (a mobile, a bank card) looks like: no spaces, dashes, full-width digits or +86/0086 prefix
_PLAIN_DIGITS = "^[1-9][0-9]{3,}$"
#: what a plain Chinese name looks like: two or more CJK ideographs, no spaces or separators (·)
_PLAIN_NAME = "^[\\u4e00-\\u9fff]{2,}$"


def _fast_path(rule: config.MaskRule, v: sql.Composable) -> tuple[sql.Composable, sql.Composable] | None:
    """(test, expression): the rule on the common, already clean shape of a value, without normalising it first.

    The ``mask.*`` rule functions normalise (full-width, spaces, dashes, a country code) in PL/pgSQL: ~5 µs a cell.
    A value that needs none of that (13812345678, 张三) goes straight to their last step, a plain SQL function
    PostgreSQL inlines (``mask.ends_kept``, ``mask.surname_kept``): ~0.5 µs. The test excludes every case the
    normalisation would change (tests/integration/test_mask_sql.py compares both with the Python masks), and the
    result always holds a star, so it never equals its input.
    """
    match rule:
        case config.KeepEndsRule(first=first, last=last):
            expression = sql.SQL("mask.ends_kept({}, {}, {})").format(v, sql.Literal(first), sql.Literal(last))
            return sql.SQL("{} ~ {}").format(v, sql.Literal(_PLAIN_DIGITS)), expression
        case config.PersonNameRule():
            return sql.SQL("{} ~ {}").format(v, sql.Literal(_PLAIN_NAME)), sql.SQL("mask.surname_kept({})").format(v)
    return None


def lookup_table(
    conn: psycopg.Connection,
    relation: tuple[str, str],
    column: str,
    entity: str,
    policy: config.MaskPolicy,
    *,
    indexed: bool = False,
) -> sql.Identifier:
    """The map (value, masked) of a column's distinct values masked by a parser rule, one row per value.

    A temporary table (private to this session, never in a shared schema), analysed for the join that reads it;
    ``drop_lookups`` removes it once the statement that reads it has run. Join it on ``value = <column>::text``:
    every distinct non-null value of the column has its row. A hash join needs no index (loading 250k addresses
    into an indexed map took 1.4 s, 0.2 s without); ``indexed`` adds one for lookups row by row.
    """
    from govdata.mask.workers import map_values

    table = sql.Identifier(f"{_LOOKUP_PREFIX}{next(_lookup_counter)}")
    conn.execute(sql.SQL("create temporary table {} (value text not null, masked text)").format(table))
    src = sql.Identifier(column)
    values = conn.execute(
        sql.SQL("select distinct {c}::text from {r} where {c} is not null").format(
            c=src, r=warehouse.qualified(*relation)
        )
    )
    distinct = [value for (value,) in values]
    masked = map_values(functools.partial(_masked_value, entity, policy), distinct)
    with conn.cursor().copy(sql.SQL("copy {} (value, masked) from stdin").format(table)) as copy:
        for row in zip(distinct, masked, strict=True):
            copy.write_row(row)
    if indexed:
        conn.execute(sql.SQL("create unique index on {} (value)").format(table))
    conn.execute(sql.SQL("analyze {}").format(table))
    return table


def _masked_value(entity: str, policy: config.MaskPolicy, value: str) -> str | None:
    """One distinct value of a lookup masked (a null-like token kept as written: it holds no value)."""
    from govdata.classify.column import as_text
    from govdata.mask.values import mask_value

    return value if as_text(value) is None else mask_value(entity, value, policy)


def lookup_expression(
    conn: psycopg.Connection,
    relation: tuple[str, str],
    column: str,
    entity: str,
    policy: config.MaskPolicy,
    *,
    alias: str | None = None,
) -> sql.Composable:
    """A column masked by a rule of the Python parsers, as one expression: its ``lookup_table`` read per row.

    The expression refers to the column as ``<alias>.<column>`` (or unqualified when alias is None). A query over
    many rows reads the map faster through a join (build.build_candidate does).
    """
    table = lookup_table(conn, relation, column, entity, policy, indexed=True)
    ref = sql.Identifier(alias, column) if alias else sql.Identifier(column)
    return sql.SQL("(select m.masked from {} as m where m.value = {}::text)").format(table, ref)


def drop_lookups(conn: psycopg.Connection) -> None:
    """Drop this session's lookup maps (raw values: they live no longer than the statement that used them)."""
    rows = conn.execute(
        "select relname from pg_class where relpersistence = 't' and relname like %s and pg_table_is_visible(oid)",
        (_LOOKUP_PREFIX.replace("_", r"\_") + "%",),
    ).fetchall()
    for (name,) in rows:
        conn.execute(sql.SQL("drop table if exists {}").format(sql.Identifier(name)))


def normalize_expression(value: sql.Composable) -> sql.Composable:
    """A key as compared across tables (full-width → ASCII, no spaces or dashes, upper case).

    The expression is the dbt macro ``normalize_key`` itself (dbt_project/macros/normalize_key.sql), read
    from the macro file, so the catalog's joins and the publication's checks normalise alike.
    """
    from govdata.catalog.dbt import dbt_project_dir

    text = (dbt_project_dir() / "macros" / "normalize_key.sql").read_text(encoding="utf-8")
    body = text.split("-%}", 1)[1].split("{%- endmacro", 1)[0].strip()
    first, *rest = body.split("{{ expr }}")
    parts: list[sql.Composable] = [sql.SQL(first)]
    for after in rest:  # the macro names its argument more than once (a cheap test, then the work)
        parts += [sql.SQL("("), value, sql.SQL(")"), sql.SQL(after)]
    return sql.Composed(parts)
