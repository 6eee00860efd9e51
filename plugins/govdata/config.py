"""Paths, connection settings and the pydantic models of the YAML files in config/."""

from __future__ import annotations

import copy
import itertools
import os
import re
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal, TypeVar, get_args
from urllib.parse import quote

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    field_validator,
    model_validator,
)

from govdata.embedded_mariadb import EmbeddedMariaDB
from govdata.embedded_pg import EmbeddedPostgres, cluster_root, server_user
from govdata.embedded_smtp import SMTP_CONN_ENV, EmbeddedSmtp
from govdata.errors import ConfigError, redact

#: libyaml's safe loader where PyYAML was built with it (the wheels are), ~10× faster than the Python one
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

UpdateCycle = Literal["实时", "每日", "每周", "每月", "每季度", "每年", "不定期"]


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
    """Ignored folder for demo data, Airflow home and, usually, the embedded PostgreSQL (`default_root`)."""
    env = os.environ.get("GOVDATA_LOCAL_DIR")
    return Path(env).resolve() if env else project_root() / ".local"


def demo_dir() -> Path:
    """Where the demo departments' drop folders and the manifest are written."""
    env = os.environ.get("GOVDATA_DEMO_DIR")
    return Path(env).resolve() if env else local_dir() / "demo"


def published_dir() -> Path:
    """Where published versions are exported (``<dataset>/<version>/``) and the DCAT-AP catalog is written."""
    env = os.environ.get("GOVDATA_PUBLISHED_DIR")
    return Path(env).resolve() if env else local_dir() / "published"


def reports_dir() -> Path:
    """Where maturity reports are written (``<period>/<department>.{html,pdf}``; ``GOVDATA_REPORTS_DIR`` overrides)."""
    env = os.environ.get("GOVDATA_REPORTS_DIR")
    return Path(env).resolve() if env else local_dir() / "reports"


def expectations_dir() -> Path:
    """The Great Expectations context of the quality checks (``GOVDATA_EXPECTATIONS_DIR`` overrides).

    Against real systems (``GOVDATA_DATABASE_URL`` set): expectations/ in the checkout, in git, where staff edit
    the suites. The embedded default checks the demo: its generated suites live in .local/expectations, so
    `make run` leaves the checkout clean.
    """
    env = os.environ.get("GOVDATA_EXPECTATIONS_DIR")
    if env:
        return Path(env)
    if "GOVDATA_DATABASE_URL" not in os.environ:
        return local_dir() / "expectations"
    return project_root() / "expectations"


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


def smtp_port() -> int:
    """Port of the embedded SMTP server (``GOVDATA_SMTP_PORT`` overrides config/govdata.yaml)."""
    env = os.environ.get("GOVDATA_SMTP_PORT")
    return int(env) if env else load_platform().embedded_smtp.port


def mail_dir() -> Path:
    """The Maildir the embedded SMTP server stores what it receives in (``.local/mail``)."""
    return local_dir() / "mail"


def mariadb_url() -> str:
    """The embedded MariaDB's read-only URL without a database: base for the MySQL demo departments."""
    return default_server().server_url()


def warehouse_url() -> str:
    """SQLAlchemy URL of the warehouse: ``GOVDATA_DATABASE_URL`` or the embedded cluster."""
    env = os.environ.get("GOVDATA_DATABASE_URL")
    if env:
        return env
    return default_cluster().url(load_platform().warehouse_db)


def server_url() -> str:
    """The warehouse URL without its database."""
    return warehouse_url().rsplit("/", 1)[0]


def departments_server_url() -> str:
    """Server of the demo departments' databases: ``GOVDATA_SERVER_URL``, else the warehouse's server.

    Apart so a warehouse role without CREATEDB can still run the demo, whose databases live elsewhere.
    """
    return os.environ.get("GOVDATA_SERVER_URL") or server_url()


def database_url(database: str) -> str:
    """A URL for another database on the warehouse's server."""
    from sqlalchemy.engine import make_url

    return make_url(warehouse_url()).set(database=database).render_as_string(hide_password=False)


_VAR = re.compile(r"\$\{([A-Z0-9_]+)\}")


