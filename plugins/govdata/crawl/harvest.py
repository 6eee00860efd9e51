"""Harvest table and column metadata from departmental databases (SQLAlchemy inspection) and files."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import TYPE_CHECKING

from govdata.warehouse import safe_identifier

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from govdata.config import Department
    from govdata.files import FileTable

#: Column names that usually hold a row's last update time (更新时间), when none is declared.
UPDATE_COLUMN_NAMES = (
    "gxsj", "gxrq", "xgsj", "update_time", "updated_at", "update_at", "last_modified", "last_update",
    "modify_time", "modified_at", "gmt_modified", "sjgxsj",
)  # fmt: skip

TIMESTAMP_TYPES = ("timestamp", "timestamp without time zone", "timestamp with time zone", "date")


@dataclass
class HarvestedColumn:
    """One column as found in the source."""

    name: str
    ordinal: int
    data_type: str
    nullable: bool = True
    comment: str | None = None
    is_primary_key: bool = False
    #: type used for the raw snapshot; None means copy as text
    raw_type: str | None = None


@dataclass
class HarvestedTable:
    """One table (or file, or sheet) as found in the source."""

    source_name: str
    source_kind: str
    source_table: str
    raw_table: str
    columns: list[HarvestedColumn]
    source_schema: str | None = None
    comment: str | None = None
    primary_key: list[str] = field(default_factory=list)
    update_column: str | None = None
    file_name: str | None = None
    sheet_name: str | None = None
    file_encoding: str | None = None
    row_count: int | None = None
    last_modified_at: datetime | str | None = None
    snapshot_mode: str | None = None
    rows_copied: int | None = None
    #: what the source looks like now (govdata.crawl.fingerprint); None means it cannot vouch, so copy
    fingerprint: str | None = None
    #: rows read from a file, loaded by the snapshot step
    file_rows: list[list[str | None]] | None = None

    @property
    def column_names(self) -> list[str]:
        """Column names in source order."""
        return [c.name for c in self.columns]

    def column_signature(self) -> str:
        """Names and types in order: a raw table with another signature must be rebuilt."""
        return "|".join(f"{c.name}:{c.raw_type or 'text'}" for c in self.columns)


def raw_table_name(source_name: str) -> str:
    """Name of the snapshot table in raw_<dept>: the source name, cut to PostgreSQL's limit."""
    return safe_identifier(source_name.replace(".", "__"))


@cache
def _pg_dialect() -> object:
    # building a dialect costs more than compiling a type with it: once per process, not per column
    from sqlalchemy.dialects import postgresql

    return postgresql.dialect()


def _raw_type(sa_type: object) -> str | None:
    """The PostgreSQL type to keep in the snapshot, or None when only text is safe.

    Built-in types are kept so the snapshot is a faithful copy; enums, domains and types of other
    dialects are copied as text because the warehouse does not have them.
    """
    from sqlalchemy.sql import sqltypes

    if isinstance(sa_type, (sqltypes.NullType, sqltypes.Enum)) or type(sa_type).__name__ in ("DOMAIN", "ENUM"):
        return None
    module = type(sa_type).__module__
    if not (module.startswith("sqlalchemy.sql") or module.startswith("sqlalchemy.dialects.postgresql")):
        return None
    try:
        return sa_type.compile(dialect=_pg_dialect()).lower()  # type: ignore[attr-defined]
    except Exception:  # a type SQLAlchemy cannot render for PostgreSQL
        return None


def _pick_update_column(dept: Department, table: str, columns: list[HarvestedColumn]) -> str | None:
    spec = dept.table_spec(table)
    names = {c.name: c for c in columns}
    if spec and spec.update_column:
        if spec.update_column not in names:
            raise ValueError(
                f"{dept.label}: table {table!r} declares update_column {spec.update_column!r}, "
                f"which the table does not have (columns: {list(names)})"
            )
        return spec.update_column
    for candidate in UPDATE_COLUMN_NAMES:
        col = names.get(candidate)
        if col and (col.raw_type or "").startswith(TIMESTAMP_TYPES):
            return candidate
    return None


def _harvested_column(col: dict, ordinal: int, primary_key: list[str]) -> HarvestedColumn:
    """A column as SQLAlchemy's inspector reflects it."""
    raw_type = _raw_type(col["type"])
    return HarvestedColumn(
        name=col["name"],
        ordinal=ordinal,
        data_type=str(raw_type or col["type"]).lower(),
        nullable=bool(col.get("nullable", True)),
        comment=(col.get("comment") or None),
        is_primary_key=col["name"] in primary_key,
        raw_type=raw_type,
    )


def harvest_database(dept: Department, eng: Engine, schemas: list[str]) -> list[HarvestedTable]:
    """Inspect every table of the given schemas: columns, types, comments, primary keys."""
    from sqlalchemy import inspect

    inspector = inspect(eng)
    tables: list[HarvestedTable] = []
    for schema in schemas:
        pg_default = schema == inspector.default_schema_name
        names = sorted(inspector.get_table_names(schema=schema))
        comments = inspector.get_multi_table_comment(schema=schema) if names else {}
        all_columns = inspector.get_multi_columns(schema=schema) if names else {}
        all_pks = inspector.get_multi_pk_constraint(schema=schema) if names else {}
        for name in names:
            key = (schema, name)
            pk = list((all_pks.get(key) or {}).get("constrained_columns") or [])
            columns = [_harvested_column(col, i, pk) for i, col in enumerate(all_columns.get(key, []), start=1)]
            source_name = name if pg_default else f"{schema}.{name}"
            table = HarvestedTable(
                source_name=source_name,
                source_kind="database",
                source_schema=schema,
                source_table=name,
                raw_table=raw_table_name(source_name),
                columns=columns,
                comment=(comments.get(key) or {}).get("text") or None,
                primary_key=pk,
            )
            table.update_column = _pick_update_column(dept, name, columns)
            tables.append(table)
    return tables


def harvest_file_table(file_table: FileTable) -> HarvestedTable:
    """Metadata of a table read from a file: every column is text, the header is the column name."""
    columns = [
        HarvestedColumn(name=name, ordinal=i, data_type="text", raw_type="text")
        for i, name in enumerate(file_table.columns, start=1)
    ]
    return HarvestedTable(
        source_name=file_table.name,
        source_kind="file",
        source_table=file_table.name,
        raw_table=raw_table_name(file_table.name),
        columns=columns,
        file_name=file_table.path.name,
        sheet_name=file_table.sheet,
        file_encoding=file_table.encoding,
        row_count=len(file_table.rows),
        file_rows=file_table.rows,
    )
