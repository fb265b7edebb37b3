"""/tutors/[slug]: a tutor's public page."""

from __future__ import annotations

import reflex as rx

from tutorconnect.components.empty_state import empty_state

from tutorconnect.components.layout import page
from tutorconnect.state.tutor_page import TutorPageState as S

MUTED = rx.color("gray", 11)


def _section(title: str, *children: rx.Component, **props) -> rx.Component:
    return rx.card(rx.vstack(rx.heading(title, size="4", as_="h2"), *children, spacing="3", width="100%"), size="2", width="100%", **props)


def _favorite_button() -> rx.Component:
    return rx.cond(
        S.show_favorite,
        rx.button(
            rx.cond(S.is_favorite, rx.icon("heart", size=16, fill="currentColor"), rx.icon("heart", size=16)),
            rx.cond(S.is_favorite, "Saved", "Save"),
            variant=rx.cond(S.is_favorite, "soft", "outline"),
            color_scheme="ruby",
            on_click=S.toggle_favorite,
            id="favorite-toggle",
            aria_pressed=rx.cond(S.is_favorite, "true", "false"),
            size="3",
        ),
    )


def _header() -> rx.Component:
    return rx.flex(
        rx.avatar(src=S.photo, fallback=S.name[:1], size="8", radius="full", flex_shrink="0"),
        rx.vstack(
            rx.heading(S.name, size="8", id="tutor-name"),
            rx.text(S.headline, size="4", color=MUTED),
            rx.hstack(
                rx.badge(rx.icon("globe", size=12), S.zone, variant="soft", color_scheme="gray"),
                rx.badge(rx.icon("clock", size=12), "Local time ", S.local_time, variant="soft", color_scheme="gray", id="tutor-local-time"),
                rx.cond(S.years != "", rx.badge(rx.icon("award", size=12), S.years, " years of experience", variant="soft")),
                rx.cond(
                    S.rating_count > 0,
                    rx.badge(rx.icon("star", size=12), S.rating_average, " · ", S.rating_count, " reviews", variant="soft", color_scheme="amber"),
                    rx.badge("New tutor", variant="soft", color_scheme="green"),
                ),
                wrap="wrap",
                spacing="2",
            ),
            rx.flex(
                rx.link(rx.button(rx.icon("calendar-plus", size=16), "Book a lesson", size="3"), href="/book/" + S.tutor_slug, id="book-button"),
                _favorite_button(),
                gap="0.75rem",
                wrap="wrap",
                padding_top="0.5rem",
            ),
            spacing="2",
            align="start",
        ),
        direction=rx.breakpoints(initial="column", sm="row"),
        gap="1.5rem",
        align=rx.breakpoints(initial="start", sm="center"),
        width="100%",
        padding_bottom="1.5rem",
    )


def _about() -> rx.Component:
    return _section(
        "About me",
        # Plain text: Reflex escapes it, and white-space keeps the tutor's paragraphs.
        rx.text(S.bio, size="3", white_space="pre-wrap", id="tutor-bio"),
    )


def _chips(items, icon: str) -> rx.Component:
    return rx.flex(
        rx.foreach(items, lambda x: rx.badge(rx.icon(icon, size=12), x["name"], " · ", x["level"], size="2", variant="surface", radius="full")),
        wrap="wrap",
        gap="0.5rem",
    )


def _teaches() -> rx.Component:
    return _section(
        "Subjects and languages",
        rx.text("Teaches", size="2", weight="medium", color=MUTED),
        _chips(S.subjects, "book-open"),
        rx.text("Speaks", size="2", weight="medium", color=MUTED),
        _chips(S.languages, "languages"),
    )


def _prices() -> rx.Component:
    return _section(
        "Prices",
        rx.vstack(
            rx.foreach(
                S.prices,
                lambda p: rx.hstack(rx.text(p["minutes"], " lesson"), rx.spacer(), rx.text(p["price"], weight="bold"), width="100%"),
            ),
            rx.cond(
                S.trial_price != "",
                rx.hstack(
                    rx.badge("Trial lesson", color_scheme="green", variant="soft"), rx.spacer(),
                    rx.text(S.trial_price, weight="bold", id="trial-price"), width="100%", align="center",
                ),
            ),
            spacing="2",
            width="100%",
            id="tutor-prices",
        ),
        rx.link(rx.button("Book a lesson", width="100%"), href="/book/" + S.tutor_slug, width="100%", id="book-link"),
    )


def _rating_bar(d) -> rx.Component:
    return rx.hstack(
        rx.text(d["stars"], " ★", size="2", width="2.5rem", white_space="nowrap"),
        rx.box(
            rx.box(width=d["width"], height="100%", background=rx.color("amber", 9), border_radius="4px"),
            flex="1",
            height="0.5rem",
            background=rx.color("gray", 4),
            border_radius="4px",
            overflow="hidden",
        ),
        rx.text(d["count"], size="2", color=MUTED, width="2rem", text_align="right"),
        align="center",
        width="100%",
    )


def _summary() -> rx.Component:
    return _section(
        "Rating",
        rx.cond(
            S.rating_count > 0,
            rx.hstack(
                rx.text(S.rating_average, size="8", weight="bold", id="rating-average"),
                rx.vstack(rx.text("out of 5", size="2", color=MUTED), rx.text(S.rating_count, " reviews", size="2", color=MUTED), spacing="0"),
                align="center",
            ),
            rx.text("No reviews yet.", color=MUTED),
        ),
        rx.vstack(rx.foreach(S.distribution, _rating_bar), spacing="1", width="100%", id="rating-distribution"),
    )


