"""The shell every page shares: navigation, banner, footer, hydration marker.

`page(...)` is the decorator a new page uses: it registers the route, wraps the content
in the shell and runs the session check before the page's own on_load handlers.
"""

from __future__ import annotations

from collections.abc import Callable

import reflex as rx

from tutorconnect.state.base import SessionState
from tutorconnect.state.notifications import BellState

MAX_WIDTH = "1120px"


def logo() -> rx.Component:
    return rx.link(
        rx.hstack(
            rx.center(
                rx.icon("graduation-cap", size=20, color="white"),
                width="34px",
                height="34px",
                border_radius="10px",
                background="linear-gradient(135deg, var(--indigo-9), var(--violet-9))",
            ),
            rx.text("TutorConnect", weight="bold", size="5", color=rx.color("gray", 12), white_space="nowrap"),
            spacing="2",
            align="center",
        ),
        flex_shrink="0",  # the brand never wraps, however full the bar (long words wrap anywhere else)
        href="/",
        underline="none",
        aria_label="TutorConnect home",
    )


def _nav_link(label: str, href: str, icon: str) -> rx.Component:
    return rx.link(
        rx.hstack(rx.icon(icon, size=16), rx.text(label, size="2", weight="medium", white_space="nowrap"),
                  spacing="1", align="center"),
        href=href,
        color=rx.color("gray", 11),
        underline="none",
        _hover={"color": rx.color("accent", 11)},
    )


def _role_links() -> rx.Component:
    # Below 1024px the admin's secondary links move to the user menu, so the bar never wraps.
    wide_only = {"display": rx.breakpoints(initial="none", md="flex")}
    return rx.fragment(
        _nav_link("Find tutors", "/tutors", "search"),
        rx.cond(SessionState.signed_in, _nav_link("Dashboard", "/dashboard", "layout-dashboard")),
        rx.cond(
            SessionState.user_role == "student",
            rx.fragment(_nav_link("Lessons", "/bookings", "calendar"), _nav_link("Favorites", "/favorites", "heart"),
                        rx.box(_nav_link("Receipts", "/receipts", "receipt"), **wide_only)),
        ),
        rx.cond(
            SessionState.user_role == "tutor",
            rx.fragment(
                _nav_link("Schedule", "/tutor/schedule", "calendar"),
                rx.box(_nav_link("Availability", "/tutor/availability", "calendar-range"), **wide_only),
                # The tutor's bar is the longest: Earnings only on very wide screens (menu and dashboard otherwise).
                rx.box(_nav_link("Earnings", "/tutor/earnings", "wallet"),
                       display=rx.breakpoints(initial="none", xl="flex")),
                _nav_link("My profile", "/tutor/profile", "id-card"),
            ),
        ),
        rx.cond(
            SessionState.user_role == "admin",
            rx.fragment(
                _nav_link("Tutors", "/admin/tutors", "user-check"),
                _nav_link("Subjects", "/admin/subjects", "book-open"),
                rx.box(_nav_link("Users", "/admin/users", "users"), **wide_only),
                rx.box(_nav_link("Audit log", "/admin/audit", "scroll-text"), **wide_only),
                # Like the tutor's Earnings: only on very wide screens (always in the user menu).
                rx.box(_nav_link("Jobs", "/admin/jobs", "list-restart"), display=rx.breakpoints(initial="none", xl="flex")),
                rx.box(_nav_link("Mail", "/admin/mail", "mail"), display=rx.breakpoints(initial="none", xl="flex")),
            ),
        ),
    )


