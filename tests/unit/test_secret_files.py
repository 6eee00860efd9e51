"""Secrets written once, owner-only from the first byte."""

from __future__ import annotations

import stat

from govdata.secret_files import read_or_create, write_private


def test_secret_is_generated_once_and_private(tmp_path):
    path = tmp_path / "secrets" / "key"
    first = read_or_create(path)
    assert len(first) >= 32
    assert read_or_create(path, lambda: "other") == first  # kept, never regenerated
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


def test_rewriting_keeps_the_file_private(tmp_path):
    path = tmp_path / "passwords.json"
    path.write_text("{}")
    path.chmod(0o644)
    write_private(path, '{"admin": "x"}')
    assert path.read_text() == '{"admin": "x"}'
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["passwords.json"]  # no temporary file left