def expand(value: str, *, url: bool = False) -> str:
    """Expand ``${VAR}`` from the environment; GOVDATA_SERVER_URL, _MARIADB_URL and _DEMO_DIR have defaults.

    With ``url=True``, values substituted into the ``user:password@`` part are percent-encoded: a
    password holding ``@`` or ``/`` would otherwise change where the URL points, and leak into
    messages as part of a host name.
    """
    defaults = {
        "GOVDATA_SERVER_URL": departments_server_url,
        "GOVDATA_MARIADB_URL": mariadb_url,
        "GOVDATA_DEMO_DIR": lambda: str(demo_dir()),
    }
    userinfo_end = _userinfo_end(value) if url else -1

    def sub(match: re.Match[str]) -> str:
        name = match.group(1)
        if name in os.environ:
            found = os.environ[name]
        elif name in defaults:
            found = defaults[name]()
        else:
            raise ConfigError(f"environment variable {name} is not set (used in {redact(value)})")
        return quote(found, safe="") if match.start() < userinfo_end else found

    return _VAR.sub(sub, value)


def _userinfo_end(template: str) -> int:
    """Where the ``user:password`` part of a URL template ends (its ``@``), or -1 when it has none."""
    start = template.find("://")
    if start < 0:
        return -1
    authority_end = template.find("/", start + 3)
    return template.rfind("@", start + 3, authority_end if authority_end >= 0 else len(template))


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class EmbeddedPg(_Model):
    """The private PostgreSQL cluster that `make run` starts."""

    port: int = 55432
    user: str = "govdata"


class EmbeddedMariaDBSettings(_Model):
    """The private MariaDB server that `make run` starts for the MySQL demo departments."""

    port: int = 53306


class EmbeddedSmtpSettings(_Model):
    """The local SMTP server `make run` starts when no ``AIRFLOW_CONN_SMTP_DEFAULT`` is set."""

    port: int = 52525


_EMAIL = re.compile(r"[^@\s<>]+@[^@\s<>]+\.[^@\s<>.]+")


def _email_address(value: str) -> str:
    if not _EMAIL.fullmatch(value):
        raise ValueError("not an e-mail address (name@example.gov.cn)")
    return value


#: An e-mail address in the config (name@domain, no spaces or display name); the relay decides the rest.
EmailAddress = Annotated[str, AfterValidator(_email_address)]


class MailSettings(_Model):
    """Who mail comes from, which operators get the failure alerts, how delivery is retried."""

    #: the From of reports and alerts (an address the SMTP relay of connection smtp_default accepts)
    sender: EmailAddress = "govdata@example.gov.cn"
    sender_name: str = "公共数据治理平台 govdata"
    #: the bureau's operators (值班人员): one alert per failed task, after Airflow's retries
    operators: list[EmailAddress] = []
    #: further tries after a failed delivery (refused, unreachable), waiting retry_delay_seconds × 2^n between
    retries: int = Field(default=3, ge=0, le=10)
    retry_delay_seconds: float = Field(default=2, ge=0, le=300)


class CrawlSettings(_Model):
    """Retries and batch sizes of the crawl."""

    retries: int = 2
    retry_delay_seconds: int = 300
    connect_timeout_seconds: int = 10
    #: drop-folder files larger than this are refused unread (they are read into memory)
    max_file_mb: int = Field(default=512, gt=0)
    #: a source table locked by someone else fails after this long instead of waiting for ever
    source_lock_timeout_seconds: int = Field(default=30, gt=0)
    #: longest a single source query (one table's copy) may run
    source_statement_timeout_seconds: int = Field(default=3600, gt=0)
    #: a crawl task running longer than this is stopped by Airflow (and its source queries cancelled)
    task_timeout_minutes: int = Field(default=180, gt=0)
    #: a full copy with this much fewer rows than the snapshot it replaces keeps the old snapshot and
    #: asks for confirmation (`govdata crawl --accept-drop`); 100 turns the check off
    max_row_drop_percent: int = Field(default=50, gt=0, le=100)
    #: snapshots smaller than this are never held back for a drop
    row_drop_min_rows: int = Field(default=1000, ge=0)


