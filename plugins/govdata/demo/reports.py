"""Report-shaped (报表) demo files: a table laid out with title, 填报 line, merged header and footers."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from govdata.demo.model import Table

EXCEL_EPOCH = dt.date(1899, 12, 30)


@dataclass
class Block:
    """The cells of one report block, its merges (A1 ranges) and what a reader must make of it."""

    rows: list[list[Any]]
    merges: list[str] = field(default_factory=list)
    hidden_columns: list[int] = field(default_factory=list)
    expected: dict[str, Any] = field(default_factory=dict)


def _letter(c: int) -> str:
    out = ""
    while c:
        c, rem = divmod(c - 1, 26)
        out = chr(65 + rem) + out
    return out


def _cn_date(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def block(table: Table, *, merged: bool = True) -> Block:
    """Lay the table out from ``report.first_row``; ``merged`` False writes what a CSV export holds."""
    report = table.report
    assert report is not None
    width = len(table.columns)
    top = report.first_row
    rows: list[list[Any]] = []
    merges: list[str] = []

    def put(cells: list[Any]) -> int:
        rows.append(cells + [None] * (width - len(cells)))
        return top + len(rows) - 1

    title_row = put([report.title])
    merges.append(f"A{title_row}:{_letter(width)}{title_row}")
    metadata: dict[str, str] = {}
    preamble = [title_row]
    if report.reported_by or report.reported_on:
        line: list[Any] = [f"填报单位：{report.reported_by}" if report.reported_by else None] + [None] * (width - 1)
        if report.reported_on:
            line[max(1, width - 2)] = f"填报日期：{_cn_date(report.reported_on)}"
        preamble.append(put(line))
        on = report.reported_on.isoformat() if report.reported_on else None
        metadata = {k: v for k, v in (("reported_by", report.reported_by), ("reported_on", on)) if v}
    parents = [c.name.split("/", 1)[0] if "/" in c.name else None for c in table.columns]
    leaves = [c.name.split("/", 1)[-1] for c in table.columns]
    two_rows = any(parents)
    first_header = top + len(rows)
    if two_rows:
        upper: list[Any] = []
        for i, (parent, leaf) in enumerate(zip(parents, leaves, strict=True)):
            upper.append(leaf if parent is None else (parent if i == 0 or parents[i - 1] != parent else None))
        put(upper)
        put([None if p is None else leaf for p, leaf in zip(parents, leaves, strict=True)])
        for i, parent in enumerate(parents):
            col = _letter(i + 1)
            if parent is None:
                merges.append(f"{col}{first_header}:{col}{first_header + 1}")
            elif i == 0 or parents[i - 1] != parent:
                end = i
                while end + 1 < width and parents[end + 1] == parent:
                    end += 1
                merges.append(f"{col}{first_header}:{_letter(end + 1)}{first_header}")
    else:
        put(list(leaves))
    last_header = top + len(rows) - 1
    serial = table.index(report.serial_column) if report.serial_column else None
    fill = table.index(report.merge_column) if report.merge_column else None
    first_data = top + len(rows)
    runs = 0
    for n, row in enumerate(table.rows):
        cells = list(row)
        if serial is not None and merged and cells[serial] is not None:
            cells[serial] = (dt.date.fromisoformat(cells[serial]) - EXCEL_EPOCH).days
        if fill is not None and merged and n and row[fill] == table.rows[n - 1][fill]:
            cells[fill] = None
        put(cells)
    if fill is not None and merged:
        start = 0
        for n in range(1, len(table.rows) + 1):
            if n == len(table.rows) or table.rows[n][fill] != table.rows[start][fill]:
                if n - start > 1:
                    col = _letter(fill + 1)
                    merges.append(f"{col}{first_data + start}:{col}{first_data + n - 1}")
                    runs += 1
                start = n
    last_data = top + len(rows) - 1
    footer = []
    if report.total_column:
        total = table.index(report.total_column)
        line = ["合计"] + [None] * (width - 1)
        line[total] = f"{sum(float(r[total]) for r in table.rows if r[total]):.2f}"
        footer.append(put(line))
    if report.prepared_by or report.reviewed_by:
        line = [f"制表人：{report.prepared_by}" if report.prepared_by else None] + [None] * (width - 1)
        if report.reviewed_by:
            line[max(1, width // 2)] = f"审核人：{report.reviewed_by}"
        line[-1] = "联系电话：0755-83918000"
        footer.append(put(line))
        if report.prepared_by:
            metadata["prepared_by"] = report.prepared_by
        if report.reviewed_by:
            metadata["reviewed_by"] = report.reviewed_by
    if report.note:
        footer.append(put([f"注：{report.note}"]))
    hidden = [table.index(report.hidden_column) + 1] if report.hidden_column else []
    expected = {
        "header_rows": [first_header, last_header],
        "data_rows": [first_data, last_data] if table.rows else None,
        "preamble_rows": preamble,
        "footer_rows": footer,
        "title": report.title,
        "metadata": metadata,
        "flattened": {c.name: leaf for c, leaf in zip(table.columns, leaves, strict=True) if c.name != leaf},
        "merged_runs": runs if merged else 0,
        "hidden_columns": [table.columns[h - 1].name for h in hidden] if merged else [],
        "date_serials": (report.serial_column if merged and serial is not None else None),
    }
    return Block(rows, merges if merged else [], hidden if merged else [], expected)


def height(table: Table) -> int:
    """Rows the table's block takes."""
    return len(block(table).rows)


def stack(tables: list[Table], gap: int = 2) -> None:
    """Place several report tables one below the other in their sheet, ``gap`` blank rows apart."""
    row = 1
    for table in tables:
        assert table.report is not None
        table.report.first_row = row
        row += height(table) + gap
