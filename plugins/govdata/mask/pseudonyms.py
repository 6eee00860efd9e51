"""Keyed pseudonyms (HMAC): the same person or company links across tables and runs, but cannot be looked up."""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from functools import lru_cache
from pathlib import Path

from govdata import config, secret_files
from govdata.errors import GovdataError


def key_path() -> Path:
    """Where the generated key is kept when ``GOVDATA_PSEUDONYM_KEY`` is not set."""
    return config.local_dir() / "secrets" / "pseudonym.key"


@lru_cache(maxsize=1)
def _pseudonym_key() -> bytes:
    """The HMAC key: ``GOVDATA_PSEUDONYM_KEY``, else 64 hex characters generated once into ``key_path()``."""
    env = os.environ.get("GOVDATA_PSEUDONYM_KEY")
    if env:
        return env.encode()
    return secret_files.read_or_create(key_path(), lambda: secrets.token_hex(32)).encode()


def key_fingerprint() -> str:
    """A short fingerprint of the key in use (for the audit: which key made which version), never the key."""
    return hashlib.sha256(b"govdata-pseudonym-key:" + _pseudonym_key()).hexdigest()[:12]


def rotate_key() -> tuple[str, str]:
    """A new generated key replaces the old one in ``key_path()``; returns (old, new) fingerprints.

    Only for the generated key: a key given by ``GOVDATA_PSEUDONYM_KEY`` is rotated where it is set (the
    Airflow deployment's environment or secrets backend), and this raises KeyRotationError.
    """
    if os.environ.get("GOVDATA_PSEUDONYM_KEY"):
        raise KeyRotationError(
            "the pseudonym key comes from GOVDATA_PSEUDONYM_KEY: set a new value there (and restart the workers)"
        )
    old = key_fingerprint()
    secret_files.write_private(key_path(), secrets.token_hex(32))
    _pseudonym_key.cache_clear()
    return old, key_fingerprint()


class KeyRotationError(GovdataError):
    """The key cannot be rotated by govdata (it is set outside)."""


def pseudonym(value: str) -> str:
    """A keyed hash of a value (32 hex characters).

    Unkeyed hashes of ID numbers are reversible by enumeration (a few billion candidates), so an HMAC
    with a secret key is used (GB/T 37964 pseudonymisation).
    """
    return hmac.new(_pseudonym_key(), value.encode("utf-8"), hashlib.sha256).hexdigest()[:32]


def pseudonym_key() -> str:
    """The key as text, for pseudonyms computed inside PostgreSQL (pgcrypto ``hmac``): same key, same pseudonyms.

    Passed to the server as a query parameter, never stored there.
    """
    return _pseudonym_key().decode()
