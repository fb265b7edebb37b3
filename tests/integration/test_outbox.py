"""The transactional outbox against a real PostgreSQL: enqueue with the caller's
transaction, idempotent enqueue, SKIP LOCKED claims, retries with backoff, parking after
MAX_ATTEMPTS, expired claims, and the email job delivering through a real SMTP server.
"""

from __future__ import annotations

import email
import email.policy
import socket
import threading
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import text
from sqlmodel import Session

from tutorconnect.config import get_settings
from tutorconnect.db import get_engine, session_scope
from tutorconnect.services import jobs, notifications, outbox
from tests.support.db import scalar, sql


# Helpers -------------------------------------------------------------------------------


def enqueue(n: int = 1, job: str = "test.noop", **kw) -> list[int]:
    with session_scope() as s:
        for i in range(n):
            outbox.enqueue(s, job, {"n": i}, **kw)
    return [r.id for r in sql("SELECT id FROM outbox ORDER BY id")]


def claim(limit: int = 20) -> list[outbox.Claimed]:
    with session_scope() as s:
        return outbox.claim_due(s, limit)


def row(message_id: int):
    return sql("SELECT * FROM outbox WHERE id = :id", id=message_id)[0]


def make_due(message_id: int | None = None) -> None:
    """Simulate the backoff delay passing."""
    where = "WHERE id = :id" if message_id is not None else ""
    sql(f"UPDATE outbox SET available_at = now() - interval '1 second' {where}", id=message_id)


class _Inbox:
    """An aiosmtpd handler that keeps every message it receives."""

    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self._lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self._lock:
            self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
            self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def point_smtp_at(monkeypatch):
    def apply(port: int) -> None:
        monkeypatch.setenv("SMTP_HOST", "127.0.0.1")
        monkeypatch.setenv("SMTP_PORT", str(port))
        get_settings.cache_clear()
        assert get_settings().smtp_port == port

    yield apply
    get_settings.cache_clear()


@pytest.fixture
def smtp_inbox(db, point_smtp_at):
    inbox = _Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    point_smtp_at(controller.port)
    yield inbox
    controller.stop()


