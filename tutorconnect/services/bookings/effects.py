"""What a booking change causes: the open pages refresh, and a `BookingChanged` event is
published (services/booking_events.py) for the subscribers wired at start-up: the meetings
package (make, move or cancel the meeting) and the notifications package (tell the people;
the event table is notifications/booking_subscriber.py). The bookings package imports
neither of them.

`after_change` runs inside the transaction that changed the booking (machine._swap,
creation, moves and sweeps call it for every transition and every move), so its effects
commit with the change or not at all: meeting jobs and notifications go through the
outbox, live pushes go out after the commit.

Notification event names (the notifications package renders and delivers them):
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

from tutorconnect.services import booking_events, live


def announce(session: Session, booking: Any) -> None:
    """Open pages of both people, and anyone looking at the tutor's free times, refresh."""
    live.publish(session, live.bookings_topic(booking.student_id), live.bookings_topic(booking.tutor_id),
                 live.slots_topic(booking.tutor_id))


def after_change(session: Session, before: Any, after: Any, action: str) -> None:
    """`before`/`after`: the booking row before and after the change; `action`: the
    machine.TRANSITIONS action (or "create"). Pages refresh; the subscribers of
    booking_events (meetings, then notifications: tutorconnect/wiring.py) do the rest."""
    announce(session, after)
    booking_events.publish(session, booking_events.BookingChanged(action, before, after))
