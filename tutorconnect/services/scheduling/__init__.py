"""Scheduling: when a tutor can be booked. It owns the tutor's availability editor
(settings, weekly rules, date overrides, time off), the pure slot core with its DST
policy, slot search (`free_slots`), THE bookability check (`ensure_bookable`, with its
`SlotUnavailable` reasons), slot holds (Redis or PostgreSQL) and the cached busy times of
a connected Google Calendar. Inside, the arrows go one way: errors and slot_core at the
bottom; busy_times and hold_store above them; tutor_facts, then slot_search and
bookability; hold_placement (bookability + hold_store) and availability (slot_search) on
top. It uses the services live (slot change announcements), calendar_connections (the
Google grant), context and errors, the integrations redis_client and google_calendar,
models.scheduling, config and db; it uses no other capability package.
"""

from tutorconnect.services.scheduling.availability import (
    GRANULARITY, MAX_INTERVALS_PER_DAY, MAX_NOTE, MAX_TIME_OFF_DAYS, Availability, add_time_off, clear_override,
    get_availability, get_or_create_schedule, preview_slots, remove_time_off, replace_weekly_rules, save_settings,
    set_override,
)
from tutorconnect.services.scheduling.bookability import ensure_bookable
from tutorconnect.services.scheduling.busy_times import MAX_QUERY_DAYS, busy_between, snapshot
from tutorconnect.services.scheduling.errors import REASONS, SlotUnavailable
from tutorconnect.services.scheduling.hold_placement import place_hold
from tutorconnect.services.scheduling.hold_store import (
    HELD_MESSAGE, Hold, active_holds, get_hold, hold_ttl_seconds, release_hold,
)
from tutorconnect.services.scheduling.slot_core import SlotInputs, compute_slots
from tutorconnect.services.scheduling.slot_search import MAX_RANGE_DAYS, Slot, free_slots

__all__ = [
    # availability (the tutor's own editor; preview_slots checks the caller is the tutor)
    "Availability", "GRANULARITY", "MAX_INTERVALS_PER_DAY", "MAX_NOTE", "MAX_TIME_OFF_DAYS", "add_time_off",
    "clear_override", "get_availability", "get_or_create_schedule", "preview_slots", "remove_time_off",
    "replace_weekly_rules", "save_settings", "set_override",
    # slot search and the pure core
    "MAX_RANGE_DAYS", "Slot", "SlotInputs", "compute_slots", "free_slots",
    # bookability
    "REASONS", "SlotUnavailable", "ensure_bookable",
    # holds
    "HELD_MESSAGE", "Hold", "active_holds", "get_hold", "hold_ttl_seconds", "place_hold", "release_hold",
    # Google Calendar busy times
    "MAX_QUERY_DAYS", "busy_between", "snapshot",
]
