"""Outbox jobs of the meetings service: its `JOBS` table, which the job runner in
services/jobs.py takes. Each reads the booking as it is NOW and moves its meeting towards it, so
a duplicate, late or redelivered job does nothing twice (see meetings.py).

- meeting.create {booking_id}: a confirmed booking gets its meeting. Tutor connected to
  Google: insert the event (Meet createRequest, conferenceDataVersion=1; 409 -> read the
  existing one), wait up to MEETING_CONFERENCE_WAIT_SECONDS for a pending conference,
  then ready. A failed try (Google 403 rate limit/429/5xx, timeout, conference still
  pending) is counted on the row and raised, so the outbox retries it with backoff; the
  MEETING_GOOGLE_ATTEMPTS-th failed try, or a failure no retry fixes (403 forbidden,
  revoked token, conference failed), falls back to a room and tells the tutor.
  Not connected: a fallback room at once.
- meeting.update {booking_id, sequence}: the Google event follows a reschedule (patch start
  and end); re-checked after the patch so concurrent reschedules converge on the last.
- meeting.cancel {booking_id}: status cancelled, the Google event deleted (404/410: gone
  already).
"""

from __future__ import annotations

import logging
import time
import uuid
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import text

from tutorconnect.config import get_settings
from tutorconnect.db import session_scope
from tutorconnect.integrations import google_calendar as gcal
from tutorconnect.integrations.google_calendar import CalendarError
from tutorconnect.services.errors import PermanentJobError
from tutorconnect.services.meetings import meetings

log = logging.getLogger(__name__)

POLL_SECONDS = 0.5
SYNC_ROUNDS = 3


class ConferencePending(Exception):
    """The Meet conference is still being made: try again later (transient)."""


def _booking_id(payload: dict[str, Any]) -> uuid.UUID:
    return uuid.UUID(str(payload["booking_id"]))


def _rfc3339(value: datetime) -> str:
    return value.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


def _times(booking: Any) -> dict[str, Any]:
    zone = booking.tutor_time_zone or "UTC"
    return {"start": {"dateTime": _rfc3339(booking.starts_at), "timeZone": zone},
            "end": {"dateTime": _rfc3339(booking.ends_at), "timeZone": zone}}


def _event_body(booking: Any, people: Any) -> dict[str, Any]:
    base = get_settings().public_base_url
    return {
        "summary": f"TutorConnect lesson: {people.tutor_name} and {people.student_name}",
        "description": (f"TutorConnect booking {booking.reference}.\n"
                        f"See, reschedule or cancel it at {base}/bookings"),
        **_times(booking),
        "attendees": [{"email": people.student_email, "displayName": people.student_name}],
        "conferenceData": {"createRequest": {"requestId": meetings.event_id_for(booking.id),
                                             "conferenceSolutionKey": {"type": "hangoutsMeet"}}},
        "reminders": {"useDefault": True},
        "guestsCanModify": False,
        "guestsCanInviteOthers": False,
        "extendedProperties": {"private": {"tutorconnect_booking": str(booking.id)}},
    }


def _people(session, booking: Any) -> Any:
    return session.execute(text(
        "SELECT su.email AS student_email, su.full_name AS student_name, "
        "COALESCE(NULLIF(p.display_name, ''), tu.full_name) AS tutor_name "
        "FROM users su JOIN users tu ON tu.id = :t LEFT JOIN tutor_profiles p ON p.user_id = :t WHERE su.id = :s"),
        {"s": booking.student_id, "t": booking.tutor_id}).one()


def _conference(event: dict[str, Any]) -> tuple[str, str | None]:
    """(status, join url): status success | pending | failure | none."""
    data = event.get("conferenceData") or {}
    status = ((data.get("createRequest") or {}).get("status") or {}).get("statusCode")
    video = next((e.get("uri") for e in data.get("entryPoints") or [] if e.get("entryPointType") == "video"), None)
    url = event.get("hangoutLink") or video
    if url and isinstance(url, str) and url.startswith("https://"):
        return "success", url
    return (status if status in ("pending", "failure") else "none"), None


