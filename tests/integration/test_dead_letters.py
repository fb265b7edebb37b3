"""Retry policy and dead letters on real PostgreSQL: a permanent error is a dead letter at
once; a transient one is retried with growing, jittered delays and is dead after
MAX_ATTEMPTS; an admin's retry re-enqueues the row with its attempts reset, once, audited."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest

from tests.integration.test_tutor_support import as_, make_user
from tests.support.db import scalar, sql
from tutorconnect.db import session_scope
from tutorconnect.integrations.razorpay_gateway import GatewayError
from tutorconnect.services import dead_letters, jobs, outbox
from tutorconnect.services.errors import InvalidInput, NotFound, PermissionDenied

CALLS: list[str] = []
BEHAVIOUR: dict[str, Exception | None] = {}


@jobs.job("test.dl")
def _flaky(payload):
    CALLS.append(payload["tag"])
    err = BEHAVIOUR.get(payload["tag"])
    if err is not None:
        raise err


@pytest.fixture(autouse=True)
def _reset():
    CALLS.clear()
    BEHAVIOUR.clear()


def enqueue(tag: str) -> int:
    with session_scope() as s:
        outbox.enqueue(s, "test.dl", {"tag": tag})
    return scalar("SELECT id FROM outbox WHERE payload->>'tag' = :t", t=tag)


def run_due() -> int:
    sql("UPDATE outbox SET available_at = now() - interval '1 second' WHERE dead_at IS NULL")
    return jobs.drain(limit=10)


def dead_rows():
    from tests.integration.payment_support import rows
    return rows("SELECT * FROM dead_letters ORDER BY id")


@pytest.mark.parametrize("err", [jobs.PermanentJobError("bad payload"),
                                 GatewayError("refund exceeds payment", code="BAD_REQUEST_ERROR", status=400),
                                 KeyError("booking_id")])
def test_a_permanent_error_is_a_dead_letter_at_once(db, err):
    oid = enqueue("perm")
    BEHAVIOUR["perm"] = err
    assert run_due() == 1
    assert run_due() == 0  # never claimed again
    assert CALLS == ["perm"]
    (dead,) = dead_rows()
    assert (dead["outbox_id"], dead["job"], dead["payload"], dead["attempts"], dead["permanent"]) == \
        (oid, "test.dl", {"tag": "perm"}, 1, True)
    assert type(err).__name__ in dead["error"]
    assert scalar("SELECT dead_at IS NOT NULL FROM outbox WHERE id = :i", i=oid)


def test_a_transient_error_backs_off_with_growing_jittered_delays_then_dies(db):
    oid = enqueue("flaky")
    BEHAVIOUR["flaky"] = GatewayError("upstream 503", code="SERVER_ERROR", status=503, transient=True)
    delays = []
    for attempt in range(1, outbox.MAX_ATTEMPTS + 1):
        assert run_due() == 1
        if attempt < outbox.MAX_ATTEMPTS:
            assert dead_rows() == []
            delays.append(scalar("SELECT extract(epoch FROM available_at - now()) FROM outbox WHERE id = :i",
                                 i=oid))
    assert len(CALLS) == outbox.MAX_ATTEMPTS
    (dead,) = dead_rows()
    assert (dead["attempts"], dead["permanent"], dead["outbox_id"]) == (outbox.MAX_ATTEMPTS, False, oid)
    assert "upstream 503" in dead["error"]
    assert all(b > a for a, b in zip(delays, delays[1:])), delays  # growing
    for n, d in enumerate(delays, start=1):  # each within [ceiling/2, ceiling]
        ceiling = min(outbox.BACKOFF_BASE * 2 ** n, outbox.BACKOFF_CAP)
        assert ceiling / 2 - 2 < float(d) <= ceiling + 0.01


def test_backoff_is_jittered_not_fixed():
    rng = random.Random(7)
    draws = {round(outbox.backoff_seconds(3, rng=rng), 3) for _ in range(50)}
    assert len(draws) > 40 and min(draws) >= 20 and max(draws) <= 40
    assert outbox.backoff_seconds(30) <= outbox.BACKOFF_CAP


def test_an_admin_retries_a_dead_letter_once_and_it_is_audited(db):
    admin = make_user("admin")
    oid = enqueue("later-ok")
    BEHAVIOUR["later-ok"] = jobs.PermanentJobError("not yet")
    run_due()
    (dead,) = dead_rows()
    with session_scope() as s:
        page = dead_letters.list_page(s, as_(admin), 1)
    assert (page.total, page.open_count, [r.id for r in page.rows]) == (1, 1, [dead["id"]])
    assert "not yet" in page.rows[0].error

    BEHAVIOUR["later-ok"] = None
    with session_scope() as s:
        row = dead_letters.retry(s, as_(admin), dead["id"])
    assert row.retried_at is not None
    r = scalar("SELECT row_to_json(o) FROM outbox o WHERE id = :i", i=oid)
    assert (r["attempts"], r["dead_at"], r["completed_at"]) == (0, None, None)
    assert jobs.drain(limit=10) == 1
    assert CALLS == ["later-ok", "later-ok"]
    assert scalar("SELECT completed_at IS NOT NULL FROM outbox WHERE id = :i", i=oid)
    (after,) = dead_rows()
    assert after["retried_by"] == admin and after["retried_at"] is not None
    assert scalar("SELECT count(*) FROM audit_log WHERE action = 'job.retry' AND target_id = :t",
                  t=str(dead["id"])) == 1
    with session_scope() as s, pytest.raises(InvalidInput, match="already retried"):
        dead_letters.retry(s, as_(admin), dead["id"])


def test_a_retried_job_that_dies_again_makes_a_new_dead_letter(db):
    admin = make_user("admin")
    enqueue("again")
    BEHAVIOUR["again"] = jobs.PermanentJobError("still broken")
    run_due()
    with session_scope() as s:
        dead_letters.retry(s, as_(admin), dead_rows()[0]["id"])
    run_due()
    assert [(d["retried_at"] is not None) for d in dead_rows()] == [True, False]


@pytest.mark.parametrize("role", ["student", "tutor"])
def test_non_admins_can_neither_list_nor_retry_and_nothing_changes(db, role):
    enqueue("x")
    BEHAVIOUR["x"] = jobs.PermanentJobError("x")
    run_due()
    user = make_user(role)
    did = dead_rows()[0]["id"]
    with session_scope() as s, pytest.raises(PermissionDenied):
        dead_letters.list_page(s, as_(user), 1)
    with session_scope() as s, pytest.raises(PermissionDenied):
        dead_letters.retry(s, as_(user), did)
    assert dead_rows()[0]["retried_at"] is None
    assert scalar("SELECT count(*) FROM audit_log") == 0


@pytest.mark.parametrize("bad", ["1", 1.0, True, -1, 0, 2**70, None, [1]])
def test_malformed_ids_are_refused(db, bad):
    admin = make_user("admin")
    with session_scope() as s, pytest.raises(InvalidInput):
        dead_letters.retry(s, as_(admin), bad)


def test_unknown_id_is_not_found(db):
    admin = make_user("admin")
    with session_scope() as s, pytest.raises(NotFound):
        dead_letters.retry(s, as_(admin), 999)


def test_transient_failures_are_not_dead_letters_before_the_limit(db):
    enqueue("t")
    BEHAVIOUR["t"] = RuntimeError("connection reset")
    for _ in range(3):
        run_due()
    assert dead_rows() == []
    assert scalar("SELECT attempts FROM outbox") == 3
    assert timedelta(0) < scalar("SELECT available_at - now() FROM outbox")


def test_the_admin_list_pages_open_dead_letters_first(db):
    admin = make_user("admin")
    for i in range(dead_letters.PAGE_SIZE + 5):
        enqueue(f"p{i}")
        BEHAVIOUR[f"p{i}"] = jobs.PermanentJobError(f"broken {i}")
    assert jobs.drain(limit=100) == 25
    first_id = dead_rows()[0]["id"]
    with session_scope() as s:
        dead_letters.retry(s, as_(admin), first_id)
    with session_scope() as s:
        one = dead_letters.list_page(s, as_(admin), 1)
        two = dead_letters.list_page(s, as_(admin), 2)
    assert (one.total, one.open_count, one.pages) == (25, 24, 2)
    assert len(one.rows) == 20 and len(two.rows) == 5
    assert all(r.retried_at is None for r in one.rows)
    assert two.rows[-1].id == first_id and two.rows[-1].retried_at is not None
    assert len({r.id for r in one.rows + two.rows}) == 25
    with session_scope() as s, pytest.raises(InvalidInput):
        dead_letters.list_page(s, as_(admin), 0)