class Platform(_Model):
    """config/govdata.yaml: platform-wide settings."""

    embedded_pg: EmbeddedPg = EmbeddedPg()
    embedded_mariadb: EmbeddedMariaDBSettings = EmbeddedMariaDBSettings()
    embedded_smtp: EmbeddedSmtpSettings = EmbeddedSmtpSettings()
    mail: MailSettings = MailSettings()
    warehouse_db: str = "govdata"
    airflow_db: str = "airflow"
    crawl: CrawlSettings = CrawlSettings()


class Contact(_Model):
    """Who answers for a department's data (责任人)."""

    name: str
    #: where the department's maturity reports are mailed
    email: EmailAddress
    phone: str | None = None


class DatabaseSource(_Model):
    """A departmental database reached through SQLAlchemy."""

    url: str
    #: schemas (MySQL: databases) to crawl; empty means the connection's default schema
    schemas: list[str] = []
    #: per-department overrides of crawl.source_lock_timeout_seconds / source_statement_timeout_seconds
    lock_timeout_seconds: int | None = Field(default=None, gt=0)
    statement_timeout_seconds: int | None = Field(default=None, gt=0)

    def timeouts(self) -> tuple[int, int]:
        """(lock timeout, statement timeout) in seconds for this source's sessions."""
        crawl = load_platform().crawl
        return (
            self.lock_timeout_seconds or crawl.source_lock_timeout_seconds,
            self.statement_timeout_seconds or crawl.source_statement_timeout_seconds,
        )

    def expanded_url(self) -> str:
        """The URL with ``${VAR}`` references filled in (credentials percent-encoded)."""
        return expand(self.url, url=True)


class TableSpec(_Model):
    """What a department declares about one of its tables or files."""

    name: str
    title: str | None = None
    update_cycle: UpdateCycle = "不定期"
    update_column: str | None = None
    #: 信息资源提供方 when it is not the department itself; else a report's 填报单位, else the department
    provider: str | None = None
    #: a file's header rows (1-based sheet rows): ``3`` or ``[3, 4]``, instead of what the reader decides
    header_rows: int | list[int] | None = None
    #: a file's rows at the bottom that are not records (合计, 制表人 …); 0 keeps every row
    skip_footer: int | None = Field(default=None, ge=0)

    @field_validator("header_rows")
    @classmethod
    def _header_range(cls, value: int | list[int] | None) -> int | list[int] | None:
        rows = [value] if isinstance(value, int) else value
        if rows is not None and not (1 <= len(rows) <= 2 and rows[0] >= 1 and rows[0] <= rows[-1]):
            raise ValueError("header_rows is a row number (3) or the first and last header rows ([3, 4])")
        return value

    def header_range(self) -> tuple[int, int] | None:
        """header_rows as (first, last)."""
        if self.header_rows is None:
            return None
        rows = [self.header_rows] if isinstance(self.header_rows, int) else self.header_rows
        return rows[0], rows[-1]


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
        """The department with this code, or a ConfigError naming the known codes."""
        for dept in self.departments:
            if dept.code == code:
                return dept
        known = ", ".join(d.code for d in self.departments)
        raise ConfigError(f"unknown department {code!r} (config/departments.yaml has: {known})")


def _read_yaml(name: str) -> dict:
    """A config file's settings (a fresh copy: callers may change it), parsed once per content of the file.

    A publication reads config/masking.yaml and departments.yaml once per dataset, some 270 times in all:
    parsed each time with the pure-Python loader, that was 9 of its 50 seconds.
    """
    path = config_dir() / name
    try:
        content = path.read_bytes()
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise ConfigError(f"config/{name}: cannot be read ({exc})") from None
    return copy.deepcopy(_parse_yaml(name, content))


@lru_cache(maxsize=64)
def _parse_yaml(name: str, content: bytes) -> dict:
    """The parsed file, cached by its content (an edited file is parsed again, however soon)."""
    try:
        data = yaml.load(content.decode("utf-8-sig"), Loader=_YAML_LOADER) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark else ""
        raise ConfigError(f"config/{name}{where}: not valid YAML ({getattr(exc, 'problem', None) or exc})") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"config/{name}: cannot be read ({exc})") from None
    if not isinstance(data, dict):
        raise ConfigError(f"config/{name}: expected a mapping of settings, found {type(data).__name__}")
    return data


M = TypeVar("M", bound=BaseModel)


