"""The Razorpay emulator app: its routes assembled, served from a background thread
(`start_in_thread`, `running`), and the fixed local keys it starts with."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from starlette.applications import Starlette
from starlette.routing import Route

from emulators.razorpay import api, checkout, pages
from emulators.razorpay.controls import CONTROL_ROUTES, Controls, control_endpoint
from emulators.razorpay.store import RazorpayEmulator
from emulators.serving import BackgroundServer

LOCAL_KEY_ID = "rzp_test_local000000000"
LOCAL_KEY_SECRET = "local-razorpay-secret"
LOCAL_WEBHOOK_SECRET = "local-webhook-secret"
WEBHOOK_PATH = "/api/webhooks/razorpay"


def create_app(key_id: str = LOCAL_KEY_ID, key_secret: str = LOCAL_KEY_SECRET, webhook_url: str | None = None,
               webhook_secret: str | None = LOCAL_WEBHOOK_SECRET, **options: Any) -> Starlette:
    emu = RazorpayEmulator(key_id, key_secret, webhook_url, webhook_secret, **options)
    routes = [
        Route("/", pages.dashboard),
        Route("/favicon.ico", pages.favicon),
        Route("/v1/checkout.js", checkout.checkout_js),
        *api.routes(),
        Route("/_emulator/checkout/pay", checkout.checkout_pay, methods=["POST", "OPTIONS"]),
        Route("/_emulator/demo", checkout.demo),
    ]
    routes += [Route(path, control_endpoint(name), methods=methods)
               for path, (name, methods) in CONTROL_ROUTES.items()]
    app = Starlette(routes=routes)
    app.state.emulator = emu
    app.state.controls = Controls(emu)
    return app


class RunningRazorpay:
    """The emulator served from a background thread: `url`, `controls`, `emulator`, `stop()`."""

    def __init__(self, host: str, port: int, **app_kwargs: Any):
        self.app = create_app(**app_kwargs)
        self.emulator: RazorpayEmulator = self.app.state.emulator
        self.controls: Controls = self.app.state.controls
        self._server = BackgroundServer(self.app, host, port)
        self.url = self._server.url

    def start(self) -> "RunningRazorpay":
        self._server.start()
        return self

    def stop(self) -> None:
        self.emulator.stop()
        self._server.stop()


def start_in_thread(host: str = "127.0.0.1", port: int = 0, *, key_id: str = LOCAL_KEY_ID,
                    key_secret: str = LOCAL_KEY_SECRET, webhook_url: str | None = None,
                    webhook_secret: str | None = LOCAL_WEBHOOK_SECRET, **options: Any) -> RunningRazorpay:
    """Start on `port` (0 = a free one) in a daemon thread. Options: webhook_base_delay,
    webhook_max_delay, webhook_max_attempts (default: none, the 24-hour window decides),
    webhook_retry_window, webhook_timeout, refund_delay (seconds or a (low, high) range)."""
    return RunningRazorpay(host, port, key_id=key_id, key_secret=key_secret, webhook_url=webhook_url,
                           webhook_secret=webhook_secret, **options).start()


@contextlib.contextmanager
def running(host: str = "127.0.0.1", port: int = 0, **kwargs: Any) -> Iterator[RunningRazorpay]:
    handle = start_in_thread(host, port, **kwargs)
    try:
        yield handle
    finally:
        handle.stop()
