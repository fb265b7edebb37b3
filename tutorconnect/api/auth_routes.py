"""HTTP routes that set or clear the HttpOnly session cookie.

POST /api/auth/session  {"code": "..."}  redeem a sign-in handoff code -> Set-Cookie
POST /api/auth/logout                    revoke this browser's session -> clear cookie
Both are same-origin fetches from our own pages; a foreign Origin is refused.
"""

from __future__ import annotations

import logging

from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from tutorconnect.api.cookies import clear_session_cookie, set_session_cookie, token_from_request
from tutorconnect.api.request_context import context_from_request
from tutorconnect.config import get_settings
from tutorconnect.db import session_scope
from tutorconnect.services import sessions
from tutorconnect.services.errors import DomainError
from tutorconnect.services.json_input import parse_json

log = logging.getLogger(__name__)


def _same_origin(request: Request) -> bool:
    """The Origin is one we serve: a configured origin, or exactly this request's own."""
    origin = request.headers.get("origin")
    if origin is None:  # non-browser clients send none; browsers always do on POST fetch
        return True
    origin = origin.rstrip("/")
    own = f"{request.url.scheme}://{request.headers.get('host', '')}"
    return origin in set(get_settings().allowed_origins) or origin == own


def _error(message: str, status: int) -> JSONResponse:
    return JSONResponse({"ok": False, "error": message}, status_code=status)


async def redeem_session(request: Request) -> JSONResponse:
    if not _same_origin(request):
        return _error("Cross-site request refused.", 403)
    try:
        body = parse_json(await request.body())
    except (ValueError, ClientDisconnect):
        return _error("Expected a JSON body.", 400)
    code = body.get("code") if isinstance(body, dict) else None
    ctx = context_from_request(request)
    try:
        with session_scope() as s:
            token = sessions.redeem_handoff(s, ctx, code, previous_token=token_from_request(request))
    except DomainError as err:
        return _error(err.message, 400)
    response = JSONResponse({"ok": True})
    set_session_cookie(response, token)
    response.headers["Cache-Control"] = "no-store"
    return response


async def logout(request: Request) -> JSONResponse:
    if not _same_origin(request):
        return _error("Cross-site request refused.", 403)
    ctx = context_from_request(request)
    raw = token_from_request(request)
    with session_scope() as s:
        current = sessions.resolve(s, raw)
        if current is not None:
            sessions.revoke_session(
                s, ctx.acting_as(current.user_id), user_id=current.user_id,
                session_id=current.session_id, reason="logout",
            )
    response = JSONResponse({"ok": True})
    clear_session_cookie(response)
    return response


routes = [
    Route("/api/auth/session", redeem_session, methods=["POST"]),
    Route("/api/auth/logout", logout, methods=["POST"]),
]