def notification_bell() -> rx.Component:
    """The bell with the unread count (hidden at 0); BellState.refresh runs on every page load."""
    return rx.link(
        rx.box(
            rx.icon("bell", size=18),
            rx.cond(
                BellState.unread > 0,
                rx.badge(
                    BellState.unread_label,
                    color_scheme="tomato",
                    variant="solid",
                    radius="full",
                    size="1",
                    position="absolute",
                    top="-6px",
                    right="-9px",
                    padding_x="0.35rem",
                    id="bell-count",
                ),
            ),
            position="relative",
            display="flex",
            align_items="center",
            padding="0.4rem",
        ),
        href="/notifications",
        color=rx.color("gray", 11),
        aria_label=rx.cond(BellState.unread > 0, "Notifications, " + BellState.unread_label + " unread", "Notifications"),
        id="nav-bell",
        _hover={"color": rx.color("accent", 11)},
    )


def user_menu() -> rx.Component:
    return rx.menu.root(
        rx.menu.trigger(
            rx.button(
                rx.avatar(fallback=SessionState.user_name[:1], size="1", radius="full"),
                rx.text(SessionState.user_name, size="2", class_name="tc-hide-sm", max_width="140px",
                        white_space="nowrap", overflow="hidden", text_overflow="ellipsis"),  # one line, cut
                rx.icon("chevron-down", size=14),
                variant="ghost",
                id="user-menu",
            )
        ),
        rx.menu.content(
            rx.box(rx.text(SessionState.user_email, size="1", color=rx.color("gray", 10)), padding_x="0.5rem", padding_y="0.25rem"),
            rx.menu.separator(),
            rx.menu.item(rx.icon("layout-dashboard", size=14), "Dashboard", on_select=rx.redirect("/dashboard")),
            rx.menu.item(rx.icon("search", size=14), "Find tutors", on_select=rx.redirect("/tutors")),
            rx.menu.item(rx.icon("bell", size=14), "Notifications", on_select=rx.redirect("/notifications")),
            rx.cond(
                SessionState.user_role == "student",
                rx.fragment(
                    rx.menu.item(rx.icon("heart", size=14), "Favorites", on_select=rx.redirect("/favorites")),
                    rx.menu.item(rx.icon("receipt", size=14), "Receipts", on_select=rx.redirect("/receipts")),
                ),
            ),
            rx.cond(
                SessionState.user_role == "tutor",
                rx.fragment(
                    rx.menu.item(rx.icon("id-card", size=14), "My profile", on_select=rx.redirect("/tutor/profile")),
                    rx.menu.item(rx.icon("wallet", size=14), "Earnings", on_select=rx.redirect("/tutor/earnings")),
                    rx.menu.item(rx.icon("message-square-quote", size=14), "My reviews",
                                 on_select=rx.redirect("/tutor/reviews")),
                ),
            ),
            rx.menu.item(rx.icon("settings", size=14), "Account settings", on_select=rx.redirect("/account")),
            rx.menu.item(rx.icon("bell-ring", size=14), "Notification settings",
                         on_select=rx.redirect("/notifications/settings")),
            rx.cond(
                SessionState.user_role == "admin",
                rx.fragment(
                    rx.menu.separator(),
                    rx.menu.item(rx.icon("user-check", size=14), "Review tutors", on_select=rx.redirect("/admin/tutors")),
                    rx.menu.item(rx.icon("book-open", size=14), "Subjects", on_select=rx.redirect("/admin/subjects")),
                    rx.menu.item(rx.icon("users", size=14), "Manage users", on_select=rx.redirect("/admin/users")),
                    rx.menu.item(rx.icon("scroll-text", size=14), "Audit log", on_select=rx.redirect("/admin/audit")),
                    rx.menu.item(rx.icon("list-restart", size=14), "Background jobs", on_select=rx.redirect("/admin/jobs")),
                    rx.menu.item(rx.icon("flag", size=14), "Flagged payments",
                                 on_select=rx.redirect("/admin/payments/flags")),
                    rx.menu.item(rx.icon("mail", size=14), "Captured mail", on_select=rx.redirect("/admin/mail")),
                ),
            ),
            rx.menu.separator(),
            rx.menu.item(rx.icon("log-out", size=14), "Sign out", color="tomato", on_select=SessionState.sign_out, id="sign-out"),
        ),
    )


