"""The base of every State: who is signed in, decided on the server for every event.

The session token arrives in the HttpOnly `tc_session` cookie on the websocket's upgrade
request (same origin, so the browser sends it). Handlers never trust arguments or
frontend vars for identity: `_require()` re-reads the session from PostgreSQL on each
call, so a revoked session or a changed role takes effect on the next click.
"""

from __future__ import annotations

import json
import logging
import uuid
from urllib.parse import urlencode
from collections.abc import Callable
from typing import Any, TypeVar

import reflex as rx

from tutorconnect.api.cookies import token_from_cookie_header
from tutorconnect.background import nudge
from tutorconnect.config import get_settings
from tutorconnect.db import session_scope
from tutorconnect.logging_setup import request_id_var
from tutorconnect.services import sessions
from tutorconnect.services.access import check_access
from tutorconnect.services.context import RequestContext
from tutorconnect.services.errors import DomainError, InvalidInput, NotAuthenticated
from tutorconnect.services.sessions import CurrentUser
from tutorconnect.services.tokens import hash_secret

log = logging.getLogger(__name__)
T = TypeVar("T")

# The `_owners` entry for the signed-in user's own fields on the root SessionState.
_SESSION_OWNER = "session"


# Reflex keeps each tab's state under a client token in sessionStorage.
_FORGET_TOKEN = "window.sessionStorage.removeItem('token');"


