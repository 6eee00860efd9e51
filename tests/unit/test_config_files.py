"""config/*.yaml read through one cache keyed by the file's content: an edit is seen at once, a copy is private."""

from __future__ import annotations

import pytest

from govdata import config
from govdata.errors import ConfigError


def test_an_edit_is_read_again_however_soon_and_callers_get_their_own_copy(tmp_path, monkeypatch):
    monkeypatch.setenv("GOVDATA_CONFIG_DIR", str(tmp_path))
    path = tmp_path / "sample.yaml"
    path.write_text("k: 5\nitems: [a]\n", encoding="utf-8")
    first = config._read_yaml("sample.yaml")
    assert first == {"k": 5, "items": ["a"]}
    first["items"].append("changed by a caller")
    assert config._read_yaml("sample.yaml") == {"k": 5, "items": ["a"]}
    path.write_text("k: 6\nitems: [a]\n", encoding="utf-8")  # same size, same instant
    assert config._read_yaml("sample.yaml")["k"] == 6
    path.unlink()
    assert config._read_yaml("sample.yaml") == {}


def test_a_broken_file_names_its_line(tmp_path, monkeypatch):
    monkeypatch.setenv("GOVDATA_CONFIG_DIR", str(tmp_path))
    (tmp_path / "broken.yaml").write_text("a: 1\nb: [unclosed\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"config/broken.yaml line \d+: not valid YAML"):
        config._read_yaml("broken.yaml")
    (tmp_path / "list.yaml").write_text("- a\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="expected a mapping"):
        config._read_yaml("list.yaml")
