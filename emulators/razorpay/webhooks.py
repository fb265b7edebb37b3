"""Webhook deliveries: every event (payment.authorized, payment.captured, payment.failed,
order.paid, refund.created, refund.processed, refund.failed) is POSTed to `webhook_url`
with `X-Razorpay-Signature` (HMAC-SHA256 hex of the raw body with the webhook secret) and
`X-Razorpay-Event-Id` (the same on every redelivery), retried with exponential backoff on
non-2xx or connection errors, from a background thread. The test controls duplicate,
drop, delay, hold and release (reorder), pause, resume, flush and redeliver them."""

from __future__ import annotations

import heapq
import itertools
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import requests

from emulators.razorpay.signing import hmac_hex


@dataclass
class Delivery:
    """One webhook event on its way (duplicates are separate deliveries with the same event id)."""

    seq: int
    event_id: str
    event: str
    body: bytes
    state: str = "pending"  # pending | held | delivered | failed | dropped | skipped
    attempts: list[dict[str, Any]] = field(default_factory=list)
    due: float = 0.0
    duplicate_of: int | None = None

    def summary(self) -> dict[str, Any]:
        return {"seq": self.seq, "event_id": self.event_id, "event": self.event, "state": self.state,
                "status_codes": [a.get("status") for a in self.attempts], "attempts": list(self.attempts),
                "duplicate_of": self.duplicate_of, "body": self.body.decode()}


# "If there is a delivery failure, we retry the delivery in exponential backoff policy for 24
# hours after event creation timestamp" (https://razorpay.com/docs/webhooks/best-practices):
# an event is given up only once that window has passed since its first attempt.
WEBHOOK_RETRY_WINDOW = 24 * 3600.0


