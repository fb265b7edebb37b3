"""Form building blocks: labelled fields with inline errors, submit buttons with loading."""

from __future__ import annotations

import reflex as rx


def field(
    label: str,
    name: str,
    *,
    type: str = "text",
    placeholder: str = "",
    error: rx.Var | str = "",
    autocomplete: str = "",
    hint: str = "",
    default_value: rx.Var | str | None = None,
    required: bool = True,
    max_length: int = 254,
) -> rx.Component:
    extra = {"default_value": default_value} if default_value is not None else {}
    return rx.vstack(
        rx.text(label, as_="label", html_for=name, size="2", weight="medium"),
        rx.input(
            id=name,
            name=name,
            type=type,
            placeholder=placeholder,
            auto_complete=autocomplete or "off",
            required=required,
            max_length=max_length,
            size="3",
            width="100%",
            **extra,
        ),
        rx.cond(
            error != "",
            rx.text(error, color="tomato", size="1", role="alert", id=f"{name}-error"),
            rx.text(hint, size="1", color=rx.color("gray", 10)) if hint else rx.fragment(),
        ),
        spacing="1",
        width="100%",
        align="stretch",
    )


def submit_button(label: str, loading: rx.Var, *, id: str = "submit") -> rx.Component:
    return rx.button(
        rx.cond(loading, rx.spinner(size="2"), rx.fragment()),
        label,
        type="submit",
        size="3",
        width="100%",
        disabled=loading,
        id=id,
    )


def form_error(message: rx.Var) -> rx.Component:
    return rx.cond(
        message != "",
        rx.callout.root(
            rx.callout.icon(rx.icon("circle-alert")),
            rx.callout.text(message),
            color_scheme="tomato",
            role="alert",
            id="form-error",
            width="100%",
        ),
    )


def auth_card(title: str, subtitle: str, *children: rx.Component) -> rx.Component:
    return rx.center(
        rx.card(
            rx.vstack(
                rx.heading(title, size="6"),
                rx.text(subtitle, color=rx.color("gray", 11), size="2"),
                *children,
                spacing="4",
                width="100%",
            ),
            size="4",
            width="100%",
            max_width="440px",
        ),
        padding_y="2rem",
    )
