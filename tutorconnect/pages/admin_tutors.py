"""Admin: the tutor list by status (/admin/tutors) and one tutor's review page."""

from __future__ import annotations

import reflex as rx

from tutorconnect.components.empty_state import empty_state
from tutorconnect.components.layout import page, page_header
from tutorconnect.pages.admin import pager
from tutorconnect.services.tutors import REASON_MAX
from tutorconnect.state.admin_tutors import AdminTutorReviewState as R
from tutorconnect.state.admin_tutors import AdminTutorsState as L

TAB_LABELS = (("waiting", "Waiting"), ("approved", "Approved"), ("suspended", "Suspended"),
              ("rejected", "Rejected"), ("draft", "Drafts"))


def status_badge(status) -> rx.Component:
    return rx.match(
        status,
        ("submitted", rx.badge("Submitted", color_scheme="amber")),
        ("under_review", rx.badge("Under review", color_scheme="blue")),
        ("approved", rx.badge("Approved", color_scheme="green")),
        ("rejected", rx.badge("Rejected", color_scheme="tomato")),
        ("suspended", rx.badge("Suspended", color_scheme="orange")),
        rx.badge("Draft", color_scheme="gray"),
    )


def _row(r) -> rx.Component:
    return rx.table.row(
        rx.table.cell(
            rx.vstack(
                rx.link(r["name"], href="/admin/tutors/" + r["id"], weight="medium", class_name="tutor-link"),
                rx.text(r["email"], size="1", color=rx.color("gray", 10)),
                spacing="0",
            )
        ),
        rx.table.cell(rx.text(r["headline"], size="2", max_width="320px", truncate=True), class_name="tc-hide-sm"),
        rx.table.cell(status_badge(r["status"])),
        rx.table.cell(rx.text(r["submitted"], size="1", white_space="nowrap"), class_name="tc-hide-sm"),
        rx.table.cell(rx.link(rx.button("Open", size="1", variant="soft"), href="/admin/tutors/" + r["id"]), class_name="tc-hide-sm"),
    )


@page("/admin/tutors", "Tutors", on_load=[L.load])
def admin_tutors() -> rx.Component:
    return rx.vstack(
        page_header("Tutors", L.total.to_string() + rx.cond(L.total == 1, " tutor", " tutors") + " in this list"),
        rx.flex(
            # On a phone the five tabs scroll sideways inside their own strip.
            rx.box(
                rx.segmented_control.root(
                    *[rx.segmented_control.item(label, rx.cond(L.counts.contains(value), " (" + L.counts[value] + ")", ""), value=value)
                      for value, label in TAB_LABELS],
                    value=L.tab,
                    on_change=L.choose_tab,
                    id="tutor-tabs",
                ),
                max_width="100%",
                overflow_x="auto",
                padding_bottom="2px",
            ),
            # A form control's id is sent as a form field too: keep it equal to its name.
            rx.form(
                rx.hstack(
                    rx.input(rx.input.slot(rx.icon("search", size=14)), name="q", placeholder="Name or email",
                             default_value=L.query, key=L.query, max_length=100, width="220px", id="q"),
                    rx.button("Search", type="submit", variant="soft"),
                ),
                on_submit=L.search,
            ),
            gap="0.75rem",
            wrap="wrap",
            justify="between",
            width="100%",
            margin_bottom="1rem",
        ),
        rx.cond(
            L.loading,
            rx.vstack(*[rx.skeleton(rx.box(height="44px", width="100%")) for _ in range(6)], width="100%"),
            rx.cond(
                L.rows.length() > 0,
                rx.box(
                    rx.table.root(
                        rx.table.header(
                            rx.table.row(
                                rx.table.column_header_cell("Tutor"),
                                rx.table.column_header_cell("Headline", class_name="tc-hide-sm"),
                                rx.table.column_header_cell("Status"),
                                rx.table.column_header_cell("Submitted", class_name="tc-hide-sm"),
                                rx.table.column_header_cell("", class_name="tc-hide-sm"),
                            )
                        ),
                        rx.table.body(rx.foreach(L.rows, _row)),
                        variant="surface",
                        width="100%",
                        id="tutors-table",
                    ),
                    class_name="tc-table-wrap",
                    width="100%",
                ),
                rx.callout.root(
                    rx.callout.icon(rx.icon("inbox")),
                    rx.callout.text(rx.cond(L.tab == "waiting", "Nobody is waiting for a review. ", ""),
                                    "No tutors match this list. Try another tab or a shorter search."),
                    color_scheme="gray",
                    width="100%",
                    id="tutors-empty",
                ),
            ),
        ),
        rx.cond(L.pages > 1, pager(L, L.page, L.pages)),
        width="100%",
    )


