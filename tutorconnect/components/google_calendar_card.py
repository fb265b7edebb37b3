"""The Google Calendar card of /account, shown to tutors only."""

from __future__ import annotations

import reflex as rx

from tutorconnect.state.google_calendar import CONNECT_HREF
from tutorconnect.state.google_calendar import GoogleCalendarState as G


def _banner() -> rx.Component:
    return rx.cond(
        G.banner != "",
        rx.flex(
            rx.icon("triangle-alert", size=16, flex_shrink="0", margin_top="2px"),
            rx.text(G.banner, size="2", flex="1"),
            rx.icon_button(rx.icon("x", size=14), variant="ghost", color_scheme="tomato", size="1",
                           on_click=G.dismiss_banner, aria_label="Dismiss", id="gcal-banner-dismiss",
                           flex_shrink="0"),
            gap="0.5rem",
            align="start",
            width="100%",
            padding="0.75rem",
            border_radius="var(--radius-3)",
            background=rx.color("tomato", 3),
            color=rx.color("tomato", 11),
            role="alert",
            id="gcal-banner",
        ),
    )


def _connect_button(label: str, variant: str = "solid") -> rx.Component:
    # A plain anchor styled as a button: the connect route is an HTTP redirect to Google.
    return rx.button(
        rx.el.a(
            rx.image(src="/google.svg", width="16px", height="16px", alt=""),
            label,
            href=CONNECT_HREF,
            reload_document=True,
            id="gcal-connect",
        ),
        as_child=True,
        variant=variant,
        size="2",
    )


def _connected() -> rx.Component:
    return rx.vstack(
        rx.flex(
            rx.badge(rx.icon("circle-check", size=12), "Connected", color_scheme="green"),
            rx.text("Connected as ", rx.text.strong(G.connected_email, word_break="break-all"), " since ",
                    G.connected_since, size="2", color=rx.color("gray", 11)),
            gap="0.5rem",
            align="center",
            wrap="wrap",
            id="gcal-status",
        ),
        rx.cond(
            G.problem != "",
            rx.callout.root(
                rx.callout.icon(rx.icon("circle-alert")),
                rx.callout.text(G.problem),
                color_scheme="amber",
                size="1",
                width="100%",
                id="gcal-problem",
            ),
        ),
        rx.flex(
            rx.cond(G.problem != "", _connect_button("Reconnect")),
            rx.button(
                rx.cond(G.busy, rx.spinner(size="2"), rx.icon("unlink", size=14)),
                "Disconnect",
                variant="outline",
                color_scheme="tomato",
                on_click=G.ask_disconnect,
                disabled=G.busy,
                id="gcal-disconnect",
            ),
            gap="0.75rem",
            wrap="wrap",
        ),
        spacing="3",
        width="100%",
    )


def _not_connected() -> rx.Component:
    return rx.vstack(
        rx.flex(
            rx.badge("Not connected", color_scheme="gray"),
            rx.text(rx.cond(G.allowed, "Connect the Google account whose calendar you use for work.",
                            "You can connect your Google Calendar once your tutor profile is approved."),
                    size="2", color=rx.color("gray", 11)),
            gap="0.5rem",
            align="center",
            wrap="wrap",
            id="gcal-status",
        ),
        rx.cond(
            G.allowed,
            _connect_button("Connect Google Calendar"),
            rx.button(rx.image(src="/google.svg", width="16px", height="16px", alt=""), "Connect Google Calendar",
                      disabled=True, size="2", id="gcal-connect-disabled"),
        ),
        rx.text("Google asks you to allow TutorConnect to add lesson events and to see when you are busy. "
                "We never read the details of your other events.", size="1", color=rx.color("gray", 10)),
        spacing="3",
        width="100%",
    )


def _confirm_dialog() -> rx.Component:
    return rx.alert_dialog.root(
        rx.alert_dialog.content(
            rx.alert_dialog.title("Disconnect Google Calendar?"),
            rx.alert_dialog.description(
                "We revoke TutorConnect's access at Google. New lessons then get a meeting link without "
                "Google Meet, and times you are busy in Google are no longer kept free. Events already on "
                "your calendar stay there."),
            rx.flex(
                rx.alert_dialog.cancel(rx.button("Keep it connected", variant="soft", color_scheme="gray",
                                                 on_click=G.cancel_disconnect, id="gcal-keep")),
                rx.alert_dialog.action(rx.button("Disconnect", color_scheme="tomato", on_click=G.disconnect,
                                                 id="gcal-confirm-disconnect")),
                gap="0.75rem",
                justify="end",
                wrap="wrap",
                margin_top="1rem",
            ),
        ),
        open=G.confirm_disconnect,
        on_open_change=G.disconnect_dialog_changed,
    )


def google_calendar_card(section) -> rx.Component:
    """`section(title, subtitle, *children, id=...)`: the account page's card frame."""
    return rx.cond(
        G.visible,
        section(
            "Google Calendar",
            "Confirmed lessons go on your Google Calendar with a Google Meet link, and times you are busy in "
            "Google are not offered to students.",
            _banner(),
            rx.cond(
                G.loading,
                rx.skeleton(rx.box(height="36px", width="100%")),
                rx.cond(G.connected_email != "", _connected(), _not_connected()),
            ),
            _confirm_dialog(),
            id="google-calendar-section",
        ),
    )
