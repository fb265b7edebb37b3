"""Meeting links of confirmed lessons: the hooks the booking changes call (on_confirmed,
on_rescheduled, on_cancelled), the `meetings` row and its transitions, the join links the
pages show, and the outbox jobs that make, move and cancel the Google Calendar event with
its Meet link or fall back to a room (jobs.py: a `JOBS` table, which services.jobs
assembles with the others; nothing here imports services.jobs). It uses the notifications
package (the confirmation and the tutor's fallback notice), services.outbox, services.live
and services.calendar_connections (the tutor's Google Calendar).
"""

from tutorconnect.services.meetings.booking_subscriber import on_booking_changed
from tutorconnect.services.meetings.meetings import (
    CANCEL_JOB,
    CREATE_JOB,
    UPDATE_JOB,
    event_id_for,
    fallback_room_url,
    join_link_for,
    on_cancelled,
    on_confirmed,
    on_rescheduled,
)

__all__ = [
    "on_booking_changed",
    "CANCEL_JOB",
    "CREATE_JOB",
    "UPDATE_JOB",
    "event_id_for",
    "fallback_room_url",
    "join_link_for",
    "on_cancelled",
    "on_confirmed",
    "on_rescheduled",
]