# -- one tutor -----------------------------------------------------------------------
def _fact(label: str, value) -> rx.Component:
    return rx.vstack(
        rx.text(label, size="1", color=rx.color("gray", 10), weight="medium"),
        rx.text(value, size="2"),
        spacing="0",
        min_width="140px",
    )


def _section(title: str, *children, **props) -> rx.Component:
    return rx.card(
        rx.vstack(rx.heading(title, size="4", as_="h2"), *children, spacing="3", width="100%"),
        width="100%",
        **props,
    )


def _profile_card() -> rx.Component:
    p = R.profile
    return _section(
        "Profile as submitted",
        rx.flex(
            rx.avatar(src=p["photo"], fallback=p["name"][:1], size="6", radius="full"),
            rx.vstack(
                rx.heading(p["name"], size="5", as_="h3"),
                rx.text(p["headline"], color=rx.color("gray", 11)),
                rx.text("Account: ", p["account_name"], " · ", p["email"], size="1", color=rx.color("gray", 10)),
                spacing="1",
            ),
            gap="1rem",
            align="center",
            wrap="wrap",
        ),
        rx.text(p["bio"], white_space="pre-wrap", size="2", id="tutor-bio"),
        rx.flex(
            _fact("Subjects", rx.flex(
                rx.foreach(R.subjects, lambda s: rx.badge(s["name"], " · ", s["level"], rx.cond(s["retired"] != "", " (retired)", ""),
                                                          variant="soft")),
                gap="0.35rem", wrap="wrap")),
            _fact("Languages", p["languages"]),
            _fact("Experience", p["years"]),
            _fact("Time zone", p["time_zone"]),
            gap="1.25rem",
            wrap="wrap",
        ),
        rx.cond(
            p["video"] != "",
            rx.text("Intro video: ", rx.link(p["video"], href=p["video"], is_external=True, rel="noopener noreferrer"), size="2",
                    word_break="break-all"),
            rx.text("No intro video.", size="2", color=rx.color("gray", 10)),
        ),
    )


def _pricing_card() -> rx.Component:
    p = R.profile
    return _section(
        "Prices",
        rx.flex(
            _fact("Hourly rate", p["hourly"]),
            _fact("Trial lesson", p["trial"]),
            _fact("Bookings", p["confirmation"]),
            gap="1.25rem",
            wrap="wrap",
        ),
        rx.flex(
            rx.foreach(R.prices, lambda x: rx.badge(x["minutes"], ": ", x["price"], size="2", variant="surface")),
            gap="0.5rem",
            wrap="wrap",
        ),
    )


def _reliability_card() -> rx.Component:
    p = R.profile
    return _section(
        "Reliability",
        rx.hstack(
            rx.icon("calendar-x", size=16, color=rx.cond(p["cancellations_flag"] != "", rx.color("amber", 11),
                                                          rx.color("gray", 10))),
            rx.text(p["cancellations"], size="2", id="tutor-cancellations"),
            spacing="2",
            align="center",
        ),
        rx.text("Paid bookings made in that period; declined requests are not cancellations.", size="1",
                color=rx.color("gray", 10)),
    )


def _completeness_card() -> rx.Component:
    p = R.profile
    return _section(
        "Completeness",
        rx.hstack(rx.progress(value=R.completeness, max=100, width="100%", duration="0s"),
                  rx.text(p["completeness"], "%", weight="bold"), width="100%", align="center"),
        rx.cond(
            R.missing.length() > 0,
            rx.vstack(rx.foreach(R.missing, lambda m: rx.text("• ", m, size="2", color=rx.color("amber", 11))), spacing="1"),
            rx.text("Everything required is there.", size="2", color=rx.color("green", 11)),
        ),
    )


