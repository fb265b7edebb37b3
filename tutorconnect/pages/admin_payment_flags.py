"""Admin: flagged payment events (/admin/payments/flags): Razorpay webhooks that were stored
but could not be applied (a capture at the wrong amount or currency, an unknown order or
refund, a malformed event), newest first, each resolved with a note behind a
confirmation."""

from __future__ import annotations

import reflex as rx

from tutorconnect.components.empty_state import empty_state
from tutorconnect.components.layout import page, page_header
from tutorconnect.pages.admin import pager
from tutorconnect.state.admin_payment_flags import NOTE_MAX
from tutorconnect.state.admin_payment_flags import AdminPaymentFlagsState as S

_GRAY = rx.color("gray", 11)


def _fact(label: str, value) -> rx.Component:
    return rx.cond(
        value != "",
        rx.text(rx.text.span(label, " ", color=_GRAY), rx.code(value, variant="ghost"), size="1",
                word_break="break-all"),
    )


def _flag_row(f) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.vstack(
            rx.badge(f["label"], color_scheme=rx.cond(f["flag"] == "amount_mismatch", "tomato", "amber"),
                     variant="soft"),
            rx.text(f["when"], size="1", color=_GRAY, white_space="nowrap"),
            spacing="1"), class_name="tc-hide-sm"),
        rx.table.cell(rx.vstack(
            # On a phone the first column is hidden: say it here.
            rx.vstack(rx.badge(f["label"], color_scheme=rx.cond(f["flag"] == "amount_mismatch", "tomato", "amber"),
                               variant="soft"),
                      rx.text(f["when"], size="1", color=_GRAY), spacing="1", class_name="tc-show-sm"),
            rx.hstack(
                rx.code(f["event"]),
                rx.cond(f["reference"] != "",
                        rx.text("Booking ", rx.text.strong(f["reference"]), " · ", f["booking_status"], size="2")),
                spacing="2", align="center", wrap="wrap"),
            rx.cond(f["amount"] != "",
                    rx.text("Captured ", rx.text.strong(f["amount"], class_name="flag-amount"),
                            rx.cond(f["expected"] != "", rx.text.span(" · order was ", f["expected"])),
                            size="2")),
            rx.cond(f["refund"] != "",
                    rx.text(f["refund"], size="2", weight="medium",
                            color=rx.cond(f["refund_failed"] != "", rx.color("tomato", 11), rx.color("grass", 11)),
                            class_name="flag-refund")),
            rx.text(f["reason"], size="1", color=_GRAY, word_break="break-word"),
            rx.flex(_fact("Order", f["order_id"]), _fact("Payment", f["payment_id"]), _fact("Refund", f["refund_id"]),
                    _fact("Event", f["event_id"]), wrap="wrap", column_gap="1rem", row_gap="0"),
            rx.button(rx.icon("check", size=14), "Resolve", size="1", variant="soft",
                      on_click=S.ask_resolve(f["id"]), class_name="resolve-flag"),
            spacing="1", max_width="680px", align="start")),
        data_flag=f["id"],
    )


def _resolve_dialog() -> rx.Component:
    return rx.alert_dialog.root(
        rx.alert_dialog.content(
            rx.alert_dialog.title("Mark this flag resolved?"),
            rx.alert_dialog.description(
                rx.text.strong(S.pending_label), ". It leaves this list. Say what you did or checked (for example "
                "the refund seen in the Razorpay dashboard); the note goes into the audit log.",
                size="2",
            ),
            rx.form(
                rx.vstack(
                    rx.text("Note", as_="label", html_for="note", size="2", weight="medium"),
                    rx.text_area(name="note", id="note", rows="3", max_length=NOTE_MAX, width="100%",
                                 placeholder="For example: refund of ₹18,001 processed; student told by email."),
                    rx.cond(S.note_error != "",
                            rx.text(S.note_error, color="tomato", size="1", role="alert", id="note-error"),
                            rx.text(f"3 to {NOTE_MAX} characters.", size="1", color=rx.color("gray", 10))),
                    spacing="1", width="100%", margin_top="0.75rem",
                ),
                rx.flex(
                    rx.button("Cancel", type="button", variant="soft", color_scheme="gray", on_click=S.cancel_resolve),
                    rx.button("Mark resolved", type="submit", id="confirm-resolve"),
                    gap="0.75rem", justify="end", margin_top="1rem",
                ),
                on_submit=S.confirm_resolve,
                reset_on_submit=True,
            ),
        ),
        open=S.pending_id != "",
    )


def _skeleton() -> rx.Component:
    return rx.vstack(*[rx.skeleton(rx.box(height="56px", width="100%")) for _ in range(5)], width="100%")


@page("/admin/payments/flags", "Flagged payments", on_load=[S.load])
def admin_payment_flags() -> rx.Component:
    return rx.vstack(
        page_header("Flagged payment events",
                    "Razorpay events that could not be applied. A capture at the wrong amount or currency is "
                    "refunded automatically; check that it was, then mark the flag resolved."),
        rx.cond(
            S.loading,
            _skeleton(),
            rx.cond(
                S.rows.length() == 0,
                empty_state("circle-check", "Nothing flagged", "Every payment event has been applied or resolved.",
                            "Background jobs", "/admin/jobs", id="payment-flags-empty"),
                rx.vstack(
                    rx.text(S.total, " unresolved", size="2", color=_GRAY, id="payment-flags-total"),
                    rx.box(
                        rx.table.root(
                            rx.table.header(rx.table.row(
                                rx.table.column_header_cell("Flag", class_name="tc-hide-sm"),
                                rx.table.column_header_cell("What it concerns"),
                            )),
                            rx.table.body(rx.foreach(S.rows, _flag_row)),
                            variant="surface", width="100%", id="payment-flags-table",
                        ),
                        class_name="tc-table-wrap", width="100%",
                    ),
                    width="100%", spacing="2",
                ),
            ),
        ),
        rx.cond(S.pages > 1, pager(S, S.page, S.pages)),
        _resolve_dialog(),
        width="100%",
        spacing="3",
    )
