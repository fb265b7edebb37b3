"""Helpers for the live-updates tests (no tests here): a signed-in person made without the
login form, and reading the updates a tab is sent unasked."""

from __future__ import annotations

import time

from tests.e2e.attack_support import Person
from tests.e2e.helpers import query
from tests.e2e.test_bookings_pages import as_, make_person
from tests.support.reflex_ws import ReflexSocket, Reply


def signed_in_student(db, name: str) -> Person:
    """A fresh student with a session made the way sign-in makes it (not through the form,
    so these tests use none of the per-IP sign-in allowance)."""
    from sqlmodel import Session

    from tutorconnect.services import sessions
    from tutorconnect.services.tokens import hash_secret

    uid, email = make_person(db, "student", name)
    with Session(db) as s:
        raw = sessions.create_session(s, as_(uid), uid)
        s.commit()
    sid = query(db, "select id from user_sessions where token_hash = :h", h=hash_secret(raw))[0][0]
    return Person(email, uid, f"tc_session={raw}", "", sid)


def next_push(tab: ReflexSocket, timeout: float) -> Reply | None:
    """The next update the server sends this tab unasked, or None after `timeout` s."""
    try:
        update = tab._receive_event(time.monotonic() + timeout)
    except TimeoutError:
        return None
    reply = Reply()
    reply.add(update)
    return reply


def push_with(tab: ReflexSocket, state, var: str, timeout: float = 10) -> Reply:
    """The first unasked update carrying `state.var` (other states' pushes are skipped)."""
    deadline = time.monotonic() + timeout
    while (left := deadline - time.monotonic()) > 0:
        reply = next_push(tab, left)
        if reply is not None and var in reply.vars(state):
            return reply
    raise AssertionError(f"no push with {state.__name__}.{var} within {timeout}s")