def validate(model: type[M], data: dict, name: str) -> M:
    """A config file's content as its model; errors name the department by code, never echo values.

    Pydantic's own message gives list positions (``departments.7.org_code``) and repeats the input,
    which may be a password; staff need ``departments[gaj].org_code`` and what is wrong with it.
    """
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = [
            f"{_location(err['loc'], data)}: {err['msg']}" if err["loc"] else err["msg"]
            for err in exc.errors(include_url=False, include_input=False, include_context=False)
        ]
        more = f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
        raise ConfigError(f"config/{name}: " + "; ".join(problems[:5]) + more) from None


def _location(loc: tuple, data: object) -> str:
    """A pydantic error location with list positions replaced by the item's code or name."""
    parts: list[str] = []
    node = data
    for key in loc:
        if isinstance(key, int) and isinstance(node, list) and 0 <= key < len(node):
            item = node[key]
            label = next((item[k] for k in ("code", "name", "id") if isinstance(item, dict) and item.get(k)), None)
            parts.append(f"[{label}]" if label else f"[{key + 1}]")
            node = item
        else:
            parts.append(f".{key}" if parts else str(key))
            node = node.get(key) if isinstance(node, dict) else None
    return "".join(parts)


@lru_cache(maxsize=1)
def load_platform() -> Platform:
    """config/govdata.yaml, validated."""
    return validate(Platform, _read_yaml("govdata.yaml"), "govdata.yaml")


def load_departments() -> Departments:
    """config/departments.yaml, validated (read fresh: staff edit it between runs)."""
    return validate(Departments, _read_yaml("departments.yaml"), "departments.yaml")


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
    #: what the item's values are, for masking (an entity of config/masking.yaml); a key item's is its
    #: key_type; an item without one is masked by the policy's fallback (fail closed)
    entity: str | None = None

    @property
    def mask_entity(self) -> str | None:
        """The entity whose masking rule applies to this item's values."""
        return self.entity or self.key_type


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
    #: 更新周期 → days after which a table counts as stale (None: never, e.g. 不定期); every cycle listed.
    update_cycles: dict[UpdateCycle, int | None]

    @model_validator(mode="after")
    def _cycles_complete(self) -> CatalogConfig:
        missing = [c for c in get_args(UpdateCycle) if c not in self.update_cycles]
        if missing:
            raise ValueError(f"config/catalog.yaml update_cycles must give every cycle; missing {missing}")
        return self

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
    return validate(CatalogConfig, _read_yaml("catalog.yaml"), "catalog.yaml")


class KeepRule(_Model):
    """Publish the value as it is: only for public data (a company's 统一社会信用代码)."""

    method: Literal["keep"]


class RedactRule(_Model):
    """Every character starred; ``first: 1`` keeps the first one."""

    method: Literal["redact"]
    first: int = Field(default=0, ge=0, le=1)


class KeepEndsRule(_Model):
    """The first and last characters of an identifier kept, the rest starred (138****5678)."""

    method: Literal["keep_ends"]
    first: int = Field(ge=0, le=8)
    last: int = Field(ge=0, le=8)


class ResidentIdRule(_Model):
    """居民身份证号: region code (first 6), birth year and the last characters, each kept or starred."""

    method: Literal["resident_id"]
    region: bool = True
    birth_year: bool = False
    last: int = Field(default=4, ge=0, le=4)


class PersonNameRule(_Model):
    """姓名: the surname kept (compound surnames whole), the given name starred (张*, 欧阳**)."""

    method: Literal["person_name"]


class AddressRule(_Model):
    """地址: cut after the division ``level`` (区/县 by default), one level higher when nothing else is cut."""

    method: Literal["address"]
    level: Literal["province", "prefecture", "district"] = "district"
    #: appended to a cut address, so staff see it was cut ("" for published values)
    marker: str = Field(default="", pattern=r"^[*…]{0,3}$")


class BirthDateRule(_Model):
    """出生日期: the year kept; ``masked`` stars the rest in place (1990-**-**), ``year`` gives the year alone."""

    method: Literal["birth_date"]
    output: Literal["masked", "year"] = "masked"


class EmailRule(_Model):
    """Email: the first character of the mailbox, and the domain unless ``domain: false``."""

    method: Literal["email"]
    domain: bool = True


class IpRule(_Model):
    """IP address: the first ``keep`` groups (the network), the rest starred."""

    method: Literal["ip"]
    keep: int = Field(default=2, ge=0, le=3)


