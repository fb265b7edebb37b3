"""services/live.publish against real PostgreSQL and Redis (TEST_REDIS_URL), and the
in-process bus used without Redis: topics go out only after the transaction commits,
never for a rollback (savepoints included), once per topic per transaction; a booking
change announces both people's bookings and the tutor's slots; Redis down never raises
and never fails the change that published.

Absence is checked without waiting: a marker published AFTER the rolled-back work
arrives first on the same channel (one connection, Redis keeps the order) only if the
rolled-back topics were never sent."""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import threading
import time
import uuid

import pytest
import redis
from sqlalchemy import text

from tests.conftest import REDIS_URL
from tests.integration.booking_support import book, bookable_tutor, future, student
from tutorconnect.config import get_settings
from tutorconnect.db import session_scope
from tutorconnect.integrations.redis_client import get_redis
from tutorconnect.services import live

pytestmark = pytest.mark.usefixtures("db")


def _use_redis(monkeypatch, url: str | None) -> None:
    if url:
        monkeypatch.setenv("REDIS_URL", url)
    else:
        monkeypatch.delenv("REDIS_URL", raising=False)
    get_settings.cache_clear()
    get_redis.cache_clear()


@pytest.fixture
def channel(monkeypatch):
    """Subscribed to this deployment's live channel on the test Redis; yields a reader."""
    client = redis.Redis.from_url(REDIS_URL, socket_timeout=5, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError as exc:
        pytest.fail(f"Redis is required at TEST_REDIS_URL={REDIS_URL}: {exc!r}")
    _use_redis(monkeypatch, REDIS_URL)
    pubsub = client.pubsub(ignore_subscribe_messages=True)
    pubsub.subscribe(live.channel())
    pubsub.get_message(timeout=2)  # the subscribe confirmation

    def until(marker: str, timeout: float = 10) -> list[list[str]]:
        """Every message's topics up to and including the one carrying `marker`.
        Other test runs may share this Redis: only messages with our markers count."""
        seen: list[list[str]] = []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            msg = pubsub.get_message(timeout=0.5)
            if msg is None or msg["type"] != "message":
                continue
            data = json.loads(msg["data"])
            seen.append(data["topics"])
            if marker in data["topics"]:
                return seen
        raise AssertionError(f"{marker} not published within {timeout}s; saw {seen}")

    yield until
    pubsub.close()
    client.close()
    _use_redis(monkeypatch, None)


def _topic(kind: str = "bookings") -> str:
    return f"{kind}:{uuid.uuid4()}"


def _mine(seen: list[list[str]], *topics: str) -> list[list[str]]:
    return [[t for t in msg if t in topics] for msg in seen if any(t in topics for t in msg)]


def test_topics_go_out_after_the_commit_not_before(channel):
    first, second, marker = _topic(), _topic("slots"), _topic("marker")
    with session_scope() as s:
        s.execute(text("SELECT 1"))
        live.publish(s, first, second, first)
        live.publish(None, marker)  # sent at once: proves nothing of the session's went out yet
        assert _mine(channel(marker), first, second, marker) == [[marker]]
    after = _topic("marker")
    live.publish(None, after)
    assert _mine(channel(after), first, second, after) == [[first, second], [after]]  # once each


def test_a_rollback_sends_nothing(channel):
    lost, marker = _topic(), _topic("marker")
    with pytest.raises(RuntimeError):
        with session_scope() as s:
            s.execute(text("SELECT 1"))
            live.publish(s, lost)
            raise RuntimeError("the change failed")
    live.publish(None, marker)
    assert _mine(channel(marker), lost, marker) == [[marker]]


def test_savepoints_keep_released_topics_and_drop_rolled_back_ones(channel):
    outer, kept, dropped, deep, marker = _topic(), _topic(), _topic(), _topic(), _topic("marker")
    with session_scope() as s:
        s.execute(text("SELECT 1"))
        live.publish(s, outer)
        with s.begin_nested():
            live.publish(s, kept)
            with s.begin_nested():
                live.publish(s, deep)  # released into `kept`'s savepoint, then into the transaction
        with pytest.raises(ValueError):
            with s.begin_nested():
                live.publish(s, dropped)
                raise ValueError("this part is undone")
        # SQLAlchemy fires after_commit for a released savepoint: nothing may go out yet.
        early = _topic("marker")
        live.publish(None, early)
        assert _mine(channel(early), outer, kept, deep, dropped, early) == [[early]]
    live.publish(None, marker)
    assert _mine(channel(marker), outer, kept, deep, dropped, marker) == [[outer, kept, deep], [marker]]


def test_a_session_closed_without_commit_sends_nothing_and_an_idle_one_sends_at_once(channel):
    lost, idle, marker = _topic(), _topic(), _topic("marker")
    from sqlmodel import Session

    from tutorconnect.db import get_engine

    with Session(get_engine()) as s:
        s.execute(text("SELECT 1"))
        live.publish(s, lost)
    with Session(get_engine()) as s:  # no transaction in progress: nothing uncommitted to wait for
        live.publish(s, idle)
    live.publish(None, marker)
    assert _mine(channel(marker), lost, idle, marker) == [[idle], [marker]]


def test_a_booking_change_announces_both_people_and_the_tutors_slots(channel):
    tutor, learner = bookable_tutor(), student()
    made = book(learner, tutor, future(4))
    marker = _topic("marker")
    live.publish(None, marker)
    wanted = {live.bookings_topic(learner), live.bookings_topic(tutor), live.slots_topic(tutor)}
    seen = _mine(channel(marker), *wanted)
    assert seen and set(seen[0]) == wanted, seen
    assert made.status == "pending_payment"


def test_bad_topics_are_ignored_without_raising(channel):
    good, marker = _topic(), _topic("marker")
    live.publish(None, None, 5, "", "x" * 500, good)  # type: ignore[arg-type]
    live.publish(None, marker)
    assert _mine(channel(marker), good, marker) == [[good], [marker]]


def test_redis_down_never_raises_and_the_booking_still_commits(monkeypatch):
    dead = "redis://127.0.0.1:9/0"  # the discard port: nothing listens there
    _use_redis(monkeypatch, dead)
    try:
        tutor, learner = bookable_tutor(), student()
        made = book(learner, tutor, future(5))  # publishes after its commit: must not raise
        live.publish(None, _topic())
        with session_scope() as s:
            s.execute(text("SELECT 1"))
            live.publish(s, _topic())
        with session_scope() as s:
            status = s.execute(text("SELECT status FROM bookings WHERE id = :id"), {"id": made.id}).scalar_one()
        assert status == "pending_payment"
        assert live._redis_publisher._failing  # it noticed, logged once, and carried on
    finally:
        _use_redis(monkeypatch, None)


def test_without_redis_the_in_process_bus_delivers_on_the_subscribers_loop(monkeypatch):
    """No REDIS_URL: publishers in other threads (jobs, webhooks, handlers' transactions)
    reach the app's loop; a rollback reaches nobody."""
    _use_redis(monkeypatch, None)
    kept, lost, marker = _topic(), _topic(), _topic("marker")

    async def scenario() -> list[tuple[list[str], bool]]:
        loop = asyncio.get_running_loop()
        loop_thread = threading.current_thread()
        got: asyncio.Queue = asyncio.Queue()
        unsubscribe = live.subscribe_local(
            loop, lambda m: got.put_nowait((m["topics"], threading.current_thread() is loop_thread)))

        def work() -> None:
            try:
                with session_scope() as s:
                    s.execute(text("SELECT 1"))
                    live.publish(s, lost)
                    raise RuntimeError("undone")
            except RuntimeError:
                pass
            with session_scope() as s:
                s.execute(text("SELECT 1"))
                live.publish(s, kept)
            live.publish(None, marker)

        try:
            await asyncio.to_thread(work)
            received = []
            while not received or marker not in received[-1][0]:
                received.append(await asyncio.wait_for(got.get(), timeout=5))
            return received
        finally:
            unsubscribe()

    with concurrent.futures.ThreadPoolExecutor(1) as pool:  # a loop of its own, whatever runs in this thread
        received = pool.submit(asyncio.run, scenario()).result()
    assert [topics for topics, _ in received] == [[kept], [marker]]
    assert all(on_loop_thread for _, on_loop_thread in received)  # run on the subscriber's loop


class _Recorder:
    """What the app's listener hands messages to (live_push.Pusher's two entry points)."""

    def __init__(self) -> None:
        self.messages: list[list[str]] = []
        self.refreshes = 0

    def on_message(self, message) -> int:
        self.messages.append(message["topics"])
        return 0

    def refresh_all(self) -> int:
        self.refreshes += 1
        return 0


def test_the_apps_listener_survives_a_redis_restart_and_refreshes_open_pages(monkeypatch, tmp_path):
    """A private redis-server stopped and started again under the app's listener: the
    publisher never raises meanwhile, the listener subscribes again by itself, asks every
    open page to reload (messages may have been missed), and delivers again."""
    from tests.integration.test_payment_faults import PrivateRedis
    from tutorconnect.live_push import _listen_redis

    server = PrivateRedis(tmp_path)
    server.start()
    _use_redis(monkeypatch, server.url)
    recorder = _Recorder()

    async def until(check, what: str, timeout: float = 30, publish: str | None = None) -> None:
        deadline = time.monotonic() + timeout
        while not check():
            assert time.monotonic() < deadline, f"{what} within {timeout}s"
            if publish:
                live.publish(None, publish)  # again and again: the publisher may be backing off
            await asyncio.sleep(0.3)

    async def scenario() -> None:
        stop = asyncio.Event()
        listener = asyncio.create_task(_listen_redis(recorder, server.url, stop))
        try:
            first = _topic("marker")
            await until(lambda: [first] in recorder.messages, "first message", publish=first)
            server.stop()
            with session_scope() as s:  # a change while Redis is down: committed, nothing raised
                s.execute(text("SELECT 1"))
                live.publish(s, _topic())
            server.start()
            await until(lambda: recorder.refreshes >= 1, "resubscribed and refreshed")
            second = _topic("marker")
            await until(lambda: [second] in recorder.messages, "a message after the restart", publish=second)
        finally:
            stop.set()
            await asyncio.wait_for(listener, 10)

    try:
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            pool.submit(asyncio.run, scenario()).result()
    finally:
        server.stop()
        _use_redis(monkeypatch, None)
