"""Account settings: profile, password, sessions; and resending the verification email."""

from __future__ import annotations

import dataclasses
import uuid
from typing import Any, ClassVar

import reflex as rx

from tutorconnect.services import accounts, calendar_feed, sessions
from tutorconnect.services.errors import DomainError, InvalidInput
from tutorconnect.timezones import zone_option_dicts
from tutorconnect.state.auth import FormState
from tutorconnect.state.base import SessionState, in_transaction, install_session_script, sign_out_script
from tutorconnect.state.forms import parse_form, short_str
from tutorconnect.state.guard import handler
from tutorconnect.services.sessions import CurrentUser
from tutorconnect.timefmt import format_instant


def _describe_agent(ua: str) -> str:
    browser = next((b for b in ("Edg", "Firefox", "Chrome", "Safari") if b in ua), "Browser")
    system = next((s for s in ("Android", "iPhone", "Windows", "Mac OS", "Linux") if s in ua), "")
    names = {"Edg": "Edge", "Mac OS": "macOS"}
    label = names.get(browser, browser)
    return f"{label} on {names.get(system, system)}" if system else label


@dataclasses.dataclass
class SessionRow:
    id: str
    device: str
    ip: str
    signed_in: str
    last_seen: str
    current: bool


class VerificationState(SessionState):
    PRIVATE: ClassVar[tuple[str, ...]] = ()

    @handler(allow_unverified=True)
    async def resend(self, user: CurrentUser):
        await in_transaction(accounts.resend_verification, self._ctx(user), user.user_id)
        return rx.toast.success("We sent a new confirmation link to your email.")


class AccountState(FormState):
    PRIVATE: ClassVar[tuple[str, ...]] = (
        "full_name", "time_zone", "email", "has_password", "member_since",
        "_sessions", "_sessions_owner", "sessions_loading", "confirm_sign_out_all",
    )
    full_name: str = ""
    time_zone: str = "UTC"
    email: str = ""
    has_password: bool = True
    member_since: str = ""
    _sessions: list[SessionRow] = []
    _sessions_owner: str = ""
    sessions_loading: bool = True
    password_loading: bool = False
    password_error: str = ""
    password_field_errors: dict[str, str] = {}
    zones: list[dict[str, str]] = []  # every offered zone with its offset (timezones.py)
    confirm_sign_out_all: bool = False

    @rx.var(cache=False)
    def sessions(self) -> list[SessionRow]:
        return self._sessions if self._may_see(self._sessions_owner) else []

    @handler(allow_unverified=True)
    async def load(self, user: CurrentUser):
        self.error, self.field_errors, self.loading = "", {}, False
        profile = await in_transaction(accounts.get_profile, user.user_id)
        self.full_name, self.time_zone, self.email = profile.full_name, profile.time_zone, profile.email
        self.has_password = profile.has_password
        self.member_since = format_instant(profile.created_at, profile.time_zone).rsplit(",", 1)[0]
        self.zones = zone_option_dicts()  # offsets move with DST: read on each load
        await self._load_sessions(user)
        if self.router.url.query_parameters.get("changed") == "password":
            return rx.toast.success("Password changed. Your other devices were signed out.")
        return None

    async def _load_sessions(self, user: sessions.CurrentUser) -> None:
        rows = await in_transaction(sessions.list_active, user.user_id, user.session_id)
        self._sessions_owner = self._bind_private()
        self._sessions = [
            SessionRow(
                id=r.id,
                device=_describe_agent(r.user_agent),
                ip=r.ip,
                signed_in=format_instant(r.created_at, user.time_zone),
                last_seen=format_instant(r.last_seen_at, user.time_zone),
                current=r.current,
            )
            for r in rows
        ]
        self.sessions_loading = False

    @handler(allow_unverified=True, busy="loading", on_error="_fail")
    async def save_profile(self, user: CurrentUser, form_data: dict):
        self._start()
        yield
        data = parse_form(form_data, {"full_name": 120, "time_zone": 64})
        profile = await in_transaction(
            accounts.update_profile, self._ctx(user), user_id=user.user_id,
            full_name=data["full_name"], time_zone=data["time_zone"],
        )
        self.loading = False
        self.full_name, self.time_zone = profile.full_name, profile.time_zone
        self.user_name, self.user_time_zone = profile.full_name, profile.time_zone
        await self._load_sessions(await self._require(allow_unverified=True))
        yield rx.toast.success("Profile saved.")

    @handler(allow_unverified=True, busy="password_loading", on_error="_password_failed")
    async def change_password(self, user: CurrentUser, form_data: dict):
        self.password_loading, self.password_error, self.password_field_errors = True, "", {}
        yield
        data = parse_form(form_data, {"current_password": 128, "password": 128, "confirm": 128})
        if data["password"] != data["confirm"]:
            raise InvalidInput("confirm", "The two passwords do not match.")
        await in_transaction(
            accounts.change_password, self._ctx(user), user_id=user.user_id,
            current_password=data["current_password"], new_password=data["password"],
            current_session_id=user.session_id,
        )
        # Rotate this browser's session too: the old token dies with the old password.
        code = await in_transaction(sessions.issue_handoff, user.user_id)
        self.password_loading = False
        # The toast is shown after the reload that installs the rotated session cookie.
        yield install_session_script(code, "/account?changed=password")

    def _password_failed(self, err: DomainError) -> None:
        """Shown in the password card itself (no toast, no redirect), even when signed out."""
        self.password_error, self.password_field_errors = "", {}
        if isinstance(err, InvalidInput) and err.field != "form":
            self.password_field_errors = {err.field: err.message}
        else:
            self.password_error = err.message

    @handler(allow_unverified=True)
    async def revoke(self, user: CurrentUser, session_id: Any):
        try:
            sid = uuid.UUID(short_str(session_id, 36) or "")
        except ValueError:
            raise InvalidInput("session", "That session could not be found.") from None
        if sid == user.session_id:
            raise InvalidInput("session", "Use “Sign out” to end the session you are using now.")
        await in_transaction(
            sessions.revoke_session, self._ctx(user), user_id=user.user_id, session_id=sid, reason="revoked_by_user"
        )
        await self._load_sessions(user)
        return rx.toast.success("That device was signed out.")

    @rx.event
    def ask_sign_out_all(self):
        self.confirm_sign_out_all = True

    @rx.event
    def cancel_sign_out_all(self):
        self.confirm_sign_out_all = False

    @handler(allow_unverified=True)
    async def sign_out_everywhere(self, user: CurrentUser):
        self.confirm_sign_out_all = False
        await in_transaction(sessions.revoke_all, self._ctx(user), user_id=user.user_id, reason="sign_out_everywhere")
        self._apply_user(None)
        self._wipe_loaded_states()
        return sign_out_script("/login")