class OrganizationRule(_Model):
    """Organisation names: the leading place and the legal form kept, the trade name starred."""

    method: Literal["organization"]


MaskRule = Annotated[
    KeepRule
    | RedactRule
    | KeepEndsRule
    | ResidentIdRule
    | PersonNameRule
    | AddressRule
    | BirthDateRule
    | EmailRule
    | IpRule
    | OrganizationRule,
    Field(discriminator="method"),
]
EntityName = Annotated[str, StringConstraints(pattern=r"^[A-Z][A-Z0-9_]*$")]


class MaskPolicy(_Model):
    """One named masking policy: a rule per entity, and the rule for every entity it does not name."""

    description: str = ""
    #: values masked by a strict policy are shown to staff (evidence, conflict examples): nothing is kept raw
    strict: bool = False
    entities: dict[EntityName, MaskRule]
    #: an entity the policy does not name is masked like this (fail closed: never passed through)
    fallback: RedactRule = RedactRule(method="redact")
    #: free text: ``replace_spans`` masks what the recognizers found and keeps the rest as written;
    #: ``detected_only`` keeps only the masked findings (what they missed is never shown)
    free_text: Literal["replace_spans", "detected_only"] = "detected_only"

    @model_validator(mode="after")
    def _strict_keeps_nothing(self) -> MaskPolicy:
        kept = sorted(e for e, rule in self.entities.items() if rule.method == "keep")
        if self.strict and kept:
            raise ValueError(f"a strict policy masks every entity; method keep is not allowed for {kept}")
        if self.strict and self.free_text != "detected_only":
            raise ValueError(
                "a strict policy shows nothing of a free text but its masked findings: free_text: detected_only"
            )
        return self


#: The policies the code asks for by name.
EVIDENCE_POLICY = "evidence"
PUBLICATION_POLICY = "publication"


class MaskingConfig(_Model):
    """config/masking.yaml."""

    policies: dict[str, MaskPolicy]

    @model_validator(mode="after")
    def _required_policies(self) -> MaskingConfig:
        missing = [p for p in (EVIDENCE_POLICY, PUBLICATION_POLICY) if p not in self.policies]
        if missing:
            raise ValueError(f"policies {missing} are required")
        if not self.policies[EVIDENCE_POLICY].strict:
            raise ValueError(f"policy {EVIDENCE_POLICY} is shown to staff and must be strict: true")
        return self

    def policy(self, name: str) -> MaskPolicy:
        """The policy of this name, or a ConfigError naming the known ones."""
        if name not in self.policies:
            raise ConfigError(f"unknown masking policy {name!r} (config/masking.yaml has: {', '.join(self.policies)})")
        return self.policies[name]


def load_masking_config() -> MaskingConfig:
    """config/masking.yaml, validated (read fresh: staff edit it between runs)."""
    return validate(MaskingConfig, _read_yaml("masking.yaml"), "masking.yaml")


OpenAttribute = Literal["无条件开放", "有条件开放", "不予开放"]
#: DCAT-AP data themes (http://publications.europa.eu/resource/authority/data-theme/…)
DataTheme = Literal[
    "AGRI", "ECON", "EDUC", "ENER", "ENVI", "GOVE", "HEAL", "INTR", "JUST", "OP_DATPRO", "REGI", "SOCI", "TECH", "TRAN"
]  # fmt: skip
DatasetId = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{1,50}$")]
#: department.table of config/departments.yaml (the table as the department names it)
SourceRef = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{1,30}\..+$")]


class Publisher(_Model):
    """The publishing body: DCAT-AP publisher and contactPoint."""

    name: str
    email: EmailAddress
    homepage: str


class Licence(_Model):
    """The licence of every open dataset (an EU licence-vocabulary URI, so MQA counts it as from the vocabulary)."""

    id: str
    title: str
    url: str


class Spatial(_Model):
    """DCAT-AP spatial coverage."""

    label: str
    uri: str


class DerivedDatasets(_Model):
    """Open datasets derived from every current resource of the catalog."""

    enabled: bool = True
    exclude: list[SourceRef] = []


