"""Free text masked by the spans the recognizers found: each span masked as its entity, by a policy.

A policy's ``free_text`` setting decides what is left of the rest of the text: ``replace_spans`` keeps it
as written (publication: the text stays readable, the leak guard checks it again), ``detected_only``
keeps nothing but the masked spans — a strict policy's choice, since a name the recognizers missed
(代办人熊毅轩) would otherwise be shown raw.
"""

from __future__ import annotations

from collections.abc import Iterable

from govdata import config
from govdata.mask.values import mask_value

#: (start, end, entity) of one finding in the original text
Span = tuple[int, int, str]
SPAN_SEPARATOR = " … "


def _ordered(text: str, spans: Iterable[Span]) -> list[Span]:
    """Spans inside the text, left to right, an overlapping later span dropped (the first one covers it)."""
    kept: list[Span] = []
    for start, end, entity in sorted(spans):
        start, end = max(start, 0), min(end, len(text))
        if start >= end:
            continue
        if kept and start < kept[-1][1]:
            if end > kept[-1][1]:
                kept[-1] = (kept[-1][0], end, kept[-1][2])  # widen: no character of the union shows through
            continue
        kept.append((start, end, entity))
    return kept


def replace_spans(text: str, spans: Iterable[Span], policy: config.MaskPolicy) -> str:
    """The text with every span replaced by its masked value: 电话13812345678 → 电话138****5678."""
    pieces: list[str] = []
    pos = 0
    for start, end, entity in _ordered(text, spans):
        pieces.append(text[pos:start])
        pieces.append(mask_value(entity, text[start:end], policy) or "")
        pos = end
    pieces.append(text[pos:])
    return "".join(pieces)


def detected_only(text: str, spans: Iterable[Span], policy: config.MaskPolicy) -> str:
    """Only the masked spans, in order: 110101********1234 … 138****5678."""
    masked = (mask_value(entity, text[start:end], policy) or "" for start, end, entity in _ordered(text, spans))
    return SPAN_SEPARATOR.join(masked)


def mask_free_text(text: str, spans: Iterable[Span], policy: config.MaskPolicy, width: int = 60) -> str:
    """A free text masked as the policy's ``free_text`` says, cut to about ``width`` characters for display."""
    spans = list(spans)
    if policy.free_text == "detected_only":
        return _cut(detected_only(text, spans, policy), 0, width)
    ordered = _ordered(text, spans)
    masked = replace_spans(text, ordered, policy)
    if len(masked) <= width:
        return masked
    # the first span's position in the masked text: masks may be shorter or longer than the span
    first = len(replace_spans(text[: ordered[0][0]], [], policy)) if ordered else 0
    return _cut(masked, first, width)


def _cut(text: str, first: int, width: int) -> str:
    """About ``width`` characters of a text around position ``first``, with … where it was cut."""
    if len(text) <= width:
        return text
    start = max(0, min(first - width // 3, len(text) - width))
    prefix = "…" if start > 0 else ""
    suffix = "…" if start + width < len(text) else ""
    return prefix + text[start : start + width] + suffix
