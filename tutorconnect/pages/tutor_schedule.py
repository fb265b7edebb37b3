"""/tutor/schedule: a tutor's requests to answer, upcoming lessons and past ones."""

from __future__ import annotations

import reflex as rx

from tutorconnect.components.booking_card import (
    booking_card,
    pagination,
    reason_dialog,
    reschedule_dialog,
    skeleton,
    tabs,
)
from tutorconnect.components.empty_state import empty_state
from tutorconnect.components.layout import page, page_header
from tutorconnect.services.bookings import CANCELLATION_WINDOW_DAYS
from tutorconnect.state.bookings_list import TutorScheduleState as S

MUTED = rx.color("gray", 11)


def _cancellations() -> rx.Component:
    return rx.callout.root(
        rx.callout.icon(rx.icon(rx.cond(S.cancellations > 0, "triangle-alert", "shield-check"))),
        rx.callout.text(
            rx.text.strong(S.cancellations.to_string(), id="tutor-cancellations"),
            " of ", rx.text.span(S.recent_bookings.to_string(), id="tutor-recent-bookings"),
            f" bookings made in the last {CANCELLATION_WINDOW_DAYS} days were cancelled by you; "
            "these count against you. Declining a request in time does not.",
        ),
        color_scheme=rx.cond(S.cancellations > 0, "amber", "gray"),
        size="1",
        width="100%",
        id="cancellation-summary",
    )


def _empty() -> rx.Component:
    return rx.match(
        S.tab,
        ("requests", empty_state("inbox", "No requests waiting",
                                 "Paid bookings that need your confirmation appear here, soonest lesson first.",
                                 "Edit your profile", "/tutor/profile", id="schedule-empty-requests")),
        ("past", empty_state("history", "No past lessons yet", "Lessons you have taught appear here.",
                             "View your profile", "/tutor/profile", id="schedule-empty-past")),
        empty_state("calendar", "No upcoming lessons",
                    "Students book your free times; keep your availability up to date to be found.",
                    "Edit your profile", "/tutor/profile", id="schedule-empty"),
    )


def _list() -> rx.Component:
    return rx.cond(
        S.loading,
        skeleton(),
        rx.cond(
            S.total > 0,
            rx.vstack(rx.foreach(S.cards, lambda c: booking_card(c, S, "tutor")), pagination(S),
                      spacing="3", width="100%", id="bookings-list"),
            _empty(),
        ),
    )


@page("/tutor/schedule", "Your schedule", on_load=[S.load])
def tutor_schedule() -> rx.Component:
    return rx.vstack(
        page_header(
            "Your schedule",
            rx.text("Times are in your time zone, ", rx.text.strong(S.user_time_zone, id="viewer-zone"),
                    " (", rx.link("change", href="/account"), "). Prices show what the student pays and what you earn after the platform fee."),
        ),
        rx.cond(S.loading, rx.fragment(), _cancellations()),
        tabs(S, [("requests", "Requests", S.request_count), ("upcoming", "Upcoming", None), ("past", "Past", None)]),
        _list(),
        reason_dialog(S),
        reschedule_dialog(S),
        spacing="4",
        width="100%",
        id="tutor-schedule",
    )
