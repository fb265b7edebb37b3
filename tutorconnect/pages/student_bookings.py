"""/bookings: a student's lessons, upcoming and past, with what they can do about each."""

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
from tutorconnect.state.bookings_list import StudentBookingsState as S

MUTED = rx.color("gray", 11)


def _review_dialog() -> rx.Component:
    def star(n: int) -> rx.Component:
        return rx.icon_button(
            rx.icon("star", size=22, fill=rx.cond(S.review_rating >= n, "currentColor", "none")),
            variant="ghost", color_scheme="amber", type="button", on_click=S.set_rating(n),
            aria_label=f"{n} star{'s' if n > 1 else ''}", id=f"star-{n}",
        )

    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Review your lesson with ", S.review["tutor"]),
            rx.dialog.description(S.review["what"], size="2", color=MUTED),
            rx.form(
                rx.vstack(
                    rx.hstack(*[star(n) for n in range(1, 6)], spacing="2", role="group", aria_label="Rating"),
                    rx.text("What went well? What could be better? (optional)", as_="label", html_for="body",
                            size="2", weight="medium"),
                    rx.text_area(id="body", name="body", rows="4", width="100%", max_length=2000),
                    rx.cond(S.review_error != "", rx.text(S.review_error, color=rx.color("red", 11), size="2",
                                                          id="review-error")),
                    rx.flex(
                        rx.button("Not now", type="button", variant="soft", color_scheme="gray", on_click=S.close_review),
                        rx.button("Publish review", type="submit", loading=S.busy, id="review-submit"),
                        gap="0.75rem", justify="end", width="100%",
                    ),
                    spacing="3",
                    width="100%",
                    margin_top="0.75rem",
                ),
                on_submit=S.submit_review,
                reset_on_submit=False,
            ),
            max_width="30rem",
            id="review-dialog",
        ),
        open=S.review_open,
        on_open_change=lambda _open: S.close_review(),
    )


def _list() -> rx.Component:
    return rx.cond(
        S.loading,
        skeleton(),
        rx.cond(
            S.total > 0,
            rx.vstack(rx.foreach(S.cards, lambda c: booking_card(c, S, "student")), pagination(S),
                      spacing="3", width="100%", id="bookings-list"),
            rx.cond(
                S.tab == "upcoming",
                empty_state("calendar-plus", "No upcoming lessons",
                            "Find a tutor who fits your goals and book a time that suits you.",
                            "Find a tutor", "/tutors", id="bookings-empty"),
                empty_state("history", "No past lessons yet",
                            "Lessons you have had (and cancelled ones) appear here.",
                            "Find a tutor", "/tutors", id="bookings-empty-past"),
            ),
        ),
    )


@page("/bookings", "My lessons", on_load=[S.load])
def student_bookings() -> rx.Component:
    return rx.vstack(
        page_header(
            "My lessons",
            rx.text("Times are in your time zone, ", rx.text.strong(S.user_time_zone, id="viewer-zone"),
                    " (", rx.link("change", href="/account"), ")."),
            rx.link(rx.button(rx.icon("search", size=16), "Find a tutor", variant="soft"), href="/tutors"),
        ),
        tabs(S, [("upcoming", "Upcoming", None), ("past", "Past", None)]),
        _list(),
        reason_dialog(S),
        reschedule_dialog(S),
        _review_dialog(),
        spacing="4",
        width="100%",
        id="student-bookings",
    )
