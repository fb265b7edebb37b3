"""Slow and stalled request bodies (issue #14): a deadline on every body, and a cap on
bodies in progress per client address.

The backend runs on Granian (Reflex 0.10's production server when gunicorn is not
installed). Granian bounds the time to read the request *headers*, and answers and closes a
connection whose body the app never reads, but it has no timeout while the app waits for a
body, and Reflex starts it with no way to set its timeouts: a request declaring 1000 bytes
and sending 7 held its connection (and the handler awaiting it) for as long as the client
kept it open.

`RequestBodyLimitMiddleware` wraps `receive` for every HTTP request that has a body:
- each piece of the body must arrive within REQUEST_BODY_IDLE_SECONDS of the app asking
  for it (handlers read their body at once, so: of the previous piece);
- after REQUEST_BODY_TIMEOUT_SECONDS, the body must have arrived at an average of at least
  REQUEST_BODY_MIN_RATE bytes a second since the request started (a body dripped a byte at
  a time never pauses long, but falls behind this at once); so a whole body of N bytes has
  at most TIMEOUT + N / MIN_RATE seconds, and a legitimate 10 MB upload at the default
  10 kB/s minimum about 17 minutes;
- a client address may have REQUEST_BODY_MAX_PER_CLIENT bodies in progress in one backend
  worker; one more is answered 429 at once, before its body is read.
A body too slow is answered `408 Request Timeout` with `Connection: close` (Granian closes a
connection whose body was not read to the end); the app's handler sees `http.disconnect`
(Starlette raises ClientDisconnect) and anything it still sends is dropped.
"""

from __future__ import annotations

import asyncio
import logging

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tutorconnect.api.request_context import client_ip
from tutorconnect.config import get_settings

log = logging.getLogger(__name__)

_DISCONNECT: Message = {"type": "http.disconnect"}


def _declared_body(scope: Scope) -> tuple[bool, int | None]:
    """(has a body, its declared length or None when chunked)."""
    length = None
    chunked = False
    for name, value in scope.get("headers") or ():
        name = bytes(name).lower()
        if name == b"content-length":
            try:
                length = int(value)
            except ValueError:
                length = None
        elif name == b"transfer-encoding":
            chunked = True
    return (chunked or bool(length)), length


async def _plain_answer(send: Send, status: int, text: str, extra: list[tuple[bytes, bytes]] = ()) -> None:
    body = text.encode()
    await send({"type": "http.response.start", "status": status, "headers": [
        (b"content-type", b"text/plain; charset=utf-8"), (b"content-length", str(len(body)).encode()),
        (b"connection", b"close"), (b"cache-control", b"no-store"), *extra]})
    await send({"type": "http.response.body", "body": body})


class RequestBodyLimitMiddleware:
    def __init__(self, app: ASGIApp, *, idle_seconds: float | None = None, timeout_seconds: float | None = None,
                 min_rate: int | None = None, max_per_client: int | None = None):
        settings = get_settings()
        self.app = app
        self.idle = idle_seconds if idle_seconds is not None else settings.request_body_idle_seconds
        self.grace = timeout_seconds if timeout_seconds is not None else settings.request_body_timeout_seconds
        self.min_rate = min_rate if min_rate is not None else settings.request_body_min_rate
        self.max_per_client = max_per_client if max_per_client is not None else settings.request_body_max_per_client
        self.in_progress: dict[str, int] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        has_body, declared = _declared_body(scope) if scope["type"] == "http" else (False, None)
        if not has_body:
            await self.app(scope, receive, send)
            return
        client = client_ip(Request(scope))
        if self.in_progress.get(client, 0) >= self.max_per_client:
            log.warning("request refused: too many bodies in progress from one client",
                        extra={"path": scope.get("path", "")[:200], "client_ip": client})
            await _plain_answer(send, 429, "Too many requests in progress; try again shortly.",
                                [(b"retry-after", str(max(1, round(self.idle))).encode())])
            return
        self.in_progress[client] = self.in_progress.get(client, 0) + 1
        loop = asyncio.get_running_loop()
        start = loop.time()
        received = 0
        counted = True
        body_done = False
        timed_out = False  # from then on the app gets a disconnect and its sends are dropped
        response_started = False

        def release() -> None:
            nonlocal counted
            if counted:
                counted = False
                left = self.in_progress.get(client, 1) - 1
                if left > 0:
                    self.in_progress[client] = left
                else:
                    self.in_progress.pop(client, None)

        async def timed_receive() -> Message:
            nonlocal received, body_done, timed_out, response_started
            if timed_out:
                return _DISCONNECT
            if body_done:
                return await receive()  # after the body: e.g. waiting for a disconnect
            # The idle limit counts from when the app asks (a chunk already buffered is never
            # the client's delay); the rate limit from the request's start.
            deadline = min(loop.time() + self.idle, start + self.grace + received / self.min_rate)
            try:
                async with asyncio.timeout_at(deadline):
                    message = await receive()
            except TimeoutError:
                release()
                log.warning("request body too slow: answered 408", extra={
                    "path": scope.get("path", "")[:200], "client_ip": client, "received_bytes": received,
                    "declared_bytes": declared, "seconds": round(loop.time() - start, 1)})
                timed_out = True
                if not response_started:
                    response_started = True
                    await _plain_answer(send, 408, "The request body did not arrive in time.")
                return _DISCONNECT
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if not message.get("more_body", False):
                    body_done = True
                    release()
            else:
                body_done = True
                release()
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal response_started
            if timed_out:
                return
            if message["type"] == "http.response.start":
                response_started = True
            await send(message)

        try:
            await self.app(scope, timed_receive, guarded_send)
        except Exception:
            if not timed_out:
                raise
            # The handler failed on the disconnect it was given (ClientDisconnect and the
            # like); the client already has its 408.
            log.debug("handler failed after a body timeout", exc_info=True)
        finally:
            release()
