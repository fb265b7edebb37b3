"""/pay/[reference]: the booking summary, the hold's countdown, Pay, and every outcome."""

from __future__ import annotations

import reflex as rx

from tutorconnect.components.empty_state import empty_state
from tutorconnect.components.layout import page, page_header
from tutorconnect.models import BookingStatus
from tutorconnect.state.checkout import CheckoutState as S

MUTED = rx.color("gray", 11)


def _row(icon: str, label: str, *value: rx.Component | rx.Var | str, id: str) -> rx.Component:
    return rx.flex(
        rx.hstack(rx.icon(icon, size=16, color=MUTED), rx.text(label, size="2", color=MUTED), spacing="2",
                  align="center", min_width="9rem"),
        rx.text(*value, size="3", weight="medium", id=id),
        gap="0.25rem 1rem",
        wrap="wrap",
        align="baseline",
        width="100%",
    )


def _summary() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.avatar(src=S.info["photo"], fallback=S.info["initial"], size="5", radius="full"),
                rx.vstack(
                    rx.text("Lesson with", size="2", color=MUTED),
                    rx.link(S.info["tutor"], href=S.info["profile"], size="5", weight="bold", id="checkout-tutor",
                            color=rx.color("gray", 12)),
                    rx.badge("Booking ", S.info["reference"], variant="soft", color_scheme="gray",
                             id="checkout-reference"),
                    spacing="1",
                ),
                spacing="4",
                align="center",
            ),
            rx.separator(size="4"),
            _row("calendar", "When", S.info["when"], id="checkout-when"),
            rx.cond(S.info["tutor_time"] != "",
                    _row("globe", "Tutor's time", S.info["tutor_time"], id="checkout-tutor-time")),
            _row("clock", "Length", S.info["length"], id="checkout-length"),
            _row("wallet", "Price", S.info["price"], id="checkout-price"),
            rx.callout(S.info["policy"], icon="info", size="1", variant="surface", color_scheme="gray",
                       width="100%", id="checkout-policy"),
            spacing="3",
            width="100%",
        ),
        width="100%",
        id="checkout-summary",
    )


def _hold() -> rx.Component:
    return rx.flex(
        rx.icon("timer", size=18, color=rx.color("amber", 11)),
        rx.text(
            "Your hold on this time ends in ",
            rx.text.span("--:--", id="hold-countdown", weight="bold", font_variant_numeric="tabular-nums",
                         aria_live="off"),
            rx.text.span(" (at ", S.info["expires"], ")", color=MUTED),
            size="2",
        ),
        rx.el.button("check", id="hold-expired-check", on_click=S.check_again, tab_index=-1, aria_hidden="true",
                     style={"display": "none"}),
        gap="0.5rem",
        align="center",
        wrap="wrap",
        padding="0.75rem 1rem",
        border_radius="0.5rem",
        background=rx.color("amber", 3),
        width="100%",
        id="hold-timer",
    )


def _pay_panel() -> rx.Component:
    return rx.vstack(
        _hold(),
        rx.cond(
            S.visible_phase == "failed",
            rx.callout(
                rx.vstack(
                    rx.text("Payment failed", weight="bold"),
                    rx.text(S.info["failure"], id="payment-failure"),
                    spacing="1",
                ),
                icon="circle-alert", color_scheme="red", role="alert", width="100%", id="payment-failed",
            ),
        ),
        rx.button(
            rx.icon("lock", size=16),
            rx.cond(S.visible_phase == "failed", "Try again · ", "Pay "),
            S.info["price"],
            size="3", width="100%", on_click=S.pay, loading=S.busy, id="pay-button",
        ),
        rx.text("Payments are handled by Razorpay. Your card details never reach TutorConnect.", size="1",
                color=MUTED, text_align="center", width="100%"),
        spacing="3",
        width="100%",
    )


