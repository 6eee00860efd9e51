"""What a quality check found, per department: checks run, failed by severity, resources held from publication.

Read from ``governance.quality_result``: one run (the DAG's last task) or each department's latest run (what
``govdata run`` prints). A resource is *blocked* when a critical check failed (or could not run): publication
holds it back (quality/gate.py) until a later check passes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from govdata import config, warehouse
from govdata.quality.feedback import feedback_dir

_SUMMARY = """
with runs as (
    select distinct on (department_code) department_code, run_id
    from governance.quality_result
    where %(run_id)s::text is null or run_id = %(run_id)s
    order by department_code, checked_at desc
)
select q.department_code, q.run_id, count(distinct q.resource_code), count(*),
       count(*) filter (where not q.success and q.severity = 'critical'),
       count(*) filter (where not q.success and q.severity <> 'critical'),
       coalesce(array_agg(distinct q.source_name order by q.source_name)
                filter (where not q.success and q.severity = 'critical'), '{}')
from governance.quality_result as q
join runs using (department_code, run_id)
group by q.department_code, q.run_id
order by q.department_code
"""


@dataclass
class DepartmentQuality:
    """One department's latest (or a given) check."""

    department_code: str
    run_id: str
    resources: int
    checks: int
    failed_critical: int
    failed_warning: int
    blocked: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """The asset event's extra and the XCom of the DAG's summary task."""
        return {
            "run_id": self.run_id, "resources": self.resources, "checks": self.checks,
            "failed_critical": self.failed_critical, "failed_warning": self.failed_warning, "blocked": self.blocked,
        }  # fmt: skip


def quality_summary(run_id: str | None = None) -> list[DepartmentQuality]:
    """Per department: ``run_id``'s check, or (None) its latest."""
    with warehouse.connect(autocommit=True) as conn:
        if warehouse.scalar(conn.execute("select to_regclass('governance.quality_result')")) is None:
            return []
        rows = conn.execute(_SUMMARY, {"run_id": run_id}).fetchall()
    return [DepartmentQuality(*row) for row in rows]


def latest_workbook(department: str) -> str | None:
    """The department's newest feedback workbook, if any."""
    files = sorted((feedback_dir() / department).glob("质量反馈_*.xlsx"), key=lambda p: p.stat().st_mtime)
    return str(files[-1]) if files else None


def format_line(q: DepartmentQuality, names: dict[str, str]) -> str:
    """``公安局 gaj: 6 resources, 45 checks, failed 3 critical / 2 warning; blocked from publication: …``."""
    blocked = f"; blocked from publication: {len(q.blocked)} ({', '.join(q.blocked)})" if q.blocked else ""
    return (
        f"{names.get(q.department_code, q.department_code)} {q.department_code}: {q.resources} resources, "
        f"{q.checks} checks, failed {q.failed_critical} critical / {q.failed_warning} warning{blocked}"
    )


def quality_summary_lines(run_id: str | None = None) -> list[str]:
    """What ``govdata run`` prints: a line per department, its feedback workbook, where the results are."""
    names = {d.code: d.short_name for d in config.load_departments().departments}
    lines = []
    for q in quality_summary(run_id):
        lines.append(format_line(q, names))
        workbook = latest_workbook(q.department_code)
        if workbook:
            lines.append(f"  质量反馈 workbook: {workbook}")
    if not lines:
        return ["no quality check yet"]
    from govdata.quality.gx_context import expectations_dir

    lines.append(f"results: governance.quality_result (one row per check per run); suites: {expectations_dir()}")
    return lines
