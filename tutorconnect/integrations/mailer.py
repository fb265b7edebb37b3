"""SMTP delivery (a real server, or the local capture server in development)."""

from __future__ import annotations

import smtplib
from dataclasses import dataclass
from datetime import datetime, timezone
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from tutorconnect.config import get_settings

# Python's default folding at 78 columns breaks a long Subject right after "Subject:",
# which some clients then show with a leading space; RFC 5322 allows lines up to 998.
_POLICY = policy.SMTP.clone(max_line_length=998)


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str  # "text/calendar; method=PUBLISH" (parameters after ";" are kept)
    data: bytes


@dataclass(frozen=True)
class RenderedEmail:
    to: str
    subject: str
    text: str
    html: str
    attachments: tuple[Attachment, ...] = ()
    # A stable Message-ID (derived from the email's dedupe key) lets mail clients drop a
    # copy that a retried job sent twice; None: a fresh one.
    message_id: str | None = None
    # Where a person turns this kind of mail off (RFC 2369 List-Unsubscribe, a web page);
    # None for account and security mails, which cannot be turned off.
    list_unsubscribe: str | None = None


def _content_type(value: str) -> tuple[str, str, dict[str, str]]:
    main, _, rest = value.partition(";")
    maintype, _, subtype = main.strip().lower().partition("/")
    params = {}
    for item in rest.split(";"):
        key, sep, val = item.partition("=")
        if sep and key.strip():
            params[key.strip().lower()] = val.strip().strip('"')
    return maintype or "application", subtype or "octet-stream", params


def build_message(mail: RenderedEmail) -> EmailMessage:
    """multipart/mixed( multipart/alternative(text, html), attachments... ); without
    attachments just the alternative."""
    settings = get_settings()
    msg = EmailMessage(policy=_POLICY)
    msg["From"] = settings.mail_from
    msg["To"] = mail.to
    msg["Subject"] = mail.subject
    msg["Date"] = format_datetime(datetime.now(timezone.utc))  # RFC 5322 3.6: required
    msg["Message-ID"] = mail.message_id or make_msgid(domain=settings.mail_domain)
    if mail.list_unsubscribe:
        # A link only: List-Unsubscribe-Post (RFC 8058 one-click) would promise a POST
        # endpoint that turns the mail off, and there is none.
        msg["List-Unsubscribe"] = f"<{mail.list_unsubscribe}>"
    msg.set_content(mail.text)
    msg.add_alternative(mail.html, subtype="html")
    for item in mail.attachments:
        maintype, subtype, params = _content_type(item.content_type)
        msg.add_attachment(item.data, maintype=maintype, subtype=subtype, filename=item.filename,
                           params=params or None)
    return msg


def send(mail: RenderedEmail) -> None:
    settings = get_settings()
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=10) as smtp:
        if settings.smtp_starttls:
            smtp.starttls()
        if settings.smtp_username:
            smtp.login(settings.smtp_username, settings.smtp_password)
        smtp.send_message(build_message(mail))
