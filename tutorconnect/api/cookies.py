"""The session cookie: HttpOnly, SameSite=Lax, Secure on https, path /.

HttpOnly keeps the token away from any script on the page; SameSite=Lax keeps it off
cross-site subrequests, including a websocket opened by another site (and Reflex's CORS
setting refuses foreign Origins on the socket too).
"""

from __future__ import annotations

from http.cookies import SimpleCookie

from starlette.requests import Request
from starlette.responses import Response

from tutorconnect.config import get_settings

COOKIE_NAME = "tc_session"


def set_session_cookie(response: Response, token: str) -> None:
    settings = get_settings()
    response.set_cookie(
        COOKIE_NAME,
        token,
        max_age=settings.session_ttl_hours * 3600,
        httponly=True,
        secure=settings.cookie_secure,
        samesite="lax",
        path="/",
    )


def clear_session_cookie(response: Response) -> None:
    settings = get_settings()
    response.delete_cookie(
        COOKIE_NAME, path="/", httponly=True, secure=settings.cookie_secure, samesite="lax"
    )


def token_from_request(request: Request) -> str | None:
    return request.cookies.get(COOKIE_NAME)


def token_from_cookie_header(header: str | None) -> str | None:
    """The session token from a raw Cookie header (the websocket's, in State handlers)."""
    if not header:
        return None
    jar = SimpleCookie()
    try:
        jar.load(header)
    except Exception:  # a malformed header is simply no session
        return None
    morsel = jar.get(COOKIE_NAME)
    return morsel.value if morsel else None
