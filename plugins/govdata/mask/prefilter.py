r"""The classifier's own pre-check, compiled into PostgreSQL regular expressions: the full scan's first filter.

A cell is read out of PostgreSQL and checked in Python only if this filter lets it through, so the filter must
let through every cell the classifier's pre-check (``FreeTextScanner.might_hold_pii``, the validated
identifiers of ``TableMasker.spans``) would accept — a superset, never a guess:

- the recognizers' patterns (config/recognizers.yaml) are translated from Python's syntax to PostgreSQL's
  (``\d`` as every Unicode decimal digit, ``\s`` as every Unicode space, ``\p{Han}`` as the CJK blocks);
  their *negative* lookarounds are dropped (a pattern without its boundaries matches more, never less);
- free text adds the name and address cues (context words, honorifics, 路/街, 12号, a surname-led subject);
- the cell is normalised in SQL as the classifier normalises it in Python (``normalized``): full-width
  characters and dash variants as ASCII, and every space or dash between two digits removed (Python removes
  only those inside digit groups; removing more keeps every match of a boundary-free pattern);
- each pattern is its own test, OR-ed (``matches_any``).

Validators (ID checksums, Luhn) run only in Python, on what passes. A case number such as AJ00001234 or a
receipt number SL2026000001 matches no identifier's shape and is never read out, where a "four digits" filter
sent every such cell to Python. tests/integration/test_publish_scan.py checks the superset on generated text.
"""

from __future__ import annotations

import sys
import unicodedata
from functools import lru_cache
from typing import TYPE_CHECKING

from psycopg import sql

if TYPE_CHECKING:
    from govdata.classify.column import ColumnClassifier

_HAN_RANGE = "\\u3400-\\u9fff"
#: Python's str ``\s``: ASCII whitespace, the separators \x1c–\x1f, NEL and Unicode's spaces
_SPACE_RANGE = "\\t\\n\\v\\f\\r \\u001c-\\u001f\\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000"


@lru_cache(maxsize=1)
def _digit_range() -> str:
    r"""Python's str ``\d`` (Unicode category Nd) as PostgreSQL bracket ranges of \u/\U escapes."""
    ranges: list[tuple[int, int]] = []
    for code in range(sys.maxunicode + 1):
        if unicodedata.category(chr(code)) == "Nd":
            if ranges and ranges[-1][1] == code - 1:
                ranges[-1] = (ranges[-1][0], code)
            else:
                ranges.append((code, code))
    return "".join(_escape(a) if a == b else f"{_escape(a)}-{_escape(b)}" for a, b in ranges)


def _escape(code: int) -> str:
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


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
            in_class = True
            if pattern[i + 1 : i + 2] == "^":
                i += 1
            if pattern[i + 1 : i + 2] == "]":
                i += 1  # a ']' first in a class is a literal
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    raise ValueError(f"unbalanced group in {pattern!r}")


def to_postgres(pattern: str, *, keep_lookarounds: bool = False) -> str:
    r"""A recognizer pattern in PostgreSQL's ARE syntax, matching at least what the Python pattern matches.

    Negative lookarounds are dropped unless ``keep_lookarounds`` (positive ones are kept: they narrow a match,
    and PostgreSQL supports them); ``\d``, ``\s`` and ``\p{Han}`` become explicit Unicode ranges.
    """
    out: list[str] = []
    i, in_class = 0, False
    while i < len(pattern):
        if not keep_lookarounds and not in_class and pattern.startswith(("(?<!", "(?!"), i):
            i = _group_end(pattern, i)
            continue
        ch = pattern[i]
        if ch == "\\":
            escape = pattern[i : i + 2]
            if pattern.startswith("\\p{Han}", i):
                out.append(_HAN_RANGE if in_class else f"[{_HAN_RANGE}]")
                i += len("\\p{Han}")
                continue
            replacement = {"\\d": _digit_range(), "\\s": _SPACE_RANGE}.get(escape)
            if replacement is not None:
                out.append(replacement if in_class else f"[{replacement}]")
            elif escape[1:].isalpha() and escape[1] not in "uUx":
                raise ValueError(f"{escape} in {pattern!r} has no PostgreSQL translation here")
            else:
                out.append(escape)
            i += 2
            continue
        if in_class:
            in_class = ch != "]"
        elif ch == "[":
            in_class = True
            out.append(ch)
            i += 1
            for lead in ("^", "]"):  # '[^' and a literal ']' first in the class
                if pattern[i : i + 1] == lead:
                    out.append(lead)
                    i += 1
            continue
        out.append(ch)
        i += 1
    return "".join(out)


