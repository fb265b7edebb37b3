"""The 404 page (also what any unknown URL shows)."""

from __future__ import annotations

import reflex as rx

from tutorconnect.components.layout import shell


def not_found() -> rx.Component:
    return shell(
        rx.center(
            rx.vstack(
                rx.heading("404", size="9", color=rx.color("accent", 9)),
                rx.heading("We could not find that page", size="6"),
                rx.text("The link may be old, or the page may have moved.", color=rx.color("gray", 11)),
                rx.hstack(
                    rx.link(rx.button("Go home"), href="/"),
                    rx.link(rx.button("Your dashboard", variant="outline"), href="/dashboard"),
                ),
                align="center",
                spacing="4",
                padding_y="4rem",
            ),
        )
    )