async def in_transaction(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run `fn(session, *args, **kwargs)` in one transaction, off the event loop."""

    def work() -> T:
        with session_scope() as s:
            result = fn(s, *args, **kwargs)
        # Committed: wake the background loop in case the action queued work.
        nudge()
        return result

    return await rx.run_in_thread(work)


def install_session_script(code: str, next_path: str) -> rx.event.EventSpec:
    """Have the browser redeem a handoff code for the HttpOnly cookie, then reload.

    The reload opens a new websocket that carries the new cookie. Dropping the Reflex
    client token first gives the new user a fresh state tree: nothing loaded for the
    previous user of this tab (an admin's user list, say) can be sent to the next one.
    """
    body = json.dumps({"code": code})
    return rx.call_script(
        "fetch('/api/auth/session',{method:'POST',credentials:'same-origin',"
        f"headers:{{'Content-Type':'application/json'}},body:{json.dumps(body)}}})"
        f".then(function(r){{if(r.ok){{{_FORGET_TOKEN}}}window.location.assign(r.ok?{json.dumps(next_path)}:'/login?error=session');}})"
        ".catch(function(){window.location.assign('/login?error=network');});"
    )


def sign_out_script(next_path: str = "/") -> rx.event.EventSpec:
    return rx.call_script(
        "fetch('/api/auth/logout',{method:'POST',credentials:'same-origin'})"
        f".finally(function(){{{_FORGET_TOKEN}window.location.assign({json.dumps(next_path)});}});"
    )


def loaded_session_states(state: Any) -> list[SessionState]:
    """Every SessionState loaded in the tree `state` belongs to (the root included)."""
    root = state
    while root.parent_state is not None:
        root = root.parent_state
    found, pending = [], [root]
    while pending:
        current = pending.pop()
        if isinstance(current, SessionState):
            found.append(current)
        pending.extend(current.substates.values())
    return found


class SessionState(rx.State):
    """Public vars describe only the signed-in user to themselves.

    Private by design: a page state names the vars holding someone's data in its `PRIVATE`
    tuple (frontend and backend vars alike; a state with none says `PRIVATE = ()`). The
    session that last passed `_require` on a state, or bound data to it, is its owner
    (`_owners`, kept here at the root of the tree). Before any event is processed, the hydrate
    included, `PrivateDataMiddleware` resets the `PRIVATE` vars of every loaded state whose
    owner is not the session on this connection: a tab's client token used again with
    another cookie, or none, gets the defaults, never the previous user's values.
    """

    signed_in: bool = False
    user_name: str = ""
    user_email: str = ""
    user_role: str = ""
    user_time_zone: str = "UTC"
    email_verified: bool = False
    session_checked: bool = False
    # State full name -> owner key (hashed session token) of whoever loaded its private vars;
    # `_SESSION_OWNER` for the user fields above.
    _owners: dict[str, str] = {}

    # -- helpers (leading underscore: not callable from the browser) -------------------
    def _ctx(self, user: CurrentUser | None = None) -> RequestContext:
        # The event's id, set by the handler guard, so the log lines and the audit rows of one
        # click share it; a fresh one where no guard set it.
        rid = request_id_var.get() or uuid.uuid4().hex[:16]
        request_id_var.set(rid)
        return RequestContext(
            ip=self.router.session.client_ip or "unknown",
            user_agent=(self.router.headers.user_agent or "")[:300],
            request_id=rid,
            actor_user_id=user.user_id if user else None,
        )

    def _cookie_token(self) -> str | None:
        return token_from_cookie_header(self.router.headers.cookie)

    async def _current_user(self) -> CurrentUser | None:
        token = self._cookie_token()
        if not token:
            return None
        return await in_transaction(sessions.resolve, token)

    async def _require(self, *roles: str, allow_unverified: bool = False) -> CurrentUser:
        """The signed-in user, or raise NotAuthenticated / PermissionDenied.

        With FEATURE_REQUIRE_VERIFIED_EMAIL on, an unverified account may only reach the
        handlers that pass `allow_unverified` (account settings, the dashboard).
        """
        self._forget_other_owners()
        user = await self._current_user()
        if user is None:
            self._apply_user(None)
        allowed = check_access(
            user,
            roles,
            allow_unverified=allow_unverified,
            require_verified_email=get_settings().feature_require_verified_email,
        )
        self._record_owner(self.get_full_name())
        return allowed

    def _apply_user(self, user: CurrentUser | None) -> None:
        if user is not None:
            self._record_owner(_SESSION_OWNER)
        else:
            self._drop_owner(_SESSION_OWNER)
        self.signed_in = user is not None
        self.user_name = user.full_name if user else ""
        self.user_email = user.email if user else ""
        self.user_role = user.role if user else ""
        self.user_time_zone = user.time_zone if user else "UTC"
        self.email_verified = user.email_verified if user else False
        self.session_checked = True

    def _login_redirect(self) -> rx.event.EventSpec:
        path = self.router.url.path or "/"
        return rx.redirect(f"/login?{urlencode({'next': path})}")

    def _owner_key(self) -> str:
        token = self._cookie_token()
        return hash_secret(token) if token else ""

    def _bind_private(self) -> str:
        """Remember which session loaded the private data about to be stored."""
        return self._record_owner(self.get_full_name())

    def _record_owner(self, name: str) -> str:
        key = self._owner_key()
        if name and self._owners.get(name) != key:
            self._owners = {**self._owners, name: key}
        return key

    def _may_see(self, owner: str) -> bool:
        """Private data is shown only to a connection carrying the cookie that loaded it:
        a tab's server-side state reached with another cookie, or none, shows nothing."""
        return bool(owner) and owner == self._owner_key()

    def _forget_other_owners(self) -> None:
        """Private data loaded for another session is forgotten before this one's event runs:
        a tab's client token reused with another cookie (the first user signed out in another
        tab, someone else signed in) must not hand the previous user's dialogs, refund amounts
        or history to the new one. Runs for every loaded state before every event
        (`PrivateDataMiddleware`), and again in `_require`."""
        owner = self._owners.get(self.get_full_name(), "")
        if owner and owner != self._owner_key():
            self._clear_private()
            self._drop_owner(self.get_full_name())

    def _forget_other_user(self) -> None:
        """The user fields of the root, likewise: who was signed in on this tab before."""
        owner = self._owners.get(_SESSION_OWNER, "")
        if owner and owner != self._owner_key():
            self._apply_user(None)
            self.session_checked = False

    def _clear_private(self) -> None:
        """Reset this state's `PRIVATE` vars to their defaults and forget who loaded them.

        Runs whenever a handler is refused, when another session reaches this state and, for
        every loaded state, at sign-out: a tab's server-side state never keeps data its next
        holder may not see. A state with more to forget extends this (and calls it).
        """
        fields = type(self).__fields__
        for name in getattr(type(self), "PRIVATE", ()):
            setattr(self, name, fields[name].default_value())
        self._drop_owner(self.get_full_name())

    def _drop_owner(self, name: str) -> None:
        if name in self._owners:
            self._owners = {k: v for k, v in self._owners.items() if k != name}

    def _loaded_states(self) -> list[SessionState]:
        return loaded_session_states(self)

    def _wipe_loaded_states(self) -> None:
        for state in self._loaded_states():
            state._clear_private()

    def _input_error(self, err: DomainError, var: str, *, toast: bool = False) -> Any:
        """For an `on_error` method: a value we cannot take is shown in `var` (and as a toast
        when asked), the rest of the page staying as it is; anything else is a refusal."""
        if isinstance(err, InvalidInput):
            setattr(self, var, err.message)
            return rx.toast.error(err.message) if toast else None
        return self._refuse(err)

    def _refuse(self, err: DomainError) -> Any:
        """Map a domain error to what the person sees, dropping data they may not see."""
        self._clear_private()
        if isinstance(err, NotAuthenticated):
            self._wipe_loaded_states()
            return [rx.toast.warning(err.message), self._login_redirect()]
        return rx.toast.error(err.message)

    # -- events --------------------------------------------------------------------------
    @rx.event
    async def load_session(self):
        """on_load of every page: refresh who is signed in (for navigation and greetings),
        and forget what any loaded page state holds for another session."""
        for state in self._loaded_states():
            state._forget_other_owners()
        self._apply_user(await self._current_user())

    @rx.event
    async def sign_out(self):
        self._apply_user(None)
        self._wipe_loaded_states()
        return sign_out_script("/")

