r"""The classifier's own pre-check, run over every cell of a column in one vectorised pass: the full scan's filter.

A cell goes to Python (validators, names, addresses, Presidio) only if this filter lets it through, so the filter
must let through every cell the classifier's pre-check (``FreeTextScanner.might_hold_pii``, the validated
identifiers of ``TableMasker.spans``) would accept — a superset, never a guess:

- the recognizers' patterns (config/recognizers.yaml) are translated from Python's syntax (``\d`` as an ASCII
  digit, ``\s`` as every Unicode space, ``\p{Han}`` as the CJK blocks); negative lookarounds are dropped and
  positive ones made part of the match (either only widens a match);
- Python's ``\d`` is every Unicode decimal digit: NFKC turns the full-width ones (and mathematical ones) into
  ASCII, and a cell that still holds another decimal digit (٣, ३ …) always passes. Matching ASCII digits keeps
  each pattern's automaton small: ~0.02 s a pattern for a million cells instead of ~0.04;
- free text adds the name and address cues (context words, honorifics, 路/街, 12号, a surname-led subject);
- the cell is normalised as the classifier normalises it in Python: full-width characters and dash variants
  as ASCII, and every space or dash between two digits removed (Python removes only those inside digit groups;
  removing more keeps every match of a boundary-free pattern).

The text columns of a table leave PostgreSQL together, once, as COPY text, in batches parsed by Arrow; each
pattern runs in RE2 over each batch (pyarrow.compute) and the results are or-ed: ~1 s for a million remarks,
where the same patterns as PostgreSQL regular expressions took ~13 s. Only the row ids that pass are kept;
their texts are read back by key. A case number such as AJ00001234 or a receipt number SL2026000001 matches no
identifier's shape and never reaches Python. tests/integration/test_publish_scan.py checks the superset on
generated text.
"""

from __future__ import annotations

import sys
import unicodedata
from array import array
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from functools import lru_cache
from typing import TYPE_CHECKING

import psycopg
from psycopg import sql

if TYPE_CHECKING:
    from govdata.classify.column import ColumnClassifier

_HAN_RANGE = "\\x{3400}-\\x{9fff}"
#: Python's str ``\s``: ASCII whitespace, the separators \x1c–\x1f, NEL and Unicode's spaces
_SPACE_RANGE = (
    "\\t\\n\\v\\f\\r \\x{1c}-\\x{1f}\\x{85}\\x{a0}\\x{1680}\\x{2000}-\\x{200a}"
    "\\x{2028}\\x{2029}\\x{202f}\\x{205f}\\x{3000}"
)


@lru_cache(maxsize=1)
def _other_digits() -> str:
    r"""The decimal digits of Python's str ``\d`` (Unicode category Nd) but 0-9, as RE2 bracket ranges."""
    ranges: list[tuple[int, int]] = []
    for code in range(sys.maxunicode + 1):
        if unicodedata.category(chr(code)) == "Nd":
            if ranges and ranges[-1][1] == code - 1:
                ranges[-1] = (ranges[-1][0], code)
            else:
                ranges.append((code, code))
    ranges = [r for r in ranges if r != (0x30, 0x39)]
    return "".join(_escape(a) if a == b else f"{_escape(a)}-{_escape(b)}" for a, b in ranges)


def _escape(code: int) -> str:
    return f"\\x{{{code:x}}}"


def _class_opening_end(pattern: str, start: int) -> int:
    """The index after a bracket class's opening at ``start``: ``[``, then ``^`` and a literal first ``]``."""
    i = start + 1
    for lead in ("^", "]"):
        if pattern[i : i + 1] == lead:
            i += 1
    return i


def _group_end(pattern: str, start: int) -> int:
    """The index just after the group that opens at ``pattern[start] == "("``."""
    depth, i, in_class = 0, start, False
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\":
            i += 2
            continue
        if in_class:
            in_class = ch != "]"
        elif ch == "[":
            in_class, i = True, _class_opening_end(pattern, i)
            continue
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    raise ValueError(f"unbalanced group in {pattern!r}")


