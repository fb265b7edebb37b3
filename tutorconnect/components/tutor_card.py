"""A tutor's result card: photo (or initial), name, headline, subjects, price and rating,
the whole card linking to the tutor's page.

`t` is one dict of str with the keys slug, href, name, initial, headline, photo, price,
rating ("4.8" or "New"), reviews ("12 reviews" or ""), subject_1..subject_4 ("" if none).
"""

from __future__ import annotations

import reflex as rx


def _subject(name) -> rx.Component:
    return rx.cond(name != "", rx.badge(name, variant="soft", color_scheme="indigo", radius="full", size="1"))


def tutor_card(t, *footer: rx.Component) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.link(
                rx.vstack(
                    rx.hstack(
                        rx.avatar(src=t["photo"], fallback=t["initial"], size="5", radius="full", alt=""),
                        rx.vstack(
                            rx.text(t["name"], weight="bold", size="3", color=rx.color("gray", 12), class_name="tutor-card-name"),
                            rx.cond(
                                t["rating"] == "New",
                                rx.badge("New", color_scheme="green", variant="soft", size="1"),
                                rx.hstack(
                                    rx.icon("star", size=14, color=rx.color("amber", 9), fill=rx.color("amber", 9)),
                                    rx.text(t["rating"], weight="bold", size="2", color=rx.color("gray", 12)),
                                    rx.text("(" + t["reviews"] + ")", size="1", color=rx.color("gray", 10)),
                                    spacing="1",
                                    align="center",
                                    aria_label=t["rating"] + " out of 5, " + t["reviews"],
                                ),
                            ),
                            spacing="1",
                            min_width="0",
                        ),
                        align="center",
                        spacing="3",
                    ),
                    rx.text(
                        t["headline"], size="2", color=rx.color("gray", 11), no_of_lines=2,
                        min_height="2.6em", class_name="tutor-card-headline",
                    ),
                    rx.flex(
                        _subject(t["subject_1"]), _subject(t["subject_2"]),
                        _subject(t["subject_3"]), _subject(t["subject_4"]),
                        wrap="wrap",
                        gap="0.35rem",
                        min_height="1.4rem",
                    ),
                    rx.hstack(
                        rx.cond(
                            t["price"] != "",
                            rx.text(
                                rx.text.span(t["price"], class_name="tutor-card-price"),
                                rx.text.span(" / hour", size="1", color=rx.color("gray", 10), weight="regular"),
                                weight="bold", size="3", white_space="nowrap", color=rx.color("gray", 12),
                            ),
                            rx.text("Price on request", size="2", color=rx.color("gray", 10)),
                        ),
                        rx.spacer(),
                        rx.icon("arrow-right", size=16, color=rx.color("accent", 10)),
                        align="center",
                        width="100%",
                    ),
                    spacing="3",
                    width="100%",
                ),
                href=t["href"],
                underline="none",
                color="inherit",
                aria_label=t["name"],
                width="100%",
            ),
            *footer,
            spacing="3",
            height="100%",
            justify="between",
        ),
        size="2",
        class_name="tutor-card",
        _hover={"border_color": rx.color("accent", 7), "box_shadow": "0 4px 16px var(--gray-a5)"},
    )


def tutor_card_skeleton() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.skeleton(rx.box(width="64px", height="64px", border_radius="999px")),
                rx.vstack(rx.skeleton(rx.box(width="140px", height="16px")), rx.skeleton(rx.box(width="80px", height="14px")), spacing="2"),
                align="center",
                spacing="3",
            ),
            rx.skeleton(rx.box(width="100%", height="34px")),
            rx.hstack(rx.skeleton(rx.box(width="70px", height="20px")), rx.skeleton(rx.box(width="60px", height="20px")), spacing="2"),
            rx.skeleton(rx.box(width="110px", height="20px")),
            spacing="3",
        ),
        size="2",
        class_name="tutor-card-skeleton",
    )
