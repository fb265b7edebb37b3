"""Admin: background jobs (/admin/jobs): dead letters (jobs that gave up) with a Retry
behind a confirmation, the reconciliation log (what reconciliation repaired), and a banner
while flagged payment events wait for an admin (/admin/payments/flags)."""

from __future__ import annotations

import reflex as rx

from tutorconnect.components.empty_state import empty_state
from tutorconnect.components.layout import page, page_header
from tutorconnect.pages.admin import pager
from tutorconnect.state.admin_jobs import AdminJobsState as S


def _stat(label: str, value, id_: str) -> rx.Component:
    return rx.card(
        rx.vstack(rx.text(label, size="1", color=rx.color("gray", 11)),
                  rx.text(value, size="6", weight="bold", id=id_), spacing="1"),
        flex="1 1 140px",
    )


def _dead_row(r) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.vstack(
            rx.code(r["job"]),
            rx.text(r["when"], size="1", color=rx.color("gray", 11), white_space="nowrap"),
            spacing="1"), class_name="tc-hide-sm"),
        rx.table.cell(rx.vstack(
            # On a phone the job column is hidden: say it here.
            rx.vstack(rx.code(r["job"]), rx.text(r["when"], size="1", color=rx.color("gray", 11)),
                      spacing="1", class_name="tc-show-sm"),
            rx.text(r["error"], size="1", class_name="dead-error", word_break="break-word"),
            rx.hstack(
                rx.badge(r["kind"], color_scheme=rx.cond(r["kind"] == "permanent", "tomato", "orange"), variant="soft"),
                rx.text("Attempts: ", r["attempts"], size="1", color=rx.color("gray", 11)),
                spacing="2", align="center", wrap="wrap"),
            rx.cond(
                r["retried"] != "",
                rx.text(r["retried"], size="1", color=rx.color("grass", 11)),
                rx.button(rx.icon("rotate-ccw", size=14), "Retry", size="1", variant="soft",
                          on_click=S.ask_retry(r["id"]), class_name="retry-job"),
            ),
            spacing="2", max_width="640px")),
        data_dead_letter=r["id"],
    )


def _log_row(e) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.text(e["when"], size="1", white_space="nowrap")),
        rx.table.cell(rx.vstack(rx.code(e["action"]), rx.text(e["kind"], " ", e["target"], size="1",
                                                             word_break="break-all"), spacing="1")),
        rx.table.cell(rx.vstack(
            rx.text("before ", rx.code(e["before"]), size="1", word_break="break-word"),
            rx.text("after ", rx.code(e["after"]), size="1", word_break="break-word"),
            spacing="1"), class_name="tc-hide-sm"),
    )


def _retry_dialog() -> rx.Component:
    return rx.alert_dialog.root(
        rx.alert_dialog.content(
            rx.alert_dialog.title("Retry ", rx.code(S.pending_job), "?"),
            rx.alert_dialog.description(
                "The job goes back in the queue with a fresh set of retries. Jobs are idempotent: if it already "
                "took effect, running it again changes nothing. This is recorded in the audit log.",
                size="2",
            ),
            rx.flex(
                rx.alert_dialog.cancel(rx.button("Cancel", variant="soft", color_scheme="gray", on_click=S.cancel_retry)),
                rx.alert_dialog.action(rx.button("Retry job", on_click=S.confirm_retry, id="confirm-retry")),
                gap="0.75rem", justify="end", margin_top="1rem",
            ),
        ),
        open=S.pending_id != "",
    )


def _flags_banner() -> rx.Component:
    return rx.cond(
        S.flag_count > 0,
        rx.callout.root(
            rx.callout.icon(rx.icon("triangle-alert")),
            rx.callout.text(
                rx.text.strong(S.flag_count, rx.cond(S.flag_count == 1, " payment event needs", " payment events need"),
                               " review"),
                ": Razorpay events that could not be applied (a wrong amount, an unknown order or refund). ",
                rx.link("Review flagged payments", href="/admin/payments/flags", id="payment-flags-link"),
            ),
            color_scheme="tomato", width="100%", id="payment-flags-banner",
        ),
    )


def _skeleton() -> rx.Component:
    return rx.vstack(*[rx.skeleton(rx.box(height="40px", width="100%")) for _ in range(6)], width="100%")


@page("/admin/jobs", "Background jobs", on_load=[S.load])
def admin_jobs() -> rx.Component:
    return rx.vstack(
        page_header("Background jobs", "Jobs that gave up, and what reconciliation with Razorpay repaired."),
        _flags_banner(),
        rx.flex(
            _stat("Waiting to be retried", S.open_count, "open-count"),
            _stat("Dead letters in total", S.total, "dead-total"),
            _stat("Jobs queued now", S.pending_jobs, "pending-jobs"),
            gap="0.75rem", wrap="wrap", width="100%",
        ),
        rx.heading("Dead letters", size="4", margin_top="0.5rem"),
        rx.cond(
            S.loading,
            _skeleton(),
            rx.cond(
                S.rows.length() == 0,
                empty_state("circle-check", "No failed jobs", "Every background job has run, or is still being retried.",
                            "Back to the audit log", "/admin/audit", id="dead-letters-empty"),
                rx.box(
                    rx.table.root(
                        rx.table.header(rx.table.row(
                            rx.table.column_header_cell("Job", class_name="tc-hide-sm"),
                            rx.table.column_header_cell("What went wrong"),
                        )),
                        rx.table.body(rx.foreach(S.rows, _dead_row)),
                        variant="surface", width="100%", id="dead-letters-table",
                    ),
                    class_name="tc-table-wrap", width="100%",
                ),
            ),
        ),
        rx.cond(S.pages > 1, pager(S, S.page, S.pages)),
        rx.heading("Reconciliation log", size="4", margin_top="1rem"),
        rx.cond(
            S.loading,
            _skeleton(),
            rx.cond(
                S.log.length() == 0,
                rx.text("Reconciliation has not needed to repair anything yet.", size="2",
                        color=rx.color("gray", 11), id="reconciliation-empty"),
                rx.box(
                    rx.table.root(
                        rx.table.header(rx.table.row(
                            rx.table.column_header_cell("When"),
                            rx.table.column_header_cell("Repair"),
                            rx.table.column_header_cell("Change", class_name="tc-hide-sm"),
                        )),
                        rx.table.body(rx.foreach(S.log, _log_row)),
                        variant="surface", width="100%", id="reconciliation-table",
                    ),
                    class_name="tc-table-wrap", width="100%",
                ),
            ),
        ),
        rx.cond(S.log_pages > 1, rx.hstack(
            rx.button(rx.icon("chevron-left", size=14), "Newer", variant="soft", size="2",
                      disabled=S.log_page <= 1, on_click=S.go_to_log_page(S.log_page - 1)),
            rx.text("Page ", S.log_page, " of ", S.log_pages, size="2", color=rx.color("gray", 11)),
            rx.button("Older", rx.icon("chevron-right", size=14), variant="soft", size="2",
                      disabled=S.log_page >= S.log_pages, on_click=S.go_to_log_page(S.log_page + 1)),
            align="center", justify="center", width="100%")),
        _retry_dialog(),
        width="100%",
        spacing="3",
    )
