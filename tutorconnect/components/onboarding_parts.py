"""Building blocks of the onboarding wizard: status banner, stepper, fields, buttons."""

from __future__ import annotations

import reflex as rx

from tutorconnect.state.onboarding import OnboardingState as S

SELECT_STYLE = {
    "width": "100%", "padding": "8px 10px", "border_radius": "8px", "min_height": "40px",
    "border": f"1px solid {rx.color('gray', 7)}", "background": rx.color("gray", 2),
    "color": rx.color("gray", 12), "font_size": "15px",
}
FIELDSET_STYLE = {"border": "none", "padding": "0", "margin": "0", "min_width": "0", "width": "100%"}


def field_error(name: str) -> rx.Component:
    return rx.cond(
        S.field_errors.get(name, "") != "",
        rx.text(S.field_errors.get(name, ""), color=rx.color("tomato", 11), size="2", role="alert", id=f"{name}-error"),
    )


def label(text: str, html_for: str, hint: str = "") -> rx.Component:
    return rx.vstack(
        rx.text(text, as_="label", html_for=html_for, size="2", weight="medium"),
        rx.text(hint, size="1", color=rx.color("gray", 10)) if hint else rx.fragment(),
        spacing="0",
    )


def native_select(*children, **props) -> rx.Component:
    return rx.el.select(*children, style=SELECT_STYLE, **props)


def _callout(icon: str, color: str, *children: rx.Component) -> rx.Component:
    return rx.callout.root(
        rx.callout.icon(rx.icon(icon)),
        rx.callout.text(*children),
        color_scheme=color,
        width="100%",
        id="status-banner",
    )


def status_banner() -> rx.Component:
    return rx.match(
        S.status,
        ("draft", _callout("pencil-line", "gray", rx.text.strong("Draft. "),
                           "Only you can see your profile. Complete every step, then submit it for review.")),
        ("submitted", _callout("clock", "blue", rx.text.strong("Submitted. "),
                               "Your profile is waiting for an admin. You can still edit it, or withdraw the submission.")),
        ("under_review", _callout("lock", "amber", rx.text.strong("Under review. "),
                                  "An admin is reviewing your profile, so editing is locked until they decide.")),
        ("approved", _callout("badge-check", "green", rx.text.strong("Approved. "),
                              "Students can find and book you. ",
                              rx.link("See your public page", href=S.public_href, id="public-page-link"))),
        ("rejected", _callout("circle-alert", "tomato", rx.text.strong("Changes requested. "),
                              rx.text.span(S.rejection_reason, id="rejection-reason", white_space="pre-wrap"),
                              " Fix what the admin asked for and submit again.")),
        ("suspended", _callout("ban", "tomato", rx.text.strong("Suspended. "),
                               "Your profile is hidden from students. ", rx.text.span(S.rejection_reason))),
        rx.fragment(),
    )


def _step_item(step) -> rx.Component:
    current = step["state"] == "current"
    done = step["state"] == "done"
    return rx.el.li(
        rx.link(
            rx.hstack(
                rx.center(
                    rx.cond(done, rx.icon("check", size=14), rx.text(step["num"], size="1", weight="bold")),
                    width="26px", height="26px", border_radius="999px", flex_shrink="0",
                    background=rx.cond(current, rx.color("accent", 9), rx.cond(done, rx.color("green", 4), rx.color("gray", 4))),
                    color=rx.cond(current, "white", rx.cond(done, rx.color("green", 11), rx.color("gray", 11))),
                ),
                rx.text(step["label"], size="2", weight=rx.cond(current, "bold", "regular"), class_name="tc-hide-sm",
                        white_space="nowrap"),
                spacing="2",
                align="center",
            ),
            href=step["href"],
            underline="none",
            color=rx.color("gray", 12),
            aria_current=rx.cond(current, "step", "false"),
            aria_label="Step " + step["num"] + ": " + step["label"] + rx.cond(done, " (done)", rx.cond(current, " (current)", " (to do)")),
            padding="0.3rem 0.45rem",
            border_radius="999px",
            display="inline-flex",
            background=rx.cond(current, rx.color("accent", 3), "transparent"),
            _hover={"background": rx.color("gray", 3)},
            class_name="wizard-step-link",
            data_state=step["state"],
        ),
        list_style="none",
    )


def stepper() -> rx.Component:
    return rx.el.nav(
        rx.el.ol(
            rx.foreach(S.steps, _step_item),
            style={"display": "flex", "gap": "0.125rem", "flex_wrap": "nowrap", "overflow_x": "auto", "padding": "0",
                   "margin": "0", "justify_content": "space-between", "align_items": "center"},
        ),
        rx.text("Step " + S.step.to_string() + " of 7 · " + S.step_label, size="2", weight="medium",
                class_name="tc-show-sm", padding="0.4rem 0.6rem 0", id="step-caption"),
        aria_label="Profile steps",
        id="wizard-stepper",
        width="100%",
        padding="0.5rem",
        border_radius="12px",
        border=f"1px solid {rx.color('gray', 5)}",
        background=rx.color("gray", 2),
    )


def save_button(label_text: str = "Save and continue", *, id: str = "save-step", **props) -> rx.Component:
    return rx.button(
        rx.cond(S.saving, rx.spinner(size="2"), rx.icon("arrow-right", size=16)),
        label_text,
        size="3",
        disabled=S.saving | S.locked,
        id=id,
        **props,
    )


def step_actions(step: int, *buttons: rx.Component) -> rx.Component:
    back = (
        # An <a> styled as a button: links stay usable inside a disabled (locked) fieldset.
        rx.button(rx.link(rx.icon("arrow-left", size=16), "Back", href=f"/tutor/profile?step={step - 1}",
                          id="step-back", underline="none", color_scheme="gray"),
                  variant="soft", color_scheme="gray", size="3", as_child=True)
        if step > 1 else rx.fragment()
    )
    return rx.flex(back, rx.spacer(), *buttons, gap="0.75rem", width="100%", wrap="wrap", margin_top="0.5rem")


def step_card(title: str, subtitle: str, *children: rx.Component, id: str) -> rx.Component:
    return rx.card(
        rx.el.fieldset(
            rx.vstack(
                rx.heading(title, size="5", as_="h2"),
                rx.text(subtitle, size="2", color=rx.color("gray", 11)),
                rx.separator(size="4"),
                *children,
                spacing="4",
                width="100%",
            ),
            disabled=S.locked,
            style=FIELDSET_STYLE,
        ),
        size="3",
        width="100%",
        id=id,
    )
