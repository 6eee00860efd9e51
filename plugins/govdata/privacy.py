"""Pseudonyms and display masks for personal data that must be referred to outside raw schemas."""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from functools import lru_cache

from govdata import config


@lru_cache(maxsize=1)
def _pseudonym_key() -> bytes:
    """The HMAC key: ``GOVDATA_PSEUDONYM_KEY``, else one generated once under .local/secrets."""
    env = os.environ.get("GOVDATA_PSEUDONYM_KEY")
    if env:
        return env.encode()
    path = config.local_dir() / "secrets" / "pseudonym.key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip().encode()


def pseudonym(value: str) -> str:
    """A keyed hash of a value: the same person or company links across tables, but cannot be looked up.

    Unkeyed hashes of ID numbers are reversible by enumeration (a few billion candidates), so an HMAC
    with a secret key is used (GB/T 37964 pseudonymisation).
    """
    return hmac.new(_pseudonym_key(), value.encode("utf-8"), hashlib.sha256).hexdigest()[:32]


def mask_identifier(value: str | None) -> str | None:
    """Keep the first 6 and last 4 characters of an identifier: 440305********123X."""
    if value is None:
        return None
    if len(value) <= 10:
        return value[:2] + "*" * max(len(value) - 2, 0)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_text(value: str | None) -> str | None:
    """Keep the first character of a name or the first third of an address: 张**, 广东省深圳市******."""
    if value is None:
        return None
    if len(value) <= 4:
        return value[:1] + "*" * (len(value) - 1)
    keep = max(1, len(value) // 3)
    return value[:keep] + "*" * (len(value) - keep)


_FULL_WIDTH = "".join(chr(0xFF10 + i) for i in range(10)) + "".join(chr(0xFF21 + i) for i in range(26))
_FULL_WIDTH += "".join(chr(0xFF41 + i) for i in range(26))
_ASCII = "0123456789" + "".join(chr(65 + i) for i in range(26)) + "".join(chr(97 + i) for i in range(26))
_SEPARATORS = "-\u2010\u2013\u3000"


def normalize_key(value: str) -> str:
    """The canonical form of an ID number or USCC: ASCII, no spaces or dashes, upper case."""
    ascii_value = value.translate(str.maketrans(_FULL_WIDTH, _ASCII))
    return "".join(ch for ch in ascii_value if not ch.isspace() and ch not in _SEPARATORS).upper()


#: The same normalisation in SQL, so keys are matched inside PostgreSQL; {expr} is the column.
NORMALIZE_KEY_SQL = (
    f"upper(regexp_replace(translate({{expr}}::text, '{_FULL_WIDTH}', '{_ASCII}'), "
    f"'[{_SEPARATORS}[:space:]]', '', 'g'))"
)
