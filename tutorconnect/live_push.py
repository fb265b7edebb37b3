"""Live updates, app side: open pages reload what they show when services/live.py says a
topic of theirs changed (a booking confirmed by a webhook, a notification written by a
Celery worker, a slot taken by another student).

- Registration: a state's load handler calls `watch(self, topic)` with a topic built from
  the SERVER-SIDE session's user (services/live.py helpers), never from anything the
  browser sends; there is no event handler taking a topic. The registry is per backend
  worker: topic -> {client token: state classes}. A new page load forgets the tab's
  previous page (`page_changed`, from BellState.refresh); tokens whose socket this worker
  no longer owns, and tokens beyond MAX_TOKENS (oldest first), are dropped.
- Delivery: `live_updates_task` (a lifespan task, one per backend worker) subscribes to
  the Redis channel (or, without Redis, the in-process bus). For each token registered in
  this worker whose socket this worker owns, after a short debounce, it opens
  `app.modify_state(rx.BaseStateToken(ident=token, cls=StateCls))` and awaits the state's
  `_on_live(topic)`, which reloads from PostgreSQL as the session's user (re-checking the
  session; a signed-out tab is cleared). Reflex sends the resulting delta to the browser.
- Redis down: publishers log and carry on; this task retries with backoff and, once
  subscribed again, refreshes every page it watches (messages may have been missed).
  Pages are always correct on their next load.
"""

from __future__ import annotations

import asyncio
import collections
import logging
import os
import time
from typing import Any

import reflex as rx

from tutorconnect.config import get_settings
from tutorconnect.services import live

log = logging.getLogger(__name__)

DEBOUNCE_SECONDS = 0.1  # a burst of messages for one tab becomes one reload
MAX_TOKENS = 10_000  # per backend worker; the oldest registrations go first
MAX_TOPICS_PER_TOKEN = 8
SWEEP_EVERY_SECONDS = 30.0
APPLY_TIMEOUT_SECONDS = 30.0
LOCAL_QUEUE_MAX = 10_000


class Registry:
    """topic -> {token: state classes}, with the reverse index; event-loop only."""

    def __init__(self, max_tokens: int = MAX_TOKENS, max_topics: int = MAX_TOPICS_PER_TOKEN) -> None:
        self.max_tokens, self.max_topics = max_tokens, max_topics
        self._by_token: collections.OrderedDict[str, dict[str, set[type]]] = collections.OrderedDict()
        self._by_topic: dict[str, set[str]] = {}

    def __len__(self) -> int:
        return len(self._by_token)

    def watch(self, token: str, topic: str, cls: type) -> None:
        topics = self._by_token.get(token)
        if topics is None:
            while len(self._by_token) >= self.max_tokens:
                self.forget(next(iter(self._by_token)))
            topics = self._by_token[token] = {}
        else:
            self._by_token.move_to_end(token)
        if topic not in topics and len(topics) >= self.max_topics:
            self._drop_topic(token, next(iter(topics)))
        topics.setdefault(topic, set()).add(cls)
        self._by_topic.setdefault(topic, set()).add(token)

    def forget(self, token: str) -> None:
        for topic in list(self._by_token.get(token, {})):
            self._drop_topic(token, topic)
        self._by_token.pop(token, None)

    def _drop_topic(self, token: str, topic: str) -> None:
        topics = self._by_token.get(token)
        if topics is not None:
            topics.pop(topic, None)
            if not topics:
                del self._by_token[token]
        tokens = self._by_topic.get(topic)
        if tokens is not None:
            tokens.discard(token)
            if not tokens:
                del self._by_topic[topic]

    def watchers(self, topic: str) -> list[tuple[str, set[type]]]:
        return [(t, set(self._by_token[t][topic])) for t in self._by_topic.get(topic, ()) if t in self._by_token]

    def tokens(self) -> list[str]:
        return list(self._by_token)

    def entries(self) -> list[tuple[str, str, set[type]]]:
        return [(token, topic, set(classes)) for token, topics in self._by_token.items()
                for topic, classes in topics.items()]


registry = Registry()


# -- called by states (inside their event handlers) ----------------------------------------
def _token_of(state: Any) -> str:
    try:
        token = state.router.session.client_token
    except AttributeError:
        return ""
    return token if isinstance(token, str) and 0 < len(token) <= 100 else ""


def watch(state: Any, topic: str) -> None:
    """This tab's `type(state)` shows `topic`: reload it (`_on_live`) when it changes."""
    token = _token_of(state)
    if token and isinstance(topic, str) and topic:
        registry.watch(token, topic, type(state))


def unwatch(state: Any) -> None:
    """The tab's session no longer holds (signed out, revoked, someone else): it watches
    nothing any more, whichever of its states found out."""
    if token := _token_of(state):
        registry.forget(token)


def page_changed(state: Any) -> None:
    """A page load: forget what the tab's previous page watched (its states re-register)."""
    if token := _token_of(state):
        registry.forget(token)


