"""In-memory shapes of the demo systems: tables, files, injected defects and conflicts."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Literal

#: Category of columns holding medical records (GB/T 35273 附录B 个人健康生理信息).
HEALTH = "个人健康生理信息"

Row = list[Any]


@dataclass(frozen=True)
class Column:
    """One column as the department's system defines it, plus what the demo knows it holds.

    ``describes`` lists the (key column, data item) pairs the column is a copy of, e.g.
    ``(("sfzh", "姓名"),)`` for a name column keyed by the row's ID number: it is what the
    一数一源 comparison in :mod:`govdata.demo.manifest` joins on.
    """

    name: str
    type: str = "text"
    comment: str | None = None
    pii: str | None = None
    category: str | None = None
    describes: tuple[tuple[str, str], ...] = ()


@dataclass
class Report:
    """How a report-shaped file (报表) lays its table out: title, 填报 line, grouped header, footer rows.

    Columns named ``parent/leaf`` are written under a merged parent cell (a two-row header); the
    others are merged down both header rows. ``first_row`` places the block in its sheet, so that a
    sheet can hold several tables one below the other.
    """

    title: str
    reported_by: str | None = None
    reported_on: dt.date | None = None
    prepared_by: str | None = None
    reviewed_by: str | None = None
    #: runs of equal values of this column are written as one merged cell (XLSX)
    merge_column: str | None = None
    #: this column's ISO dates are written as Excel serial numbers in General format (XLSX)
    serial_column: str | None = None
    hidden_column: str | None = None
    #: summed in the 合计 row
    total_column: str | None = None
    note: str | None = None
    first_row: int = 1


@dataclass
class Table:
    """A database table or one sheet/CSV of a dropped file, with its rows in memory."""

    name: str
    comment: str | None
    columns: list[Column]
    rows: list[Row]
    primary_key: tuple[str, ...] = ()
    update_column: str | None = None
    update_cycle: str = "不定期"
    file: str | None = None
    sheet: str | None = None
    encoding: str | None = None
    report: Report | None = None

    def index(self, column: str) -> int:
        """Position of a column in the rows."""
        return next(i for i, c in enumerate(self.columns) if c.name == column)

    def values(self, column: str) -> list[Any]:
        """All values of one column."""
        i = self.index(column)
        return [row[i] for row in self.rows]


@dataclass
class DropFile:
    """A file a department drops: a CSV (one table), a workbook (a table per sheet) or a broken file."""

    name: str
    kind: Literal["csv", "xlsx", "broken"]
    tables: list[Table] = field(default_factory=list)
    encoding: str | None = None
    content: bytes | None = None  # verbatim bytes of a broken file


@dataclass
class Defect:
    """A deliberately injected data-quality problem with its exact extent.

    ``count`` is the number of offending values (or surplus duplicate rows); table- and
    file-level defects count 1.
    """

    kind: str
    department: str
    table: str | None
    column: str | None
    count: int
    examples: list[Any] = field(default_factory=list)
    note: str | None = None
    file: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """The manifest form."""
        out = {
            "kind": self.kind,
            "department": self.department,
            "table": self.table,
            "column": self.column,
            "count": self.count,
            "examples": [str(e) for e in self.examples],
        }
        if self.file:
            out["file"] = self.file
        if self.note:
            out["note"] = self.note
        return out


@dataclass(frozen=True)
class Conflict:
    """A copy of a data item that disagrees with its authoritative source (一数一源 conflict)."""

    key_type: str
    key: str
    attribute: str
    department: str
    table: str
    column: str
    value: str

    def sort_key(self) -> tuple[str, ...]:
        """Stable order for the manifest."""
        return (self.key_type, self.attribute, self.department, self.table, self.column, self.key, self.value)


@dataclass
class DepartmentData:
    """Everything generated for one department."""

    code: str
    tables: list[Table] = field(default_factory=list)
    #: the engine its database runs on: postgresql, mariadb or sqlite
    engine: str = "postgresql"
    files: list[DropFile] = field(default_factory=list)
    defects: list[Defect] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)

    def table(self, name: str) -> Table:
        """A database table or file table by name."""
        for table in self.all_tables():
            if table.name == name:
                return table
        raise KeyError(name)

    def all_tables(self) -> list[Table]:
        """Database tables, then the tables read from readable files."""
        return self.tables + [t for f in self.files for t in f.tables]