def _signed_out_actions() -> rx.Component:
    return rx.hstack(
        rx.link(rx.button("Sign in", variant="soft", color_scheme="gray"), href="/login", id="nav-login"),
        rx.link(rx.button("Get started"), href="/register", id="nav-register"),
        spacing="2",
        align="center",
    )


def color_mode_toggle() -> rx.Component:
    return rx.icon_button(
        rx.color_mode_cond(light=rx.icon("moon", size=16), dark=rx.icon("sun", size=16)),
        on_click=rx.toggle_color_mode,
        variant="ghost",
        aria_label="Switch between light and dark mode",
        id="color-mode",
    )


def mobile_menu() -> rx.Component:
    return rx.box(
        rx.menu.root(
            rx.menu.trigger(rx.icon_button(rx.icon("menu", size=18), variant="ghost", aria_label="Open menu")),
            rx.menu.content(
                rx.menu.item("Home", on_select=rx.redirect("/")),
                rx.menu.item("Find tutors", on_select=rx.redirect("/tutors")),
                rx.cond(
                    SessionState.signed_in,
                    rx.fragment(
                        rx.menu.item("Dashboard", on_select=rx.redirect("/dashboard")),
                        rx.menu.item("Notifications", on_select=rx.redirect("/notifications")),
                        rx.cond(
                            SessionState.user_role == "student",
                            rx.fragment(
                                rx.menu.item("Favorites", on_select=rx.redirect("/favorites")),
                                rx.menu.item("Receipts", on_select=rx.redirect("/receipts")),
                            ),
                        ),
                        rx.cond(
                            SessionState.user_role == "tutor",
                            rx.fragment(
                                rx.menu.item("My profile", on_select=rx.redirect("/tutor/profile")),
                                rx.menu.item("Earnings", on_select=rx.redirect("/tutor/earnings")),
                                rx.menu.item("My reviews", on_select=rx.redirect("/tutor/reviews")),
                            ),
                        ),
                        rx.menu.item("Account settings", on_select=rx.redirect("/account")),
                        rx.menu.item("Notification settings", on_select=rx.redirect("/notifications/settings")),
                        rx.cond(
                            SessionState.user_role == "admin",
                            rx.fragment(
                                rx.menu.separator(),
                                rx.menu.item("Tutors", on_select=rx.redirect("/admin/tutors")),
                                rx.menu.item("Subjects", on_select=rx.redirect("/admin/subjects")),
                                rx.menu.item("Users", on_select=rx.redirect("/admin/users")),
                                rx.menu.item("Audit log", on_select=rx.redirect("/admin/audit")),
                                rx.menu.item("Background jobs", on_select=rx.redirect("/admin/jobs")),
                                rx.menu.item("Flagged payments", on_select=rx.redirect("/admin/payments/flags")),
                                rx.menu.item("Captured mail", on_select=rx.redirect("/admin/mail")),
                            ),
                        ),
                        rx.menu.separator(),
                        rx.menu.item("Sign out", color="tomato", on_select=SessionState.sign_out),
                    ),
                    rx.fragment(
                        rx.menu.item("Sign in", on_select=rx.redirect("/login")),
                        rx.menu.item("Create account", on_select=rx.redirect("/register")),
                    ),
                ),
            ),
        ),
        class_name="tc-show-sm",
    )