# -- delivery -------------------------------------------------------------------------------
class Pusher:
    """Turns messages into `_on_live` calls for the tabs this worker serves."""

    def __init__(self, app: Any, reg: Registry = registry, debounce: float = DEBOUNCE_SECONDS) -> None:
        self.app, self.registry, self.debounce = app, reg, debounce
        self._pending: dict[str, dict[type, set[str]]] = {}
        self._sent_at: dict[str, float] = {}
        self._tasks: dict[str, asyncio.Task] = {}

    def _token_manager(self) -> Any:
        namespace = getattr(self.app, "event_namespace", None)
        return getattr(namespace, "_token_manager", None)

    def owns(self, token: str) -> bool:
        """The tab's socket is connected to this worker (without Redis: connected at all)."""
        manager = self._token_manager()
        if manager is None:
            return False
        record = manager.token_to_socket.get(token)
        return record is not None and record.instance_id == manager.instance_id

    def on_message(self, message: dict[str, Any]) -> int:
        """Schedule reloads for the message's topics; returns how many tabs are affected."""
        affected = 0
        at = message.get("at")
        for topic in message.get("topics", ()):
            for token, classes in self.registry.watchers(topic):
                if not self.owns(token):
                    self.registry.forget(token)  # gone, or now served by another worker
                    continue
                affected += 1
                self._queue(token, classes, topic, at)
        return affected

    def refresh_all(self) -> int:
        """Every watched page reloads (after missed messages)."""
        count = 0
        for token, topic, classes in self.registry.entries():
            if self.owns(token):
                self._queue(token, classes, topic, None)
                count += 1
            else:
                self.registry.forget(token)
        return count

    def sweep(self) -> int:
        gone = [t for t in self.registry.tokens() if not self.owns(t)]
        for token in gone:
            self.registry.forget(token)
        return len(gone)

    def _queue(self, token: str, classes: set[type], topic: str, at: Any) -> None:
        pending = self._pending.setdefault(token, {})
        for cls in classes:
            pending.setdefault(cls, set()).add(topic)
        if isinstance(at, (int, float)):
            self._sent_at.setdefault(token, float(at))
        if token not in self._tasks:
            self._tasks[token] = asyncio.create_task(self._flush(token), name="tutorconnect-live-push")

    async def _flush(self, token: str) -> None:
        try:
            await asyncio.sleep(self.debounce)
            while pending := self._pending.pop(token, None):
                at = self._sent_at.pop(token, None)
                for cls, topics in pending.items():
                    await self._apply(token, cls, topics)
                if at is not None:
                    log.debug("live push", extra={"latency_ms": round((time.time() - at) * 1000, 1),
                                                  "states": ",".join(c.__name__ for c in pending),
                                                  "worker_pid": os.getpid()})
        finally:
            self._tasks.pop(token, None)

    async def _apply(self, token: str, cls: type, topics: set[str]) -> None:
        try:
            async with asyncio.timeout(APPLY_TIMEOUT_SECONDS):
                async with self.app.modify_state(rx.BaseStateToken(ident=token, cls=cls)) as root:
                    state = await root.get_state(cls)
                    for topic in sorted(topics):
                        await state._on_live(topic)
        except Exception:
            log.exception("live: could not update an open page", extra={"state_name": cls.__name__})

    async def drain(self) -> None:
        """Wait for scheduled reloads (tests)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks.values()), return_exceptions=True)


async def _listen_redis(pusher: Pusher, url: str, stop: asyncio.Event) -> None:
    import redis.asyncio as aioredis

    channel = live.channel(url)
    failures = 0
    while not stop.is_set():
        client = aioredis.Redis.from_url(url, socket_connect_timeout=2, health_check_interval=15)
        try:
            async with client.pubsub(ignore_subscribe_messages=True) as pubsub:
                await pubsub.subscribe(channel)
                if failures:
                    log.info("live: subscribed again; refreshing open pages",
                             extra={"pages": pusher.refresh_all(), "worker_pid": os.getpid()})
                failures = 0
                while not stop.is_set():
                    message = await pubsub.get_message(timeout=1.0)
                    if message is None or message.get("type") != "message":
                        continue
                    parsed = live.parse_message(message.get("data"))
                    if parsed is not None:
                        pusher.on_message(parsed)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            failures += 1
            if failures == 1:
                log.warning("live: Redis subscription lost; retrying", extra={"error": repr(exc)[:200]})
            await _pause(stop, min(0.5 * 2 ** (failures - 1), 30.0))
        finally:
            try:
                await client.aclose()
            except Exception:
                pass


async def _listen_local(pusher: Pusher, stop: asyncio.Event) -> None:
    queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue(maxsize=LOCAL_QUEUE_MAX)

    def receive(message: dict[str, Any]) -> None:  # runs on this loop (call_soon_threadsafe)
        try:
            queue.put_nowait(message)
        except asyncio.QueueFull:
            log.warning("live: local queue full; message dropped")

    unsubscribe = live.subscribe_local(asyncio.get_running_loop(), receive)
    try:
        while not stop.is_set():
            try:
                message = await asyncio.wait_for(queue.get(), timeout=1.0)
            except TimeoutError:
                continue
            pusher.on_message(message)
    finally:
        unsubscribe()


async def _pause(stop: asyncio.Event, seconds: float) -> None:
    try:
        await asyncio.wait_for(stop.wait(), timeout=seconds)
    except TimeoutError:
        pass


async def _sweep_loop(pusher: Pusher, stop: asyncio.Event) -> None:
    while not stop.is_set():
        await _pause(stop, SWEEP_EVERY_SECONDS)
        try:
            pusher.sweep()
        except Exception:
            log.exception("live: sweep failed")


async def live_updates_task(app: Any, stop: asyncio.Event | None = None) -> None:
    """Lifespan task (one per backend worker): deliver live updates to this worker's tabs."""
    stop = stop or asyncio.Event()
    pusher = Pusher(app)
    url = get_settings().redis_url
    log.info("live updates: listening", extra={"worker_pid": os.getpid(),
                                               "transport": "redis" if url else "in-process"})
    sweeper = asyncio.create_task(_sweep_loop(pusher, stop))
    try:
        if url:
            await _listen_redis(pusher, url, stop)
        else:
            await _listen_local(pusher, stop)
    finally:
        sweeper.cancel()
