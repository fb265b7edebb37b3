"""Test controls: the `Controls` object (`handle.controls`) and the same operations over
HTTP under /_emulator/ (see CONTROL_ROUTES): pay an order, capture at a wrong amount or
currency, late capture, refund mode,
webhook refund latency (a request in flight), webhook duplicate / drop / delay /
hold+release (reorder) / pause / resume / flush / redeliver, API fault injection (5xx,
429, hang), deliveries list, reset."""

from __future__ import annotations

import asyncio
import inspect
import re
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from emulators.razorpay.api import read_body
from emulators.razorpay.store import RazorpayEmulator
from emulators.razorpay.validation import ApiError


class Controls:
    """The test controls (also served over HTTP under /_emulator/)."""

    def __init__(self, emu: RazorpayEmulator):
        self._emu = emu
        self.webhooks = emu.webhooks

    # Payments
    def pay(self, order_id: str, outcome: str = "success", method: str = "card") -> dict[str, Any]:
        """outcome: "success" (handler fields), a FAILURES key ({error: ...}), or "pending"
        (the payment stays `created`, no event; later late_capture / fail_pending)."""
        return self._emu.attempt(order_id, outcome, method=method)

    def capture_at(self, order_id: str, amount: int, currency: str | None = None,
                   method: str = "card") -> dict[str, Any]:
        """A payment captured at another amount or currency than its order's (a test-only
        control: Razorpay's checkout never lets a customer do this)."""
        return self._emu.capture_at(order_id, amount, currency, method=method)

    def late_capture(self, payment_id: str) -> dict[str, Any]:
        return self._emu.late_capture(payment_id).entity()

    def authorize_late(self, payment_id: str) -> dict[str, Any]:
        """Late authorization: the payment stays `authorized` (even on an auto-capture order)."""
        return self._emu.authorize_late(payment_id).entity()

    def expire_authorization(self, payment_id: str) -> dict[str, Any]:
        """Razorpay's automatic refund of an authorized payment left uncaptured."""
        return self._emu.expire_authorization(payment_id).entity()

    def fail_pending(self, payment_id: str, reason: str = "payment_cancelled") -> dict[str, Any]:
        return self._emu.fail_pending(payment_id, reason).entity()

    # Refunds
    def refund_mode(self, mode: str = "auto", delay: float | list[float] | None = None) -> None:
        """auto: refunds are processed after `delay` seconds (a number or [low, high]); hold:
        they stay pending until process_refund / fail_refund; fail: they fail after `delay`;
        instant: the create answer itself says `processed` (refund.processed follows at once)."""
        self._emu.set_refund_mode(mode, delay)

    def refund_latency(self, seconds: float = 0.0) -> None:
        """Each refund request with an idempotency key takes `seconds` before it is answered;
        a request with the same key arriving meanwhile gets Razorpay's 409 (in flight).
        Setting it back to 0 lets the requests still waiting finish at once, so a test can
        hold one in flight for as long as it needs, however slow the machine."""
        if not 0 <= float(seconds) <= 60:
            raise ValueError("seconds must be from 0 to 60")
        with self._emu.lock:
            self._emu.refund_latency = float(seconds)

    def in_flight(self) -> list[str]:
        """The idempotency keys whose refund request is being processed now."""
        with self._emu.lock:
            return sorted(self._emu.in_flight)

    def process_refund(self, refund_id: str) -> dict[str, Any]:
        return self._emu.process_refund(refund_id).entity()

    def fail_refund(self, refund_id: str) -> dict[str, Any]:
        return self._emu.fail_refund(refund_id).entity()

    # Webhooks
    def configure_webhook(self, url: str | None = None, secret: str | None = None) -> None:
        with self.webhooks.cond:
            if url is not None:
                self.webhooks.url = url
            if secret is not None:
                self.webhooks.secret = secret

    def duplicate_next(self, count: int = 1, times: int = 2, event: str | None = None, every: float = 0.0) -> None:
        """Deliver each of the next `count` events (of type `event`, or any) `times` times,
        all with the same event id and body, the copies `every` seconds apart (hours, if a
        test wants Razorpay's late redeliveries)."""
        self.webhooks.duplicate_next(count, times, event, every)

    def drop_next(self, count: int = 1, event: str | None = None) -> None:
        """Never deliver the next `count` events (of type `event`, or any); `redeliver` can."""
        self.webhooks.drop_next(count, event)

    def delay_next(self, seconds: float, count: int = 1, event: str | None = None) -> None:
        """Hold back the next `count` events (of type `event`, or any) for `seconds`."""
        self.webhooks.delay_next(seconds, count, event)

    def hold(self) -> None:
        self.webhooks.hold()

    def release(self, order: str | list[str] = "reverse") -> list[str]:
        return self.webhooks.release(order)

    def pause(self) -> None:
        self.webhooks.pause()

    def resume(self) -> None:
        self.webhooks.resume()

    def flush(self, timeout: float = 10.0) -> bool:
        return self.webhooks.flush(timeout)

    def wait_idle(self, timeout: float = 10.0) -> bool:
        return self.webhooks.wait_idle(timeout)

    def redeliver(self, event_id: str) -> bool:
        return self.webhooks.redeliver(event_id)

    def deliveries(self, event: str | None = None) -> list[dict[str, Any]]:
        return [d for d in self.webhooks.summaries() if event is None or d["event"] == event]

    # Faults
    def inject_fault(self, path: str, status: int | str = 500, count: int = 1, method: str | None = None,
                     hang_seconds: float = 30.0, html: bool = False) -> None:
        self._emu.inject_fault(path, status, count, method, hang_seconds, html)

    def clear_faults(self) -> None:
        self._emu.clear_faults()

    # Everything
    def state(self) -> dict[str, Any]:
        return self._emu.snapshot()

    def reset(self) -> None:
        self._emu.reset()


