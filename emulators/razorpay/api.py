"""The Razorpay REST API over HTTP: Basic auth, injected faults, and the endpoints.

The official `razorpay` SDK (2.0.1) runs against it unchanged: point
`razorpay.Client(auth=(key_id, key_secret), base_url="http://127.0.0.1:8070")` at it (no
`/v1` suffix, plain http). Paths, auth, entity shapes, ids and error bodies mirror
Razorpay's for the calls TutorConnect makes:

    POST /v1/orders                     amount (>= 100, integer), currency, receipt (<= 40), notes, payment_capture
    GET  /v1/orders                     ?receipt= &count= &skip= &from= &to=   (collection, newest first)
    GET  /v1/orders/{id}
    GET  /v1/orders/{id}/payments
    GET  /v1/payments                   ?count= &skip= &from= &to=   GET /v1/payments/{id}
    POST /v1/payments/{id}/capture      amount must equal the authorized amount
    POST /v1/payments/{id}/refund       X-Refund-Idempotency (>= 10 of A-Z a-z 0-9 - _): the same key and body ->
                                        the same refund; the same key, another body -> 400; the same
                                        key while its first request is in flight -> 409
    GET  /v1/payments/{id}/refunds      GET /v1/payments/{id}/refunds/{rfnd}
    GET  /v1/refunds                    ?count= &skip= &from= &to=   GET /v1/refunds/{id}
    GET  /v1/checkout.js                a replacement checkout.js (window.Razorpay): checkout.py
"""

from __future__ import annotations

import asyncio
import base64
import hmac
import json
import time
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from emulators.razorpay.entities import collection
from emulators.razorpay.store import Fault, RazorpayEmulator
from emulators.razorpay.validation import (
    REQUEST_IN_FLIGHT,
    ApiError,
    check_idempotency_key,
    list_page,
    na_error,
)


def emulator_of(request: Request) -> RazorpayEmulator:
    return request.app.state.emulator


def _authenticate(emu: RazorpayEmulator, request: Request) -> None:
    header = request.headers.get("authorization", "")
    if not header.lower().startswith("basic "):
        raise na_error("Please provide your api key for authentication purposes.", 401)
    try:
        key, _, secret = base64.b64decode(header[6:].strip(), validate=True).decode().partition(":")
    except (ValueError, UnicodeDecodeError):
        raise na_error("The api key provided is invalid", 401) from None
    if key != emu.key_id:
        raise na_error("The api key provided is invalid", 401)
    if not hmac.compare_digest(secret.encode(), emu.key_secret.encode()):
        raise na_error("Authentication failed", 401)


