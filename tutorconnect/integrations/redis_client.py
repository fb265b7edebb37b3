"""The process's Redis client (None when REDIS_URL is not configured)."""

from __future__ import annotations

import functools

from tutorconnect.config import get_settings


@functools.lru_cache(maxsize=1)
def get_redis():
    url = get_settings().redis_url
    if not url:
        return None
    import redis

    return redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2, health_check_interval=30)
