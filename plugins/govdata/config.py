"""Paths, connection settings and the pydantic models of the YAML files in config/."""

from __future__ import annotations

import os
import re
from functools import lru_cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

UpdateCycle = Literal["实时", "每日", "每周", "每月", "每季度", "每年", "不定期"]

#: Days after which a table with the given update cycle counts as stale.
CYCLE_DAYS: dict[str, int | None] = {
    "实时": 1,
    "每日": 1,
    "每周": 7,
    "每月": 31,
    "每季度": 92,
    "每年": 366,
    "不定期": None,
}


def project_root() -> Path:
    """The folder holding config/, dags/ and .local/ (``GOVDATA_HOME`` overrides)."""
    env = os.environ.get("GOVDATA_HOME")
    if env:
        return Path(env).resolve()
    return Path(__file__).resolve().parents[2]


def config_dir() -> Path:
    """Folder of the YAML files staff edit (``GOVDATA_CONFIG_DIR`` overrides)."""
    env = os.environ.get("GOVDATA_CONFIG_DIR")
    return Path(env).resolve() if env else project_root() / "config"


def local_dir() -> Path:
    """Ignored folder for the embedded PostgreSQL, demo data and Airflow home."""
    env = os.environ.get("GOVDATA_LOCAL_DIR")
    return Path(env).resolve() if env else project_root() / ".local"


def demo_dir() -> Path:
    """Where the demo departments' drop folders and the manifest are written."""
    env = os.environ.get("GOVDATA_DEMO_DIR")
    return Path(env).resolve() if env else local_dir() / "demo"


def pg_port() -> int:
    """Port of the embedded PostgreSQL (``GOVDATA_PG_PORT`` overrides config/govdata.yaml)."""
    env = os.environ.get("GOVDATA_PG_PORT")
    if env:
        return int(env)
    return load_platform().embedded_pg.port


def mariadb_port() -> int:
    """Port of the embedded MariaDB (``GOVDATA_MARIADB_PORT`` overrides config/govdata.yaml)."""
    env = os.environ.get("GOVDATA_MARIADB_PORT")
    return int(env) if env else load_platform().embedded_mariadb.port


def mariadb_url() -> str:
    """The embedded MariaDB's read-only URL without a database: base for the MySQL demo departments."""
    from govdata.embedded_mariadb import default_server

    return default_server().server_url()


def warehouse_url() -> str:
    """SQLAlchemy URL of the warehouse: ``GOVDATA_DATABASE_URL`` or the embedded cluster."""
    env = os.environ.get("GOVDATA_DATABASE_URL")
    if env:
        return env
    from urllib.parse import quote

    from govdata.embedded_pg import read_or_create_password

    platform = load_platform()
    password = quote(read_or_create_password(local_dir() / "pg" / "password"), safe="")
    return f"postgresql://{platform.embedded_pg.user}:{password}@127.0.0.1:{pg_port()}/{platform.warehouse_db}"


def server_url() -> str:
    """The warehouse URL without its database: base for the demo departments' databases."""
    return warehouse_url().rsplit("/", 1)[0]


def database_url(database: str) -> str:
    """A URL for another database on the warehouse's server."""
    from sqlalchemy.engine import make_url

    return make_url(warehouse_url()).set(database=database).render_as_string(hide_password=False)


_VAR = re.compile(r"\$\{([A-Z0-9_]+)\}")


def expand(value: str) -> str:
    """Expand ``${VAR}`` from the environment; GOVDATA_SERVER_URL, _MARIADB_URL and _DEMO_DIR have defaults."""
    defaults = {
        "GOVDATA_SERVER_URL": server_url,
        "GOVDATA_MARIADB_URL": mariadb_url,
        "GOVDATA_DEMO_DIR": lambda: str(demo_dir()),
    }

    def sub(match: re.Match[str]) -> str:
        name = match.group(1)
        if name in os.environ:
            return os.environ[name]
        if name in defaults:
            return defaults[name]()
        raise KeyError(f"environment variable {name} is not set (used in config: {value!r})")

    return _VAR.sub(sub, value)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class EmbeddedPg(_Model):
    """The private PostgreSQL cluster that `make run` starts."""

    port: int = 55432
    user: str = "govdata"


class EmbeddedMariaDBSettings(_Model):
    """The private MariaDB server that `make run` starts for the MySQL demo departments."""

    port: int = 53306


class CrawlSettings(_Model):
    """Retries and batch sizes of the crawl."""

    retries: int = 2
    retry_delay_seconds: int = 300
    connect_timeout_seconds: int = 10


class Platform(_Model):
    """config/govdata.yaml: platform-wide settings."""

    embedded_pg: EmbeddedPg = EmbeddedPg()
    embedded_mariadb: EmbeddedMariaDBSettings = EmbeddedMariaDBSettings()
    warehouse_db: str = "govdata"
    airflow_db: str = "airflow"
    crawl: CrawlSettings = CrawlSettings()


class Contact(_Model):
    """Who answers for a department's data (责任人)."""

    name: str
    email: str
    phone: str | None = None


class DatabaseSource(_Model):
    """A departmental database reached through SQLAlchemy."""

    url: str
    #: schemas (MySQL: databases) to crawl; empty means the connection's default schema
    schemas: list[str] = []

    def expanded_url(self) -> str:
        """The URL with ``${VAR}`` references filled in."""
        return expand(self.url)


class TableSpec(_Model):
    """What a department declares about one of its tables or files."""

    name: str
    title: str | None = None
    update_cycle: UpdateCycle = "不定期"
    update_column: str | None = None


class DutyItem(_Model):
    """A data item that a duty collects, and where the department keeps it."""

    item: str
    table: str | None = None
    column: str | None = None


class Duty(_Model):
    """A 履职事项 and the data items it collects."""

    name: str
    items: list[DutyItem]