@pytest.fixture
def refusing_smtp(db, point_smtp_at):
    """SMTP settings pointing at a port that refuses connections."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))  # bound, never listening: connections are refused
    point_smtp_at(sock.getsockname()[1])
    yield
    sock.close()


# Enqueue ---------------------------------------------------------------------------------
class TestEnqueue:
    def test_enqueued_row_is_pending_and_due_now(self, db):
        (mid,) = enqueue(job="email.send")
        r = row(mid)
        assert (r.job, r.payload, r.attempts) == ("email.send", {"n": 0}, 0)
        assert r.completed_at is None and r.dead_at is None and r.claimed_until is None
        assert scalar("SELECT available_at <= now() FROM outbox WHERE id = :id", id=mid)
        with session_scope() as s:
            assert outbox.pending_count(s) == 1

    def test_enqueue_commits_and_rolls_back_with_the_callers_transaction(self, db):
        with pytest.raises(RuntimeError):
            with session_scope() as s:
                outbox.enqueue(s, "test.noop", {"a": 1})
                raise RuntimeError("the state change failed")
        assert scalar("SELECT count(*) FROM outbox") == 0
        # and is invisible to others until the caller commits
        with Session(get_engine()) as writer:
            outbox.enqueue(writer, "test.noop", {"a": 2})
            assert scalar("SELECT count(*) FROM outbox") == 0
            writer.commit()
        assert scalar("SELECT count(*) FROM outbox") == 1

    def test_repeated_dedupe_key_is_ignored_in_one_and_across_transactions(self, db):
        with session_scope() as s:
            outbox.enqueue(s, "test.noop", {"first": True}, dedupe_key="booking:42:confirmed")
            outbox.enqueue(s, "test.noop", {"first": False}, dedupe_key="booking:42:confirmed")
        with session_scope() as s:
            outbox.enqueue(s, "test.noop", {"first": False}, dedupe_key="booking:42:confirmed")
        rows = sql("SELECT payload FROM outbox")
        assert [r.payload for r in rows] == [{"first": True}]

    def test_dedupe_key_is_remembered_after_completion(self, db):
        (mid,) = enqueue(dedupe_key="k1")
        with session_scope() as s:
            outbox.complete(s, mid)
        enqueue(dedupe_key="k1")
        assert scalar("SELECT count(*) FROM outbox") == 1

    def test_rows_without_dedupe_key_are_never_merged(self, db):
        enqueue(3)
        assert scalar("SELECT count(*) FROM outbox") == 3

    def test_mail_queue_refuses_an_unknown_template(self, db):
        with pytest.raises(ValueError):
            with session_scope() as s:
                notifications.queue(s, to="ada@example.com", template="nope", context={})
        assert scalar("SELECT count(*) FROM outbox") == 0


# Claim -----------------------------------------------------------------------------------
class TestClaim:
    def test_claim_takes_due_rows_oldest_first_and_counts_the_attempt(self, db):
        ids = enqueue(3)
        claimed = claim(2)
        assert [c.id for c in claimed] == ids[:2]
        assert [c.attempts for c in claimed] == [1, 1]
        assert claimed[0].payload == {"n": 0} and claimed[0].job == "test.noop"
        until = scalar("SELECT claimed_until - now() FROM outbox WHERE id = :id", id=ids[0])
        assert timedelta(minutes=4) < until <= outbox.CLAIM_FOR

    def test_claimed_rows_are_not_claimed_again_while_the_claim_lasts(self, db):
        ids = enqueue(3)
        first = claim()
        assert [c.id for c in first] == ids
        assert claim() == []

    def test_rows_not_yet_available_are_not_claimed(self, db):
        (mid,) = enqueue()
        sql("UPDATE outbox SET available_at = now() + interval '1 minute'")
        assert claim() == []
        make_due(mid)
        assert [c.id for c in claim()] == [mid]

    def test_completed_and_dead_rows_are_never_claimed(self, db):
        a, b, c = enqueue(3)
        with session_scope() as s:
            outbox.complete(s, a)
        sql("UPDATE outbox SET dead_at = now() WHERE id = :id", id=b)
        assert [m.id for m in claim()] == [c]

    def test_expired_claim_is_claimed_again(self, db):
        (mid,) = enqueue()
        assert [c.id for c in claim()] == [mid]
        # when the worker holding it dies and the claim runs out
        sql("UPDATE outbox SET claimed_until = now() - interval '1 second'")
        # then another relay takes it, as a second attempt
        again = claim()
        assert [(c.id, c.attempts) for c in again] == [(mid, 2)]

    def test_two_open_transactions_skip_each_others_locked_rows(self, db):
        ids = enqueue(6)
        engine = get_engine()
        # given relay A has claimed rows but not committed yet
        with Session(engine) as a, Session(engine) as b:
            got_a = outbox.claim_due(a, 3)
            # when relay B claims at the same moment (failing fast rather than waiting on A)
            b.execute(text("SET LOCAL lock_timeout = '3s'"))
            got_b = outbox.claim_due(b, 10)
            a.commit()
            b.commit()
        # then they never share a row and together take everything
        ids_a, ids_b = {c.id for c in got_a}, {c.id for c in got_b}
        assert len(ids_a) == 3 and ids_a.isdisjoint(ids_b)
        assert ids_a | ids_b == set(ids)

    def test_rows_claimed_by_an_uncommitted_relay_stay_with_it_after_it_commits(self, db):
        ids = enqueue(2)
        engine = get_engine()
        with Session(engine) as a:
            got_a = outbox.claim_due(a, 10)
            a.commit()
        assert {c.id for c in got_a} == set(ids)
        assert claim() == []

    def test_concurrent_relays_never_claim_the_same_row(self, db):
        ids = enqueue(200)
        workers = 4
        barrier = threading.Barrier(workers, timeout=10)
        taken: list[list[int]] = [[] for _ in range(workers)]
        errors: list[BaseException] = []

        def relay(slot: int) -> None:
            try:
                barrier.wait()
                while True:
                    batch = claim(7)
                    if not batch:
                        return
                    taken[slot].extend(c.id for c in batch)
            except BaseException as exc:  # reported below
                errors.append(exc)

        threads = [threading.Thread(target=relay, args=(i,)) for i in range(workers)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert errors == []
        everything = [i for part in taken for i in part]
        assert len(everything) == len(set(everything)), "a row was claimed twice"
        assert sorted(everything) == ids
        assert scalar("SELECT max(attempts) FROM outbox") == 1


# Complete and fail -------------------------------------------------------------------------
class TestCompleteAndFail:
    def test_complete_marks_the_row_done_and_clears_the_error(self, db):
        (mid,) = enqueue()
        (c,) = claim()
        with session_scope() as s:
            outbox.fail(s, c.id, c.attempts, "boom")
        make_due(mid)
        (c,) = claim()
        with session_scope() as s:
            outbox.complete(s, c.id)
            outbox.complete(s, c.id)  # idempotent
        r = row(mid)
        assert r.completed_at is not None and r.last_error is None
        with session_scope() as s:
            assert outbox.pending_count(s) == 0

    def test_failure_schedules_a_retry_with_exponential_backoff(self, db):
        (mid,) = enqueue()
        delays = []
        for attempt in range(1, 5):
            make_due(mid)
            (c,) = claim()
            assert c.attempts == attempt
            with session_scope() as s:
                outbox.fail(s, c.id, c.attempts, f"error {attempt}")
            r = row(mid)
            assert r.claimed_until is None and r.dead_at is None
            assert r.last_error == f"error {attempt}"
            delays.append(scalar("SELECT available_at - now() FROM outbox WHERE id = :id", id=mid))
            assert claim() == []  # not due until the delay passes
        expected = [timedelta(seconds=2 ** a * 5) for a in range(1, 5)]  # up to 10 s, 20 s, 40 s, 80 s
        for got, want in zip(delays, expected, strict=True):  # equal jitter: within [want/2, want]
            assert want / 2 - timedelta(seconds=2) < got <= want

    def test_backoff_is_capped_at_an_hour(self, db):
        (mid,) = enqueue()
        with session_scope() as s:
            outbox.fail(s, mid, 7, "slow")  # 5 * 2**7 = 640 s ceiling, jittered down to half at most
        delay = scalar("SELECT available_at - now() FROM outbox WHERE id = :id", id=mid)
        assert timedelta(minutes=5) < delay <= timedelta(seconds=640)
        assert all(1800 <= outbox.backoff_seconds(n) <= 3600 for n in (10, 20, 60))  # capped at an hour

    def test_row_is_parked_after_max_attempts_and_never_claimed_again(self, db):
        (mid,) = enqueue()
        for attempt in range(1, outbox.MAX_ATTEMPTS + 1):
            make_due(mid)
            (c,) = claim()
            assert c.attempts == attempt
            with session_scope() as s:
                outbox.fail(s, c.id, c.attempts, "x" * 5000)
            assert (row(mid).dead_at is not None) == (attempt == outbox.MAX_ATTEMPTS)
        r = row(mid)
        assert r.attempts == outbox.MAX_ATTEMPTS and r.completed_at is None
        assert len(r.last_error) == 2000
        make_due(mid)
        sql("UPDATE outbox SET claimed_until = NULL")
        assert claim() == []
        with session_scope() as s:
            assert outbox.pending_count(s) == 0


# Running jobs --------------------------------------------------------------------------------
class TestDrain:
    def test_email_jobs_are_delivered_over_smtp_and_marked_completed(self, smtp_inbox):
        # given two emails queued by account flows
        with session_scope() as s:
            notifications.queue(s, to="ada@example.com", template="verify_email",
                                context={"name": "Ada", "link": notifications.link("/verify-email", token="tok-123")})
            notifications.queue(s, to="grace@example.com", template="password_reset",
                                context={"name": "Grace",
                                         "link": notifications.link("/reset-password", token="tok-456"),
                                         "minutes": 30})
        # when
        assert jobs.drain() == 2
        # then
        assert sorted(m["To"] for m in smtp_inbox.messages) == ["ada@example.com", "grace@example.com"]
        by_to = {m["To"]: m for m in smtp_inbox.messages}
        verify = by_to["ada@example.com"]
        assert verify["Subject"] == notifications.SUBJECTS["verify_email"]
        assert verify["From"] == get_settings().mail_from
        text_part = verify.get_body(("plain",)).get_content()
        html_part = verify.get_body(("html",)).get_content()
        assert "http://localhost:3000/verify-email?token=tok-123" in text_part
        assert "tok-123" in html_part
        reset_text = by_to["grace@example.com"].get_body(("plain",)).get_content()
        assert "30 minutes" in reset_text and "tok-456" in reset_text
        rows = sql("SELECT completed_at, attempts, last_error FROM outbox")
        assert all(r.completed_at is not None and r.attempts == 1 and r.last_error is None for r in rows)
        assert jobs.drain() == 0
        assert len(smtp_inbox.messages) == 2

    def test_registration_email_reaches_the_inbox_with_a_working_link(self, smtp_inbox, ctx, fast_password_hashing):
        from urllib.parse import parse_qs, urlsplit

        from tutorconnect.services import accounts

        with session_scope() as s:
            uid = accounts.register(s, ctx, email="Ada@Example.com", password="violet tangerine orbit",
                                    full_name="Ada Lovelace")
        jobs.drain()
        (message,) = smtp_inbox.messages
        assert smtp_inbox.envelopes[0][1] == ["ada@example.com"]
        body = message.get_body(("plain",)).get_content()
        link = next(w for w in body.split() if "/verify-email?" in w)
        token = parse_qs(urlsplit(link).query)["token"][0]
        with session_scope() as s:
            assert accounts.verify_email(s, ctx, token) == uid

    def test_html_email_escapes_user_supplied_names(self, smtp_inbox):
        with session_scope() as s:
            notifications.queue(s, to="ada@example.com", template="verify_email",
                                context={"name": "<script>alert(1)</script>",
                                         "link": notifications.link("/verify-email", token="t")})
        jobs.drain()
        html_part = smtp_inbox.messages[0].get_body(("html",)).get_content()
        assert "<script>alert(1)</script>" not in html_part
        assert "&lt;script&gt;" in html_part

    def test_failing_smtp_leaves_the_row_pending_with_the_error_and_a_retry_scheduled(self, refusing_smtp):
        with session_scope() as s:
            notifications.queue(s, to="ada@example.com", template="verify_email",
                                context={"name": "Ada", "link": notifications.link("/verify-email", token="t")})
        # when
        assert jobs.drain() == 1
        # then
        (r,) = sql("SELECT * FROM outbox")
        assert r.completed_at is None and r.dead_at is None and r.claimed_until is None
        assert r.attempts == 1
        assert "Connection" in r.last_error or "refused" in r.last_error.lower()
        assert scalar("SELECT available_at > now() FROM outbox")
        with session_scope() as s:
            assert outbox.pending_count(s) == 1

    def test_row_that_failed_is_delivered_on_a_later_attempt(self, db, point_smtp_at):
        refusing = socket.socket()
        refusing.bind(("127.0.0.1", 0))
        point_smtp_at(refusing.getsockname()[1])
        with session_scope() as s:
            notifications.queue(s, to="ada@example.com", template="verify_email",
                                context={"name": "Ada", "link": notifications.link("/verify-email", token="t")})
        jobs.drain()
        refusing.close()
        # when the mail server is back and the retry is due
        inbox = _Inbox()
        controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
        controller.start()
        try:
            point_smtp_at(controller.port)
            make_due()
            assert jobs.drain() == 1
        finally:
            controller.stop()
        # then
        assert len(inbox.messages) == 1
        (r,) = sql("SELECT * FROM outbox")
        assert r.completed_at is not None and r.attempts == 2 and r.last_error is None

    def test_unknown_job_is_retried_not_lost(self, db):
        (mid,) = enqueue(job="no.such.job")
        assert jobs.drain() == 1
        r = row(mid)
        assert r.completed_at is None and r.attempts == 1
        assert "no job named" in r.last_error

    def test_the_email_job_is_registered(self):
        assert notifications.SEND_JOB in jobs.registered()
