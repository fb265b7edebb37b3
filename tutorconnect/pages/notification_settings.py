"""/notifications/settings: which notifications you get, and how (a grid of switches,
saved as you flip them), plus the mobile number for text messages when SMS is offered."""

from __future__ import annotations

import reflex as rx

from tutorconnect.components.layout import page, page_header
from tutorconnect.state.notification_settings import NotificationSettingsState as S

CHANNELS = (("in_app", "In the app", "In app"), ("email", "Email", "Email"), ("sms", "Text message", "SMS"))


def _switch(row, channel: str, label: str) -> rx.Component:
    locked = row["locked"] == "on"
    return rx.table.cell(
        rx.cond(
            locked,
            rx.cond(
                row[channel] == "on",
                rx.icon("circle-check", size=20, color=rx.color("accent", 9), role="img",
                        aria_label=row["label"] + ": " + label + ", always on", class_name="pref-locked"),
                rx.text("—", color=rx.color("gray", 9), aria_label=label + ": not offered"),
            ),
            rx.switch(
                checked=row[channel] == "on",
                on_change=lambda checked: S.toggle(row["key"], channel, checked),
                disabled=(S.saving == row["key"] + ":" + channel)
                | ((channel == "sms") & (S.phone == "") & (row[channel] != "on")),
                aria_label=row["label"] + ": " + label,
                class_name="pref-switch",
                data_topic=row["key"],
                data_channel=channel,
            ),
        ),
        text_align="center",
        vertical_align="middle",
        padding_x=rx.breakpoints(initial="0.25rem", sm="0.75rem"),
    )


def _row(row) -> rx.Component:
    locked = row["locked"] == "on"
    return rx.table.row(
        rx.table.row_header_cell(
            rx.vstack(
                rx.hstack(
                    rx.text(row["label"], weight="medium", size="2"),
                    rx.cond(locked, rx.badge(rx.icon("lock", size=11), "Always on", color_scheme="gray",
                                             variant="soft", size="1")),
                    spacing="2", align="center", wrap="wrap",
                ),
                rx.text(row["description"], size="1", color=rx.color("gray", 11)),
                spacing="1",
            ),
        ),
        *[_switch(row, key, label) for key, label, _ in CHANNELS[:2]],
        rx.cond(S.sms_available, _switch(row, "sms", "Text message")),
        data_topic=row["key"],
        class_name="pref-row",
    )


def _grid() -> rx.Component:
    def head(short: str, full: str) -> rx.Component:
        return rx.table.column_header_cell(
            rx.text(short, title=full, size="2"), text_align="center", scope="col",
            width=rx.breakpoints(initial="3.75rem", sm="5.5rem"), padding_x=rx.breakpoints(initial="0.25rem", sm="0.75rem"))

    return rx.box(
        rx.table.root(
            rx.table.header(rx.table.row(
                rx.table.column_header_cell("Notification", scope="col"),
                *[head(short, full) for _, full, short in CHANNELS[:2]],
                rx.cond(S.sms_available, head("SMS", "Text message")),
            )),
            rx.table.body(rx.foreach(S.rows, _row)),
            variant="surface",
            size="2",
            width="100%",
            id="prefs-grid",
        ),
        class_name="tc-table-wrap",
        width="100%",
    )


def _phone_card() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading("Text messages", size="4", as_="h2"),
            rx.text("Add a mobile number to get the notifications you choose as text messages. We use it for "
                    "nothing else.", size="2", color=rx.color("gray", 11)),
            rx.form(
                rx.flex(
                    rx.vstack(
                        rx.text("Mobile number", as_="label", html_for="phone", size="2", weight="medium"),
                        rx.input(name="phone", id="phone", type="tel", autocomplete="tel", max_length=32,
                                 placeholder="+91 98765 43210", default_value=S.phone, key=S.phone, width="100%"),
                        spacing="1", flex="1 1 220px",
                    ),
                    rx.button("Save number", type="submit", id="save-phone"),
                    rx.cond(S.phone != "", rx.button("Remove", type="button", variant="soft", color_scheme="gray",
                                                    on_click=S.remove_phone, id="remove-phone")),
                    gap="0.75rem", align="end", wrap="wrap", width="100%",
                ),
                on_submit=S.save_phone,
                width="100%",
            ),
            rx.text("Include the country code. Standard message rates may apply.", size="1",
                    color=rx.color("gray", 10)),
            spacing="3",
            width="100%",
        ),
        size="3",
        width="100%",
        id="phone-card",
    )


@page("/notifications/settings", "Notification settings", on_load=[S.load])
def notification_settings_page() -> rx.Component:
    return rx.vstack(
        page_header(
            "Notification settings",
            "Choose how we tell you about your lessons, payments and profile. Changes are saved at once.",
            rx.link(rx.button(rx.icon("bell", size=14), "Notifications", variant="soft"), href="/notifications"),
        ),
        rx.cond(
            S.loading,
            rx.vstack(*[rx.skeleton(rx.box(height="52px", width="100%")) for _ in range(6)], width="100%",
                      id="prefs-loading"),
            rx.vstack(
                _grid(),
                rx.cond(S.rows.length() <= 1,
                        rx.text("Your account only gets account and security emails.", size="2",
                                color=rx.color("gray", 11), id="prefs-admin-note")),
                rx.cond(S.sms_available, _phone_card()),
                rx.text("Emails about signing in, confirming your address and resetting your password are always "
                        "sent: they keep your account safe.", size="1", color=rx.color("gray", 10)),
                spacing="4",
                width="100%",
            ),
        ),
        width="100%",
        max_width="820px",
        margin_x="auto",
        id="notification-settings",
    )
