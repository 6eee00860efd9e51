"""The random source of the demo: deterministic per seed string, and quick at choice/randrange."""

from __future__ import annotations

import random


class SeededRandom(random.Random):
    """``random.Random`` drawing bounded integers from one float instead of a getrandbits loop.

    choice, randrange, randint, sample and shuffle all go through ``_randbelow``; at millions of
    draws the rejection loop is the slowest part of generating the demo. The bias of
    ``int(random() * n)`` is below 2**-40 for the sizes used here.
    """

    def _randbelow(self, n: int) -> int:
        return int(self.random() * n)
