"""/tutor/availability: the tutor's booking settings, weekly hours, date overrides, time
off and a live preview of the free slots that result, all in the tutor's own zone."""

from __future__ import annotations

import reflex as rx

from tutorconnect.components.availability_calendar import (
    calendar_section,
    time_off_section,
)
from tutorconnect.components.availability_parts import (
    MUTED,
    field_error,
    interval_row,
    number_field,
    section,
)
from tutorconnect.components.empty_state import empty_state
from tutorconnect.components.layout import page, page_header
from tutorconnect.state.availability_editor import AvailabilityEditorState as S


def _settings() -> rx.Component:
    return section(
        "Booking settings",
        "How students may book you. Buffers keep time free around each lesson.",
        rx.form(
            rx.vstack(
                rx.grid(
                    number_field("Buffer before (minutes)", "buffer_before", "0–120 minutes free before a lesson."),
                    number_field("Buffer after (minutes)", "buffer_after", "0–120 minutes free after a lesson."),
                    number_field("Minimum notice (hours)", "min_notice_hours", "How soon before a lesson students may book.",
                            step="0.25"),
                    number_field("Booking horizon (days)", "horizon_days", "How far ahead students may book (1–365)."),
                    number_field("Max lessons per day", "max_per_day", "Optional (1–24); leave empty for no limit.",
                            required=False),
                    columns=rx.breakpoints(initial="1", sm="2", md="3"),
                    gap="1rem",
                    width="100%",
                ),
                field_error(S.settings_errors.get("form", ""), "settings-form-error"),
                rx.flex(
                    rx.button(rx.cond(S.settings_saving, rx.spinner(size="2"), rx.icon("save", size=16)),
                              "Save settings", type="submit", disabled=S.settings_saving, id="settings-save"),
                    justify="end",
                    width="100%",
                ),
                spacing="3",
                width="100%",
            ),
            on_submit=S.save_settings,
            key=S.settings_key,
            width="100%",
            id="settings-form",
        ),
        id="settings-section",
    )


# -- interval editor shared by the weekly grid and the day panel ----------------------------------


def _week_day(day) -> rx.Component:
    return rx.flex(
        rx.text(day.label, weight="medium", size="2", width=rx.breakpoints(initial="100%", sm="7rem"),
                flex_shrink="0", padding_top="0.35rem"),
        rx.flex(
            rx.cond(day.intervals.length() == 0, rx.text("Unavailable", size="2", color=MUTED, padding_top="0.35rem")),
            rx.foreach(
                day.intervals,
                lambda iv: interval_row(
                    iv,
                    lambda v: S.set_rule_time(day.weekday, iv.index, "start", v),
                    lambda v: S.set_rule_time(day.weekday, iv.index, "end", v),
                    S.remove_interval(day.weekday, iv.index),
                    day.label,
                ),
            ),
            rx.button(rx.icon("plus", size=14), "Add", variant="soft", size="1", on_click=S.add_interval(day.weekday),
                      aria_label="Add an interval on " + day.label, class_name="interval-add", margin_top="0.2rem"),
            wrap="wrap",
            gap="0.5rem",
            align="start",
            flex="1",
        ),
        gap="0.5rem",
        wrap=rx.breakpoints(initial="wrap", sm="nowrap"),
        width="100%",
        padding_y="0.6rem",
        border_bottom=f"1px solid {rx.color('gray', 4)}",
        class_name="week-day",
        custom_attrs={"data-weekday": day.weekday},
    )


def _weekly() -> rx.Component:
    return section(
        "Weekly hours",
        rx.text("Repeats every week, in ", S.zone, ". Several intervals a day are fine (quarter hours)."),
        rx.vstack(rx.foreach(S.week, _week_day), spacing="0", width="100%", id="week-grid"),
        rx.cond(
            S.week_error != "",
            rx.callout.root(rx.callout.icon(rx.icon("circle-alert")), rx.callout.text(S.week_error), color_scheme="red",
                            role="alert", width="100%", id="week-error"),
        ),
        rx.flex(
            rx.button(rx.icon("copy", size=14), "Copy Monday to weekdays", variant="soft", color_scheme="gray",
                      on_click=S.copy_monday, id="copy-monday"),
            rx.spacer(),
            rx.cond(S.week_dirty, rx.badge("Unsaved changes", color_scheme="amber", id="week-dirty")),
            rx.button("Discard", variant="soft", color_scheme="gray", on_click=S.discard_week, disabled=~S.week_dirty,
                      id="week-discard"),
            rx.button(rx.cond(S.week_saving, rx.spinner(size="2"), rx.icon("save", size=16)), "Save weekly hours",
                      on_click=S.save_week, disabled=S.week_saving, id="week-save"),
            wrap="wrap",
            gap="0.5rem",
            align="center",
            width="100%",
        ),
        id="weekly-section",
    )


