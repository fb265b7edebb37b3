"""The availability editor's calendar (date overrides: one day's own hours or closed) and
its time-off list, for tutorconnect/pages/tutor_availability.py."""

from __future__ import annotations

import reflex as rx

from tutorconnect.components.availability_parts import (
    ERROR,
    MUTED,
    WEEKDAY_HEADS,
    field_error,
    interval_row,
    section,
)
from tutorconnect.state.availability_editor import AvailabilityEditorState as S


def _cal_day(day) -> rx.Component:
    mark_color = rx.match(day.kind, ("closed", "red"), ("hours", "blue"), ("off", "amber"), "gray")
    return rx.el.button(
        rx.vstack(
            rx.text(day.number, size="2", weight=rx.cond(day.today, "bold", "regular")),
            rx.cond(
                day.kind != "",
                rx.fragment(
                    # a word on wider screens, a coloured dot on a phone
                    rx.badge(rx.match(day.kind, ("closed", "Closed"), ("hours", "Hours"), "Off"),
                             color_scheme=mark_color, size="1", variant="soft", class_name="cal-mark",
                             display=rx.breakpoints(initial="none", sm="inline-flex")),
                    rx.box(width="8px", height="8px", border_radius="50%",
                           background=rx.match(day.kind, ("closed", rx.color("red", 9)), ("hours", rx.color("blue", 9)),
                                               rx.color("amber", 9)),
                           display=rx.breakpoints(initial="block", sm="none")),
                ),
            ),
            spacing="1",
            align="center",
        ),
        on_click=S.open_day(day.iso),
        disabled=day.past,
        aria_label=day.aria,
        title=day.label,
        class_name="cal-day",
        custom_attrs={"data-date": day.iso, "data-kind": day.kind},
        style={
            "min_height": "3.6rem",
            "width": "100%",
            "padding": "0.35rem 0.1rem",
            "border_radius": "8px",
            "border": rx.cond(day.today, f"2px solid {rx.color('accent', 9)}", f"1px solid {rx.color('gray', 5)}"),
            "background": rx.cond(day.in_month, rx.color("gray", 1), rx.color("gray", 2)),
            "color": rx.cond(day.in_month, rx.color("gray", 12), rx.color("gray", 10)),
            "opacity": rx.cond(day.past, "0.45", "1"),
            "cursor": rx.cond(day.past, "default", "pointer"),
            "_hover": {"border_color": rx.color("accent", 8)},
            "_focus_visible": {"outline": f"2px solid {rx.color('accent', 9)}", "outline_offset": "1px"},
        },
    )


def _legend() -> rx.Component:
    return rx.flex(
        rx.badge("Closed", color_scheme="red", variant="soft"), rx.text("closed all day", size="1", color=MUTED),
        rx.badge("Hours", color_scheme="blue", variant="soft"), rx.text("different hours", size="1", color=MUTED),
        rx.badge("Off", color_scheme="amber", variant="soft"), rx.text("time off", size="1", color=MUTED),
        gap="0.4rem",
        align="center",
        wrap="wrap",
    )


def _day_panel() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(S.day_title),
            rx.dialog.description(
                rx.text("Weekly hours for this day: ", S.day_weekly_label, ". Times in ", S.zone, "."),
                size="2", color=MUTED,
            ),
            rx.vstack(
                rx.radio_group.root(
                    rx.vstack(
                        rx.radio_group.item("Use my weekly hours", value="weekly", id="day-mode-weekly"),
                        rx.radio_group.item("Closed all day", value="closed", id="day-mode-closed"),
                        rx.radio_group.item("Different hours", value="hours", id="day-mode-hours"),
                        spacing="2",
                    ),
                    value=S.day_mode,
                    on_change=S.set_day_mode,
                    aria_label="What happens on this day",
                    id="day-mode",
                ),
                rx.cond(
                    S.day_mode == "hours",
                    rx.flex(
                        rx.foreach(
                            S.day_intervals,
                            lambda iv: interval_row(iv, lambda v: S.set_day_time(iv.index, "start", v),
                                                 lambda v: S.set_day_time(iv.index, "end", v),
                                                 S.remove_day_interval(iv.index), "This day's"),
                        ),
                        rx.button(rx.icon("plus", size=14), "Add", variant="soft", size="1", on_click=S.add_day_interval,
                                  id="day-add-interval"),
                        wrap="wrap",
                        gap="0.5rem",
                        align="center",
                        id="day-intervals",
                    ),
                ),
                rx.cond(
                    S.day_error != "",
                    rx.callout.root(rx.callout.icon(rx.icon("circle-alert")), rx.callout.text(S.day_error),
                                    color_scheme="red", role="alert", width="100%", id="day-error"),
                ),
                rx.flex(
                    rx.cond(S.day_has_override, rx.text("This day has an override.", size="1", color=MUTED)),
                    rx.spacer(),
                    rx.dialog.close(rx.button("Cancel", variant="soft", color_scheme="gray", id="day-cancel")),
                    rx.button(rx.cond(S.day_saving, rx.spinner(size="2"), rx.fragment()), "Save day",
                              on_click=S.save_day, disabled=S.day_saving, id="day-save"),
                    gap="0.5rem",
                    align="center",
                    wrap="wrap",
                    width="100%",
                ),
                spacing="4",
                width="100%",
                margin_top="1rem",
            ),
            max_width="34rem",
            id="day-panel",
        ),
        open=S.day_open,
        on_open_change=S.set_day_open,
    )