def to_re2(pattern: str) -> str:
    r"""A recognizer pattern in RE2's syntax, matching (somewhere) wherever the Python pattern matches.

    Negative lookarounds are dropped and positive ones become plain groups (RE2 has neither; a search for a
    match only widens); ``\d`` becomes ``0-9`` (the matcher lets through every cell with another decimal digit),
    ``\s`` and ``\p{Han}`` explicit Unicode ranges.
    """
    out: list[str] = []
    i, in_class = 0, False
    while i < len(pattern):
        if not in_class and pattern.startswith(("(?<!", "(?!"), i):
            i = _group_end(pattern, i)
            continue
        if not in_class and pattern.startswith(("(?<=", "(?="), i):
            out.append("(?:")
            i += 4 if pattern[i + 2] == "<" else 3
            continue
        ch = pattern[i]
        if ch == "\\":
            escape = pattern[i : i + 2]
            if pattern.startswith("\\p{Han}", i):
                out.append(_HAN_RANGE if in_class else f"[{_HAN_RANGE}]")
                i += len("\\p{Han}")
                continue
            replacement = {"\\d": "0-9", "\\s": _SPACE_RANGE}.get(escape)
            if replacement is not None:
                out.append(replacement if in_class else f"[{replacement}]")
            elif escape[1] == "u" and len(pattern) >= i + 6:
                out.append(f"\\x{{{pattern[i + 2 : i + 6]}}}")
                i += 6
                continue
            elif escape[1:].isalpha():
                raise ValueError(f"{escape} in {pattern!r} has no RE2 translation here")
            else:
                out.append(escape)
            i += 2
            continue
        if in_class:
            in_class = ch != "]"
        elif ch == "[":
            end = _class_opening_end(pattern, i)
            out.append(pattern[i:end])
            in_class, i = True, end
            continue
        out.append(ch)
        i += 1
    return "".join(out)


def identifier_patterns(classifier: ColumnClassifier) -> list[str]:
    """What a cell must match (one of) to hold a validated personal identifier (ID, bank card, mobile, e-mail)."""
    from govdata.mask.table import personal_identifiers

    return [to_re2(p.regex) for m in personal_identifiers(classifier) for p in m.spec.patterns]


def free_text_patterns(classifier: ColumnClassifier) -> list[str]:
    """What a free-text cell must match (one of) to hold anything the recognizers find: a shape or a cue."""
    free = classifier.free_text
    return [to_re2(free.cues.pattern), *(to_re2(p.regex) for m in free.matchers for p in m.spec.patterns)]


#: control characters COPY's text format writes as escapes: sent as spaces (all but backspace are ``\s`` to
#: Python, and a space is what the normalisation and the cues treat alike) and U+FFFD (no pattern matches it)
_CONTROLS, _CONTROL_STANDINS = "\n\r\t\f\v\b", "     \ufffd"
#: combining marks and Hangul jamo: NFKC would compose them with a neighbour into a character no pattern
#: expects, so a cell holding one always passes
_COMPOSING = (
    "[\\x{300}-\\x{36f}\\x{1ab0}-\\x{1aff}\\x{1dc0}-\\x{1dff}\\x{20d0}-\\x{20ff}\\x{fe20}-\\x{fe2f}"
    "\\x{1100}-\\x{11ff}\\x{3099}\\x{309a}]"
)
_BATCH_BYTES = 8 << 20
#: batches matched at once, in threads, while PostgreSQL streams the next
_MATCH_THREADS = 2


