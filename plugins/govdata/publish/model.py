"""What the publication stage knows about one open dataset: plain data passed between its modules.

Pure: no database, no files. The pipeline (pipeline.py) fills these in; exports, metadata (DCAT-AP, MQA) and
roles read them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal

#: where a dataset is served: 无条件开放 → open_data, 有条件开放 → conditional_data, 不予开放 → nowhere
OPEN_SCHEMA = "open_data"
CONDITIONAL_SCHEMA = "conditional_data"
#: private schemas of the stage: the stage's state (publish) and the version tables behind the served views
STATE_SCHEMA = "publish"
STORE_SCHEMA = "publish_store"
#: dbt builds the curated datasets' models here (private; the stage reads them as candidates)
CURATED_INPUT_SCHEMA = "open_data_input"

SCHEMA_OF_ATTRIBUTE = {"无条件开放": OPEN_SCHEMA, "有条件开放": CONDITIONAL_SCHEMA}

Kind = Literal["derived", "curated"]


@dataclass(frozen=True)
class ColumnMeta:
    """One published column: its name, PostgreSQL type, description and what was done to it."""

    name: str
    data_type: str
    description: str = ""
    #: kept / masked:<ENTITY> / generalised:<how> / pseudonymised / free text: spans masked
    treatment: str = "kept"


@dataclass(frozen=True)
class Distribution:
    """One exported file of a version (DCAT-AP distribution)."""

    format: str  # CSV, PARQUET, JSON (EU file-type vocabulary names)
    media_type: str  # text/csv …
    path: str  # relative to the published/ folder: <dataset>/<version>/data.csv
    byte_size: int
    sha256: str
    download_url: str


@dataclass
class DatasetMeta:
    """The catalogue entry (开放目录) of one open dataset and its current version."""

    dataset_id: str
    kind: Kind
    title: str
    description: str
    theme: str  # DCAT-AP data theme code: HEAL, SOCI …
    keywords: list[str]
    update_cycle: str
    open_attribute: str  # 无条件开放 / 有条件开放 / 不予开放
    department_code: str | None  # the source department; None for a dataset drawing on several
    publisher_name: str
    source_resource_codes: list[str]  # 资源代码 of the catalogued resources it derives from
    columns: list[ColumnMeta] = field(default_factory=list)
    version: int | None = None
    rows: int | None = None
    issued: datetime | None = None  # first publication
    modified: datetime | None = None  # this version
    temporal_start: date | None = None
    temporal_end: date | None = None
    distributions: list[Distribution] = field(default_factory=list)

    @property
    def schema(self) -> str | None:
        """The served schema: open_data, conditional_data, or None (不予开放)."""
        return SCHEMA_OF_ATTRIBUTE.get(self.open_attribute)
