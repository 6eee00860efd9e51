"""Every cell of every text column of a candidate scanned for personal data, whatever the sample said.

Classification samples 100 rows: a remarks column where 2 % of cells hold a phone number can sample clean.
Before anything is published, each text column is read in full — but not each cell goes through Presidio:

1. PostgreSQL pre-filters (``_PREFILTER``): only cells with four digits, an ``@``, seven colons or (free text)
   a Han character can hold anything the recognizers find; every other cell is never read out;
2. the classifier's own cheap pre-check (``TableMasker.spans``: validated identifiers, name/address cues);
3. the Presidio recognizers on what is left, and the spans masked by the policy.

The filters are supersets of each other's next step (tests/integration/test_publish_scan.py), so nothing the
recognizers would find is skipped. Changed cells are copied back and updated in one statement per column.
Repeated values (remarks such as 已办结) are looked up once per column.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterator
from functools import lru_cache

import psycopg
from psycopg import sql

from govdata import warehouse
from govdata.classify.grading import FREE_TEXT
from govdata.mask.table import ColumnPlan, TableMasker

log = logging.getLogger(__name__)

ROW_ID = "_row_id"
_BATCH = 5000
_DIGITS = "[0-9０-９]"
#: a superset of what an identifier recognizer can match (IDs, phones, cards, plates, passports have ≥ 4
#: digits; emails an @; a full IPv6 address seven colons) — a cell without any of these is skipped
IDENTIFIER_PREFILTER = f"{_DIGITS}[^0-9０-９]*{_DIGITS}[^0-9０-９]*{_DIGITS}[^0-9０-９]*{_DIGITS}|[@＠]|(:.*){{7}}"
#: free text may also hold a name or an address, which are written in Han characters
FREE_TEXT_PREFILTER = IDENTIFIER_PREFILTER + "|[\u3400-\u9fff]"


def prefilter(free_text: bool) -> str:
    """The PostgreSQL regular expression a cell must match to be read out and checked in Python."""
    return FREE_TEXT_PREFILTER if free_text else IDENTIFIER_PREFILTER


def prefiltered_cells(
    conn: psycopg.Connection, relation: tuple[str, str], column: str, free_text: bool
) -> Iterator[list[tuple[int, str]]]:
    """Batches of (row id, text) of the cells of a column that pass the PostgreSQL pre-filter.

    Read through a server-side cursor inside a transaction of its own: memory stays one batch whatever the
    table's size. The caller may run other statements on the connection between batches.
    """
    query = sql.SQL("select {id}, {c}::text from {t} where {c} is not null and {c}::text ~ {p}").format(
        id=sql.Identifier(ROW_ID), c=sql.Identifier(column), t=warehouse.qualified(*relation),
        p=sql.Literal(prefilter(free_text)),
    )  # fmt: skip
    with conn.transaction():
        cursor = conn.cursor(name=f"cells_{relation[1]}_{column}"[:60])
        try:
            cursor.execute(query)
            while rows := cursor.fetchmany(_BATCH):
                yield rows
        finally:
            cursor.close()


def mask_text_columns(
    conn: psycopg.Connection,
    relation: tuple[str, str],
    columns: list[str],
    masker: TableMasker,
    *,
    free_text: set[str] | frozenset[str] = frozenset(),
) -> dict[str, int]:
    """Mask detected spans in every cell of ``columns`` of ``relation`` in place; cells changed per column.

    ``free_text`` columns get every personal span masked (names and addresses included); the others only
    validated identifiers (an ID or a phone number in a column classified as not personal: fail closed).
    The relation needs the ``_row_id`` key the candidate builder gives it.
    """
    target = warehouse.qualified(*relation)
    changed: Counter[str] = Counter()
    conn.execute("create temporary table if not exists _scan_changes (row_id bigint, value text)")
    for column in columns:
        plan = ColumnPlan(column, 0, "spans" if column in free_text else "identifiers", FREE_TEXT)
        cell = lru_cache(maxsize=65536)(lambda text, plan=plan: masker.mask_cell(plan, text))
        conn.execute("truncate _scan_changes")
        candidates = 0
        for rows in prefiltered_cells(conn, relation, column, column in free_text):
            candidates += len(rows)
            updates = [(row_id, masked) for row_id, text in rows if (masked := cell(text)) != text]
            if updates:
                with conn.cursor().copy("copy _scan_changes (row_id, value) from stdin") as copy:
                    for row in updates:
                        copy.write_row(row)
                changed[column] += len(updates)
        if changed[column]:
            conn.execute(
                sql.SQL("update {t} as t set {c} = x.value from _scan_changes as x where t.{id} = x.row_id").format(
                    t=target, c=sql.Identifier(column), id=sql.Identifier(ROW_ID)
                )
            )
        log.info("%s.%s: %s cells pre-filtered, %s masked", relation[1], column, candidates, changed[column])
    conn.execute("drop table if exists _scan_changes")
    return dict(changed)
