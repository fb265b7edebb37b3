"""The public home page."""

from __future__ import annotations

import reflex as rx

from tutorconnect.components.layout import page
from tutorconnect.state.base import SessionState
from tutorconnect.state.home import HomeState


def _hero() -> rx.Component:
    return rx.flex(
        rx.vstack(
            rx.badge("Live online lessons · any time zone", variant="soft", size="2", radius="full"),
            rx.heading("Learn from tutors who fit your goals and your week.", size=rx.breakpoints(initial="8", md="9"), weight="bold", line_height="1.1"),
            rx.text(
                "Pick a tutor, choose a time shown in your own time zone, pay securely, and meet online. "
                "Tutors publish their hours, teach and get paid, all in one place.",
                size="4",
                color=rx.color("gray", 11),
            ),
            _search_box(),
            rx.hstack(
                rx.cond(
                    SessionState.signed_in,
                    rx.link(rx.button("Go to your dashboard", size="4"), href="/dashboard"),
                    rx.link(rx.button("Start learning", size="4", id="hero-register"), href="/register"),
                ),
                rx.link(rx.button("Teach on TutorConnect", size="4", variant="outline"), href="/register?as=tutor"),
                spacing="3",
                wrap="wrap",
            ),
            rx.hstack(
                _stat(HomeState.tutor_count.to_string(), "approved tutors"),
                _stat(HomeState.subject_count.to_string(), "subjects"),
                _stat("24/7", "across time zones"),
                spacing="6",
                padding_top="0.75rem",
            ),
            spacing="4",
            max_width="620px",
            align="start",
        ),
        rx.box(
            rx.image(src="/hero.svg", alt="", width="100%"),
            width=rx.breakpoints(initial="100%", md="420px"),
            flex_shrink="0",
        ),
        direction=rx.breakpoints(initial="column", md="row"),
        gap="3rem",
        align="center",
        padding_y=rx.breakpoints(initial="1rem", md="3rem"),
    )


def _search_box() -> rx.Component:
    return rx.form(
        rx.hstack(
            rx.input(
                rx.input.slot(rx.icon("search", size=18)),
                name="q",
                id="home-search-q",
                type="search",
                placeholder="Maths, IELTS, piano…",
                max_length=100,
                size="3",
                width="100%",
                aria_label="Search tutors",
                auto_complete="off",
            ),
            rx.button("Find tutors", type="submit", size="3", id="home-search-submit"),
            width="100%",
            spacing="2",
        ),
        on_submit=HomeState.search,
        reset_on_submit=False,
        width="100%",
        max_width="560px",
        id="home-search",
    )


def _stat(value, label: str) -> rx.Component:
    return rx.vstack(rx.text(value, size="6", weight="bold"), rx.text(label, size="1", color=rx.color("gray", 10)), spacing="0")


def _tutor_card(t) -> rx.Component:
    return rx.card(
        rx.link(rx.vstack(
            rx.hstack(
                rx.avatar(src=t["photo"], fallback=t["name"][:1], size="5", radius="full"),
                rx.vstack(
                    rx.text(t["name"], weight="bold", size="3"),
                    rx.text(t["subjects"], size="1", color=rx.color("gray", 10)),
                    spacing="0",
                ),
                align="center",
            ),
            rx.text(t["headline"], size="2", color=rx.color("gray", 11), no_of_lines=2),
            rx.hstack(
                rx.text(t["price"], rx.text.span(" / hour", size="1", color=rx.color("gray", 10), weight="regular"), weight="bold", size="3", white_space="nowrap"),
                rx.spacer(),
                rx.badge(rx.icon("globe", size=12), t["zone"], variant="soft", color_scheme="gray", title=t["zone"]),
                align="center",
                width="100%",
                wrap="wrap",
            ),
            spacing="3",
        ), href="/tutors/" + t["slug"], underline="none", color="inherit", aria_label=t["name"]),
        size="2",
        as_child=True,
        class_name="tutor-card",
    )


def _featured() -> rx.Component:
    return rx.vstack(
        rx.heading("Featured tutors", size="6"),
        rx.cond(
            HomeState.loading,
            rx.box(*[rx.skeleton(rx.card(rx.box(height="140px"))) for _ in range(8)], class_name="tc-card-grid", width="100%"),
            rx.cond(
                HomeState.featured.length() > 0,
                rx.box(rx.foreach(HomeState.featured, _tutor_card), class_name="tc-card-grid", width="100%", id="featured-tutors"),
                rx.callout.root(rx.callout.text("Tutors are being approved. Check back soon."), color_scheme="gray"),
            ),
        ),
        spacing="4",
        width="100%",
        padding_y="2rem",
    )


def _subjects() -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.heading("Popular subjects", size="6"),
            rx.spacer(),
            rx.link(
                "Browse all tutors", rx.icon("arrow-right", size=14), href="/tutors", size="2", id="browse-all",
                display="inline-flex", align_items="center", gap="0.25rem", white_space="nowrap",
            ),
            align="center",
            width="100%",
        ),
        rx.flex(
            rx.foreach(
                HomeState.subjects,
                lambda s: rx.link(
                    rx.badge(s["name"], " · ", s["count"], size="3", variant="surface", radius="full"),
                    href=s["href"],
                    underline="none",
                    class_name="subject-chip",
                ),
            ),
            wrap="wrap",
            gap="0.5rem",
        ),
        spacing="4",
        width="100%",
        padding_y="1rem",
    )


def _how_it_works() -> rx.Component:
    steps = [
        ("search", "Find your tutor", "Compare profiles, prices and reviews across subjects."),
        ("calendar-clock", "Pick a time", "Slots appear in your time zone, right across daylight-saving changes."),
        ("credit-card", "Pay securely", "Pay per lesson; cancellation rules are clear before you pay."),
        ("video", "Meet online", "A meeting link lands in your inbox and calendar."),
    ]
    return rx.vstack(
        rx.heading("How it works", size="6"),
        rx.box(
            *[
                rx.card(
                    rx.vstack(
                        rx.center(rx.icon(icon, size=20), width="40px", height="40px", border_radius="10px", background=rx.color("accent", 3), color=rx.color("accent", 11)),
                        rx.text(title, weight="bold"),
                        rx.text(body, size="2", color=rx.color("gray", 11)),
                        spacing="2",
                    ),
                    size="2",
                )
                for icon, title, body in steps
            ],
            class_name="tc-card-grid",
            width="100%",
        ),
        spacing="4",
        width="100%",
        padding_y="2rem",
    )


@page("/", "Find a tutor", on_load=[HomeState.load])
def index() -> rx.Component:
    return rx.vstack(_hero(), _featured(), _subjects(), _how_it_works(), width="100%", spacing="2")
