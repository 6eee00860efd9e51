"""Column-name and comment semantics: Chinese keywords and pinyin/English abbreviations (sfzh, lxdh, id_card)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_SPLIT = re.compile(r"[^A-Za-z]+")
_NOT_WORD = re.compile(r"[\W_]+")


@dataclass(frozen=True)
class HeaderHit:
    """Why a column name or comment matched a rule."""

    rule: str  # entity type or header-rule name
    term: str  # the keyword or abbreviation that matched
    source: str  # "name" or "comment"

    def describe(self) -> str:
        """Short form for evidence: ``name~身份证``."""
        return f"{self.source}~{self.term}"


@lru_cache(maxsize=4096)
def header_tokens(name: str) -> tuple[str, ...]:
    """Lower-case ASCII tokens of a column name, split at separators, digits and camelCase.

    Adjacent tokens joined are included too, so ``id_card`` and ``idCard`` both give ``idcard``.
    """
    words = [w.lower() for part in _SPLIT.split(name) for w in _CAMEL.split(part) if w]
    tokens = list(words)
    for size in (2, 3, 4):
        tokens.extend("".join(words[i : i + size]) for i in range(len(words) - size + 1))
    return tuple(dict.fromkeys(tokens))


def _compact(term: str) -> str:
    return _NOT_WORD.sub("", term).lower()


def match_terms(
    rule: str,
    keywords: list[str] | tuple[str, ...],
    abbreviations: list[str] | tuple[str, ...],
    exclude: list[str] | tuple[str, ...],
    name: str,
    comment: str | None,
) -> HeaderHit | None:
    """The first keyword (substring) or abbreviation (whole token) of a rule found in the name, then the comment."""
    for source, text in (("name", name), ("comment", comment or "")):
        if not text:
            continue
        lowered = text.lower()
        if any(word.lower() in lowered for word in exclude):
            continue
        for word in keywords:
            if word.lower() in lowered:
                return HeaderHit(rule, word, source)
        tokens = header_tokens(text)
        if tokens:
            for abbr in abbreviations:
                if _compact(abbr) in tokens:
                    return HeaderHit(rule, abbr, source)
    return None


def is_placeholder_name(name: str) -> bool:
    """Column names that say nothing (col_17, column_3, 字段5, F12, unnamed: 0)."""
    return bool(re.fullmatch(r"(?i)(col(umn)?|field|字段|列|f|c|unnamed:?)[ _\-]?\d+", name.strip()))
