"""Rate limits for sign-in, registration and password reset, per IP and per account.

Limits are fixed windows. A Redis outage must not lock everyone out nor open the doors:
when Redis fails we fall back to the PostgreSQL store for that call.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from tutorconnect.integrations.ratelimit_store import HitStore, PostgresHitStore, RedisHitStore
from tutorconnect.integrations.redis_client import get_redis
from tutorconnect.services.errors import RateLimited

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Limit:
    name: str
    limit: int
    window_seconds: int


LOGIN_PER_IP = Limit("login:ip", 30, 15 * 60)
REGISTER_PER_IP = Limit("register:ip", 10, 60 * 60)
RESET_PER_IP = Limit("reset:ip", 10, 60 * 60)
RESET_PER_ACCOUNT = Limit("reset:acct", 3, 60 * 60)
GOOGLE_START_PER_IP = Limit("google:ip", 30, 15 * 60)
VERIFY_RESEND_PER_ACCOUNT = Limit("verify:acct", 3, 60 * 60)


def _store() -> HitStore:
    client = get_redis()
    return RedisHitStore(client) if client is not None else PostgresHitStore()


def enforce(limit: Limit, subject: str) -> None:
    """Count one hit for `subject` under `limit`; raise RateLimited when over it."""
    key = f"{limit.name}:{subject}"
    try:
        hits, reset_in = _store().hit(key, limit.window_seconds)
    except Exception:  # Redis down: fall back rather than fail open or closed
        log.warning("rate limit store unavailable, using postgres", extra={"limit": limit.name})
        hits, reset_in = PostgresHitStore().hit(key, limit.window_seconds)
    if hits > limit.limit:
        raise RateLimited(reset_in)
