"""Webhook ingestion: throughput and latency of POST /api/webhooks/razorpay under 10
concurrent senders with duplicates, against a baseline on the same server.

    .venv/bin/python bench/webhook_bench.py [--orders 300] [--senders 10] [--dup 1.0] [--keep]

Creates the scratch database tc_bench_webhook (bench/_scratch.py), writes `--orders`
pending bookings with a Razorpay order each, then serves the app's real Starlette API
(api/app.py build_api: the real webhook route, request-id middleware and all) with uvicorn
in a SEPARATE process, plus a trivial GET /bench/ping on the same server as the baseline.

Workload: one payment.captured event per order, signed over the raw body like Razorpay;
with --dup 1.0 every event is sent a second time with the same X-Razorpay-Event-Id, and
a third time with a new event id for the same payment (Razorpay re-sends like that), so
2/3 of the requests are duplicates; shuffled; `--senders` threads each with a keep-alive
client. The baseline sends the same number of requests to /bench/ping with the same
threads. Checks afterwards: every booking confirmed, one ledger payment row per order,
one stored event per distinct event id.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import os
import random
import statistics
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _scratch import ROOT, scratch_database  # noqa: E402  (sets up the environment first)

DB = "tc_bench_webhook"


def serve(port: int) -> None:
    import uvicorn
    from starlette.applications import Starlette
    from starlette.responses import PlainTextResponse
    from starlette.routing import Mount, Route

    from tutorconnect.api.app import build_api

    async def ping(_request):
        return PlainTextResponse("ok")

    app = Starlette(routes=[Route("/bench/ping", ping), Mount("/", app=build_api())])
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


def _setup(orders: int) -> list[tuple[str, str, int]]:
    """(booking id, order id, amount) for `orders` pending bookings."""
    from sqlalchemy import text

    from tests.integration.booking_support import book, bookable_tutor, future, student
    from tutorconnect.db import session_scope

    out = []
    tutors = [bookable_tutor(horizon=90) for _ in range(max(1, orders // 40 + 1))]
    for i in range(orders):
        tutor = tutors[i % len(tutors)]
        slot = i // len(tutors)
        b = book(student(), tutor, future(days=2 + slot // 20, hour=slot % 20))
        order_id = "order_" + uuid.uuid4().hex[:14]
        with session_scope() as s:
            s.execute(text("INSERT INTO payment_orders (id, booking_id, razorpay_order_id, amount_minor, currency, "
                           "receipt, status) VALUES (:id, :b, :o, :a, 'INR', :r, 'created')"),
                      {"id": uuid.uuid4(), "b": b.id, "o": order_id, "a": b.price_minor, "r": b.reference})
        out.append((str(b.id), order_id, b.price_minor))
    return out


def _event(order_id: str, amount: int) -> bytes:
    pay = {"id": "pay_" + uuid.uuid4().hex[:14], "entity": "payment", "amount": amount, "currency": "INR",
           "status": "captured", "order_id": order_id, "method": "card", "captured": True,
           "error_code": None, "error_description": None, "error_reason": None}
    body = {"entity": "event", "account_id": "acc_bench", "event": "payment.captured", "contains": ["payment"],
            "payload": {"payment": {"entity": pay}}, "created_at": int(time.time())}
    return json.dumps(body, separators=(",", ":")).encode()


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def _blast(base: str, requests_: list[tuple[str, bytes | None, dict]], senders: int) -> tuple[float, list[float], dict]:
    import httpx

    lat: list[float] = []
    codes: dict[int, int] = {}
    lock = threading.Lock()
    chunks = [requests_[i::senders] for i in range(senders)]
    barrier = threading.Barrier(senders + 1)

    def run(chunk):
        with httpx.Client(base_url=base, timeout=30) as client:
            barrier.wait()
            mine, mycodes = [], {}
            for path, body, headers in chunk:
                t0 = time.perf_counter()
                r = client.post(path, content=body, headers=headers) if body is not None else client.get(path)
                mine.append(time.perf_counter() - t0)
                mycodes[r.status_code] = mycodes.get(r.status_code, 0) + 1
            with lock:
                lat.extend(mine)
                for k, v in mycodes.items():
                    codes[k] = codes.get(k, 0) + v

    threads = [threading.Thread(target=run, args=(c,)) for c in chunks]
    for t in threads:
        t.start()
    barrier.wait()
    t0 = time.perf_counter()
    for t in threads:
        t.join()
    return time.perf_counter() - t0, lat, codes


def main() -> int:
    from tutorconnect.wiring import wire

    wire()
    parser = argparse.ArgumentParser()
    parser.add_argument("--orders", type=int, default=300)
    parser.add_argument("--senders", type=int, default=10)
    parser.add_argument("--dup", type=float, default=1.0, help="share of events re-sent (same id and new id)")
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve)
        return 0

    from sqlalchemy import text

    from tests.support.smtp import free_port
    from tutorconnect.integrations import razorpay_gateway as gateway

    with scratch_database(DB, keep=args.keep) as (url, _):
        from tutorconnect.db import session_scope

        t0 = time.perf_counter()
        orders = _setup(args.orders)
        print(f"set-up: {len(orders)} pending bookings with orders in {time.perf_counter() - t0:.1f} s")
        secret = gateway.credentials().webhook_secret
        reqs = []
        rng = random.Random(5)
        for _, order_id, amount in orders:
            raw = _event(order_id, amount)
            sig = hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()
            eid = uuid.uuid4().hex[:14]
            h = {"Content-Type": "application/json", "X-Razorpay-Signature": sig, "X-Razorpay-Event-Id": eid}
            reqs.append(("/api/webhooks/razorpay", raw, h))
            if rng.random() < args.dup:
                reqs.append(("/api/webhooks/razorpay", raw, dict(h)))  # same event id again
                reqs.append(("/api/webhooks/razorpay", raw, {**h, "X-Razorpay-Event-Id": uuid.uuid4().hex[:14]}))
        rng.shuffle(reqs)
        distinct_ids = len({h["X-Razorpay-Event-Id"] for _, _, h in reqs})

        port = free_port()
        env = {**os.environ, "DATABASE_URL": url, "LOG_LEVEL": "WARNING"}
        server = subprocess.Popen([sys.executable, __file__, "--serve", str(port)], cwd=ROOT, env=env)
        try:
            import httpx

            base = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 30
            while True:
                try:
                    if httpx.get(base + "/bench/ping", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                assert time.monotonic() < deadline, "server did not start"
                time.sleep(0.2)
            # warm-up both paths (connection pools, imports) without touching the orders
            _blast(base, [("/bench/ping", None, {})] * 50, args.senders)
            _blast(base, [("/api/webhooks/razorpay", b"{}", {"X-Razorpay-Signature": "0" * 64,
                                                            "X-Razorpay-Event-Id": "warm"})] * 3, 3)

            base_wall, base_lat, base_codes = _blast(base, [("/bench/ping", None, {})] * len(reqs), args.senders)
            wall, lat, codes = _blast(base, reqs, args.senders)
        finally:
            server.terminate()
            server.wait(10)

        with session_scope() as s:
            confirmed = s.execute(text("SELECT count(*) FROM bookings WHERE status IN ('confirmed', 'awaiting_tutor')")).scalar_one()
            ledger_rows = s.execute(text("SELECT count(*) FROM ledger_entries WHERE kind = 'payment'")).scalar_one()
            stored = s.execute(text("SELECT count(*) FROM payment_events WHERE event_id <> 'warm'")).scalar_one()
        ok = confirmed == len(orders) and ledger_rows == len(orders) and stored == distinct_ids
        print(f"requests: {len(reqs)} ({len(orders)} distinct payments, {distinct_ids} distinct event ids, "
              f"{len(reqs) - len(orders)} duplicates), {args.senders} senders; status codes {codes}")
        print(f"checks: bookings confirmed {confirmed}/{len(orders)}, ledger payment rows {ledger_rows}, "
              f"events stored {stored}/{distinct_ids} -> {'OK' if ok else 'MISMATCH'}")
        rps, base_rps = len(reqs) / wall, len(reqs) / base_wall
        ms = [x * 1000 for x in lat]
        bms = [x * 1000 for x in base_lat]
        print(f"webhook route : {rps:7.0f} req/s  p50 {statistics.median(ms):6.1f} ms  p95 {_pct(ms, 95):6.1f} ms  "
              f"p99 {_pct(ms, 99):6.1f} ms")
        print(f"baseline ping : {base_rps:7.0f} req/s  p50 {statistics.median(bms):6.1f} ms  p95 {_pct(bms, 95):6.1f} ms  "
              f"(codes {base_codes})")
        print(f"ratio webhook/baseline throughput {rps / base_rps:.2f}; p95 latency x{_pct(ms, 95) / _pct(bms, 95):.1f}")
        return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
