"""Sign-in, registration, password reset and email verification pages."""

from __future__ import annotations

from typing import Any, ClassVar
from urllib.parse import urlencode

import reflex as rx

from tutorconnect.config import get_settings
from tutorconnect.services import accounts, sessions
from tutorconnect.services.errors import DomainError, InvalidInput, TokenInvalid
from tutorconnect.services.validation import safe_next_path
from tutorconnect.state.base import SessionState, in_transaction, install_session_script
from tutorconnect.state.forms import parse_form, short_str
from tutorconnect.state.guard import handler

LOGIN_ERRORS = {
    "google_cancelled": "Google sign-in was cancelled.",
    "google_failed": "Google sign-in did not complete. Please try again.",
    "google_unverified": "Your Google email is not verified, so we cannot link it to an existing account. Sign in with your password.",
    "google_disabled": "Google sign-in is not available right now.",
    "google_expired": "That Google sign-in took too long. Please try again.",
    "rate_limited": "Too many sign-in attempts from your network. Please wait a few minutes.",
    "session": "We could not complete sign-in. Please try again.",
    "network": "The network failed while signing you in. Please try again.",
}


class FormState(SessionState):
    """Shared fields for a single form on a page."""

    PRIVATE: ClassVar[tuple[str, ...]] = ()
    loading: bool = False
    error: str = ""
    field_errors: dict[str, str] = {}

    def _start(self) -> None:
        self.loading, self.error, self.field_errors = True, "", {}

    def _fail(self, err: DomainError) -> Any:
        self.loading = False
        if isinstance(err, InvalidInput) and err.field not in ("form",):
            self.field_errors = {err.field: err.message}
        else:
            self.error = err.message
        return None


class LoginState(FormState):
    # The email and password typed are read from the submitted form, never kept in a var.
    PRIVATE: ClassVar[tuple[str, ...]] = ()
    google_enabled: bool = True
    google_href: str = "/api/auth/google/start"

    @rx.event
    async def load(self):
        self.loading, self.field_errors = False, {}
        self.google_enabled = get_settings().feature_google_signin
        code = self.router.url.query_parameters.get("error", "")
        self.error = LOGIN_ERRORS.get(code, "")
        self.google_href = f"/api/auth/google/start?{urlencode({'next': self._next_path()})}"
        if await self._current_user() is not None:
            return rx.redirect(self._next_path(), replace=True)

    def _next_path(self) -> str:
        return safe_next_path(self.router.url.query_parameters.get("next"), "/dashboard")

    # On success `loading` stays on until the page reloads signed in (hold_busy).
    @handler(public=True, busy="loading", hold_busy=True, on_error="_fail")
    async def submit(self, form_data: dict):
        self._start()
        yield
        data = parse_form(form_data, {"email": 254, "password": 128})
        ctx = self._ctx()
        user_id = await in_transaction(accounts.authenticate, ctx, email=data["email"], password=data["password"])
        code = await in_transaction(sessions.issue_handoff, user_id)
        yield install_session_script(code, self._next_path())


