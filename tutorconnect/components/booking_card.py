"""The parts the two bookings pages share: a booking card (with the actions its status and
the viewer's role allow), tabs, pagination, the cancel/decline dialog (refund shown before
confirming) and the reschedule dialog (free slots of the same length, a week at a time)."""

from __future__ import annotations

from typing import Any

import reflex as rx

MUTED = rx.color("gray", 11)


def _meta(icon: str, *children: Any, **props: Any) -> rx.Component:
    return rx.hstack(rx.icon(icon, size=14, color=MUTED, flex_shrink="0"), rx.text(*children, size="2"),
                     spacing="1", align="center", **props)


def _confirm_button(label: str, icon: str, title: str, text: str, confirm: str, on_confirm: Any, *,
                    class_name: str, color: str = "orange") -> rx.Component:
    """A small action that asks first (client side), then calls the handler."""
    return rx.alert_dialog.root(
        rx.alert_dialog.trigger(
            rx.button(rx.icon(icon, size=14), label, size="1", variant="soft", color_scheme=color, class_name=class_name),
        ),
        rx.alert_dialog.content(
            rx.alert_dialog.title(title),
            rx.alert_dialog.description(text, size="2"),
            rx.flex(
                rx.alert_dialog.cancel(rx.button("Go back", variant="soft", color_scheme="gray")),
                rx.alert_dialog.action(rx.button(confirm, color_scheme=color, on_click=on_confirm,
                                                 class_name=class_name + "-confirm")),
                gap="0.75rem", justify="end", margin_top="1rem",
            ),
            max_width="28rem",
        ),
    )


def booking_card(c: Any, S: Any, role: str) -> rx.Component:
    """One booking. `c` is a BookingCard var, `S` the page's state, `role` student | tutor."""
    avatar = rx.avatar(src=c.photo, fallback=c.initial, size="4", radius="full", flex_shrink="0")
    name = rx.cond(
        c.profile_href != "",
        rx.link(c.name, href=c.profile_href, weight="bold", size="3", color=rx.color("gray", 12)),
        rx.text(c.name, weight="bold", size="3"),
    )
    header = rx.flex(
        rx.hstack(
            avatar,
            rx.vstack(
                name,
                rx.hstack(
                    rx.text(c.reference, size="1", color=MUTED, font_family="monospace", class_name="booking-ref"),
                    rx.cond(c.trial, rx.badge("Trial", size="1", variant="outline")),
                    spacing="2", align="center",
                ),
                spacing="0",
                min_width="0",
            ),
            align="center",
            spacing="3",
            min_width="0",
        ),
        rx.spacer(),
        rx.badge(c.status_label, color_scheme=c.status_color, size="2", variant="soft", class_name="booking-status",
                 white_space="normal"),
        wrap="wrap",
        gap="0.5rem",
        width="100%",
    )
    facts = rx.flex(
        _meta("calendar", rx.text.strong(c.day), " · ", c.time_range, class_name="booking-when"),
        _meta("timer", c.duration),
        _meta("wallet", c.price, class_name="booking-price"),
        rx.cond(c.other_time != "", _meta("globe", c.other_time, class_name="booking-other-time")),
        wrap="wrap",
        column_gap="1.25rem",
        row_gap="0.35rem",
        width="100%",
    )
    actions = rx.flex(
        rx.cond(
            c.pay_href != "",
            rx.link(rx.button(rx.icon("credit-card", size=14), "Pay now", size="1", color_scheme="amber"),
                    href=c.pay_href, class_name="booking-pay"),
        ),
        rx.cond(
            c.join_url != "",
            rx.el.a(rx.button(rx.icon("video", size=14), "Join lesson", size="1", color_scheme="green"),
                    href=c.join_url, target="_blank", rel="noopener noreferrer", class_name="booking-join"),
        ),
        rx.cond(
            c.ics_href != "",
            rx.el.a(rx.button(rx.icon("calendar-plus", size=14), "Add to calendar", size="1", variant="soft",
                              color_scheme="gray", tab_index=-1),
                    href=c.ics_href, reload_document=True, class_name="booking-ics", aria_label="Add to calendar"),
        ),
        *([rx.cond(
            c.can_respond,
            rx.fragment(
                rx.button(rx.icon("check", size=14), "Accept", size="1", color_scheme="green",
                          on_click=S.accept(c.id), loading=S.busy, class_name="booking-accept"),
                rx.button(rx.icon("x", size=14), "Decline", size="1", variant="soft", color_scheme="red",
                          on_click=S.open_decline(c.id), class_name="booking-decline"),
            ),
        )] if role == "tutor" else []),
        rx.cond(
            c.can_reschedule,
            rx.tooltip(
                rx.button(rx.icon("calendar-clock", size=14), "Reschedule", size="1", variant="soft",
                          on_click=S.open_reschedule(c.id), class_name="booking-reschedule"),
                content=c.reschedules_left,
            ),
        ),
        rx.cond(
            c.can_cancel,
            rx.button(rx.icon("calendar-x", size=14), "Cancel", size="1", variant="soft", color_scheme="red",
                      on_click=S.open_cancel(c.id), class_name="booking-cancel"),
        ),
        rx.cond(
            c.can_no_show,
            _confirm_button(
                "Report no-show", "user-x",
                "Report that the " + ("tutor" if role == "student" else "student") + " did not attend?",
                ("The tutor is told and you get a full refund. Only report this if they did not come."
                 if role == "student" else
                 "The student is told and the lesson counts as held. Only report this if they did not come."),
                "Report no-show", S.report_no_show(c.id), class_name="booking-no-show",
            ),
        ),
        *([rx.cond(
            c.can_review,
            rx.button(rx.icon("star", size=14), "Write a review", size="1", color_scheme="amber",
                      on_click=S.open_review(c.id), class_name="booking-review"),
            rx.cond(c.reviewed, rx.text(rx.icon("circle-check", size=14, display="inline", vertical_align="middle"),
                                        " You reviewed this lesson", size="1", color=MUTED, class_name="booking-reviewed")),
        )] if role == "student" else []),
        rx.button(rx.icon(rx.cond(S.history_for == c.id, "chevron-up", "history"), size=14), "History", size="1",
                  variant="ghost", color_scheme="gray", on_click=S.toggle_history(c.id), class_name="booking-history-toggle",
                  margin="0",
                  aria_expanded=rx.cond(S.history_for == c.id, "true", "false")),
        wrap="wrap",
        gap="0.5rem",
        align="center",
        width="100%",
    )
    return rx.card(
        rx.vstack(
            header,
            facts,
            rx.cond(c.status_note != "", _meta("hourglass", c.status_note, class_name="booking-status-note",
                                                color=MUTED)),
            rx.cond(c.outcome != "", rx.text(c.outcome, size="2", color=MUTED, class_name="booking-outcome")),
            rx.cond(c.can_reschedule, rx.text(c.reschedules_left, size="1", color=MUTED, class_name="booking-left")),
            actions,
            rx.cond(
                S.history_for == c.id,
                rx.vstack(
                    rx.foreach(S.history, lambda h: rx.hstack(
                        rx.text(h["when"], size="1", color=MUTED, white_space="nowrap", min_width="11rem"),
                        rx.text(h["text"], size="1"),
                        spacing="3", align="start", wrap="wrap",
                    )),
                    spacing="1",
                    width="100%",
                    padding="0.75rem",
                    background=rx.color("gray", 2),
                    border_radius="6px",
                    class_name="booking-history",
                ),
            ),
            spacing="3",
            width="100%",
        ),
        width="100%",
        class_name="booking-card",
        custom_attrs={"data-reference": c.reference, "data-status": c.status},
        # Just paid (/bookings?confirmed=<reference>): outline that lesson.
        outline=rx.cond(S.highlight == c.reference, "2px solid var(--green-8)", "none"),
    )


