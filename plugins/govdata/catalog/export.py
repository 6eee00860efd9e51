"""Export the catalog for staff who live in Excel: the national template's columns, in its order."""

from __future__ import annotations

import csv
import json
from datetime import date, datetime
from pathlib import Path

from govdata import config, warehouse
from govdata.spreadsheet import header_row, safe_cell, sheet_title

#: (header, catalog.resource column or None for computed) in the order of the national template
#: (政务信息资源目录编制指南(试行) 附录), followed by the bureau's own management columns.
COLUMNS: list[tuple[str, str]] = [
    ("信息资源分类(类)", "class_lei"),
    ("信息资源分类(项)", "class_xiang"),
    ("信息资源分类(目)", "class_mu"),
    ("信息资源名称", "resource_name"),
    ("信息资源代码", "resource_code"),
    ("信息资源提供方", "provider_name"),
    ("信息资源提供方代码", "provider_code"),
    ("信息资源摘要", "summary"),
    ("信息资源格式", "resource_format"),
    ("信息项信息", "items"),
    ("共享属性", "share_attribute"),
    ("共享条件", "share_condition"),
    ("共享方式", "share_method"),
    ("开放属性", "open_attribute"),
    ("开放条件", "open_condition"),
    ("更新周期", "update_cycle"),
    ("发布日期", "published_on"),
    ("关联资源代码", "related_resource_codes"),
    ("资源类型", "resource_type"),
    ("数据分级", "grade"),
    ("记录数", "row_count"),
    ("最近更新时间", "last_updated_at"),
    ("状态", "status"),
    ("采集提示", "crawl_note"),
    ("待补充字段", "fields_to_complete"),
    ("分类依据", "classification_rule"),
    ("联系人", "contact_name"),
    ("联系邮箱", "contact_email"),
]

FORMATS = ("xlsx", "csv", "json")


def fetch_catalog() -> tuple[list[dict], dict[str, str]]:
    """Resources (with their items) in code order, and department code → short name."""
    with warehouse.connect(autocommit=True) as wh:
        cur = wh.execute("select * from catalog.resource order by department_code, resource_code")
        names = [d.name for d in cur.description or ()]
        resources = [dict(zip(names, row, strict=True)) for row in cur.fetchall()]
        items: dict[str, list[dict]] = {}
        for code, item_name, column, data_type, grade in wh.execute(
            "select resource_code, item_name, column_name, data_type, grade from catalog.item"
            " order by resource_code, ordinal_position"
        ):
            items.setdefault(code, []).append(
                {"信息项名称": item_name, "字段名": column, "数据类型": data_type, "分级": grade}
            )
        departments: dict[str, str] = dict(
            wh.execute("select department_code, short_name from catalog_config.department").fetchall()
        )
    for r in resources:
        r["item_list"] = items.get(r["resource_code"], [])
        r["items"] = "；".join(f"{i['信息项名称']}({i['字段名']}, {i['数据类型']})" for i in r["item_list"])
    return resources, departments


def _cell(value: object) -> object:
    if isinstance(value, list):
        value = "、".join(str(v) for v in value)
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)
    # names, comments and items come from departments' systems: never let one become a formula
    return safe_cell(value)


def _row(resource: dict) -> list[object]:
    return [_cell(resource.get(column)) for _, column in COLUMNS]


def write_xlsx(path: Path, resources: list[dict], departments: dict[str, str]) -> None:
    """One sheet per department plus a summary sheet (汇总) first."""
    from openpyxl import Workbook

    workbook = Workbook()
    summary = workbook.active
    summary.title = "汇总"
    header_row(
        summary,
        ["数源部门", "资源数(有效)", "已撤销", "信息项数", "待补充信息项", "记录数", "待补充资源", "已分级资源"],
    )
    by_dept: dict[str, list[dict]] = {}
    for r in resources:
        by_dept.setdefault(r["department_code"], []).append(r)
    for code, rows in sorted(by_dept.items()):
        current = [r for r in rows if r["status"] == "有效"]
        summary.append([
            safe_cell(departments.get(code, code)), len(current), len(rows) - len(current),
            sum(r["item_count"] for r in current), sum(r["items_unnamed"] for r in current),
            sum(r["row_count"] or 0 for r in current), sum(1 for r in current if r["fields_to_complete"]),
            sum(1 for r in current if r["grade"] != "待分级"),
        ])  # fmt: skip
    summary.append([])
    summary.append([f"导出时间 {datetime.now().astimezone():%Y-%m-%d %H:%M}，共 {len(resources)} 条资源"])
    summary.column_dimensions["A"].width = 24
    for code, rows in sorted(by_dept.items()):
        sheet = workbook.create_sheet(title=sheet_title(departments.get(code, code)))
        header_row(sheet, [title for title, _ in COLUMNS])
        for r in rows:
            sheet.append(_row(r))
        widths = {"信息资源名称": 28, "信息资源摘要": 60, "信息项信息": 60, "信息资源代码": 16, "共享条件": 30}
        for i, (title, _) in enumerate(COLUMNS, start=1):
            sheet.column_dimensions[sheet.cell(row=1, column=i).column_letter].width = widths.get(title, 14)
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(path)


def write_csv(path: Path, resources: list[dict]) -> None:
    """UTF-8 with BOM, so Excel opens the Chinese headers correctly."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow([title for title, _ in COLUMNS])
        writer.writerows(_row(r) for r in resources)


def write_json(path: Path, resources: list[dict]) -> None:
    """A list of resources keyed by the Chinese field names, each with its 信息项 list."""

    def plain(value: object) -> object:
        return value.isoformat() if isinstance(value, (date, datetime)) else value

    records = [
        {title: plain(r.get(column)) for title, column in COLUMNS if column != "items"} | {"信息项": r["item_list"]}
        for r in resources
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(records, ensure_ascii=False, indent=2), encoding="utf-8")


def default_export_dir() -> Path:
    """Where exports go unless told otherwise."""
    return config.local_dir() / "exports" / "catalog"


def export_catalog(formats: list[str], output_dir: Path | None = None) -> list[Path]:
    """Write the catalog in each format; returns the files written."""
    unknown = sorted(set(formats) - set(FORMATS))
    if unknown:
        raise ValueError(f"unknown export format(s) {unknown}; choose from {list(FORMATS)}")
    resources, departments = fetch_catalog()
    out = output_dir or default_export_dir()
    written = []
    for fmt in formats:
        path = out / f"公共数据资源目录.{fmt}"
        if fmt == "xlsx":
            write_xlsx(path, resources, departments)
        elif fmt == "csv":
            write_csv(path, resources)
        else:
            write_json(path, resources)
        written.append(path)
    return written
