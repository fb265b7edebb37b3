"""Meeting links for confirmed bookings: Google Calendar + Meet, or the fallback room.

The hooks (called by the bookings package's effects inside the transaction that changed
the booking) only enqueue outbox jobs; jobs.py runs them. The `meetings` row (booking_id
is its key) is the one record of a booking's meeting:

    provider  google    an event on the tutor's Google Calendar with a Meet conference,
                        id `event_id_for(booking)`, the student as attendee
              fallback  a room at FALLBACK_MEETING_URL with an unguessable name
    status    pending (google: the event/conference is being made) -> ready (join_url
              known) | cancelled (booking cancelled) ; failed is never left behind: a
              Google meeting that cannot be made falls back to a room instead

Exactly once, under duplicate and redelivered jobs: the row is inserted ON CONFLICT DO
NOTHING (the first one wins and fixes the provider), the Calendar event id is derived
from the booking (a second insert is 409 at Google and the job reads the existing event),
and every status change is a compare-and-swap on the row locked FOR UPDATE: only the
transaction that moves pending -> ready sends the confirmation
(`notifications.booking_event(... "booking.confirmed", join_url=, provider=)`), in the same
transaction. The join link is also copied onto bookings.meeting_url (what the bookings
list cards and the .ics feed show).
"""

from __future__ import annotations

import base64
import logging
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlmodel import Session

from tutorconnect.config import get_settings
from tutorconnect.services import live, notifications, outbox

log = logging.getLogger(__name__)

CREATE_JOB = "meeting.create"
UPDATE_JOB = "meeting.update"
CANCEL_JOB = "meeting.cancel"
FALLBACK_NOTICE = "meeting.fallback"
GONE_STATUSES = frozenset({"cancelled", "declined", "expired"})
ROOM_PREFIX = "TutorConnect-"


# Names ---------------------------------------------------------------------------------------
def event_id_for(booking_id: uuid.UUID) -> str:
    """The Calendar event id of a booking: base32hex (Google allows a-v, 0-9) of the UUID's
    16 bytes, lowercase, no padding (26 characters). Stable, so a retry collides (409)."""
    return base64.b32hexencode(booking_id.bytes).decode("ascii").rstrip("=").lower()


def fallback_room_url() -> str:
    """A new room at the fallback provider; 128 random bits make the name unguessable."""
    base = get_settings().fallback_meeting_url.rstrip("/")
    return f"{base}/{ROOM_PREFIX}{secrets.token_urlsafe(16)}"


# Hooks (in the booking change's transaction) ----------------------------------------------------
def on_confirmed(session: Session, booking: Any) -> None:
    """The booking became confirmed: create its meeting (then send the confirmation)."""
    outbox.enqueue(session, CREATE_JOB, {"booking_id": str(booking.id)}, dedupe_key=f"{CREATE_JOB}:{booking.id}")


def on_rescheduled(session: Session, booking: Any) -> None:
    """The booking moved: update its meeting's time (a booking not yet confirmed has no
    meeting; the create job uses the time the booking has when it runs)."""
    if booking.status != "confirmed":
        return
    outbox.enqueue(session, UPDATE_JOB, {"booking_id": str(booking.id), "sequence": int(booking.sequence)},
                   dedupe_key=f"{UPDATE_JOB}:{booking.id}:{booking.sequence}")


def on_cancelled(session: Session, booking: Any) -> None:
    """The booking was cancelled: cancel its meeting (if it has one, or one is on its way)."""
    has_meeting = session.execute(text(
        "SELECT EXISTS (SELECT 1 FROM meetings WHERE booking_id = :b) "
        "OR EXISTS (SELECT 1 FROM outbox WHERE dedupe_key = :k)"),
        {"b": booking.id, "k": f"{CREATE_JOB}:{booking.id}"}).scalar_one()
    if has_meeting:
        outbox.enqueue(session, CANCEL_JOB, {"booking_id": str(booking.id)}, dedupe_key=f"{CANCEL_JOB}:{booking.id}")


# Reads ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class TutorCalendar:
    """What a meeting job needs from the tutor's Google Calendar connection."""

    refresh_token: str
    calendar_id: str