# -- month calendar, the day panel and time off ---------------------------------------------------


def _preview_day(day) -> rx.Component:
    return rx.vstack(
        rx.vstack(rx.text(day.label, weight="bold", size="2"), rx.text(day.date, size="1", color=MUTED),
                  spacing="0", align="center", width="100%"),
        rx.cond(
            day.slots.length() > 0,
            rx.vstack(
                rx.text(day.slots.length(), rx.cond(day.slots.length() == 1, " time", " times"), size="1",
                        color=MUTED),
                rx.flex(
                    rx.foreach(day.shown, lambda s: rx.badge(s, variant="soft", size="2", class_name="preview-slot")),
                    wrap="wrap",
                    gap="0.25rem",
                    justify="center",
                ),
                rx.cond(day.more > 0, rx.text("+", day.more, " more", size="1", color=MUTED)),
                spacing="1",
                align="center",
            ),
            rx.text("—", color=rx.color("gray", 8), size="2"),
        ),
        spacing="2",
        align="center",
        min_width="0",
        padding="0.5rem",
        border_radius="8px",
        background=rx.color("gray", 2),
        class_name="preview-day",
        custom_attrs={"data-date": day.iso, "data-count": day.slots.length()},
    )


def _preview() -> rx.Component:
    return section(
        "Preview: your next 7 days",
        rx.text("Start times students can book now, in ", S.zone, ", after buffers, notice, bookings and time off."),
        rx.flex(
            rx.foreach(
                S.lengths,
                lambda item: rx.button(
                    item["label"], rx.text.span(" · ", item["price"], weight="regular"),
                    variant=rx.cond(S.preview_length == item["minutes"], "solid", "outline"),
                    on_click=S.choose_preview_length(item["minutes"]), size="1", class_name="preview-length",
                    aria_pressed=rx.cond(S.preview_length == item["minutes"], "true", "false"),
                ),
            ),
            rx.link("Change lengths and prices", href="/tutor/profile", size="2", id="edit-pricing"),
            wrap="wrap",
            gap="0.5rem",
            align="center",
            width="100%",
        ),
        rx.cond(
            S.preview_loading,
            rx.grid(*[rx.skeleton(rx.box(height="120px")) for _ in range(7)],
                    columns=rx.breakpoints(initial="2", sm="4", md="7"), gap="0.5rem", width="100%"),
            rx.cond(
                S.preview_count > 0,
                rx.grid(rx.foreach(S.preview, _preview_day), columns=rx.breakpoints(initial="2", sm="4", md="7"),
                        gap="0.5rem", width="100%", id="preview-grid"),
                rx.callout.root(
                    rx.callout.icon(rx.icon("calendar-x")),
                    rx.callout.text("No bookable times in the next 7 days: add weekly hours (and check your time off, "
                                    "minimum notice and overrides)."),
                    color_scheme="gray", width="100%", id="preview-empty",
                ),
            ),
        ),
        id="preview-section",
        actions=rx.button(rx.icon("refresh-cw", size=14), "Preview", variant="soft", on_click=S.refresh_preview,
                          loading=S.preview_loading, id="preview-refresh"),
    )


def _skeleton() -> rx.Component:
    return rx.vstack(*[rx.skeleton(rx.card(rx.box(height=h), width="100%")) for h in ("140px", "320px", "280px")],
                     width="100%", spacing="4", id="availability-loading")


@page("/tutor/availability", "Your availability", on_load=[S.load])
def tutor_availability() -> rx.Component:
    return rx.vstack(
        page_header(
            "Your availability",
            rx.text("When students can book you. All times in ", rx.text.span(S.zone, weight="bold", id="tutor-zone"),
                    "."),
            rx.cond(S.now_label != "", rx.badge(rx.icon("clock", size=14), "Your time now: ", S.now_label,
                                                variant="soft", color_scheme="gray", size="2", id="tutor-now")),
        ),
        rx.cond(
            S.loading,
            _skeleton(),
            rx.cond(
                S.no_profile,
                empty_state("calendar-clock", "Start your tutor profile first",
                            "Availability belongs to your tutor profile: create it, then set your hours here.",
                            "Create your profile", "/tutor/profile", id="availability-no-profile"),
                rx.cond(
                    S.week.length() > 0,
                    rx.vstack(_weekly(), _preview(), calendar_section(), time_off_section(), _settings(), spacing="4", width="100%",
                              id="availability-editor"),
                    empty_state("lock", "Sign in as a tutor", "This page is for tutors editing their own hours.",
                                "Go to your dashboard", "/dashboard", id="availability-refused"),
                ),
            ),
        ),
        width="100%",
    )
