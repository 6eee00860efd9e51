"""The demo's answer key: tables, injected defects, 一数一源 conflicts and shared keys, read off the data."""

from __future__ import annotations

import datetime as dt
from typing import Any

from govdata.demo.identifiers import normalise_key
from govdata.demo.model import Conflict, DepartmentData, Table
from govdata.demo.reports import block

#: Which department's table is the source of record (数源) of each shared data item.
AUTHORITIES: dict[tuple[str, str], tuple[str, str, str, str]] = {
    ("CN_RESIDENT_ID", "姓名"): ("gaj", "hj_rkxx", "sfzh", "xm"),
    ("CN_RESIDENT_ID", "出生日期"): ("gaj", "hj_rkxx", "sfzh", "csrq"),
    ("CN_RESIDENT_ID", "住址"): ("gaj", "hj_rkxx", "sfzh", "hjdz"),
    ("CN_USCC", "企业名称"): ("scjgj", "qy_djxx", "tyshxydm", "qymc"),
    ("CN_USCC", "法定代表人"): ("scjgj", "qy_djxx", "tyshxydm", "fddbr"),
}
KEY_TYPES = ("CN_RESIDENT_ID", "CN_USCC")


def _key(value: str) -> str:
    if value.isascii() and value.isalnum() and value.upper() == value:
        return value  # already canonical: keep the same string object, sets stay cheap
    return normalise_key(value)


def _text(value: Any) -> str:
    return value.isoformat() if isinstance(value, dt.date) else str(value)


def table_entry(table: Table) -> dict[str, Any]:
    """The manifest description of one table (database table, CSV or sheet)."""
    from_file = table.file is not None
    entry: dict[str, Any] = {
        "name": table.name,
        "source": "file" if from_file else "database",
        "schema": None if from_file else "public",
        "file": table.file,
        "sheet": table.sheet,
        "encoding": table.encoding,
        "comment": table.comment,
        "primary_key": list(table.primary_key),
        "row_count": len(table.rows),
        "update_column": table.update_column,
        "update_cycle": table.update_cycle,
        "columns": [
            {"name": c.name, "type": c.type, "comment": c.comment, "pii": c.pii, "category": c.category}
            for c in table.columns
        ],
    }
    if table.report is not None:
        # what the reader must decide about the report-shaped file: header rows, footers, metadata
        entry["layout"] = block(table, merged=not (table.file or "").lower().endswith(".csv")).expected
    return entry


class ManifestBuilder:
    """Collects the manifest one department at a time, so each department's rows can be freed after loading."""

    def __init__(self, seed: int, scale: float, as_of: dt.date) -> None:
        """Start an empty manifest."""
        self.head = {"seed": seed, "scale": scale, "as_of": as_of.isoformat()}
        self.departments: dict[str, dict[str, Any]] = {}
        self.defects: list[dict[str, Any]] = []
        self.conflicts: list[Conflict] = []
        self.authority: dict[tuple[str, str], dict[str, str]] = {}
        # (key type) -> (department, table, column) -> normalised keys it holds
        self.holders: dict[str, dict[tuple[str, str, str], set[str]]] = {k: {} for k in KEY_TYPES}
        self.attributes: dict[tuple[str, str, str], dict[str, str]] = {}

    def add(self, data: DepartmentData, database: str | None, drop_folder: str | None) -> None:
        """Describe a department and check every copy it holds against the authorities built so far."""
        tables = data.all_tables()
        self.departments[data.code] = {
            "engine": data.engine if database else None,
            "database": database,
            "drop_folder": drop_folder,
            "tables": [table_entry(t) for t in tables],
        }
        self.defects += [d.as_dict() for d in data.defects]
        for (key_type, attribute), (dept, table_name, key_col, col) in AUTHORITIES.items():
            if dept == data.code:
                table = data.table(table_name)
                k, i = table.index(key_col), table.index(col)
                self.authority[(key_type, attribute)] = {
                    _key(row[k]): _text(row[i]) for row in table.rows if row[k] is not None and row[i] is not None
                }
        for table in tables:
            self._collect(data.code, table)

    def _collect(self, code: str, table: Table) -> None:
        pii: dict[str, str | None] = {c.name: c.pii for c in table.columns}
        for column in table.columns:
            if column.pii in KEY_TYPES:
                keys = {_key(v) for v in table.values(column.name) if v is not None}
                self.holders[column.pii][(code, table.name, column.name)] = keys
            for key_col, attribute in column.describes:
                key_type = pii[key_col]
                if key_type is None:
                    raise ValueError(f"{code}.{table.name}.{key_col} is used as a key but has no pii type")
                self.attributes.setdefault((code, table.name, key_col), {})[attribute] = column.name
                source = AUTHORITIES.get((key_type, attribute))
                if source is None or source == (code, table.name, key_col, column.name):
                    continue
                if (key_type, attribute) not in self.authority:
                    raise RuntimeError(
                        f"{code}.{table.name}.{column.name} copies {attribute} before {source[0]} is built"
                    )
                reference = self.authority[(key_type, attribute)]
                k, i = table.index(key_col), table.index(column.name)
                for row in table.rows:
                    if row[k] is None or row[i] is None:
                        continue
                    key, value = _key(row[k]), row[i]
                    if key in reference and _text(value) != reference[key]:
                        self.conflicts.append(
                            Conflict(key_type, key, attribute, code, table.name, column.name, _text(value))
                        )

    def shared_keys(self) -> list[dict[str, Any]]:
        """Key columns whose keys also occur in another department, per key type."""
        out = []
        for key_type, holders in self.holders.items():
            by_dept: dict[str, set[str]] = {}
            for (code, _table, _column), keys in holders.items():
                by_dept.setdefault(code, set()).update(keys)
            shared = []
            for (code, table, column), keys in holders.items():
                others = [s for c, s in by_dept.items() if c != code]
                if any(not keys.isdisjoint(s) for s in others):
                    entry: dict[str, Any] = {"department": code, "table": table, "column": column}
                    attributes = self.attributes.get((code, table, column))
                    if attributes:
                        entry["attributes"] = dict(sorted(attributes.items()))
                    shared.append(entry)
            if shared:
                out.append({"key_type": key_type, "holders": shared})
        return out

    def conflict_entries(self) -> list[dict[str, Any]]:
        """Every disagreement between a copy and its authoritative source."""
        out = []
        for c in sorted(self.conflicts, key=Conflict.sort_key):
            dept, table, key_col, col = AUTHORITIES[(c.key_type, c.attribute)]
            out.append(
                {
                    "key_type": c.key_type,
                    "key": c.key,
                    "attribute": c.attribute,
                    "authoritative": {
                        "department": dept,
                        "table": table,
                        "column": col,
                        "value": self.authority[(c.key_type, c.attribute)][c.key],
                    },
                    "copy": {"department": c.department, "table": c.table, "column": c.column, "value": c.value},
                }
            )
        return out

    def result(self) -> dict[str, Any]:
        """The manifest as a JSON-ready dict."""
        return {
            **self.head,
            "departments": self.departments,
            "defects": self.defects,
            "conflicts": self.conflict_entries(),
            "shared_keys": self.shared_keys(),
        }
