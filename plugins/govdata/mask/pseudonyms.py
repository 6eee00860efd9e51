"""Keyed pseudonyms (HMAC): the same person or company links across tables and runs, but cannot be looked up."""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from functools import lru_cache
from pathlib import Path

from govdata import config, secret_files


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
