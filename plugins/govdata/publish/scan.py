"""Every cell of every text column of a candidate scanned for personal data, whatever the sample said.

Classification samples 100 rows: a remarks column where 2 % of cells hold a phone number can sample clean.
Before anything is published, each text column is read in full — but not each cell goes through Presidio:

1. the classifier's own pre-check, compiled to RE2 and run over every cell in Arrow batches, all the text
   columns streamed out in one pass (govdata.mask.prefilter: the recognizers' shapes, and for free text the
   name and address cues, on the cell normalised as the classifier normalises it); only the cells that pass
   are read back;
2. the classifier's pre-check in Python (``TableMasker.spans``: validated personal identifiers — a company's
   统一社会信用代码 is public —, name/address cues);
3. the Presidio recognizers on what is left, and the spans masked by the policy.

Each filter is a superset of the next step (tests/integration/test_publish_scan.py), so nothing the
recognizers would find is skipped. Changed cells are copied back and updated in one statement per column.
Repeated values (remarks such as 已办结) are checked once per group of cells; a large group is shared among
forked workers, one per core (govdata.mask.workers).
"""

from __future__ import annotations

import logging
from array import array
from collections import Counter
from collections.abc import Iterator
from functools import partial
from typing import TYPE_CHECKING

import psycopg
from psycopg import sql

from govdata import warehouse
from govdata.classify.grading import FREE_TEXT
from govdata.mask.prefilter import columns_candidate_ids, free_text_patterns, identifier_patterns
from govdata.mask.table import ColumnPlan, TableMasker
from govdata.mask.workers import map_values

if TYPE_CHECKING:
    from govdata.classify.column import ColumnClassifier

log = logging.getLogger(__name__)

ROW_ID = "_row_id"
_BATCH = 5000


def prefilter(classifier: ColumnClassifier, free_text: bool) -> list[str]:
    """The patterns (one of which) a cell must match to be read out and checked in Python."""
    return free_text_patterns(classifier) if free_text else identifier_patterns(classifier)


def prefiltered_columns(
    conn: psycopg.Connection, relation: tuple[str, str], patterns: dict[str, list[str]]
) -> dict[str, Iterator[list[tuple[int, str]]]]:
    """For each column of ``patterns``, batches of (row id, text) of its cells that pass the pre-filter.

    The columns are filtered together in one streamed pass (``prefilter.columns_candidate_ids``); each column's
    passing cells are then read back by key, a batch at a time, as the caller iterates: memory stays one batch
    whatever the table's size, and the caller may run other statements on the connection between batches.
    """
    ids = columns_candidate_ids(conn, relation, ROW_ID, patterns)
    return {column: _cells(conn, relation, column, ids[column]) for column in patterns}


def _cells(
    conn: psycopg.Connection, relation: tuple[str, str], column: str, ids: array[int]
) -> Iterator[list[tuple[int, str]]]:
    query = sql.SQL("select {id}, {c}::text from {t} where {id} = any(%s) order by {id}").format(
        id=sql.Identifier(ROW_ID), c=sql.Identifier(column), t=warehouse.qualified(*relation)
    )
    for start in range(0, len(ids), _BATCH):
        yield conn.execute(query, (ids[start : start + _BATCH].tolist(),)).fetchall()


#: pre-filtered cells masked together (the workers' share of a column; memory stays this many cells)
_GROUP = 50_000
#: fewer distinct cells than this are masked in-process (each costs ~0.7 ms in Presidio: a fork repays itself)
_MIN_CELLS = 2_000


def _groups(batches: Iterator[list[tuple[int, str]]]) -> Iterator[list[tuple[int, str]]]:
    group: list[tuple[int, str]] = []
    for rows in batches:
        group += rows
        if len(group) >= _GROUP:
            yield group
            group = []
    if group:
        yield group


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
    batches = prefiltered_columns(conn, relation, {c: prefilter(masker.classifier, c in free_text) for c in columns})
    for column, column_batches in batches.items():
        plan = ColumnPlan(column, 0, "spans" if column in free_text else "identifiers", FREE_TEXT)
        conn.execute("truncate _scan_changes")
        candidates = 0
        for rows in _groups(column_batches):
            candidates += len(rows)
            texts = list(dict.fromkeys(text for _, text in rows))  # a repeated remark is checked once
            if len(texts) >= _MIN_CELLS:  # the workers inherit the analyzer: built once, here, not once in each
                from govdata.classify.presidio_engine import get_analyzer

                get_analyzer(masker.classifier.registry_path)
            results = map_values(partial(masker.mask_cell, plan), texts, min_values=_MIN_CELLS)
            masked = dict(zip(texts, results, strict=True))
            updates = [(row_id, masked[text]) for row_id, text in rows if masked[text] != text]
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