def _confirmed() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(rx.icon("circle-check", size=28, color=rx.color("green", 10)),
                      rx.heading("Payment received", size="6", as_="h2"), align="center", spacing="3"),
            rx.cond(
                S.info["awaiting_tutor"] != "",
                rx.text(S.info["tutor"], " confirms the lesson soon. If they decline, you get a full refund.",
                        id="confirmation-text"),
                rx.text("Your lesson with ", S.info["tutor"], " is confirmed.", id="confirmation-text"),
            ),
            rx.text(S.info["when"], weight="bold"),
            rx.cond(
                (S.info["join"] == "") & (S.info["status"] == BookingStatus.CONFIRMED.value),
                rx.text("Your join link is being set up: it will be on the lesson in My lessons and in your "
                        "confirmation email.", size="2", color=MUTED, id="confirmation-join-pending"),
            ),
            rx.flex(
                rx.cond(
                    S.info["join"] != "",
                    rx.el.a(rx.button(rx.icon("video", size=16), "Join lesson", color_scheme="green", tab_index=-1),
                            href=S.info["join"], target="_blank", rel="noopener noreferrer", id="confirmation-join"),
                ),
                rx.el.a(rx.button(rx.icon("calendar-plus", size=16), "Add to calendar", variant="soft",
                                  tab_index=-1),
                        href=S.info["ics"], reload_document=True, id="confirmation-ics"),
                rx.link(rx.button(rx.icon("calendar", size=16), "View my lessons"),
                        href="/bookings?confirmed=" + S.info["reference"], id="confirmation-lessons"),
                gap="0.75rem",
                wrap="wrap",
            ),
            spacing="3",
        ),
        width="100%",
        id="payment-confirmed",
    )


def _expired() -> rx.Component:
    return rx.callout(
        rx.vstack(
            rx.text("Your hold on this time has expired", weight="bold"),
            rx.text("Unpaid bookings are released after a few minutes so others can book. Nothing was charged. "
                    "Choose a time again; it may still be free."),
            rx.link(rx.button("Choose a time again"), href=S.info["picker"], id="back-to-picker"),
            spacing="2",
        ),
        icon="timer-off", color_scheme="amber", width="100%", id="hold-expired",
    )


def _processing() -> rx.Component:
    return rx.callout(
        rx.vstack(
            rx.text(S.info["processing"]),
            rx.button("Check again", on_click=S.check_again, variant="soft", id="check-again"),
            spacing="2",
        ),
        icon="hourglass", color_scheme="blue", width="100%", id="payment-processing",
    )


def _closed() -> rx.Component:
    return rx.callout("This booking can no longer be paid (it was cancelled or declined).", icon="ban",
                      color_scheme="gray", width="100%", id="booking-closed")


def _skeleton() -> rx.Component:
    return rx.vstack(rx.skeleton(height="14rem", width="100%"), rx.skeleton(height="3rem", width="100%"),
                     spacing="3", width="100%", id="checkout-loading")


@page("/pay/[reference]", "Pay for your lesson", on_load=[S.load])
def checkout_page() -> rx.Component:
    return rx.box(
        rx.cond(
            S.loading,
            _skeleton(),
            rx.cond(
                S.visible_phase == "missing",
                empty_state("search-x", "Booking not found",
                            "There is no booking to pay at this address for your account.",
                            "View my lessons", "/bookings", id="checkout-missing"),
                rx.vstack(
                    page_header(rx.cond(S.visible_phase == "confirmed", "Booking paid", "Pay for your lesson"),
                                rx.cond(S.visible_phase == "confirmed", "Thank you. Here is your lesson.",
                                        "Check the details, then pay to confirm your booking.")),
                    rx.cond(S.visible_phase == "confirmed", _confirmed()),
                    _summary(),
                    rx.match(
                        S.visible_phase,
                        ("ready", _pay_panel()),
                        ("failed", _pay_panel()),
                        ("expired", _expired()),
                        ("processing", _processing()),
                        ("closed", _closed()),
                        rx.fragment(),
                    ),
                    spacing="4",
                    width="100%",
                ),
            ),
        ),
        max_width="40rem",
        margin_x="auto",
        width="100%",
        id="checkout-page",
    )
