"""Masked examples for classification evidence: evidence is stored and shown, so it never holds a raw value."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

MASK = "*"


def mask_value(entity: str, value: str) -> str:
    """One detected value with most of it starred, keeping just enough to recognise its shape."""
    text = value.strip()
    if not text:
        return text
    if entity == "PERSON":
        return text[0] + MASK * (len(text) - 1)
    if entity == "ADDRESS":
        keep = min(6, len(text) // 3)
        return text[:keep] + MASK * min(len(text) - keep, 12)
    if entity == "EMAIL_ADDRESS":
        local, _, domain = text.partition("@")
        return (local[:1] + MASK * max(len(local) - 1, 2)) + "@" + domain
    if entity == "IP_ADDRESS":
        sep = "." if "." in text else ":"
        parts = text.split(sep)
        return sep.join(parts[:2] + [MASK] * (len(parts) - 2))
    if len(text) <= 4:
        return MASK * len(text)
    # identifiers: the first characters (region, prefix, bank) and the last one, the rest starred
    head = 3 if len(text) >= 11 else 1
    return text[:head] + MASK * (len(text) - head - 1) + text[-1]


def mask_spans(text: str, spans: Iterable[tuple[int, int]], width: int = 60) -> str:
    """A free text with the given spans starred, cut to about ``width`` characters around the first span."""
    chars = list(text)
    ordered = sorted(spans)
    for start, end in ordered:
        for i in range(max(start, 0), min(end, len(chars))):
            if not chars[i].isspace():
                chars[i] = MASK
    masked = "".join(chars)
    if len(masked) <= width:
        return masked
    first = ordered[0][0] if ordered else 0
    start = max(0, min(first - width // 3, len(masked) - width))
    prefix = "…" if start > 0 else ""
    suffix = "…" if start + width < len(masked) else ""
    return prefix + masked[start : start + width] + suffix


def pick_examples(items: Sequence[str], limit: int = 3) -> list[str]:
    """Up to ``limit`` distinct items, in order."""
    return list(dict.fromkeys(items))[:limit]
