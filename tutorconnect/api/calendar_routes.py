"""Calendar downloads (Starlette routes; mounted by api/app.py from `routes`).

GET /api/bookings/{booking_id}.ics  one booking as an .ics attachment, for its student,
                                    tutor or an admin (tc_session cookie); 404 otherwise
GET /calendar/{token}.ics           a user's private feed (the token is the credential);
                                    404 for unknown or revoked tokens
"""

from __future__ import annotations

import re
import uuid

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from tutorconnect.api.cookies import token_from_request
from tutorconnect.api.request_context import context_from_request
from tutorconnect.db import session_scope
from tutorconnect.services import calendar_feed, sessions
from tutorconnect.services.errors import DomainError

_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_REFERENCE_SAFE = re.compile(r"[^A-Za-z0-9_-]")
CALENDAR_TYPE = "text/calendar; charset=utf-8"


def _common(response: Response, cache: str) -> Response:
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = cache
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _not_found() -> Response:
    return _common(PlainTextResponse("Not found", status_code=404), "private, no-store")


async def booking_calendar(request: Request) -> Response:
    raw_id = request.path_params.get("booking_id", "")
    if not isinstance(raw_id, str) or not _UUID.fullmatch(raw_id):
        return _not_found()
    booking_id = uuid.UUID(raw_id)
    ctx = context_from_request(request)
    try:
        with session_scope() as s:
            current = sessions.resolve(s, token_from_request(request))
            if current is None:
                return _not_found()
            body = calendar_feed.booking_ics(s, ctx.acting_as(current.user_id), booking_id)
            reference = calendar_feed.booking_reference(s, booking_id)
    except DomainError:
        return _not_found()  # NotFound for everyone who may not see it
    filename = (_REFERENCE_SAFE.sub("_", reference) or "booking") + ".ics"
    response = Response(body, media_type=CALENDAR_TYPE)
    response.headers["Content-Type"] = CALENDAR_TYPE
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return _common(response, "private, no-store")


async def user_feed(request: Request) -> Response:
    token = request.path_params.get("token", "")
    try:
        with session_scope() as s:
            body = calendar_feed.feed_ics(s, token)
    except DomainError:
        return _not_found()
    response = Response(body, media_type=CALENDAR_TYPE)
    response.headers["Content-Type"] = CALENDAR_TYPE
    response.headers["Content-Disposition"] = 'inline; filename="tutorconnect.ics"'
    return _common(response, "private, max-age=300")


routes = [
    Route("/api/bookings/{booking_id}.ics", booking_calendar, methods=["GET"]),
    Route("/calendar/{token}.ics", user_feed, methods=["GET"]),
]
