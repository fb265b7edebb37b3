"""Captured mail for admins (/admin/mail): what the app sent, as the local SMTP capture
server received it. Callers authorize (admins only); nothing here touches the database.

- configured() -> bool: MAIL_CAPTURE_URL set, or outside production (the local server)
- page(n) -> MailPage: newest first, PER_PAGE a page; `error` says why nothing could be read
- detail(msg_id) -> MailDetail | None: subject, people, date, text, HTML, attachment names
Message ids are checked against the capture server's id shape before any request.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from tutorconnect.config import get_settings
from tutorconnect.integrations import mail_inbox
from tutorconnect.services.errors import InvalidInput

PER_PAGE = 20
_ID = re.compile(r"^[0-9]{19,20}-[0-9a-f]{8}$")


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str
    size: int


@dataclass(frozen=True)
class MailSummary:
    id: str
    to: str
    sender: str
    subject: str
    date: datetime | None
    attachments: tuple[Attachment, ...]


@dataclass(frozen=True)
class MailPage:
    rows: list[MailSummary] = field(default_factory=list)
    total: int = 0
    page: int = 1
    pages: int = 1
    error: str = ""  # "not_configured" | "unreachable" | ""


@dataclass(frozen=True)
class MailDetail:
    summary: MailSummary
    text: str
    html: str


def configured() -> bool:
    return bool(get_settings().mail_capture_inbox_url)


def _date(value: object) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value))
    except ValueError:
        return None


def _attachments(items: object) -> tuple[Attachment, ...]:
    if not isinstance(items, list):
        return ()
    return tuple(Attachment(str(a.get("filename", ""))[:200], str(a.get("content_type", ""))[:100],
                            int(a.get("size") or 0)) for a in items if isinstance(a, dict))


def _summary(m: dict) -> MailSummary:
    return MailSummary(str(m.get("id", "")), str(m.get("to", ""))[:500], str(m.get("from", ""))[:500],
                       str(m.get("subject", ""))[:500], _date(m.get("date")), _attachments(m.get("attachments")))


def page(number: int) -> MailPage:
    base = get_settings().mail_capture_inbox_url
    if not base:
        return MailPage(error="not_configured")
    try:
        total, found = mail_inbox.summaries(base, offset=(number - 1) * PER_PAGE, limit=PER_PAGE)
    except mail_inbox.InboxUnavailable:
        return MailPage(page=number, error="unreachable")
    pages = max(1, -(-total // PER_PAGE))
    return MailPage([_summary(m) for m in found if _ID.match(str(m.get("id", "")))], total, number, pages)


def detail(msg_id: object) -> MailDetail | None:
    """One captured message; None when it does not exist (any more). Raises InvalidInput
    for a malformed id and mail_inbox.InboxUnavailable when the server cannot be read."""
    if not isinstance(msg_id, str) or not _ID.match(msg_id):
        raise InvalidInput("message", "That message could not be found. Please reload the page.")
    base = get_settings().mail_capture_inbox_url
    if not base:
        raise mail_inbox.InboxUnavailable("not configured")
    m = mail_inbox.message(base, msg_id)
    if m is None:
        return None
    return MailDetail(_summary(m), str(m.get("text", "")), str(m.get("html", "")))
