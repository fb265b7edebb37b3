"""Calendars (RFC 5545, built with the `icalendar` library): a per-booking .ics download
and a private, revocable per-user feed URL.

- booking_ics(session, ctx, booking_id) -> bytes: one VEVENT, for the booking's student,
  its tutor or an admin; anyone else gets NotFound (an id reveals nothing).
- create_feed_token(session, ctx, user_id) -> str: a new feed token for the user
  themselves, shown once (only its sha256 is stored); earlier tokens of the user are
  revoked, so there is one live feed URL per user.
- revoke_feed_tokens(session, ctx, user_id): the user or an admin; idempotent.
- feed_status(session, ctx, user_id) -> datetime | None: when the live feed URL was
  created (None: no live URL); the user or an admin.
- feed_urls(token) -> (https URL, webcal:// URL), built from PUBLIC_BASE_URL.
- feed_ics(session, token) -> bytes: the user's bookings (as student or tutor) ending 30
  days ago or later, cancelled/declined/expired ones as STATUS:CANCELLED so calendar apps
  remove them; unknown or revoked token (or a deleted user) -> NotFound.

Every event: UTC DTSTART/DTEND (Z), UID "<booking id>@tutorconnect" (stable across
reschedules), SEQUENCE = bookings.sequence (rises on every change), DTSTAMP = generation
time, LAST-MODIFIED = bookings.updated_at, SUMMARY "Lesson with <other person>", the
meeting link as URL and in DESCRIPTION while the lesson is active, STATUS CONFIRMED /
TENTATIVE / CANCELLED.

Outcomes, truthfully (#14): RFC 5545 gives a VEVENT only TENTATIVE, CONFIRMED and
CANCELLED, so the outcome also goes into the text. Awaiting payment or the tutor:
TENTATIVE. Confirmed: CONFIRMED. Completed: CONFIRMED, "Completed." in the DESCRIPTION.
Cancelled, declined, expired: CANCELLED (calendar apps strike or drop them), with who
cancelled or why in the DESCRIPTION. No-shows start the SUMMARY with "Missed: " and say
who did not attend: the tutor's is CANCELLED (the lesson did not take place; the student
was refunded in full), the student's stays CONFIRMED (the tutor kept the time and the
lesson counts as held). The join link is left out once a lesson is no longer active.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

from icalendar import Calendar, Event
from sqlalchemy import text

from tutorconnect.config import get_settings
from tutorconnect.models.scheduling import ACTIVE_STATUSES, BookingStatus as S
from tutorconnect.services import access
from tutorconnect.services.context import RequestContext
from tutorconnect.services.errors import NotFound, PermissionDenied
from tutorconnect.services.tokens import hash_secret, looks_like_secret, new_secret
from tutorconnect.services.validation import safe_join_url

PRODID = "-//TutorConnect//Lesson calendar 1.0//EN"
UID_DOMAIN = "tutorconnect"
FEED_PAST_DAYS = 30
FEED_MAX_EVENTS = 2000
_UTC = timezone.utc

_STATUS = {
    S.PENDING_PAYMENT: "TENTATIVE",
    S.AWAITING_TUTOR: "TENTATIVE",
    S.CONFIRMED: "CONFIRMED",
    S.COMPLETED: "CONFIRMED",
    S.NO_SHOW_STUDENT: "CONFIRMED",  # the tutor kept the time; the lesson counts as held
    S.NO_SHOW_TUTOR: "CANCELLED",  # it did not take place; the student was refunded in full
    S.CANCELLED: "CANCELLED",
    S.DECLINED: "CANCELLED",
    S.EXPIRED: "CANCELLED",
}
_MISSED = {S.NO_SHOW_STUDENT: "Missed: the student did not attend.",
           S.NO_SHOW_TUTOR: "Missed: the tutor did not attend; the student was refunded in full."}
_WHO = {"student": "the student", "tutor": "the tutor", "admin": "TutorConnect support", "system": "TutorConnect"}

_COLUMNS = (
    "b.id, b.reference, b.status, b.starts_at, b.ends_at, b.sequence, b.meeting_url, b.created_at, "
    "b.updated_at, b.student_id, b.tutor_id, b.cancelled_by, su.full_name AS student_name, "
    "tu.full_name AS tutor_name"
)
_ONE_SQL = text(f"SELECT {_COLUMNS} FROM bookings b JOIN users su ON su.id = b.student_id "
                "JOIN users tu ON tu.id = b.tutor_id WHERE b.id = :id")
_FEED_SQL = text(f"SELECT {_COLUMNS} FROM bookings b JOIN users su ON su.id = b.student_id "
                 "JOIN users tu ON tu.id = b.tutor_id WHERE (b.student_id = :u OR b.tutor_id = :u) "
                 "AND b.ends_at >= :since ORDER BY b.starts_at LIMIT :limit")
_TOKEN_USER_SQL = text("SELECT t.user_id FROM calendar_feed_tokens t JOIN users u ON u.id = t.user_id "
                       "WHERE t.token_hash = :h AND t.revoked_at IS NULL AND u.deleted_at IS NULL")
_REVOKE_SQL = text("UPDATE calendar_feed_tokens SET revoked_at = :now WHERE user_id = :u AND revoked_at IS NULL")
_INSERT_TOKEN_SQL = text("INSERT INTO calendar_feed_tokens (id, user_id, token_hash) VALUES (:id, :u, :h)")


def _utc(dt: datetime) -> datetime:
    return dt.astimezone(_UTC).replace(microsecond=0)


def _calendar(name: str | None = None) -> Calendar:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    if name:
        cal.add("x-wr-calname", name)
    return cal


def _event(row, viewer_id: uuid.UUID | None, stamp: datetime) -> Event:
    if viewer_id == row.student_id:
        summary = f"Lesson with {row.tutor_name}"
    elif viewer_id == row.tutor_id:
        summary = f"Lesson with {row.student_name}"
    else:  # an admin's view
        summary = f"Lesson with {row.tutor_name} ({row.student_name})"
    ev = Event()
    ev.add("uid", f"{row.id}@{UID_DOMAIN}")
    ev.add("sequence", int(row.sequence))
    ev.add("dtstamp", _utc(stamp))
    ev.add("created", _utc(row.created_at))
    ev.add("last-modified", _utc(row.updated_at))
    ev.add("dtstart", _utc(row.starts_at))
    ev.add("dtend", _utc(row.ends_at))
    status = _STATUS.get(row.status, "TENTATIVE")
    ev.add("summary", f"Missed: {summary}" if row.status in _MISSED else summary)
    ev.add("status", status)
    ev.add("transp", "TRANSPARENT" if status == "CANCELLED" else "OPAQUE")
    lines = [f"TutorConnect booking {row.reference}"]
    outcome = _outcome(row)
    if outcome:
        lines.append(outcome)
    url = safe_join_url(row.meeting_url) if row.status in ACTIVE_STATUSES else None
    if url:
        ev.add("url", url)
        ev.add("location", url)
        lines.append(f"Join the lesson: {url}")
    ev.add("description", "\n".join(lines))
    return ev


def _outcome(row) -> str:
    """How the lesson ended, in words ("" while it is still ahead)."""
    if row.status == S.COMPLETED:
        return "Completed."
    if row.status in _MISSED:
        return _MISSED[row.status]
    if row.status in (S.CANCELLED, S.DECLINED):
        verb = "Cancelled" if row.status == S.CANCELLED else "Declined"
        who = _WHO.get(getattr(row, "cancelled_by", None) or "")
        return f"{verb} by {who}." if who else f"{verb}."
    if row.status == S.EXPIRED:
        return "Expired: not paid in time."
    return ""


def _may_see_booking(session, viewer: uuid.UUID | None, row) -> bool:
    if viewer is None:
        return False
    if viewer in (row.student_id, row.tutor_id):
        return True
    try:
        access.require_admin(session, viewer)
    except PermissionDenied:
        return False
    return True


def booking_ics(session, ctx: RequestContext, booking_id: uuid.UUID) -> bytes:
    if not isinstance(booking_id, uuid.UUID):
        raise NotFound("That booking")
    row = session.execute(_ONE_SQL, {"id": booking_id}).first()
    if row is None or not _may_see_booking(session, ctx.actor_user_id, row):
        raise NotFound("That booking")
    cal = _calendar()
    cal.add_component(_event(row, ctx.actor_user_id, datetime.now(_UTC)))
    return cal.to_ical()


def email_ics(session, booking_id: uuid.UUID, recipient_id: uuid.UUID, *, meeting_url: str | None = None) -> bytes:
    """The booking's event for an email attachment to one of its two people (no access
    check: the caller is the notification service writing to that person). METHOD:PUBLISH
    like the downloads and the feed; `meeting_url` overrides the stored link (the meeting
    job knows it before anything else does)."""
    row = session.execute(_ONE_SQL, {"id": booking_id}).first()
    if row is None:
        raise NotFound("That booking")
    if meeting_url:
        row = SimpleNamespace(**{**row._mapping, "meeting_url": meeting_url})
    cal = _calendar()
    cal.add_component(_event(row, recipient_id, datetime.now(_UTC)))
    return cal.to_ical()


def booking_reference(session, booking_id: uuid.UUID) -> str:
    """The booking's public reference (for the download's file name); call after booking_ics."""
    return session.execute(text("SELECT reference FROM bookings WHERE id = :id"), {"id": booking_id}).scalar_one()


def create_feed_token(session, ctx: RequestContext, user_id: uuid.UUID) -> str:
    if ctx.actor_user_id is None or ctx.actor_user_id != user_id:
        raise PermissionDenied("You can only create your own calendar link.")
    exists = session.execute(text("SELECT 1 FROM users WHERE id = :u AND deleted_at IS NULL"), {"u": user_id}).first()
    if exists is None:
        raise NotFound("That account")
    session.execute(_REVOKE_SQL, {"u": user_id, "now": datetime.now(_UTC)})
    raw = new_secret()
    session.execute(_INSERT_TOKEN_SQL, {"id": uuid.uuid4(), "u": user_id, "h": hash_secret(raw)})
    return raw


def revoke_feed_tokens(session, ctx: RequestContext, user_id: uuid.UUID) -> None:
    if ctx.actor_user_id is None:
        raise PermissionDenied()
    if ctx.actor_user_id != user_id:
        access.require_admin(session, ctx.actor_user_id)
    session.execute(_REVOKE_SQL, {"u": user_id, "now": datetime.now(_UTC)})


_STATUS_SQL = text("SELECT max(created_at) FROM calendar_feed_tokens WHERE user_id = :u AND revoked_at IS NULL")


def feed_status(session, ctx: RequestContext, user_id: uuid.UUID) -> datetime | None:
    """When the user's live feed URL was created, or None without one. The user or an admin."""
    if not isinstance(user_id, uuid.UUID):
        raise NotFound("That account")
    if ctx.actor_user_id is None:
        raise PermissionDenied()
    if ctx.actor_user_id != user_id:
        access.require_admin(session, ctx.actor_user_id)
    return session.execute(_STATUS_SQL, {"u": user_id}).scalar_one()


def feed_urls(token: str) -> tuple[str, str]:
    """The feed's address for a token: (https://... for copying or downloading, webcal://...
    which calendar apps open as a subscription). From PUBLIC_BASE_URL."""
    if not looks_like_secret(token):
        raise ValueError("not a feed token")
    base = get_settings().public_base_url.rstrip("/")
    url = f"{base}/calendar/{token}.ics"
    return url, "webcal://" + url.split("://", 1)[1]


def feed_ics(session, token: str, *, now: datetime | None = None) -> bytes:
    if not looks_like_secret(token):
        raise NotFound("That calendar")
    user_id = session.execute(_TOKEN_USER_SQL, {"h": hash_secret(token)}).scalar_one_or_none()
    if user_id is None:
        raise NotFound("That calendar")
    now = now or datetime.now(_UTC)
    rows = session.execute(_FEED_SQL, {"u": user_id, "since": now - timedelta(days=FEED_PAST_DAYS),
                                       "limit": FEED_MAX_EVENTS})
    cal = _calendar("TutorConnect lessons")
    cal.add("refresh-interval", timedelta(hours=1), parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", "PT1H")
    for row in rows:
        cal.add_component(_event(row, user_id, now))
    return cal.to_ical()
