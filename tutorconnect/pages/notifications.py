"""/notifications: the signed-in user's notifications, newest first."""

from __future__ import annotations

import reflex as rx

from tutorconnect.components.layout import page, page_header
from tutorconnect.pages.admin import pager
from tutorconnect.state.notifications import NotificationsState as N


def _item(n) -> rx.Component:
    unread = n["read"] == ""
    return rx.card(
        rx.flex(
            rx.box(
                width="8px", height="8px", border_radius="50%", margin_top="0.45rem", flex_shrink="0",
                background=rx.cond(unread, rx.color("accent", 9), "transparent"),
            ),
            rx.vstack(
                rx.flex(
                    rx.text(n["title"], weight=rx.cond(unread, "bold", "medium"), size="3"),
                    rx.spacer(),
                    rx.text(n["when"], size="1", color=rx.color("gray", 10), white_space="nowrap"),
                    wrap="wrap",
                    gap="0.25rem 0.75rem",
                    width="100%",
                ),
                rx.cond(n["body"] != "", rx.text(n["body"], size="2", color=rx.color("gray", 11), white_space="pre-wrap")),
                rx.flex(
                    rx.cond(
                        n["link"] != "",
                        rx.button("Open", rx.icon("arrow-right", size=14), size="1", variant="soft",
                                  on_click=N.open(n["id"]), class_name="notification-open"),
                    ),
                    rx.cond(
                        unread,
                        rx.button("Mark read", size="1", variant="ghost", on_click=N.mark_read(n["id"]),
                                  class_name="notification-mark-read"),
                    ),
                    gap="0.75rem",
                    align="center",
                ),
                spacing="2",
                width="100%",
            ),
            gap="0.75rem",
            width="100%",
        ),
        width="100%",
        background=rx.cond(unread, rx.color("accent", 2), rx.color("gray", 1)),
        border=rx.cond(unread, f"1px solid {rx.color('accent', 6)}", f"1px solid {rx.color('gray', 4)}"),
        class_name=rx.cond(unread, "notification unread", "notification"),
    )


@page("/notifications", "Notifications", on_load=[N.load])
def notifications_page() -> rx.Component:
    return rx.vstack(
        page_header(
            "Notifications",
            "Updates about your account, newest first.",
            rx.cond(N.any_unread, rx.button(rx.icon("check-check", size=14), "Mark all read", variant="soft",
                                            on_click=N.mark_all_read, id="mark-all-read")),
            rx.link(rx.button(rx.icon("settings", size=14), "Settings", variant="soft", color_scheme="gray"),
                    href="/notifications/settings", id="notification-settings-link"),
        ),
        rx.cond(
            N.loading,
            rx.vstack(*[rx.skeleton(rx.box(height="72px", width="100%")) for _ in range(4)], width="100%"),
            rx.cond(
                N.rows.length() > 0,
                rx.vstack(rx.foreach(N.rows, _item), spacing="3", width="100%", id="notification-list"),
                rx.center(
                    rx.vstack(
                        rx.icon("bell-off", size=36, color=rx.color("gray", 9)),
                        rx.heading("No notifications yet", size="5", as_="h2"),
                        rx.text("We will let you know here when something needs your attention.",
                                color=rx.color("gray", 11), text_align="center"),
                        align="center",
                        spacing="3",
                    ),
                    padding_y="3rem",
                    width="100%",
                    id="notifications-empty",
                ),
            ),
        ),
        rx.cond(N.pages > 1, pager(N, N.page, N.pages)),
        width="100%",
        max_width="760px",
        margin_x="auto",
    )
