"""The files of one published version: CSV (UTF-8 with BOM), Parquet, JSON and a Frictionless datapackage.json.

The version's store table is read once through a server-side cursor, in batches, and each batch goes to the
three writers: memory stays one batch whatever the size. Files are written into a temporary sibling folder
and renamed onto ``published/<dataset>/<version>/`` at the end: the portal sees all files of a version or
none, never a half-written one.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import shutil
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from govdata import config, warehouse
from govdata.publish.model import DatasetMeta, Distribution

_BATCH = 10_000
#: (file, DCAT-AP/EU file-type name, IANA media type)
FILES = (
    ("data.csv", "CSV", "text/csv"),
    ("data.parquet", "PARQUET", "application/vnd.apache.parquet"),
    ("data.json", "JSON", "application/json"),
)
#: PostgreSQL type → Frictionless Table Schema type
_TABLE_SCHEMA_TYPES = {
    "smallint": "integer", "integer": "integer", "bigint": "integer", "numeric": "number", "real": "number",
    "double precision": "number", "boolean": "boolean", "date": "date", "timestamp without time zone": "datetime",
    "timestamp with time zone": "datetime", "time without time zone": "time", "json": "object", "jsonb": "object",
}  # fmt: skip


def table_schema_type(pg_type: str) -> str:
    """The Table Schema type of a PostgreSQL type (string for anything else, arrays included)."""
    return _TABLE_SCHEMA_TYPES.get(pg_type, "string")


def _arrow_type(pg_type: str) -> Any:
    import pyarrow as pa

    return {
        "smallint": pa.int16(),
        "integer": pa.int32(),
        "bigint": pa.int64(),
        "real": pa.float32(),
        "double precision": pa.float64(),
        "boolean": pa.bool_(),
        "date": pa.date32(),
        "timestamp without time zone": pa.timestamp("us"),
        "timestamp with time zone": pa.timestamp("us", tz="UTC"),
    }.get(pg_type, pa.string())  # fmt: skip  — numeric as text: exact digits, no float rounding


def _text(value: Any) -> str:
    """A value as the CSV and the string columns show it (dates ISO, numbers as PostgreSQL wrote them)."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _json_value(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str | dict | list):
        return value
    if isinstance(value, Decimal):
        return str(value)  # exact
    return _text(value)


#: PostgreSQL types psycopg returns as str, int, float or bool: written as they are by all three writers
_NATIVE = {
    "text", "character varying", "character", "name", "citext", "smallint", "integer", "bigint", "real",
    "double precision", "boolean",
}  # fmt: skip
#: …and the ones the CSV writer also writes as _text does (str(Decimal), str(date) is its isoformat)
_CSV_NATIVE = _NATIVE | {"numeric", "date"}
#: …and the ones JSON takes as they are (psycopg gives dicts and lists)
_JSON_NATIVE = _NATIVE | {"json", "jsonb"}


def _converted(values: tuple[Any, ...], convert: Any) -> list[Any]:
    """A column's values through ``convert``, None kept."""
    return [None if v is None else convert(v) for v in values]