def _describe(err: CalendarError) -> str:
    if err.status == 0:
        return f"Google Calendar did not answer ({err.reason or 'network error'})"
    return f"Google Calendar answered {err.status}" + (f" {err.reason}" if err.reason else "")


# meeting.create ---------------------------------------------------------------------------------
def create(payload: dict[str, Any]) -> None:
    booking_id = _booking_id(payload)
    with session_scope() as s:
        booking = meetings.booking_row(s, booking_id, lock=True)
        if booking is None:
            return
        meeting = meetings.meeting_row(s, booking_id)
        if booking.status != "confirmed":
            # Cancelled before its meeting was made (or while it was): make sure it is gone.
            gone = booking.status in meetings.GONE_STATUSES and meeting is not None
            next_step = "cancel" if gone else "none"
        else:
            calendar = None
            if meeting is None or meeting.status == "pending":
                calendar = meetings.tutor_calendar(s, booking.tutor_id)
            if meeting is None:
                meeting = meetings.start(s, booking, calendar)  # a fallback room is ready at once
            next_step = {"pending": "google", "ready": "sync"}.get(meeting.status, "none")
            if next_step == "google":
                body, sent_start = _event_body(booking, _people(s, booking)), booking.starts_at
                tutor_id = booking.tutor_id
    if next_step == "cancel":
        _cancel(booking_id)
    elif next_step == "sync":
        _sync_time(booking_id)
    elif next_step == "google":
        if calendar is None:  # the tutor disconnected Google since the row was made
            with session_scope() as s:
                meetings.fall_back(s, booking_id, "your Google Calendar is no longer connected")
            return
        _create_at_google(booking_id, tutor_id, calendar, meeting.calendar_event_id, body, sent_start)


def _create_at_google(booking_id: uuid.UUID, tutor_id: uuid.UUID, calendar: meetings.TutorCalendar,
                      event_id: str, body: dict[str, Any], sent_start: datetime) -> None:
    settings = get_settings()
    try:
        creds = gcal.credentials_for(calendar.refresh_token)
        try:
            event = gcal.insert_event(creds, calendar.calendar_id, event_id, body)
        except CalendarError as err:
            if err.status != 409:
                raise
            # A previous run (or a duplicate job) made it: the existing event is ours.
            event = gcal.get_event(creds, calendar.calendar_id, event_id)
            sent_start = _event_start(event) or sent_start
        status, url = _conference(event)
        deadline = time.monotonic() + settings.meeting_conference_wait_seconds
        while status == "pending" and time.monotonic() < deadline:
            time.sleep(POLL_SECONDS)
            event = gcal.get_event(creds, calendar.calendar_id, event_id)
            status, url = _conference(event)
    except CalendarError as err:
        if err.status == 401 and not err.transient:  # the grant was revoked: the tutor must reconnect
            with session_scope() as s:
                meetings.note_calendar_problem(s, tutor_id, "Google no longer accepts TutorConnect's access to "
                                               "this calendar. Please disconnect and connect it again.")
        _failed_try(booking_id, _describe(err), retry=err.transient, cause=err)
        return
    if status == "success" and url and event.get("status") != "cancelled":
        with session_scope() as s:
            outcome = meetings.mark_ready(s, booking_id, url, sent_start)
        if outcome == "gone":
            _cancel(booking_id)
        else:
            _sync_time(booking_id)
        return
    if status == "pending":
        with session_scope() as s:
            meetings.record_conference(s, booking_id, "pending")
        _failed_try(booking_id, "the Google Meet conference was still being set up", retry=True,
                    cause=ConferencePending(str(booking_id)))
        return
    deleted = event.get("status") == "cancelled"
    reason = "the Google Calendar event was deleted" if deleted else \
        "Google could not create a Meet conference for the event"
    with session_scope() as s:
        room = meetings.fall_back(s, booking_id, reason)
    if room is not None and not deleted:
        # The event stays on the tutor's calendar: make it point at the room (best effort).
        try:
            gcal.patch_event(creds, calendar.calendar_id, event_id, {
                "location": room, "description": f"{body.get('description', '')}\nJoin the lesson: {room}"})
        except CalendarError:
            log.info("could not add the room link to the calendar event", extra={"booking_id": str(booking_id)})
    _sync_time(booking_id)


