"""Building blocks of the availability editor page (tutorconnect/pages/tutor_availability.py):
the section card, field errors, number fields, time selects and one interval row."""

from __future__ import annotations

import reflex as rx

from tutorconnect.state.availability_editor import AvailabilityEditorState as S

MUTED = rx.color("gray", 11)
ERROR = rx.color("red", 11)
WEEKDAY_HEADS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def section(title: str, subtitle, *children: rx.Component, id: str, actions: rx.Component | None = None) -> rx.Component:
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


def field_error(message, id: str) -> rx.Component:
    return rx.cond(message != "", rx.text(message, color=ERROR, size="1", role="alert", id=id))


# -- booking settings -----------------------------------------------------------------------------
def number_field(label: str, name: str, hint: str, *, step: str = "1", required: bool = True) -> rx.Component:
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


def time_select(value, options, on_change, label, class_name: str) -> rx.Component:
    return rx.box(rx.select(options, value=value, on_change=on_change, size="2", aria_label=label),
                  class_name=class_name)


def interval_row(iv, on_start, on_end, on_remove, where) -> rx.Component:
    return rx.hstack(
        time_select(iv.start, S.start_options, on_start, where + " interval start", "interval-start"),
        rx.text("–", color=MUTED),
        time_select(iv.end, S.end_options, on_end, where + " interval end", "interval-end"),
        rx.icon_button(rx.icon("x", size=14), variant="ghost", color_scheme="gray", size="1", on_click=on_remove,
                       aria_label="Remove this interval", class_name="interval-remove", type="button"),
        align="center",
        spacing="1",
        class_name="interval",
    )