def calendar_section() -> rx.Component:
    return section(
        "Dates",
        "Close a day or give it different hours. Click a day to change it.",
        rx.flex(
            rx.icon_button(rx.icon("chevron-left", size=16), variant="soft", on_click=S.move_month(-1),
                           disabled=S.at_first_month, aria_label="Previous month", id="month-prev"),
            rx.text(S.month_label, weight="bold", size="3", id="month-label", min_width="9rem", text_align="center"),
            rx.icon_button(rx.icon("chevron-right", size=16), variant="soft", on_click=S.move_month(1),
                           disabled=S.at_last_month, aria_label="Next month", id="month-next"),
            rx.spacer(),
            _legend(),
            align="center",
            gap="0.5rem",
            wrap="wrap",
            width="100%",
        ),
        rx.grid(
            *[rx.text(d, size="1", weight="medium", color=MUTED, text_align="center") for d in WEEKDAY_HEADS],
            rx.foreach(S.days, _cal_day),
            columns="7",
            gap=rx.breakpoints(initial="0.2rem", sm="0.4rem"),
            width="100%",
            id="month-grid",
        ),
        _day_panel(),
        id="calendar-section",
    )


def _time_off_row(row) -> rx.Component:
    return rx.flex(
        rx.icon("plane", size=16, color=MUTED),
        rx.vstack(
            rx.text(row["label"], size="2", weight="medium"),
            rx.cond(row["note"] != "", rx.text(row["note"], size="1", color=MUTED)),
            spacing="0",
            flex="1",
            min_width="0",
        ),
        rx.alert_dialog.root(
            rx.alert_dialog.trigger(rx.button("Remove", variant="soft", color_scheme="red", size="1",
                                              class_name="time-off-remove")),
            rx.alert_dialog.content(
                rx.alert_dialog.title("Remove this time off?"),
                rx.alert_dialog.description(row["label"], ": students will be able to book these days again."),
                rx.flex(
                    rx.alert_dialog.cancel(rx.button("Keep it", variant="soft", color_scheme="gray")),
                    rx.alert_dialog.action(rx.button("Remove", color_scheme="red", on_click=S.remove_time_off(row["id"]),
                                                     class_name="time-off-confirm")),
                    gap="0.5rem",
                    justify="end",
                    margin_top="1rem",
                ),
            ),
        ),
        align="center",
        gap="0.75rem",
        width="100%",
        padding_y="0.5rem",
        border_bottom=f"1px solid {rx.color('gray', 4)}",
        class_name="time-off-row",
    )


def _date_field(label: str, name: str) -> rx.Component:
    return rx.vstack(
        rx.text(label, as_="label", html_for=name, size="2", weight="medium"),
        rx.input(id=name, name=name, type="date", required=True, size="2", width="100%"),
        rx.cond(S.off_errors.contains(name), rx.text(S.off_errors[name], color=ERROR, size="1", role="alert",
                                                      id=f"{name}-error")),
        spacing="1",
        width="100%",
    )


def time_off_section() -> rx.Component:
    return section(
        "Time off",
        rx.text("Whole days, from the start of the first day to the end of the last, in ", S.zone, "."),
        rx.form(
            rx.vstack(
                rx.grid(
                    _date_field("First day", "start_date"),
                    _date_field("Last day", "end_date"),
                    rx.vstack(
                        rx.text("Note (optional)", as_="label", html_for="note", size="2", weight="medium"),
                        rx.input(id="note", name="note", max_length=200, placeholder="Holiday", size="2", width="100%"),
                        rx.cond(S.off_errors.contains("note"), rx.text(S.off_errors["note"], color=ERROR, size="1")),
                        spacing="1",
                        width="100%",
                    ),
                    columns=rx.breakpoints(initial="1", sm="3"),
                    gap="1rem",
                    width="100%",
                ),
                field_error(S.off_errors.get("form", ""), "time-off-form-error"),
                rx.flex(
                    rx.button(rx.cond(S.off_saving, rx.spinner(size="2"), rx.icon("plus", size=16)), "Add time off",
                              type="submit", disabled=S.off_saving, id="time-off-add"),
                    justify="end",
                    width="100%",
                ),
                spacing="3",
                width="100%",
            ),
            on_submit=S.add_time_off,
            key=S.off_key,
            width="100%",
            id="time-off-form",
        ),
        rx.cond(
            S.time_off.length() > 0,
            rx.vstack(rx.foreach(S.time_off, _time_off_row), spacing="0", width="100%", id="time-off-list"),
            rx.text("No time off planned.", size="2", color=MUTED, id="time-off-empty"),
        ),
        id="time-off-section",
    )


# -- preview --------------------------------------------------------------------------------------
