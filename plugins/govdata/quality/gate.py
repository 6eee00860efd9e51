"""The quality gate of publication: a resource whose latest check has a failed critical expectation is held back.

Publication (publish/pipeline.py) asks :func:`critical_failures` for a dataset's source resources before it builds
anything. A resource is judged on its latest check (the newest run of ``governance.quality_result`` that holds
it); a critical expectation that failed, or that could not run, blocks it (fail closed). A resource never checked
is not blocked here: the masking and the leak guard still stand between it and the portal.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from govdata import warehouse

if TYPE_CHECKING:
    import psycopg

_LATEST_CRITICAL = """
with latest as (
    select distinct on (resource_code) resource_code, run_id
    from governance.quality_result
    where resource_code = any(%s)
    order by resource_code, checked_at desc
)
select q.run_id, q.department_code, q.source_name, q.column_name, q.expectation_key, q.expectation_type,
       q.dimension, q.unexpected_count, q.error
from governance.quality_result as q
join latest using (resource_code, run_id)
where q.severity = 'critical' and not q.success
order by q.department_code, q.source_name, q.expectation_key
"""


@dataclass(frozen=True)
class CriticalFailure:
    """One failed critical expectation of a resource's latest check."""

    run_id: str
    department_code: str
    table: str
    column: str | None
    key: str
    expectation_type: str
    dimension: str | None
    unexpected_count: int | None
    error: str | None

    def describe(self) -> str:
        """Department, table, column, check and how many rows: what an alert and the publication log say."""
        where = f"{self.department_code}/{self.table}" + (f".{self.column}" if self.column else "")
        what = f"could not run ({self.error})" if self.error else f"{self.unexpected_count or 0} rows fail"
        return f"{where} {self.expectation_type} [{self.key}]: {what}"


def critical_failures(conn: psycopg.Connection, resource_codes: list[str]) -> list[CriticalFailure]:
    """The failed critical expectations of the latest check of each of ``resource_codes`` (none if never checked)."""
    if not resource_codes or warehouse.scalar(conn.execute("select to_regclass('governance.quality_result')")) is None:
        return []
    return [CriticalFailure(*row) for row in conn.execute(_LATEST_CRITICAL, (resource_codes,)).fetchall()]


def block_message(failures: list[CriticalFailure], limit: int = 5) -> str:
    """One line naming the failed checks (the first ``limit``), for the log, the dataset's status and the alert."""
    shown = "; ".join(f.describe() for f in failures[:limit])
    more = f"; and {len(failures) - limit} more" if len(failures) > limit else ""
    return f"quality: {len(failures)} critical check(s) failed — {shown}{more}"
