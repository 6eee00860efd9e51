"""Where the table is in a report-shaped sheet (报表): title and 填报 rows, header block, data rows, footers."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import asdict, dataclass, field
from typing import Any

#: A merged range, 0-based and inclusive: (first row, first column, last row, last column).
Merge = tuple[int, int, int, int]

#: How many rows a header block may span; deeper blocks are surely data mistaken for headers.
MAX_HEADER_ROWS = 4
#: Rows looked at to decide the sheet's width (the title and header are near the top).
HEAD_SAMPLE = 200

#: Labels of the report's own metadata, in preamble and sign-off rows: label → key in Layout.metadata.
META_LABELS = {
    "填报单位": "reported_by", "报送单位": "reported_by", "填报部门": "reported_by", "填表单位": "reported_by",
    "编制单位": "reported_by", "单位名称": "reported_by",
    "填报日期": "reported_on", "报送日期": "reported_on", "填表日期": "reported_on", "制表日期": "reported_on",
    "统计日期": "reported_on", "截止日期": "reported_on",
    "制表人": "prepared_by", "填表人": "prepared_by", "填报人": "prepared_by", "制表": "prepared_by",
    "审核人": "reviewed_by", "审核": "reviewed_by", "负责人": "approved_by", "单位负责人": "approved_by",
    "联系电话": "contact_phone", "联系人": "contact", "金额单位": "unit", "单位": "unit", "计量单位": "unit",
}  # fmt: skip
#: Metadata never kept: a sign-off phone or contact is someone's personal data, not the file's.
PERSONAL_META = ("contact_phone", "contact")
_LABELS = "|".join(sorted(map(re.escape, META_LABELS), key=len, reverse=True))
_META = re.compile(rf"({_LABELS})\s*[:：]\s*(.*?)(?=\s*(?:{_LABELS})\s*[:：]|$)")
#: First cell of a total row (合计, 小 计, 总计 …): an aggregate, not a record.
_TOTAL = re.compile(r"^(合\s*计|小\s*计|总\s*计|共\s*计|总\s*数|累\s*计)")
#: First cell of a sign-off or note row: everything from there down is not records.
_SIGNOFF = re.compile(rf"^((?:{_LABELS})\s*[:：]|注\s*[:：\d一１]|说明\s*[:：]|备注\s*[:：]|填报说明)")
_NUMBER = re.compile(r"^[-+]?(\d{1,3}(,\d{3})+|\d+)(\.\d+)?%?$")
_DATE = re.compile(r"^\d{4}\s*[-/.年]\s*\d{1,2}(\s*[-/.月]\s*\d{1,2}\s*日?)?\s*(月)?(\s+\d{1,2}:\d{2}(:\d{2})?)?$")
_DATE_PARTS = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})(?:\s*[-/.月]\s*(\d{1,2}))?")
#: Column names whose numeric cells are Excel date serials when the cell was not formatted as a date.
DATE_HEADER = re.compile(r"(日期|时间|年月日|date|time)", re.IGNORECASE)
_CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")


@dataclass
class LayoutColumn:
    """One column of the table: its flattened name, the leaf header cell, and where it is in the sheet."""

    name: str
    leaf: str
    col: int  # 1-based column of the sheet (A = 1)

    @property
    def flattened(self) -> bool:
        """True when parent header cells were joined into the name."""
        return self.name != self.leaf


@dataclass
class Layout:
    """What the reader decided about one table of a sheet or CSV; rows are 1-based sheet rows (CSV records).

    It is the answer to "which cells are data cells of which column": rows ``data_rows`` minus
    ``skipped_rows`` and ``footer_rows``, at each column's ``col``. A masking stage reuses it to touch
    only those cells and keep the title, header, footer and merges as they were.
    """

    header_rows: tuple[int, int]
    columns: list[LayoutColumn]
    data_rows: tuple[int, int] | None = None
    preamble_rows: list[int] = field(default_factory=list)
    footer_rows: list[int] = field(default_factory=list)
    skipped_rows: list[int] = field(default_factory=list)
    title: str | None = None
    metadata: dict[str, str] = field(default_factory=dict)
    filled_down: list[str] = field(default_factory=list)
    hidden_rows: list[int] = field(default_factory=list)
    hidden_columns: list[str] = field(default_factory=list)
    normalised: dict[str, dict[str, int]] = field(default_factory=dict)
    #: header on the first row, nothing above, no merges: read exactly as a plain table
    plain: bool = True
    #: what config/departments.yaml decided instead of the heuristics (header_rows, skip_footer)
    overridden: list[str] = field(default_factory=list)
    #: the n-th table of its sheet (several tables separated by blank rows)
    part: int = 1
    #: fields of the header rows (a CSV data row must have exactly as many)
    width: int = 0
    #: 0-based grid rows holding the records, in order (not kept in the JSON form)
    data_index: list[int] = field(default_factory=list, repr=False)

    def to_dict(self) -> dict[str, Any]:
        """The JSON form kept in meta.harvested_table.layout."""
        out = asdict(self)
        del out["data_index"]
        out["columns"] = [{"name": c.name, "leaf": c.leaf, "col": c.col} for c in self.columns]
        return out

    def explain(self) -> list[str]:
        """Lines telling staff what was decided, for `govdata classify --explain`."""
        first, last = self.header_rows
        lines = [
            "layout: plain (header on row 1)" if self.plain else f"layout: report-shaped, table {self.part}",
            f"  header rows: {first}" + (f"-{last}" if last != first else ""),
        ]
        if self.preamble_rows:
            lines.append(f"  above the header (not records): rows {_ranges(self.preamble_rows)}")
        if self.title:
            lines.append(f"  title: {self.title}")
        if self.data_rows:
            lines.append(f"  data rows: {self.data_rows[0]}-{self.data_rows[1]}")
        if self.footer_rows:
            lines.append(f"  footer rows dropped: {_ranges(self.footer_rows)}")
        if self.skipped_rows:
            lines.append(f"  blank rows skipped: {_ranges(self.skipped_rows)}")
        lines.extend(f"  {key}: {value}" for key, value in self.metadata.items())
        flattened = [f"{c.name} (→ {c.leaf})" for c in self.columns if c.flattened]
        if flattened:
            lines.append("  columns flattened: " + ", ".join(flattened))
        if self.filled_down:
            lines.append("  merged cells filled down: " + ", ".join(self.filled_down))
        if self.hidden_rows:
            lines.append(f"  hidden rows (read): {_ranges(self.hidden_rows)}")
        if self.hidden_columns:
            lines.append("  hidden columns (read): " + ", ".join(self.hidden_columns))
        for column, counts in self.normalised.items():
            lines.append(f"  normalised in {column}: " + ", ".join(f"{n} {k}" for k, n in counts.items()))
        if self.overridden:
            lines.append("  set by config/departments.yaml: " + ", ".join(self.overridden))
        return lines


@dataclass
class Override:
    """What staff declared for one file's table (config/departments.yaml ``header_rows``, ``skip_footer``)."""

    header_rows: tuple[int, int] | None = None
    skip_footer: int | None = None