def identifier_patterns(classifier: ColumnClassifier) -> list[str]:
    """What a cell must match (one of) to hold a validated identifier (ID, USCC, bank card, mobile, e-mail)."""
    return [to_postgres(p.regex) for m in classifier.structured.matchers if m.confirming for p in m.spec.patterns]


def free_text_patterns(classifier: ColumnClassifier) -> list[str]:
    """What a free-text cell must match (one of) to hold anything the recognizers find: a shape or a cue."""
    free = classifier.free_text
    cues = to_postgres(free.cues.pattern, keep_lookarounds=True)
    return [cues, *(to_postgres(p.regex) for m in free.matchers for p in m.spec.patterns)]


def matches_any(text: sql.Composable, patterns: list[str]) -> sql.Composable:
    """``text`` (already normalised) matching one of the patterns.

    One test per pattern, OR-ed: PostgreSQL runs each small automaton fast, where one alternation of all of
    them is several times slower. A pattern that cannot match without some literal character (an e-mail's @)
    is tried only on texts that hold it.
    """
    tests = []
    for pattern in patterns:
        test = sql.SQL("{} ~ {}").format(text, sql.Literal(pattern))
        literal = _required_literal(pattern)
        if literal:
            test = sql.SQL("(strpos({}, {}) > 0 and {})").format(text, sql.Literal(literal), test)
        tests.append(test)
    return sql.SQL("({})").format(sql.SQL(" or ").join(tests))


def _required_literal(pattern: str) -> str | None:
    """``@`` when every match of ``pattern`` holds one (a top-level ``@``, not optional, no top-level ``|``)."""
    depth, i, found = 0, 0, False
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\":
            i += 2
            continue
        if ch == "[":
            i = _class_end(pattern, i)
            continue
        if ch in "()":
            depth += 1 if ch == "(" else -1
        elif depth == 0 and ch == "|":
            return None
        elif depth == 0 and ch == "@" and pattern[i + 1 : i + 2] not in ("?", "*", "{"):
            found = True
        i += 1
    return "@" if found else None


def _class_end(pattern: str, start: int) -> int:
    """The index just after the bracket class that opens at ``start``."""
    i = start + 1
    if pattern[i : i + 1] == "^":
        i += 1
    if pattern[i : i + 1] == "]":
        i += 1
    while pattern[i] != "]":
        i += 2 if pattern[i] == "\\" else 1
    return i + 1


#: combining marks and Hangul jamo: NFKC would compose them with a neighbour (a different character), so a
#: text holding one is normalised by the translation table alone
_COMPOSING = (
    "[\\u0300-\\u036f\\u1ab0-\\u1aff\\u1dc0-\\u1dff\\u20d0-\\u20ff\\ufe20-\\ufe2f\\u1100-\\u11ff\\u3099\\u309a]"
)


def normalized(value: sql.Composable) -> sql.Composable:
    """A text as the classifier matches it: full-width → ASCII, dash variants → -, no space or dash between digits.

    The classifier's table (normalize._FULL_WIDTH) maps the full-width block and a few spaces and dashes 1:1.
    ``translate`` with that whole table costs PostgreSQL ~3.5 µs a cell; NFKC does the same for the full-width
    block and the spaces at a sixth of that, and maps other compatibility characters too — which only adds
    matches, since every character a pattern can match (ASCII, Han, digits, spaces) is left as NFKC finds it.
    The dashes NFKC keeps are translated after it. A text with a combining mark takes the table.
    """
    from govdata.classify.normalize import _FULL_WIDTH

    source = "".join(chr(c) for c in _FULL_WIDTH)
    target = "".join(chr(c) for c in _FULL_WIDTH.values())
    dashes = "".join(chr(c) for c, a in _FULL_WIDTH.items() if a == 0x2D and not 0xFF01 <= c <= 0xFF5E)
    half = sql.SQL(
        "case when {v} ~ {composing} then translate({v}, {source}, {target})"
        " else translate(normalize({v}, NFKC), {dashes}, {minus}) end"
    ).format(
        v=value, composing=sql.Literal(_COMPOSING), source=sql.Literal(source), target=sql.Literal(target),
        dashes=sql.Literal(dashes), minus=sql.Literal("-" * len(dashes)),
    )  # fmt: skip
    return sql.SQL(
        "(select case when h ~ '[0-9][ -]{{1,2}}[0-9Xx]'"
        " then regexp_replace(h, '([0-9])[ -]{{1,2}}(?=[0-9Xx])', '\\1', 'g') else h end from (select {} as h) as n)"
    ).format(half)