class CuratedDataset(_Model):
    """A staff-defined open dataset: a dbt model under marts/open_data, with its catalogue entry."""

    id: DatasetId
    model: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    title: str
    description: str
    theme: DataTheme
    keywords: list[str] = Field(min_length=1)
    update_cycle: UpdateCycle
    open_attribute: OpenAttribute
    #: the resources the model reads: their personal columns are what the leak guard checks against
    sources: list[SourceRef] = Field(min_length=1)


class OpenDecision(_Model):
    """A staff decision on one dataset's 开放属性: wins over the derived attribute, audited when it changes."""

    dataset: DatasetId
    open_attribute: OpenAttribute
    reason: str = Field(min_length=2)
    by: str = Field(min_length=1)


class AccessGrant(_Model):
    """有条件开放: one applicant's approved access to conditional datasets, until it expires."""

    applicant: str = Field(pattern=r"^[a-z][a-z0-9_]{1,40}$")
    name: str
    scenario: str
    datasets: list[DatasetId] = Field(min_length=1)
    expires: date

    @property
    def role(self) -> str:
        """The PostgreSQL role of this applicant."""
        return f"conditional_{self.applicant}"


class OpenDataConfig(_Model):
    """config/open_data.yaml."""

    require_approval: bool = True
    versions_kept: int = Field(default=3, ge=1, le=100)
    k_anonymity: int = Field(default=5, ge=1)
    #: hold back a dataset whose source failed a critical quality check in its latest check (quality/gate.py)
    quality_gate: bool = True
    policy: str = PUBLICATION_POLICY
    publisher: Publisher
    #: base of the download URLs the portal serves (<base>/<dataset>/<version>/data.csv); None: file:// URLs of
    #: the local published/ folder (the demo, where no portal serves the files)
    download_base_url: str | None = None
    licence: Licence
    spatial: Spatial
    department_themes: dict[str, DataTheme] = {}
    derived: DerivedDatasets = DerivedDatasets()
    datasets: list[CuratedDataset] = []
    decisions: list[OpenDecision] = []
    access: list[AccessGrant] = []

    @model_validator(mode="after")
    def _unique(self) -> OpenDataConfig:
        for what, keys in (
            ("datasets", [d.id for d in self.datasets]),
            ("decisions", [d.dataset for d in self.decisions]),
            ("access", [a.applicant for a in self.access]),
        ):
            twice = sorted({k for k in keys if keys.count(k) > 1})
            if twice:
                raise ValueError(f"{what}: {twice} listed more than once")
        return self

    def decision(self, dataset: str) -> OpenDecision | None:
        """Staff's decision on a dataset, if any."""
        return next((d for d in self.decisions if d.dataset == dataset), None)

    def theme(self, department: str) -> str:
        """The DCAT-AP theme of a department's derived datasets."""
        return self.department_themes.get(department, "GOVE")


def load_open_data_config() -> OpenDataConfig:
    """config/open_data.yaml, validated (read fresh: staff edit it between runs)."""
    data = _read_yaml("open_data.yaml")
    if not data:
        raise ConfigError("config/open_data.yaml is missing: publication needs its publisher, licence and policy")
    cfg = validate(OpenDataConfig, data, "open_data.yaml")
    load_masking_config().policy(cfg.policy)  # an unknown policy is an error now, not at the first masked column
    return cfg


# The embedded servers: where they live and how to reach them, from the settings above (the server
# classes in embedded_pg / embedded_mariadb know nothing of config).


def checkout_pg_dir() -> Path:
    """Where the embedded cluster would like to live: ``.local/pg`` of the checkout."""
    return local_dir() / "pg"


def default_root() -> Path:
    """The one answer to "where does the embedded cluster live".

    ``GOVDATA_PG_DIR`` if set; else ``GOVDATA_LOCAL_DIR/pg`` if that is set (an explicit choice, never
    moved); else the checkout's ``.local/pg``, or a folder under /var/lib/govdata when the server user
    cannot reach the checkout (root working in /root or a 0700 folder).
    """
    env = os.environ.get("GOVDATA_PG_DIR")
    if env:
        return Path(env).resolve()
    if os.environ.get("GOVDATA_LOCAL_DIR"):
        return checkout_pg_dir()
    return cluster_root(checkout_pg_dir(), project_root().name, server_user())


