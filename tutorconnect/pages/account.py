"""Account settings: profile and time zone, password, signed-in devices, Google Calendar
(tutors), calendar feed."""

from __future__ import annotations

import reflex as rx

from tutorconnect.components.zone_picker import zone_input
from tutorconnect.components.forms import field, form_error
from tutorconnect.components.google_calendar_card import google_calendar_card
from tutorconnect.components.layout import page, page_header
from tutorconnect.state.account import AccountState, CalendarFeedState
from tutorconnect.state.google_calendar import GoogleCalendarState


def _section(title: str, subtitle: str, *children: rx.Component, id: str = "") -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading(title, size="4"),
            rx.text(subtitle, size="2", color=rx.color("gray", 11)),
            rx.separator(size="4"),
            *children,
            spacing="3",
            width="100%",
        ),
        size="3",
        width="100%",
        id=id,
    )


def _save_button(label: str, loading, id: str) -> rx.Component:
    return rx.button(rx.cond(loading, rx.spinner(size="2"), rx.fragment()), label, type="submit", disabled=loading, id=id)


def profile_section() -> rx.Component:
    return _section(
        "Profile",
        "Your name as tutors and students see it, and the time zone we show every time in.",
        form_error(AccountState.error),
        rx.form(
            rx.vstack(
                rx.vstack(
                    rx.text("Email", size="2", weight="medium"),
                    rx.hstack(
                        rx.text(AccountState.email, size="2"),
                        rx.cond(
                            AccountState.email_verified,
                            rx.badge("Verified", color_scheme="green"),
                            rx.badge("Not verified", color_scheme="amber"),
                        ),
                        align="center",
                    ),
                    spacing="1",
                ),
                rx.box(
                    field("Full name", "full_name", default_value=AccountState.full_name, autocomplete="name",
                          error=AccountState.field_errors.get("full_name", ""), max_length=120),
                    key=AccountState.full_name,
                    width="100%",
                ),
                rx.vstack(
                    rx.text("Time zone", as_="label", html_for="time_zone", size="2", weight="medium"),
                    zone_input(id="time_zone", name="time_zone", value=AccountState.time_zone,
                               options=AccountState.zones, aria_label="Time zone"),
                    rx.cond(
                        AccountState.field_errors.get("time_zone", "") != "",
                        rx.text(AccountState.field_errors.get("time_zone", ""), color="tomato", size="1"),
                    ),
                    rx.text("Lesson times, receipts and emails use this zone.", size="1", color=rx.color("gray", 10)),
                    spacing="1",
                    width="100%",
                ),
                _save_button("Save profile", AccountState.loading, "save-profile"),
                spacing="3",
                width="100%",
                align="start",
            ),
            on_submit=AccountState.save_profile,
            width="100%",
            id="profile-form",
        ),
        id="profile-section",
    )


def password_section() -> rx.Component:
    return _section(
        "Password",
        "Changing your password signs you out on your other devices.",
        form_error(AccountState.password_error),
        rx.form(
            rx.vstack(
                rx.cond(
                    AccountState.has_password,
                    field("Current password", "current_password", type="password", autocomplete="current-password",
                          error=AccountState.password_field_errors.get("current_password", ""), max_length=128),
                    rx.box(
                        rx.text("You sign in with Google. Set a password to sign in with email too.", size="2"),
                        rx.el.input(type="hidden", name="current_password", value=""),
                    ),
                ),
                field("New password", "password", type="password", autocomplete="new-password",
                      error=AccountState.password_field_errors.get("password", ""), max_length=128,
                      hint="At least 10 characters."),
                field("Confirm new password", "confirm", type="password", autocomplete="new-password",
                      error=AccountState.password_field_errors.get("confirm", ""), max_length=128),
                _save_button("Change password", AccountState.password_loading, "change-password"),
                spacing="3",
                width="100%",
                align="start",
            ),
            on_submit=AccountState.change_password,
            reset_on_submit=True,
            width="100%",
            id="password-form",
        ),
    )


