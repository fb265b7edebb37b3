"""/receipts: a student's payments, refunds and downloadable receipts."""

from __future__ import annotations

import reflex as rx

from tutorconnect.components.booking_card import pagination
from tutorconnect.components.empty_state import empty_state
from tutorconnect.components.layout import page, page_header
from tutorconnect.state.receipts import ReceiptsState as S

MUTED = rx.color("gray", 11)


def _line(item) -> rx.Component:
    return rx.flex(
        rx.badge(item.label, color_scheme=item.color, variant="soft", size="1"),
        rx.text(item.text, " · ", item.when, size="2", color=MUTED),
        rx.spacer(),
        rx.text(item.amount, size="2", weight="medium"),
        gap="0.5rem", align="center", wrap="wrap", width="100%", class_name="receipt-line",
    )


def _figure(label: str, value, cls: str) -> rx.Component:
    return rx.vstack(rx.text(label, size="1", color=MUTED), rx.text(value, size="3", weight="bold", class_name=cls),
                     spacing="0")


def _card(c) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.flex(
                rx.vstack(
                    rx.text(c.tutor, weight="bold", size="3"),
                    rx.text(c.lesson, size="2", color=MUTED, class_name="receipt-lesson"),
                    rx.text("Booking ", c.reference, " · receipt ", c.number, " · ", c.status, size="1", color=MUTED),
                    spacing="1",
                ),
                rx.spacer(),
                rx.el.a(rx.button(rx.icon("file-down", size=14), "Receipt (PDF)", size="1", variant="soft",
                                  tab_index=-1),
                        href=c.pdf_href, reload_document=True, class_name="receipt-pdf",
                        aria_label="Download the PDF receipt"),
                gap="0.5rem", wrap="wrap", width="100%",
            ),
            rx.separator(size="4"),
            rx.foreach(c.payments, _line),
            rx.foreach(c.refunds, _line),
            rx.flex(
                _figure("Paid", c.paid, "receipt-paid"),
                _figure("Refunded", c.refunded, "receipt-refunded"),
                _figure("Net", c.net, "receipt-net"),
                gap="2rem", wrap="wrap",
            ),
            spacing="3",
            width="100%",
        ),
        width="100%",
        class_name="receipt-card",
        custom_attrs={"data-reference": c.reference},
    )


@page("/receipts", "Receipts", on_load=[S.load])
def receipts_page() -> rx.Component:
    return rx.vstack(
        page_header("Receipts", "Your payments and refunds. Times are in your account's time zone."),
        rx.cond(
            S.loading,
            rx.vstack(rx.skeleton(height="9rem", width="100%"), rx.skeleton(height="9rem", width="100%"),
                      width="100%", spacing="3", id="receipts-loading"),
            rx.cond(
                S.cards.length() == 0,
                empty_state("receipt", "No payments yet", "When you pay for a lesson, its receipt appears here.",
                            "Find a tutor", "/tutors", id="receipts-empty"),
                rx.vstack(rx.foreach(S.cards, _card), pagination(S), spacing="3", width="100%",
                          id="receipts-list"),
            ),
        ),
        width="100%",
        spacing="0",
    )
