"""Harvest table and column metadata from departmental databases (SQLAlchemy inspection) and files."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import TYPE_CHECKING, Any

from govdata.warehouse import safe_identifier

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine
    from sqlalchemy.engine.interfaces import ReflectedColumn, ReflectedPrimaryKeyConstraint, TableKey

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
    #: table, view, materialized view, partitioned table (databases); file
    object_type: str = "table"
    #: what is wrong with how config declares this table (it is still crawled), for meta.crawl_error
    problem: str | None = None
    #: the reader's layout decision for a file (meta.harvested_table.layout)
    layout: dict[str, Any] | None = None
    #: 填报单位, 填报日期 and 制表人 written in a report-shaped file
    reported_by: str | None = None
    reported_on: str | None = None
    prepared_by: str | None = None

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


def _raw_type(sa_type: object, dialect: str = "postgresql") -> str | None:
    """The PostgreSQL type to keep in the snapshot, or None when only text is safe.

    Built-in types are kept so the snapshot is a faithful copy; enums and domains are copied as
    text because the warehouse does not have them. Other dialects' types go through
    :func:`_foreign_raw_type` (the mapping table in its docstring).
    """
    from sqlalchemy.sql import sqltypes

    if dialect != "postgresql":
        return _foreign_raw_type(sa_type)
    if isinstance(sa_type, (sqltypes.NullType, sqltypes.Enum)) or type(sa_type).__name__ in ("DOMAIN", "ENUM"):
        return None
    if type(sa_type).__name__ == "HSTORE":
        return None  # an extension type the warehouse may not have
    if isinstance(sa_type, sqltypes.ARRAY) and _raw_type(sa_type.item_type) is None:
        return None  # an array of enums or domains: the warehouse has no such element type
    module = type(sa_type).__module__
    if not (module.startswith("sqlalchemy.sql") or module.startswith("sqlalchemy.dialects.postgresql")):
        return None
    try:
        return sa_type.compile(dialect=_pg_dialect()).lower()  # type: ignore[attr-defined]
    except Exception:  # a type SQLAlchemy cannot render for PostgreSQL
        return None


def _foreign_raw_type(sa_type: object) -> str | None:
    """PostgreSQL type of a MySQL/MariaDB, Oracle, SQLite, SQL Server, DM or KingbaseES column.

    ================================  =====================  ======================================
    source type (SQLAlchemy)          snapshot type          note
    ================================  =====================  ======================================
    MySQL TINYINT(1), BIT(1)          boolean                MySQL's BOOL; any non-zero is true
    MySQL TINYINT / SMALLINT          smallint               UNSIGNED widens one step
    MySQL MEDIUMINT / INT             integer                INT UNSIGNED → bigint
    MySQL BIGINT                      bigint                 UNSIGNED → numeric(20)
    MySQL YEAR                        smallint
    MySQL BIT(n)                      bit(n)
    MySQL FLOAT / DOUBLE              real / double prec.
    DECIMAL(p,s), Oracle NUMBER(p,s)  numeric(p,s)           NUMBER without precision → numeric
    DATETIME, TIMESTAMP, Oracle DATE  timestamp              zero dates 0000-00-00 → NULL, counted
    DATE / TIME                       date / time            MySQL TIME beyond 24h fails the table
    CHAR(n) / VARCHAR(n), VARCHAR2    char(n) / varchar(n)   lengths in characters, as in MySQL
    TEXT types, CLOB, NCLOB, LONG     text                   NUL bytes removed, counted
    ENUM, SET                         text                   SET as its comma-separated text
    JSON                              jsonb
    BLOB types, (VAR)BINARY, RAW      bytea
    anything else                     text                   the source's text form
    ================================  =====================  ======================================

    Types without a specific rule use SQLAlchemy's generic equivalent (``as_generic``), rendered for
    PostgreSQL, so a dialect installed later (DM, KingbaseES) maps its standard types the same way.
    """
    from sqlalchemy.sql import sqltypes

    name = type(sa_type).__name__
    unsigned = bool(getattr(sa_type, "unsigned", False))
    if name == "TINYINT" and getattr(sa_type, "display_width", None) == 1:
        return "boolean"
    if name == "BIT":
        length = getattr(sa_type, "length", None) or 1
        return "boolean" if length == 1 else f"bit({length})"
    by_name = {
        "TINYINT": "smallint",
        "SMALLINT": "integer" if unsigned else "smallint",
        "MEDIUMINT": "integer",
        "INTEGER": "bigint" if unsigned else "integer",
        "BIGINT": "numeric(20)" if unsigned else "bigint",
        "YEAR": "smallint",
        "FLOAT": "real",
        "BINARY_FLOAT": "real",
        "SET": "text",
        "ENUM": "text",
    }
    if name in by_name and not (name == "FLOAT" and type(sa_type).__module__.endswith("oracle.types")):
        return by_name[name]
    if isinstance(sa_type, (sqltypes.Enum, sqltypes.NullType)):
        return None
    if isinstance(sa_type, sqltypes.JSON):
        return "jsonb"
    if isinstance(sa_type, (sqltypes.LargeBinary, sqltypes._Binary)) or name == "RAW":
        return "bytea"
    if name in ("CHAR", "NCHAR") and getattr(sa_type, "length", None):
        return f"char({sa_type.length})"  # type: ignore[attr-defined]
    if isinstance(sa_type, sqltypes.DateTime):
        return "timestamp with time zone" if getattr(sa_type, "timezone", False) else "timestamp"
    if isinstance(sa_type, sqltypes.String) and not getattr(sa_type, "length", None):
        return "text"
    try:
        generic = sa_type.as_generic()  # type: ignore[attr-defined]
        if getattr(generic, "collation", None):  # MySQL's (utf8mb4_bin, gbk_chinese_ci) do not exist in PostgreSQL
            generic.collation = None
        return generic.compile(dialect=_pg_dialect()).lower()
    except Exception:  # no generic equivalent: copy the source's text form
        return None


def _pick_update_column(dept: Department, table: str, columns: list[HarvestedColumn]) -> tuple[str | None, str | None]:
    """(update column, problem): a declared column the table lacks is a problem of that table only."""
    spec = dept.table_spec(table)
    names = {c.name: c for c in columns}
    if spec and spec.update_column:
        if spec.update_column in names:
            return spec.update_column, None
        problem = (
            f"{dept.label}: table {table!r}, column {spec.update_column!r}: declared as update_column in "
            f"config/departments.yaml, but the table has no such column; copied in full instead "
            f"(columns: {', '.join(names)})"
        )
        return None, problem
    for candidate in UPDATE_COLUMN_NAMES:
        col = names.get(candidate)
        if col and (col.raw_type or "").startswith(TIMESTAMP_TYPES):
            return candidate, None
    return None, None


def _mark_mariadb_json(inspector: Any, schema: str | None, all_columns: dict) -> None:
    """MariaDB's JSON is LONGTEXT plus a ``json_valid(col)`` check: give those columns the JSON type."""
    import re

    from sqlalchemy import text
    from sqlalchemy.sql import sqltypes

    query = text(
        "select table_name, check_clause from information_schema.check_constraints where constraint_schema = :s"
    )
    with inspector.bind.connect() as conn:
        checks = conn.execute(query, {"s": schema}).fetchall()
    json_columns = {
        (table, column.replace("``", "`"))
        for table, clause in checks
        for column in re.findall(r"json_valid\(`((?:[^`]|``)+)`\)", clause or "")
    }
    for (_, table), columns in all_columns.items():
        for col in columns:
            if (table, col["name"]) in json_columns:
                col["type"] = sqltypes.JSON()