def _failed_try(booking_id: uuid.UUID, reason: str, *, retry: bool, cause: Exception) -> None:
    """Count a failed Google try; raise for a retry (transient) until the cap, then fall back."""
    with session_scope() as s:
        attempts = meetings.record_failure(s, booking_id, reason)
    if attempts is None:  # no longer pending: another run finished it or it was cancelled
        return
    if retry and attempts < get_settings().meeting_google_attempts:
        raise cause
    with session_scope() as s:
        meetings.fall_back(s, booking_id, reason)


def _event_start(event: dict[str, Any]) -> datetime | None:
    raw = (event.get("start") or {}).get("dateTime")
    try:
        return datetime.fromisoformat(str(raw).replace("Z", "+00:00")) if raw else None
    except ValueError:
        return None


# meeting.update ---------------------------------------------------------------------------------
def update(payload: dict[str, Any]) -> None:
    _sync_time(_booking_id(payload))


def _sync_time(booking_id: uuid.UUID) -> None:
    """Make the Google event's time the booking's (a few rounds: a reschedule landing while
    we patch is caught by the re-check)."""
    for _ in range(SYNC_ROUNDS):
        with session_scope() as s:
            booking = meetings.booking_row(s, booking_id)
            meeting = meetings.meeting_row(s, booking_id)
            if booking is None or meeting is None or meeting.status != "ready" or booking.status != "confirmed":
                return
            if meeting.synced_starts_at == booking.starts_at:
                return
            calendar = meetings.tutor_calendar(s, booking.tutor_id) if meeting.calendar_event_id else None
            if calendar is None:  # a room has no time; nothing at Google to move
                meetings.record_synced(s, booking_id, booking.starts_at)
                return
            body = _times(booking)
            starts_at = booking.starts_at
        try:
            gcal.patch_event(gcal.credentials_for(calendar.refresh_token), calendar.calendar_id,
                             meeting.calendar_event_id, body)
        except CalendarError as err:
            if err.status not in (404, 410):  # an event that is gone has no time to fix
                if err.transient:
                    raise
                raise PermanentJobError(f"could not move the Google Calendar event: {_describe(err)}") from err
        with session_scope() as s:
            meetings.record_synced(s, booking_id, starts_at)


# meeting.cancel ---------------------------------------------------------------------------------
def cancel(payload: dict[str, Any]) -> None:
    _cancel(_booking_id(payload))


def _cancel(booking_id: uuid.UUID) -> None:
    with session_scope() as s:
        booking = meetings.booking_row(s, booking_id, lock=True)
        if booking is not None and booking.status not in meetings.GONE_STATUSES:
            return  # not cancelled (a stray job): keep the meeting
        meeting = meetings.mark_cancelled(s, booking_id)
        if meeting is None or not meeting.calendar_event_id:
            return
        calendar = meetings.tutor_calendar(s, booking.tutor_id) if booking is not None else None
    if calendar is None:
        log.warning("meeting cancelled but the tutor's calendar is not connected: event left in place",
                    extra={"booking_id": str(booking_id)})
        return
    try:
        gcal.delete_event(gcal.credentials_for(calendar.refresh_token), calendar.calendar_id,
                          meeting.calendar_event_id)
    except CalendarError as err:
        if err.status in (404, 410):  # never made, or deleted already
            return
        if err.transient:
            raise
        raise PermanentJobError(f"could not delete the Google Calendar event: {_describe(err)}") from err


# The job runner (services/jobs.py) takes this table; nothing registers on import.
JOBS = {
    meetings.CREATE_JOB: create,
    meetings.UPDATE_JOB: update,
    meetings.CANCEL_JOB: cancel,
}
