"""Live updates: tell open pages that something they show has changed.

`publish(session, *topics)` is cheap and never raises into the caller. With a session the
topics wait in `session.info` and go out only once that session's transaction commits
(nothing is announced for a rollback; topics published inside a savepoint survive its
release and are dropped with its rollback). Without a session they go out at once.

A message only says "these topics changed": pages reload what they show from PostgreSQL
as their own user (see tutorconnect/live_push.py), so a lost message costs freshness,
never correctness, and a message carries no data worth stealing.

Transport:
- REDIS_URL set: `PUBLISH tutorconnect:live:<redis db> {"topics": [...], "pid": ..., "at": ...}`;
  every Reflex backend worker subscribes (Celery workers, webhooks and pages all publish
  the same way). The channel carries the database number because Redis pub/sub channels
  are shared by every database of a server.
- No Redis (one app process, jobs run in it): an in-process bus; the app's lifespan task
  subscribes with `subscribe_local`. A process nobody subscribes in drops the message.

Topics are plain strings; the helpers below are the only way to build them.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

from sqlalchemy import event
from sqlmodel import Session

log = logging.getLogger(__name__)

CHANNEL_PREFIX = "tutorconnect:live"
MAX_TOPICS = 50  # per message; more in one transaction are sent in several messages
TOPIC_MAX_LEN = 100
REDIS_RETRY_AFTER_SECONDS = 3.0  # after a failed PUBLISH, skip Redis this long (no stall per commit)
_INFO_KEY = "tutorconnect.live"


def bookings_topic(user_id: uuid.UUID | str) -> str:
    """A booking of this user (student or tutor) changed."""
    return f"bookings:{user_id}"


def notifications_topic(user_id: uuid.UUID | str) -> str:
    """This user has a new notification or its read state changed."""
    return f"notifications:{user_id}"


def slots_topic(tutor_id: uuid.UUID | str) -> str:
    """This tutor's free times changed (a slot taken or freed, availability edited)."""
    return f"slots:{tutor_id}"


def publish(session: Session | None, *topics: str) -> None:
    """Announce `topics` to every open page watching them (after commit when given a session)."""
    try:
        clean = _clean(topics)
        if not clean:
            return
        if session is None or not session.in_transaction():
            _send(clean)  # nothing uncommitted to wait for
            return
        _stash(session, clean)
    except Exception:  # a push is a courtesy: never let it break the change that caused it
        log.exception("live: publish failed")


def _clean(topics: tuple[Any, ...]) -> list[str]:
    seen: dict[str, None] = {}
    for topic in topics:
        if isinstance(topic, str) and 0 < len(topic) <= TOPIC_MAX_LEN:
            seen[topic] = None
        else:
            log.warning("live: topic ignored", extra={"topic_repr": repr(topic)[:120]})
    return list(seen)


# After commit -----------------------------------------------------------------------------
# Topics belong to the innermost transaction open when they were published: a released
# savepoint hands them to its parent, a rolled-back one drops them, the outermost sends
# them after its commit. SQLAlchemy fires after_commit / after_rollback for savepoints too,
# always before the matching after_transaction_end, which is where the outcome is applied.
def _stash(session: Session, topics: list[str]) -> None:
    state = session.info.get(_INFO_KEY)
    if state is None:
        state = session.info[_INFO_KEY] = {"pending": {}, "outcome": None}
        event.listen(session, "after_commit", _on_commit)
        event.listen(session, "after_rollback", _on_rollback)
        event.listen(session, "after_transaction_end", _on_transaction_end)
    transaction = session.get_nested_transaction() or session.get_transaction()
    state["pending"].setdefault(transaction, {}).update(dict.fromkeys(topics))


def _on_commit(session: Session) -> None:
    state = session.info.get(_INFO_KEY)
    if state is not None:
        state["outcome"] = "commit"


def _on_rollback(session: Session) -> None:
    state = session.info.get(_INFO_KEY)
    if state is not None:
        state["outcome"] = "rollback"


def _on_transaction_end(session: Session, transaction: Any) -> None:
    try:
        state = session.info.get(_INFO_KEY)
        if state is None:
            return
        outcome, state["outcome"] = state["outcome"], None
        topics = state["pending"].pop(transaction, None)
        if not topics:
            return
        parent = transaction.parent
        if parent is not None and not transaction.nested:
            state["pending"].setdefault(parent, {}).update(topics)  # a subtransaction: its parent decides
        elif outcome != "commit":
            return  # rolled back, or closed without a commit: nothing happened
        elif parent is not None:
            state["pending"].setdefault(parent, {}).update(topics)  # a released savepoint
        else:
            _send(list(topics))
    except Exception:  # raising here would fail the caller's commit after the fact
        log.exception("live: after-commit send failed")


