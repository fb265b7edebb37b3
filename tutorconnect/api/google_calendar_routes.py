"""Connect a tutor's Google Calendar: the two browser redirects.

GET /api/google/calendar/connect            -> 302 to Google's consent (offline access)
GET /api/google/calendar/callback?state&code -> connection stored, 302 /account?calendar=connected
    (or ?error=...)                          -> 302 /account?calendar=<code>

Only a signed-in, approved tutor (session from the HttpOnly tc_session cookie, checked
again at the callback) may connect. Like sign-in, the `state` is also put in a short-lived
HttpOnly cookie at /connect and must come back with the callback from the same browser;
the state row also names the user who started the flow, and only that user's session can
finish it. Every outcome lands on /account with one of RESULT_CODES, which the account
page's Google Calendar card turns into a message. Handlers are plain `def` (thread pool):
the database and Google calls never block the event loop.
"""

from __future__ import annotations

import logging
import secrets
from urllib.parse import parse_qs, urlencode, urlsplit

from starlette.requests import Request
from starlette.responses import RedirectResponse
from starlette.routing import Route

from tutorconnect.api.cookies import token_from_request
from tutorconnect.api.request_context import context_from_request
from tutorconnect.config import get_settings
from tutorconnect.db import session_scope
from tutorconnect.services import calendar_connections, ratelimit, sessions
from tutorconnect.services.errors import DomainError, PermissionDenied, RateLimited, TokenInvalid

log = logging.getLogger(__name__)

CONNECT_PATH = "/api/google/calendar/connect"
CALLBACK_PATH = "/api/google/calendar/callback"
FLOW_COOKIE = "tc_gcal_flow"
FLOW_COOKIE_PATH = "/api/google/calendar"
RESULT_CODES = ("connected", "cancelled", "failed", "expired", "not_allowed", "scope_denied", "rate_limited")
CONNECT_PER_USER = ratelimit.Limit("gcal_connect:user", 20, 60 * 60)


def _redirect(location: str) -> RedirectResponse:
    response = RedirectResponse(location, status_code=302)
    response.headers["Cache-Control"] = "no-store"
    # The callback URL carries a code and state: keep them out of Referer headers.
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def _to_account(code: str) -> RedirectResponse:
    assert code in RESULT_CODES, code
    response = _redirect(calendar_connections.RETURN_PATH + "?" + urlencode({"calendar": code}))
    response.delete_cookie(FLOW_COOKIE, path=FLOW_COOKIE_PATH)
    return response


def _to_login() -> RedirectResponse:
    return _redirect("/login?" + urlencode({"next": calendar_connections.RETURN_PATH}))


def _signed_in(request: Request) -> sessions.CurrentUser | None:
    token = token_from_request(request)
    if not token:
        return None
    with session_scope() as s:
        return sessions.resolve(s, token)


def _code_for(err: DomainError) -> str:
    if isinstance(err, TokenInvalid):
        return "expired"
    if isinstance(err, PermissionDenied):
        return "not_allowed"
    if isinstance(err, RateLimited):
        return "rate_limited"
    if isinstance(err, calendar_connections.CalendarConnectFailed) and err.reason == "scope_denied":
        return "scope_denied"
    return "failed"


def calendar_connect(request: Request) -> RedirectResponse:
    try:
        user = _signed_in(request)
        if user is None:
            return _to_login()
        ratelimit.enforce(CONNECT_PER_USER, str(user.user_id))
        ctx = context_from_request(request).acting_as(user.user_id)
        with session_scope() as s:
            url = calendar_connections.start(s, ctx, user.user_id)
    except DomainError as err:
        log.info("google calendar connect refused: %s", type(err).__name__)
        return _to_account(_code_for(err))
    except Exception:  # a broken config or database must still end on a page, not a trace
        log.exception("google calendar connect: could not start")
        return _to_account("failed")
    response = _redirect(url)
    state = parse_qs(urlsplit(url).query).get("state", [""])[0]
    response.set_cookie(
        FLOW_COOKIE, state, max_age=int(calendar_connections.FLOW_TTL.total_seconds()), httponly=True,
        secure=get_settings().cookie_secure, samesite="lax", path=FLOW_COOKIE_PATH,
    )
    return response


def _same_browser(request: Request) -> bool:
    expected, got = request.cookies.get(FLOW_COOKIE, ""), request.query_params.get("state", "")
    return bool(expected) and secrets.compare_digest(expected.encode(), got.encode())


def calendar_callback(request: Request) -> RedirectResponse:
    params = request.query_params
    if params.get("error"):
        # access_denied is the person pressing Cancel (or declining); anything else is Google refusing.
        log.info("google calendar connect: Google answered %s", params["error"][:40])
        return _to_account("cancelled" if params["error"] == "access_denied" else "failed")
    if not _same_browser(request):
        return _to_account("expired")
    try:
        user = _signed_in(request)
        if user is None:
            return _to_login()
        ctx = context_from_request(request).acting_as(user.user_id)
        calendar_connections.complete(ctx, user_id=user.user_id, state=params.get("state"), code=params.get("code"))
    except DomainError as err:
        log.info("google calendar connect refused: %s", type(err).__name__)
        return _to_account(_code_for(err))
    except Exception:
        log.exception("google calendar connect: callback failed")
        return _to_account("failed")
    return _to_account("connected")


routes = [
    Route(CONNECT_PATH, calendar_connect, methods=["GET"]),
    Route(CALLBACK_PATH, calendar_callback, methods=["GET"]),
]