def _ranges(rows: list[int]) -> str:
    parts: list[str] = []
    for r in sorted(rows):
        if parts and r == int(parts[-1].split("-")[-1]) + 1:
            parts[-1] = f"{parts[-1].split('-')[0]}-{r}"
        else:
            parts.append(str(r))
    return ", ".join(parts)


def clean_text(value: str) -> str:
    """A header cell as one line: line breaks dropped between Chinese text, a space between Latin words."""
    lines = [line.strip() for line in value.replace("\r", "\n").split("\n") if line.strip()]
    out = ""
    for line in lines:
        joiner = "" if not out or _CJK.search(out[-1]) or _CJK.search(line[0]) else " "
        out += joiner + line
    return out.strip().lstrip("\ufeff")


def kind(value: str | None) -> str:
    """blank, number, date or text: what the header heuristics compare."""
    if value is None or not value.strip():
        return "blank"
    text = unicodedata.normalize("NFKC", value).strip()
    if _NUMBER.match(text):
        return "number"
    if _DATE.match(text):
        return "date"
    return "text"


def is_total(first: str | None) -> bool:
    """A 合计/小计/总计 row, told by its first filled cell."""
    return bool(first and _TOTAL.match(first.strip()))


def is_signoff(first: str | None) -> bool:
    """A 制表人/审核人/注： row, told by its first filled cell."""
    return bool(first and _SIGNOFF.match(first.strip()))