def _document_row(d) -> rx.Component:
    return rx.table.row(
        rx.table.cell(
            rx.el.a(
                rx.hstack(rx.icon("file-text", size=14), rx.text(d["title"]), spacing="1", align="center"),
                href=d["href"], reload_document=True, target="_blank", rel="noopener",
                style={"color": rx.color("accent", 11), "text_decoration": "none"},
            )
        ),
        rx.table.cell(d["kind"]),
        rx.table.cell(d["issuer"], class_name="tc-hide-sm"),
        rx.table.cell(d["year"], class_name="tc-hide-sm"),
        rx.table.cell(rx.text(d["size"], white_space="nowrap")),
    )


def _documents_card() -> rx.Component:
    return _section(
        "Documents",
        rx.cond(
            R.documents.length() > 0,
            rx.box(
                rx.table.root(
                    rx.table.header(rx.table.row(
                        rx.table.column_header_cell("Title"), rx.table.column_header_cell("Kind"),
                        rx.table.column_header_cell("Issuer", class_name="tc-hide-sm"),
                        rx.table.column_header_cell("Year", class_name="tc-hide-sm"),
                        rx.table.column_header_cell("Size"),
                    )),
                    rx.table.body(rx.foreach(R.documents, _document_row)),
                    variant="surface", size="1", width="100%", id="documents-table",
                ),
                width="100%",
                overflow_x="auto",
            ),
            rx.text("No documents uploaded.", size="2", color=rx.color("gray", 10)),
        ),
    )


def _history_item(h) -> rx.Component:
    return rx.box(
        rx.text(rx.text.strong(h["from"], " → ", h["to"]), " by ", h["actor"], size="2"),
        rx.text(h["when"], size="1", color=rx.color("gray", 10)),
        rx.cond(h["reason"] != "", rx.text("Reason: ", h["reason"], size="2", white_space="pre-wrap",
                                           color=rx.color("gray", 11))),
        border_left=f"2px solid {rx.color('accent', 6)}",
        padding_left="0.75rem",
        width="100%",
    )


def _history_card() -> rx.Component:
    return _section(
        "Status history",
        rx.cond(
            R.history.length() > 0,
            rx.vstack(rx.foreach(R.history, _history_item), spacing="3", width="100%", id="status-history"),
            rx.text("No decisions yet.", size="2", color=rx.color("gray", 10)),
        ),
        rx.text("Times in ", R.profile["zone"], ".", size="1", color=rx.color("gray", 10)),
    )


def _action_button(key) -> rx.Component:
    return rx.match(
        key,
        ("start_review", rx.button(rx.icon("eye", size=14), "Start review", on_click=R.ask("start_review"), id="action-start_review")),
        ("approve", rx.button(rx.icon("check", size=14), "Approve", color_scheme="green", on_click=R.ask("approve"), id="action-approve")),
        ("reject", rx.button(rx.icon("x", size=14), "Reject", color_scheme="tomato", variant="soft", on_click=R.ask("reject"), id="action-reject")),
        ("suspend", rx.button(rx.icon("pause", size=14), "Suspend", color_scheme="orange", variant="soft", on_click=R.ask("suspend"), id="action-suspend")),
        ("reinstate", rx.button(rx.icon("rotate-ccw", size=14), "Reinstate", color_scheme="green", on_click=R.ask("reinstate"), id="action-reinstate")),
        rx.fragment(),
    )


def _decision_bar() -> rx.Component:
    p = R.profile
    return rx.card(
        rx.flex(
            rx.hstack(rx.text("Status", size="2", color=rx.color("gray", 11)), status_badge(p["status"]), align="center"),
            rx.spacer(),
            rx.cond(
                R.actions.length() > 0,
                rx.flex(rx.foreach(R.actions, _action_button), gap="0.5rem", wrap="wrap"),
                rx.text(rx.cond(p["status"] == "rejected", "Waiting for the tutor to fix and resubmit.",
                                rx.cond(p["status"] == "draft", "The tutor has not submitted yet.", "No decision to make.")),
                        size="2", color=rx.color("gray", 10)),
            ),
            gap="0.75rem",
            wrap="wrap",
            align="center",
            width="100%",
        ),
        rx.flex(
            rx.text("Submitted ", p["submitted"], size="1", color=rx.color("gray", 10)),
            rx.text("Reviewed ", p["reviewed"], size="1", color=rx.color("gray", 10)),
            rx.text("Approved ", p["approved"], size="1", color=rx.color("gray", 10)),
            gap="0.25rem 1.25rem",
            wrap="wrap",
            margin_top="0.5rem",
        ),
        rx.cond(
            p["rejection_reason"] != "",
            rx.callout.root(rx.callout.icon(rx.icon("message-square-warning")),
                            rx.callout.text("Last rejection reason: ", p["rejection_reason"]),
                            color_scheme="tomato", size="1", margin_top="0.75rem"),
        ),
        width="100%",
        id="decision-bar",
    )