def _session_row(s) -> rx.Component:
    return rx.table.row(
        rx.table.cell(
            rx.hstack(
                rx.icon("monitor-smartphone", size=16, flex_shrink="0"),
                rx.text(s["device"], weight="medium"),
                rx.cond(s["current"], rx.badge("This device", color_scheme="indigo")),
                align="center",
            )
        ),
        rx.table.cell(s["ip"], class_name="tc-hide-sm"),
        rx.table.cell(s["signed_in"], class_name="tc-hide-sm"),
        rx.table.cell(s["last_seen"]),
        rx.table.cell(
            rx.cond(
                s["current"],
                rx.text("—", color=rx.color("gray", 9)),
                rx.button("Sign out", size="1", variant="soft", color_scheme="tomato", on_click=AccountState.revoke(s["id"])),
            )
        ),
    )


def sessions_section() -> rx.Component:
    return _section(
        "Where you are signed in",
        "Sign out a device you do not recognise, or all of them at once.",
        rx.cond(
            AccountState.sessions_loading,
            rx.vstack(rx.skeleton(rx.box(height="28px", width="100%")), rx.skeleton(rx.box(height="28px", width="100%")), width="100%"),
            rx.box(
                rx.table.root(
                    rx.table.header(
                        rx.table.row(
                            rx.table.column_header_cell("Device"),
                            rx.table.column_header_cell("IP address", class_name="tc-hide-sm"),
                            rx.table.column_header_cell("Signed in", class_name="tc-hide-sm"),
                            rx.table.column_header_cell("Last active"),
                            rx.table.column_header_cell(""),
                        )
                    ),
                    rx.table.body(rx.foreach(AccountState.sessions, _session_row)),
                    width="100%",
                    id="sessions-table",
                ),
                class_name="tc-table-wrap",
            ),
        ),
        rx.alert_dialog.root(
            rx.alert_dialog.trigger(
                rx.button("Sign out everywhere", color_scheme="tomato", variant="outline", on_click=AccountState.ask_sign_out_all, id="sign-out-all")
            ),
            rx.alert_dialog.content(
                rx.alert_dialog.title("Sign out on every device?"),
                rx.alert_dialog.description("You will need to sign in again here and on every other device."),
                rx.flex(
                    rx.alert_dialog.cancel(rx.button("Cancel", variant="soft", color_scheme="gray", on_click=AccountState.cancel_sign_out_all)),
                    rx.alert_dialog.action(rx.button("Sign out everywhere", color_scheme="tomato", on_click=AccountState.sign_out_everywhere, id="confirm-sign-out-all")),
                    gap="0.75rem",
                    justify="end",
                    margin_top="1rem",
                ),
            ),
            open=AccountState.confirm_sign_out_all,
        ),
    )


def _copy_row(label: str, value, button_id: str, hint: str) -> rx.Component:
    return rx.vstack(
        rx.text(label, size="2", weight="medium", as_="label", html_for=button_id + "-value"),
        rx.hstack(
            rx.input(value=value, read_only=True, id=button_id + "-value", width="100%",
                     font_family="var(--code-font-family)", size="2",
                     on_focus=rx.call_script(f"document.getElementById('{button_id}-value').select()")),
            rx.button(rx.icon("copy", size=14), "Copy", variant="soft", size="2", id=button_id,
                      on_click=[rx.set_clipboard(value), rx.toast.success("Copied to the clipboard.")]),
            width="100%",
            align="center",
        ),
        rx.text(hint, size="1", color=rx.color("gray", 10)),
        spacing="1",
        width="100%",
    )


def _new_link_box() -> rx.Component:
    F = CalendarFeedState
    return rx.vstack(
        rx.callout.root(
            rx.callout.icon(rx.icon("eye-off")),
            rx.callout.text("Copy your link now: for your safety it is shown only once. "
                            "If you lose it, create a new one."),
            color_scheme="amber",
            size="1",
            width="100%",
        ),
        _copy_row("Calendar address", F.feed_url, "copy-feed-url",
                  "Google Calendar: Other calendars, “+”, From URL, then paste this address."),
        _copy_row("Subscription link (webcal)", F.webcal_url, "copy-webcal-url",
                  "Apple Calendar and Outlook open webcal links as a subscription."),
        rx.link(rx.hstack(rx.icon("calendar-plus", size=14), rx.text("Open in my calendar app"), spacing="2", align="center"),
                href=F.webcal_url, size="2", id="open-webcal"),
        spacing="3",
        width="100%",
        padding="0.75rem",
        border_radius="var(--radius-3)",
        border=f"1px solid {rx.color('gray', 6)}",
        background=rx.color("gray", 2),
        id="new-feed-link",
    )