class RegisterState(FormState):
    # Name, email and password are read from the submitted form, never kept in a var.
    PRIVATE: ClassVar[tuple[str, ...]] = ()
    as_tutor: bool = False
    browser_time_zone: str = "UTC"

    @rx.event
    async def load(self):
        self.loading, self.error, self.field_errors = False, "", {}
        self.as_tutor = self.router.url.query_parameters.get("as") == "tutor"
        if await self._current_user() is not None:
            return rx.redirect("/dashboard", replace=True)
        return rx.call_script(
            "Intl.DateTimeFormat().resolvedOptions().timeZone", callback=RegisterState.set_browser_time_zone
        )

    @handler(public=True, on_error="_default_time_zone")
    def set_browser_time_zone(self, zone: Any):
        value = short_str(zone)
        from tutorconnect.services.validation import clean_time_zone

        self.browser_time_zone = clean_time_zone(value)

    def _default_time_zone(self, err: DomainError) -> None:
        """A zone the browser named that we do not know: register in UTC (editable later)."""
        self.browser_time_zone = "UTC"

    @rx.event
    def choose_role(self, role: Any):
        self.as_tutor = role == "tutor"

    # On success `loading` stays on until the page reloads signed in (hold_busy).
    @handler(public=True, busy="loading", hold_busy=True, on_error="_fail")
    async def submit(self, form_data: dict):
        self._start()
        yield
        data = parse_form(
            form_data,
            {"full_name": 120, "email": 254, "password": 128, "confirm": 128},
        )
        if data["password"] != data["confirm"]:
            raise InvalidInput("confirm", "The two passwords do not match.")
        ctx = self._ctx()
        user_id = await in_transaction(
            accounts.register,
            ctx,
            email=data["email"],
            password=data["password"],
            full_name=data["full_name"],
            role="tutor" if self.as_tutor else "student",
            time_zone=self.browser_time_zone,
        )
        code = await in_transaction(sessions.issue_handoff, user_id)
        yield rx.toast.success("Welcome to TutorConnect! Check your inbox to confirm your email.")
        yield install_session_script(code, "/dashboard?welcome=1")


class ForgotPasswordState(FormState):
    # The email typed is read from the submitted form, never kept in a var.
    PRIVATE: ClassVar[tuple[str, ...]] = ()
    sent: bool = False

    @rx.event
    def load(self):
        self.loading, self.error, self.field_errors, self.sent = False, "", {}, False

    @handler(public=True, busy="loading", on_error="_fail")
    async def submit(self, form_data: dict):
        self._start()
        yield
        data = parse_form(form_data, {"email": 254})
        await in_transaction(accounts.request_password_reset, self._ctx(), email=data["email"])
        self.loading, self.sent = False, True


class ResetPasswordState(FormState):
    # The reset token is read from the URL and the passwords from the form, never kept.
    PRIVATE: ClassVar[tuple[str, ...]] = ()
    # checking | usable | unusable (used, expired or unknown) | missing (no token in the URL)
    link: str = "checking"

    @handler(public=True)
    async def load(self):
        self.loading, self.error, self.field_errors, self.link = False, "", {}, "checking"
        token = self.router.url.query_parameters.get("token", "")
        if not token:
            self.link = "missing"
            return
        # Checked when the page opens, without using it up: a dead link says so at once
        # rather than after the new password was typed (issue #14).
        usable = await in_transaction(accounts.check_reset_token, token)
        self.link = "usable" if usable else "unusable"

    def _fail(self, err: DomainError) -> Any:
        if isinstance(err, TokenInvalid):  # used up or expired since the page opened
            self.link = "unusable"
        return super()._fail(err)

    @handler(public=True, busy="loading", on_error="_fail")
    async def submit(self, form_data: dict):
        self._start()
        yield
        data = parse_form(form_data, {"password": 128, "confirm": 128})
        if data["password"] != data["confirm"]:
            raise InvalidInput("confirm", "The two passwords do not match.")
        token = self.router.url.query_parameters.get("token", "")
        await in_transaction(accounts.reset_password, self._ctx(), token=token, new_password=data["password"])
        self.loading = False
        self._apply_user(None)
        yield rx.toast.success("Your password was changed. Please sign in with it.")
        yield rx.redirect("/login", replace=True)


class VerifyEmailState(SessionState):
    PRIVATE: ClassVar[tuple[str, ...]] = ()
    status: str = "checking"  # checking | verified | invalid
    message: str = ""

    @handler(public=True, on_error="_invalid_link")
    async def load(self):
        self.status, self.message = "checking", ""
        token = self.router.url.query_parameters.get("token", "")
        await in_transaction(accounts.verify_email, self._ctx(), token)
        self.status = "verified"
        self._apply_user(await self._current_user())

    def _invalid_link(self, err: DomainError) -> None:
        self.status, self.message = "invalid", err.message
