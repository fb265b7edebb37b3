"""Sign in with Google: the two browser redirects.

GET /api/auth/google/start?next=/path      -> 302 to Google's account chooser
GET /api/auth/google/callback?state&code   -> session cookie, 302 to the saved path
    (or ?error=...)                        -> 302 /login?error=<code>

`state` is also put in a short-lived HttpOnly cookie at /start and must come back with
the callback: a callback URL made in someone else's browser (login CSRF: signing the
victim in to the attacker's account) is refused.

Failures never show a stack trace; they land on /login with one of ERROR_CODES, which
the login page turns into a message.

Handlers are plain `def`: Starlette runs them in its thread pool, so the blocking database
work and the call to Google never stall the event loop shared by every user.
"""

from __future__ import annotations

import logging
import secrets
from urllib.parse import parse_qs, urlencode, urlsplit

from starlette.requests import Request
from starlette.responses import RedirectResponse
from starlette.routing import Route

from tutorconnect.api.cookies import set_session_cookie, token_from_request
from tutorconnect.api.request_context import context_from_request
from tutorconnect.config import get_settings
from tutorconnect.db import session_scope
from tutorconnect.services import accounts, ratelimit
from tutorconnect.services.errors import DomainError, FeatureDisabled, RateLimited, TokenInvalid

log = logging.getLogger(__name__)

ERROR_CODES = ("google_cancelled", "google_failed", "google_unverified", "google_disabled", "google_expired")
FLOW_COOKIE = "tc_google_flow"
FLOW_COOKIE_PATH = "/api/auth/google"


def _redirect(location: str) -> RedirectResponse:
    response = RedirectResponse(location, status_code=302)
    response.headers["Cache-Control"] = "no-store"
    # The callback URL carries a code and state: keep them out of Referer headers.
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def _to_login(code: str) -> RedirectResponse:
    response = _redirect("/login?" + urlencode({"error": code}))
    response.delete_cookie(FLOW_COOKIE, path=FLOW_COOKIE_PATH)
    return response


def _bind_flow(response: RedirectResponse, google_url: str) -> None:
    """Remember this browser's `state` (Lax: it returns on Google's top-level redirect)."""
    state = parse_qs(urlsplit(google_url).query).get("state", [""])[0]
    response.set_cookie(
        FLOW_COOKIE, state, max_age=int(accounts.GOOGLE_FLOW_TTL.total_seconds()), httponly=True,
        secure=get_settings().cookie_secure, samesite="lax", path=FLOW_COOKIE_PATH,
    )


def _same_browser(request: Request) -> bool:
    expected, got = request.cookies.get(FLOW_COOKIE, ""), request.query_params.get("state", "")
    return bool(expected) and secrets.compare_digest(expected.encode(), got.encode())


def _error_code(err: DomainError) -> str:
    if isinstance(err, FeatureDisabled):
        return "google_disabled"
    if isinstance(err, RateLimited):
        return "rate_limited"
    if isinstance(err, TokenInvalid):
        return "google_expired"
    if isinstance(err, accounts.UnverifiedGoogleEmail):
        return "google_unverified"
    return "google_failed"


def google_start(request: Request) -> RedirectResponse:
    try:
        ratelimit.enforce(ratelimit.GOOGLE_START_PER_IP, context_from_request(request).ip)
        with session_scope() as s:
            url = accounts.start_google_signin(s, next_path=request.query_params.get("next", "/"))
    except DomainError as err:
        return _to_login(_error_code(err))
    except Exception:  # a broken config or database must still end on a page, not a trace
        log.exception("google sign-in: could not start")
        return _to_login("google_failed")
    response = _redirect(url)
    _bind_flow(response, url)
    return response


def google_callback(request: Request) -> RedirectResponse:
    params = request.query_params
    if params.get("error"):
        # access_denied is the person pressing Cancel; anything else is Google refusing.
        return _to_login("google_cancelled" if params["error"] == "access_denied" else "google_failed")
    if not _same_browser(request):
        return _to_login("google_expired")
    ctx = context_from_request(request)
    try:
        # complete() consumes the state in its own transaction and calls Google before this
        # scope touches the database, so no transaction spans the network call.
        with session_scope() as s:
            user_id, next_path = accounts.complete_google_signin(
                s, ctx, state=params.get("state"), code=params.get("code")
            )
            token = accounts.open_google_session(
                s, ctx, user_id, previous_token=token_from_request(request)
            )
    except DomainError as err:
        log.info("google sign-in refused: %s", type(err).__name__)
        return _to_login(_error_code(err))
    except Exception:
        log.exception("google sign-in: callback failed")
        return _to_login("google_failed")
    response = _redirect(next_path)
    response.delete_cookie(FLOW_COOKIE, path=FLOW_COOKIE_PATH)
    set_session_cookie(response, token)
    return response


routes = [
    Route("/api/auth/google/start", google_start, methods=["GET"]),
    Route("/api/auth/google/callback", google_callback, methods=["GET"]),
]
