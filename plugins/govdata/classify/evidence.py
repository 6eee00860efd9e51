"""Examples for classification evidence: evidence is stored and shown, so its examples are masked values."""

from __future__ import annotations

from collections.abc import Sequence

from govdata import config
from govdata.mask.values import mask_value


def pick_examples(items: Sequence[str], limit: int = 3) -> list[str]:
    """Up to ``limit`` distinct items, in order."""
    return list(dict.fromkeys(items))[:limit]


def masked_examples(entity: str, values: Sequence[str], policy: config.MaskPolicy, limit: int = 3) -> list[str]:
    """Up to ``limit`` distinct values of an entity, masked by the (strict) evidence policy."""
    masked = (mask_value(entity, v, policy) for v in values)
    return pick_examples([m for m in masked if m], limit)
