"""Razorpay webhooks (Starlette route; mounted by api/app.py from `routes`).

POST /api/webhooks/razorpay   configure this URL in the Razorpay dashboard (events:
                              payment.authorized, payment.captured, payment.failed,
                              order.paid, refund.processed, refund.failed)

The raw body is read (at most WEBHOOK_MAX_BYTES; 413 beyond) and handed unparsed to
services.payments.ingest_webhook, which verifies X-Razorpay-Signature over those exact
bytes. 400 for a missing/forged signature or a body that is not an event (nothing
stored); 200 for an accepted event, including duplicates (so Razorpay stops resending);
500 for anything unexpected (Razorpay retries later; the event was not committed).
"""

from __future__ import annotations

import logging

from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tutorconnect.background import nudge
from tutorconnect.db import session_scope
from tutorconnect.services import payments
from tutorconnect.services.errors import InvalidInput

log = logging.getLogger(__name__)

WEBHOOK_PATH = "/api/webhooks/razorpay"


def _json(body: dict, status: int) -> Response:
    response = JSONResponse(body, status_code=status)
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


async def _read_limited(request: Request, limit: int) -> bytes | None:
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > limit):
        return None
    chunks: list[bytes] = []
    seen = 0
    async for chunk in request.stream():
        seen += len(chunk)
        if seen > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def _ingest(raw: bytes, signature: str | None, event_id: str | None) -> payments.WebhookResult:
    with session_scope() as s:
        return payments.ingest_webhook(s, raw, signature, event_id)


async def razorpay_webhook(request: Request) -> Response:
    try:
        raw = await _read_limited(request, payments.WEBHOOK_MAX_BYTES)
    except ClientDisconnect:
        return _json({"error": "incomplete body"}, 400)
    if raw is None:
        return _json({"error": "body too large"}, 413)
    signature = request.headers.get("x-razorpay-signature")
    event_id = request.headers.get("x-razorpay-event-id")
    try:
        result = await run_in_threadpool(_ingest, raw, signature, event_id)
    except payments.InvalidSignature:
        log.warning("razorpay webhook with a bad signature", extra={"event_id": (event_id or "")[:100]})
        return _json({"error": "invalid signature"}, 400)
    except InvalidInput as err:
        return _json({"error": err.message}, 400)
    nudge()  # refunds queued by this event run now rather than at the next poll
    return _json({"status": "duplicate" if result.duplicate else "ok", "outcome": result.outcome}, 200)


routes = [Route(WEBHOOK_PATH, razorpay_webhook, methods=["POST"])]