def tabs(S: Any, items: list[tuple[str, str, Any]]) -> rx.Component:
    """items: (value, label, badge var or None)."""
    return rx.tabs.root(
        rx.tabs.list(
            *[
                rx.tabs.trigger(
                    rx.hstack(
                        rx.text(label),
                        rx.cond(badge > 0, rx.badge(badge.to_string(), color_scheme="tomato", variant="solid",
                                                    radius="full", size="1", class_name=f"tab-{value}-count"))
                        if badge is not None else rx.fragment(),
                        spacing="2", align="center",
                    ),
                    value=value,
                    id=f"tab-{value}",
                )
                for value, label, badge in items
            ],
        ),
        value=S.tab,
        on_change=S.set_tab,
        width="100%",
    )


def pagination(S: Any) -> rx.Component:
    return rx.cond(
        S.pages > 1,
        rx.hstack(
            rx.button(rx.icon("chevron-left", size=14), "Previous", variant="soft", disabled=S.page <= 1,
                      on_click=S.go_to_page(S.page - 1), id="page-prev"),
            rx.text("Page ", S.page, " of ", S.pages, size="2", color=MUTED, id="page-label"),
            rx.button("Next", rx.icon("chevron-right", size=14), variant="soft", disabled=S.page >= S.pages,
                      on_click=S.go_to_page(S.page + 1), id="page-next"),
            justify="center",
            align="center",
            width="100%",
        ),
    )


def skeleton() -> rx.Component:
    return rx.vstack(*[rx.skeleton(rx.card(rx.box(height="120px"), width="100%")) for _ in range(3)],
                     width="100%", spacing="3", id="bookings-loading")


