"""Keyed pseudonyms: deterministic, keyed, and the key kept where and as it always was."""

from __future__ import annotations

import hashlib
import hmac
import re
import stat

import pytest

from govdata.mask import pseudonyms
from govdata.mask.pseudonyms import pseudonym


@pytest.fixture
def fresh_key(monkeypatch, tmp_path):
    """No key in the environment, .local in a temporary folder, the cached key forgotten."""
    monkeypatch.delenv("GOVDATA_PSEUDONYM_KEY", raising=False)
    monkeypatch.setenv("GOVDATA_LOCAL_DIR", str(tmp_path))
    pseudonyms._pseudonym_key.cache_clear()
    yield tmp_path
    pseudonyms._pseudonym_key.cache_clear()


def test_key_from_the_environment_gives_the_known_hmac(fresh_key, monkeypatch):
    monkeypatch.setenv("GOVDATA_PSEUDONYM_KEY", "test-key")
    # HMAC-SHA256, first 32 hex characters: the output of the former govdata.privacy.pseudonym
    assert pseudonym("110101199003071234") == "5f57499877eeb3902e7d51d178132cad"
    assert not (fresh_key / "secrets").exists(), "an environment key writes no file"


def test_same_input_same_pseudonym_other_input_other_pseudonym(fresh_key):
    first = pseudonym("110101199003071234")
    assert re.fullmatch(r"[0-9a-f]{32}", first)
    assert pseudonym("110101199003071234") == first
    assert pseudonym("110101199003071235") != first


def test_generated_key_is_kept_private_and_reused(fresh_key):
    value = pseudonym("91440300708461136T")
    path = fresh_key / "secrets" / "pseudonym.key"
    assert pseudonyms.key_path() == path
    assert re.fullmatch(r"[0-9a-f]{64}", path.read_text(encoding="utf-8")), "64 hex characters, no newline"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    pseudonyms._pseudonym_key.cache_clear()
    assert pseudonym("91440300708461136T") == value, "the same key file gives the same pseudonyms"


def test_another_key_gives_other_pseudonyms(fresh_key, monkeypatch):
    monkeypatch.setenv("GOVDATA_PSEUDONYM_KEY", "key-one")
    one = pseudonym("110101199003071234")
    pseudonyms._pseudonym_key.cache_clear()
    monkeypatch.setenv("GOVDATA_PSEUDONYM_KEY", "key-two")
    assert pseudonym("110101199003071234") != one


def test_an_existing_key_file_is_read_as_written(fresh_key):
    path = fresh_key / "secrets" / "pseudonym.key"
    path.parent.mkdir()
    path.write_text("ab" * 32 + "\n")  # a key file written by hand, with a newline
    expected = hmac.new(("ab" * 32).encode(), b"x", hashlib.sha256).hexdigest()[:32]
    assert pseudonym("x") == expected
