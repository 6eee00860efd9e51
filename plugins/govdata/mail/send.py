"""Deliver one mail through Airflow's SMTP provider (connection smtp_default), retried with backoff, never raising.

Callers (the maturity reports, the failure alerts) get a :class:`Delivery` back that says what became of
the mail; a relay that is down or refuses must not fail the scoring or the task that sends.
"""

from __future__ import annotations

import logging
import smtplib
import time
from collections.abc import Sequence
from dataclasses import dataclass
from email.utils import formataddr
from pathlib import Path

from govdata import config
from govdata.embedded_smtp import SMTP_CONN_ID
from govdata.errors import ConfigError

log = logging.getLogger("govdata.mail")


@dataclass(frozen=True)
class Delivery:
    """What became of one mail: sent or not, after how many attempts, and why not."""

    to: tuple[str, ...]
    subject: str
    sent: bool
    attempts: int
    error: str | None = None

    def line(self) -> str:
        """One line for a log or a summary."""
        to = ", ".join(self.to) or "nobody"
        if self.sent:
            after = f" (after {self.attempts} attempts)" if self.attempts > 1 else ""
            return f"mailed to {to}: {self.subject}{after}"
        tries = f" after {self.attempts} attempt(s)" if self.attempts else ""
        return f"NOT mailed to {to}: {self.subject} — {self.error}{tries}"


def send_report(
    department: str,
    *,
    subject: str,
    html_body: str,
    attachments: Sequence[str | Path] = (),
    recipient: str | None = None,
) -> Delivery:
    """Mail a department its report: to its contact in config/departments.yaml unless ``recipient`` is given.

    ``department`` is the code (``gaj``); ``attachments`` are files (the PDF, the HTML) attached under their
    own names. Never raises: an unknown department or an undeliverable mail is a Delivery with ``sent`` False.
    """
    try:
        to = recipient or config.load_departments().get(department).contact.email
    except ConfigError as exc:
        log.error("[govdata mail] report of %s not mailed: %s", department, exc)
        return Delivery(to=(), subject=subject, sent=False, attempts=0, error=str(exc))
    return send_mail([to], subject, html_body, attachments)


def send_mail(to: Sequence[str], subject: str, html_body: str, attachments: Sequence[str | Path] = ()) -> Delivery:
    """Send one HTML mail with attachments; transient failures are retried (config/govdata.yaml ``mail``).

    A refused connection, a dropped session or a 4xx answer is tried again after retry_delay_seconds,
    doubling each time, at most ``retries`` times; a 5xx answer, a missing connection or attachment is
    not. Every failed attempt is logged; nothing is raised.
    """
    recipients = tuple(to)
    try:
        settings = config.load_platform().mail
        missing = [str(p) for p in attachments if not Path(p).is_file()]
        if not recipients or missing:
            error = f"attachment(s) not found: {', '.join(missing)}" if missing else "no recipient"
            log.error("[govdata mail] %s not mailed: %s", subject, error)
            return Delivery(to=recipients, subject=subject, sent=False, attempts=0, error=error)
        sender = formataddr((settings.sender_name, settings.sender))
        files = [str(p) for p in attachments]
        attempt, error = 0, ""
        while attempt <= settings.retries:
            attempt += 1
            try:
                _deliver(recipients, sender, subject, html_body, files)
            except Exception as exc:
                error = describe(exc)
                if attempt > settings.retries or not transient(exc):
                    break
                delay = settings.retry_delay_seconds * 2 ** (attempt - 1)
                log.warning("[govdata mail] attempt %d to mail %s failed: %s; trying again in %.1f s",
                            attempt, ", ".join(recipients), error, delay)  # fmt: skip
                time.sleep(delay)
            else:
                log.info("[govdata mail] mailed to %s: %s (attempt %d)", ", ".join(recipients), subject, attempt)
                return Delivery(to=recipients, subject=subject, sent=True, attempts=attempt)
        log.error("[govdata mail] NOT mailed to %s: %s — %s (%d attempt(s), given up)",
                  ", ".join(recipients), subject, error, attempt)  # fmt: skip
        return Delivery(to=recipients, subject=subject, sent=False, attempts=attempt, error=error)
    except Exception as exc:  # a config error or a bug must not fail the caller either
        log.exception("[govdata mail] %s not mailed", subject)
        return Delivery(to=recipients, subject=subject, sent=False, attempts=0, error=describe(exc))


def _deliver(to: tuple[str, ...], sender: str, subject: str, html_body: str, files: list[str]) -> None:
    """One attempt: connect with the smtp_default connection, send, close (the provider's hook).

    The From is the connection's ``from_email`` extra when it has one (the relay's account), else ``sender``.
    """
    from airflow.providers.smtp.hooks.smtp import SmtpHook

    with SmtpHook(smtp_conn_id=SMTP_CONN_ID) as hook:
        sender = hook.from_email or sender
        hook.send_email_smtp(to=list(to), from_email=sender, subject=subject, html_content=html_body, files=files)


def transient(exc: BaseException) -> bool:
    """Whether trying again later may succeed: the relay unreachable or busy (4xx), not refusing (5xx)."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(400 <= code < 500 for code, _ in exc.recipients.values())
    if isinstance(exc, smtplib.SMTPResponseException):
        return 400 <= exc.smtp_code < 500
    if isinstance(exc, OSError):  # refused, reset, timed out, disconnected (SMTPException is an OSError)
        return True
    # the hook gives up on a server that drops the connection at once with this message
    return "Unable to connect" in str(exc)


def describe(exc: BaseException) -> str:
    """The error in one line: its type and the server's answer or the first line of its message."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        answers = "; ".join(f"{rcpt}: {code} {_text(msg)}" for rcpt, (code, msg) in exc.recipients.items())
        return f"recipients refused ({answers})"
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"{type(exc).__name__}: {exc.smtp_code} {_text(exc.smtp_error)}"
    first = next((line for line in str(exc).splitlines() if line.strip()), "")
    return f"{type(exc).__name__}: {first}" if first else type(exc).__name__


def _text(message: bytes | str) -> str:
    text = message.decode("utf-8", errors="replace") if isinstance(message, bytes) else str(message)
    return " ".join(text.split())
