"""The booking races again, with slot holds in front, on both hold backends: with Redis
configured (holds placed by the Lua script) and without it (the slot_holds table).

Every attempt does what the slot picker does: place a hold (one transaction), then book
(another transaction, which releases the hold). Holds are only a courtesy for the person
paying; the exclusion constraints on bookings stay the guarantee, so each scenario must
end with the same invariants as without holds: one winner per slot and no overlapping
active bookings (bookings.overlapping_active_pairs == 0).
"""

from __future__ import annotations

import random
import threading
from collections import Counter
from datetime import timedelta

import pytest
import redis

from tests.conftest import REDIS_URL
from tests.integration.booking_support import bookable_tutor, future
from tests.integration.test_booking_races import booking_count, overlaps, students, wide_pool  # noqa: F401
from tests.integration.test_tutor_support import as_
from tutorconnect.config import get_settings
from tutorconnect.db import session_scope
from tutorconnect.integrations.redis_client import get_redis
from tutorconnect.services import bookings, scheduling
from tutorconnect.services.scheduling import SlotUnavailable

pytestmark = pytest.mark.usefixtures("db", "wide_pool")


@pytest.fixture(params=["redis", "postgres"])
def hold_backend(request, monkeypatch):
    """Settings pointing at Redis (TEST_REDIS_URL) or at no Redis; cached clients reset."""
    client = None
    if request.param == "redis":
        client = redis.Redis.from_url(REDIS_URL, socket_timeout=2, socket_connect_timeout=2)
        try:
            client.ping()
        except redis.RedisError as exc:
            pytest.fail(f"Redis is required at TEST_REDIS_URL={REDIS_URL}: {exc!r}")
        monkeypatch.setenv("REDIS_URL", REDIS_URL)
    else:
        monkeypatch.delenv("REDIS_URL", raising=False)
    get_settings.cache_clear()
    get_redis.cache_clear()
    assert (get_redis() is not None) == (request.param == "redis")
    yield request.param
    if client is not None:
        for key in client.scan_iter("tc:holds:*"):
            client.delete(key)
        client.close()
        get_redis().close()
    monkeypatch.delenv("REDIS_URL", raising=False)
    get_settings.cache_clear()
    get_redis.cache_clear()


def hold_then_book(attempts: list[tuple], threads: int | None = None) -> tuple[Counter, int]:
    """Each (student, tutor, start, length): place_hold, then create_booking in a new
    transaction; all threads start on a barrier. Returns (outcomes, holds placed):
    "ok", a SlotUnavailable reason ("held", "taken") or an unexpected exception's type."""
    n = threads or len(attempts)
    barrier = threading.Barrier(n)
    outcomes: Counter = Counter()
    placed = [0]
    lock = threading.Lock()

    def run(chunk):
        barrier.wait()
        for student_id, tutor_id, start, length in chunk:
            try:
                with session_scope() as s:
                    scheduling.place_hold(s, as_(student_id), student_id, tutor_id, start, length)
                with lock:
                    placed[0] += 1
                with session_scope() as s:
                    bookings.create_booking(s, as_(student_id), student_id, tutor_id, start, length)
                result = "ok"
            except SlotUnavailable as err:
                result = err.reason
            except Exception as err:  # noqa: BLE001 - counted and asserted on below
                result = f"{type(err).__name__}: {str(err).splitlines()[0][:160]}"
            with lock:
                outcomes[result] += 1

    chunks = [attempts[i::n] for i in range(n)]
    workers = [threading.Thread(target=run, args=(c,)) for c in chunks]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=120)
    assert not any(w.is_alive() for w in workers)
    return outcomes, placed[0]


def live_holds(tutor_ids) -> int:
    start = future(days=0, hour=0)
    with session_scope() as s:
        return sum(len(scheduling.active_holds(s, t, start, start + timedelta(days=30))) for t in tutor_ids)


def test_200_hold_then_book_attempts_on_one_slot_make_exactly_one_booking(hold_backend):
    tutor = bookable_tutor(buffers=(10, 10))
    start = future(days=3, hour=9)
    outcomes, placed = hold_then_book([(sid, tutor, start, 60) for sid in students(200)])
    assert outcomes["ok"] == 1 and sum(outcomes.values()) == 200, outcomes
    assert set(outcomes) <= {"ok", "held", "taken"}, outcomes
    assert placed >= 1
    assert booking_count() == 1 and overlaps() == 0
    assert live_holds([tutor]) <= placed - 1  # the winner's hold went with its booking


def test_mixed_30_and_60_minute_hold_then_book_never_overlap(hold_backend):
    tutor = bookable_tutor(buffers=(5, 0))
    start = future(days=3, hour=12)
    attempts = [(sid, tutor, start if i % 2 else start + timedelta(minutes=15), 60 if i % 2 else 30)
                for i, sid in enumerate(students(120))]
    outcomes, _ = hold_then_book(attempts)
    assert outcomes["ok"] == 1 and sum(outcomes.values()) == 120, outcomes
    assert set(outcomes) <= {"ok", "held", "taken"}, outcomes
    assert overlaps() == 0
    with session_scope() as s:
        assert bookings.overlapping_active_pairs(s) == 0


def test_randomized_thousands_of_concurrent_hold_then_book_never_overlap(hold_backend):
    rng = random.Random(20261129)
    tutors = [bookable_tutor(lengths=(30, 45, 60, 90), buffers=(rng.choice((0, 5, 10)), rng.choice((0, 15))))
              for _ in range(10)]
    learners = students(250)
    day = future(days=4, hour=0)
    attempts = [(rng.choice(learners), rng.choice(tutors), day + timedelta(minutes=15 * rng.randrange(0, 4 * 24)),
                 rng.choice((30, 45, 60, 90))) for _ in range(2000)]
    outcomes, placed = hold_then_book(attempts, threads=32)
    assert sum(outcomes.values()) == 2000
    assert set(outcomes) <= {"ok", "held", "taken"}, outcomes  # nothing unexpected
    assert outcomes["ok"] > 100 and placed >= outcomes["ok"], outcomes
    with session_scope() as s:
        assert bookings.overlapping_active_pairs(s) == 0
    assert overlaps() == 0
    assert booking_count() == outcomes["ok"]


def test_booking_releases_the_hold_on_either_backend(hold_backend):
    from tests.integration.booking_support import student

    tutor, other_tutor, learner = bookable_tutor(), bookable_tutor(), student()
    start = future(days=3, hour=10)
    with session_scope() as s:
        scheduling.place_hold(s, as_(learner), learner, tutor, start, 60)
        scheduling.place_hold(s, as_(learner), learner, other_tutor, start + timedelta(days=1), 60)
    with session_scope() as s:
        bookings.create_booking(s, as_(learner), learner, tutor, start, 60)
    with session_scope() as s:
        assert scheduling.get_hold(s, learner, tutor) is None
        assert scheduling.get_hold(s, learner, other_tutor) is not None
    assert live_holds([tutor]) == 0 and live_holds([other_tutor]) == 1
