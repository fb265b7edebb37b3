"""Live updates: from PUBLISH on the app's Redis channel to the update arriving on an open
tab's websocket, p50/p95, with the app as production runs it (several Reflex backend
workers over Redis; tests/support/live_app.py starts it like the e2e tests do).

    .venv/bin/python bench/live_bench.py [--tabs 10] [--rounds 20] [--burst 20]

1. single: each round publishes one tab's bookings topic; latency = the tab's push
   received - just before PUBLISH (same machine clock). The server spreads the tabs over
   its workers; the publisher is this process, never a backend worker (as for Celery jobs
   and webhooks handled by another worker).
2. burst: `--burst` messages for every tab at once; counts the pushes each tab gets
   (the per-tab debounce merges a burst into one or two reloads) and the time to the last.
The reload itself (one PostgreSQL read of the tab's list) is part of the latency.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import tests.conftest  # noqa: E402,F401  (the test environment: APP_ENV=test, no REDIS_URL here)


def _pct(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tabs", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--burst", type=int, default=20)
    args = parser.parse_args()

    import redis
    from sqlalchemy import create_engine

    from tests.e2e.live_support import next_push, signed_in_student
    from tests.e2e.test_bookings_pages import future, make_booking, make_person
    from tests.support.live_app import drop_database, start_live_app
    from tests.support.reflex_ws import ReflexSocket
    from tutorconnect.db import normalize_url
    from tutorconnect.services import live
    from tutorconnect.state.bookings_list import StudentBookingsState as Student

    app = start_live_app(Path("/tmp/tc-live-bench"), redis=True, name="bench")
    engine = create_engine(normalize_url(app.database_url))
    tabs = []
    try:
        tutor, _ = make_person(engine, "tutor", "Bench Tutor")
        people = [signed_in_student(engine, f"Bench Student {i}") for i in range(args.tabs)]
        for i, person in enumerate(people):
            make_booking(engine, person.id, tutor, future(5 + i))
            tab = ReflexSocket(app.base_url, page="/bookings", cookie=person.cookie).connect()
            tab.call(Student.load)
            tabs.append(tab)
        client = redis.Redis.from_url(app.redis_url)
        channel = live.channel(app.redis_url)

        def publish(*topics: str) -> float:
            sent = time.time()
            client.publish(channel, json.dumps({"topics": list(topics), "pid": 0, "at": sent}))
            return sent

        single = []
        for _ in range(args.rounds):
            for person, tab in zip(people, tabs):
                sent = publish(live.bookings_topic(person.id))
                if next_push(tab, 10) is None:
                    raise SystemExit("a tab got no push within 10 s")
                single.append((time.time() - sent) * 1000)
        print(f"single: {len(single)} pushes to {args.tabs} tabs, publish -> update on the socket: "
              f"p50 {_pct(single, 50):.0f} ms, p95 {_pct(single, 95):.0f} ms, max {max(single):.0f} ms "
              f"(debounce {100} ms included)")

        sent = time.time()  # publishing takes a while too: it is part of the time to the last push
        for _ in range(args.burst):
            for person in people:
                publish(live.bookings_topic(person.id))
        def drain(tab) -> tuple[int, float | None]:
            n, final = 0, None
            while next_push(tab, 1.5) is not None:
                n, final = n + 1, time.time()
            return n, final

        with concurrent.futures.ThreadPoolExecutor(len(tabs)) as pool:
            results = list(pool.map(drain, tabs))
        counts = [n for n, _ in results]
        last = [(final - sent) * 1000 for _, final in results if final is not None]
        print(f"burst: {args.burst} messages per tab at once -> pushes per tab {sorted(counts)} "
              f"(median {statistics.median(counts)}), last push after p50 {_pct(last, 50):.0f} ms, "
              f"max {max(last):.0f} ms")
    finally:
        for tab in tabs:
            tab.close()
        engine.dispose()
        app.stop()
        drop_database(app.database_url)


if __name__ == "__main__":
    main()
