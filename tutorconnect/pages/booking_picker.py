"""/book/[slug]: pick a lesson length and a free time (in your own zone), hold it, book it."""

from __future__ import annotations

import reflex as rx

from tutorconnect.components.zone_picker import zone_input
from tutorconnect.components.empty_state import empty_state
from tutorconnect.components.layout import page, page_header
from tutorconnect.state.booking_picker import BookingPickerState as S

MUTED = rx.color("gray", 11)


def _zone_bar() -> rx.Component:
    return rx.flex(
        rx.hstack(
            rx.icon("globe", size=16, color=MUTED),
            rx.text("Times in ", rx.text.span(S.zone, weight="bold", id="viewer-zone"),
                    rx.cond(S.zone_from_browser, " (from your browser)", ""), size="2", color=MUTED),
            align="center",
            spacing="2",
        ),
        rx.spacer(),
        rx.form(
            rx.hstack(
                rx.box(zone_input(id="zone-select", name="zone", value=S.zone, options=S.zone_options,
                                  aria_label="Time zone for the times shown"), width="16rem", max_width="100%"),
                rx.button("Show times", type="submit", size="2", variant="soft", id="zone-apply"),
                align="center",
                spacing="2",
            ),
            on_submit=S.change_zone,
            reset_on_submit=False,
        ),
        wrap="wrap",
        gap="0.5rem",
        align="center",
        width="100%",
    )


def _lengths() -> rx.Component:
    return rx.flex(
        rx.foreach(
            S.lengths,
            lambda item: rx.button(
                item["label"], rx.text.span(" · ", item["price"], weight="regular"),
                variant=rx.cond(S.length.to_string() == item["minutes"], "solid", "outline"),
                on_click=S.choose_length(item["minutes"]), size="2", class_name="length-option",
            ),
        ),
        wrap="wrap",
        gap="0.5rem",
        id="length-options",
    )


def _week_nav() -> rx.Component:
    return rx.flex(
        rx.icon_button(rx.icon("chevron-left", size=16), variant="soft", on_click=S.move_week(-1),
                       aria_label="Previous week", id="week-prev", disabled=S.at_today),
        rx.text(S.week_label, weight="medium", id="week-label"),
        rx.icon_button(rx.icon("chevron-right", size=16), variant="soft", on_click=S.move_week(1),
                       aria_label="Next week", id="week-next"),
        rx.spacer(),
        rx.button(rx.icon("fast-forward", size=14), "Next available", variant="ghost", on_click=S.next_available,
                  id="next-available"),
        align="center",
        gap="0.5rem",
        width="100%",
        wrap="wrap",
    )


def _day(day) -> rx.Component:
    return rx.vstack(
        rx.vstack(rx.text(day.label, weight="bold", size="2"), rx.text(day.date, size="1", color=MUTED),
                  spacing="0", align="center", width="100%"),
        rx.cond(
            day.slots.length() > 0,
            rx.foreach(
                day.slots,
                lambda s: rx.button(s.label, variant="soft", size="2", width="100%", class_name="slot-button",
                                    on_click=S.choose_slot(s.value), disabled=S.busy,
                                    custom_attrs={"data-start": s.value}),
            ),
            rx.text("—", color=rx.color("gray", 8), size="2"),
        ),
        spacing="2",
        align="center",
        min_width="0",
        class_name="slot-day",
    )


def _grid() -> rx.Component:
    return rx.cond(
        S.searching,
        rx.grid(*[rx.skeleton(rx.box(height="180px")) for _ in range(7)],
                columns=rx.breakpoints(initial="2", sm="4", md="7"), gap="0.5rem", width="100%"),
        rx.cond(
            S.slot_count > 0,
            rx.grid(rx.foreach(S.days, _day), columns=rx.breakpoints(initial="2", sm="4", md="7"), gap="0.75rem",
                    width="100%", id="slot-grid"),
            rx.callout.root(
                rx.callout.icon(rx.icon("calendar-x")),
                rx.callout.text("No free times in these 7 days for this lesson length. Try the next week or ",
                                rx.link("jump to the next available time", on_click=S.next_available, href="#"), "."),
                color_scheme="gray", width="100%", id="no-slots",
            ),
        ),
    )


def _summary() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading("Your time is held", size="4"),
            rx.text(S.hold["when"], weight="bold", size="3", id="held-when"),
            rx.text("Tutor's local time: ", S.hold["tutor_when"], size="2", color=MUTED),
            rx.text(S.hold["length"], " · ", S.hold["price"], size="2", id="held-price"),
            rx.text("Held for you until ", S.hold["until"], ". ", S.hold["policy"], size="1", color=MUTED,
                    id="held-policy"),
            rx.flex(
                rx.button("Choose another time", variant="soft", color_scheme="gray", on_click=S.release, id="release-hold"),
                rx.button(rx.icon("check", size=16), "Book this lesson", on_click=S.book, loading=S.busy, id="book-now"),
                gap="0.5rem",
                wrap="wrap",
                justify="end",
                width="100%",
            ),
            spacing="2",
            width="100%",
        ),
        width="100%",
        id="hold-summary",
        class_name="tc-dock-sm",
    )


def _booked() -> rx.Component:
    return rx.callout.root(
        rx.callout.icon(rx.icon("calendar-check")),
        rx.callout.text(
            rx.text.strong("Booking ", S.booking["reference"], ": "), S.booking["when"], ". Status: ",
            S.booking["status"], rx.cond(S.booking["expires"] != "",
                                         rx.text.span(". Pay by ", S.booking["expires"], " or it expires.")),
        ),
        color_scheme="green",
        width="100%",
        id="booking-made",
    )


def _content() -> rx.Component:
    return rx.vstack(
        page_header(
            rx.hstack(rx.avatar(src=S.tutor_photo, fallback=S.tutor_name[:1], size="4", radius="full"),
                      rx.text("Book a lesson with ", S.tutor_name), align="center"),
            rx.text("Pick a length and a time. Times are shown in your time zone; the tutor is in ", S.tutor_zone, "."),
        ),
        _zone_bar(),
        _lengths(),
        rx.cond(S.booking.contains("reference"), _booked()),
        rx.cond(S.hold.contains("when"), _summary()),
        _week_nav(),
        _grid(),
        rx.cond(S.hold.contains("when"), rx.box(class_name="tc-dock-space-sm")),  # room below the docked panel
        spacing="4",
        width="100%",
        id="booking-picker",
    )


@page("/book/[slug]", "Book a lesson", on_load=[S.load])
def booking_picker() -> rx.Component:
    return rx.cond(
        S.loading,
        rx.vstack(*[rx.skeleton(rx.box(height="3rem", width="100%")) for _ in range(4)], width="100%"),
        rx.cond(
            S.found,
            _content(),
            empty_state("user-x", "Tutor not found", "This tutor does not exist or is not taking bookings right now.",
                        "Browse tutors", "/tutors", id="booking-tutor-not-found"),
        ),
    )