def control_endpoint(name: str) -> Any:
    async def endpoint(request: Request) -> Response:
        controls: Controls = request.app.state.controls
        method = getattr(controls, name)
        try:
            kwargs = await read_body(request) if request.method == "POST" else dict(request.query_params)
            kwargs = {**kwargs, **request.path_params}
            inspect.signature(method).bind(**kwargs)
            result = await asyncio.to_thread(method, **kwargs)  # flush/wait may block
        except ApiError as err:
            return err.response()
        except (TypeError, ValueError, re.error) as err:
            return ApiError(f"Bad control call: {err}").response()
        return JSONResponse({"ok": True, "result": result})

    endpoint.__name__ = f"control_{name}"
    return endpoint


CONTROL_ROUTES = {
    # path: (control method, HTTP methods)
    "/_emulator/orders/{order_id}/pay": ("pay", ["POST"]),
    "/_emulator/orders/{order_id}/capture_at": ("capture_at", ["POST"]),
    "/_emulator/payments/{payment_id}/late_capture": ("late_capture", ["POST"]),
    "/_emulator/payments/{payment_id}/authorize_late": ("authorize_late", ["POST"]),
    "/_emulator/payments/{payment_id}/expire_authorization": ("expire_authorization", ["POST"]),
    "/_emulator/payments/{payment_id}/fail": ("fail_pending", ["POST"]),
    "/_emulator/refunds/mode": ("refund_mode", ["POST"]),
    "/_emulator/refunds/latency": ("refund_latency", ["POST"]),
    "/_emulator/refunds/in_flight": ("in_flight", ["GET"]),
    "/_emulator/refunds/{refund_id}/process": ("process_refund", ["POST"]),
    "/_emulator/refunds/{refund_id}/fail": ("fail_refund", ["POST"]),
    "/_emulator/webhooks/config": ("configure_webhook", ["POST"]),
    "/_emulator/webhooks/duplicate": ("duplicate_next", ["POST"]),
    "/_emulator/webhooks/drop": ("drop_next", ["POST"]),
    "/_emulator/webhooks/delay": ("delay_next", ["POST"]),
    "/_emulator/webhooks/hold": ("hold", ["POST"]),
    "/_emulator/webhooks/release": ("release", ["POST"]),
    "/_emulator/webhooks/pause": ("pause", ["POST"]),
    "/_emulator/webhooks/resume": ("resume", ["POST"]),
    "/_emulator/webhooks/flush": ("flush", ["POST"]),
    "/_emulator/webhooks/redeliver": ("redeliver", ["POST"]),
    "/_emulator/webhooks/deliveries": ("deliveries", ["GET"]),
    "/_emulator/faults": ("inject_fault", ["POST"]),
    "/_emulator/faults/clear": ("clear_faults", ["POST"]),
    "/_emulator/state": ("state", ["GET"]),
    "/_emulator/reset": ("reset", ["POST"]),
}