def _table_comments(inspector: Any, schema: str | None) -> dict:
    from sqlalchemy.engine.reflection import ObjectKind

    try:
        return inspector.get_multi_table_comment(schema=schema, kind=ObjectKind.ANY)
    except NotImplementedError:  # SQLite has no comments
        return {}


def _harvested_column(col: ReflectedColumn, ordinal: int, primary_key: list[str], dialect: str) -> HarvestedColumn:
    """A column as SQLAlchemy's inspector reflects it."""
    raw_type = _raw_type(col["type"], dialect)
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
    """Inspect every table, view and materialized view of the schemas: columns, types, comments, keys."""
    from sqlalchemy import inspect
    from sqlalchemy.engine.reflection import ObjectKind

    inspector = inspect(eng)
    dialect = eng.dialect.name
    tables: list[HarvestedTable] = []
    default: list[str | None] = [inspector.default_schema_name]  # None: the dialect's default
    for schema in schemas or default:
        pg_default = schema == inspector.default_schema_name
        kinds = _relations(inspector, dialect, schema)
        names = sorted(kinds)
        comments = _table_comments(inspector, schema) if names else {}
        all_columns: dict[TableKey, list[ReflectedColumn]]
        all_pks: dict[TableKey, ReflectedPrimaryKeyConstraint]
        all_columns = inspector.get_multi_columns(schema=schema, kind=ObjectKind.ANY) if names else {}
        all_pks = inspector.get_multi_pk_constraint(schema=schema) if names else {}
        if dialect in ("mysql", "mariadb") and names:
            _mark_mariadb_json(inspector, schema, all_columns)
        for name in names:
            key = (schema, name)
            pk = list(all_pks[key].get("constrained_columns") or []) if key in all_pks else []
            columns = [
                _harvested_column(col, i, pk, dialect) for i, col in enumerate(all_columns.get(key, []), start=1)
            ]
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
            table.update_column, table.problem = _pick_update_column(dept, name, columns)
            table.object_type = kinds.get(name, "table")
            tables.append(table)
    return tables


