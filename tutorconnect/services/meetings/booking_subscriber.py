"""The meetings package's answer to booking changes (subscribed in tutorconnect/wiring.py):
a confirmed booking gets a meeting, a moved one has it moved, a cancelled one has it
cancelled. Runs in the transaction that changed the booking."""

from __future__ import annotations

from sqlmodel import Session

from tutorconnect.models import BookingStatus as S
from tutorconnect.services.booking_events import BookingChanged
from tutorconnect.services.meetings import meetings


def on_booking_changed(session: Session, event: BookingChanged) -> None:
    if event.action == "create":
        return
    if event.action == "reschedule":
        meetings.on_rescheduled(session, event.after)
        return
    if not event.status_changed:
        return
    if event.after.status == S.CONFIRMED.value:
        # The confirmation (email with the join link and .ics, in-app) is sent by the
        # meeting job once it has the link, so nobody gets a confirmation without one.
        meetings.on_confirmed(session, event.after)
    elif event.after.status == S.CANCELLED.value:
        meetings.on_cancelled(session, event.after)
