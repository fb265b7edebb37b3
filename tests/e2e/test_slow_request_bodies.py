"""A request body that stops arriving is answered 408 and the connection closed, on any
route, within the configured body timeouts (issue #14, item 3). Before the fix, a body
declared as 1000 bytes of which 7 were sent held the connection for more than 300 s.

The app here is a live app of its own (production build, the same single port as
`reflex run --env prod`) started with short timeouts, so the test takes seconds:
REQUEST_BODY_IDLE_SECONDS=2 (longest pause inside a body), REQUEST_BODY_TIMEOUT_SECONDS=3
(grace before the minimum rate applies), REQUEST_BODY_MIN_RATE=1000 bytes a second and
REQUEST_BODY_MAX_PER_CLIENT=3 bodies in progress per client address."""

from __future__ import annotations

import os
import socket
import threading
import time
import uuid

import httpx
import pytest

pytestmark = pytest.mark.e2e

IDLE, GRACE, MIN_RATE, PER_CLIENT = 2, 3, 1000, 3


@pytest.fixture(scope="module")
def strict_app():
    from tests.e2e.conftest import ARTIFACTS
    from tests.support.live_app import drop_database, start_live_app
    from tests.support.parallel import worker_id

    env = {**os.environ, "REQUEST_BODY_IDLE_SECONDS": str(IDLE), "REQUEST_BODY_TIMEOUT_SECONDS": str(GRACE),
           "REQUEST_BODY_MIN_RATE": str(MIN_RATE), "REQUEST_BODY_MAX_PER_CLIENT": str(PER_CLIENT)}
    app = start_live_app(ARTIFACTS / f"live-app-slow-bodies-{worker_id()}", redis=False, name="e2e-slow-bodies",
                         base_env=env)
    yield app
    app.stop()
    drop_database(app.database_url)


def _open(app, path: str, *, method: str = "POST", length: int = 1000, first: bytes = b"1234567",
          source: str = "127.0.0.1", headers: str = "Content-Type: application/json\r\n") -> socket.socket:
    port = int(app.base_url.rsplit(":", 1)[1])
    sock = socket.socket()
    sock.bind((source, 0))
    sock.connect(("127.0.0.1", port))
    sock.sendall(f"{method} {path} HTTP/1.1\r\nHost: localhost:{port}\r\n{headers}"
                 f"Content-Length: {length}\r\n\r\n".encode() + first)
    return sock


def _answer(sock: socket.socket, limit: float) -> tuple[bytes, float, bool]:
    """(what the server sent, seconds until it closed or `limit` passed, closed?)."""
    start = time.monotonic()
    sock.settimeout(0.2)
    data = b""
    while time.monotonic() - start < limit:
        try:
            chunk = sock.recv(65536)
        except socket.timeout:
            continue
        except ConnectionResetError:
            return data, time.monotonic() - start, True
        if not chunk:
            return data, time.monotonic() - start, True
        data += chunk
    return data, time.monotonic() - start, False


# Routes that read their body: Reflex's upload endpoint, our cookie route, the webhook,
# and a path only the frontend mount answers.
@pytest.mark.parametrize("path", ["/api/webhooks/razorpay", "/api/auth/session", "/_upload", "/login"])
def test_a_stalled_body_is_answered_408_within_the_idle_timeout(strict_app, path):
    sock = _open(strict_app, path)
    try:
        data, took, closed = _answer(sock, IDLE + 6)
    finally:
        sock.close()
    assert closed, f"{path}: connection still open after {took:.1f}s; got {data[:200]!r}"
    assert took < IDLE + 4, f"{path}: held for {took:.1f}s"
    if data:  # a route that never reads its body is answered at once and the socket closed
        status = data.split(b"\r\n", 1)[0]
        assert status.startswith(b"HTTP/1.1 "), data[:200]
        if took >= IDLE - 0.5:
            assert status == b"HTTP/1.1 408 Request Timeout", data[:300]
            assert b"x-frame-options: DENY" in data.lower().replace(b"deny", b"DENY")


def test_a_stalled_upload_to_reflex_is_answered_408(strict_app):
    """Reflex's own upload endpoint, with the headers rx.upload sends: it starts parsing
    the multipart body and waits for the rest."""
    from tests.support.reflex_ws import handler_name
    from tutorconnect.state.onboarding import OnboardingState

    headers = (f"Content-Type: multipart/form-data; boundary=XyZ\r\nreflex-client-token: {uuid.uuid4()}\r\n"
               f"reflex-event-handler: {handler_name(OnboardingState.upload_document)}\r\n")
    sock = _open(strict_app, "/_upload", headers=headers, length=5000,
                 first=b'--XyZ\r\nContent-Disposition: form-data; name="files"; filename="a.pdf"\r\n\r\n%PDF-1.4')
    try:
        data, took, closed = _answer(sock, IDLE + 6)
    finally:
        sock.close()
    assert closed and data.startswith(b"HTTP/1.1 408 Request Timeout"), (took, data[:300])
    assert IDLE - 0.5 < took < IDLE + 4, took


def test_a_body_dripped_below_the_minimum_rate_is_cut_off(strict_app):
    """One byte a second never trips the idle timeout; the minimum rate stops it after
    the grace period (3 s + 1 byte / 1000 B/s), long before the declared 100 kB arrive."""
    sock = _open(strict_app, "/api/webhooks/razorpay", length=100_000, first=b"{")
    stop = threading.Event()

    def drip() -> None:
        while not stop.wait(1):
            try:
                sock.sendall(b" ")
            except OSError:
                return

    threading.Thread(target=drip, daemon=True).start()
    try:
        data, took, closed = _answer(sock, GRACE + 8)
    finally:
        stop.set()
        sock.close()
    assert closed and data.startswith(b"HTTP/1.1 408"), (took, data[:200])
    assert GRACE - 0.5 < took < GRACE + 4, took


def test_too_many_bodies_in_progress_from_one_address_are_refused(strict_app):
    # A loopback address of its own: the other tests' sockets never count against it.
    source = "127.0.0.77"
    held = [_open(strict_app, "/api/webhooks/razorpay", source=source) for _ in range(PER_CLIENT)]
    try:
        time.sleep(0.3)  # the server has started reading each of them
        extra = _open(strict_app, "/api/webhooks/razorpay", source=source)
        try:
            data, took, _ = _answer(extra, 2)
        finally:
            extra.close()
        assert data.startswith(b"HTTP/1.1 429"), data[:200]
        assert took < 1.5
        # Another address is not affected.
        other = httpx.post(f"{strict_app.base_url}/api/auth/session", content=b"{}", timeout=5,
                           headers={"Content-Type": "application/json"})
        assert other.status_code != 429
    finally:
        for sock in held:
            sock.close()


def test_an_ordinary_body_still_works(strict_app):
    response = httpx.post(f"{strict_app.base_url}/api/auth/session", json={"code": "x" * 40}, timeout=10,
                          headers={"Origin": strict_app.base_url})
    assert response.status_code in (400, 401, 403), response.text