class WebhookSender:
    """Delivers events from one background thread in (due time, sequence) order. A failed
    delivery is retried with exponential backoff (base_delay doubling up to max_delay) until
    `retry_window` seconds after its first attempt (24 hours, as Razorpay), or, when a test
    sets `max_attempts`, after that many attempts."""

    def __init__(self, url: str | None, secret: str | None, *, base_delay: float = 1.0, max_delay: float = 60.0,
                 max_attempts: int | None = None, timeout: float = 5.0,
                 retry_window: float = WEBHOOK_RETRY_WINDOW):
        self.url, self.secret = url, secret
        self.base_delay, self.max_delay, self.max_attempts, self.timeout = base_delay, max_delay, max_attempts, timeout
        self.retry_window = retry_window
        self.cond = threading.Condition()
        self._seq = itertools.count(1)
        self._rank = itertools.count(1)
        self._stop = False
        self._http = requests.Session()
        self.reset()
        self._thread = threading.Thread(target=self._run, daemon=True, name="razorpay-webhooks")
        self._thread.start()

    def reset(self) -> None:
        with self.cond:
            self.deliveries: list[Delivery] = []
            self._heap: list[tuple[float, int, Delivery]] = []
            self._held: list[Delivery] = []
            self.paused = False
            self.holding = False
            # Rules for upcoming events: [event name or None (any), events left, value].
            self._duplicate: list[list[Any]] = []
            self._drop: list[list[Any]] = []
            self._delay: list[list[Any]] = []
            self._generation = getattr(self, "_generation", 0) + 1  # in-flight sends of before are forgotten
            self._sending = getattr(self, "_sending", 0)
            self.cond.notify_all()

    def stop(self) -> None:
        with self.cond:
            self._stop = True
            self.cond.notify_all()
        self._thread.join(timeout=10)

    # Enqueue ---------------------------------------------------------------------------
    def emit(self, event: str, body: bytes, event_id: str) -> None:
        with self.cond:
            drop = self._take(self._drop, event, False)
            copies, every = (1, 0.0) if drop else self._take(self._duplicate, event, (1, 0.0))
            delay = self._take(self._delay, event, 0.0)
            first: Delivery | None = None
            for copy in range(max(1, copies)):
                d = Delivery(next(self._seq), event_id, event, body, duplicate_of=first.seq if first else None)
                self.deliveries.append(d)
                if first is None:
                    first = d
                    if drop:
                        d.state = "dropped"
                        break
                if self.holding:
                    d.state = "held"
                    self._held.append(d)
                else:
                    self._schedule(d, time.monotonic() + delay + copy * every)
            self.cond.notify_all()

    @staticmethod
    def _take(rules: list[list[Any]], event: str, default: Any) -> Any:
        for rule in rules:
            if rule[0] in (None, event) and rule[1] > 0:
                rule[1] -= 1
                if rule[1] == 0:
                    rules.remove(rule)
                return rule[2]
        return default

    def _schedule(self, d: Delivery, due: float) -> None:
        d.state, d.due = "pending", due
        heapq.heappush(self._heap, (due, next(self._rank), d))  # ties: scheduling order

    # Controls --------------------------------------------------------------------------
    def duplicate_next(self, count: int = 1, times: int = 2, event: str | None = None, every: float = 0.0) -> None:
        if float(every) < 0:
            raise ValueError("every must be >= 0 seconds")
        with self.cond:
            self._duplicate.append([event, int(count), (int(times), float(every))])

    def drop_next(self, count: int = 1, event: str | None = None) -> None:
        with self.cond:
            self._drop.append([event, int(count), True])

    def delay_next(self, seconds: float, count: int = 1, event: str | None = None) -> None:
        with self.cond:
            self._delay.append([event, int(count), float(seconds)])

    def hold(self) -> None:
        with self.cond:
            self.holding = True

    def release(self, order: str | list[str] = "reverse") -> list[str]:
        """Stop holding; send what was held in `order`: "reverse", "fifo", or a list of event
        names / event ids (unlisted held events follow in arrival order). Returns the order used."""
        with self.cond:
            held, self._held, self.holding = self._held, [], False
            if order == "reverse":
                held.reverse()
            elif isinstance(order, list):
                rank = {key: i for i, key in enumerate(order)}
                held.sort(key=lambda d: min(rank.get(d.event_id, len(rank)), rank.get(d.event, len(rank))))
            elif order != "fifo":
                raise ValueError("order must be 'reverse', 'fifo' or a list of event names or ids")
            now = time.monotonic()
            for d in held:
                self._schedule(d, now)
            self.cond.notify_all()
            return [d.event for d in held]

    def pause(self) -> None:
        with self.cond:
            self.paused = True

    def resume(self) -> None:
        with self.cond:
            self.paused = False
            self.cond.notify_all()

    def flush(self, timeout: float = 10.0) -> bool:
        """Resume, make every scheduled delivery (delays and backoffs too) due now, and wait
        until none is pending. Held events stay held. True if everything settled."""
        with self.cond:
            self.paused = False
            now = time.monotonic()
            self._heap = [(now, s, d) for _, s, d in self._heap]
            heapq.heapify(self._heap)
            self.cond.notify_all()
        return self.wait_idle(timeout)

    def wait_idle(self, timeout: float = 10.0) -> bool:
        deadline = time.monotonic() + timeout
        with self.cond:
            while self._heap or self._sending:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self.cond.wait(min(left, 0.05))
        return True

    def redeliver(self, event_id: str) -> bool:
        with self.cond:
            original = next((d for d in self.deliveries if d.event_id == event_id), None)
            if original is None:
                return False
            d = Delivery(next(self._seq), event_id, original.event, original.body, duplicate_of=original.seq)
            self.deliveries.append(d)
            self._schedule(d, time.monotonic())
            self.cond.notify_all()
            return True

    def summaries(self) -> list[dict[str, Any]]:
        with self.cond:
            return [d.summary() for d in self.deliveries]

    # Sending ---------------------------------------------------------------------------
    def _run(self) -> None:
        while True:
            with self.cond:
                while not self._stop:
                    if self._heap and not self.paused:
                        wait = self._heap[0][0] - time.monotonic()
                        if wait <= 0:
                            break
                        self.cond.wait(min(wait, 0.5))
                    else:
                        self.cond.wait(0.5)
                if self._stop:
                    return
                _, _, d = heapq.heappop(self._heap)
                url, secret, generation = self.url, self.secret, self._generation
                self._sending += 1
            try:
                outcome = self._post(url, secret, d)
            except Exception as err:  # never let one bad send stop the sender
                outcome = {"at": time.time(), "status": None, "error": type(err).__name__}
            with self.cond:
                self._sending -= 1
                d.attempts.append(outcome)
                if generation == self._generation:  # (a reset while sending forgets it)
                    self._settle(d, outcome, url)
                self.cond.notify_all()

    def _settle(self, d: Delivery, outcome: dict[str, Any], url: str | None) -> None:
        status = outcome.get("status")
        if isinstance(status, int) and 200 <= status < 300:
            d.state = "delivered"
        elif not url:
            d.state = "skipped"  # no webhook configured: nothing to retry against
        elif (self.max_attempts is not None and len(d.attempts) >= self.max_attempts) or (
                time.time() - d.attempts[0]["at"] >= self.retry_window):
            d.state = "failed"
        else:
            backoff = min(self.max_delay, self.base_delay * 2 ** (len(d.attempts) - 1))
            self._schedule(d, time.monotonic() + backoff)

    def _post(self, url: str | None, secret: str | None, d: Delivery) -> dict[str, Any]:
        at = time.time()
        if not url:
            return {"at": at, "status": None, "error": "no webhook URL configured"}
        headers = {"Content-Type": "application/json", "X-Razorpay-Event-Id": d.event_id,
                   "X-Razorpay-Signature": hmac_hex(secret or "", d.body),
                   "User-Agent": "Razorpay-Webhook/v1 (emulator)"}
        try:
            resp = self._http.post(url, data=d.body, headers=headers, timeout=self.timeout)
            return {"at": at, "status": resp.status_code}
        except requests.RequestException as err:
            return {"at": at, "status": None, "error": type(err).__name__}
