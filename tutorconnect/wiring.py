"""Start-up wiring: which capability listens to which events, said once, explicitly.

Every process that can change bookings calls `wire()` before it does: the app
(tutorconnect/tutorconnect.py), the Celery worker (workers/celery_app.py), the command
line (tutorconnect/cli.py), the test suite (tests/conftest.py) and the benchmarks. It is
idempotent. Order matters and is kept from before the events existed: the meeting first,
then the notifications.
"""

from __future__ import annotations

from tutorconnect.services import booking_events, meetings, notifications


def wire() -> None:
    booking_events.subscribe("meetings", meetings.on_booking_changed)
    booking_events.subscribe("notifications", notifications.on_booking_changed)
