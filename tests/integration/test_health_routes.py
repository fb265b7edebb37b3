"""/health says the process is alive; /ready checks the database (migrated to head) and
Redis when configured, answering 503 with the failing check otherwise."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from tests.support import parallel
from tutorconnect.api.app import build_api
from tutorconnect.config import get_settings
from tutorconnect.db import reset_engine_cache


@pytest.fixture
def client(db):
    with TestClient(build_api()) as c:
        yield c


def _use_database(monkeypatch, url: str) -> None:
    monkeypatch.setenv("DATABASE_URL", url)
    get_settings.cache_clear()
    reset_engine_cache()


def test_health_answers_ok_and_sets_a_request_id(client):
    response = client.get("/health", headers={"X-Request-ID": "abc123"})
    assert response.status_code == 200 and response.json()["status"] == "ok"
    assert response.headers["x-request-id"] == "abc123"


def test_a_hostile_request_id_is_replaced(client):
    response = client.get("/health", headers={"X-Request-ID": "evil\r\nheader: x" + "y" * 100})
    assert response.headers["x-request-id"].isalnum() and len(response.headers["x-request-id"]) <= 64


def test_ready_when_the_database_is_at_head(client):
    body = client.get("/ready").json()
    assert body["status"] == "ready"
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["redis"] == {"ok": True, "configured": False}


def test_not_ready_when_migrations_are_behind(client, database_url, monkeypatch):
    # given an empty database that was never migrated
    _use_database(monkeypatch, parallel.scratch_database("ready_probe"))
    try:
        response = client.get("/ready")
        assert response.status_code == 503
        assert response.json()["checks"]["database"] == {"ok": False, "revision": None, "head": response.json()["checks"]["database"]["head"]}
    finally:
        _use_database(monkeypatch, database_url)


def test_not_ready_when_redis_is_configured_but_down(client, monkeypatch):
    from tutorconnect.integrations.redis_client import get_redis

    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:1/0")
    get_settings.cache_clear()
    get_redis.cache_clear()
    try:
        response = client.get("/ready")
        assert response.status_code == 503
        assert response.json()["checks"]["redis"]["ok"] is False
    finally:
        monkeypatch.delenv("REDIS_URL")
        get_settings.cache_clear()
        get_redis.cache_clear()


def test_an_overlong_tutor_slug_is_shortened_to_one_that_shows_not_found():
    from starlette.testclient import TestClient

    from tutorconnect.api.app import build_api

    client = TestClient(build_api())
    response = client.get("/tutors/" + "x" * 300, follow_redirects=False)
    assert response.status_code == 307
    assert response.headers["location"] == "/tutors/" + "x" * 100
    assert client.get("/tutors/priya-sharma", follow_redirects=False).status_code == 404  # Reflex serves it
