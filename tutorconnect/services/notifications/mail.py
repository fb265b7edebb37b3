"""Email: queued through the outbox, rendered from templates, sent by the mail job.

A queued email's outbox payload carries everything the job needs, so a retry sends the
same message however the data changed meanwhile:
  {"to", "template", "context",             context values are already formatted text
   "attachments": [{"filename", "content_type", "data_b64"}],
   "only_if": {"booking_id", "status_in", "starts_at"},   optional, checked at send time
   "message_id"}                             stable Message-ID derived from the dedupe key
`only_if` drops an email that is no longer true when its turn comes (a reminder for a
lesson cancelled or moved meanwhile, a "payment failed" for a booking paid since).
"""

from __future__ import annotations

import base64
import functools
import hashlib
import logging
import uuid
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

import jinja2
from sqlalchemy import text
from sqlmodel import Session

from tutorconnect.config import PROJECT_ROOT, get_settings
from tutorconnect.integrations.mailer import Attachment, RenderedEmail
from tutorconnect.services import outbox

log = logging.getLogger(__name__)

TEMPLATES = PROJECT_ROOT / "tutorconnect" / "templates" / "email"
SEND_JOB = "email.send"

# Subject lines (Jinja, plain text) per template; the template's context fills them.
SUBJECTS = {
    "verify_email": "Confirm your email for TutorConnect",
    "password_reset": "Reset your TutorConnect password",
    "booking_confirmed": "Confirmed: your lesson with {{ other }} on {{ lesson.short }}",
    "booking_awaiting_student": "Paid: waiting for {{ other }} to confirm your lesson",
    "booking_request_tutor": "New lesson request from {{ other }}: please answer by {{ respond_by }}",
    "booking_declined": "{{ 'Your lesson request was declined' if role == 'student' else 'Lesson request declined' }}"
                        " ({{ lesson.reference }})",
    "booking_rescheduled": "Moved: your lesson with {{ other }} is now on {{ lesson.short }}",
    "booking_cancelled": "Cancelled: your lesson with {{ other }} on {{ lesson.short }}",
    "booking_review_requested": "How was your lesson with {{ other }}?",
    "booking_no_show": "Missed lesson with {{ other }} ({{ lesson.reference }})",
    "booking_reminder": "Reminder: your lesson with {{ other }} starts {{ starts_in }}",
    "payment_failed": "Your payment for the lesson with {{ other }} did not go through",
    "refund_processed": "Refund of {{ amount }} processed ({{ reference }})",
    "refund_started": "{{ headline }}",
    "tutor_approved": "You are approved: students can now book you on TutorConnect",
    "tutor_rejected": "Your TutorConnect profile needs changes",
    "meeting_fallback": "Google Meet link unavailable for your lesson on {{ lesson.short }}",
    "review_published": "{{ student }} rated your lesson {{ stars }} out of 5",
    "payment_flagged": "Payment flagged: {{ label }}{% if reference %} ({{ reference }}){% endif %}",
}


# Account and security emails: sent whatever the person's preferences say (prefs.py), so
# they carry no List-Unsubscribe; every other template is a notification that can be
# turned off on the notification settings page.
ACCOUNT_TEMPLATES = frozenset({"verify_email", "password_reset"})
PREFERENCES_PATH = "/notifications/settings"


def link(path: str, **params: str) -> str:
    return f"{get_settings().public_base_url}{path}?{urlencode(params)}"


def url(path: str) -> str:
    """An absolute link into the app for an email (PUBLIC_BASE_URL + a same-site path)."""
    return f"{get_settings().public_base_url.rstrip('/')}{path}"


def message_id_for(dedupe_key: str) -> str:
    digest = hashlib.sha256(dedupe_key.encode()).hexdigest()[:32]
    return f"<{digest}@{get_settings().mail_domain}>"


def queue(session: Session, *, to: str, template: str, context: dict[str, Any], dedupe_key: str | None = None,
          attachments: tuple[Attachment, ...] = (), only_if: dict[str, Any] | None = None) -> None:
    """Queue an email in the caller's transaction (sent only if the transaction commits).
    A repeated `dedupe_key` queues nothing (the first one wins)."""
    if template not in SUBJECTS:
        raise ValueError(f"unknown email template {template!r}")
    payload: dict[str, Any] = {"to": to, "template": template, "context": context}
    if attachments:
        payload["attachments"] = [
            {"filename": a.filename, "content_type": a.content_type, "data_b64": base64.b64encode(a.data).decode()}
            for a in attachments
        ]
    if only_if:
        payload["only_if"] = only_if
    if dedupe_key:
        payload["message_id"] = message_id_for(dedupe_key)
    outbox.enqueue(session, SEND_JOB, payload, dedupe_key=dedupe_key)


@functools.lru_cache(maxsize=1)
def _env() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=jinja2.select_autoescape(["html"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


@functools.lru_cache(maxsize=1)
def _subject_env() -> jinja2.Environment:
    return jinja2.Environment(autoescape=False, undefined=jinja2.StrictUndefined)


def _decode_attachments(items: Any) -> tuple[Attachment, ...]:
    if not items:
        return ()
    return tuple(Attachment(str(a["filename"]), str(a["content_type"]), base64.b64decode(a["data_b64"]))
                 for a in items)


def render(to: str, template: str, context: dict[str, Any], *, attachments: tuple[Attachment, ...] = (),
           message_id: str | None = None) -> RenderedEmail:
    env = _env()
    settings = get_settings()
    full = {
        "preheader": "",
        **context,
        "product": "TutorConnect",
        "base_url": settings.public_base_url,
        "preferences_url": url(PREFERENCES_PATH),
    }
    subject = " ".join(_subject_env().from_string(SUBJECTS[template]).render(full).split())
    return RenderedEmail(
        to=to,
        subject=subject,
        text=env.get_template(f"{template}.txt").render(full).strip() + "\n",
        html=env.get_template(f"{template}.html").render(full),
        attachments=attachments,
        message_id=message_id,
        list_unsubscribe=None if template in ACCOUNT_TEMPLATES else url(PREFERENCES_PATH),
    )


_GUARD_SQL = text("SELECT status, starts_at FROM bookings WHERE id = :id")


def still_true(session: Session, only_if: dict[str, Any] | None) -> bool:
    """Whether an email's `only_if` condition holds now (no condition: yes)."""
    if not only_if:
        return True
    row = session.execute(_GUARD_SQL, {"id": uuid.UUID(str(only_if["booking_id"]))}).first()
    if row is None:
        return False
    if only_if.get("status_in") and row.status not in only_if["status_in"]:
        return False
    starts_at = only_if.get("starts_at")
    return not starts_at or row.starts_at == datetime.fromisoformat(starts_at)


def deliver(payload: dict[str, Any]) -> bool:
    """The email job: check `only_if`, render and send. False when the email was dropped
    because what it says is no longer true."""
    from tutorconnect.db import session_scope
    from tutorconnect.integrations.mailer import send

    if payload.get("only_if"):
        with session_scope() as s:
            if not still_true(s, payload["only_if"]):
                log.info("email dropped: no longer true", extra={"template": payload.get("template")})
                return False
    send(render(payload["to"], payload["template"], payload["context"],
                attachments=_decode_attachments(payload.get("attachments")),
                message_id=payload.get("message_id")))
    return True
