"""What every websocket attack test shares: signed-in people (demo admin, student and a
second student), tabs on the live app, a snapshot of what an attack could write, and the
assertions for a refusal. Test modules import these names (fixtures included) with
`from tests.e2e.attack_support import *`."""


from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import create_engine

from tests.e2e.helpers import query
from tests.support.reflex_ws import (
    ReflexSocket,
    Reply,
    handoff_code,
    random_loopback_ip,
    redeem,
    session_cookie,
)
from tutorconnect.db import normalize_url
from tutorconnect.demo import demo_email
from tutorconnect.services.errors import NotAuthenticated, PermissionDenied
from tutorconnect.state.auth import LoginState
from tutorconnect.state.base import SessionState


PASSWORD = "demo-password-1"
SIGN_IN_FIRST = NotAuthenticated().message
NO_PERMISSION = PermissionDenied().message
HANDLER_ERROR_LOG = "unhandled error in event handler"
# An address for tests that look at the client IP the app records. Sign-ins (login_reply)
# each come from a loopback address of their own: the app's per-IP sign-in limit (30 in 15
# minutes) must never decide a test, however many sign-ins a worker's files make.
CLIENT_IP = random_loopback_ip()


# -- people, tabs and the database ------------------------------------------------------------
@dataclass
class Person:
    email: str
    id: uuid.UUID
    cookie: str  # "tc_session=<token>", as the browser sends it
    set_cookie: str  # the Set-Cookie header that installed it
    session_id: uuid.UUID

    @property
    def token(self) -> str:
        return self.cookie.split("=", 1)[1]


@dataclass
class People:
    admin: Person
    student: Person
    other_student: Person
    tutor: Person


def user_id(db, email: str) -> uuid.UUID:
    return query(db, "select id from users where email = :e", e=email)[0][0]


def active_session_ids(db, uid: uuid.UUID) -> set[uuid.UUID]:
    rows = query(db, "select id from user_sessions where user_id = :u and revoked_at is null", u=uid)
    return {r[0] for r in rows}


def all_emails(db) -> list[str]:
    return [r[0] for r in query(db, "select email from users")]


def login_reply(base_url: str, email: str) -> Reply:
    """LoginState.submit over the websocket, as the sign-in form sends it."""
    with ReflexSocket(base_url, page="/login", source_ip=random_loopback_ip()) as tab:
        return tab.call(LoginState.submit, {"form_data": {"email": email, "password": PASSWORD}})


def sign_in(base_url: str, db, email: str) -> Person:
    """The browser's sign-in: the handler's handoff code, redeemed at /api/auth/session."""
    uid = user_id(db, email)
    before = active_session_ids(db, uid)
    response = redeem(base_url, handoff_code(login_reply(base_url, email)))
    assert response.status_code == 200, response.text
    (new_session,) = active_session_ids(db, uid) - before
    return Person(email, uid, session_cookie(response), response.headers["set-cookie"], new_session)


@pytest.fixture(scope="session")
def people(live_app) -> People:
    """The demo admin, student, a second student and the demo tutor, signed in once per
    test session (tests/e2e/conftest.py imports this fixture: every attack module shares
    it, which keeps the run under the per-IP sign-in limit)."""
    engine = create_engine(normalize_url(live_app.database_url))
    try:
        # Diya Kapoor is another demo student (first.last@tutorconnect.test).
        emails = ("admin@tutorconnect.test", "student@tutorconnect.test", demo_email("Diya Kapoor"),
                  "tutor@tutorconnect.test")
        return People(*(sign_in(live_app.base_url, engine, e) for e in emails))
    finally:
        engine.dispose()


def reopen_tab(open_tab: Callable[..., ReflexSocket], person: Person | None, page: str, token: str) -> ReflexSocket:
    """A new socket on a closed tab's client token (its stored server-side state), with
    `person`'s cookie or none, once the server has let go of the old socket: until then
    Reflex's duplicate-tab rule hands the connection a fresh token, and a test would then
    look at an empty state and prove nothing."""
    deadline = time.monotonic() + 5
    while True:
        tab = open_tab(person, page, token=token)
        if tab.token == token or time.monotonic() > deadline:
            assert tab.token == token, "the server kept the closed tab's token linked"
            return tab
        tab.close()
        time.sleep(0.1)


@pytest.fixture
def open_tab(live_app) -> Iterator[Callable[..., ReflexSocket]]:
    """open_tab(person_or_None, page, **ReflexSocket options) -> a connected, hydrated tab
    (with that person's session cookie); all are closed after the test."""
    tabs: list[ReflexSocket] = []

    def open_(person: Person | None = None, page: str = "/", **kwargs: Any) -> ReflexSocket:
        kwargs.setdefault("cookie", person.cookie if person else None)
        tab = ReflexSocket(live_app.base_url, page=page, **kwargs)
        tabs.append(tab)
        return tab.connect()

    yield open_
    for tab in tabs:
        tab.close()


