"""Live updates as an attacker sees them, on the live app with Redis (several backend
workers). There is no handler that takes a topic, a user or a token: a tab watches the
topics its load handlers derive from the server-side session, so forged query strings
change nothing, messages about someone else reach nobody else, and a push reloads as
the session's user (a revoked session is cleared, not refreshed). Messages are only
hints: garbage on the channel changes nothing and breaks nothing.

Pushes arrive unasked on the tab's socket; the tests publish on the app's Redis channel
themselves (what any process of the deployment does) and read the socket. "Nothing
arrives" is checked with a bounded wait, always next to a positive check on the same
socket that shows pushes do arrive."""

from __future__ import annotations

import inspect
import json
import time
import uuid

import pytest
import redis

from tests.e2e.attack_support import *  # noqa: F401,F403 (fixtures and helpers)
from tests.e2e.attack_support import assert_still_works, nothing_written
from tests.e2e.helpers import query
from tests.e2e.test_bookings_pages import future, make_booking, make_person
from tests.e2e.live_support import next_push, push_with, signed_in_student
from tests.support.reflex_ws import ReflexSocket, Reply
from tutorconnect.services import live
from tutorconnect.state.booking_picker import BookingPickerState as Picker
from tutorconnect.state.bookings_list import StudentBookingsState as Student
from tutorconnect.state.bookings_list import TutorScheduleState as Tutor
from tutorconnect.state.notifications import BellState, NotificationsState

pytestmark = pytest.mark.e2e
QUIET_SECONDS = 2.0  # how long "nothing arrives" is watched (pushes arrive in well under 1 s)
WATCHING = (BellState, NotificationsState, Student, Tutor, Picker)


# -- helpers ------------------------------------------------------------------------------------
@pytest.fixture
def publish(live_app):
    """publish(*topics) or publish(raw=...) on the live app's channel, as any of its processes would."""
    client = redis.Redis.from_url(live_app.redis_url)
    channel = live.channel(live_app.redis_url)

    def send(*topics: str, raw: str | bytes | None = None) -> None:
        body = raw if raw is not None else json.dumps({"topics": list(topics), "pid": 0, "at": time.time()})
        client.publish(channel, body)

    yield send
    client.close()


def _references(reply: Reply) -> set[str]:
    return {c["reference"] for c in reply.var(Student, "cards")}


def _bookings_tab(open_tab, person) -> ReflexSocket:
    tab = open_tab(person, "/bookings")
    tab.call(BellState.refresh)
    return tab


# -- there is no way to ask for a topic ---------------------------------------------------------
def _all_states():
    import reflex as rx

    import tutorconnect.pages  # noqa: F401  (every page's state is defined)

    seen, todo = [], [rx.State]
    while todo:
        cls = todo.pop()
        seen.append(cls)
        todo.extend(cls.get_substates())
    return seen


def test_watching_states_take_no_topic_user_or_token():
    states = _all_states()
    assert set(WATCHING) <= set(states)
    for cls in WATCHING:
        for name, handler in cls.event_handlers.items():
            params = set(inspect.signature(handler.fn).parameters) - {"self"}
            assert not params & {"topic", "topics", "channel", "user_id", "user", "token", "client_token",
                                 "tutor_id"}, f"{cls.__name__}.{name} takes {params}"
    for cls in states:
        assert "_on_live" not in cls.event_handlers and "watch" not in cls.event_handlers
    assert all(inspect.iscoroutinefunction(cls._on_live) for cls in WATCHING)


# Every topic a tab can watch is built from the server-side session (the user that
# _require / the cookie resolved) or from the tutor the page loaded on the server.
ALLOWED_WATCHES = {
    "live.notifications_topic(user_id)", "live.notifications_topic(user.user_id)",
    "live.bookings_topic(user.user_id)", "live.slots_topic(self._tutor_id)",
}


def test_every_watch_in_the_code_uses_a_server_side_identity():
    import ast
    from pathlib import Path

    import tutorconnect

    root = Path(tutorconnect.__file__).parent
    found = {}
    for path in root.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "watch"
                    and isinstance(node.func.value, ast.Name) and node.func.value.id == "live_push"):
                found.setdefault(ast.unparse(node.args[1]), []).append(path.name)
    assert found, "no live_push.watch call found"
    assert set(found) <= ALLOWED_WATCHES, found


@pytest.mark.parametrize("name", [
    f"{Student.get_full_name()}._on_live", f"{Tutor.get_full_name()}._on_live",
    f"{BellState.get_full_name()}._on_live", f"{BellState.get_full_name()}._load_count",
    f"{NotificationsState.get_full_name()}._on_live", f"{Picker.get_full_name()}._on_live",
    f"{Student.get_full_name()}.watch", f"{BellState.get_full_name()}.subscribe",
], ids=lambda n: n.rsplit("___", 1)[-1])
def test_the_live_hooks_cannot_be_called_over_the_websocket(open_tab, db, people, name):
    tab = open_tab(people.other_student, "/bookings")
    with nothing_written(db):
        reply = tab.call(name, {"topic": live.bookings_topic(people.student.id)})
    assert reply.updates == [], reply.text  # not run: no handler by that name
    assert_still_works(tab, people.other_student)