def parse_date(text: str) -> str | None:
    """2024年10月8日, 2024-10-08, 2024/10/8 → ISO date; a month alone → its first day."""
    m = _DATE_PARTS.search(text)
    if not m:
        return None
    year, month, day = int(m.group(1)), int(m.group(2)), int(m.group(3) or 1)
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return None
    return f"{year:04d}-{month:02d}-{day:02d}"


def metadata_of(row: list[str | None]) -> dict[str, str]:
    """填报单位：…, 填报日期：…, 制表人：… found in one row (a label and its value may sit in two cells)."""
    text = "  ".join(v.strip() for v in row if v and v.strip())
    found: dict[str, str] = {}
    for label, value in _META.findall(text):
        key = META_LABELS[label]
        value = value.strip(" 　:：")
        if not value or key in PERSONAL_META:
            continue
        if key == "reported_on":
            value = parse_date(value) or value
        found.setdefault(key, value)
    return found


class Grid:
    """A sheet (or CSV) as text cells plus merges and hidden rows/columns: what the layout is decided from."""

    def __init__(
        self,
        cells: list[list[str | None]],
        merges: list[Merge] | None = None,
        hidden_rows: set[int] | None = None,
        hidden_cols: set[int] | None = None,
    ) -> None:
        """Index the merges by their first row, and every merged cell by its position."""
        self.cells = cells
        self.merges = merges or []
        self.hidden_rows = hidden_rows or set()
        self.hidden_cols = hidden_cols or set()
        self.anchor: dict[tuple[int, int], Merge] = {}
        for m in self.merges:
            if (m[2] - m[0] + 1) * (m[3] - m[1] + 1) <= 10_000:  # a whole-column merge is formatting
                for r in range(m[0], m[2] + 1):
                    for c in range(m[1], m[3] + 1):
                        self.anchor[(r, c)] = m

    def value(self, r: int, c: int) -> str | None:
        """The cell's text; a merged cell reads its range's top-left value."""
        m = self.anchor.get((r, c))
        if m is not None:
            r, c = m[0], m[1]
        row = self.cells[r] if r < len(self.cells) else []
        return row[c] if c < len(row) else None

    def filled(self, r: int) -> int:
        """Non-empty cells of a row (merged areas count once)."""
        return sum(1 for c, v in enumerate(self.cells[r]) if v is not None and v.strip())

    def first(self, r: int) -> str | None:
        """The row's first non-empty cell."""
        return next((v for v in self.cells[r] if v is not None and v.strip()), None)

    def blank(self, r: int) -> bool:
        """No cell of the row holds anything."""
        return not any(v is not None and v.strip() for v in self.cells[r])

    def all_text(self, r: int) -> bool:
        """Every filled cell is text (not a number or a date): what a header row looks like."""
        kinds = [kind(v) for v in self.cells[r] if v is not None and v.strip()]
        return bool(kinds) and all(k == "text" for k in kinds)

    def spans_columns(self, r: int) -> bool:
        """A merge starting on this row spans several columns: a parent header over its children."""
        return any(m[0] == r and m[3] > m[1] for m in self.merges)


def _width(grid: Grid, rows: list[int]) -> int:
    return max((grid.filled(r) for r in rows), default=0)


def _is_preamble(grid: Grid, r: int, width: int) -> bool:
    """A title, 填报单位/日期 or 单位：元 row: labelled, or sparse against the table's width.

    A sparse row whose next row holds its children (申领人信息 over 姓名 / 身份证号码) is a parent
    header row, not a title.
    """
    if metadata_of(grid.cells[r]):
        return True
    filled = grid.filled(r)
    if width < 2 or filled * 2 > width:
        return False
    return filled == 1 or not _continues_header(grid, r, r + 1, width)


def _parents(grid: Grid, r: int, width: int) -> list[tuple[int, int]]:
    """Unmerged parent cells of row r: a filled cell followed by empty cells (its span, 0-based, inclusive)."""
    spans = []
    row = grid.cells[r]
    for c in range(width):
        if grid.value(r, c) and (r, c) not in grid.anchor:
            end = c
            while end + 1 < width and not grid.value(r, end + 1):
                end += 1
            if end > c:
                spans.append((c, end))
    return spans if row else []


