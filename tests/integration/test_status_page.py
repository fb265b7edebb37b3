"""GET /status: the footer's "Status" link opens a small page a person can read (issue #14,
item 21), built from the same checks as /ready (database at head, Redis when configured)
plus the background worker (no job left waiting past services.health.WORKER_LAG)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import text
from starlette.testclient import TestClient

from tests.support import parallel
from tutorconnect.api.app import build_api
from tutorconnect.config import get_settings
from tutorconnect.db import reset_engine_cache, session_scope


@pytest.fixture
def client(db):
    with TestClient(build_api()) as c:
        yield c


def _line(html: str, name: str) -> str:
    """The words shown for one check (tags stripped)."""
    found = re.search(rf'<li id="status-{name}"[^>]*>(.*?)</li>', html, re.S)
    assert found, html
    return " ".join(re.sub(r"<[^>]+>", " ", found.group(1)).split())


def test_the_status_page_says_in_plain_words_that_everything_works(client):
    response = client.get("/status")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["cache-control"] == "no-store"
    html = response.text
    assert "All systems are working" in html
    assert _line(html, "database") == "Database Working"
    assert _line(html, "redis").startswith("Redis Not used")
    assert _line(html, "worker").startswith("Background jobs Working")
    assert '"checks"' not in html and "revision" not in html  # words, not the probe's JSON


def test_a_database_behind_on_migrations_is_named(client, database_url, monkeypatch):
    def use(url: str) -> None:
        monkeypatch.setenv("DATABASE_URL", url)
        get_settings.cache_clear()
        reset_engine_cache()

    use(parallel.scratch_database("status_page_probe"))
    try:
        response = client.get("/status")
        assert response.status_code == 503
        assert _line(response.text, "database").startswith("Database Needs an update")
        assert "Some parts are not working" in response.text
    finally:
        use(database_url)


def test_redis_configured_but_down_is_named(client, monkeypatch):
    from tutorconnect.integrations.redis_client import get_redis

    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:1/0")
    get_settings.cache_clear()
    get_redis.cache_clear()
    try:
        response = client.get("/status")
        assert response.status_code == 503
        assert _line(response.text, "redis").startswith("Redis Not reachable")
        assert _line(response.text, "database") == "Database Working"
    finally:
        monkeypatch.delenv("REDIS_URL")
        get_settings.cache_clear()
        get_redis.cache_clear()


def test_jobs_left_waiting_say_the_background_worker_is_behind(client):
    with session_scope() as s:
        s.execute(text("INSERT INTO outbox (job, payload, available_at) VALUES "
                       "('email.send', '{}', now() - interval '12 minutes'), "
                       "('email.send', '{}', now() - interval '3 minutes'), "
                       "('email.send', '{}', now())"))
    response = client.get("/status")
    assert response.status_code == 503
    assert _line(response.text, "worker") == (
        "Background jobs Behind 2 jobs have waited more than 2 minutes (the oldest 12 minutes).")
    # /ready, the load balancer's probe, is about this process's dependencies: unchanged.
    assert client.get("/ready").status_code == 200
