"""质量反馈: the workbook a department receives after each check — one sheet per failed check, the rows to fix.

Built from the same GX results as ``governance.quality_result`` (run.py asks GX for up to ``feedback_rows``
failing rows per expectation, with the resource's primary key): a sheet names the table, column, check, severity
and how many rows fail, then lists those rows by primary key with the checked value masked (policy ``evidence``
of config/masking.yaml, by the column's entity; a key column that is itself personal is masked too). A copy that
disagrees with its authoritative source (一数一源) lists the masked conflicts of ``catalog.source_conflict``; a
stale resource its declared 更新周期 and last update. Every text cell goes through ``spreadsheet.safe_cell``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from govdata import config
from govdata.mask.values import mask_value
from govdata.spreadsheet import header_row, safe_cell, sheet_title

if TYPE_CHECKING:
    import psycopg

    from govdata.quality.results import ExpectationOutcome
    from govdata.quality.suites import ResourceState

SEVERITY_ZH = {"critical": "严重", "warning": "警告", "info": "提示"}
DIMENSION_ZH = {
    "completeness": "完整性", "uniqueness": "唯一性", "validity": "有效性", "timeliness": "及时性",
    "consistency": "一致性",
}  # fmt: skip


@dataclass
class Finding:
    """One failed expectation of one resource and the rows the department should fix."""

    resource: ResourceState
    key: str
    expectation_type: str
    description: str
    column: str | None
    dimension: str | None
    severity: str
    unexpected_count: int | None
    element_count: int | None
    key_columns: list[str] = field(default_factory=list)
    value_columns: list[str] = field(default_factory=list)
    rows: list[list[Any]] = field(default_factory=list)
    note: str = ""


def _mask(value: Any, entity: str | None, policy: config.MaskPolicy) -> Any:
    if value is None:
        return "（空）"
    if entity is None:
        return safe_cell(value if isinstance(value, int | float) else str(value))
    return mask_value(entity, str(value), policy)


def finding_of(
    resource: ResourceState, outcome: ExpectationOutcome, column: str | None, policy: config.MaskPolicy
) -> Finding:
    """A failed expectation's rows to fix: key columns as they are (masked when personal), the value masked.

    The checked value is masked with its column's entity or, when the column has none, starred whole by the
    policy's fallback, as the stored examples are: the workbook may travel by mail.
    """
    govdata = outcome.meta.get("govdata") or {}
    entities = {c.name: c.entity for c in resource.columns}
    finding = Finding(
        resource, str(govdata.get("key") or outcome.gx_id), outcome.type, outcome.description or outcome.type,
        column, govdata.get("dimension"), outcome.severity, outcome.result.get("unexpected_count"),
        outcome.result.get("element_count"),
    )  # fmt: skip
    indexed = outcome.result.get("partial_unexpected_index_list")
    if indexed:
        finding.key_columns = list(outcome.result.get("unexpected_index_column_names") or [])
        finding.value_columns = [c for c in indexed[0] if c not in finding.key_columns]
    else:
        values = outcome.result.get("partial_unexpected_list") or []
        finding.value_columns = list(values[0]) if values and isinstance(values[0], dict) else [column or "值"]
        indexed = [v if isinstance(v, dict) else {finding.value_columns[0]: v} for v in values]
    for record in indexed:
        keys = [_mask(record.get(c), entities.get(c), policy) for c in finding.key_columns]
        masked = [mask_value(entities.get(c) or "", str(record.get(c)), policy) if record.get(c) is not None
                  else "（空）" for c in finding.value_columns]  # fmt: skip
        finding.rows.append(keys + masked)
    if not finding.key_columns and finding.rows:
        finding.note = "该表未声明主键：按不合格值（已脱敏）定位"
    shown = len(finding.rows)
    if finding.unexpected_count and shown < finding.unexpected_count:
        finding.note = (finding.note + "；" if finding.note else "") + (
            f"共 {finding.unexpected_count} 行不合格，此处列出前 {shown} 行"
        )
    return finding


def add_context(conn: psycopg.Connection, finding: Finding) -> None:
    """Rows of the checks GX cannot list by key: the masked 一数一源 conflicts, a stale resource's dates."""
    code = finding.resource.resource_code
    if finding.dimension == "consistency":
        finding.key_columns = ["比对键（脱敏）"]
        finding.value_columns = ["本部门的值（脱敏）", "数源部门", "数源表", "数源的值（脱敏）"]
        finding.rows = [
            list(row)
            for row in conn.execute(
                """
                select key_masked, copy_value_masked, authoritative_department, authoritative_source_name,
                       authoritative_value_masked
                from catalog.source_conflict where copy_resource_code = %s and copy_column = %s
                order by conflict_id limit 1000
                """,
                (code, finding.column),
            )
        ]
    elif finding.dimension == "timeliness":
        finding.key_columns = []
        finding.value_columns = ["更新周期", "最近更新时间"]
        row = conn.execute(
            "select update_cycle, last_updated_at from catalog.resource where resource_code = %s", (code,)
        ).fetchone()
        finding.rows = [[row[0], row[1].replace(tzinfo=None) if row and row[1] else "（未知）"]] if row else []
        finding.note = "请按声明的更新周期更新本表，或在目录中更正更新周期"