def location_note(root: Path) -> str:
    """Why the default cluster is not in the checkout's .local/pg (empty when it is, or when configured)."""
    if os.environ.get("GOVDATA_PG_DIR") or Path(root) == checkout_pg_dir().resolve():
        return ""
    return f"outside the checkout: user {server_user()!r} cannot reach {checkout_pg_dir().parent}"


def default_cluster() -> EmbeddedPostgres:
    """The cluster `make run`, `make up` and the CLI use (``default_root``, port and user from config)."""
    return EmbeddedPostgres(root=default_root(), port=pg_port(), superuser=load_platform().embedded_pg.user)


def default_server() -> EmbeddedMariaDB:
    """The server `make run` uses, under .local/mariadb."""
    return EmbeddedMariaDB(root=local_dir() / "mariadb", port=mariadb_port())


def default_mail_server() -> EmbeddedSmtp:
    """The SMTP server `make run` uses, storing what it receives in the Maildir ``.local/mail``."""
    return EmbeddedSmtp(maildir=mail_dir(), port=smtp_port())


def mail_relay_configured() -> bool:
    """Whether ``AIRFLOW_CONN_SMTP_DEFAULT`` names a relay rather than the embedded server (or is unset)."""
    value = os.environ.get(SMTP_CONN_ENV)
    return value is not None and value != default_mail_server().connection()


Severity = Literal["critical", "warning"]
IdentifierEntity = Literal["CN_RESIDENT_ID", "CN_USCC", "CN_MOBILE", "CN_DIVISION_CODE"]
QualityDimension = Literal["completeness", "validity", "uniqueness", "timeliness", "consistency"]


class QualitySeverity(_Model):
    """Severity of a failed expectation: by expectation type, else by its dimension, else ``default``."""

    default: Severity = "warning"
    dimensions: dict[QualityDimension, Severity] = Field(default_factory=dict)
    expectations: dict[str, Severity] = Field(default_factory=dict)

    def of(self, expectation_type: str, dimension: str) -> Severity:
        """The configured severity of one expectation."""
        if expectation_type in self.expectations:
            return self.expectations[expectation_type]
        return self.dimensions.get(dimension, self.default)  # type: ignore[call-overload]


class ValueRange(_Model):
    """Bounds of a column's values (inclusive); a date as ``YYYY-MM-DD``, ``today`` for the day of the check."""

    min: date | float | Literal["today"] | None = None
    max: date | float | Literal["today"] | None = None

    @model_validator(mode="after")
    def _one_bound(self) -> ValueRange:
        if self.min is None and self.max is None:
            raise ValueError("a range needs min, max or both")
        return self


class QualityRules(_Model):
    """What the bureau declares about one resource beyond the catalog: 必填项, 唯一键, identifiers, ranges, codes."""

    mandatory: list[str] = Field(default_factory=list)
    keys: list[list[str]] = Field(default_factory=list)
    identifiers: dict[str, IdentifierEntity] = Field(default_factory=dict)
    #: column → allowed range (dates in range: 出生日期 between 1900-01-01 and today)
    ranges: dict[str, ValueRange] = Field(default_factory=dict)
    #: column → the code list its values come from (代码表: 性别 男/女 …)
    code_lists: dict[str, list[str]] = Field(default_factory=dict)

    @field_validator("keys")
    @classmethod
    def _keys_not_empty(cls, value: list[list[str]]) -> list[list[str]]:
        if any(not key for key in value):
            raise ValueError("a key names at least one column")
        return value


class QualityConfig(_Model):
    """config/quality.yaml: severities, examples kept, entities checked for validity, per-resource rules."""

    severity: QualitySeverity = Field(default_factory=QualitySeverity)
    #: masked examples kept per failed expectation (policy `evidence` of config/masking.yaml)
    examples: int = Field(default=5, ge=0, le=20)
    #: failing rows listed per check in a department's feedback workbook (GX returns at most 200)
    feedback_rows: int = Field(default=200, ge=0, le=200)
    #: classified entities whose columns get an identifier-validity expectation
    validity_entities: list[IdentifierEntity] = Field(
        default_factory=lambda: list[IdentifierEntity](["CN_RESIDENT_ID", "CN_USCC", "CN_MOBILE"])
    )
    #: department code → source name (as in catalog.resource) → rules
    resources: dict[str, dict[str, QualityRules]] = Field(default_factory=dict)

    def rules(self, department: str, source_name: str) -> QualityRules:
        """The declared rules of one resource (none declared: empty rules)."""
        return self.resources.get(department, {}).get(source_name) or QualityRules()


