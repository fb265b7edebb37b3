"""/tutor/availability: the tutor's booking settings, weekly hours, date overrides, time
off and a live preview of the free slots that result, all in the tutor's own zone."""

from __future__ import annotations

import reflex as rx

from tutorconnect.components.empty_state import empty_state
from tutorconnect.components.layout import page, page_header
from tutorconnect.state.availability_editor import AvailabilityEditorState as S

MUTED = rx.color("gray", 11)
ERROR = rx.color("red", 11)
WEEKDAY_HEADS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def _section(title: str, subtitle, *children: rx.Component, id: str, actions: rx.Component | None = None) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.flex(
                rx.vstack(rx.heading(title, size="4", as_="h2"), rx.text(subtitle, size="2", color=MUTED), spacing="1"),
                rx.spacer(),
                actions or rx.fragment(),
                wrap="wrap",
                gap="0.5rem",
                align="center",
                width="100%",
            ),
            rx.separator(size="4"),
            *children,
            spacing="3",
            width="100%",
        ),
        size="3",
        width="100%",
        id=id,
    )


def _error(message, id: str) -> rx.Component:
    return rx.cond(message != "", rx.text(message, color=ERROR, size="1", role="alert", id=id))


# -- booking settings -----------------------------------------------------------------------------
def _number(label: str, name: str, hint: str, *, step: str = "1", required: bool = True) -> rx.Component:
    return rx.vstack(
        rx.text(label, as_="label", html_for=name, size="2", weight="medium"),
        rx.input(id=name, name=name, type="number", min="0", step=step, default_value=S.settings[name],
                 required=required, width="100%", size="2", input_mode="decimal" if step != "1" else "numeric",
                 aria_invalid=rx.cond(S.settings_errors.contains(name), "true", "false")),
        rx.cond(
            S.settings_errors.contains(name),
            rx.text(S.settings_errors[name], color=ERROR, size="1", role="alert", id=f"{name}-error"),
            rx.text(hint, size="1", color=MUTED),
        ),
        spacing="1",
        width="100%",
    )


def _settings() -> rx.Component:
    return _section(
        "Booking settings",
        "How students may book you. Buffers keep time free around each lesson.",
        rx.form(
            rx.vstack(
                rx.grid(
                    _number("Buffer before (minutes)", "buffer_before", "0–120 minutes free before a lesson."),
                    _number("Buffer after (minutes)", "buffer_after", "0–120 minutes free after a lesson."),
                    _number("Minimum notice (hours)", "min_notice_hours", "How soon before a lesson students may book.",
                            step="0.25"),
                    _number("Booking horizon (days)", "horizon_days", "How far ahead students may book (1–365)."),
                    _number("Max lessons per day", "max_per_day", "Optional (1–24); leave empty for no limit.",
                            required=False),
                    columns=rx.breakpoints(initial="1", sm="2", md="3"),
                    gap="1rem",
                    width="100%",
                ),
                _error(S.settings_errors.get("form", ""), "settings-form-error"),
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
def _time_select(value, options, on_change, label, class_name: str) -> rx.Component:
    return rx.box(rx.select(options, value=value, on_change=on_change, size="2", aria_label=label),
                  class_name=class_name)


def _interval(iv, on_start, on_end, on_remove, where) -> rx.Component:
    return rx.hstack(
        _time_select(iv.start, S.start_options, on_start, where + " interval start", "interval-start"),
        rx.text("–", color=MUTED),
        _time_select(iv.end, S.end_options, on_end, where + " interval end", "interval-end"),
        rx.icon_button(rx.icon("x", size=14), variant="ghost", color_scheme="gray", size="1", on_click=on_remove,
                       aria_label="Remove this interval", class_name="interval-remove", type="button"),
        align="center",
        spacing="1",
        class_name="interval",
    )


def _week_day(day) -> rx.Component:
    return rx.flex(
        rx.text(day.label, weight="medium", size="2", width=rx.breakpoints(initial="100%", sm="7rem"),
                flex_shrink="0", padding_top="0.35rem"),
        rx.flex(
            rx.cond(day.intervals.length() == 0, rx.text("Unavailable", size="2", color=MUTED, padding_top="0.35rem")),
            rx.foreach(
                day.intervals,
                lambda iv: _interval(
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
    return _section(
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
                            lambda iv: _interval(iv, lambda v: S.set_day_time(iv.index, "start", v),
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


def _calendar() -> rx.Component:
    return _section(
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


def _time_off() -> rx.Component:
    return _section(
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
                _error(S.off_errors.get("form", ""), "time-off-form-error"),
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
    return _section(
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
                    rx.vstack(_weekly(), _preview(), _calendar(), _time_off(), _settings(), spacing="4", width="100%",
                              id="availability-editor"),
                    empty_state("lock", "Sign in as a tutor", "This page is for tutors editing their own hours.",
                                "Go to your dashboard", "/dashboard", id="availability-refused"),
                ),
            ),
        ),
        width="100%",
    )