async def read_body(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if not raw:
        return {}
    ctype = request.headers.get("content-type", "")
    try:
        if "application/x-www-form-urlencoded" in ctype:
            return {k: v for k, v in (await request.form()).items()}
        parsed = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise ApiError("The request body is not valid JSON.") from None
    if parsed is None or parsed == []:
        return {}
    if not isinstance(parsed, dict):
        raise ApiError("The request body must be a JSON object.")
    return parsed


def api(handler: Any) -> Any:
    """Wrap an API endpoint: faults, Basic auth, ApiError -> Razorpay error JSON."""

    async def endpoint(request: Request) -> Response:
        emu = emulator_of(request)
        fault = emu.take_fault(request.method, request.url.path)
        if fault is not None:
            return await _fault_response(emu, fault)
        try:
            _authenticate(emu, request)
            result = await handler(request, emu)
        except ApiError as err:
            return err.response()
        return JSONResponse(result)

    endpoint.__name__ = handler.__name__
    return endpoint


async def _fault_response(emu: RazorpayEmulator, fault: Fault) -> Response:
    status = fault.status
    if status == "hang":
        deadline = time.monotonic() + fault.hang_seconds
        while time.monotonic() < deadline and not emu.stopping:
            await asyncio.sleep(0.05)
        status = 504
    assert isinstance(status, int)
    if fault.html:
        return HTMLResponse(f"<html><body><h1>{status} Bad Gateway</h1></body></html>", status_code=status)
    if status == 429:
        err = ApiError("Too many requests", status=429, source="NA", step="NA", reason="NA")
    else:
        err = ApiError("The server encountered an error. The incident has been reported to admins.",
                       status=status, code="SERVER_ERROR", source="NA", step="NA", reason="NA")
    return err.response()


async def orders(request: Request, emu: RazorpayEmulator) -> Any:
    if request.method == "POST":
        return emu.create_order(await read_body(request)).entity()
    return collection([o.entity() for o in emu.list_orders(dict(request.query_params))])


async def order_one(request: Request, emu: RazorpayEmulator) -> Any:
    return emu.order(request.path_params["id"]).entity()


async def order_payments(request: Request, emu: RazorpayEmulator) -> Any:
    order = emu.order(request.path_params["id"])
    with emu.lock:
        pays = [p.entity() for p in emu.payments.values() if p.order_id == order.id]
    return collection(list(reversed(pays)))


async def payments(request: Request, emu: RazorpayEmulator) -> Any:
    with emu.lock:
        pays = list(emu.payments.values())
    return collection([p.entity() for p in list_page(pays, dict(request.query_params))])


async def payment_one(request: Request, emu: RazorpayEmulator) -> Any:
    return emu.payment(request.path_params["id"]).entity()


async def payment_capture(request: Request, emu: RazorpayEmulator) -> Any:
    return emu.capture(request.path_params["id"], await read_body(request)).entity()


async def payment_refund(request: Request, emu: RazorpayEmulator) -> Any:
    key = request.headers.get("x-refund-idempotency")
    body = await read_body(request)
    if key is None:
        return emu.refund(request.path_params["id"], body, None).entity()
    check_idempotency_key(key)
    with emu.lock:
        if key in emu.in_flight:
            raise ApiError(REQUEST_IN_FLIGHT, status=409)
        emu.in_flight.add(key)
        latency = emu.refund_latency
    try:
        deadline = time.monotonic() + latency
        while time.monotonic() < deadline and emu.refund_latency:  # refund_latency(0) lets it go at once
            await asyncio.sleep(0.01)
        return emu.refund(request.path_params["id"], body, key).entity()
    finally:
        with emu.lock:
            emu.in_flight.discard(key)


async def payment_refunds(request: Request, emu: RazorpayEmulator) -> Any:
    pay = emu.payment(request.path_params["id"])
    with emu.lock:
        refs = [r.entity() for r in emu.refunds.values() if r.payment_id == pay.id]
    return collection(list(reversed(refs)))


async def payment_refund_one(request: Request, emu: RazorpayEmulator) -> Any:
    ref = emu.refund_entity(request.path_params["rid"])
    if ref.payment_id != request.path_params["id"]:
        raise ApiError("The id provided does not exist", field_name="id")
    return ref.entity()


async def refunds(request: Request, emu: RazorpayEmulator) -> Any:
    with emu.lock:
        refs = list(emu.refunds.values())
    return collection([r.entity() for r in list_page(refs, dict(request.query_params))])


async def refund_one(request: Request, emu: RazorpayEmulator) -> Any:
    return emu.refund_entity(request.path_params["id"]).entity()


def routes() -> list[Route]:
    return [
        Route("/v1/orders", api(orders), methods=["GET", "POST"]),
        Route("/v1/orders/{id}", api(order_one)),
        Route("/v1/orders/{id}/payments", api(order_payments)),
        Route("/v1/payments", api(payments)),
        Route("/v1/payments/{id}", api(payment_one)),
        Route("/v1/payments/{id}/capture", api(payment_capture), methods=["POST"]),
        Route("/v1/payments/{id}/refund", api(payment_refund), methods=["POST"]),
        Route("/v1/payments/{id}/refunds", api(payment_refunds)),
        Route("/v1/payments/{id}/refunds/{rid}", api(payment_refund_one)),
        Route("/v1/refunds", api(refunds)),
        Route("/v1/refunds/{id}", api(refund_one)),
    ]
