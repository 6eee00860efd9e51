"""Readable summaries of crawl runs, for task logs and the `govdata run` output."""

from __future__ import annotations

import logging

from govdata import warehouse

log = logging.getLogger(__name__)


def run_summary(run_id: str | None = None) -> list[dict]:
    """One row per department for a run (the latest run of each department when run_id is None)."""
    from govdata.crawl.run import NOTICES

    where = (
        "r.run_id = %(run_id)s"
        if run_id
        else "r.crawl_run_id in (select max(crawl_run_id) from meta.crawl_run group by department_code)"
    )
    with warehouse.connect(autocommit=True) as wh:
        cur = wh.execute(
            f"""
            select r.department_code, r.status, r.tables_harvested, r.rows_copied,
                   (select sum(row_count) from meta.harvested_table t
                    where t.crawl_run_id = r.crawl_run_id) as row_count,
                   (select count(*) from meta.schema_change s where s.crawl_run_id = r.crawl_run_id) as schema_changes,
                   (select count(*) from meta.crawl_error e where e.crawl_run_id = r.crawl_run_id
                    and e.error_type <> all(%(notices)s)) as errors,
                   (select count(*) from meta.crawl_error e where e.crawl_run_id = r.crawl_run_id
                    and e.error_type = any(%(notices)s)) as notices,
                   r.error_message, r.crawl_run_id
            from meta.crawl_run r
            where {where}
            order by r.department_code
            """,  # noqa: S608 - the where clause is one of two constants
            {"run_id": run_id, "notices": list(NOTICES)},
        )
        names = [d.name for d in cur.description or ()]
        return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def format_summary(rows: list[dict]) -> list[str]:
    """Lines like ``wsjkw  success  5 tables  43,210 rows  0 schema changes  0 errors``."""
    from govdata.config import load_departments

    names = {d.code: d.short_name for d in load_departments().departments}
    lines = []
    for r in rows:
        line = (
            f"{names.get(r['department_code'], r['department_code'])} ({r['department_code']}): {r['status']}, "
            f"{r['tables_harvested'] or 0} tables, {int(r['row_count'] or 0):,} rows "
            f"({int(r['rows_copied'] or 0):,} copied this run), {r['schema_changes']} schema changes, "
            f"{r['errors']} errors"
        )
        if r.get("notices"):
            line += f", {r['notices']} data notices (converted values, future timestamps: meta.crawl_error)"
        if r["error_message"]:
            line += f" — {r['error_message']}"
        lines.append(line)
    return lines


def log_run_summary(run_id: str) -> None:
    """Log the summary of a run, one line per department."""
    rows = run_summary(run_id)
    if not rows:
        log.warning("no department was crawled in run %s", run_id)
    for line in format_summary(rows):
        log.info("%s", line)
