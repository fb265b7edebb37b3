"""A centred message for empty lists and missing things, with one way forward."""

from __future__ import annotations

import reflex as rx


def empty_state(icon: str, title: str, text: str, action: str, href: str, *, id: str) -> rx.Component:
    return rx.center(
        rx.vstack(
            rx.icon(icon, size=36, color=rx.color("gray", 9)),
            rx.heading(title, size="5", as_="h2"),
            rx.text(text, color=rx.color("gray", 11), text_align="center"),
            rx.link(rx.button(action), href=href),
            align="center",
            spacing="3",
        ),
        padding_y="3rem",
        width="100%",
        id=id,
    )