def columns_candidate_ids(
    conn: psycopg.Connection, relation: tuple[str, str], key: str, patterns: dict[str, list[str]]
) -> dict[str, array[int]]:
    """For each column of ``patterns``, the keys of the rows whose cell matches one of its patterns.

    The columns are streamed out together, in one COPY (text format), and matched batch by batch: PostgreSQL
    reads the table once and sends one message per row whatever the number of columns (a column at a time
    cost ~0.75 s a column a million rows). Batches are matched in threads as they arrive (their keys come out in
    the table's order). Memory is three or four batches of ~8 MB plus 8 bytes per passing cell, whatever the
    table's size. An empty or null cell holds nothing and never passes.
    """
    from govdata import warehouse

    columns = list(patterns)
    ids: dict[str, array[int]] = {c: array("q") for c in columns}
    if not columns:
        return ids
    cells = sql.SQL(", ").join(
        sql.SQL("coalesce(translate({}::text, {}, {}), '')").format(
            sql.Identifier(c), sql.Literal(_CONTROLS), sql.Literal(_CONTROL_STANDINS)
        )
        for c in columns
    )
    query = sql.SQL("copy (select {k}, {cells} from {t}) to stdout").format(
        k=sql.Identifier(key), cells=cells, t=warehouse.qualified(*relation)
    )
    wanted = [patterns[c] for c in columns]
    pending: deque[Future[list[list[int]]]] = deque()

    def collect(in_flight: int) -> None:
        """Take the results of the oldest batches (in order) until at most ``in_flight`` are left running."""
        while len(pending) > in_flight:
            for column, passing in zip(columns, pending.popleft().result(), strict=True):
                ids[column].extend(passing)

    # Arrow's compute functions release the GIL: batches are matched in threads while the next ones arrive
    with ThreadPoolExecutor(max_workers=_MATCH_THREADS, thread_name_prefix="prefilter") as pool:
        buffer = bytearray()
        with conn.cursor().copy(query) as copy:
            for data in copy:
                buffer += data
                if len(buffer) >= _BATCH_BYTES:
                    cut = buffer.rfind(b"\n") + 1
                    pending.append(pool.submit(_matching, bytes(buffer[:cut]), wanted))
                    del buffer[:cut]
                    collect(_MATCH_THREADS)  # memory: a few batches, whatever the table's size
        if buffer:
            pending.append(pool.submit(_matching, bytes(buffer), wanted))
        collect(0)
    return ids


def _matching(data: bytes, patterns: list[list[str]]) -> list[list[int]]:
    """Per column, the keys of the COPY lines in ``data`` whose normalised cell matches one of its ``patterns``.

    Each pattern is matched on its own and the results or-ed: RE2 matches one of them in ~0.02–0.04 µs a cell;
    their alternation was slower still (measured on the mask bench: 3.4 s against 2.3 s for 7 columns × 250k).
    """
    import io

    import pyarrow as pa
    import pyarrow.compute as pc
    from pyarrow import csv

    from govdata.classify.normalize import _FULL_WIDTH

    names = ["key", *(f"c{i}" for i in range(len(patterns)))]
    table = csv.read_csv(
        io.BytesIO(data),
        read_options=csv.ReadOptions(column_names=names),
        parse_options=csv.ParseOptions(delimiter="\t", quote_char=False, escape_char="\\"),
        convert_options=csv.ConvertOptions(
            column_types={"key": pa.int64(), **{n: pa.string() for n in names[1:]}},
            null_values=[],
            strings_can_be_null=False,
        ),
    )
    # NFKC maps the full-width block and the spaces of the classifier's table as the table does (and other
    # compatibility characters besides, which only adds matches); the dashes it keeps are replaced after it
    other_digits = f"[{_other_digits()}]"  # the patterns match ASCII digits only: any other passes
    dashes = "".join(f"\\x{{{c:x}}}" for c, a in _FULL_WIDTH.items() if a == 0x2D and not 0xFF01 <= c <= 0xFF5E)
    result = []
    for name, column_patterns in zip(names[1:], patterns, strict=True):
        text = table[name]
        norm = pc.replace_substring_regex(pc.utf8_normalize(text, "NFKC"), f"[{dashes}]", "-")
        for _ in range(2):  # non-overlapping replacements: the second pass joins what the first left (1 2 3 → 12 3)
            norm = pc.replace_substring_regex(norm, "([0-9])[ -]{1,2}([0-9Xx])", "\\1\\2")
        passes = pc.or_(pc.match_substring_regex(text, _COMPOSING), pc.match_substring_regex(norm, other_digits))
        for pattern in column_patterns:
            passes = pc.or_(passes, pc.match_substring_regex(norm, pattern))
        passes = pc.and_(passes, pc.greater(pc.utf8_length(text), 0))
        result.append(pc.filter(table["key"], passes).to_pylist())
    return result
