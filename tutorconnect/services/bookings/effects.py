"""What a booking change causes, decided in one place.

`after_change` runs inside the transaction that changed the booking (machine._swap,
creation, moves and sweeps call it for every transition and every move), so its effects
commit with the change or not at all: meeting jobs and notifications go through the
outbox, live pushes go out after the commit.

Event names (the notifications package renders and delivers them):
  booking.awaiting_tutor   paid, waiting for the tutor (to both)
  booking.confirmed        sent by the meeting job once the join link is known
  booking.declined         declined by the tutor or automatically (refund amount)
  booking.rescheduled      moved to a new time (old time in `old_starts_at`)
  booking.cancelled        cancelled by someone (refund amount, who cancelled)
  booking.review_requested completed: the student is asked for a review
  booking.no_show          a no-show was reported
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from tutorconnect.models import BookingStatus as S
from tutorconnect.services import live, meetings, notifications

_BY_STATUS = {
    S.AWAITING_TUTOR.value: "booking.awaiting_tutor",
    S.DECLINED.value: "booking.declined",
    S.CANCELLED.value: "booking.cancelled",
    S.COMPLETED.value: "booking.review_requested",
    S.NO_SHOW_STUDENT.value: "booking.no_show",
    S.NO_SHOW_TUTOR.value: "booking.no_show",
}


def announce(session: Session, booking: Any) -> None:
    """Open pages of both people, and anyone looking at the tutor's free times, refresh."""
    live.publish(session, live.bookings_topic(booking.student_id), live.bookings_topic(booking.tutor_id),
                 live.slots_topic(booking.tutor_id))


def after_change(session: Session, before: Any, after: Any, action: str) -> None:
    """`before`/`after`: the booking row before and after the change; `action`: the
    machine.TRANSITIONS action (or "create")."""
    announce(session, after)
    if action == "create":
        return
    if action == "reschedule":
        meetings.on_rescheduled(session, after)
        notifications.booking_event(session, "booking.rescheduled", after, old_starts_at=before.starts_at)
        return
    if after.status == before.status:
        return
    if after.status == S.CONFIRMED.value:
        # The confirmation (email with the join link and .ics, in-app) is sent by the
        # meeting job once it has the link, so nobody gets a confirmation without one.
        meetings.on_confirmed(session, after)
        return
    if after.status == S.CANCELLED.value:
        meetings.on_cancelled(session, after)
    event = _BY_STATUS.get(after.status)
    if event is not None:
        notifications.booking_event(session, event, after, previous_status=before.status)