def _continues_header(grid: Grid, top: int, r: int, width: int) -> bool:
    """Row r is still header: merges from above reach it, or it holds the children of a parent above."""
    if r >= len(grid.cells) or grid.blank(r) or not grid.all_text(r) or r - top + 1 > MAX_HEADER_ROWS:
        return False
    above = r - 1
    if any(m[0] <= above < m[2] and m[0] >= top for m in grid.merges):
        return True  # a vertically merged header cell (序号, 备注) goes on down
    if grid.spans_columns(above):
        return True
    parents = _parents(grid, above, width)
    if not parents:
        return False
    # every filled cell of the row sits under a parent: children, not a data row
    under = {c for start, end in parents for c in range(start, end + 1)}
    row = grid.cells[r]
    cells = [c for c, v in enumerate(row) if v is not None and v.strip()]
    return bool(cells) and all(c in under for c in cells)


def _header_end(grid: Grid, top: int, width: int) -> int:
    end = top
    while _continues_header(grid, top, end + 1, width):
        end += 1
    # a vertical merge in the header block may reach further down than the rows looked at
    reach = max((m[2] for m in grid.merges if top <= m[0] <= end and m[2] > end), default=end)
    return min(reach, top + MAX_HEADER_ROWS - 1)


def _names(grid: Grid, top: int, end: int, width: int) -> list[LayoutColumn]:
    """One name per column: the header cells from top to bottom joined with '/', repeats dropped."""
    carried: dict[tuple[int, int], str] = {}
    for r in range(top, end):
        for start, stop in _parents(grid, r, width):
            for c in range(start + 1, stop + 1):
                if grid.value(r + 1, c):
                    carried[(r, c)] = grid.value(r, start) or ""
    columns = []
    for c in range(width):
        parts: list[str] = []
        for r in range(top, end + 1):
            text = clean_text(grid.value(r, c) or carried.get((r, c), ""))
            if text and (not parts or parts[-1] != text):
                parts.append(text)
        name = "/".join(parts)
        columns.append(LayoutColumn(name=name, leaf=parts[-1] if parts else "", col=c + 1))
    while columns and not columns[-1].name:
        columns.pop()
    return columns


def _starts_table(grid: Grid, r: int, leaves: set[str]) -> bool:
    """After a blank row: a title over a new header, or a new header (merged, or repeating ours)."""
    width = grid.filled(r)
    nxt = next((k for k in range(r + 1, min(r + 4, len(grid.cells))) if not grid.blank(k)), None)
    if nxt is not None and not is_total(grid.first(r)) and not is_signoff(grid.first(r)):
        if grid.filled(r) * 2 <= grid.filled(nxt) and grid.all_text(nxt) and grid.filled(nxt) >= 2:
            return True  # 二、…明细 over its own header
    if width < 2 or not grid.all_text(r):
        return False
    values = {clean_text(v) for v in grid.cells[r] if v and v.strip()}
    return grid.spans_columns(r) or len(values & leaves) * 2 >= len(values)


def decide(grid: Grid, override: Override | None = None) -> list[Layout]:
    """The tables of a sheet or CSV, each with its layout; [] for a sheet with nothing in it.

    Rows are decided by shape, never by fixed numbers: rows above the header are sparse against the
    table's width or labelled (填报单位：); the header block grows down while merges reach into the
    next row or the next row holds the children of a parent cell; below it, total rows (合计 …) are
    dropped, and a sign-off or note row (制表人：, 注：) ends the records. A blank row followed by a
    title or a header starts another table.
    """
    override = override or Override()
    nonblank = [r for r in range(len(grid.cells)) if not grid.blank(r)]
    if not nonblank:
        return []
    width = _width(grid, nonblank[:HEAD_SAMPLE])
    layouts: list[Layout] = []
    start: int | None = nonblank[0]
    while start is not None and len(layouts) < 50:
        layout, start = _one_table(grid, start, width, override, part=len(layouts) + 1)
        if layout is None:
            break
        layouts.append(layout)
        if override.header_rows is not None:
            break
    return layouts


