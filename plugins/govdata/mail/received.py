"""What the embedded SMTP server received: the Maildir under .local/mail, read for `govdata run`'s summary."""

from __future__ import annotations

import mailbox
from dataclasses import dataclass
from email.header import decode_header, make_header
from email.message import Message
from pathlib import Path

from govdata import config
from govdata.embedded_smtp import SMTP_CONN_ENV

#: Mails listed one by one in the summary; the rest are counted.
LISTED = 20


@dataclass(frozen=True)
class Received:
    """One mail in the Maildir: the envelope's recipients, the subject, the attached files' names."""

    to: tuple[str, ...]
    subject: str
    received_at: float
    attachments: tuple[str, ...]


def decoded(value: str | None) -> str:
    """A header as text (RFC 2047 encoded words decoded: 主题 rather than =?utf-8?b?…?=)."""
    return str(make_header(decode_header(value))) if value else ""


def recipients(message: Message) -> tuple[str, ...]:
    """Who the mail was delivered to: aiosmtpd's envelope header X-RcptTo, else To."""
    header = message.get("X-RcptTo") or decoded(message.get("To"))
    return tuple(a.strip() for a in header.split(",") if a.strip())


def received_since(maildir: Path, since: float = 0) -> list[Received]:
    """The mails delivered into ``maildir`` at or after ``since`` (a time.time()), oldest first."""
    if not (maildir / "new").is_dir():
        return []
    box = mailbox.Maildir(maildir, create=False)
    found = []
    for message in box:
        when = message.get_date()
        if when < since:
            continue
        names = tuple(decoded(p.get_filename()) for p in message.walk() if p.get_filename())
        found.append(Received(recipients(message), decoded(message.get("Subject")), when, names))
    return sorted(found, key=lambda r: r.received_at)


def summary_lines(since: float) -> list[str]:
    """What `govdata run` mailed: from the embedded server's Maildir, or where to look with a real relay."""
    if config.mail_relay_configured():
        return [f"through the relay of {SMTP_CONN_ENV}: each task log says what it mailed ([govdata mail] lines)"]
    maildir = config.mail_dir()
    mails = received_since(maildir, since)
    people = sorted({a for m in mails for a in m.to})
    lines = [f"{len(mails)} mail(s) to {len(people)} recipient(s) this run, kept in the Maildir {maildir}"]
    for m in mails[:LISTED]:
        attached = f" [{', '.join(m.attachments)}]" if m.attachments else ""
        lines.append(f"  → {', '.join(m.to)}: {m.subject}{attached}")
    if len(mails) > LISTED:
        lines.append(f"  … and {len(mails) - LISTED} more")
    return lines
