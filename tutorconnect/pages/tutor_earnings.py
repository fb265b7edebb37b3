"""/tutor/earnings: totals, months and bookings, all from the ledger."""

from __future__ import annotations

import reflex as rx

from tutorconnect.components.booking_card import pagination
from tutorconnect.components.empty_state import empty_state
from tutorconnect.components.layout import page, page_header
from tutorconnect.state.earnings import EarningsState as S

MUTED = rx.color("gray", 11)


def _tile(t) -> rx.Component:
    return rx.card(
        rx.vstack(rx.text(t.label, size="2", color=MUTED), rx.text(t.value, size="6", weight="bold"),
                  rx.text(t.hint, size="1", color=MUTED), spacing="1"),
        id=t.id, class_name="earnings-tile",
    )


def _period(p) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(p.month), rx.table.cell(p.payable, font_weight="bold"), rx.table.cell(p.pending),
        rx.table.cell(p.fee), rx.table.cell(p.gross), rx.table.cell(p.lessons), class_name="earnings-period",
    )


def _row(r) -> rx.Component:
    return rx.card(
        rx.flex(
            rx.vstack(
                rx.text(r.student, weight="bold", size="2"),
                rx.text(r.lesson, size="2", color=MUTED),
                rx.text("Booking ", r.reference, size="1", color=MUTED),
                spacing="1",
            ),
            rx.spacer(),
            rx.vstack(
                rx.badge(r.status, color_scheme=rx.cond(r.pending, "amber", "green"), variant="soft"),
                rx.text(rx.cond(r.pending, "Pending ", "Payable "), r.earnings, weight="bold", size="3",
                        class_name="earning-amount"),
                rx.text("Paid ", r.gross, " · fee ", r.fee, size="1", color=MUTED),
                align=rx.breakpoints(initial="start", xs="end"),
                spacing="1",
            ),
            gap="0.75rem", wrap="wrap", width="100%",
        ),
        width="100%", class_name="earning-row", custom_attrs={"data-reference": r.reference},
    )


@page("/tutor/earnings", "Earnings", on_load=[S.load])
def tutor_earnings_page() -> rx.Component:
    return rx.vstack(
        page_header("Earnings", "From the ledger: what students paid, the platform fee and what you earn."),
        rx.cond(
            S.loading,
            rx.vstack(rx.skeleton(height="6rem", width="100%"), rx.skeleton(height="12rem", width="100%"),
                      width="100%", spacing="3", id="earnings-loading"),
            rx.cond(
                S.tiles.length() == 0,
                empty_state("wallet", "No earnings yet", "When students pay for lessons with you, your earnings "
                            "appear here.", "See your schedule", "/tutor/schedule", id="earnings-empty"),
                rx.vstack(
                    rx.grid(rx.foreach(S.tiles, _tile), columns=rx.breakpoints(initial="1", sm="3"), gap="0.75rem",
                            width="100%"),
                    rx.heading("By month", size="4", as_="h2", margin_top="1rem"),
                    rx.box(
                        rx.table.root(
                            rx.table.header(rx.table.row(
                                rx.table.column_header_cell("Month"), rx.table.column_header_cell("Payable"),
                                rx.table.column_header_cell("Pending"), rx.table.column_header_cell("Fee"),
                                rx.table.column_header_cell("Paid"), rx.table.column_header_cell("Lessons"),
                            )),
                            rx.table.body(rx.foreach(S.periods, _period)),
                            variant="surface", size="1", width="100%",
                        ),
                        overflow_x="auto", width="100%", id="earnings-periods",
                    ),
                    rx.heading("By lesson", size="4", as_="h2", margin_top="1rem"),
                    rx.vstack(rx.foreach(S.rows, _row), spacing="2", width="100%", id="earnings-rows"),
                    pagination(S),
                    spacing="3",
                    width="100%",
                ),
            ),
        ),
        width="100%",
        spacing="0",
    )
