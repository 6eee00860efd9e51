"""Config files and command lines a user gets wrong: one line naming the file, department and field; exit 1."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass

import pytest
import yaml

from govdata import config
from govdata.cli import main

SECRET = "S3cr3t-PW-9f8e7d"


@dataclass(frozen=True)
class ConfigCase:
    """A change to one config file and the fragments the one-line error must hold."""

    name: str
    file: str
    change: Callable[[dict], object]
    says: tuple[str, ...]


def _dept(data: dict, code: str = "gaj") -> dict:
    return next(d for d in data["departments"] if d["code"] == code)


def _set(path: str, value: object, code: str = "gaj") -> Callable[[dict], dict]:
    def change(data: dict) -> dict:
        node = _dept(data, code)
        *parents, leaf = path.split(".")
        for key in parents:
            node = node[int(key)] if key.isdigit() else node[key]
        node[leaf] = value
        return data

    return change


def _drop(key: str, code: str = "gaj") -> Callable[[dict], dict]:
    def change(data: dict) -> dict:
        _dept(data, code).pop(key)
        return data

    return change


def _duplicate(data: dict) -> dict:
    data["departments"].append(dict(_dept(data)))
    return data


def _no_source(data: dict) -> dict:
    dept = _dept(data, "gaj")
    dept.pop("database")
    dept.pop("drop_folder", None)
    return data


CONFIG_CASES = [
    ConfigCase("missing org_code", "departments.yaml", _drop("org_code"), ("departments[gaj].org_code", "required")),
    ConfigCase("bad code", "departments.yaml", _set("code", "GA J"), ("departments[GA J].code", "pattern")),
    ConfigCase("duplicate codes", "departments.yaml", _duplicate, ("duplicate department codes", "gaj")),
    ConfigCase("typo key", "departments.yaml", _set("tabels", []), ("departments[gaj].tabels", "Extra inputs")),
    ConfigCase(
        "bad update cycle",
        "departments.yaml",
        _set("tables.0.update_cycle", "每两天"),
        ("departments[gaj].tables[hj_rkxx].update_cycle", "每日"),
    ),  # fmt: skip
    ConfigCase("no source", "departments.yaml", _no_source, ("gaj", "neither database nor drop_folder")),
    ConfigCase(
        "secret beside an error",
        "departments.yaml",
        _set("database", {"url": f"postgresql://reader:{SECRET}@10.0.0.9/db", "schemas": "public"}),
        ("departments[gaj].database.schemas", "valid list"),
    ),  # fmt: skip
    ConfigCase("contact not a mapping", "departments.yaml", _set("contact", "李建国"), ("departments[gaj].contact",)),
    ConfigCase(
        "contact email not an address",
        "departments.yaml",
        _set("contact", {"name": "李建国", "email": "李建国"}),
        ("departments[gaj].contact.email", "not an e-mail address"),
    ),
    ConfigCase(
        "operator not an address",
        "govdata.yaml",
        lambda d: d | {"mail": {"operators": ["值班室"]}},
        ("mail.operators[1]", "not an e-mail address"),
    ),
    ConfigCase("not a mapping", "departments.yaml", lambda data: ["gaj"], ("config/departments.yaml", "mapping")),
    ConfigCase("retries not a number", "govdata.yaml", lambda d: d | {"crawl": {"retries": "x"}}, ("crawl.retries",)),
    ConfigCase("unknown platform key", "govdata.yaml", lambda d: d | {"warehous_db": "x"}, ("warehous_db", "Extra")),
    ConfigCase("file size limit zero", "govdata.yaml", lambda d: d | {"crawl": {"max_file_mb": 0}}, ("max_file_mb",)),
]


@pytest.fixture
def config_copy(tmp_path, monkeypatch):
    """A private copy of config/ that a case may break."""
    target = tmp_path / "config"
    shutil.copytree(config.config_dir(), target)
    monkeypatch.setenv("GOVDATA_CONFIG_DIR", str(target))
    config.load_platform.cache_clear()
    yield target
    config.load_platform.cache_clear()


def _one_line_error(capsys, argv: list[str]) -> str:
    code = main(argv)
    captured = capsys.readouterr()
    assert code == 1, captured
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, captured.err
    assert "Traceback" not in captured.err
    assert SECRET not in captured.err + captured.out
    return lines[0]


@pytest.mark.parametrize("case", CONFIG_CASES, ids=[c.name for c in CONFIG_CASES])
def test_config_error_is_one_line_naming_department_and_field(case, config_copy, capsys):
    path = config_copy / case.file
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    path.write_text(yaml.safe_dump(case.change(data), allow_unicode=True), encoding="utf-8")
    line = _one_line_error(capsys, ["crawl", "--department", "gaj"])
    assert f"config/{case.file}" in line
    for fragment in case.says:
        assert fragment in line, line


def test_yaml_syntax_error_names_the_line(config_copy, capsys):
    broken = "departments:\n  - code: gaj\n    name: [unclosed\n"
    (config_copy / "departments.yaml").write_text(broken, encoding="utf-8")
    line = _one_line_error(capsys, ["crawl"])
    assert "config/departments.yaml line" in line and "not valid YAML" in line


def test_unknown_department_lists_the_known_codes(capsys):
    line = _one_line_error(capsys, ["crawl", "--department", "nope"])
    assert "unknown department 'nope'" in line and "gaj" in line


def test_unset_variable_is_named_without_the_url_secret(monkeypatch):
    from govdata.config import DatabaseSource
    from govdata.errors import ConfigError

    monkeypatch.delenv("NO_SUCH_PW", raising=False)
    source = DatabaseSource(url="postgresql://reader:${NO_SUCH_PW}@10.0.0.9/db")
    with pytest.raises(ConfigError, match="environment variable NO_SUCH_PW is not set"):
        source.expanded_url()


@pytest.mark.parametrize("password", ["p@ss", "a/b:c@d", "S3cr3t@PW", "100%", "空格#?", "with space"])
def test_substituted_passwords_are_encoded_and_redacted(password, monkeypatch):
    from sqlalchemy.engine import make_url

    from govdata.config import DatabaseSource
    from govdata.errors import redact

    monkeypatch.setenv("DEPT_PW", password)
    url = DatabaseSource(url="mysql+pymysql://reader:${DEPT_PW}@10.1.2.3:3306/his").expanded_url()
    parsed = make_url(url)
    assert (parsed.password, parsed.host, parsed.database) == (password, "10.1.2.3", "his")
    assert password not in redact(f"cannot reach {url}: timeout")
    if " " in password:
        return  # no URL holds a raw space: such a password only ever appears encoded
    # a URL written with the password in clear, @ and all, is still hidden whole
    clear = f"postgresql://reader:{password}@10.1.2.3/his"
    assert redact(f"error: {clear} refused") == "error: postgresql://reader:***@10.1.2.3/his refused"


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["classify", "/nonexistent/名单.csv"], "no such file"),
        (["catalog", "export", "--format", "csv", "--output", "{file}"], "is a file"),
    ],
)
def test_cli_arguments(argv, says, tmp_path, capsys):
    existing = tmp_path / "exists.txt"
    existing.write_text("x")
    line = _one_line_error(capsys, [a.replace("{file}", str(existing)) for a in argv])
    assert says in line


def test_unexpected_errors_are_one_line_with_the_traceback_in_the_debug_log(monkeypatch, capsys, tmp_path):
    from govdata.crawl import cli as crawl_cli

    def boom(args):
        raise RuntimeError(f"connection to postgresql://reader:{SECRET}@10.0.0.9/db lost\nsecond line")

    monkeypatch.setattr(crawl_cli, "cmd_crawl", boom)
    monkeypatch.setenv("GOVDATA_LOCAL_DIR", str(tmp_path))
    line = _one_line_error(capsys, ["crawl"])
    assert "RuntimeError: connection to postgresql://reader:***@10.0.0.9/db lost" in line
    log = (tmp_path / "logs" / "govdata-debug.log").read_text(encoding="utf-8")
    assert "Traceback" in log and SECRET not in log


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("mssql+pyodbc://reader:pw@10.0.0.9/his", r"'mssql\+pyodbc' needs a driver"),
        ("dm://reader:pw@10.0.0.9:5236/his", "'dm' needs a driver or SQLAlchemy dialect"),
    ],
)
def test_a_url_whose_driver_is_missing_names_it(url, says):
    from govdata.errors import ConfigError
    from govdata.warehouse import engine

    with pytest.raises(ConfigError, match=says) as info:
        engine(url)
    assert "pw@" not in str(info.value)
