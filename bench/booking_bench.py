"""Booking throughput through the service versus pgbench, and the 200-attempt race.

    .venv/bin/python bench/booking_bench.py [--threads 8] [--bookings 2000] [--pgbench-seconds 10] [--keep]

Creates the scratch database tc_bench_booking on the local server (BENCH_SERVER_URL,
default postgresql+psycopg://postgres@127.0.0.1:5432/postgres), migrates it to head and
writes 20 approved tutors (availability all week, no minimum notice) and their students.

1. Service: `--threads` threads call bookings.create_booking on distinct slots (each in
   its own session_scope transaction: the facts read, scheduling.ensure_bookable, the price
   and policy copy, one INSERT statement with its history row and hold release, commit),
   `--bookings` in all; TPS = bookings / wall time. Also the latency on one thread.
2. pgbench, same database, same run, same number of clients (connections): the same
   write the service makes, as one statement per transaction: INSERT into bookings (every
   column, so both exclusion constraints, the checks, the unique reference, the foreign
   keys and the indexes are exercised; ON CONFLICT DO NOTHING like the service), its
   booking_events row and the hold release, on distinct slots. It does not do the
   service's reads (the facts, the slot check, the holds), so the ratio is the cost of
   the service's checks plus Python over the bare write.
3. The race: 200 threads (own sessions) released by a barrier to book one tutor at one
   time; reports the time until every attempt has settled and the number of winners.

Drops the database unless --keep (scratch set-up shared with the other benches: _scratch.py).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _scratch import scratch_database  # noqa: E402  (sets up the environment first)

from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

DB = "tc_bench_booking"
TUTORS = 20

PGBENCH_SQL = """\
WITH s AS MATERIALIZED (SELECT nextval('bench_slot') AS n),
created AS (
INSERT INTO bookings (id, reference, tutor_id, student_id, status, starts_at, ends_at, length_minutes,
  blocked_from, blocked_until, is_trial, price_minor, currency, platform_fee_bps, platform_fee_minor,
  tutor_earnings_minor, cancellation_policy, requires_confirmation, tutor_time_zone, student_time_zone,
  reschedule_count, sequence, expires_at, created_at, updated_at)
SELECT gen_random_uuid(), 'PB-' || s.n, t.tutor_id, t.student_id, 'pending_payment', x.ts,
  x.ts + interval '60 minutes', 60, x.ts - interval '5 minutes', x.ts + interval '70 minutes', false,
  100000, 'INR', 1500, 15000, 85000, '{"version": 1}'::jsonb, false, 'Asia/Kolkata', 'Europe/Berlin',
  0, 0, now() + interval '15 minutes', now(), now()
FROM s
JOIN bench_pairs t ON t.i = s.n %% %(tutors)d
CROSS JOIN LATERAL (SELECT timestamptz '%(base)s' + (s.n / %(tutors)d) * interval '90 minutes' AS ts) x
ON CONFLICT DO NOTHING
RETURNING id, status, tutor_id, student_id, created_at),
event AS (
INSERT INTO booking_events (booking_id, from_status, to_status, actor_user_id, reason, created_at)
SELECT id, NULL, status, student_id, 'booked', created_at FROM created),
released AS (
DELETE FROM slot_holds h USING created c WHERE h.tutor_id = c.tutor_id AND h.student_id = c.student_id)
SELECT count(*) FROM created;
"""


def setup(session_scope, tutors: int) -> tuple[list[uuid.UUID], list[uuid.UUID]]:
    from tutorconnect.models import TutorProfile, User
    from tutorconnect.models.scheduling import AvailabilityRule, TutorSchedule

    tutor_ids = [uuid.uuid4() for _ in range(tutors)]
    student_ids = [uuid.uuid4() for _ in range(tutors)]
    with session_scope() as s:
        for i, (t, st) in enumerate(zip(tutor_ids, student_ids)):
            s.add(User(id=t, email=f"tutor{i}@bench.test", full_name=f"Tutor {i}", role="tutor",
                       time_zone="Asia/Kolkata"))
            s.add(User(id=st, email=f"student{i}@bench.test", full_name=f"Student {i}", role="student",
                       time_zone="Europe/Berlin"))
        s.flush()
        for t in tutor_ids:
            s.add(TutorProfile(user_id=t, slug=f"bench-{t.hex}", headline="Bench", hourly_rate_minor=1000_00,
                               status="approved", lesson_lengths=[30, 60]))
        s.flush()
        for t in tutor_ids:
            s.add(TutorSchedule(tutor_id=t, buffer_before_minutes=5, buffer_after_minutes=10,
                                min_notice_minutes=0, horizon_days=365))
            s.add_all([AvailabilityRule(tutor_id=t, weekday=d, start_minute=0, end_minute=1440) for d in range(7)])
        s.flush()
        s.execute(text("CREATE TABLE bench_pairs (i int PRIMARY KEY, tutor_id uuid, student_id uuid)"))
        for i, (t, st) in enumerate(zip(tutor_ids, student_ids)):
            s.execute(text("INSERT INTO bench_pairs VALUES (:i, :t, :s)"), {"i": i, "t": t, "s": st})
        s.execute(text("CREATE SEQUENCE bench_slot"))
    return tutor_ids, student_ids


def service_tps(session_scope, bookings, as_ctx, tutor_ids, student_ids, threads: int, total: int,
                base: datetime) -> tuple[float, Counter]:
    """Attempt k books tutor k % T at base + (k // T) * 90 min for 60 minutes (distinct slots;
    each student always with the same tutor, so no student overlap either)."""
    n_t = len(tutor_ids)
    work = [(student_ids[k % n_t], tutor_ids[k % n_t], base + timedelta(minutes=90 * (k // n_t)))
            for k in range(total)]
    chunks = [work[i::threads] for i in range(threads)]
    outcomes: Counter = Counter()
    lock = threading.Lock()
    barrier = threading.Barrier(threads + 1)

    def run(chunk):
        mine: Counter = Counter()
        barrier.wait()
        for sid, tid, start in chunk:
            try:
                with session_scope() as s:
                    bookings.create_booking(s, as_ctx(sid), sid, tid, start, 60)
                mine["ok"] += 1
            except Exception as err:  # noqa: BLE001 - reported
                mine[type(err).__name__] += 1
        with lock:
            outcomes.update(mine)

    workers = [threading.Thread(target=run, args=(c,)) for c in chunks]
    for w in workers:
        w.start()
    barrier.wait()
    t0 = time.perf_counter()
    for w in workers:
        w.join()
    took = time.perf_counter() - t0
    return outcomes["ok"] / took, outcomes


def pgbench_tps(url: str, clients: int, seconds: int, base: datetime) -> tuple[float, str]:
    exe = shutil.which("pgbench")
    if exe is None:
        raise SystemExit("pgbench not found: apt-get install -y postgresql-client (or postgresql-contrib)")
    u = make_url(url)
    with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as f:
        f.write(PGBENCH_SQL % {"tutors": TUTORS, "base": base.isoformat()})
        script = f.name
    env = dict(os.environ)
    if u.password:
        env["PGPASSWORD"] = u.password
    cmd = [exe, "-n", "-c", str(clients), "-j", str(min(clients, 4)), "-T", str(seconds), "-f", script,
           "-h", u.host or "127.0.0.1", "-p", str(u.port or 5432), "-U", u.username or "postgres", u.database]
    out = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    os.unlink(script)
    if out.returncode != 0:
        raise SystemExit(f"pgbench failed: {out.stderr}")
    m = re.search(r"tps = ([0-9.]+) \((?:without initial connection time|excluding connections establishing)",
                  out.stdout) or re.search(r"tps = ([0-9.]+)", out.stdout)
    failed = re.search(r"number of failed transactions: (\d+)", out.stdout)
    return float(m.group(1)), (failed.group(1) if failed else "0")


def race(session_scope, bookings, as_ctx, tutor_id: uuid.UUID, start: datetime, attempts: int = 200):
    from tutorconnect.models import User
    from tutorconnect.services.scheduling import SlotUnavailable

    racers = [uuid.uuid4() for _ in range(attempts)]
    with session_scope() as s:
        s.add_all([User(id=r, email=f"racer-{r.hex}@bench.test", full_name="Racer", role="student") for r in racers])
    barrier = threading.Barrier(attempts + 1)
    outcomes: Counter = Counter()
    lock = threading.Lock()

    def run(sid):
        barrier.wait()
        try:
            with session_scope() as s:
                bookings.create_booking(s, as_ctx(sid), sid, tutor_id, start, 60)
            result = "ok"
        except SlotUnavailable as err:
            result = err.reason
        except Exception as err:  # noqa: BLE001 - reported
            result = type(err).__name__
            print(f"  unexpected: {str(err).splitlines()[0][:200]}", flush=True)
        with lock:
            outcomes[result] += 1

    workers = [threading.Thread(target=run, args=(r,)) for r in racers]
    for w in workers:
        w.start()
    barrier.wait()
    t0 = time.perf_counter()
    for w in workers:
        w.join()
    return time.perf_counter() - t0, outcomes


def main() -> int:
    from tutorconnect.wiring import wire

    wire()
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threads", type=int, default=8)
    ap.add_argument("--bookings", type=int, default=2000)
    ap.add_argument("--pgbench-seconds", type=int, default=10)
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("--baseline", type=Path, default=None,
                    help="another copy of services/bookings/creation.py (e.g. from git show REV:...) to time, "
                         "alternating with the current one on the same database (noise-robust A/B)")
    args = ap.parse_args()

    with scratch_database(DB, keep=args.keep) as (url, _):
        return _run(url, args)


def _run(url: str, args) -> int:
    import tutorconnect.db as tc_db
    from tutorconnect.services import bookings
    from tutorconnect.services.context import RequestContext

    engine = create_engine(url, pool_size=max(args.threads, 40), max_overflow=0, pool_timeout=120,
                           connect_args={"options": "-c timezone=UTC"})
    tc_db.get_engine = lambda: engine  # session_scope uses this module-level function

    def as_ctx(uid):
        return RequestContext(ip="127.0.0.1", user_agent="bench", request_id="bench", actor_user_id=uid)

    tutor_ids, student_ids = setup(tc_db.session_scope, TUTORS)
    day = datetime.now(timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=2)
    # warm up (imports, pool, plans)
    service_tps(tc_db.session_scope, bookings, as_ctx, tutor_ids, student_ids, 2, 40, day + timedelta(days=200))
    one, _ = service_tps(tc_db.session_scope, bookings, as_ctx, tutor_ids, student_ids, 1, 300,
                         day + timedelta(days=100))
    print(f"service create_booking on 1 thread: {1000 / one:.2f} ms a booking ({one:,.0f} TPS)")
    svc, outcomes = service_tps(tc_db.session_scope, bookings, as_ctx, tutor_ids, student_ids, args.threads,
                                args.bookings, day)
    print(f"service create_booking: {svc:,.0f} TPS with {args.threads} threads, outcomes {dict(outcomes)}")
    pg, failed = pgbench_tps(url, args.threads, args.pgbench_seconds, day + timedelta(days=400))
    with tc_db.session_scope() as s:
        written = s.execute(text("SELECT count(*) FROM bookings WHERE reference LIKE 'PB-%'")).scalar_one()
        events = s.execute(text("SELECT count(*) FROM booking_events e JOIN bookings b ON b.id = e.booking_id "
                                "WHERE b.reference LIKE 'PB-%'")).scalar_one()
    print(f"pgbench same write:     {pg:,.0f} TPS with {args.threads} clients ({failed} failed; "
          f"{written:,} bookings and {events:,} history rows written)")
    print(f"ratio service / pgbench: {svc / pg:.2f} (target >= 0.50)")
    if args.baseline:
        import importlib.util

        spec = importlib.util.spec_from_file_location("bookings_baseline", args.baseline)
        base_mod = importlib.util.module_from_spec(spec)
        sys.modules["bookings_baseline"] = base_mod
        spec.loader.exec_module(base_mod)
        runs: dict[str, list[float]] = {"current": [], "baseline": []}
        for r in range(2):
            for k, (name, mod) in enumerate((("current", bookings), ("baseline", base_mod))):
                tps, _ = service_tps(tc_db.session_scope, mod, as_ctx, tutor_ids, student_ids, args.threads,
                                     args.bookings, day + timedelta(days=10 + 10 * (2 * r + k)))
                runs[name].append(tps)
        print("A/B, alternating, " + ", ".join(f"{n}: " + " / ".join(f"{t:,.0f}" for t in v) + " TPS"
                                              for n, v in runs.items()))
    race_tutor = tutor_ids[0]
    settle, result = race(tc_db.session_scope, bookings, as_ctx, race_tutor, day + timedelta(days=300, hours=3))
    print(f"race: 200 attempts on one slot settled in {settle * 1000:,.0f} ms; winners {result['ok']} "
          f"(outcomes {dict(result)})")
    with tc_db.session_scope() as s:
        overlaps = bookings.overlapping_active_pairs(s)
    print(f"overlapping active bookings after the run: {overlaps}")
    engine.dispose()
    return 0 if result["ok"] == 1 and overlaps == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