def load_quality_config() -> QualityConfig:
    """config/quality.yaml, validated (read fresh: staff edit it between runs)."""
    return validate(QualityConfig, _read_yaml("quality.yaml"), "quality.yaml")


ScoringMethod = Literal["ratio", "penalty", "any_finding"]


class PdmmIndicator(_Model):
    """One PDMM indicator (指标): code, name, weight within its dimension, how its evidence is scored."""

    code: str = Field(pattern=r"^[A-Z][0-9]+$")
    name: str
    weight: float = Field(gt=0)
    method: ScoringMethod = "ratio"
    #: penalty: points taken per failed record per 10,000 checked (一数一源)
    penalty: float | None = Field(default=None, ge=0)
    #: any_finding: a finding sets the whole dimension to 0 (泄露)
    zeroes_dimension: bool = False
    definition: str

    @model_validator(mode="after")
    def _penalty_given(self) -> PdmmIndicator:
        if (self.method == "penalty") != (self.penalty is not None):
            raise ValueError("`penalty` goes with method penalty, and method penalty needs it")
        return self


class PdmmDimension(_Model):
    """One of the six dimensions (维度) with its weight and indicators."""

    code: str
    name: str
    weight: float = Field(gt=0)
    indicators: list[PdmmIndicator] = Field(min_length=1)


class PdmmLevel(_Model):
    """A maturity level (等级) and the lowest total score it starts at."""

    level: int = Field(ge=1)
    name: str
    min_score: float = Field(ge=0, le=100)


class PdmmCaps(_Model):
    """Level caps: weakest dimension's level + N; any leak-guard finding caps the level."""

    above_weakest_dimension: int = Field(default=1, ge=0)
    leak_max_level: int = Field(default=2, ge=1)


class DataDemand(_Model):
    """A registered data demand (数据需求) addressed to a department, answered or not (O3)."""

    department: str
    title: str
    answered: bool = False


SeverityWeightKey = Literal["critical", "warning", "info"]


def _default_severity_weights() -> dict[SeverityWeightKey, float]:
    return {"critical": 3.0, "warning": 1.0, "info": 0.0}


class PdmmConfig(_Model):
    """config/pdmm.yaml: dimensions, indicators and weights, level bands, caps, scoring parameters."""

    dimensions: list[PdmmDimension] = Field(min_length=1)
    levels: list[PdmmLevel] = Field(min_length=1)
    caps: PdmmCaps = Field(default_factory=PdmmCaps)
    severity_weights: dict[SeverityWeightKey, float] = Field(default_factory=_default_severity_weights)
    catalog_mandatory_fields: int = Field(default=12, gt=0)
    demands: list[DataDemand] = Field(default_factory=list)

    @model_validator(mode="after")
    def _consistent(self) -> PdmmConfig:
        codes = [i.code for d in self.dimensions for i in d.indicators]
        if len(set(codes)) != len(codes):
            raise ValueError(f"indicator codes must be unique: {sorted(c for c in set(codes) if codes.count(c) > 1)}")
        levels = sorted(self.levels, key=lambda lv: lv.level)
        if [lv.level for lv in levels] != list(range(1, len(levels) + 1)) or levels[0].min_score != 0:
            raise ValueError("levels must be numbered 1, 2, … from min_score 0")
        if any(a.min_score >= b.min_score for a, b in itertools.pairwise(levels)):
            raise ValueError("a higher level needs a higher min_score")
        return self

    def level_name(self, level: int) -> str:
        """等级名称 of a level number."""
        return next(lv.name for lv in self.levels if lv.level == level)

    def indicator(self, code: str) -> tuple[PdmmDimension, PdmmIndicator]:
        """An indicator and its dimension, by code."""
        return next((d, i) for d in self.dimensions for i in d.indicators if i.code == code)


def load_pdmm_config() -> PdmmConfig:
    """config/pdmm.yaml, validated (read fresh: staff edit weights between runs)."""
    return validate(PdmmConfig, _read_yaml("pdmm.yaml"), "pdmm.yaml")
