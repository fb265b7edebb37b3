"""Slot computation: one tutor, 8 weeks, 3 intervals a day, 20 overrides, 150 bookings.

    .venv/bin/python bench/slots_bench.py [--runs 300] [--keep] [--baseline OLD_SLOTS_PY]

Creates the scratch database tc_bench_slots on the local server (BENCH_SERVER_URL,
default postgresql+psycopg://postgres@127.0.0.1:5432/postgres), migrates it to head,
writes one approved tutor (Europe/Berlin, 08-11, 13-16, 18-21 every day, 10-minute
buffers, 20 date overrides, 150 confirmed 45-minute bookings, 3 time-off ranges), then
times `scheduling.free_slots` over the 8 weeks (viewer in America/New_York) and the pure core
(`scheduling.compute_slots` on the same inputs) p50/p95 over --runs runs each, and
`ensure_bookable` for one slot. Then the same tutor with a connected Google Calendar
whose busy times (200 blocks over the window) are in the cache and fresh: the cached read
rides in the same query, so it should cost only the JSON and the extra intervals.
--baseline FILE (an older slot search module, e.g. from `git show
REV:tutorconnect/services/scheduling/slot_search.py`) times that module's free_slots
alternating with the current one on the unconnected tutor (the only comparison that means
much on a busy machine).
Drops the database at the end unless --keep.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import random
import statistics
import sys
import time
import uuid
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _scratch import scratch_database  # noqa: E402  (sets up the environment first)

from sqlalchemy import create_engine, text  # noqa: E402
from sqlmodel import Session  # noqa: E402

DB = "tc_bench_slots"
ZONE = "Europe/Berlin"
FIRST = date(2031, 3, 3)  # a Monday; Berlin changes to summer time on 30 March inside the range
WEEKS = 8
NOW = datetime(2031, 3, 1, tzinfo=timezone.utc)


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def seed(engine) -> uuid.UUID:
    from tutorconnect.models import TutorProfile, User
    from tutorconnect.models.scheduling import AvailabilityOverride, AvailabilityRule, TimeOff, TutorSchedule

    rng = random.Random(7)
    zone = ZoneInfo(ZONE)
    tid, sid = uuid.uuid4(), uuid.uuid4()
    last = FIRST + timedelta(days=7 * WEEKS - 1)
    with Session(engine) as s:
        s.add(User(id=tid, email="bench-tutor@example.com", full_name="Bench Tutor", role="tutor", time_zone=ZONE))
        s.add(User(id=sid, email="bench-student@example.com", full_name="Bench Student", role="student", time_zone="UTC"))
        s.flush()
        s.add(TutorProfile(user_id=tid, slug="bench-tutor", headline="Bench", hourly_rate_minor=1000_00,
                           status="approved", lesson_lengths=[30, 60, 90]))
        s.flush()
        s.add(TutorSchedule(tutor_id=tid, buffer_before_minutes=10, buffer_after_minutes=10, min_notice_minutes=720,
                            horizon_days=120, max_lessons_per_day=6))
        for wd in range(7):
            for a, b in ((480, 660), (780, 960), (1080, 1260)):
                s.add(AvailabilityRule(tutor_id=tid, weekday=wd, start_minute=a, end_minute=b))
        override_days = rng.sample(range(7 * WEEKS), 20)
        for i, n in enumerate(override_days):
            d = FIRST + timedelta(days=n)
            if i % 2:
                s.add(AvailabilityOverride(tutor_id=tid, on_date=d, kind="closed"))
            else:
                for a, b in ((600, 720), (840, 1020)):
                    s.add(AvailabilityOverride(tutor_id=tid, on_date=d, kind="hours", start_minute=a, end_minute=b))
        for k in range(3):
            a = datetime.combine(FIRST + timedelta(days=10 + 15 * k), datetime.min.time(), zone)
            s.add(TimeOff(tutor_id=tid, starts_at=a, ends_at=a + timedelta(hours=30), note="away"))
        s.flush()
        # 150 bookings on distinct hours of the regular rules (non-overlapping with buffers)
        candidates = [(d, h) for d in range(7 * WEEKS) for h in (8, 9, 13, 14, 18, 19)]
        for i, (d, h) in enumerate(rng.sample(candidates, 150)):
            day = FIRST + timedelta(days=d)
            start = datetime(day.year, day.month, day.day, h, tzinfo=zone).astimezone(timezone.utc)
            s.execute(text("""
                INSERT INTO bookings (id, reference, tutor_id, student_id, status, starts_at, ends_at, length_minutes,
                    blocked_from, blocked_until, price_minor, currency, platform_fee_bps, platform_fee_minor,
                    tutor_earnings_minor, cancellation_policy, requires_confirmation, tutor_time_zone, student_time_zone)
                VALUES (:id, :ref, :t, :s, 'confirmed', :a, :b, 45, :bf, :bu, 1000, 'EUR', 1500, 150, 850, '{}', false,
                        :z, 'UTC')"""),
                      {"id": uuid.uuid4(), "ref": f"TC-B{i:05d}", "t": tid, "s": sid, "a": start, "b": start + timedelta(minutes=45),
                       "bf": start - timedelta(minutes=5), "bu": start + timedelta(minutes=50), "z": ZONE})
        s.commit()
        assert last > FIRST
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))
    return tid


def main() -> int:
    from tutorconnect.wiring import wire

    wire()
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=300)
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("--baseline", type=Path, default=None)
    args = ap.parse_args()

    from tutorconnect.services import scheduling

    with scratch_database(DB, keep=args.keep) as (url, _):
        engine = create_engine(url)
        try:
            return _run(engine, scheduling, args.runs, args.baseline)
        finally:
            engine.dispose()


def _run(engine, scheduling, runs: int, baseline: Path | None = None) -> int:
    tid = seed(engine)
    last = FIRST + timedelta(days=7 * WEEKS - 1)
    if baseline is not None:
        _compare(engine, scheduling, baseline, tid, last, runs)
    with Session(engine) as s:
        n = s.execute(text("SELECT count(*) FROM bookings")).scalar()
        o = s.execute(text("SELECT count(DISTINCT on_date) FROM availability_overrides")).scalar()
        r = s.execute(text("SELECT count(*) FROM availability_rules")).scalar()
    print(f"tutor {ZONE}: {r} weekly rules (3 a day), {o} override dates, {n} bookings, 3 time-off ranges")

    timings, result = [], []
    with Session(engine) as s:
        for _ in range(10):  # warm up connection and statement caches
            scheduling.free_slots(s, tid, 60, FIRST, last, "America/New_York", now=NOW)
        for _ in range(runs):
            t0 = time.perf_counter()
            result = scheduling.free_slots(s, tid, 60, FIRST, last, "America/New_York", now=NOW)
            timings.append((time.perf_counter() - t0) * 1000)
            s.rollback()

        # the pure core alone, on the inputs free_slots builds
        from tutorconnect.services.scheduling import slot_core  # free_slots looks compute_slots up there

        captured = {}
        real = slot_core.compute_slots

        def spy(inp):
            captured["inp"] = inp
            return real(inp)

        slot_core.compute_slots = spy
        try:
            scheduling.free_slots(s, tid, 60, FIRST, last, "America/New_York", now=NOW)
        finally:
            slot_core.compute_slots = real
        core = []
        for _ in range(runs):
            t0 = time.perf_counter()
            real(captured["inp"])
            core.append((time.perf_counter() - t0) * 1000)

        ensure = []
        target = result[len(result) // 2].starts_at
        for _ in range(runs):
            t0 = time.perf_counter()
            scheduling.ensure_bookable(s, tid, target, 60, now=NOW)
            ensure.append((time.perf_counter() - t0) * 1000)
            s.rollback()

    google_timings, google_ensure, google_result = _run_google(engine, scheduling, tid, runs, last, target)

    print(f"free_slots 8 weeks (60 min, viewer America/New_York): {len(result)} slots; "
          f"with the Google busy times: {len(google_result)} slots")
    for label, vals in (("free_slots (service, PostgreSQL)", timings), ("compute_slots (pure core)", core),
                        ("ensure_bookable (one slot)", ensure),
                        ("free_slots, Google cached (200)", google_timings),
                        ("ensure_bookable, Google cached", google_ensure)):
        print(f"  {label:34s} runs={len(vals)} p50={statistics.median(vals):.2f} ms "
              f"p95={pct(vals, 95):.2f} ms max={max(vals):.2f} ms")
    ok = pct(timings, 95) <= 10 and pct(google_timings, 95) <= 10
    print(f"target p95 <= 10 ms for free_slots (both): {'met' if ok else 'NOT met'}")
    return 0


def _compare(engine, scheduling, baseline: Path, tid, last: date, runs: int) -> None:
    spec = importlib.util.spec_from_file_location("slots_baseline", baseline)
    old = importlib.util.module_from_spec(spec)
    sys.modules["slots_baseline"] = old
    spec.loader.exec_module(old)
    times: dict[str, list[float]] = {"current": [], "baseline": []}
    with Session(engine) as s:
        for mod in (scheduling, old):
            for _ in range(10):
                mod.free_slots(s, tid, 60, FIRST, last, "America/New_York", now=NOW)
        for i in range(runs):
            pair = (("current", scheduling), ("baseline", old)) if i % 2 else (("baseline", old), ("current", scheduling))
            for name, mod in pair:
                t0 = time.perf_counter()
                mod.free_slots(s, tid, 60, FIRST, last, "America/New_York", now=NOW)
                times[name].append((time.perf_counter() - t0) * 1000)
                s.rollback()
    print(f"alternating with {baseline} (unconnected tutor), {runs} runs each:")
    for name, vals in times.items():
        print(f"  free_slots {name:9s} p50={statistics.median(vals):.2f} ms p95={pct(vals, 95):.2f} ms")
    print(f"  ratio current/baseline p50 = {statistics.median(times['current']) / statistics.median(times['baseline']):.3f}")


def _run_google(engine, scheduling, tid, runs: int, last: date, target: datetime):
    """Connect the tutor's Google Calendar with a fresh cached copy of 200 busy blocks (no
    call to Google: the copy is fresh at NOW), then time the same calls."""
    rng = random.Random(11)
    blocks = []
    for _ in range(200):
        start = datetime.combine(FIRST, datetime.min.time(), timezone.utc) + timedelta(
            minutes=15 * rng.randrange(0, 4 * 24 * 7 * WEEKS))
        blocks.append([start.isoformat(), (start + timedelta(minutes=30)).isoformat()])
    with Session(engine) as s:
        s.execute(text("INSERT INTO calendar_connections (user_id, google_email, scopes, refresh_token_enc) "
                       "VALUES (:t, 'bench@gmail.com', 'x', 'not-used')"), {"t": tid})
        s.execute(text("INSERT INTO calendar_busy_cache (user_id, window_start, window_end, busy, fetched_at) "
                       "VALUES (:t, :a, :b, CAST(:busy AS jsonb), :a)"),
                  {"t": tid, "a": NOW, "b": NOW + timedelta(days=200), "busy": json.dumps(blocks)})
        s.commit()
    timings, ensure, result = [], [], []
    with Session(engine) as s:
        for _ in range(10):
            scheduling.free_slots(s, tid, 60, FIRST, last, "America/New_York", now=NOW)
        for _ in range(runs):
            t0 = time.perf_counter()
            result = scheduling.free_slots(s, tid, 60, FIRST, last, "America/New_York", now=NOW)
            timings.append((time.perf_counter() - t0) * 1000)
            s.rollback()
        target = result[len(result) // 2].starts_at
        for _ in range(runs):
            t0 = time.perf_counter()
            scheduling.ensure_bookable(s, tid, target, 60, now=NOW)
            ensure.append((time.perf_counter() - t0) * 1000)
            s.rollback()
        fetched = s.execute(text("SELECT fetched_at FROM calendar_busy_cache WHERE user_id = :t"), {"t": tid}).scalar()
    assert fetched == NOW, "the cache was refetched: the bench measured a Google call"
    return timings, ensure, result


if __name__ == "__main__":
    raise SystemExit(main())