def _relations(inspector: Any, dialect: str, schema: str | None) -> dict[str, str]:
    """Name → object type of everything a reader can SELECT: tables, views and materialized views.

    A reader account that only sees views must not look empty; a partition is part of its parent
    (selecting the parent reads it), so it is left out instead of being catalogued twice.
    """
    kinds = dict.fromkeys(inspector.get_table_names(schema=schema), "table")
    for name in inspector.get_view_names(schema=schema):
        kinds.setdefault(name, "view")
    if dialect == "postgresql":
        for name in inspector.get_materialized_view_names(schema=schema):
            kinds[name] = "materialized view"
        from sqlalchemy import text

        with inspector.bind.connect() as conn:
            rows = conn.execute(
                text(
                    "select c.relname, c.relispartition, c.relkind = 'p' from pg_class c"
                    " join pg_namespace n on n.oid = c.relnamespace where n.nspname = :schema"
                    " and (c.relispartition or c.relkind = 'p')"
                ),
                {"schema": schema},
            ).fetchall()
        for name, is_partition, is_parent in rows:
            if is_partition:
                kinds.pop(name, None)
            elif is_parent and name in kinds:
                kinds[name] = "partitioned table"
    return kinds


def missing_declared_tables(dept: Department, tables: list[HarvestedTable], unreadable: set[str]) -> list[str]:
    """Tables and files declared under ``tables:`` in config that the crawl did not find at the source."""
    found = {t.source_name for t in tables} | {t.source_table for t in tables}
    stems = {name.rsplit(".", 1)[0] for name in unreadable}  # a file that failed to read was still found

    def seen(name: str) -> bool:
        return name in found or any(name == stem or name.startswith(f"{stem}__") for stem in stems)

    return [spec.name for spec in dept.tables if not seen(spec.name)]


def harvest_file_table(file_table: FileTable) -> HarvestedTable:
    """Metadata of a table read from a file: every column is text, the header is the column name.

    A flattened header (申领人信息/姓名) keeps its leaf cell (姓名) as the column's Chinese name.
    """
    layout = file_table.layout
    leaves = [c.leaf if c.flattened else None for c in layout.columns] if layout else [None] * len(file_table.columns)
    columns = [
        HarvestedColumn(name=name, ordinal=i, data_type="text", raw_type="text", comment=leaf)
        for i, (name, leaf) in enumerate(zip(file_table.columns, leaves, strict=True), start=1)
    ]
    meta = layout.metadata if layout else {}
    return HarvestedTable(
        source_name=file_table.name,
        source_kind="file",
        source_table=file_table.name,
        raw_table=raw_table_name(file_table.name),
        columns=columns,
        object_type="file",
        file_name=file_table.path.name,
        sheet_name=file_table.sheet,
        file_encoding=file_table.encoding,
        row_count=len(file_table.rows),
        file_rows=file_table.rows,
        layout=layout.to_dict() if layout and not layout.plain else None,
        reported_by=meta.get("reported_by"),
        reported_on=meta.get("reported_on") if _iso_date(meta.get("reported_on")) else None,
        prepared_by=meta.get("prepared_by"),
    )


def _iso_date(text: str | None) -> bool:
    from datetime import date

    try:
        date.fromisoformat(text or "")
    except ValueError:
        return False
    return True