class Department(_Model):
    """One 数源部门 as declared in config/departments.yaml."""

    code: str = Field(pattern=r"^[a-z][a-z0-9_]{1,30}$")
    name: str
    short_name: str
    org_code: str
    contact: Contact
    database: DatabaseSource | None = None
    drop_folder: str | None = None
    tables: list[TableSpec] = []
    duties: list[Duty] = []

    @model_validator(mode="after")
    def _has_a_source(self) -> Department:
        if self.database is None and self.drop_folder is None:
            raise ValueError(f"department {self.code} ({self.name}) has neither database nor drop_folder")
        return self

    @property
    def raw_schema(self) -> str:
        """Warehouse schema holding this department's snapshots."""
        return f"raw_{self.code}"

    @property
    def label(self) -> str:
        """Human-readable name for logs and the Airflow UI."""
        return f"{self.name} ({self.code})"

    def drop_path(self) -> Path | None:
        """The drop folder with ``${VAR}`` filled in."""
        return Path(expand(self.drop_folder)) if self.drop_folder else None

    def table_spec(self, name: str) -> TableSpec | None:
        """The declared spec of a table or file, if any."""
        return next((t for t in self.tables if t.name == name), None)


class Departments(_Model):
    """config/departments.yaml."""

    departments: list[Department]

    @model_validator(mode="after")
    def _unique_codes(self) -> Departments:
        codes = [d.code for d in self.departments]
        dupes = sorted({c for c in codes if codes.count(c) > 1})
        if dupes:
            raise ValueError(f"duplicate department codes: {dupes}")
        return self

    def get(self, code: str) -> Department:
        """The department with this code, or a KeyError naming the known codes."""
        for dept in self.departments:
            if dept.code == code:
                return dept
        raise KeyError(f"unknown department {code!r}; known: {[d.code for d in self.departments]}")


def _read_yaml(name: str) -> dict:
    path = config_dir() / name
    if not path.exists():
        return {}
    with path.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh) or {}


@lru_cache(maxsize=1)
def load_platform() -> Platform:
    """config/govdata.yaml, validated."""
    return Platform.model_validate(_read_yaml("govdata.yaml"))


def load_departments() -> Departments:
    """config/departments.yaml, validated (read fresh: staff edit it between runs)."""
    return Departments.model_validate(_read_yaml("departments.yaml"))


class CatalogClass(_Model):
    """One 目 of the 信息资源分类 with its 类 and 项."""

    lei: str = Field(pattern=r"^\d$")
    lei_name: str
    xiang: str = Field(pattern=r"^\d{2}$")
    xiang_name: str
    mu: str = Field(pattern=r"^\d{3}$")
    mu_name: str

    @property
    def class_code(self) -> str:
        """类+项+目, six digits."""
        return f"{self.lei}{self.xiang}{self.mu}"


class CatalogRule(_Model):
    """A keyword rule placing resources into a class."""

    id: str
    priority: int
    keywords: list[str]
    class_code: str = Field(alias="class", pattern=r"^\d{6}$")
    resource_type: Literal["基础", "主题", "部门"]


class SharePolicy(_Model):
    """共享/开放属性 and conditions."""

    share_attribute: Literal["无条件共享", "有条件共享", "不予共享"]
    share_condition: str = ""
    share_method: str = ""
    open_attribute: Literal["无条件开放", "有条件开放", "不予开放"]
    open_condition: str = ""


class CatalogOverride(_Model):
    """Staff's decision on one resource; every given attribute wins over the rules."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    department: str
    table: str
    class_code: str | None = Field(default=None, alias="class", pattern=r"^\d{6}$")
    resource_type: Literal["基础", "主题", "部门"] | None = None
    name: str | None = None
    summary: str | None = None
    share_attribute: Literal["无条件共享", "有条件共享", "不予共享"] | None = None
    share_condition: str | None = None
    share_method: str | None = None
    open_attribute: Literal["无条件开放", "有条件开放", "不予开放"] | None = None
    open_condition: str | None = None
    update_cycle: UpdateCycle | None = None


class DataItem(_Model):
    """A data item compared across departments (一数一源), with the names it goes by."""

    item: str
    names: list[str]
    key_type: Literal["CN_RESIDENT_ID", "CN_USCC"] | None = None
    key: str | None = None
    #: whether a name with a role prefix (户主姓名, 母亲身份证号) also stands for the item
    roles: bool = False


class CatalogConfig(_Model):
    """config/catalog.yaml."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    classes: list[CatalogClass]
    rules: list[CatalogRule]
    department_defaults: dict[str, str] = {}
    fallback_class: str
    default_policy: SharePolicy
    grade_policies: dict[Literal["L1", "L2", "L3", "L4"], SharePolicy]
    overrides: list[CatalogOverride] = []
    column_dictionary: dict[str, str] = {}
    data_items: list[DataItem] = []

    @model_validator(mode="after")
    def _classes_exist(self) -> CatalogConfig:
        known = {c.class_code for c in self.classes}
        used = {r.class_code for r in self.rules} | set(self.department_defaults.values()) | {self.fallback_class}
        used |= {o.class_code for o in self.overrides if o.class_code}
        missing = sorted(used - known)
        if missing:
            raise ValueError(f"config/catalog.yaml uses classes not listed under classes: {missing}")
        keys = {d.item for d in self.data_items if d.key_type}
        bad = sorted(d.item for d in self.data_items if d.key and d.key not in keys)
        if bad:
            raise ValueError(f"config/catalog.yaml data_items {bad} name a key that is not a key item")
        return self


def load_catalog_config() -> CatalogConfig:
    """config/catalog.yaml, validated."""
    return CatalogConfig.model_validate(_read_yaml("catalog.yaml"))
