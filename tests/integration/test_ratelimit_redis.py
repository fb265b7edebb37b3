"""Rate limits on Redis (the production store) and the fallback to PostgreSQL when Redis
is unreachable. Uses the real Redis at TEST_REDIS_URL; fails (never skips) without it.
"""

from __future__ import annotations

import socket
import uuid

import pytest
import redis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from tests.support import parallel
from tutorconnect.config import get_settings
from tutorconnect.db import get_engine
from tutorconnect.integrations import ratelimit_store
from tutorconnect.integrations.ratelimit_store import RedisHitStore
from tutorconnect.integrations.redis_client import get_redis
from tutorconnect.services import ratelimit
from tutorconnect.services.errors import RateLimited

pytestmark = pytest.mark.redis

REDIS_URL = parallel.worker_redis("tests")  # this worker's own database on TEST_REDIS_URL's server


@pytest.fixture
def redis_client():
    """The test Redis; a connection failure is a test failure, not a skip."""
    client = redis.Redis.from_url(REDIS_URL, socket_timeout=2, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError as exc:
        pytest.fail(f"Redis is required at TEST_REDIS_URL={REDIS_URL}: {exc!r}")
    yield client
    client.close()


@pytest.fixture
def prefix(redis_client):
    """A unique key prefix; every rate-limit key created under it is deleted afterwards."""
    value = f"test-{uuid.uuid4().hex}"
    yield value
    keys = list(redis_client.scan_iter(match=f"tc:rl:{value}*", count=1000))
    if keys:
        redis_client.delete(*keys)


@pytest.fixture
def use_redis_url(monkeypatch):
    """Point the app's settings at a Redis URL for one test; caches reset afterwards."""

    def apply(url: str) -> None:
        monkeypatch.setenv("REDIS_URL", url)
        get_settings.cache_clear()
        get_redis.cache_clear()

    yield apply
    if get_redis.cache_info().currsize and get_redis() is not None:
        get_redis().close()
    get_settings.cache_clear()
    get_redis.cache_clear()


@pytest.fixture
def closed_port():
    """A local port that refuses connections (bound, never listening)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    yield sock.getsockname()[1]
    sock.close()


def bucket_hits(key: str) -> int | None:
    with get_engine().begin() as conn:
        return conn.execute(text("SELECT hits FROM rate_limit_buckets WHERE key = :k"), {"k": key}).scalar()


def redis_keys(client, prefix: str) -> list[bytes]:
    return list(client.scan_iter(match=f"tc:rl:{prefix}*"))


class _FakeTime:
    def __init__(self, now: float) -> None:
        self.now = now

    def time(self) -> float:
        return self.now


# The Redis store ---------------------------------------------------------------------------
class TestRedisHitStore:
    def test_hits_are_counted_within_a_window(self, redis_client, prefix):
        store = RedisHitStore(redis_client)
        counts = [store.hit(f"{prefix}:a", 3600)[0] for _ in range(4)]
        assert counts == [1, 2, 3, 4]
        # a different key has its own count
        assert store.hit(f"{prefix}:b", 3600)[0] == 1

    def test_window_key_expires_shortly_after_its_window(self, redis_client, prefix):
        store = RedisHitStore(redis_client)
        _, reset = store.hit(f"{prefix}:a", 120)
        (key,) = redis_keys(redis_client, prefix)
        ttl = redis_client.ttl(key)
        assert 1 <= reset <= 120
        assert reset <= ttl <= 121
        assert int(redis_client.get(key)) == 1

    def test_hits_in_the_next_window_count_from_one(self, redis_client, prefix, monkeypatch):
        clock = _FakeTime(60 * 31_666_666.0)  # the first instant of a window
        monkeypatch.setattr(ratelimit_store, "time", clock)
        store = RedisHitStore(redis_client)
        assert [store.hit(f"{prefix}:a", 60)[0] for _ in range(3)] == [1, 2, 3]
        clock.now += 60
        assert store.hit(f"{prefix}:a", 60) == (1, 60)

    @given(now=st.floats(min_value=1.6e9, max_value=2.2e9, allow_nan=False),
           window=st.integers(min_value=1, max_value=7 * 24 * 3600),
           hits=st.integers(min_value=1, max_value=4),
           into_next=st.floats(min_value=0, max_value=0.999))
    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    def test_window_arithmetic(self, redis_client, prefix, monkeypatch, now, window, hits, into_next):
        # given a frozen clock
        clock = _FakeTime(now)
        monkeypatch.setattr(ratelimit_store, "time", clock)
        store, key = RedisHitStore(redis_client), f"{prefix}:{uuid.uuid4().hex}"
        window_end = (now // window + 1) * window
        # when
        results = [store.hit(key, window) for _ in range(hits)]
        # then the count grows by one per hit, and the reset is the rest of the window
        assert [r[0] for r in results] == list(range(1, hits + 1))
        assert {r[1] for r in results} == {max(1, int(window_end - now))}
        assert all(1 <= r[1] <= window for r in results)
        # and a hit anywhere in the next window starts again at one
        clock.now = window_end + into_next * window
        count, reset = store.hit(key, window)
        assert count == 1 and 1 <= reset <= window


# services.ratelimit.enforce with REDIS_URL set ------------------------------------------------
class TestEnforceOnRedis:
    def test_limit_is_enforced_in_redis_and_nothing_is_written_to_postgres(
        self, db, redis_client, prefix, use_redis_url
    ):
        use_redis_url(REDIS_URL)
        assert get_settings().uses_redis
        limit = ratelimit.Limit(prefix, 3, 600)
        # when
        for _ in range(3):
            ratelimit.enforce(limit, "10.1.2.3")
        with pytest.raises(RateLimited) as limited:
            ratelimit.enforce(limit, "10.1.2.3")
        # then
        assert 1 <= limited.value.retry_after_seconds <= 600
        (key,) = redis_keys(redis_client, prefix)
        assert key.decode().startswith(f"tc:rl:{prefix}:10.1.2.3:")
        assert int(redis_client.get(key)) == 4
        assert bucket_hits(f"{prefix}:10.1.2.3") is None
        # and another subject is unaffected
        ratelimit.enforce(limit, "10.9.9.9")

    def test_sign_in_limit_is_shared_through_redis(self, db, redis_client, use_redis_url, ctx, monkeypatch):
        from tutorconnect.db import session_scope
        from tutorconnect.services import accounts
        from tutorconnect.services.errors import InvalidCredentials

        use_redis_url(REDIS_URL)
        subject_prefix = f"test-{uuid.uuid4().hex}"
        monkeypatch.setattr(ratelimit, "LOGIN_PER_IP", ratelimit.Limit(f"{subject_prefix}", 2, 900))
        try:
            for _ in range(2):
                with pytest.raises(InvalidCredentials):
                    with session_scope() as s:
                        accounts.authenticate(s, ctx, email="bad email", password="whatever it is")
            with pytest.raises(RateLimited):
                with session_scope() as s:
                    accounts.authenticate(s, ctx, email="bad email", password="whatever it is")
            assert redis_keys(redis_client, subject_prefix)
        finally:
            keys = redis_keys(redis_client, subject_prefix)
            if keys:
                redis_client.delete(*keys)

    def test_falls_back_to_postgres_and_still_enforces_when_redis_is_unreachable(
        self, db, use_redis_url, closed_port, caplog
    ):
        # given REDIS_URL pointing at a port where nothing listens
        use_redis_url(f"redis://127.0.0.1:{closed_port}/0")
        assert get_redis() is not None
        limit = ratelimit.Limit(f"test-{uuid.uuid4().hex}", 2, 600)
        # when
        ratelimit.enforce(limit, "10.1.2.3")
        ratelimit.enforce(limit, "10.1.2.3")
        with pytest.raises(RateLimited) as limited:
            ratelimit.enforce(limit, "10.1.2.3")
        # then the hits were counted in PostgreSQL, and the outage was logged
        assert bucket_hits(f"{limit.name}:10.1.2.3") == 3
        assert 1 <= limited.value.retry_after_seconds <= 600
        assert any("rate limit store unavailable" in r.getMessage() for r in caplog.records)
