"""Errors a user or a department can cause: printed as one line naming what is wrong, never a traceback."""

from __future__ import annotations

import re


class GovdataError(Exception):
    """Base of the errors the CLI prints as one line (exit code 1 unless given)."""

    exit_code = 1


class ConfigError(GovdataError, ValueError):
    """A file in config/ (or a variable it uses) is wrong; the message names the file, department and field."""


class CommandError(GovdataError):
    """A command cannot do what was asked; the message says what to do instead."""

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code


#: ``scheme://user:password@`` up to the last ``@`` of the authority, so that a password holding an
#: unencoded ``@`` is still hidden whole (parsing such a URL first would cut it in two).
_URL_PASSWORD = re.compile(
    r"(?P<head>[A-Za-z][A-Za-z0-9+.-]*://[^:/@\s]*):(?P<secret>[^\s]*)@(?=[^@/\s]*(?:[/?#\s]|$))"
)


def redact(text: str) -> str:
    """Text fit for logs and messages: the password of every URL in it replaced by ***."""
    return _URL_PASSWORD.sub(lambda m: f"{m.group('head')}:***@", text)
