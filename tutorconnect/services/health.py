"""Whether the app's dependencies work: the checks behind GET /ready (the database migrated
to head, Redis when configured) and the /status page (those two, plus the background
worker). Each check returns a dict with "ok" and raises when it cannot tell (a dependency
that does not answer); the routes run them with a timeout and report a raise as not ok.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import text

from tutorconnect.db import get_engine, session_scope
from tutorconnect.migrations import current_revision, head_revision
from tutorconnect.services import outbox

# A job due for longer than this, and still not done, means the background worker (Celery
# with Redis, the app's own loop without) is down or cannot keep up: the relay polls every
# 2 s and a job's time budget is well under a minute.
WORKER_LAG = timedelta(minutes=2)


def check_database() -> dict:
    with get_engine().connect() as conn:
        conn.execute(text("SELECT 1"))
        current = current_revision(conn)
    head = head_revision()
    return {"ok": current == head, "revision": current, "head": head}


def check_redis() -> dict:
    from tutorconnect.integrations.redis_client import get_redis

    client = get_redis()
    if client is None:
        return {"ok": True, "configured": False}
    client.ping()
    return {"ok": True, "configured": True}


def check_worker() -> dict:
    """Not ok while some job has waited more than WORKER_LAG past its time. With nothing
    to do a stopped worker looks like a working one: the check sees work left undone."""
    with session_scope() as s:
        waiting, oldest = outbox.overdue(s, WORKER_LAG)
    return {"ok": waiting == 0, "overdue": waiting, "oldest_s": oldest}


# What /ready answers from (a load balancer's question: can this process serve?) ...
READY_CHECKS = {"database": check_database, "redis": check_redis}
# ... and what the /status page shows a person (is everything working?).
STATUS_CHECKS = {**READY_CHECKS, "worker": check_worker}
