"""Bookings: the ONLY place that creates bookings or changes their status (creation,
the state machine and its steps, rescheduling, the sweepers), together with the booking
policy (price split, refund tiers, deadlines, the no-show grace period, what a lesson pays
the tutor), what a person may do next (actions), the
reading side (views, history, the pages' lists) and the tutor's cancellation figures.
Every change refreshes the open pages and publishes a `BookingChanged` event
(effects.py, services/booking_events.py); meetings and notifications subscribe to it at
start-up (tutorconnect/wiring.py), so this package imports neither. It uses the
capability package scheduling (whether a time is bookable, holds) and the shared services
booking_events, lesson_prices, access, audit, outbox, live, context and errors; it never
imports tutors (tutors uses bookings for a tutor's cancellation figures).
"""

from tutorconnect.services.bookings.actions import Actions, actions_for
from tutorconnect.services.bookings.commands import (
    accept,
    cancel,
    complete,
    decline,
    mark_no_show,
    mark_paid,
    refund_preview,
    revive_paid,
)
from tutorconnect.services.bookings.creation import create_booking, current_policy, describe
from tutorconnect.services.bookings.lists import (
    CANCELLATION_WINDOW_DAYS,
    BookingRow,
    TutorSummary,
    get_row,
    student_bookings,
    tutor_bookings,
    tutor_requests,
    tutor_summary,
)
from tutorconnect.services.bookings.machine import ALL_ACTIONS, REASON_MAX, TRANSITIONS, TransitionNotAllowed
from tutorconnect.services.bookings.moves import reschedule, reschedules_left
from tutorconnect.services.bookings.policy import (
    CANCELLERS,
    NO_SHOW_GRACE,
    cancellation_snapshot,
    may_reschedule,
    no_show_open,
    payment_expires_at,
    payment_open,
    platform_fee,
    refund_for,
    respond_by,
    split_price,
    tutor_earning,
)
from tutorconnect.services.bookings.queries import (
    get_booking,
    history,
    list_for_student,
    list_for_tutor,
    overlapping_active_pairs,
)
# The underscore helpers are used by services/payments (reading a booking it is about to
# change, and its access check); kept under their old names until payments gets public ones.
from tutorconnect.services.bookings.records import BookingView, view_of, visible_booking
from tutorconnect.services.bookings.stats import tutor_cancellations
from tutorconnect.services.bookings.sweeps import auto_decline_overdue, complete_ended, expire_unpaid

__all__ = [
    # what a person may do next (the pages show buttons from these)
    "Actions",
    "actions_for",
    # creating and changing bookings
    "create_booking",
    "current_policy",
    "mark_paid",
    "revive_paid",
    "accept",
    "decline",
    "cancel",
    "refund_preview",
    "complete",
    "mark_no_show",
    "reschedule",
    "reschedules_left",
    "expire_unpaid",
    "auto_decline_overdue",
    "complete_ended",
    # the state machine
    "TRANSITIONS",
    "ALL_ACTIONS",
    "REASON_MAX",
    "TransitionNotAllowed",
    # reading
    "BookingView",
    "get_booking",
    "history",
    "list_for_student",
    "list_for_tutor",
    "overlapping_active_pairs",
    # the pages' lists
    "BookingRow",
    "TutorSummary",
    "CANCELLATION_WINDOW_DAYS",
    "student_bookings",
    "tutor_bookings",
    "tutor_requests",
    "tutor_summary",
    "get_row",
    "view_of",
    "visible_booking",
    "tutor_cancellations",
    # policy (pure, but describe reads the no-show grace from the settings)
    "CANCELLERS",
    "NO_SHOW_GRACE",
    "cancellation_snapshot",
    "describe",
    "may_reschedule",
    "no_show_open",
    "payment_expires_at",
    "payment_open",
    "platform_fee",
    "refund_for",
    "respond_by",
    "split_price",
    "tutor_earning",
]
