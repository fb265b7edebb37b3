"""The signed-in landing page: what each role can do next."""

from __future__ import annotations

import reflex as rx

from tutorconnect.components.layout import page, page_header
from tutorconnect.state.dashboard import DashboardState


def _tile(icon: str, title: str, body: str, href: str = "", soon: bool = False) -> rx.Component:
    content = rx.card(
        rx.vstack(
            rx.hstack(
                rx.center(rx.icon(icon, size=18), width="36px", height="36px", border_radius="10px", background=rx.color("accent", 3), color=rx.color("accent", 11)),
                rx.spacer(),
                rx.cond(soon, rx.badge("Coming soon", color_scheme="gray", variant="soft")) if soon else rx.fragment(),
                width="100%",
            ),
            rx.text(title, weight="bold"),
            rx.text(body, size="2", color=rx.color("gray", 11)),
            spacing="2",
        ),
        size="2",
        style={"opacity": "0.7"} if soon else {},
    )
    return rx.link(content, href=href, underline="none") if href and not soon else content


def _student() -> rx.Component:
    return rx.box(
        _tile("search", "Find a tutor", "Search by subject, price and availability.", "/tutors"),
        _tile("calendar", "Your lessons", "Upcoming and past lessons, join links, reschedule and cancel.", "/bookings"),
        _tile("heart", "Favorites", "Tutors you saved to compare and book later.", "/favorites"),
        _tile("receipt", "Receipts", "Payments, refunds and PDF receipts for your lessons.", "/receipts"),
        _tile("settings", "Account settings", "Name, time zone, password and devices.", "/account"),
        class_name="tc-card-grid",
        width="100%",
    )


def _missing(m) -> rx.Component:
    return rx.el.li(rx.link(m["label"], href="/tutor/profile?step=" + m["step"], size="2"))


def _profile_card() -> rx.Component:
    S = DashboardState
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.center(rx.icon("id-card", size=18), width="36px", height="36px", border_radius="10px",
                          background=rx.color("accent", 3), color=rx.color("accent", 11)),
                rx.text("Your tutor profile", weight="bold"),
                rx.spacer(),
                rx.badge(S.profile_status_label, variant="soft", id="profile-status-badge",
                         color_scheme=rx.match(S.profile_status, ("approved", "green"), ("under_review", "amber"),
                                               ("submitted", "blue"), ("rejected", "tomato"), ("suspended", "tomato"), "gray")),
                width="100%", align="center",
            ),
            rx.hstack(
                rx.progress(value=S.profile_score, max=100, size="2", width="100%", aria_label="Profile completeness"),
                rx.text(S.profile_score.to_string() + "%", size="2", weight="bold", id="profile-score", white_space="nowrap"),
                width="100%", align="center",
            ),
            rx.cond(
                S.profile_reason != "",
                rx.callout.root(
                    rx.callout.icon(rx.icon("circle-alert")),
                    rx.callout.text(rx.text.strong("Changes requested: "), S.profile_reason),
                    color_scheme="tomato", size="1", width="100%", id="profile-rejection-reason",
                ),
            ),
            rx.cond(
                S.profile_missing.length() > 0,
                rx.vstack(
                    rx.text("Still missing:", size="2", color=rx.color("gray", 11)),
                    rx.el.ul(rx.foreach(S.profile_missing, _missing), style={"margin": "0", "padding_left": "1.25rem"}),
                    spacing="1", width="100%",
                ),
            ),
            rx.link(
                rx.button(rx.cond(S.profile_status == "draft", "Continue your profile", "Edit profile"),
                          rx.icon("arrow-right", size=16)),
                href="/tutor/profile", id="profile-cta",
            ),
            spacing="3",
            width="100%",
        ),
        size="2",
        id="tutor-profile-card",
        grid_column=rx.breakpoints(initial="auto", sm="span 2"),
    )


def _tutor() -> rx.Component:
    return rx.box(
        _profile_card(),
        _tile("calendar", "Schedule", "Upcoming lessons, requests to accept, and history.", "/tutor/schedule"),
        _tile("calendar-range", "Availability", "Weekly hours, days off and booking rules in your time zone.",
              "/tutor/availability"),
        _tile("message-square-quote", "Reviews", "What students say, with your replies.", "/tutor/reviews"),
        _tile("wallet", "Earnings", "Pending and payable earnings and the platform fee, by month and lesson.",
              "/tutor/earnings"),
        _tile("settings", "Account settings", "Name, time zone, password and devices.", "/account"),
        class_name="tc-card-grid",
        width="100%",
    )


def _admin() -> rx.Component:
    return rx.box(
        _tile("user-check", "Tutor applications", "Review, approve or reject tutors.", "/admin/tutors"),
        _tile("book-open", "Subjects", "The subject taxonomy students search by.", "/admin/subjects"),
        _tile("users", "Users", "Search accounts and change roles.", "/admin/users"),
        _tile("scroll-text", "Audit log", "Every change to roles, sessions and passwords.", "/admin/audit"),
        _tile("flag", "Flagged payments", "Razorpay events that could not be applied, to check and resolve.",
              "/admin/payments/flags"),
        _tile("settings", "Account settings", "Name, time zone, password and devices.", "/account"),
        class_name="tc-card-grid",
        width="100%",
    )


@page("/dashboard", "Dashboard", on_load=[DashboardState.load])
def dashboard() -> rx.Component:
    return rx.vstack(
        rx.cond(
            DashboardState.welcome,
            rx.callout.root(rx.callout.icon(rx.icon("party-popper")), rx.callout.text("Your account is ready. Welcome aboard!"), color_scheme="green", width="100%"),
        ),
        page_header("Hello, " + DashboardState.user_name, "Signed in as " + DashboardState.user_role + " · times shown in " + DashboardState.user_time_zone),
        rx.match(DashboardState.user_role, ("admin", _admin()), ("tutor", _tutor()), _student()),
        width="100%",
        id="dashboard",
    )
