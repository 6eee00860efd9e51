"""Normalise text before matching (full-width → ASCII, separators inside numbers) with offsets back to the original."""

from __future__ import annotations

import re
from dataclasses import dataclass

# Full-width ASCII block (！..～) maps 1:1 onto ASCII; the ideographic space and the dash variants
# people type into identifiers (１３８－１２３４, 138—1234) become plain ASCII too. A 1:1 table keeps
# offsets unchanged, so only removed separators need an index map.
_FULL_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}
_FULL_WIDTH.update(
    {
        0x3000: 0x20,  # ideographic space
        0x00A0: 0x20,  # no-break space
        0x2002: 0x20,
        0x2003: 0x20,
        0x2009: 0x20,
        0x2010: 0x2D,  # hyphen
        0x2011: 0x2D,  # non-breaking hyphen
        0x2012: 0x2D,  # figure dash
        0x2013: 0x2D,  # en dash
        0x2014: 0x2D,  # em dash
        0x2212: 0x2D,  # minus sign
        0x30FC: 0x2D,  # katakana long sound mark, a common IME slip for a dash
    }
)

# A separator run between two digit groups. Only groups of at most 8 characters are joined: that covers
# 138 1234 5678, 0755-12345678, 110101 19900307 123X and 6222 0212 3456 7890, but leaves two whole
# numbers written side by side ("13812345678 13912345678") apart.
_GROUPED_DIGITS = re.compile(
    r"(?<![0-9A-Za-z])[0-9]{1,8}(?:[ \-]{1,2}[0-9]{1,8})+(?:[Xx]|[ \-]{1,2}[Xx])?(?![0-9A-Za-z])"
)
_SEPARATORS = re.compile(r"[ \-]+")


@dataclass(frozen=True)
class Normalized:
    """Normalised text plus, for each of its characters, the index of that character in the original."""

    text: str
    original: str
    index_map: tuple[int, ...] | None = None  # None: same length as the original, offsets identical

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """Map a span [start, end) of the normalised text back to the original text."""
        if self.index_map is None:
            return start, end
        if start >= end:
            pos = self.index_map[start] if start < len(self.index_map) else len(self.original)
            return pos, pos
        return self.index_map[start], self.index_map[end - 1] + 1

    def original_slice(self, start: int, end: int) -> str:
        """The original text under a span of the normalised text (separators included)."""
        orig_start, orig_end = self.to_original(start, end)
        return self.original[orig_start:orig_end]


def to_half_width(text: str) -> str:
    """Full-width letters, digits, punctuation, spaces and dash variants as ASCII (same length)."""
    return text.translate(_FULL_WIDTH)


def normalize_text(text: str) -> Normalized:
    """Half-width text with spaces and dashes removed inside grouped numbers, keeping an offset map."""
    half = to_half_width(text)
    if not any(ch == " " or ch == "-" for ch in half):
        return Normalized(text=half, original=text)
    pieces: list[str] = []
    index_map: list[int] = []
    pos = 0
    changed = False
    for match in _GROUPED_DIGITS.finditer(half):
        start, end = match.span()
        pieces.append(half[pos:start])
        index_map.extend(range(pos, start))
        for i in range(start, end):
            ch = half[i]
            if ch == " " or ch == "-":
                changed = True
                continue
            pieces.append(ch)
            index_map.append(i)
        pos = end
    if not changed:
        return Normalized(text=half, original=text)
    pieces.append(half[pos:])
    index_map.extend(range(pos, len(half)))
    return Normalized(text="".join(pieces), original=text, index_map=tuple(index_map))


def normalize_value(value: str) -> str:
    """One structured cell as matched against identifier shapes: trimmed, half-width, no inner separators.

    A cell of a structured column holds one value, so any spaces or dashes inside an identifier-looking
    cell are formatting (``138 1234 5678``, ``0755-12345678``); other cells keep their inner spaces.
    """
    half = to_half_width(value).strip()
    if _SEPARATORS.search(half) and any(ch.isdigit() for ch in half) and _is_identifier_like(half):
        return _SEPARATORS.sub("", half)
    return half


def _is_identifier_like(text: str) -> bool:
    return all(ch.isascii() and (ch.isalnum() or ch in " -") for ch in text)