def tutor_calendar(session: Session, tutor_id: uuid.UUID) -> TutorCalendar | None:
    """The tutor's connected calendar (decrypted refresh token), or None when not connected
    (or the stored token cannot be read: then the fallback room is used)."""
    try:
        from tutorconnect.services import calendar_connections
    except ImportError:  # the connection service is not there: nobody can be connected
        return None
    token = calendar_connections.refresh_token_for(session, tutor_id)
    if token is None:
        return None
    return TutorCalendar(token, calendar_connections.calendar_id_for(session, tutor_id) or "primary")


def note_calendar_problem(session: Session, tutor_id: uuid.UUID, message: str) -> None:
    """Show the tutor (account page) that Google refused our access for good."""
    try:
        from tutorconnect.services import calendar_connections
    except ImportError:
        return
    calendar_connections.note_problem(session, tutor_id, message)


def booking_row(session: Session, booking_id: uuid.UUID, *, lock: bool = False) -> Any:
    """The bookings row; with `lock`, FOR NO KEY UPDATE: a concurrent status change, and any
    other meeting job for this booking, waits for us. Not FOR SHARE: two jobs holding a
    share lock, each then writing the row (`_announce_ready` sets meeting_url) while the
    other holds the meetings row, deadlocked (seen with duplicate jobs running at once).
    Foreign-key checks (FOR KEY SHARE) are not blocked."""
    return session.execute(text("SELECT * FROM bookings WHERE id = :id" + (" FOR NO KEY UPDATE" if lock else "")),
                           {"id": booking_id}).first()


def meeting_row(session: Session, booking_id: uuid.UUID, *, lock: bool = False) -> Any:
    return session.execute(text("SELECT * FROM meetings WHERE booking_id = :id" + (" FOR UPDATE" if lock else "")),
                           {"id": booking_id}).first()


def join_link_for(session: Session, booking_ids: list[uuid.UUID]) -> dict[uuid.UUID, tuple[str, str, str]]:
    """{booking id: (join url, provider, status)} for the bookings that have a link.
    No authorization here: pass only ids the viewer may see (their own bookings)."""
    ids = [b for b in booking_ids if isinstance(b, uuid.UUID)]
    if not ids:
        return {}
    rows = session.execute(text(
        "SELECT booking_id, join_url, provider, status FROM meetings "
        "WHERE booking_id = ANY(:ids) AND join_url IS NOT NULL"), {"ids": ids}).all()
    return {r.booking_id: (r.join_url, r.provider, r.status) for r in rows}


# Transitions (each in the caller's transaction) -------------------------------------------------
def start(session: Session, booking: Any, calendar: TutorCalendar | None) -> Any:
    """The booking's meeting row, made if there is none: with a connected calendar a
    pending Google meeting; without one a ready fallback room, and the confirmation sent
    (only by the transaction whose insert made the row)."""
    if calendar is not None:
        session.execute(text(
            "INSERT INTO meetings (booking_id, provider, status, calendar_event_id) "
            "VALUES (:b, 'google', 'pending', :e) ON CONFLICT (booking_id) DO NOTHING"),
            {"b": booking.id, "e": event_id_for(booking.id)})
    else:
        url = fallback_room_url()
        made = session.execute(text(
            "INSERT INTO meetings (booking_id, provider, status, join_url, synced_starts_at) "
            "VALUES (:b, 'fallback', 'ready', :u, :s) ON CONFLICT (booking_id) DO NOTHING RETURNING booking_id"),
            {"b": booking.id, "u": url, "s": booking.starts_at}).first()
        if made is not None:
            _announce_ready(session, booking, url, "fallback")
    return meeting_row(session, booking.id, lock=True)


def mark_ready(session: Session, booking_id: uuid.UUID, join_url: str, synced_starts_at: datetime) -> str:
    """pending -> ready with the Meet link, the confirmation sent. Returns "ready" (done
    now), "already" (another run did it) or "gone" (cancelled: the caller deletes the event)."""
    booking = booking_row(session, booking_id, lock=True)
    meeting = meeting_row(session, booking_id, lock=True)
    if meeting is None or booking is None:
        return "gone"
    if meeting.status == "cancelled" or booking.status != "confirmed":
        _cancel_row(session, booking_id)
        return "gone"
    if meeting.status != "pending":
        return "already"
    session.execute(text(
        "UPDATE meetings SET status = 'ready', provider = 'google', join_url = :u, conference_status = 'success', "
        "synced_starts_at = :s, last_error = NULL, updated_at = now() WHERE booking_id = :b"),
        {"u": join_url, "s": synced_starts_at, "b": booking_id})
    _announce_ready(session, booking, join_url, "google")
    return "ready"