def db_state(db) -> dict[str, Any]:
    """Everything an attack could write: accounts, sessions, audit, tokens, jobs, attempts."""
    return {
        "users": query(db, "select id, email, role, full_name, time_zone, password_hash, email_verified_at,"
                           " password_changed_at, deleted_at, updated_at from users order by id"),
        "sessions": query(db, "select id, user_id, revoked_at, revoked_reason from user_sessions order by id"),
        "audit_log": query(db, "select count(*), coalesce(max(id), 0) from audit_log"),
        "auth_tokens": query(db, "select id, used_at from auth_tokens order by id"),
        "outbox": query(db, "select count(*), coalesce(max(id), 0) from outbox"),
        "login_attempts": query(db, "select count(*) from login_attempts"),
    }


# A background job may be retried a few seconds after it failed (the outbox's backoff: 2.5-5 s,
# then 5-10 s), and the retry that succeeds writes follow-up rows: a meeting job that found
# the Meet conference still pending queues the confirmation emails when it runs again.
SETTLE_HORIZON_SECONDS = 20


def settle_outbox(db, timeout: float = 60.0) -> None:
    """Wait until the app's background work caused by earlier set-up (meeting links and
    the confirmation emails of bookings accepted in a fixture, and their retries due soon)
    has run, so an attack is not blamed for what it writes. Rows due later than
    SETTLE_HORIZON_SECONDS (a reminder, a long backoff) are not waited for."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        due = query(db, "select count(*) from outbox where completed_at is null and dead_at is null "
                        f"and available_at <= now() + interval '{SETTLE_HORIZON_SECONDS} seconds'")[0][0]
        if not due:
            return
        time.sleep(0.2)
    raise AssertionError(f"background jobs still due after {timeout} s: "
                         + repr(query(db, "select id, job, attempts, last_error from outbox where completed_at is null"
                                          " and dead_at is null order by id")))


@contextmanager
def nothing_written(db) -> Iterator[None]:
    settle_outbox(db)
    before = db_state(db)
    yield
    after = db_state(db)
    changed = {k: (before[k], after[k]) for k in before if before[k] != after[k]}
    assert not changed, f"the database changed: {changed}"


def app_log_size(live_app) -> int:
    log = live_app.log_dir / "app.log"
    return log.stat().st_size if log.exists() else 0


def handler_errors_since(live_app, offset: int) -> int:
    """"unhandled error in event handler" lines logged by the app after `offset`."""
    log = live_app.log_dir / "app.log"
    data = log.read_bytes() if log.exists() else b""
    if len(data) < offset:  # the log was started afresh meanwhile
        offset = 0
    return data[offset:].count(HANDLER_ERROR_LOG.encode())


@pytest.fixture(autouse=True)
def no_unhandled_errors(request, live_app):
    """No handler may fail with an unhandled exception, unless the test says it expects one."""
    offset = app_log_size(live_app)
    yield
    if "handler_errors_expected" not in request.fixturenames:
        assert handler_errors_since(live_app, offset) == 0, f"a handler raised: see {live_app.log_dir}/app.log"


@pytest.fixture
def handler_errors_expected():
    """Marks a test in which Reflex itself rejects the call before the handler runs."""


# -- what a refusal looks like -------------------------------------------------------------------
def assert_no_personal_data(reply: Reply, db, *, allowed: tuple[str, ...] = ()) -> None:
    leaked = [e for e in all_emails(db) if e not in allowed and e in reply.text]
    assert not leaked, f"other people's emails in the reply: {leaked}"


def assert_sent_to_login(reply: Reply) -> None:
    assert not reply.crashed, reply.text
    assert ("warning", SIGN_IN_FIRST) in reply.toasts, reply.text
    assert reply.redirects and all(r.startswith("/login?next=") for r in reply.redirects), reply.redirects
    assert not reply.scripts


def assert_denied(reply: Reply, message: str = NO_PERMISSION) -> None:
    assert not reply.crashed, reply.text
    assert ("error", message) in reply.toasts, reply.text
    assert not reply.scripts


def assert_still_works(tab: ReflexSocket, person: Person | None = None) -> None:
    """A follow-up event on the same socket gets its normal answer."""
    reply = tab.call(SessionState.load_session)
    assert reply.var(SessionState, "session_checked") is True, reply.text
    assert reply.var(SessionState, "user_email") == (person.email if person else "")


# `people` is left out on purpose: conftest.py provides the one session-wide instance.
__all__ = [
    "CLIENT_IP",
    "HANDLER_ERROR_LOG",
    "NO_PERMISSION",
    "PASSWORD",
    "People",
    "Person",
    "SIGN_IN_FIRST",
    "active_session_ids",
    "all_emails",
    "app_log_size",
    "assert_denied",
    "assert_no_personal_data",
    "assert_sent_to_login",
    "assert_still_works",
    "db_state",
    "handler_errors_expected",
    "handler_errors_since",
    "login_reply",
    "no_unhandled_errors",
    "nothing_written",
    "open_tab",
    "query",
    "reopen_tab",
    "sign_in",
    "user_id",
]