def navbar() -> rx.Component:
    return rx.el.header(
        rx.hstack(
            logo(),
            rx.hstack(_role_links(), spacing="5", class_name="tc-hide-sm", margin_left="1.5rem", align="center"),
            rx.spacer(),
            rx.cond(SessionState.signed_in, notification_bell()),
            color_mode_toggle(),
            rx.box(
                rx.cond(
                    SessionState.session_checked,
                    rx.cond(SessionState.signed_in, user_menu(), _signed_out_actions()),
                    rx.skeleton(rx.box(width="140px", height="32px")),
                ),
                class_name="tc-hide-sm",
            ),
            mobile_menu(),
            align="center",
            spacing="3",
            max_width=MAX_WIDTH,
            margin_x="auto",
            padding_x="1rem",
            height="64px",
            width="100%",
        ),
        position="sticky",
        top="0",
        z_index="10",
        border_bottom=f"1px solid {rx.color('gray', 4)}",
        background=rx.color("gray", 1, alpha=True),
        style={"backdrop_filter": "blur(12px)"},
    )


def verify_banner() -> rx.Component:
    from tutorconnect.state.account import VerificationState

    return rx.cond(
        SessionState.signed_in & ~SessionState.email_verified,
        rx.callout.root(
            rx.callout.icon(rx.icon("mail-warning")),
            rx.callout.text(
                "Please confirm your email address: we sent you a link. ",
                rx.link("Send it again", on_click=VerificationState.resend, href="#", id="resend-verification"),
            ),
            color_scheme="amber",
            size="1",
            max_width=MAX_WIDTH,
            margin_x="auto",
            margin_top="0.75rem",
            width="calc(100% - 2rem)",
        ),
    )


def footer() -> rx.Component:
    return rx.el.footer(
        rx.hstack(
            rx.text("© 2026 TutorConnect · Learn from people, at your time.", size="1", color=rx.color("gray", 10)),
            rx.spacer(),
            rx.hstack(
                rx.link("Home", href="/", size="1", color=rx.color("gray", 10)),
                # /status is an HTTP route (api/health_routes.py), not a Reflex page: a full load.
                rx.link("Status", href="/status", size="1", color=rx.color("gray", 10), reload_document=True),
                spacing="4",
            ),
            max_width=MAX_WIDTH,
            margin_x="auto",
            padding="1.25rem 1rem",
            wrap="wrap",
            gap="0.5rem",
        ),
        border_top=f"1px solid {rx.color('gray', 4)}",
        margin_top="auto",
    )


def shell(content: rx.Component, *, wide: bool = False) -> rx.Component:
    return rx.flex(
        navbar(),
        verify_banner(),
        rx.el.main(
            content,
            width="100%",
            max_width="100%" if wide else MAX_WIDTH,
            margin_x="auto",
            padding_x="1rem",
            padding_top="2rem",
            padding_bottom="3rem",
        ),
        footer(),
        rx.cond(rx.State.is_hydrated, rx.box(id="hydrated", display="none")),
        direction="column",
        min_height="100vh",
        background=rx.color("gray", 1),
    )


def page(
    route: str,
    title: str,
    *,
    on_load: list | None = None,
    wide: bool = False,
    description: str = "Find a tutor who fits your goals and your time zone.",
) -> Callable[[Callable[[], rx.Component]], Callable[[], rx.Component]]:
    """Register a page in the shell. `on_load` runs after the session check."""

    def decorator(body: Callable[[], rx.Component]) -> Callable[[], rx.Component]:
        def render() -> rx.Component:
            return shell(body(), wide=wide)

        render.__name__ = body.__name__
        return rx.page(
            route=route,
            title=f"{title} · TutorConnect",
            description=description,
            on_load=[SessionState.load_session, BellState.refresh, *(on_load or [])],
        )(render)

    return decorator


def page_header(title: str | rx.Var, subtitle: str | rx.Var = "", *actions: rx.Component) -> rx.Component:
    return rx.flex(
        rx.vstack(
            rx.heading(title, size="7", weight="bold"),
            rx.text(subtitle, color=rx.color("gray", 11), size="3"),
            spacing="1",
        ),
        rx.spacer(),
        *actions,
        align="end",
        wrap="wrap",
        gap="0.75rem",
        margin_bottom="1.25rem",
        width="100%",
    )