def _one_table(grid: Grid, start: int, width: int, override: Override, part: int) -> tuple[Layout | None, int | None]:
    rows = len(grid.cells)
    preamble: list[int] = []
    if override.header_rows is not None:
        top, end = override.header_rows[0] - 1, override.header_rows[1] - 1
        preamble = [r for r in range(start, top) if not grid.blank(r)]
    else:
        top = start
        while top < rows and (grid.blank(top) or _is_preamble(grid, top, width)):
            if not grid.blank(top):
                preamble.append(top)
            top += 1
        if top >= rows:
            return None, None
        table_width = max(len(grid.cells[top]), max((m[3] + 1 for m in grid.merges if m[0] == top), default=0))
        end = _header_end(grid, top, table_width)
    table_width = max(max(len(grid.cells[r]) for r in range(top, end + 1)),
                      max((m[3] + 1 for m in grid.merges if top <= m[0] <= end), default=0))  # fmt: skip
    columns = _names(grid, top, end, table_width)
    leaves = {c.leaf for c in columns}
    data: list[int] = []
    footer: list[int] = []
    skipped: list[int] = []
    ended = False
    next_start = None
    r = end + 1
    while r < rows:
        if grid.blank(r):
            k = r
            while k < rows and grid.blank(k):
                k += 1
            if k < rows and override.header_rows is None and not ended and _starts_table(grid, k, leaves):
                next_start = k
                break
            skipped.extend(range(r, k))
            r = k
            continue
        first = grid.first(r)
        if ended or is_signoff(first) or (is_total(first) and override.skip_footer is None):
            ended = ended or is_signoff(first)
            footer.append(r)
        else:
            data.append(r)
        r += 1
    if override.skip_footer is not None:
        # staff said how many rows at the bottom are not records: exactly those, nothing guessed
        kept = sorted(data + footer)
        cut = len(kept) - override.skip_footer if override.skip_footer else len(kept)
        data, footer = kept[:cut], kept[cut:]
    skipped = [s for s in skipped if data and data[0] < s < data[-1]]
    meta: dict[str, str] = {}
    for m in preamble + footer:
        for key, value in metadata_of(grid.cells[m]).items():
            meta.setdefault(key, value)
    title = next(
        (clean_text(grid.first(p) or "") for p in preamble if not metadata_of(grid.cells[p]) and grid.filled(p) == 1),
        None,
    )
    header_merged = any(top <= m[0] <= end for m in grid.merges)
    plain = top == 0 and end == 0 and not preamble and not header_merged and part == 1
    layout = Layout(
        header_rows=(top + 1, end + 1),
        columns=columns,
        data_rows=(data[0] + 1, data[-1] + 1) if data else None,
        preamble_rows=[p + 1 for p in preamble],
        footer_rows=[f + 1 for f in footer],
        skipped_rows=[s + 1 for s in skipped],
        title=title,
        metadata=meta,
        hidden_rows=[h + 1 for h in sorted(grid.hidden_rows) if data and data[0] <= h <= data[-1]],
        hidden_columns=[c.name for c in columns if c.col - 1 in grid.hidden_cols],
        plain=plain,
        overridden=[k for k in ("header_rows", "skip_footer") if getattr(override, k) is not None],
        part=part,
        width=max(len(grid.cells[r]) for r in range(top, end + 1)),
        data_index=data,
    )
    return layout, next_start


def fill_down(grid: Grid, layout: Layout) -> dict[tuple[int, int], str]:
    """Cells of merged data ranges (a 街道 over the rows it covers) filled with the range's value."""
    first, last = layout.data_rows or (0, -1)
    filled: dict[tuple[int, int], str] = {}
    cols = {c.col - 1: c.name for c in layout.columns}
    for m in sorted(grid.merges, key=lambda m: (m[1], m[0])):
        if m[0] < first - 1 or m[2] > last - 1 or m[2] == m[0] or m[1] not in cols:
            continue
        value = grid.value(m[0], m[1])
        if value is None:
            continue
        for r in range(m[0] + 1, m[2] + 1):
            filled[(r, m[1])] = value
        layout.filled_down.append(f"{cols[m[1]]} {_letter(m[1])}{m[0] + 1}:{_letter(m[1])}{m[2] + 1}")
    return filled


def _letter(c: int) -> str:
    out = ""
    c += 1
    while c:
        c, rem = divmod(c - 1, 26)
        out = chr(65 + rem) + out
    return out
