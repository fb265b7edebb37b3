"""Fixed-window hit counters: in Redis when configured, else in PostgreSQL.

Both return the hit count in the current window and the seconds until the window resets.
"""

from __future__ import annotations

import math
import time
from datetime import datetime, timedelta, timezone
from typing import Protocol

from sqlalchemy import text

from tutorconnect.db import autonomous_scope


class HitStore(Protocol):
    def hit(self, key: str, window_seconds: int) -> tuple[int, int]: ...

    def peek(self, key: str) -> int: ...


class PostgresHitStore:
    """Counters as rows in rate_limit_buckets, updated with one atomic upsert.

    Each hit commits in its own transaction: a refused action rolls back its own work but
    must still count against the limit.
    """

    def hit(self, key: str, window_seconds: int) -> tuple[int, int]:
        now = datetime.now(timezone.utc)
        window_start = datetime.fromtimestamp(
            math.floor(now.timestamp() / window_seconds) * window_seconds, timezone.utc
        )
        expires_at = window_start + timedelta(seconds=window_seconds)
        with autonomous_scope() as session:
            row = session.execute(
                text(
                    """
                INSERT INTO rate_limit_buckets (key, window_start, hits, expires_at)
                VALUES (:key, :ws, 1, :exp)
                ON CONFLICT (key) DO UPDATE SET
                  hits = CASE WHEN rate_limit_buckets.window_start = EXCLUDED.window_start
                              THEN rate_limit_buckets.hits + 1 ELSE 1 END,
                  window_start = EXCLUDED.window_start,
                  expires_at = EXCLUDED.expires_at
                RETURNING hits, expires_at
                """
                ),
                {"key": key, "ws": window_start, "exp": expires_at},
            ).one()
        return int(row.hits), max(1, int((row.expires_at - now).total_seconds()))

    def peek(self, key: str) -> int:
        with autonomous_scope() as session:
            row = session.execute(
                text(
                    "SELECT hits FROM rate_limit_buckets WHERE key = :key AND expires_at > now()"
                ),
                {"key": key},
            ).first()
        return int(row.hits) if row else 0


class RedisHitStore:
    """INCR + EXPIRE on a key per window: atomic, shared by every worker."""

    def __init__(self, client):
        self._redis = client

    def hit(self, key: str, window_seconds: int) -> tuple[int, int]:
        window = int(time.time() // window_seconds)
        rkey = f"tc:rl:{key}:{window}"
        pipe = self._redis.pipeline()
        pipe.incr(rkey)
        pipe.expire(rkey, window_seconds + 1)
        hits, _ = pipe.execute()
        reset = (window + 1) * window_seconds - time.time()
        return int(hits), max(1, int(reset))

    def peek(self, key: str) -> int:
        # Only used for display; the Postgres store is authoritative without Redis.
        return 0
