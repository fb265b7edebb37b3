"""Shared by the Google Calendar connection and busy-times tests: the Google emulator (OAuth
+ Calendar v3) in a thread, the app pointed at it, a browser stand-in for its consent
page, and a shortcut that connects a tutor through the emulator's grant control."""

from __future__ import annotations

import re
from datetime import datetime
from urllib.parse import parse_qs, urljoin, urlsplit

import httpx
import pytest

from tutorconnect.config import get_settings
from tutorconnect.db import session_scope
from emulators import google as emulator_module
from tutorconnect.integrations.google_oauth import CALENDAR_SCOPES, CalendarGrant
from tutorconnect.services import calendar_connections

from tests.integration.test_tutor_support import as_

CALENDAR_CALLBACK = "http://localhost:3000/api/google/calendar/callback"


@pytest.fixture(scope="module")
def emulator():
    with emulator_module.running() as emu:
        yield emu


@pytest.fixture
def google(emulator, db, monkeypatch):
    """The app pointed at the in-process emulator, with a clean emulator state."""
    monkeypatch.setenv("GOOGLE_EMULATOR_URL", emulator.url)
    get_settings.cache_clear()
    emulator.state.reset()
    httpx.post(f"{emulator.url}/_emulator/calendar/reset", timeout=5).raise_for_status()
    yield emulator
    monkeypatch.undo()
    get_settings.cache_clear()


def consent(auth_url: str, *, account: str | None = None, cancel: bool = False,
            expect_callback: str = CALENDAR_CALLBACK) -> dict[str, str]:
    """Open Google's chooser, pick `account` (or Cancel); return the callback's query."""
    with httpx.Client(timeout=10) as http:
        page = http.get(auth_url)
        assert page.status_code == 200, page.text
        request_id = re.search(r"name='request_id' value='([^']+)'", page.text).group(1)
        action = urljoin(auth_url, re.search(r"<form method='post' action='([^']+)'", page.text).group(1))
        data = {"request_id": request_id}
        if cancel:
            data["action"] = "cancel"
        else:
            data |= {"action": "account", "account": account}
        answer = http.post(action, data=data)
    assert answer.status_code in (302, 303), answer.text
    location = answer.headers["location"]
    assert location.startswith(expect_callback + "?"), location
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


def grant(emulator, email: str, scopes: list[str] | None = None) -> str:
    """An offline grant for the app's client made by the emulator's control (no consent
    page): the refresh token."""
    body = {"email": email} | ({"scopes": scopes} if scopes else {})
    answer = httpx.post(f"{emulator.url}/_emulator/calendar/grant", json=body, timeout=5)
    assert answer.status_code == 201, answer.text
    return answer.json()["refresh_token"]


def connect(emulator, tutor_id, email: str = "priya.sharma@gmail.com") -> str:
    """Store a connection for `tutor_id` (through the service) with a real emulator grant."""
    token = grant(emulator, email)
    with session_scope() as s:
        calendar_connections.save(s, as_(tutor_id), tutor_id,
                                  CalendarGrant(email=email, scopes=tuple(CALENDAR_SCOPES), refresh_token=token))
    return token


def seed_busy(emulator, email: str, *blocks: tuple[datetime, datetime]) -> None:
    answer = httpx.post(f"{emulator.url}/_emulator/calendar/busy", timeout=5, json={
        "email": email, "blocks": [[a.isoformat(), b.isoformat()] for a, b in blocks]})
    assert answer.status_code == 201, answer.text


def fault(emulator, endpoint: str = "freebusy", status: int = 503, count: int = 1, **extra) -> None:
    answer = httpx.post(f"{emulator.url}/_emulator/calendar/faults", timeout=5,
                        json={"endpoint": endpoint, "status": status, "count": count, **extra})
    assert answer.status_code == 201, answer.text


def calls(emulator, endpoint: str = "freebusy") -> int:
    return httpx.get(f"{emulator.url}/_emulator/calendar/calls", timeout=5).json().get(endpoint, 0)


def refresh_works(emulator, refresh_token: str) -> bool:
    """Whether the emulator still honours a refresh token (a refresh_token grant)."""
    settings = get_settings()
    answer = httpx.post(f"{emulator.url}/token", timeout=5, data={
        "grant_type": "refresh_token", "refresh_token": refresh_token,
        "client_id": settings.google_client_id, "client_secret": settings.google_client_secret})
    return answer.status_code == 200