class CalendarFeedState(SessionState):
    """The private calendar feed link on /account.

    A new link is shown once, right after it is created: its URL (which contains the
    secret) lives in backend vars bound to the session that created it, is exposed only
    to that session (`_may_see`), and is forgotten on the next load of the page (reload
    or navigation), on revocation and on sign-out. Whether a link is live (and since when)
    is read from the database on every load.
    """

    PRIVATE: ClassVar[tuple[str, ...]] = ("_feed_url", "_webcal_url", "_active_since", "_owner", "confirm_revoke")
    _feed_url: str = ""
    _webcal_url: str = ""
    _active_since: str = ""
    _owner: str = ""
    loading: bool = True
    busy: bool = False
    confirm_revoke: bool = False

    @rx.var(cache=False)
    def feed_url(self) -> str:
        return self._feed_url if self._may_see(self._owner) else ""

    @rx.var(cache=False)
    def webcal_url(self) -> str:
        return self._webcal_url if self._may_see(self._owner) else ""

    @rx.var(cache=False)
    def active_since(self) -> str:
        """'' without a live link; else when it was created, in the user's zone."""
        return self._active_since if self._may_see(self._owner) else ""

    async def _read_status(self, user: sessions.CurrentUser) -> None:
        since = await in_transaction(calendar_feed.feed_status, self._ctx(user), user.user_id)
        self._active_since = format_instant(since, user.time_zone) if since else ""
        self._owner = self._bind_private()

    @handler(allow_unverified=True, busy=("loading", "busy"))
    async def load(self, user: CurrentUser):
        self.loading, self.busy = True, False
        self._clear_private()  # a shown link is shown once: not again after a reload
        await self._read_status(user)
        self.loading = False
        return None

    @handler(busy="busy")
    async def create_link(self, user: CurrentUser):
        if self.busy:
            return None
        self.busy = True
        token = await in_transaction(calendar_feed.create_feed_token, self._ctx(user), user.user_id)
        await self._read_status(user)
        self._feed_url, self._webcal_url = calendar_feed.feed_urls(token)
        self.busy, self.confirm_revoke = False, False
        return rx.toast.success("Your calendar link is ready. Copy it now: it is shown only once.")

    @handler(allow_unverified=True)
    async def ask_revoke(self):
        self.confirm_revoke = True
        return None

    @rx.event
    def cancel_revoke(self):
        self.confirm_revoke = False

    @rx.event
    def revoke_dialog_changed(self, open_: Any):
        """Escape or a click outside closes the confirmation (it never opens it)."""
        if open_ is not True:
            self.confirm_revoke = False

    @handler(allow_unverified=True, busy="busy")
    async def revoke_link(self, user: CurrentUser):
        self.confirm_revoke = False
        if self.busy:
            return None
        self.busy = True
        await in_transaction(calendar_feed.revoke_feed_tokens, self._ctx(user), user.user_id)
        self._feed_url = self._webcal_url = ""
        await self._read_status(user)
        self.busy = False
        return rx.toast.success("Calendar link revoked. Calendars subscribed to it stop updating.")
