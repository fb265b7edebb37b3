"""The Google Calendar card on /account (tutors only): connect, see who is connected and
since when, disconnect after a confirmation; the outcome of a consent redirect.

Connecting is a full-page navigation to GET /api/google/calendar/connect (an HTTP
redirect to Google), which comes back to /account?calendar=<result>; `load` turns the
result code (a fixed list; anything else is ignored) into a toast or an error banner and
drops it from the address bar. The connected account's address lives in backend vars
bound to the session that loaded it (`_may_see`), like the calendar feed card's link.
"""

from __future__ import annotations

from typing import Any, ClassVar

import reflex as rx

from tutorconnect.services import calendar_connections, sessions
from tutorconnect.services.calendar_connections import CalendarConnectFailed
from tutorconnect.services.sessions import CurrentUser
from tutorconnect.state.base import SessionState, in_transaction
from tutorconnect.state.guard import handler
from tutorconnect.timefmt import format_instant

CONNECT_HREF = "/api/google/calendar/connect"
# /account?calendar=<code> after the consent redirect (api/google_calendar_routes.RESULT_CODES)
BANNERS = {
    "cancelled": "Google Calendar was not connected: the request was cancelled on Google's page.",
    "failed": "We couldn't connect your Google Calendar. Please try again.",
    "expired": "That Google Calendar request has expired or was already used. Please start again.",
    "not_allowed": "Only approved tutors can connect a Google Calendar.",
    "scope_denied": CalendarConnectFailed.MESSAGES["scope_denied"],
    "rate_limited": "Too many attempts to connect. Please wait a few minutes and try again.",
}
CONNECTED_TOAST = "Google Calendar connected. New lessons get a Google Meet link and your busy times are kept free."
_FORGET_RESULT = "window.history.replaceState(window.history.state, '', window.location.pathname);"


class GoogleCalendarState(SessionState):
    PRIVATE: ClassVar[tuple[str, ...]] = ("_email", "_since", "_problem", "_owner", "confirm_disconnect")
    visible: bool = False  # the viewer is a tutor: the card is shown
    allowed: bool = False  # an approved tutor: may connect
    loading: bool = True
    busy: bool = False
    confirm_disconnect: bool = False
    banner: str = ""
    _email: str = ""
    _since: str = ""
    _problem: str = ""
    _owner: str = ""

    @rx.var(cache=False)
    def connected_email(self) -> str:
        """'' when not connected; else the Google account's address."""
        return self._email if self._may_see(self._owner) else ""

    @rx.var(cache=False)
    def connected_since(self) -> str:
        return self._since if self._may_see(self._owner) else ""

    @rx.var(cache=False)
    def problem(self) -> str:
        return self._problem if self._may_see(self._owner) else ""

    async def _read_status(self, user: sessions.CurrentUser) -> None:
        ctx = self._ctx(user)

        def read(session):
            return (calendar_connections.status(session, ctx, user.user_id),
                    calendar_connections.may_connect(session, user.user_id))

        status, self.allowed = await in_transaction(read)
        self._email = status.google_email if status else ""
        self._since = format_instant(status.connected_at, user.time_zone).rsplit(",", 1)[0] if status else ""
        self._problem = (status.problem or "") if status else ""
        self._owner = self._bind_private()

    # Public: a viewer who is not a tutor (or is signed out) gets no card and no refusal.
    @handler(public=True, busy="loading")
    async def load(self):
        self.loading, self.busy, self.banner = True, False, ""
        self._clear_private()
        user = await self._current_user()
        if user is None or user.role != "tutor":
            # Not a tutor (or signed out: AccountState.load sends them to sign in): no card.
            self.visible, self.allowed, self.loading = False, False, False
            return None
        self.visible = True
        await self._read_status(user)
        self.loading = False
        result = self.router.url.query_parameters.get("calendar")
        if not isinstance(result, str):
            return None
        if result == "connected" and self._email:
            return [rx.call_script(_FORGET_RESULT), rx.toast.success(CONNECTED_TOAST)]
        if result in BANNERS and not (result == "not_allowed" and self.allowed):
            self.banner = BANNERS[result]
            return rx.call_script(_FORGET_RESULT)
        return None

    @rx.event
    def dismiss_banner(self):
        self.banner = ""

    @handler("tutor", allow_unverified=True)
    async def ask_disconnect(self):
        self.confirm_disconnect = True
        return None

    @rx.event
    def cancel_disconnect(self):
        self.confirm_disconnect = False

    @rx.event
    def disconnect_dialog_changed(self, open_: Any):
        """Escape or a click outside closes the confirmation (it never opens it)."""
        if open_ is not True:
            self.confirm_disconnect = False

    @handler("tutor", allow_unverified=True, busy="busy")
    async def disconnect(self, user: CurrentUser):
        self.confirm_disconnect = False
        if self.busy:
            return
        self.busy = True
        yield
        ctx = self._ctx(user)
        # Calls Google (revoke) between two short transactions of its own.
        gone = await rx.run_in_thread(lambda: calendar_connections.disconnect(ctx, user.user_id))
        await self._read_status(user)
        self.busy, self.banner = False, ""
        yield rx.toast.success("Google Calendar disconnected. TutorConnect no longer has access to it.") if gone \
            else rx.toast.info("Your Google Calendar was not connected.")
