"""Builders and fixtures for the meeting tests (no tests here).

`gemu` (module scope): the Google emulator (OAuth + Calendar v3) in a thread; `google`:
the app pointed at it with a clean emulator, a short conference wait, and the settings
restored afterwards. A tutor is connected with a real emulator grant stored through
services/calendar_connections (encrypted like the connect flow stores it).
"""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from tests.integration.booking_support import as_, book, bookable_tutor, future, student  # noqa: F401
from tutorconnect.config import get_settings
from tutorconnect.db import session_scope
from emulators import google as emulator_module
from tutorconnect.integrations.google_oauth import CALENDAR_SCOPES, CalendarGrant
from tutorconnect.services import bookings, calendar_connections, jobs


@pytest.fixture(scope="module")
def gemu():
    with emulator_module.running() as emu:
        yield emu


@pytest.fixture
def google(gemu, db, monkeypatch):
    monkeypatch.setenv("GOOGLE_EMULATOR_URL", gemu.url)
    monkeypatch.setenv("MEETING_CONFERENCE_WAIT_SECONDS", "3")
    monkeypatch.setenv("FALLBACK_MEETING_URL", "https://rooms.example.org/base/")
    get_settings.cache_clear()
    gemu.state.reset()  # OAuth and calendar state
    yield Google(gemu)
    monkeypatch.undo()
    get_settings.cache_clear()


class Google:
    """The emulator's test controls over HTTP (as a separate process would use them)."""

    def __init__(self, emu: Any) -> None:
        self.emu, self.url = emu, emu.url

    def _post(self, path: str, body: dict) -> Any:
        answer = httpx.post(f"{self.url}/_emulator/calendar/{path}", json=body, timeout=5)
        assert answer.status_code in (200, 201), answer.text
        return answer.json()

    def grant(self, email: str, scopes: list[str] | None = None) -> str:
        return self._post("grant", {"email": email} | ({"scopes": scopes} if scopes else {}))["refresh_token"]

    def fault(self, endpoint: str, status: int, count: int = 1, **extra: Any) -> None:
        self._post("faults", {"endpoint": endpoint, "status": status, "count": count, **extra})

    def config(self, **values: Any) -> dict:
        return self._post("config", values)

    def events(self, email: str | None = None) -> list[dict]:
        params = {"email": email} if email else {}
        return httpx.get(f"{self.url}/_emulator/calendar/events", params=params, timeout=5).json()

    def calls(self) -> dict[str, int]:
        return httpx.get(f"{self.url}/_emulator/calendar/calls", timeout=5).json()


def connect(google: Google, tutor_id: uuid.UUID, email: str = "tutor.calendar@gmail.com") -> str:
    token = google.grant(email)
    with session_scope() as s:
        calendar_connections.save(s, as_(tutor_id), tutor_id,
                                  CalendarGrant(email=email, scopes=tuple(CALENDAR_SCOPES), refresh_token=token))
    return token


def confirmed_booking(*, connected: Google | None = None, email: str = "tutor.calendar@gmail.com",
                      **tutor_kw: Any) -> tuple[uuid.UUID, uuid.UUID, Any]:
    """(tutor, student, booking) paid and confirmed through bookings.mark_paid (the hook
    enqueues meeting.create in that transaction); the tutor connected to Google if asked."""
    tutor = bookable_tutor(**tutor_kw)
    if connected is not None:
        connect(connected, tutor, email)
    learner = student()
    b = book(learner, tutor, future())
    with session_scope() as s:
        bookings.mark_paid(s, b.id)
    return tutor, learner, b


def rows(sql: str, **params: Any) -> list[dict]:
    with session_scope() as s:
        return [dict(r) for r in s.execute(text(sql), params).mappings().all()]


def meeting(booking_id: uuid.UUID) -> dict | None:
    found = rows("SELECT * FROM meetings WHERE booking_id = :b", b=booking_id)
    return found[0] if found else None


def meeting_jobs(booking_id: uuid.UUID | None = None) -> list[dict]:
    sql = "SELECT id, job, attempts, available_at, claimed_until, completed_at, dead_at, last_error, available_at > now() AS " \
          "waiting FROM outbox WHERE job LIKE 'meeting.%'"
    if booking_id is not None:
        sql += " AND payload->>'booking_id' = :b"
    return rows(sql + " ORDER BY id", b=str(booking_id))


def run_due() -> int:
    """Run every job that is due now (jobs.drain, as the in-process worker does)."""
    return jobs.drain()


def skip_backoff() -> None:
    """Make meeting jobs waiting out a retry backoff due now (the wait itself is the
    outbox's, tested there; here only what the retry does)."""
    with session_scope() as s:
        s.execute(text("UPDATE outbox SET available_at = now() WHERE job LIKE 'meeting.%' "
                       "AND completed_at IS NULL AND dead_at IS NULL"))


def notices(kind: str, user_id: uuid.UUID | None = None) -> list[dict]:
    sql = "SELECT * FROM notifications WHERE kind = :k"
    if user_id is not None:
        sql += " AND user_id = :u"
    return rows(sql, k=kind, u=user_id)
