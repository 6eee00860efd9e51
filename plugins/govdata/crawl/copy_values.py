"""What every source's copy shares: the batch size, the copy's result, the refused value, the watermark's type."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

#: Rows fetched from the server-side cursor and sent as one COPY buffer.
BATCH_ROWS = 5000


@dataclass
class Copied:
    """Rows a copy wrote, and the values it had to convert: (column, kind) → count."""

    rows: int
    conversions: Counter[tuple[str, str]] = field(default_factory=Counter)


class ValueNotCopyable(ValueError):
    """A source value that the snapshot column cannot hold; names the column (and the row's key)."""

    def __init__(self, column: str, message: str) -> None:
        """Remember the column, so the crawl error records it."""
        super().__init__(message)
        self.column_name = column


def watermark_value(text: str, raw_type: str | None) -> Any:
    """The watermark (text from the warehouse) as a Python value of the update column's type."""
    kind = (raw_type or "text").split("(")[0].strip()
    if kind.startswith("timestamp"):
        return dt.datetime.fromisoformat(text)
    if kind == "date":
        return dt.date.fromisoformat(text)
    if kind in ("smallint", "integer", "bigint"):
        return int(text)
    return text