SUMMARY_HEADERS = ["表", "信息资源代码", "列", "检查", "维度", "严重程度", "不合格行数", "检查行数", "明细页"]


def write_workbook(path: Path, department: str, department_name: str, checked: date, findings: list[Finding],
                   resources: int, expectations: int) -> Path:  # fmt: skip
    """The department's workbook: 说明 and 汇总 first, then one sheet per failed check (critical first)."""
    from openpyxl import Workbook

    workbook = Workbook()
    intro = workbook.active
    intro.title = "说明"
    failed = sorted(findings, key=lambda f: (f.severity != "critical", f.resource.source_name, f.key))
    critical = sum(1 for f in failed if f.severity == "critical")
    for line in (
        [f"{department_name}（{department}）数据质量反馈"],
        [
            f"检查日期：{checked.isoformat()}；检查资源 {resources} 个，检查项 {expectations} 项；"
            f"不合格 {len(failed)} 项（严重 {critical} 项，警告 {len(failed) - critical} 项）"
        ],  # fmt: skip
        ["严重问题所在资源暂停开放，整改后下一次检查通过即恢复。请在源系统中按各明细页所列主键更正数据。"],
        ["为保护个人信息，明细中的身份证号、手机号、姓名等已脱敏，请以主键在源系统中定位记录。"],
    ):
        intro.append(line)
    intro.column_dimensions["A"].width = 100
    summary = workbook.create_sheet("汇总")
    header_row(summary, SUMMARY_HEADERS)
    used: set[str] = {"说明", "汇总"}
    for number, f in enumerate(failed, start=1):
        dimension = DIMENSION_ZH.get(f.dimension or "", f.dimension or "")
        title = _unique_title(f"{number}-{f.resource.source_name}-{f.column or dimension}", used)
        summary.append([
            safe_cell(f.resource.source_name), f.resource.resource_code, safe_cell(f.column or ""),
            safe_cell(f.description), dimension, SEVERITY_ZH.get(f.severity, f.severity), f.unexpected_count,
            f.element_count, title,
        ])  # fmt: skip
        sheet = workbook.create_sheet(title)
        sheet.append([f"表 {f.resource.source_name}（{f.resource.resource_code}）"])
        sheet.append([f"检查：{f.description}（{f.expectation_type}）"])
        sheet.append([f"严重程度：{SEVERITY_ZH.get(f.severity, f.severity)}；不合格行数：{f.unexpected_count}"])
        if f.note:
            sheet.append([f.note])
        sheet.append([])
        header_row(sheet, [*f.key_columns, *f.value_columns], row=sheet.max_row + 1)
        for row in f.rows:
            sheet.append([safe_cell(v) for v in row])
        sheet.column_dimensions["A"].width = 28
    for column, width in zip("ABCDEFGHI", (20, 16, 14, 50, 8, 8, 10, 10, 24), strict=True):
        summary.column_dimensions[column].width = width
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.xlsx")
    workbook.save(tmp)
    tmp.replace(path)  # a reader (mail, a department's download) never sees half a workbook
    return path


def _unique_title(name: str, used: set[str]) -> str:
    title = sheet_title(name)
    n = 2
    while title in used:
        suffix = f"~{n}"
        title = sheet_title(name)[: 31 - len(suffix)] + suffix
        n += 1
    used.add(title)
    return title


def feedback_dir() -> Path:
    """Where the departments' workbooks are written: exports/quality/<department>/."""
    return config.local_dir() / "exports" / "quality"


def workbook_path(department: str, department_name: str, checked: date) -> Path:
    """``exports/quality/<department>/质量反馈_<简称>_<YYYYMMDD>.xlsx`` (a re-check the same day replaces it)."""
    return feedback_dir() / department / f"质量反馈_{department_name}_{checked:%Y%m%d}.xlsx"
