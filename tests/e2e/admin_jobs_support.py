"""Dead letters planted in the live app's database for the /admin/jobs tests."""

from __future__ import annotations

import json
import uuid

from sqlalchemy import text

# A job name nothing registers: when an admin retries it, the live worker fails it
# permanently at once (a new dead letter), so no test leaves work in the queue.
PROBE_JOB = "test.admin_jobs_probe"


def plant_dead_letter(db, error: str = "GatewayError: BAD_REQUEST_ERROR (400): refund exceeds payment") -> int:
    tag = uuid.uuid4().hex[:10]
    with db.begin() as conn:
        oid = conn.execute(text(
            "INSERT INTO outbox (job, payload, attempts, dead_at, last_error) "
            "VALUES (:j, CAST(:p AS jsonb), 8, now(), :e) RETURNING id"),
            {"j": PROBE_JOB, "p": json.dumps({"tag": tag}), "e": error}).scalar_one()
        return conn.execute(text(
            "INSERT INTO dead_letters (outbox_id, job, payload, error, attempts, permanent) "
            "VALUES (:o, :j, CAST(:p AS jsonb), :e, 8, false) RETURNING id"),
            {"o": oid, "j": PROBE_JOB, "p": json.dumps({"tag": tag}), "e": error}).scalar_one()


def dead_letter(db, did: int):
    with db.connect() as conn:
        return conn.execute(text("SELECT * FROM dead_letters WHERE id = :i"), {"i": did}).one()
