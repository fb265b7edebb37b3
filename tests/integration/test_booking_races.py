"""Races on real PostgreSQL: many threads, each with its own session and connection
(tutorconnect.db.session_scope), released together by a barrier. The database's exclusion
constraints must leave exactly one winner and no overlapping active bookings."""

from __future__ import annotations

import random
import threading
import uuid
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import create_engine, text

import tutorconnect.db as tc_db
from tests.integration.booking_support import bookable_tutor, future
from tests.integration.test_tutor_support import as_
from tutorconnect.db import session_scope
from tutorconnect.models import User
from tutorconnect.services import bookings
from tutorconnect.services.scheduling import SlotUnavailable

pytestmark = pytest.mark.usefixtures("db", "wide_pool")

OVERLAPS_SQL = """
    SELECT count(*) FROM bookings a JOIN bookings b ON a.id < b.id
    WHERE a.status IN ('pending_payment', 'awaiting_tutor', 'confirmed')
      AND b.status IN ('pending_payment', 'awaiting_tutor', 'confirmed')
      AND ((a.tutor_id = b.tutor_id AND a.blocked_from < b.blocked_until AND b.blocked_from < a.blocked_until)
        OR (a.student_id = b.student_id AND a.starts_at < b.ends_at AND b.starts_at < a.ends_at))
"""


@pytest.fixture
def wide_pool(monkeypatch, database_url):
    """Enough pooled connections that the racers really run side by side."""
    engine = create_engine(tc_db.database_url(), pool_size=40, max_overflow=0, pool_timeout=60,
                           connect_args={"options": "-c timezone=UTC"})
    monkeypatch.setattr(tc_db, "get_engine", lambda: engine)
    yield engine
    engine.dispose()


def students(n: int) -> list[uuid.UUID]:
    ids = [uuid.uuid4() for _ in range(n)]
    with session_scope() as s:
        s.add_all([User(id=i, email=f"racer-{i.hex}@example.com", full_name="Racer", role="student",
                        time_zone="Europe/Berlin") for i in ids])
    return ids


def race(attempts: list[tuple], threads: int | None = None) -> Counter:
    """Run create_booking for each (student, tutor, start, length); all start on a barrier.
    Returns a Counter of outcomes: "ok", "taken", or the unexpected exception's type name."""
    n = threads or len(attempts)
    barrier = threading.Barrier(n)
    outcomes: Counter = Counter()
    lock = threading.Lock()
    chunks = [attempts[i::n] for i in range(n)]

    def run(chunk):
        barrier.wait()
        for student_id, tutor_id, start, length in chunk:
            try:
                with session_scope() as s:
                    bookings.create_booking(s, as_(student_id), student_id, tutor_id, start, length)
                result = "ok"
            except SlotUnavailable as err:
                result = err.reason
            except Exception as err:  # noqa: BLE001 - counted and asserted on below
                result = type(err).__name__
            with lock:
                outcomes[result] += 1

    workers = [threading.Thread(target=run, args=(c,)) for c in chunks]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=120)
    assert not any(w.is_alive() for w in workers)
    return outcomes


def overlaps() -> int:
    with session_scope() as s:
        return s.execute(text(OVERLAPS_SQL)).scalar_one()


def booking_count() -> int:
    with session_scope() as s:
        return s.execute(text("SELECT count(*) FROM bookings")).scalar_one()


def test_200_simultaneous_attempts_on_one_slot_make_exactly_one_booking():
    tutor = bookable_tutor(buffers=(10, 10))
    start = future(days=3, hour=9)
    outcomes = race([(sid, tutor, start, 60) for sid in students(200)])
    assert outcomes == Counter({"ok": 1, "taken": 199}), outcomes
    assert booking_count() == 1 and overlaps() == 0
    with session_scope() as s:
        assert s.execute(text("SELECT count(*) FROM booking_events")).scalar_one() == 1


def test_mixed_lengths_fifteen_minutes_apart_never_overlap():
    tutor = bookable_tutor()
    start = future(days=3, hour=12)
    learners = students(120)
    attempts = [(sid, tutor, start if i % 2 else start + timedelta(minutes=15), 60 if i % 2 else 30)
                for i, sid in enumerate(learners)]
    outcomes = race(attempts)
    assert outcomes["ok"] == 1 and outcomes["taken"] == 119, outcomes
    assert overlaps() == 0


def test_one_student_racing_for_two_tutors_at_once_gets_one_lesson():
    t1, t2 = bookable_tutor(), bookable_tutor()
    (learner,) = students(1)
    start = future(days=3, hour=15)
    outcomes = race([(learner, t1 if i % 2 else t2, start + timedelta(minutes=15 * (i % 3)), 60)
                     for i in range(40)])
    assert outcomes["ok"] == 1 and sum(outcomes.values()) == 40, outcomes
    assert overlaps() == 0


def test_randomized_thousands_of_concurrent_bookings_never_overlap():
    rng = random.Random(20261122)
    tutors = [bookable_tutor(lengths=(30, 45, 60, 90), buffers=(rng.choice((0, 5, 10)), rng.choice((0, 15))))
              for _ in range(12)]
    learners = students(300)
    day = future(days=4, hour=0)
    attempts = [(rng.choice(learners), rng.choice(tutors), day + timedelta(minutes=15 * rng.randrange(0, 4 * 24)),
                 rng.choice((30, 45, 60, 90))) for _ in range(2500)]
    outcomes = race(attempts, threads=32)
    assert sum(outcomes.values()) == 2500
    assert set(outcomes) <= {"ok", "taken"}, outcomes  # nothing unexpected
    assert outcomes["ok"] > 100, outcomes
    assert overlaps() == 0
    assert booking_count() == outcomes["ok"]


def test_concurrent_reschedules_onto_one_time_move_exactly_one_booking():
    tutor = bookable_tutor(buffers=(0, 10))
    learners = students(30)
    base = future(days=5, hour=0)
    made = []
    for i, sid in enumerate(learners):
        with session_scope() as s:
            made.append(bookings.create_booking(s, as_(sid), sid, tutor, base + timedelta(hours=i % 24,
                                                days=i // 24), 30))
    target = future(days=8, hour=10)
    barrier = threading.Barrier(len(made))
    outcomes: Counter = Counter()
    lock = threading.Lock()

    def move(b):
        barrier.wait()
        try:
            with session_scope() as s:
                bookings.reschedule(s, as_(b.student_id), b.id, target + timedelta(minutes=15 * (hash(b.id) % 2)))
            result = "ok"
        except SlotUnavailable as err:
            result = err.reason
        except Exception as err:  # noqa: BLE001
            result = type(err).__name__
        with lock:
            outcomes[result] += 1

    workers = [threading.Thread(target=move, args=(b,)) for b in made]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=60)
    assert outcomes == Counter({"ok": 1, "taken": len(made) - 1}), outcomes
    assert overlaps() == 0
    with session_scope() as s:
        moved = s.execute(text("SELECT count(*) FROM bookings WHERE reschedule_count = 1")).scalar_one()
    assert moved == 1
