"""What a department generator gets: its own seeded RNG and Faker, the shared pools, and helpers."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from faker import Faker

from govdata.demo.model import Conflict, Defect, DepartmentData, Row, Table
from govdata.demo.pools import Company, People, Person, misspelt_name
from govdata.demo.seeded import SeededRandom

# Age of the newest update a table on a given cycle shows when it is kept current, in minutes
_FRESH_MINUTES = {
    "实时": (2, 30),
    "每日": (10, 300),
    "每周": (60 * 24, 60 * 24 * 4),
    "每月": (60 * 24 * 3, 60 * 24 * 15),
    "每季度": (60 * 24 * 10, 60 * 24 * 40),
    "每年": (60 * 24 * 30, 60 * 24 * 150),
    "不定期": (60 * 24 * 10, 60 * 24 * 300),
}


def add_years(day: dt.date, years: int) -> dt.date:
    """The same calendar day ``years`` later (29 February becomes 28 February)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def shifted_date(rng: random.Random, day: dt.date) -> dt.date:
    """A date a few days or weeks off (a mistyped or differently sourced date of birth)."""
    return day + dt.timedelta(days=rng.choice((-1, 1)) * rng.randrange(1, 40))


@dataclass
class Context:
    """Generation state of one department: seeded by (seed, department code) alone."""

    code: str
    seed: int
    scale: float
    as_of: dt.date
    people: People
    companies: list[Company]
    rng: random.Random = field(init=False)
    fake: Faker = field(init=False)
    data: DepartmentData = field(init=False)

    def __post_init__(self) -> None:
        self.rng = SeededRandom(f"{self.seed}:{self.code}")
        self.fake = Faker("zh_CN")
        self.fake.seed_instance(self.rng.getrandbits(32))
        self.data = DepartmentData(code=self.code)

    def n(self, base: int, minimum: int = 30) -> int:
        """Row count of a table that has ``base`` rows at scale 1."""
        return max(minimum, round(base * self.scale))

    @property
    def midnight(self) -> dt.datetime:
        """Start of the as_of day: timestamps are placed before it."""
        return dt.datetime.combine(self.as_of, dt.time())

    @property
    def fresh_anchor(self) -> dt.datetime:
        """What a fresh table's latest update precedes: the end of the as_of day, or now if that is earlier.

        A 每日 table updated a few hours before midnight would be judged stale by a crawl late the next day;
        anchored at the time the demo is built, it is fresh whenever the demo is crawled soon after.
        """
        return min(self.midnight + dt.timedelta(days=1), dt.datetime.now())

    def newest_update(self, cycle: str, stale_days: int | None = None) -> dt.datetime:
        """The latest update time of a table: within its cycle, or ``stale_days`` old."""
        if stale_days is not None:
            return self.midnight - dt.timedelta(days=stale_days, minutes=self.rng.randrange(60, 600))
        low, high = _FRESH_MINUTES[cycle]
        return self.fresh_anchor - dt.timedelta(minutes=self.rng.randrange(low, high))

    def update_times(self, n: int, newest: dt.datetime, span_days: int = 900) -> list[dt.datetime]:
        """``n`` update timestamps spread over ``span_days`` before ``newest``, one exactly at it."""
        rnd = self.rng.random
        span = span_days * 86400
        times = [newest - dt.timedelta(seconds=int(rnd() * span)) for _ in range(n)]
        if times:
            times[self.rng.randrange(n)] = newest
        return times

    def date_between(self, start: dt.date, end: dt.date) -> dt.date:
        """A uniformly drawn date in [start, end]."""
        days = (end - start).days
        return start + dt.timedelta(days=int(self.rng.random() * (days + 1)))

    def sample(self, population: list[int], k: int) -> list[int]:
        """``k`` distinct draws, or the whole population shuffled when it is smaller."""
        return self.rng.sample(population, min(k, len(population)))

    def registered_ids(self) -> set[str]:
        """ID numbers of the Shenzhen-registered residents (those 公安's 户籍 table holds)."""
        return {p.sfzh for p in self.people.persons if p.local}

    def person(self, idx: int) -> Person:
        """A person of the pool."""
        return self.people.persons[idx]

    # -- defects and conflicts -------------------------------------------------------------

    def pick(self, table: Table, k: int, taken: set[int], where: Callable[[Row], Any] | None = None) -> list[int]:
        """``k`` row positions not yet used by another injection (optionally matching ``where``)."""
        candidates = [i for i, row in enumerate(table.rows) if i not in taken and (where is None or where(row))]
        chosen = sorted(self.rng.sample(candidates, min(k, len(candidates))))
        taken.update(chosen)
        return chosen

    def defect(
        self,
        kind: str,
        table: str | None,
        column: str | None,
        count: int,
        examples: Iterable[Any] = (),
        note: str | None = None,
        file: str | None = None,
    ) -> None:
        """Record an injected defect."""
        self.data.defects.append(Defect(kind, self.code, table, column, count, list(examples)[:5], note, file))

    def mutate(
        self,
        table: Table,
        column: str,
        rows: list[int],
        change: Callable[[Any], Any],
        kind: str,
        note: str | None = None,
    ) -> None:
        """Replace a column's value in the given rows by ``change(old)`` and record the defect."""
        i = table.index(column)
        for r in rows:
            table.rows[r][i] = change(table.rows[r][i])
        examples = [table.rows[r][i] for r in rows]
        if table.primary_key and all(v is None for v in examples):
            # a blanked value shows nothing: point at the rows by their key instead
            k = table.index(table.primary_key[0])
            examples = [f"{table.primary_key[0]}={table.rows[r][k]}" for r in rows]
        if rows:
            self.defect(kind, table.name, column, len(rows), examples, note)

    def name_conflict(self, table: Table, rows: list[int], key: str = "sfzh", column: str = "xm") -> None:
        """Misspell the person's name in these rows of a copy keyed by 身份证号 (a 姓名 conflict)."""
        self.conflict(table, rows, key, column, "CN_RESIDENT_ID", "姓名", lambda v: misspelt_name(self.rng, v))

    def conflict(
        self,
        table: Table,
        rows: list[int],
        key: str,
        column: str,
        key_type: str,
        attribute: str,
        change: Callable[[Any], Any],
    ) -> None:
        """Make copies disagree with the authoritative value, remembering each injected conflict."""
        k, i = table.index(key), table.index(column)
        for r in rows:
            row = table.rows[r]
            row[i] = change(row[i])
            self.data.conflicts.append(
                Conflict(key_type, row[k], attribute, self.code, table.name, column, str(row[i]))
            )
