"""Score a period: config/pdmm.yaml into catalog_config, then dbt builds maturity.evidence / score / fix_list."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

from govdata import warehouse
from govdata.errors import ConfigError

if TYPE_CHECKING:
    import psycopg

_PERIOD = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


def check_period(period: str) -> str:
    """A period as YYYY-MM, or a ConfigError saying what is expected."""
    if not _PERIOD.match(period or ""):
        raise ConfigError(f"period {period!r}: expected YYYY-MM (e.g. 2026-12)")
    return period


def period_of_run(day: date) -> str:
    """The period a run on ``day`` scores: the month of the day before.

    The monthly run on the 1st scores the month that just ended; a run on any other day (`make run`, a manual
    trigger) scores the month so far.
    """
    before = day - timedelta(days=1)
    return f"{before.year:04d}-{before.month:02d}"


def previous_period(period: str) -> str:
    """The month before ``period``."""
    year, month = map(int, check_period(period).split("-"))
    return f"{year - (month == 1):04d}-{12 if month == 1 else month - 1:02d}"


def score_period(period: str) -> list[DepartmentScore]:
    """Reload config/pdmm.yaml, build the maturity models for ``period`` (replacing its rows); the totals."""
    from govdata.catalog.config_tables import load_config_tables
    from govdata.catalog.dbt import MATURITY_BUILD, dbt_build

    check_period(period)
    with warehouse.connect(autocommit=True) as wh:
        load_config_tables(wh)
    dbt_build(MATURITY_BUILD, {"period": period})
    with warehouse.connect(autocommit=True) as wh:
        return department_scores(wh, period)


@dataclass(frozen=True)
class Fix:
    """One line of a fix list (整改清单)."""

    priority: int
    table: str
    column: str | None
    check: str
    bad_rows: int | None
    indicators: list[str]
    gain: float
    #: a few failing values of a quality check, masked by the quality stage (evidence policy), or None
    examples: str | None = None


@dataclass(frozen=True)
class DepartmentScore:
    """A department's total for a period, with its level, rank, change and top fixes."""

    department: str
    name: str
    total: float | None
    level: int | None
    level_name: str | None
    rank: int | None
    previous: float | None
    fixes: list[Fix]
    #: the level the total alone would have; above ``level`` when a cap (weakest dimension, leak) held it down
    band_level: int | None = None

    @property
    def capped(self) -> bool:
        """True when a cap held the level below the band of the total."""
        return self.level is not None and self.band_level is not None and self.level < self.band_level

    @property
    def change(self) -> float | None:
        """Points gained since the previous period (None without one)."""
        if self.total is None or self.previous is None:
            return None
        return round(self.total - self.previous, 2)


def department_scores(conn: psycopg.Connection, period: str, top_fixes: int = 3) -> list[DepartmentScore]:
    """Every department's total of ``period`` by rank, with the previous period's and its top fixes."""
    if warehouse.scalar(conn.execute("select to_regclass('maturity.score')")) is None:
        return []
    rows = conn.execute(
        """
        select s.department_code, s.department_name, s.value, s.level, s.level_name, s.rank, p.value, s.band_level
        from maturity.score s
        left join maturity.score p
            on p.department_code = s.department_code and p.scope = 'total' and p.period = %s
        where s.period = %s and s.scope = 'total'
        order by s.rank nulls last, s.department_code
        """,
        (previous_period(period), period),
    ).fetchall()
    fixes = fix_lists(conn, period, top_fixes)
    return [
        DepartmentScore(code, name, _num(total), level, level_name, rank, _num(previous), fixes.get(code, []), band)
        for code, name, total, level, level_name, rank, previous, band in rows
    ]


def fix_lists(conn: psycopg.Connection, period: str, limit: int | None = None) -> dict[str, list[Fix]]:
    """Each department's fix list of ``period`` (at most ``limit`` lines each), by priority."""
    rows = conn.execute(
        """
        select department_code, priority, table_name, column_name, check_name, bad_row_count, indicator_codes, gain,
               examples
        from maturity.fix_list
        where period = %s and (%s::integer is null or priority <= %s::integer)
        order by department_code, priority
        """,
        (period, limit, limit),
    ).fetchall()
    out: dict[str, list[Fix]] = {}
    for code, priority, table, column, check, bad, indicators, gain, examples in rows:
        out.setdefault(code, []).append(
            Fix(priority, table, column, check, bad, list(indicators), float(gain), examples)
        )
    return out


def _num(value: object) -> float | None:
    return None if value is None else float(value)  # type: ignore[arg-type]


def summary_lines(period: str) -> list[str]:
    """What `govdata run` prints: per department score, level, rank, change and top fixes; where the reports are."""
    from govdata import config

    with warehouse.connect(autocommit=True) as conn:
        scores = department_scores(conn, period)
    if not scores:
        return [f"{period}: not scored yet"]
    lines = [f"评估期 {period} (rank, total, level, change since the previous period; top fixes with their gain):"]
    for s in scores:
        total = "无证据" if s.total is None else f"{s.total:.2f}"
        change = "" if s.change is None else f", {s.change:+.2f} since {previous_period(period)}"
        capped = f" (capped from {s.band_level}: weakest dimension or a leak finding)" if s.capped else ""
        lines.append(
            f"  {s.rank or '-'}. {s.name} ({s.department}): {total}, level {s.level} {s.level_name}{capped}{change}"
        )
        for fix in s.fixes:
            column = f".{fix.column}" if fix.column else ""
            bad = f", {fix.bad_rows:,} bad rows" if fix.bad_rows else ""
            lines.append(f"       +{fix.gain:.2f}  {fix.table}{column}: {fix.check}{bad}")
    lines.append(f"reports (HTML + PDF per department, bureau summary): {config.reports_dir() / period}")
    return lines