def calendar_section() -> rx.Component:
    F = CalendarFeedState
    return _section(
        "Calendar feed",
        "See your lessons in Google Calendar, Apple Calendar or Outlook: subscribe once and new, moved and "
        "cancelled lessons follow automatically (calendar apps refresh every few hours).",
        rx.callout.root(
            rx.callout.icon(rx.icon("lock")),
            rx.callout.text("Your link is private. Anyone who has it can see your lessons, with names and meeting "
                            "links, without signing in. Revoke it if you shared it by mistake."),
            color_scheme="gray",
            variant="surface",
            size="1",
            width="100%",
        ),
        rx.cond(
            F.loading,
            rx.skeleton(rx.box(height="36px", width="100%")),
            rx.vstack(
                rx.hstack(
                    rx.cond(
                        F.active_since != "",
                        rx.hstack(rx.badge(rx.icon("circle-check", size=12), "Active", color_scheme="green"),
                                  rx.text("Link created ", F.active_since, size="2", color=rx.color("gray", 11)),
                                  spacing="2", align="center", wrap="wrap"),
                        rx.hstack(rx.badge("No link", color_scheme="gray"),
                                  rx.text("You have no calendar link yet.", size="2", color=rx.color("gray", 11)),
                                  spacing="2", align="center", wrap="wrap"),
                    ),
                    id="feed-status",
                ),
                rx.cond(F.feed_url != "", _new_link_box()),
                rx.flex(
                    rx.button(
                        rx.cond(F.busy, rx.spinner(size="2"), rx.icon("link", size=14)),
                        rx.cond(F.active_since != "", "Create a new link", "Create feed link"),
                        on_click=F.create_link, disabled=F.busy, id="create-feed-link",
                    ),
                    rx.cond(
                        F.active_since != "",
                        rx.button(rx.icon("unlink", size=14), "Revoke link", variant="outline", color_scheme="tomato",
                                  on_click=F.ask_revoke, disabled=F.busy, id="revoke-feed-link"),
                    ),
                    gap="0.75rem",
                    wrap="wrap",
                ),
                rx.cond(F.active_since != "",
                        rx.text("A new link replaces the current one: calendars using the old link stop updating.",
                                size="1", color=rx.color("gray", 10))),
                spacing="3",
                width="100%",
            ),
        ),
        rx.alert_dialog.root(
            rx.alert_dialog.content(
                rx.alert_dialog.title("Revoke your calendar link?"),
                rx.alert_dialog.description(
                    "Calendars subscribed to it stop receiving your lessons. You can create a new link afterwards."),
                rx.flex(
                    rx.alert_dialog.cancel(rx.button("Keep the link", variant="soft", color_scheme="gray",
                                                     on_click=F.cancel_revoke)),
                    rx.alert_dialog.action(rx.button("Revoke link", color_scheme="tomato", on_click=F.revoke_link,
                                                     id="confirm-revoke-feed-link")),
                    gap="0.75rem",
                    justify="end",
                    margin_top="1rem",
                ),
            ),
            open=F.confirm_revoke,
            on_open_change=F.revoke_dialog_changed,
        ),
        id="calendar-feed-section",
    )


@page("/account", "Account settings", on_load=[AccountState.load, CalendarFeedState.load, GoogleCalendarState.load])
def account() -> rx.Component:
    return rx.vstack(
        page_header("Account settings", "Member since " + AccountState.member_since),
        rx.grid(
            profile_section(),
            password_section(),
            columns=rx.breakpoints(initial="1", md="2"),
            spacing="4",
            width="100%",
            align="start",
        ),
        # Full width: the devices table needs room for dates and addresses.
        sessions_section(),
        google_calendar_card(_section),
        calendar_section(),
        width="100%",
        spacing="4",
    )