def _review(r) -> rx.Component:
    return rx.box(
        rx.hstack(
            rx.avatar(fallback=r["name"][:1], size="2", radius="full"),
            rx.vstack(rx.text(r["name"], weight="bold", size="2"), rx.text(r["date"], size="1", color=MUTED), spacing="0"),
            rx.spacer(),
            rx.text(r["stars"], color=rx.color("amber", 10), aria_label=r["rating"] + " out of 5 stars", white_space="nowrap"),
            rx.cond(
                S.is_admin,
                rx.icon_button(rx.icon("eye-off", size=14), size="1", variant="ghost", color_scheme="gray",
                               on_click=S.ask_hide(r["id"]), aria_label="Hide this review", class_name="review-hide"),
            ),
            align="center",
            width="100%",
        ),
        rx.cond(r["body"] != "", rx.text(r["body"], size="2", white_space="pre-wrap", margin_top="0.5rem")),
        rx.cond(
            r["reply"] != "",
            rx.box(
                rx.text("Reply from ", S.name, " · ", r["reply_date"], size="1", weight="medium", color=MUTED),
                rx.text(r["reply"], size="2", white_space="pre-wrap"),
                margin_top="0.75rem",
                padding="0.75rem",
                border_left=f"3px solid {rx.color('accent', 7)}",
                background=rx.color("gray", 2),
                border_radius="6px",
                class_name="review-reply",
            ),
        ),
        padding_y="1rem",
        border_bottom=f"1px solid {rx.color('gray', 4)}",
        width="100%",
        class_name="review",
    )


def _reviews() -> rx.Component:
    return _section(
        "Reviews",
        rx.cond(
            S.review_total > 0,
            rx.vstack(
                rx.box(rx.foreach(S.reviews, _review), width="100%", id="reviews"),
                rx.hstack(
                    rx.button(rx.icon("chevron-left", size=14), "Newer", variant="soft", disabled=S.review_page <= 1,
                              on_click=S.go_to_reviews(S.review_page - 1), id="reviews-prev"),
                    rx.text("Page ", S.review_page, " of ", S.review_pages, size="2", color=MUTED, id="reviews-page"),
                    rx.button("Older", rx.icon("chevron-right", size=14), variant="soft", disabled=S.review_page >= S.review_pages,
                              on_click=S.go_to_reviews(S.review_page + 1), id="reviews-next"),
                    align="center",
                    justify="center",
                    width="100%",
                    padding_top="0.5rem",
                ),
                width="100%",
                spacing="2",
            ),
            rx.text("No reviews yet: students review a tutor after a completed lesson.", color=MUTED),
        ),
        id="reviews-section",
        scroll_margin_top="80px",  # clear of the sticky navigation bar
    )


def _hide_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Hide this review?"),
            rx.dialog.description(
                "Hidden reviews disappear from the tutor's page and stop counting in the rating. "
                "The reason goes to the audit log.", size="2",
            ),
            rx.text_area(value=S.hide_reason, on_change=S.set_hide_reason, placeholder="Reason (5-500 characters)",
                         rows="3", width="100%", margin_top="0.75rem", id="hide-reason", aria_label="Reason"),
            rx.cond(S.hide_error != "", rx.text(S.hide_error, color=rx.color("red", 11), size="2", id="hide-error")),
            rx.flex(
                rx.button("Cancel", variant="soft", color_scheme="gray", on_click=S.cancel_hide),
                rx.button("Hide review", color_scheme="red", on_click=S.confirm_hide, id="hide-confirm"),
                justify="end",
                gap="0.5rem",
                margin_top="1rem",
            ),
        ),
        open=S.hide_target != "",
        on_open_change=lambda _open: S.cancel_hide(),
    )


def _skeleton() -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.skeleton(rx.box(width="128px", height="128px", border_radius="50%")),
            rx.vstack(rx.skeleton(rx.box(width="260px", height="2rem")), rx.skeleton(rx.box(width="360px", height="1.25rem")), spacing="3"),
            align="center",
            spacing="5",
        ),
        rx.box(*[rx.skeleton(rx.card(rx.box(height="160px"))) for _ in range(4)], class_name="tc-card-grid", width="100%"),
        spacing="5",
        width="100%",
        id="tutor-loading",
    )


def _not_found() -> rx.Component:
    return empty_state(
        "user-x", "Tutor not found", "This tutor's page does not exist or is not listed right now.",
        "Browse tutors", "/tutors", id="tutor-not-found",
    )


def _profile() -> rx.Component:
    return rx.box(
        _header(),
        rx.flex(
            rx.vstack(_about(), _teaches(), _reviews(), spacing="4", flex="2", min_width="0", width="100%"),
            rx.vstack(
                _prices(), _summary(), spacing="4", flex="1", min_width=rx.breakpoints(initial="0", md="280px"), width="100%",
                order=rx.breakpoints(initial="-1", md="0"),  # on a phone, prices come right after the header
            ),
            direction=rx.breakpoints(initial="column", md="row"),
            gap="1rem",
            align="start",
            width="100%",
        ),
        _hide_dialog(),
        width="100%",
        id="tutor-page",
    )


@page("/tutors/[slug]", "Tutor", on_load=[S.load])
def tutor_page() -> rx.Component:
    return rx.cond(S.loading, _skeleton(), rx.cond(S.found, _profile(), _not_found()))
