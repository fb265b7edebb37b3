"""The live-updates registry and pusher logic (tutorconnect/live_push.py) without a
server: bounds, forgetting, ownership through Reflex's real LocalTokenManager, and the
per-tab debounce. The end-to-end path (Redis, several workers, modify_state, Chromium) is
tests/e2e/test_live_updates.py; here the app is a stand-in that records which states
`modify_state` was opened for."""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
from types import SimpleNamespace

from reflex.utils.token_manager import LocalTokenManager

from tutorconnect.live_push import Pusher, Registry


class A:
    pass


class B:
    pass


def test_watch_forget_and_lookup():
    reg = Registry()
    reg.watch("t1", "bookings:1", A)
    reg.watch("t1", "bookings:1", B)
    reg.watch("t2", "bookings:1", A)
    reg.watch("t2", "slots:9", A)
    assert sorted((t, sorted(c.__name__ for c in cls)) for t, cls in reg.watchers("bookings:1")) == \
        [("t1", ["A", "B"]), ("t2", ["A"])]
    reg.forget("t2")
    assert reg.watchers("slots:9") == [] and [t for t, _ in reg.watchers("bookings:1")] == ["t1"]
    assert len(reg) == 1


def test_bounded_oldest_tab_and_oldest_topic_go_first():
    reg = Registry(max_tokens=3, max_topics=2)
    for n in range(5):
        reg.watch(f"t{n}", "notifications:x", A)
    assert sorted(reg.tokens()) == ["t2", "t3", "t4"]
    reg.watch("t2", "a", A)  # t2 is now the most recent
    reg.watch("t5", "b", A)
    assert sorted(reg.tokens()) == ["t2", "t4", "t5"]
    reg.watch("t5", "c", A)
    reg.watch("t5", "d", A)  # at most two topics a tab: "b" goes
    assert {topic for token, topic, _ in reg.entries() if token == "t5"} == {"c", "d"}
    assert reg.watchers("b") == []


class _App:
    """What Pusher uses of rx.App: the event namespace's token manager and modify_state."""

    def __init__(self) -> None:
        self.event_namespace = SimpleNamespace(_token_manager=LocalTokenManager())
        self.opened: list[tuple[str, str, list[str]]] = []

    @contextlib.asynccontextmanager
    async def modify_state(self, token):
        app = self

        class Root:
            async def get_state(self, cls):
                async def on_live(topic: str) -> None:
                    app.opened.append((token.ident, cls.__name__, topic))

                return SimpleNamespace(_on_live=on_live)

        yield Root()


def test_only_connected_tabs_of_this_worker_are_updated_and_bursts_coalesce():
    async def scenario():
        app, reg = _App(), Registry()
        manager = app.event_namespace._token_manager
        await manager.link_token_to_sid("here", "sid-1")
        pusher = Pusher(app, reg, debounce=0.05)
        reg.watch("here", "bookings:1", A)
        reg.watch("here", "notifications:1", B)
        reg.watch("gone", "bookings:1", A)  # its socket is not connected to this worker
        for _ in range(5):  # a burst
            assert pusher.on_message({"topics": ["bookings:1", "notifications:1"]}) == 2
        await pusher.drain()
        assert sorted(app.opened) == [("here", "A", "bookings:1"), ("here", "B", "notifications:1")]
        assert "gone" not in reg.tokens()  # dropped on sight

        # A socket that moved to another worker: not ours any more, forgotten.
        manager.token_to_socket["here"] = type(manager.token_to_socket["here"])(instance_id="other", sid="sid-9")
        app.opened.clear()
        assert pusher.on_message({"topics": ["bookings:1"]}) == 0
        await pusher.drain()
        assert app.opened == [] and reg.tokens() == []

    # In a thread of its own: Playwright's sync API may have a loop running in this one.
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, scenario()).result()