def fall_back(session: Session, booking_id: uuid.UUID, reason: str) -> str | None:
    """A pending Google meeting that cannot be made: use a fallback room, send the
    confirmation, and tell the tutor why. Returns the room URL, or None when the meeting
    was no longer pending (another run finished it, or the booking was cancelled)."""
    booking = booking_row(session, booking_id, lock=True)
    meeting = meeting_row(session, booking_id, lock=True)
    if meeting is None or booking is None or meeting.status != "pending":
        return None
    if booking.status != "confirmed":
        _cancel_row(session, booking_id)
        return None
    url = fallback_room_url()
    session.execute(text(
        "UPDATE meetings SET status = 'ready', provider = 'fallback', join_url = :u, synced_starts_at = :s, "
        "conference_status = CASE WHEN conference_status = 'success' THEN conference_status ELSE 'failed' END, "
        "last_error = :e, updated_at = now() WHERE booking_id = :b"),
        {"u": url, "s": booking.starts_at, "e": reason[:500], "b": booking_id})
    _announce_ready(session, booking, url, "fallback")
    _tell_tutor_about_fallback(session, booking, url, reason)
    return url


def record_failure(session: Session, booking_id: uuid.UUID, error: str) -> int | None:
    """One more failed Google try for a pending meeting; its count (None: not pending)."""
    return session.execute(text(
        "UPDATE meetings SET attempts = attempts + 1, last_error = :e, updated_at = now() "
        "WHERE booking_id = :b AND status = 'pending' RETURNING attempts"),
        {"e": error[:500], "b": booking_id}).scalar()


def record_conference(session: Session, booking_id: uuid.UUID, status: str) -> None:
    session.execute(text("UPDATE meetings SET conference_status = :c, updated_at = now() "
                         "WHERE booking_id = :b AND status = 'pending'"), {"c": status[:40], "b": booking_id})


def record_synced(session: Session, booking_id: uuid.UUID, starts_at: datetime) -> None:
    session.execute(text("UPDATE meetings SET synced_starts_at = :s, updated_at = now() "
                         "WHERE booking_id = :b AND status = 'ready'"), {"s": starts_at, "b": booking_id})


def mark_cancelled(session: Session, booking_id: uuid.UUID) -> Any:
    """The meeting of a cancelled booking: status cancelled (idempotent). Returns the row."""
    _cancel_row(session, booking_id)
    return meeting_row(session, booking_id)


def _cancel_row(session: Session, booking_id: uuid.UUID) -> None:
    session.execute(text("UPDATE meetings SET status = 'cancelled', updated_at = now() "
                         "WHERE booking_id = :b AND status <> 'cancelled'"), {"b": booking_id})


def _announce_ready(session: Session, booking: Any, url: str, provider: str) -> None:
    # The lists and the .ics feed read the link from the booking.
    session.execute(text("UPDATE bookings SET meeting_url = :u WHERE id = :b"), {"u": url, "b": booking.id})
    # Open bookings pages of both people show the Join link without a reload (after commit).
    live.publish(session, live.bookings_topic(booking.student_id), live.bookings_topic(booking.tutor_id))
    fresh = booking_row(session, booking.id)
    notifications.booking_event(session, "booking.confirmed", fresh, join_url=url, provider=provider)


def _tell_tutor_about_fallback(session: Session, booking: Any, url: str, reason: str) -> None:
    """In-app (and email, by the tutor's preferences) "We could not create a Google Meet
    link": the notifications package's meeting.fallback, once per booking (its dedupe key)."""
    log.warning("meeting fell back to a room", extra={"booking_id": str(booking.id), "reason": reason})
    notifications.user_event(session, booking.tutor_id, FALLBACK_NOTICE,
                             {"booking_id": str(booking.id), "join_url": url})
