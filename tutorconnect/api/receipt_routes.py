"""PDF receipts (Starlette route; mounted by api/app.py from `routes`).

GET /api/receipts/{booking_id}.pdf   the booking's receipt, for its student or an admin
                                     (tc_session cookie); 404 for everyone else, unpaid
                                     bookings and malformed ids alike
"""

from __future__ import annotations

import re
import uuid

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from tutorconnect.api.cookies import token_from_request
from tutorconnect.api.request_context import context_from_request
from tutorconnect.db import session_scope
from tutorconnect.services import payments, sessions
from tutorconnect.services.errors import DomainError

_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_SAFE = re.compile(r"[^A-Za-z0-9_-]")


def _common(response: Response) -> Response:
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _not_found() -> Response:
    return _common(PlainTextResponse("Not found", status_code=404))


def _build(request: Request, booking_id: uuid.UUID) -> tuple[bytes, str] | None:
    ctx = context_from_request(request)
    try:
        with session_scope() as s:
            current = sessions.resolve(s, token_from_request(request))
            if current is None:
                return None
            receipt = payments.receipt_for(s, ctx.acting_as(current.user_id), booking_id,
                                           is_admin=current.role == "admin")
            zone = current.time_zone or "UTC"
    except DomainError:
        return None
    return payments.render_receipt_pdf(receipt, zone), receipt.reference


async def receipt_pdf(request: Request) -> Response:
    raw_id = request.path_params.get("booking_id", "")
    if not isinstance(raw_id, str) or not _UUID.fullmatch(raw_id):
        return _not_found()
    built = await run_in_threadpool(_build, request, uuid.UUID(raw_id))
    if built is None:
        return _not_found()
    body, reference = built
    response = Response(body, media_type="application/pdf")
    name = "receipt-" + (_SAFE.sub("_", reference) or "booking") + ".pdf"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return _common(response)


routes = [Route("/api/receipts/{booking_id}.pdf", receipt_pdf, methods=["GET"])]
