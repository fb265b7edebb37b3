"""Body deadlines and the per-client cap (api/request_body_limits.py), in process with a
scripted client; the live app's behaviour on a raw socket is in
tests/e2e/test_slow_request_bodies.py."""

from __future__ import annotations

import asyncio
import time

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from tutorconnect.api.request_body_limits import RequestBodyLimitMiddleware

# Long enough that a busy machine's event-loop lag (tenths of a second) cannot decide a
# test: each bound says "at the limit, not before, and not never" (a stalled client would
# otherwise be waited for an hour), never how fast the machine is.
IDLE, GRACE, RATE = 1.0, 2.0, 100
SLACK = 2.0


async def _read(request: Request):
    body = await request.body()
    return PlainTextResponse(f"read {len(body)}")


def _app(**limits) -> RequestBodyLimitMiddleware:
    settings = {"idle_seconds": IDLE, "timeout_seconds": GRACE, "min_rate": RATE, "max_per_client": 2, **limits}
    return RequestBodyLimitMiddleware(Starlette(routes=[Route("/", _read, methods=["POST"])]), **settings)


def _scope(length: int | None, client: str = "10.0.0.1") -> dict:
    headers = [(b"host", b"t")] + ([(b"content-length", str(length).encode())] if length is not None else [])
    return {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "path": "/",
            "raw_path": b"/", "query_string": b"", "headers": headers, "client": (client, 1234),
            "server": ("t", 80), "scheme": "http", "root_path": ""}


async def _call(app, scope, pieces: list[tuple[float, bytes, bool]]):
    """Runs one request: `pieces` are (delay, bytes, more_body); after them the client
    sends nothing more. Returns (status, body, seconds until the response started)."""
    queue = list(pieces)
    sent: list[dict] = []
    start = time.monotonic()
    started_at: list[float] = []

    async def receive():
        if queue:
            delay, body, more = queue.pop(0)
            await asyncio.sleep(delay)
            return {"type": "http.request", "body": body, "more_body": more}
        await asyncio.sleep(3600)  # a client that stalls

    async def send(message):
        if message["type"] == "http.response.start":
            started_at.append(time.monotonic() - start)
        sent.append(message)

    await asyncio.wait_for(app(scope, receive, send), 30)  # only so a broken limit cannot hang the run
    status = next(m["status"] for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return status, body, started_at[0], sent


def test_a_stalled_body_gets_408_after_the_idle_timeout_and_the_handler_response_is_dropped():
    status, body, took, sent = asyncio.run(_call(_app(), _scope(1000), [(0, b"1234567", True)]))
    assert status == 408 and b"did not arrive" in body
    assert IDLE - 0.05 < took < IDLE + SLACK
    starts = [m for m in sent if m["type"] == "http.response.start"]
    assert len(starts) == 1 and (b"connection", b"close") in starts[0]["headers"]


def test_a_body_dripped_below_the_minimum_rate_is_cut_off_after_the_grace():
    drip = [(0.4, b"x", True)] * 40  # never idle for IDLE, 2.5 bytes a second against 100
    status, _, took, _ = asyncio.run(_call(_app(), _scope(10_000), drip))
    assert status == 408
    assert GRACE - 0.05 < took < GRACE + SLACK


def test_a_body_that_keeps_the_rate_is_read_whole():
    pieces = [(0.1, b"x" * 50, True)] * 9 + [(0.1, b"x" * 50, False)]  # 500 bytes a second, 1 s
    status, body, _, _ = asyncio.run(_call(_app(), _scope(500), pieces))
    assert (status, body) == (200, b"read 500")


def test_requests_without_a_body_are_not_timed():
    async def run():
        app = _app()
        sent = []

        async def receive():
            await asyncio.sleep(IDLE * 2)  # the app never waits on it for long anyway
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message):
            sent.append(message)

        await app(_scope(None), receive, send)
        return sent[0]["status"], app.in_progress

    assert asyncio.run(run()) == (200, {})


def test_one_client_may_have_a_few_bodies_in_progress_and_others_are_unaffected():
    async def run():
        app = _app(idle_seconds=3.0, timeout_seconds=4.0)
        stalled = [asyncio.create_task(_call(app, _scope(1000), [(0, b"1", True)])) for _ in range(2)]
        await asyncio.sleep(0.1)
        assert app.in_progress == {"10.0.0.1": 2}
        refused = await _call(app, _scope(1000), [(0, b"1", True)])
        other = await _call(app, _scope(3, client="10.0.0.2"), [(0, b"abc", False)])
        results = await asyncio.gather(*stalled)
        return refused, other, results, app.in_progress

    refused, other, results, left = asyncio.run(run())
    assert refused[0] == 429 and refused[2] < 2.0  # at once, not after the 3 s idle limit
    assert (other[0], other[1]) == (200, b"read 3")
    assert [r[0] for r in results] == [408, 408]
    assert left == {}


def test_a_handler_that_fails_on_the_disconnect_after_a_timeout_is_quiet():
    async def failing(request: Request):
        await request.body()  # raises ClientDisconnect on the disconnect it is given
        return PlainTextResponse("never")

    async def broken(request: Request):
        try:
            await request.body()
        except Exception:
            raise RuntimeError("handler blew up") from None

    for endpoint in (failing, broken):
        app = RequestBodyLimitMiddleware(Starlette(routes=[Route("/", endpoint, methods=["POST"])]),
                                         idle_seconds=IDLE, timeout_seconds=GRACE, min_rate=RATE, max_per_client=2)
        status, _, _, sent = asyncio.run(_call(app, _scope(100), [(0, b"1", True)]))
        assert status == 408 and len([m for m in sent if m["type"] == "http.response.start"]) == 1
        assert app.in_progress == {}