def reason_dialog(S: Any) -> rx.Component:
    """Cancel (both) or decline (tutor): what happens to the money first, then a reason."""
    return rx.alert_dialog.root(
        rx.alert_dialog.content(
            rx.alert_dialog.title(S.dialog["title"]),
            rx.alert_dialog.description(S.dialog["what"], size="2", color=MUTED),
            rx.form(
                rx.vstack(
                    rx.callout.root(
                        rx.callout.icon(rx.icon("wallet")),
                        rx.callout.text(rx.text.strong(S.dialog["refund"], id="dialog-refund")),
                        color_scheme="blue", width="100%",
                    ),
                    rx.text(S.dialog["policy"], size="1", color=MUTED, id="dialog-policy"),
                    rx.text("Reason (shown to the other person)", as_="label", html_for="reason", size="2",
                            weight="medium"),
                    rx.text_area(id="reason", name="reason", rows="3", width="100%", max_length=500, auto_focus=True,
                                 placeholder="For example: I am unwell and cannot make it."),
                    rx.cond(S.dialog_error != "", rx.text(S.dialog_error, color=rx.color("red", 11), size="2",
                                                          id="dialog-error")),
                    rx.flex(
                        rx.button("Keep the booking", type="button", variant="soft", color_scheme="gray",
                                  on_click=S.close_dialog, id="dialog-back"),
                        rx.button(S.dialog["confirm"], type="submit", color_scheme="red", loading=S.busy,
                                  id="dialog-confirm"),
                        gap="0.75rem", justify="end", width="100%", wrap="wrap",
                    ),
                    spacing="3",
                    width="100%",
                    margin_top="0.75rem",
                ),
                on_submit=S.submit_dialog,
                reset_on_submit=False,
            ),
            max_width="32rem",
            id="reason-dialog",
        ),
        open=S.dialog_open,
        on_open_change=lambda _open: S.close_dialog(),
    )


def _slot_day(day: Any, S: Any) -> rx.Component:
    """One day of the week: its date, then its free start times (wrapping)."""
    return rx.vstack(
        rx.text(day.label, " ", day.date, weight="bold", size="2"),
        rx.cond(
            day.slots.length() > 0,
            rx.flex(
                rx.foreach(day.slots, lambda s: rx.button(
                    s.label, variant="soft", size="1", on_click=S.confirm_reschedule(s.value), disabled=S.busy,
                    class_name="move-slot", custom_attrs={"data-start": s.value}, min_width="3.5rem")),
                wrap="wrap",
                gap="0.35rem",
                width="100%",
            ),
            rx.text("No free times", color=MUTED, size="1"),
        ),
        spacing="1",
        width="100%",
        padding_bottom="0.5rem",
        border_bottom=f"1px solid {rx.color('gray', 4)}",
    )


def reschedule_dialog(S: Any) -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Reschedule ", S.move["reference"]),
            rx.dialog.description("Now: ", S.move["current"], ". ", S.move["left"], size="2", color=MUTED),
            rx.vstack(
                rx.flex(
                    rx.icon_button(rx.icon("chevron-left", size=16), variant="soft", on_click=S.reschedule_week(-1),
                                   aria_label="Previous week", id="move-prev", disabled=S.move_at_today),
                    rx.text(S.move["week"], weight="medium", id="move-week"),
                    rx.icon_button(rx.icon("chevron-right", size=16), variant="soft", on_click=S.reschedule_week(1),
                                   aria_label="Next week", id="move-next"),
                    rx.spacer(),
                    rx.text("Times in ", S.move["zone"], size="1", color=MUTED),
                    align="center", gap="0.5rem", width="100%", wrap="wrap",
                ),
                rx.cond(S.move_error != "", rx.callout(S.move_error, icon="triangle-alert", color_scheme="red",
                                                       size="1", width="100%", id="move-error")),
                rx.cond(
                    S.move_searching,
                    rx.skeleton(rx.box(height="160px", width="100%")),
                    rx.cond(
                        S.move["count"] != "0",
                        rx.scroll_area(
                            rx.vstack(rx.foreach(S.move_days, lambda d: _slot_day(d, S)), spacing="3",
                                      width="100%", id="move-grid", padding_right="0.75rem"),
                            type="auto", scrollbars="vertical", max_height="min(22rem, 50vh)", width="100%",
                        ),
                        rx.text("No free times this week for a lesson of this length. Try the next week.",
                                size="2", color=MUTED, id="move-none"),
                    ),
                ),
                rx.text("Choosing a time moves the booking at once (same length and price).", size="1",
                        color=MUTED),
                rx.flex(rx.dialog.close(rx.button("Close", variant="soft", color_scheme="gray", id="move-close")),
                        justify="end", width="100%"),
                spacing="3",
                width="100%",
                margin_top="0.75rem",
            ),
            max_width="44rem",
            id="reschedule-dialog",
        ),
        open=S.move_open,
        on_open_change=lambda _open: S.close_reschedule(),
    )