# -- a tab hears only its own user's changes -------------------------------------------------------
def test_a_tab_is_pushed_only_its_own_users_changes(open_tab, live_app, db, publish):
    tutor, _ = make_person(db, "tutor", "Kofi Mensah", "Africa/Accra")
    attacker = signed_in_student(db, "Neha Gupta")
    victim = signed_in_student(db, "Rahul Verma")
    mine = make_booking(db, attacker.id, tutor, future(9))
    theirs = make_booking(db, victim.id, tutor, future(10))

    tab = _bookings_tab(open_tab, attacker)
    # Every load handler, with the victim's id and topic forged into the page's query.
    forged = {"user_id": str(victim.id), "topic": live.bookings_topic(victim.id), "tab": "upcoming"}
    loaded = tab.call(Student.load, query=forged)
    assert _references(loaded) == {mine.reference}
    tab.call(NotificationsState.load, page="/notifications", query=forged)
    tab.call(Student.load, query=forged)  # back on /bookings: the list is what a push reloads

    # The victim's booking changes and is announced: nothing reaches the attacker's tab.
    query(db, "update bookings set status = 'expired', expires_at = now() where id = :id", id=theirs.id)
    publish(live.bookings_topic(victim.id), live.notifications_topic(victim.id))
    quiet = next_push(tab, QUIET_SECONDS)
    assert quiet is None, quiet.text

    # The attacker's own booking changes (confirmed: it stays under Upcoming, which lists
    # active lessons only): the tab gets its own list, and nobody else's.
    query(db, "update bookings set status = 'confirmed' where id = :id", id=mine.id)
    publish(live.bookings_topic(attacker.id))
    pushed = push_with(tab, Student, "cards")
    assert _references(pushed) == {mine.reference}
    assert [c["status"] for c in pushed.var(Student, "cards")] == ["confirmed"]
    assert theirs.reference not in pushed.text and "Rahul Verma" not in pushed.text
    assert victim.email not in pushed.text


def test_a_revoked_session_is_cleared_by_the_push_not_refreshed(open_tab, live_app, db, publish):
    tutor, _ = make_person(db, "tutor", "Lucia Romero", "Europe/Madrid")
    person = signed_in_student(db, "Ishaan Bose")
    booking = make_booking(db, person.id, tutor, future(11))
    tab = _bookings_tab(open_tab, person)
    assert _references(tab.call(Student.load)) == {booking.reference}

    query(db, "update user_sessions set revoked_at = now(), revoked_reason = 'test' where id = :id",
          id=person.session_id)
    publish(live.bookings_topic(person.id))
    pushed = push_with(tab, Student, "cards")
    assert pushed.var(Student, "cards") == []
    assert booking.reference not in pushed.text
    assert pushed.var(Student, "signed_in", False) is False

    # ... and the tab watches nothing any more: a later announcement reaches it no more.
    publish(live.bookings_topic(person.id), live.notifications_topic(person.id))
    quiet = next_push(tab, QUIET_SECONDS)
    assert quiet is None, quiet.text


def test_a_tab_of_another_tab_token_gets_nothing_pushed(open_tab, live_app, db, publish):
    """A socket that reuses someone's client token while theirs is connected gets a fresh
    token from Reflex; it is not registered for anything, so it hears nothing."""
    tutor, _ = make_person(db, "tutor", "Aiko Tanaka", "Asia/Tokyo")
    owner = signed_in_student(db, "Kavya Menon")
    first = make_booking(db, owner.id, tutor, future(12))
    tab = _bookings_tab(open_tab, owner)
    tab.call(Student.load)
    twin = open_tab(None, "/bookings", token=tab.token)
    assert twin.token != tab.token
    second = make_booking(db, owner.id, tutor, future(12, 14))
    publish(live.bookings_topic(owner.id))
    assert _references(push_with(tab, Student, "cards")) == {first.reference, second.reference}  # the owner's tab
    quiet = next_push(twin, QUIET_SECONDS)
    assert quiet is None, quiet.text


# -- the channel carries hints only ---------------------------------------------------------------
@pytest.mark.parametrize("raw", [
    "not json", "[]", '{"topics": "bookings:x"}', '{"topics": [1, null, {}]}',
    json.dumps({"topics": ["x" * 5000]}), json.dumps({"topics": [f"bookings:{uuid.uuid4()}"] * 20000}),
    b"\xff\xfe\x00",
], ids=["text", "list", "topics-str", "topics-junk", "long-topic", "many-topics", "bytes"])
def test_garbage_on_the_channel_breaks_nothing(open_tab, live_app, db, publish, raw):
    tutor, _ = make_person(db, "tutor", "Sara Lind", "Europe/Stockholm")
    person = signed_in_student(db, "Dev Anand")
    booking = make_booking(db, person.id, tutor, future(13))
    tab = _bookings_tab(open_tab, person)
    tab.call(Student.load)
    log = live_app.log_dir / "app.log"
    offset = log.stat().st_size
    publish(raw=raw)
    later = make_booking(db, person.id, tutor, future(13, 15))
    publish(live.bookings_topic(person.id))  # the listener is still there
    assert _references(push_with(tab, Student, "cards")) == {booking.reference, later.reference}
    errors = [line for line in log.read_bytes()[offset:].decode(errors="replace").splitlines()
              if "tutorconnect.live_push" in line and '"level": "ERROR"' in line]
    assert not errors, errors