def write_exports(
    conn: psycopg.Connection,
    relation: tuple[str, str],
    version_dir: Path,
    meta: DatasetMeta,
    download_base: str | None,
) -> list[Distribution]:
    """Write the version's files and its datapackage.json; returns the three data files as distributions.

    ``download_base`` is the portal's URL of the published/ folder; None gives file:// URLs of the files.
    """
    import msgspec
    import pyarrow as pa
    import pyarrow.parquet as pq

    version_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = version_dir.with_name(f"{version_dir.name}.tmp-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    try:
        columns = meta.columns
        names = [c.name for c in columns]
        arrow_types = [_arrow_type(c.data_type) for c in columns]
        # per column, not per value: which columns a writer must convert (the rest go in as fetched)
        csv_text = [i for i, c in enumerate(columns) if c.data_type not in _CSV_NATIVE]
        json_value = [i for i, c in enumerate(columns) if c.data_type not in _JSON_NATIVE]
        arrow_text = [
            t == pa.string() and c.data_type not in _NATIVE for c, t in zip(columns, arrow_types, strict=True)
        ]
        schema = pa.schema([pa.field(n, t) for n, t in zip(names, arrow_types, strict=True)])
        # the store table's order (the candidate's)
        query = sql.SQL("select {} from {}").format(
            sql.SQL(", ").join(sql.Identifier(n) for n in names), warehouse.qualified(*relation)
        )
        with (
            (tmp / "data.csv").open("w", encoding="utf-8-sig", newline="") as csv_file,
            (tmp / "data.json").open("wb") as json_file,
            pq.ParquetWriter(tmp / "data.parquet", schema, compression="zstd") as parquet,
            conn.transaction(),
        ):
            writer = csv.writer(csv_file)
            writer.writerow(names)
            json_file.write(b"[")
            # msgspec: ~10× json.dumps per row; compact separators, UTF-8 as written, Decimal as its exact string
            encode = msgspec.json.Encoder(decimal_format="string").encode
            first = True
            cursor = conn.cursor(name=f"export_{meta.dataset_id}"[:60])
            cursor.execute(query)
            while rows := cursor.fetchmany(_BATCH):
                values = list(zip(*rows, strict=True))  # the batch by column
                by_column = [_converted(values[i], _text) if i in csv_text else values[i] for i in range(len(names))]
                writer.writerows(zip(*by_column, strict=True))  # None is written as "", as _text would
                by_column = [
                    [_json_value(v) for v in values[i]] if i in json_value else values[i] for i in range(len(names))
                ]
                json_file.write(
                    (b"\n" if first else b",\n")
                    + b",\n".join(encode(dict(zip(names, row, strict=True))) for row in zip(*by_column, strict=True))
                )
                first = False
                arrays = [
                    pa.array(_converted(values[i], _text) if arrow_text[i] else values[i], type=arrow_types[i])
                    for i in range(len(names))
                ]
                parquet.write_table(pa.Table.from_arrays(arrays, schema=schema))
            cursor.close()
            json_file.write(b"\n]\n")
        distributions = [_distribution(tmp, version_dir, f, fmt, media, download_base) for f, fmt, media in FILES]
        package = datapackage(meta, distributions)
        (tmp / "datapackage.json").write_text(json.dumps(package, ensure_ascii=False, indent=2), encoding="utf-8")
        if version_dir.exists():
            old = version_dir.with_name(f"{version_dir.name}.old-{os.getpid()}")
            version_dir.rename(old)
            tmp.rename(version_dir)
            shutil.rmtree(old, ignore_errors=True)
        else:
            tmp.rename(version_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return distributions


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _distribution(
    tmp: Path, version_dir: Path, name: str, fmt: str, media_type: str, download_base: str | None
) -> Distribution:
    final = version_dir / name
    try:
        relative = final.relative_to(config.published_dir()).as_posix()
    except ValueError:  # written outside published/ (a test, a one-off export): the path from its dataset
        relative = "/".join(final.parts[-3:])
    url = f"{download_base.rstrip('/')}/{relative}" if download_base else final.absolute().as_uri()
    path = tmp / name
    return Distribution(fmt, media_type, relative, path.stat().st_size, _sha256(path), url)


def datapackage(meta: DatasetMeta, distributions: list[Distribution]) -> dict[str, Any]:
    """The Frictionless Data Package descriptor of a version: its files, their schema and checksums."""
    cfg = config.load_open_data_config()
    fields = [
        {"name": c.name, "type": table_schema_type(c.data_type), "description": c.description or c.name,
         "govdata:treatment": c.treatment}
        for c in meta.columns
    ]  # fmt: skip
    resources = []
    for d in distributions:
        resource: dict[str, Any] = {
            "name": f"{meta.dataset_id}-{d.format.lower()}",
            "path": Path(d.path).name,
            "format": d.format.lower(),
            "mediatype": d.media_type,
            "bytes": d.byte_size,
            "hash": f"sha256:{d.sha256}",
        }
        if d.format == "CSV":
            resource.update(encoding="utf-8-sig", schema={"fields": fields})
        resources.append(resource)
    return {
        "name": meta.dataset_id.lower().replace("_", "-"),
        "id": meta.dataset_id,
        "title": meta.title,
        "description": meta.description,
        "keywords": meta.keywords,
        "version": str(meta.version) if meta.version is not None else None,
        "licenses": [{"name": cfg.licence.id, "title": cfg.licence.title, "path": cfg.licence.url}],
        "contributors": [{"title": meta.publisher_name, "role": "publisher", "email": cfg.publisher.email}],
        "sources": [{"title": code} for code in meta.source_resource_codes],
        "govdata:open_attribute": meta.open_attribute,
        "govdata:rows": meta.rows,
        "resources": resources,
    }
