"""Free text with the spans the recognizers found starred; the rest of the text is left as written."""

from __future__ import annotations

from collections.abc import Iterable

from govdata.mask.values import MASK


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