_CONFIRM_TEXT = {
    "start_review": ("Start the review?", "The tutor is told an admin is reviewing their profile and cannot edit it until you decide.", "Start review"),
    "approve": ("Approve this tutor?", "Their profile becomes public: students can find and book them.", "Approve"),
    "reject": ("Reject this profile?", "Tell the tutor what to change. They will see this reason and can resubmit.", "Reject"),
    "suspend": ("Suspend this tutor?", "Their profile is hidden from students at once. They will see this reason.", "Suspend"),
    "reinstate": ("Reinstate this tutor?", "Their profile becomes public again.", "Reinstate"),
}


def _dialog_text(index: int):
    return rx.match(R.pending_action, *[(k, v[index]) for k, v in _CONFIRM_TEXT.items()], "")


def _decision_dialog() -> rx.Component:
    return rx.alert_dialog.root(
        rx.alert_dialog.content(
            rx.alert_dialog.title(_dialog_text(0)),
            rx.alert_dialog.description(_dialog_text(1), size="2"),
            rx.form(
                rx.cond(
                    R.needs_reason,
                    rx.vstack(
                        rx.text("Reason (shown to the tutor)", as_="label", html_for="reason", size="2", weight="medium"),
                        rx.text_area(name="reason", id="reason", rows="4", max_length=REASON_MAX, width="100%",
                                     placeholder="For example: please upload a clearer scan of your degree."),
                        rx.cond(R.reason_error != "", rx.text(R.reason_error, color="tomato", size="1", role="alert", id="reason-error"),
                                rx.text("5 to 500 characters.", size="1", color=rx.color("gray", 10))),
                        spacing="1",
                        width="100%",
                        margin_top="0.75rem",
                    ),
                ),
                rx.flex(
                    rx.button("Cancel", type="button", variant="soft", color_scheme="gray", on_click=R.cancel),
                    rx.button(_dialog_text(2), type="submit", id="confirm-decision",
                              color_scheme=rx.cond(R.needs_reason, "tomato", "accent")),
                    gap="0.75rem",
                    justify="end",
                    margin_top="1rem",
                ),
                on_submit=R.confirm,
                reset_on_submit=False,
            ),
        ),
        open=R.pending_action != "",
    )


@page("/admin/tutors/[review_id]", "Review tutor", on_load=[R.load])
def admin_tutor_review() -> rx.Component:
    return rx.vstack(
        rx.link(rx.hstack(rx.icon("arrow-left", size=14), rx.text("All tutors", size="2"), spacing="1", align="center"),
                href="/admin/tutors", color=rx.color("gray", 11)),
        rx.cond(
            R.loading,
            rx.vstack(*[rx.skeleton(rx.box(height="120px", width="100%")) for _ in range(3)], width="100%"),
            rx.cond(
                R.found & (R.profile.length() > 0),
                rx.vstack(
                    page_header(R.profile["name"], "Submitted " + R.profile["submitted"]),
                    _decision_bar(),
                    rx.grid(
                        rx.vstack(_profile_card(), _pricing_card(), _documents_card(), spacing="4", width="100%"),
                        rx.vstack(_completeness_card(), _reliability_card(), _history_card(), spacing="4", width="100%"),
                        grid_template_columns=rx.breakpoints(initial="minmax(0, 1fr)", md="minmax(0, 3fr) minmax(0, 2fr)"),
                        gap="1rem",
                        width="100%",
                    ),
                    spacing="4",
                    width="100%",
                ),
                rx.cond(
                    ~R.found,
                    empty_state("user-x", "Tutor not found", "This tutor profile does not exist or was removed.",
                                "Back to tutors", "/admin/tutors", id="tutor-not-found"),
                ),
            ),
        ),
        _decision_dialog(),
        width="100%",
        spacing="3",
    )
