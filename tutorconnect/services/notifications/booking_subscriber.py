"""The notifications package's answer to booking changes (subscribed in
tutorconnect/wiring.py, after the meetings package): which event each change tells the
people of the booking. A confirmation is not sent here: the meeting job sends it once the
join link is known. Runs in the transaction that changed the booking."""

from __future__ import annotations

from sqlmodel import Session

from tutorconnect.models import BookingStatus as S
from tutorconnect.services.booking_events import BookingChanged
from tutorconnect.services.notifications.notify import booking_event

_BY_STATUS = {
    S.AWAITING_TUTOR.value: "booking.awaiting_tutor",
    S.DECLINED.value: "booking.declined",
    S.CANCELLED.value: "booking.cancelled",
    S.COMPLETED.value: "booking.review_requested",
    S.NO_SHOW_STUDENT.value: "booking.no_show",
    S.NO_SHOW_TUTOR.value: "booking.no_show",
}


def on_booking_changed(session: Session, event: BookingChanged) -> None:
    if event.action == "create":
        return
    if event.action == "reschedule":
        booking_event(session, "booking.rescheduled", event.after, old_starts_at=event.before.starts_at)
        return
    if not event.status_changed:
        return
    name = _BY_STATUS.get(event.after.status)
    if name is not None:
        booking_event(session, name, event.after, previous_status=event.before.status)
