"""Sign-in, registration, forgot/reset password and email verification pages."""

from __future__ import annotations

import reflex as rx

from tutorconnect.components.forms import auth_card, field, form_error, submit_button
from tutorconnect.components.layout import page
from tutorconnect.state.auth import (
    ForgotPasswordState,
    LoginState,
    RegisterState,
    ResetPasswordState,
    VerifyEmailState,
)


def _divider(text: str) -> rx.Component:
    return rx.hstack(rx.separator(size="4"), rx.text(text, size="1", color=rx.color("gray", 10), white_space="nowrap"), rx.separator(size="4"), align="center", width="100%")


def google_button() -> rx.Component:
    # A plain anchor: the start route is an HTTP redirect, not a client-side page.
    return rx.el.a(
        rx.button(
            rx.image(src="/google.svg", width="18px", height="18px", alt=""),
            "Continue with Google",
            variant="outline",
            size="3",
            width="100%",
            type="button",
        ),
        href=LoginState.google_href,
        # A full page load: the start route is an HTTP redirect, not a client-side page.
        reload_document=True,
        id="google-signin",
        style={"width": "100%", "text_decoration": "none"},
    )


@page("/login", "Sign in", on_load=[LoginState.load])
def login() -> rx.Component:
    return auth_card(
        "Welcome back",
        "Sign in to book lessons and manage your schedule.",
        form_error(LoginState.error),
        rx.cond(LoginState.google_enabled, rx.vstack(google_button(), _divider("or with email"), width="100%", spacing="4")),
        rx.form(
            rx.vstack(
                field("Email", "email", type="email", placeholder="you@example.com", autocomplete="email",
                      error=LoginState.field_errors.get("email", "")),
                field("Password", "password", type="password", autocomplete="current-password",
                      error=LoginState.field_errors.get("password", ""), max_length=128),
                rx.flex(rx.spacer(), rx.link("Forgot your password?", href="/forgot-password", size="2"), width="100%"),
                submit_button("Sign in", LoginState.loading),
                spacing="3",
                width="100%",
            ),
            on_submit=LoginState.submit,
            width="100%",
            id="login-form",
        ),
        rx.text("New to TutorConnect? ", rx.link("Create an account", href="/register"), size="2", align="center", width="100%"),
    )


def _role_choice() -> rx.Component:
    return rx.segmented_control.root(
        rx.segmented_control.item("I want to learn", value="student"),
        rx.segmented_control.item("I want to teach", value="tutor"),
        value=rx.cond(RegisterState.as_tutor, "tutor", "student"),
        on_change=RegisterState.choose_role,
        width="100%",
        id="role-choice",
    )


@page("/register", "Create your account", on_load=[RegisterState.load])
def register() -> rx.Component:
    return auth_card(
        "Create your account",
        "Free to join. Students book lessons; tutors publish their time and get paid.",
        _role_choice(),
        form_error(RegisterState.error),
        rx.form(
            rx.vstack(
                field("Full name", "full_name", placeholder="Ada Lovelace", autocomplete="name",
                      error=RegisterState.field_errors.get("full_name", ""), max_length=120),
                field("Email", "email", type="email", placeholder="you@example.com", autocomplete="email",
                      error=RegisterState.field_errors.get("email", "")),
                field("Password", "password", type="password", autocomplete="new-password",
                      error=RegisterState.field_errors.get("password", ""), max_length=128,
                      hint="At least 10 characters. A short phrase is easy to remember."),
                field("Confirm password", "confirm", type="password", autocomplete="new-password",
                      error=RegisterState.field_errors.get("confirm", ""), max_length=128),
                rx.text("Your time zone: ", rx.code(RegisterState.browser_time_zone), " (change it any time in settings)", size="1", color=rx.color("gray", 10)),
                submit_button(rx.cond(RegisterState.as_tutor, "Create tutor account", "Create account"), RegisterState.loading),
                spacing="3",
                width="100%",
            ),
            on_submit=RegisterState.submit,
            width="100%",
            id="register-form",
        ),
        rx.text("Already have an account? ", rx.link("Sign in", href="/login"), size="2", align="center", width="100%"),
    )


@page("/forgot-password", "Forgot password", on_load=[ForgotPasswordState.load])
def forgot_password() -> rx.Component:
    return auth_card(
        "Reset your password",
        "Enter the email you signed up with and we will send you a link.",
        rx.cond(
            ForgotPasswordState.sent,
            rx.callout.root(
                rx.callout.icon(rx.icon("mail-check")),
                rx.callout.text("If an account exists for that email, a reset link is on its way. It expires in 30 minutes."),
                color_scheme="green",
                id="reset-sent",
            ),
            rx.form(
                rx.vstack(
                    form_error(ForgotPasswordState.error),
                    field("Email", "email", type="email", placeholder="you@example.com", autocomplete="email",
                          error=ForgotPasswordState.field_errors.get("email", "")),
                    submit_button("Send reset link", ForgotPasswordState.loading),
                    spacing="3",
                    width="100%",
                ),
                on_submit=ForgotPasswordState.submit,
                width="100%",
                id="forgot-form",
            ),
        ),
        rx.link("Back to sign in", href="/login", size="2"),
    )


@page("/reset-password", "Choose a new password", on_load=[ResetPasswordState.load])
def reset_password() -> rx.Component:
    return auth_card(
        "Choose a new password",
        "Resetting your password signs you out on every device.",
        rx.match(
            ResetPasswordState.link,
            ("checking", rx.hstack(rx.spinner(), rx.text("Checking your link…"), align="center", id="reset-link-checking")),
            ("unusable", rx.callout.root(
                rx.callout.icon(rx.icon("link-2-off")),
                rx.callout.text("This link was already used or has expired. ",
                                rx.link("Request a new link", href="/forgot-password")),
                color_scheme="amber",
                id="reset-link-unusable",
            )),
            ("missing", rx.callout.root(
                rx.callout.icon(rx.icon("link-2-off")),
                rx.callout.text("This page needs the link from your reset email. ", rx.link("Request a new one", href="/forgot-password")),
                color_scheme="amber",
                id="reset-link-missing",
            )),
            rx.form(
                rx.vstack(
                    form_error(ResetPasswordState.error),
                    field("New password", "password", type="password", autocomplete="new-password",
                          error=ResetPasswordState.field_errors.get("password", ""), max_length=128,
                          hint="At least 10 characters."),
                    field("Confirm new password", "confirm", type="password", autocomplete="new-password",
                          error=ResetPasswordState.field_errors.get("confirm", ""), max_length=128),
                    submit_button("Set new password", ResetPasswordState.loading),
                    spacing="3",
                    width="100%",
                ),
                on_submit=ResetPasswordState.submit,
                width="100%",
                id="reset-form",
            ),
        ),
    )


@page("/verify-email", "Confirm your email", on_load=[VerifyEmailState.load])
def verify_email() -> rx.Component:
    return auth_card(
        "Confirm your email",
        "",
        rx.match(
            VerifyEmailState.status,
            ("verified", rx.callout.root(rx.callout.icon(rx.icon("badge-check")), rx.callout.text("Thank you! Your email address is confirmed."), color_scheme="green", id="verify-ok")),
            ("invalid", rx.callout.root(rx.callout.icon(rx.icon("circle-alert")), rx.callout.text(VerifyEmailState.message), color_scheme="tomato", id="verify-invalid")),
            rx.hstack(rx.spinner(), rx.text("Checking your link…"), align="center"),
        ),
        rx.link(rx.button("Continue", width="100%", size="3"), href="/dashboard", width="100%"),
    )
