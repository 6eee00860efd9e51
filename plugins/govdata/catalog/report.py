"""Readable catalog summaries: per department counts, conflicts and the latest change log."""

from __future__ import annotations

import logging

from govdata import warehouse

log = logging.getLogger(__name__)


def catalog_summary() -> dict:
    """Counts per department, responsibility status, conflicts and the latest version's changes."""
    with warehouse.connect(autocommit=True) as wh:
        departments = wh.execute(
            """
            select d.short_name, d.department_code,
                   count(r.*) filter (where r.status = '有效') as resources,
                   count(r.*) filter (where r.status = '已撤销') as withdrawn,
                   coalesce(sum(r.item_count) filter (where r.status = '有效'), 0) as items,
                   coalesce(sum(r.items_unnamed) filter (where r.status = '有效'), 0) as items_unnamed,
                   count(r.*) filter (where r.status = '有效' and cardinality(r.fields_to_complete) > 0)
                       as incomplete,
                   (select coalesce(sum(conflicts), 0) from catalog.source_conflict_summary s
                    where s.copy_department = d.department_code) as conflicts
            from catalog_config.department d
            left join catalog.resource r on r.department_code = d.department_code
            where d.is_configured
            group by d.short_name, d.department_code
            order by d.department_code
            """
        ).fetchall()
        responsibility: dict[str, int] = dict(
            wh.execute("select status, count(*) from catalog.responsibility group by status").fetchall()
        )
        conflicts = wh.execute(
            """
            select authoritative_department, copy_department, data_item, sum(conflicts), sum(records_compared)
            from catalog.source_conflict_summary where conflicts > 0
            group by 1, 2, 3 order by 1, 2, 3
            """
        ).fetchall()
        changes = wh.execute(
            """
            select change_type, source_name, department_code, attribute, old_value, new_value
            from catalog.change_log
            where version_number = (select max(version_number) from catalog.catalog_version)
            order by department_code, source_name, change_type
            """
        ).fetchall()
        version = warehouse.scalar(wh.execute("select max(version_number) from catalog.catalog_version"))
    return {
        "departments": departments,
        "responsibility": responsibility,
        "conflicts": conflicts,
        "changes": changes,
        "version": version,
    }


def format_catalog_summary(summary: dict) -> list[str]:
    """Lines for the task log and the `govdata run` output."""
    lines = []
    for name, code, resources, withdrawn, items, unnamed, incomplete, conflicts in summary["departments"]:
        line = f"{name} ({code}): {resources} resources, {items} items"
        extras = []
        if unnamed:
            extras.append(f"{unnamed} items 待补充")
        if incomplete:
            extras.append(f"{incomplete} resources with fields to complete")
        if withdrawn:
            extras.append(f"{withdrawn} withdrawn")
        if conflicts:
            extras.append(f"{conflicts} 一数一源 conflicts")
        lines.append(line + (" — " + ", ".join(extras) if extras else ""))
    resp = summary["responsibility"]
    lines.append(
        "责任清单: " + ", ".join(f"{status} {count}" for status, count in sorted(resp.items()))
        if resp
        else "责任清单: empty"
    )
    total = sum(c[3] for c in summary["conflicts"])
    lines.append(f"一数一源 conflicts: {total}")
    for source, copy, item, count, compared in summary["conflicts"]:
        lines.append(f"  {copy} vs {source} on {item}: {count} of {compared:,} records")
    changes = summary["changes"]
    lines.append(f"catalog version {summary['version']}: {len(changes)} changes since the previous version")
    for change_type, source, dept, attribute, old, new in changes[:30]:
        detail = f" {attribute}: {old} → {new}" if attribute else ""
        lines.append(f"  {change_type}: {dept}.{source}{detail}")
    if len(changes) > 30:
        lines.append(f"  … and {len(changes) - 30} more (catalog.change_log)")
    return lines


def log_catalog_report() -> None:
    """Log the summary, one line at a time (visible in the Airflow task log)."""
    for line in format_catalog_summary(catalog_summary()):
        log.info("%s", line)