# Sending ----------------------------------------------------------------------------------
def _send(topics: list[str]) -> None:
    for start in range(0, len(topics), MAX_TOPICS):
        message = {"topics": topics[start:start + MAX_TOPICS], "pid": os.getpid(), "at": time.time()}
        try:
            if _redis_url():
                _publish_redis(message)
            else:
                _local_bus.send(message)
        except Exception:
            log.exception("live: send failed")


def _redis_url() -> str:
    from tutorconnect.config import get_settings

    return get_settings().redis_url


class _RedisPublisher:
    """One client per process (rebuilt after a fork), short timeouts, and after a failure
    no further attempt for REDIS_RETRY_AFTER_SECONDS: with Redis down a booking loses
    its push, never seconds of its time."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._client: Any = None
        self._channel = ""
        self._owner: tuple[int, str] | None = None
        self._down_until = 0.0
        self._failing = False

    def channel_for(self, url: str) -> str:
        from redis.connection import parse_url

        return f"{CHANNEL_PREFIX}:{int(parse_url(url).get('db') or 0)}"

    def _get(self, url: str) -> tuple[Any, str]:
        with self._lock:
            if self._owner != (os.getpid(), url):
                import redis

                self._client = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
                self._channel = self.channel_for(url)
                self._owner = (os.getpid(), url)
                self._down_until, self._failing = 0.0, False
            return self._client, self._channel

    def publish(self, message: dict[str, Any]) -> bool:
        client, channel = self._get(_redis_url())
        if time.monotonic() < self._down_until:
            return False
        try:
            client.publish(channel, json.dumps(message, separators=(",", ":")))
        except Exception as exc:
            self._down_until = time.monotonic() + REDIS_RETRY_AFTER_SECONDS
            if not self._failing:
                self._failing = True
                log.warning("live: Redis publish failed; open pages update on their next load",
                            extra={"error": repr(exc)[:200]})
            return False
        if self._failing:
            self._failing = False
            log.info("live: Redis publish works again")
        return True


_redis_publisher = _RedisPublisher()


def _publish_redis(message: dict[str, Any]) -> bool:
    return _redis_publisher.publish(message)


def channel(redis_url: str | None = None) -> str:
    """The Redis channel of the deployment using `redis_url` (default: REDIS_URL)."""
    return _redis_publisher.channel_for(redis_url or _redis_url())


class _LocalBus:
    """Thread-safe fan-out to subscribers in this process (no-Redis mode). A subscriber is
    a callable run on its own event loop (`loop.call_soon_threadsafe`), so publishers in
    worker threads (jobs, webhooks, handlers' transactions) never touch it directly."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._subscribers: dict[int, tuple[Any, Callable[[dict[str, Any]], None]]] = {}
        self._ids = iter(range(1, 1 << 62))

    def subscribe(self, loop: Any, callback: Callable[[dict[str, Any]], None]) -> Callable[[], None]:
        with self._lock:
            key = next(self._ids)
            self._subscribers[key] = (loop, callback)

        def unsubscribe() -> None:
            with self._lock:
                self._subscribers.pop(key, None)

        return unsubscribe

    def send(self, message: dict[str, Any]) -> int:
        with self._lock:
            subscribers = list(self._subscribers.items())
        delivered = 0
        for key, (loop, callback) in subscribers:
            try:
                loop.call_soon_threadsafe(callback, message)
                delivered += 1
            except RuntimeError:  # its loop is closed
                with self._lock:
                    self._subscribers.pop(key, None)
        return delivered


_local_bus = _LocalBus()


def subscribe_local(loop: Any, callback: Callable[[dict[str, Any]], None]) -> Callable[[], None]:
    """No-Redis mode: call `callback(message)` on `loop` for every message published in
    this process. Returns the function that unsubscribes."""
    return _local_bus.subscribe(loop, callback)


def parse_message(raw: bytes | str) -> dict[str, Any] | None:
    """A message from the channel, or None when it is not one of ours."""
    try:
        data = json.loads(raw)
    except (TypeError, ValueError):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("topics"), list):
        return None
    topics = [t for t in data["topics"][:MAX_TOPICS] if isinstance(t, str) and 0 < len(t) <= TOPIC_MAX_LEN]
    at = data.get("at")
    return {"topics": topics, "pid": data.get("pid"), "at": at if isinstance(at, (int, float)) else None}
