"""/favorites: a student's saved tutors."""

from __future__ import annotations

import reflex as rx

from tutorconnect.components.empty_state import empty_state

from tutorconnect.components.layout import page, page_header
from tutorconnect.state.favorites import FavoritesState as S


def _card(t) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.link(
                rx.hstack(
                    rx.avatar(src=t["photo"], fallback=t["name"][:1], size="5", radius="full"),
                    rx.vstack(
                        rx.text(t["name"], weight="bold", size="3", color=rx.color("gray", 12)),
                        rx.text(t["subjects"], size="1", color=rx.color("gray", 10)),
                        spacing="0",
                    ),
                    align="center",
                ),
                href="/tutors/" + t["slug"],
                underline="none",
                class_name="favorite-link",
            ),
            rx.text(t["headline"], size="2", color=rx.color("gray", 11), no_of_lines=2),
            rx.hstack(
                rx.text(t["price"], rx.text.span(" / hour", size="1", color=rx.color("gray", 10), weight="regular"), weight="bold", size="3", white_space="nowrap"),
                rx.badge(rx.icon("star", size=12), t["rating"], variant="soft", color_scheme="amber"),
                rx.spacer(),
                rx.button(
                    rx.icon("heart-off", size=14), "Remove", size="1", variant="soft", color_scheme="gray",
                    on_click=S.remove(t["id"]), class_name="favorite-remove", aria_label="Remove " + t["name"],
                ),
                align="center",
                width="100%",
                wrap="wrap",
            ),
            spacing="3",
        ),
        size="2",
        class_name="favorite-card",
    )


def _empty() -> rx.Component:
    return empty_state(
        "heart", "No saved tutors yet", "Tap the heart on a tutor's page to keep them here.",
        "Find a tutor", "/tutors", id="favorites-empty",
    )


@page("/favorites", "Favorites", on_load=[S.load])
def favorites_page() -> rx.Component:
    return rx.vstack(
        page_header("Favorite tutors", "The tutors you saved, most recent first."),
        rx.cond(
            S.loading,
            rx.box(*[rx.skeleton(rx.card(rx.box(height="140px"))) for _ in range(3)], class_name="tc-card-grid", width="100%"),
            rx.cond(
                S.rows.length() > 0,
                rx.box(rx.foreach(S.rows, _card), class_name="tc-card-grid", width="100%", id="favorites-list"),
                _empty(),
            ),
        ),
        width="100%",
    )
