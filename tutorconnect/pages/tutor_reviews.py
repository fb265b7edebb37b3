"""/tutor/reviews: the tutor's reviews, newest first, with a one-time reply to each."""

from __future__ import annotations

import reflex as rx

from tutorconnect.components.empty_state import empty_state
from tutorconnect.components.layout import page, page_header
from tutorconnect.state.tutor_reviews import TutorReviewsState as S

MUTED = rx.color("gray", 11)


def _reply_form() -> rx.Component:
    return rx.vstack(
        rx.text_area(
            value=S.reply_text, on_change=S.set_reply_text, placeholder="Thank the student, or add context…",
            rows="4", width="100%", id="reply-text", aria_label="Your reply", auto_focus=True,
        ),
        rx.cond(S.reply_error != "", rx.text(S.reply_error, color=rx.color("red", 11), size="2", id="reply-error")),
        rx.hstack(
            rx.text("You can reply once; replies cannot be edited. ", S.reply_left, " characters left.", size="1", color=MUTED),
            rx.spacer(),
            rx.button("Cancel", variant="soft", color_scheme="gray", on_click=S.cancel_reply),
            rx.button("Publish reply", on_click=S.send_reply, loading=S.saving, id="reply-send"),
            width="100%",
            align="center",
            wrap="wrap",
            gap="0.5rem",
        ),
        width="100%",
        margin_top="0.75rem",
    )


def _review(r) -> rx.Component:
    return rx.card(
        rx.hstack(
            rx.avatar(fallback=r["name"][:1], size="2", radius="full"),
            rx.vstack(rx.text(r["name"], weight="bold", size="2"), rx.text(r["date"], size="1", color=MUTED), spacing="0"),
            rx.spacer(),
            rx.text(r["stars"], color=rx.color("amber", 10), aria_label=r["rating"] + " out of 5 stars", white_space="nowrap"),
            align="center",
            width="100%",
        ),
        rx.cond(r["body"] != "", rx.text(r["body"], size="2", white_space="pre-wrap", margin_top="0.5rem")),
        rx.cond(
            r["reply"] != "",
            rx.box(
                rx.text("Your reply · ", r["reply_date"], size="1", weight="medium", color=MUTED),
                rx.text(r["reply"], size="2", white_space="pre-wrap"),
                margin_top="0.75rem",
                padding="0.75rem",
                border_left=f"3px solid {rx.color('accent', 7)}",
                background=rx.color("gray", 2),
                border_radius="6px",
            ),
            rx.cond(
                S.replying_to == r["id"],
                _reply_form(),
                rx.button(rx.icon("reply", size=14), "Reply", size="1", variant="soft", margin_top="0.75rem",
                          on_click=S.open_reply(r["id"]), class_name="reply-open"),
            ),
        ),
        width="100%",
        class_name="tutor-review",
    )


@page("/tutor/reviews", "Your reviews", on_load=[S.load])
def tutor_reviews() -> rx.Component:
    return rx.vstack(
        page_header(
            "Your reviews",
            rx.cond(S.average != "", "Average " + S.average + " out of 5 from " + S.total.to_string() + " reviews.",
                    "Students review you after a completed lesson."),
        ),
        rx.cond(
            S.loading,
            rx.vstack(*[rx.skeleton(rx.card(rx.box(height="110px"), width="100%")) for _ in range(3)], width="100%"),
            rx.cond(
                S.total > 0,
                rx.vstack(
                    rx.foreach(S.rows, _review),
                    rx.hstack(
                        rx.button(rx.icon("chevron-left", size=14), "Newer", variant="soft", disabled=S.page <= 1,
                                  on_click=S.go_to_page(S.page - 1)),
                        rx.text("Page ", S.page, " of ", S.pages, size="2", color=MUTED),
                        rx.button("Older", rx.icon("chevron-right", size=14), variant="soft", disabled=S.page >= S.pages,
                                  on_click=S.go_to_page(S.page + 1)),
                        justify="center",
                        align="center",
                        width="100%",
                    ),
                    width="100%",
                    spacing="3",
                    id="tutor-reviews",
                ),
                empty_state("message-square-quote", "No reviews yet",
                            "After a completed lesson, students can rate it; their reviews appear here and on your page.",
                            "Edit your profile", "/tutor/profile", id="tutor-reviews-empty"),
            ),
        ),
        width="100%",
    )
