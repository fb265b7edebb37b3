"""Accounts service against a real PostgreSQL: registration, verification, sign-in with
lockout, rate limits (PostgreSQL store), password reset/change, profile, roles, user list.

Time passing is simulated by moving timestamps back with SQL, never by sleeping.
"""

from __future__ import annotations

import functools
import threading
import uuid
from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qs, urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from tutorconnect.config import get_settings
from tutorconnect.db import session_scope
from tutorconnect.integrations import ratelimit_store
from tutorconnect.integrations.ratelimit_store import PostgresHitStore
from tutorconnect.models import User
from tutorconnect.services import accounts, ratelimit, sessions
from tutorconnect.services.accounts import lookup
from tutorconnect.services.context import RequestContext
from tutorconnect.services.errors import (
    AccountLocked,
    EmailTaken,
    InvalidCredentials,
    InvalidInput,
    NotFound,
    PermissionDenied,
    RateLimited,
    TokenInvalid,
)
from tutorconnect.services.passwords import hash_password
from tests.support.db import scalar, sql

pytestmark = pytest.mark.usefixtures("fast_password_hashing")

PASSWORD = "violet tangerine orbit"
NEW_PASSWORD = "copper lantern meadow"
WRONG = "definitely not it 42"


# Helpers -------------------------------------------------------------------------------
def _now() -> datetime:
    return datetime.now(timezone.utc)


def new_ctx(actor: uuid.UUID | None = None) -> RequestContext:
    """A request from a fresh random IP (so per-IP limits of other steps do not interfere)."""
    n = uuid.uuid4().int
    return RequestContext(
        ip=f"172.{16 + n % 16}.{(n >> 8) % 256}.{(n >> 16) % 254 + 1}",
        user_agent="pytest",
        request_id="test",
        actor_user_id=actor,
    )




@functools.lru_cache(maxsize=None)
def _hash(password: str) -> str:
    return hash_password(password)


def insert_user(
    email: str,
    *,
    role: str = "student",
    full_name: str | None = None,
    password: str | None = PASSWORD,
    created_at: datetime | None = None,
) -> uuid.UUID:
    """A user row written directly (no rate limit, no email), for admin-side tests."""
    with session_scope() as s:
        user = User(
            email=email,
            full_name=full_name or email.split("@")[0].title(),
            role=role,
            password_hash=_hash(password) if password else None,
        )
        if created_at is not None:
            user.created_at = created_at
        s.add(user)
        s.flush()
        return user.id


def register(ctx: RequestContext, email: str = "ada@example.com", **kw) -> uuid.UUID:
    kw.setdefault("password", PASSWORD)
    kw.setdefault("full_name", "Ada Lovelace")
    with session_scope() as s:
        return accounts.register(s, ctx, email=email, **kw)


def login(ctx: RequestContext, email: object = "ada@example.com", password: object = PASSWORD) -> uuid.UUID:
    with session_scope() as s:
        return accounts.authenticate(s, ctx, email=email, password=password)


def open_session(user_id: uuid.UUID, ctx: RequestContext | None = None) -> str:
    with session_scope() as s:
        return sessions.create_session(s, ctx or new_ctx(), user_id)


def resolve(token: str):
    with session_scope() as s:
        return sessions.resolve(s, token)


def outbox_emails() -> list[dict]:
    return [r.payload for r in sql("SELECT payload FROM outbox WHERE job = 'email.send' ORDER BY id")]


def token_from_email(payload: dict) -> str:
    return parse_qs(urlsplit(payload["context"]["link"]).query)["token"][0]


def audit_rows(action: str) -> list:
    return sql("SELECT * FROM audit_log WHERE action = :a ORDER BY id", a=action)


def shift_login_attempts(by: timedelta, email: str = "ada@example.com") -> None:
    sql("UPDATE login_attempts SET created_at = created_at - :by WHERE email = :e", by=by, e=email)


@pytest.fixture
def override_settings(monkeypatch):
    """Set environment variables for get_settings() for one test; restored afterwards."""

    def apply(**env: str) -> None:
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        get_settings.cache_clear()

    yield apply
    get_settings.cache_clear()


@pytest.fixture
def max_failures() -> int:
    return get_settings().login_max_failures


# Registration --------------------------------------------------------------------------
class TestRegistration:
    def test_new_account_is_a_student_by_default_with_normalized_email(self, db, ctx):
        # when
        uid = register(ctx, " Ada@Example.COM ", full_name="  Ada   Lovelace ", time_zone="Europe/London")
        # then
        with session_scope() as s:
            profile = accounts.get_profile(s, uid)
        assert profile.email == "ada@example.com"
        assert profile.full_name == "Ada Lovelace"
        assert profile.role == "student"
        assert profile.time_zone == "Europe/London"
        assert profile.email_verified is False
        assert profile.has_password is True
        stored = scalar("SELECT password_hash FROM users WHERE id = :id", id=uid)
        assert stored.startswith("$argon2id$") and PASSWORD not in stored

    def test_registration_as_a_tutor_creates_a_tutor(self, db, ctx):
        uid = register(ctx, "tutor@example.com", role="tutor")
        assert scalar("SELECT role FROM users WHERE id = :id", id=uid) == "tutor"

    @pytest.mark.parametrize("role", ["admin", "ADMIN", "superuser", "", None, ["admin"], {"role": "admin"}])
    def test_self_service_registration_cannot_choose_admin_or_unknown_roles(self, db, ctx, role):
        with pytest.raises(InvalidInput) as err:
            register(ctx, role=role)
        assert err.value.field == "role"
        assert scalar("SELECT count(*) FROM users") == 0

    def test_registration_records_an_audit_row_with_the_new_user_as_actor(self, db, ctx):
        uid = register(ctx)
        (row,) = audit_rows("user.registered")
        assert row.actor_user_id == uid
        assert row.target_id == str(uid)
        assert row.after == {"email": "ada@example.com", "role": "student"}
        assert row.ip == ctx.ip

    @pytest.mark.parametrize("second", ["ada@example.com", "ADA@EXAMPLE.COM", "  Ada@Example.com\t"])
    def test_duplicate_email_is_refused_whatever_its_case(self, db, ctx, second):
        register(ctx, "ada@example.com")
        with pytest.raises(EmailTaken):
            register(new_ctx(), second)
        assert scalar("SELECT count(*) FROM users") == 1

    @pytest.mark.parametrize(
        ("field", "kw"),
        [
            ("email", {"email": "not-an-email"}),
            ("full_name", {"full_name": "   "}),
            ("time_zone", {"time_zone": "Mars/Base"}),
            ("password", {"password": "short"}),
            ("password", {"password": "my adalove passphrase"}),  # contains the email's local part
            ("password", {"password": "i am adalovelace ok", "full_name": "Ada Lovelace",
                          "email": "someone@example.com"}),  # contains the name
            ("password", {"password": None}),
        ],
    )
    def test_invalid_registration_names_the_bad_field_and_creates_nothing(self, db, ctx, field, kw):
        args = {"email": "adalove@example.com", **kw}
        with pytest.raises(InvalidInput) as err:
            register(ctx, **args)
        assert err.value.field == field
        assert scalar("SELECT count(*) FROM users") == 0
        assert outbox_emails() == []

    def test_registration_is_refused_when_the_feature_is_switched_off(self, db, ctx, override_settings):
        from tutorconnect.services.errors import FeatureDisabled

        override_settings(FEATURE_REGISTRATION="false")
        with pytest.raises(FeatureDisabled):
            register(ctx)
        assert scalar("SELECT count(*) FROM users") == 0

    def test_two_concurrent_registrations_of_one_email_create_exactly_one_user(self, db, monkeypatch):
        # given both requests pass the "is the email free?" check before either inserts
        barrier = threading.Barrier(2, timeout=10)
        real_find = lookup.find_by_email

        def find_then_wait(session, email):
            found = real_find(session, email)
            barrier.wait()
            return found

        monkeypatch.setattr(lookup, "find_by_email", find_then_wait)
        results: list[object] = []

        def attempt(email: str) -> None:
            try:
                results.append(register(new_ctx(), email))
            except Exception as exc:  # collected and asserted below
                results.append(exc)

        # when
        threads = [threading.Thread(target=attempt, args=(e,)) for e in ("ada@example.com", "ADA@example.com")]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        # then one wins, the other is told the email is taken, and only one email is queued
        winners = [r for r in results if isinstance(r, uuid.UUID)]
        losers = [r for r in results if isinstance(r, EmailTaken)]
        assert (len(winners), len(losers)) == (1, 1), results
        assert scalar("SELECT count(*) FROM users WHERE email = 'ada@example.com'") == 1
        assert len(outbox_emails()) == 1
        assert scalar("SELECT count(*) FROM auth_tokens") == 1


# Email verification ----------------------------------------------------------------------
class TestEmailVerification:
    def test_registration_queues_a_verification_email_with_a_link_in_the_same_transaction(self, db, ctx):
        # when
        with session_scope() as s:
            accounts.register(s, ctx, email="ada@example.com", password=PASSWORD, full_name="Ada L")
            # then, before commit, the outbox row is part of this very transaction
            pending = s.execute(text("SELECT count(*) FROM outbox")).scalar()
            assert pending == 1
        (email,) = outbox_emails()
        assert email["to"] == "ada@example.com"
        assert email["template"] == "verify_email"
        assert email["context"]["name"] == "Ada L"
        link = email["context"]["link"]
        assert link.startswith(get_settings().public_base_url + "/verify-email?token=")
        # only the hash of the token is stored
        raw = token_from_email(email)
        assert scalar("SELECT count(*) FROM auth_tokens WHERE token_hash = :raw", raw=raw) == 0

    def test_no_verification_email_is_queued_when_registration_rolls_back(self, db, ctx):
        # given a registration whose surrounding unit of work fails afterwards
        with pytest.raises(RuntimeError):
            with session_scope() as s:
                accounts.register(s, ctx, email="ada@example.com", password=PASSWORD, full_name="Ada L")
                raise RuntimeError("later step failed")
        # then neither the user, its token nor its email survive
        assert scalar("SELECT count(*) FROM users") == 0
        assert scalar("SELECT count(*) FROM auth_tokens") == 0
        assert outbox_emails() == []

    def test_link_from_the_email_verifies_the_account_once(self, db, ctx):
        uid = register(ctx)
        token = token_from_email(outbox_emails()[0])
        # when
        with session_scope() as s:
            assert accounts.verify_email(s, ctx, token) == uid
        # then
        with session_scope() as s:
            assert accounts.get_profile(s, uid).email_verified is True
        (row,) = audit_rows("user.email_verified")
        assert (row.before, row.after) == ({"verified": False}, {"verified": True})
        # and the link is single use
        with pytest.raises(TokenInvalid):
            with session_scope() as s:
                accounts.verify_email(s, ctx, token)

    def test_expired_verification_link_is_refused(self, db, ctx):
        uid = register(ctx)
        token = token_from_email(outbox_emails()[0])
        sql("UPDATE auth_tokens SET expires_at = now() - interval '1 second'")
        with pytest.raises(TokenInvalid):
            with session_scope() as s:
                accounts.verify_email(s, ctx, token)
        with session_scope() as s:
            assert accounts.get_profile(s, uid).email_verified is False

    def test_verification_link_expires_after_the_configured_hours(self, db, ctx):
        register(ctx)
        lifetime = scalar("SELECT expires_at - created_at FROM auth_tokens WHERE purpose = 'email_verify'")
        expected = timedelta(hours=get_settings().email_verify_ttl_hours)
        assert abs(lifetime - expected) < timedelta(seconds=5)

    def test_password_reset_token_cannot_verify_an_email_and_vice_versa(self, db, ctx):
        register(ctx)
        with session_scope() as s:
            accounts.request_password_reset(s, ctx, email="ada@example.com")
        verify_mail, reset_mail = outbox_emails()
        assert (verify_mail["template"], reset_mail["template"]) == ("verify_email", "password_reset")
        with pytest.raises(TokenInvalid):
            with session_scope() as s:
                accounts.verify_email(s, ctx, token_from_email(reset_mail))
        with pytest.raises(TokenInvalid):
            with session_scope() as s:
                accounts.reset_password(s, ctx, token=token_from_email(verify_mail), new_password=NEW_PASSWORD)
        # both tokens remain usable for their own purpose
        with session_scope() as s:
            accounts.verify_email(s, ctx, token_from_email(verify_mail))

    @pytest.mark.parametrize("token", [None, "", 123, ["x" * 43], "short", "x" * 500, "../../etc/passwd",
                                       "a" * 43])
    def test_garbage_verification_tokens_are_refused(self, db, ctx, token):
        register(ctx)
        with pytest.raises(TokenInvalid):
            with session_scope() as s:
                accounts.verify_email(s, ctx, token)


# Sign-in ----------------------------------------------------------------------------------
class TestSignIn:
    def test_correct_password_signs_in_case_insensitively_and_records_success(self, db, ctx):
        uid = register(ctx)
        assert login(ctx, " ADA@example.com ", PASSWORD) == uid
        # a password check alone is not a sign-in: the session it leads to records that
        assert scalar("SELECT last_login_at FROM users WHERE id = :id", id=uid) is None
        with session_scope() as s:
            sessions.create_session(s, ctx, uid)
        assert scalar("SELECT last_login_at FROM users WHERE id = :id", id=uid) is not None
        (attempt,) = sql("SELECT * FROM login_attempts")
        assert (attempt.email, attempt.user_id, attempt.succeeded, attempt.reason, attempt.ip) == (
            "ada@example.com", uid, True, "ok", ctx.ip)

    def test_unknown_email_and_wrong_password_get_the_identical_refusal(self, db, ctx):
        register(ctx)
        with pytest.raises(InvalidCredentials) as wrong_password:
            login(ctx, "ada@example.com", WRONG)
        with pytest.raises(InvalidCredentials) as unknown_email:
            login(ctx, "nobody@example.com", WRONG)
        with pytest.raises(InvalidCredentials) as malformed_email:
            login(ctx, "not an email", WRONG)
        assert str(wrong_password.value) == str(unknown_email.value) == str(malformed_email.value)
        assert wrong_password.value.message == unknown_email.value.message

    @pytest.mark.parametrize("password", ["", None, 12345, ["pw"]])
    def test_missing_password_is_asked_for(self, db, ctx, password):
        register(ctx)
        with pytest.raises(InvalidInput) as err:
            login(ctx, "ada@example.com", password)
        assert err.value.field == "password"

    def test_google_only_account_without_password_cannot_sign_in_with_a_password(self, db, ctx):
        insert_user("ada@example.com", password=None)
        with pytest.raises(InvalidCredentials):
            login(ctx, "ada@example.com", PASSWORD)

    def test_deleted_account_cannot_sign_in(self, db, ctx):
        register(ctx)
        sql("UPDATE users SET deleted_at = now()")
        with pytest.raises(InvalidCredentials):
            login(ctx, "ada@example.com", PASSWORD)

    def test_refused_sign_ins_are_recorded_although_the_caller_rolls_back(self, db, ctx):
        uid = register(ctx)
        with pytest.raises(InvalidCredentials):
            login(ctx, "ada@example.com", WRONG)
        with pytest.raises(InvalidCredentials):
            login(ctx, "ghost@example.com", WRONG)
        rows = sql("SELECT email, user_id, succeeded, reason, ip FROM login_attempts ORDER BY id")
        assert [tuple(r) for r in rows] == [
            ("ada@example.com", uid, False, "bad_credentials", ctx.ip),
            ("ghost@example.com", None, False, "bad_credentials", ctx.ip),
        ]


class TestLockout:
    def test_fewer_failures_than_the_allowance_do_not_lock(self, db, ctx, max_failures):
        uid = register(ctx)
        for _ in range(max_failures - 1):
            with pytest.raises(InvalidCredentials):
                login(ctx, password=WRONG)
        assert login(ctx) == uid

    def test_account_locks_after_max_failures_and_refuses_even_the_correct_password(self, db, ctx, max_failures):
        register(ctx)
        for _ in range(max_failures):
            with pytest.raises(InvalidCredentials):
                login(ctx, password=WRONG)
        last_failure = scalar("SELECT max(created_at) FROM login_attempts")
        # when
        with pytest.raises(AccountLocked) as locked:
            login(ctx, "ADA@example.com", PASSWORD)
        # then the lock lasts one minute from the latest failure, and the refusal is recorded
        assert locked.value.until == last_failure + timedelta(minutes=1)
        assert "Too many failed sign-in attempts" in locked.value.message
        last = sql("SELECT succeeded, reason FROM login_attempts ORDER BY id DESC LIMIT 1")[0]
        assert (last.succeeded, last.reason) == (False, "locked")

    def test_lockout_threshold_follows_the_login_max_failures_setting(self, db, ctx, override_settings):
        override_settings(LOGIN_MAX_FAILURES="2")
        register(ctx)
        for _ in range(2):
            with pytest.raises(InvalidCredentials):
                login(ctx, password=WRONG)
        with pytest.raises(AccountLocked):
            login(ctx)

    def test_lock_ends_after_its_backoff_and_then_the_correct_password_works(self, db, ctx, max_failures):
        uid = register(ctx)
        for _ in range(max_failures):
            with pytest.raises(InvalidCredentials):
                login(ctx, password=WRONG)
        # when a minute and a second pass
        shift_login_attempts(timedelta(minutes=1, seconds=1))
        # then
        assert login(ctx) == uid

    @pytest.mark.parametrize(("extra_failures", "lock_minutes"), [(0, 1), (1, 2), (2, 4), (3, 8), (5, 32),
                                                                  (6, 60), (12, 60)])
    def test_lock_doubles_with_each_further_failure_up_to_an_hour(
        self, db, ctx, max_failures, extra_failures, lock_minutes
    ):
        # given a history of consecutive failures, the latest 30 seconds ago
        uid = register(ctx)
        latest = _now() - timedelta(seconds=30)
        count = max_failures + extra_failures
        for i in range(count):
            sql("INSERT INTO login_attempts (email, user_id, ip, succeeded, reason, created_at) "
                "VALUES ('ada@example.com', :u, '203.0.113.9', false, 'bad_credentials', :t)",
                u=uid, t=latest - timedelta(seconds=count - 1 - i))
        # when
        with pytest.raises(AccountLocked) as locked:
            login(ctx)
        # then
        assert locked.value.until == latest + timedelta(minutes=lock_minutes)

    @pytest.mark.parametrize("extra_failures", [41, 100])
    def test_lock_stays_capped_at_an_hour_however_many_failures(self, db, ctx, max_failures, extra_failures):
        uid = register(ctx)
        latest = _now() - timedelta(seconds=30)
        sql("INSERT INTO login_attempts (email, user_id, ip, succeeded, reason, created_at) "
            "SELECT 'ada@example.com', :u, '203.0.113.9', false, 'bad_credentials', "
            ":t - make_interval(secs => n) FROM generate_series(0, :c - 1) n",
            u=uid, t=latest, c=max_failures + extra_failures)
        with pytest.raises(AccountLocked) as locked:
            login(ctx)
        assert locked.value.until == latest + timedelta(hours=1)

    def test_failures_older_than_a_day_are_forgotten(self, db, ctx, max_failures):
        uid = register(ctx)
        for _ in range(max_failures):
            with pytest.raises(InvalidCredentials):
                login(ctx, password=WRONG)
        shift_login_attempts(timedelta(hours=24, seconds=1))
        assert login(ctx) == uid

    def test_a_successful_sign_in_resets_the_failure_count(self, db, ctx, max_failures):
        uid = register(ctx)
        for _ in range(max_failures - 1):
            with pytest.raises(InvalidCredentials):
                login(ctx, password=WRONG)
        shift_login_attempts(timedelta(seconds=1))  # keep the order of attempts unambiguous
        assert login(ctx) == uid
        shift_login_attempts(timedelta(seconds=1))
        # when as many failures follow again
        for _ in range(max_failures - 1):
            with pytest.raises(InvalidCredentials):
                login(ctx, password=WRONG)
        # then the account is still not locked (the count restarted at the success)
        assert login(ctx) == uid

    def test_unknown_emails_lock_just_like_real_ones(self, db, ctx, max_failures):
        for _ in range(max_failures):
            with pytest.raises(InvalidCredentials):
                login(ctx, "ghost@example.com", WRONG)
        with pytest.raises(AccountLocked):
            login(ctx, "ghost@example.com", WRONG)

    def test_lock_of_one_account_does_not_affect_another(self, db, ctx, max_failures):
        register(ctx, "ada@example.com")
        grace = register(new_ctx(), "grace@example.com", full_name="Grace Hopper")
        for _ in range(max_failures):
            with pytest.raises(InvalidCredentials):
                login(ctx, "ada@example.com", WRONG)
        assert login(ctx, "grace@example.com", PASSWORD) == grace
    def test_signing_in_while_locked_does_not_extend_the_lock(self, db, ctx, max_failures):
        uid = register(ctx)
        for _ in range(max_failures):
            with pytest.raises(InvalidCredentials):
                login(ctx, password=WRONG)
        with pytest.raises(AccountLocked) as first:
            login(ctx)
        # when the user tries again before the lock ends
        with pytest.raises(AccountLocked) as second:
            login(ctx)
        # then the promised end of the lock has not moved
        assert second.value.until == first.value.until
        # and once that moment passes the correct password works
        shift_login_attempts(first.value.until - _now() + timedelta(seconds=1))
        assert login(ctx) == uid
    def test_sign_in_with_a_nul_byte_in_the_email_is_refused_as_invalid_credentials(self, db, ctx):
        with pytest.raises(InvalidCredentials):
            login(ctx, "ada\x00@example.com", WRONG)


# Rate limits (PostgreSQL store: no REDIS_URL in tests) ----------------------------------------
class TestRateLimits:
    def test_tests_run_without_redis_so_the_postgres_store_is_used(self, db):
        assert get_settings().redis_url == ""

    def test_login_is_limited_per_ip_counting_refused_attempts(self, db, ctx):
        uid = register(ctx)
        limit = ratelimit.LOGIN_PER_IP
        for _ in range(limit.limit):
            with pytest.raises(InvalidCredentials):
                login(ctx, "not an email", WRONG)
        # when the next attempt comes from the same IP, even with the right password
        with pytest.raises(RateLimited) as limited:
            login(ctx)
        # then
        assert 1 <= limited.value.retry_after_seconds <= limit.window_seconds
        assert "Too many attempts" in limited.value.message
        hits = scalar("SELECT hits FROM rate_limit_buckets WHERE key = :k", k=f"login:ip:{ctx.ip}")
        assert hits == limit.limit + 1
        # and another IP is not affected
        assert login(new_ctx()) == uid

    def test_registration_is_limited_per_ip(self, db, ctx):
        limit = ratelimit.REGISTER_PER_IP
        for i in range(limit.limit):
            with pytest.raises(InvalidInput):
                register(ctx, f"bad-{i}")
        with pytest.raises(RateLimited) as limited:
            register(ctx, "ada@example.com")
        assert 1 <= limited.value.retry_after_seconds <= limit.window_seconds
        assert scalar("SELECT count(*) FROM users") == 0
        register(new_ctx(), "ada@example.com")

    def test_password_reset_is_limited_per_ip(self, db, ctx):
        limit = ratelimit.RESET_PER_IP
        for i in range(limit.limit):
            with session_scope() as s:
                accounts.request_password_reset(s, ctx, email=f"nobody{i}@example.com")
        with pytest.raises(RateLimited):
            with session_scope() as s:
                accounts.request_password_reset(s, ctx, email="someone-else@example.com")

    def test_password_reset_is_limited_per_account_across_ips(self, db):
        register(new_ctx())
        limit = ratelimit.RESET_PER_ACCOUNT
        for _ in range(limit.limit):
            with session_scope() as s:
                accounts.request_password_reset(s, new_ctx(), email="ada@example.com")
        with pytest.raises(RateLimited):
            with session_scope() as s:
                accounts.request_password_reset(s, new_ctx(), email="ADA@example.com")
        assert len([m for m in outbox_emails() if m["template"] == "password_reset"]) == limit.limit

    def test_a_new_window_starts_a_fresh_count(self, db, ctx):
        limit = ratelimit.Limit("test:window", 2, 60)
        ratelimit.enforce(limit, "x")
        ratelimit.enforce(limit, "x")
        with pytest.raises(RateLimited):
            ratelimit.enforce(limit, "x")
        # when the window is over
        sql("UPDATE rate_limit_buckets SET window_start = window_start - interval '1 hour', "
            "expires_at = expires_at - interval '1 hour'")
        # then
        ratelimit.enforce(limit, "x")
        assert scalar("SELECT hits FROM rate_limit_buckets WHERE key = 'test:window:x'") == 1

    @given(
        start=st.floats(min_value=1.6e9, max_value=2.2e9, allow_nan=False),
        window=st.integers(min_value=1, max_value=7 * 24 * 3600),
        hits=st.integers(min_value=1, max_value=4),
        later=st.floats(min_value=0, max_value=0.999),
    )
    @settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    def test_postgres_store_counts_hits_per_fixed_window(self, db, monkeypatch, start, window, hits, later):
        # given a frozen clock at `start`
        clock = _FrozenClock.at(start)
        # datetime has microsecond resolution: reason about the instant the clock really holds
        start = clock.current.timestamp()
        monkeypatch.setattr(ratelimit_store, "datetime", clock)
        store, key = PostgresHitStore(), f"prop:{uuid.uuid4()}"
        window_end = (start // window + 1) * window
        # when hitting several times within one instant
        results = [store.hit(key, window) for _ in range(hits)]
        # then the count grows by one per hit and the reset is the rest of the window
        assert [r[0] for r in results] == list(range(1, hits + 1))
        for _, reset in results:
            assert 1 <= reset <= window
            assert abs(reset - max(1, int(window_end - start))) <= 1
        # and the first hit in the next window counts from one again
        clock.current = datetime.fromtimestamp(window_end + later * window, timezone.utc)
        assert store.hit(key, window)[0] == 1


class _FrozenClock(datetime):
    current: datetime

    @classmethod
    def at(cls, ts: float) -> type["_FrozenClock"]:
        clock = type("Clock", (cls,), {})
        clock.current = datetime.fromtimestamp(ts, timezone.utc)
        return clock

    @classmethod
    def now(cls, tz=None):  # type: ignore[override]
        return cls.current


# Password reset ----------------------------------------------------------------------------
class TestPasswordReset:
    def _request(self, email: str = "ada@example.com") -> str:
        with session_scope() as s:
            accounts.request_password_reset(s, new_ctx(), email=email)
        resets = [m for m in outbox_emails() if m["template"] == "password_reset"]
        return token_from_email(resets[-1])

    def _reset(self, token: object, password: object = NEW_PASSWORD) -> uuid.UUID:
        with session_scope() as s:
            return accounts.reset_password(s, new_ctx(), token=token, new_password=password)

    def test_reset_for_an_unknown_email_says_nothing_and_queues_nothing(self, db, ctx):
        register(ctx)
        before = len(outbox_emails())
        with session_scope() as s:
            assert accounts.request_password_reset(s, ctx, email="ghost@example.com") is None
        assert len(outbox_emails()) == before
        assert scalar("SELECT count(*) FROM auth_tokens WHERE purpose = 'password_reset'") == 0

    def test_reset_for_a_malformed_email_is_refused(self, db, ctx):
        with pytest.raises(InvalidInput):
            with session_scope() as s:
                accounts.request_password_reset(s, ctx, email="nope")

    def test_reset_email_carries_a_link_and_the_lifetime_in_minutes(self, db, ctx):
        register(ctx)
        self._request("ADA@example.com")
        mail = outbox_emails()[-1]
        assert mail["to"] == "ada@example.com"
        assert mail["context"]["minutes"] == get_settings().password_reset_ttl_minutes
        assert mail["context"]["link"].startswith(get_settings().public_base_url + "/reset-password?token=")

    def test_new_password_works_and_old_one_no_longer_does(self, db, ctx):
        uid = register(ctx)
        token = self._request()
        assert self._reset(token) == uid
        assert login(new_ctx(), password=NEW_PASSWORD) == uid
        with pytest.raises(InvalidCredentials):
            login(new_ctx(), password=PASSWORD)
        (row,) = audit_rows("user.password_changed")
        assert row.after == {"via": "reset"} and row.actor_user_id == uid

    def test_reset_link_is_single_use(self, db, ctx):
        register(ctx)
        token = self._request()
        self._reset(token)
        with pytest.raises(TokenInvalid):
            self._reset(token, "another fine passphrase")
        assert login(new_ctx(), password=NEW_PASSWORD)

    def test_expired_reset_link_is_refused(self, db, ctx):
        register(ctx)
        token = self._request()
        sql("UPDATE auth_tokens SET expires_at = now() - interval '1 second' WHERE purpose = 'password_reset'")
        with pytest.raises(TokenInvalid):
            self._reset(token)
        assert login(new_ctx(), password=PASSWORD)

    def test_reset_link_lives_for_the_configured_minutes(self, db, ctx):
        register(ctx)
        self._request()
        lifetime = scalar("SELECT expires_at - created_at FROM auth_tokens WHERE purpose = 'password_reset'")
        assert abs(lifetime - timedelta(minutes=get_settings().password_reset_ttl_minutes)) < timedelta(seconds=5)

    # The page checks the link when it opens (issue #14, item 30): read only, the same rule.
    def _check(self, token: object) -> bool:
        with session_scope() as s:
            return accounts.check_reset_token(s, token)

    def test_checking_a_reset_link_does_not_use_it_up(self, db, ctx):
        uid = register(ctx)
        token = self._request()
        assert self._check(token) is True and self._check(token) is True
        assert scalar("SELECT count(*) FROM auth_tokens WHERE used_at IS NOT NULL") == 0
        assert self._reset(token) == uid

    def test_a_used_expired_or_foreign_reset_link_checks_as_unusable(self, db, ctx):
        uid = register(ctx)
        used = self._request()
        self._reset(used)
        assert self._check(used) is False
        expired = self._request()
        sql("UPDATE auth_tokens SET expires_at = now() - interval '1 second' WHERE used_at IS NULL")
        assert self._check(expired) is False
        verification = token_from_email([m for m in outbox_emails() if m["template"] == "verify_email"][0])
        assert self._check(verification) is False  # another purpose's token
        for garbage in ("", "nope", None, 42, "A" * 43, ["x"]):
            assert self._check(garbage) is False
        closed = self._request()
        sql("UPDATE users SET deleted_at = now() WHERE id = :u", u=uid)
        assert self._check(closed) is False

    def test_resetting_signs_out_every_session(self, db, ctx):
        uid = register(ctx)
        tokens = [open_session(uid) for _ in range(3)]
        self._reset(self._request())
        assert [resolve(t) for t in tokens] == [None, None, None]
        reasons = sql("SELECT DISTINCT revoked_reason FROM user_sessions")
        assert [r.revoked_reason for r in reasons] == ["password_reset"]

    def test_reset_proves_the_email_address(self, db, ctx):
        uid = register(ctx)
        self._reset(self._request())
        with session_scope() as s:
            assert accounts.get_profile(s, uid).email_verified is True

    def test_weak_new_password_is_refused_and_the_link_stays_usable(self, db, ctx):
        register(ctx)
        token = self._request()
        with pytest.raises(InvalidInput) as err:
            self._reset(token, "short")
        assert err.value.field == "password"
        with pytest.raises(InvalidInput):
            self._reset(token, None)
        self._reset(token)  # the refused attempts did not consume it
        assert login(new_ctx(), password=NEW_PASSWORD)


# Password change ---------------------------------------------------------------------------
class TestChangePassword:
    def _change(self, uid, current, new, session_id, ctx=None):
        with session_scope() as s:
            accounts.change_password(s, ctx or new_ctx(uid), user_id=uid, current_password=current,
                                     new_password=new, current_session_id=session_id)

    @pytest.mark.parametrize("current", [WRONG, "", None, 42])
    def test_wrong_current_password_is_refused_and_nothing_changes(self, db, ctx, current):
        uid = register(ctx)
        this = open_session(uid)
        other = open_session(uid)
        with pytest.raises(InvalidInput) as err:
            self._change(uid, current, NEW_PASSWORD, resolve(this).session_id)
        assert err.value.field == "current_password"
        assert login(new_ctx()) == uid
        assert resolve(other) is not None

    def test_change_keeps_the_current_session_and_signs_out_the_others(self, db, ctx):
        uid = register(ctx)
        this, other1, other2 = (open_session(uid) for _ in range(3))
        current_id = resolve(this).session_id
        # when
        self._change(uid, PASSWORD, NEW_PASSWORD, current_id)
        # then
        assert resolve(this).session_id == current_id
        assert resolve(other1) is None and resolve(other2) is None
        assert login(new_ctx(), password=NEW_PASSWORD) == uid
        with pytest.raises(InvalidCredentials):
            login(new_ctx(), password=PASSWORD)
        (revoked,) = audit_rows("session.revoked_all")
        assert revoked.after["revoked"] == 2 and revoked.after["kept"] == str(current_id)
        (changed,) = audit_rows("user.password_changed")
        assert changed.after == {"via": "change"} and changed.actor_user_id == uid

    def test_new_password_must_differ_and_meet_the_policy(self, db, ctx):
        uid = register(ctx)
        sid = resolve(open_session(uid)).session_id
        with pytest.raises(InvalidInput) as same:
            self._change(uid, PASSWORD, PASSWORD, sid)
        with pytest.raises(InvalidInput) as weak:
            self._change(uid, PASSWORD, "short", sid)
        assert same.value.field == weak.value.field == "password"
        assert login(new_ctx()) == uid

    def test_deleted_account_cannot_change_its_password(self, db, ctx):
        uid = register(ctx)
        sql("UPDATE users SET deleted_at = now()")
        with pytest.raises(NotFound):
            self._change(uid, PASSWORD, NEW_PASSWORD, uuid.uuid4())


# Profile ---------------------------------------------------------------------------------
class TestUpdateProfile:
    def _update(self, uid, name, zone):
        with session_scope() as s:
            return accounts.update_profile(s, new_ctx(uid), user_id=uid, full_name=name, time_zone=zone)

    def test_update_cleans_values_and_audits_before_and_after(self, db, ctx):
        uid = register(ctx, full_name="Ada Lovelace", time_zone="UTC")
        profile = self._update(uid, "  Ada   King ", "Asia/Kolkata")
        assert (profile.full_name, profile.time_zone) == ("Ada King", "Asia/Kolkata")
        (row,) = audit_rows("user.profile_updated")
        assert row.before == {"full_name": "Ada Lovelace", "time_zone": "UTC"}
        assert row.after == {"full_name": "Ada King", "time_zone": "Asia/Kolkata"}
        assert row.actor_user_id == uid and row.target_id == str(uid)

    def test_unchanged_profile_writes_no_audit_row(self, db, ctx):
        uid = register(ctx, full_name="Ada Lovelace")
        self._update(uid, "Ada  Lovelace", "UTC")
        assert audit_rows("user.profile_updated") == []

    @pytest.mark.parametrize(("name", "zone", "field"), [
        ("", "UTC", "full_name"), ("x" * 121, "UTC", "full_name"), (None, "UTC", "full_name"),
        ("Ada", "Nowhere/Land", "time_zone"), ("Ada", None, "time_zone"), ("Ada\x00", "UTC", "full_name"),
    ])
    def test_invalid_profile_is_refused_and_nothing_changes(self, db, ctx, name, zone, field):
        uid = register(ctx, full_name="Ada Lovelace")
        with pytest.raises(InvalidInput) as err:
            self._update(uid, name, zone)
        assert err.value.field == field
        row = sql("SELECT full_name, time_zone FROM users")[0]
        assert tuple(row) == ("Ada Lovelace", "UTC")
        assert audit_rows("user.profile_updated") == []

    def test_unknown_user_is_not_found(self, db):
        with pytest.raises(NotFound):
            self._update(uuid.uuid4(), "Ada", "UTC")


# Roles -----------------------------------------------------------------------------------
class TestChangeRole:
    def _change(self, actor, target, role, ctx=None):
        with session_scope() as s:
            return accounts.change_role(s, ctx or new_ctx(actor), target_user_id=target, new_role=role)

    def test_admin_changes_a_role_audited_with_actor_and_ip_and_target_is_signed_out(self, db):
        admin = insert_user("root@example.com", role="admin")
        student = insert_user("ada@example.com")
        tokens = [open_session(student), open_session(student)]
        admin_session = open_session(admin)
        actor_ctx = new_ctx(admin)
        # when
        profile = self._change(admin, student, "tutor", actor_ctx)
        # then
        assert profile.role == "tutor"
        assert scalar("SELECT role FROM users WHERE id = :id", id=student) == "tutor"
        (row,) = audit_rows("user.role_changed")
        assert (row.before, row.after) == ({"role": "student"}, {"role": "tutor"})
        assert (row.actor_user_id, row.ip, row.target_id) == (admin, actor_ctx.ip, str(student))
        assert [resolve(t) for t in tokens] == [None, None]
        assert resolve(admin_session) is not None
        assert {r.revoked_reason for r in sql("SELECT revoked_reason FROM user_sessions WHERE user_id = :u",
                                              u=student)} == {"role_changed"}

    @pytest.mark.parametrize("actor_role", ["student", "tutor"])
    def test_non_admin_cannot_change_roles_and_nothing_changes(self, db, actor_role):
        actor = insert_user("mallory@example.com", role=actor_role)
        target = insert_user("ada@example.com")
        token = open_session(target)
        with pytest.raises(PermissionDenied):
            self._change(actor, target, "admin")
        with pytest.raises(PermissionDenied):
            self._change(actor, actor, "admin")
        assert scalar("SELECT role FROM users WHERE id = :id", id=target) == "student"
        assert scalar("SELECT role FROM users WHERE id = :id", id=actor) == actor_role
        assert audit_rows("user.role_changed") == []
        assert resolve(token) is not None

    def test_anonymous_and_deleted_admins_cannot_change_roles(self, db):
        admin = insert_user("root@example.com", role="admin")
        target = insert_user("ada@example.com")
        with pytest.raises(PermissionDenied):
            self._change(None, target, "tutor")
        sql("UPDATE users SET deleted_at = now() WHERE id = :id", id=admin)
        with pytest.raises(PermissionDenied):
            self._change(admin, target, "tutor")
        assert scalar("SELECT role FROM users WHERE id = :id", id=target) == "student"

    def test_admin_cannot_change_their_own_role(self, db):
        admin = insert_user("root@example.com", role="admin")
        token = open_session(admin)
        with pytest.raises(PermissionDenied) as err:
            self._change(admin, admin, "student")
        assert "own role" in err.value.message
        assert scalar("SELECT role FROM users WHERE id = :id", id=admin) == "admin"
        assert resolve(token) is not None

    @pytest.mark.parametrize("role", ["superuser", "Admin", "", None, 1])
    def test_unknown_role_is_refused(self, db, role):
        admin = insert_user("root@example.com", role="admin")
        target = insert_user("ada@example.com")
        with pytest.raises(InvalidInput):
            self._change(admin, target, role)
        assert scalar("SELECT role FROM users WHERE id = :id", id=target) == "student"

    def test_unknown_target_is_not_found(self, db):
        admin = insert_user("root@example.com", role="admin")
        with pytest.raises(NotFound):
            self._change(admin, uuid.uuid4(), "tutor")

    def test_setting_the_same_role_is_a_no_op_without_audit_or_sign_out(self, db):
        admin = insert_user("root@example.com", role="admin")
        target = insert_user("ada@example.com", role="tutor")
        token = open_session(target)
        assert self._change(admin, target, "tutor").role == "tutor"
        assert audit_rows("user.role_changed") == []
        assert resolve(token) is not None

    def test_demoted_admin_loses_admin_rights_immediately(self, db):
        first = insert_user("root@example.com", role="admin")
        second = insert_user("ops@example.com", role="admin")
        self._change(first, second, "student")
        with pytest.raises(PermissionDenied):
            self._change(second, first, "student")


# User list ---------------------------------------------------------------------------------
class TestListUsers:
    def _list(self, actor, **kw):
        with session_scope() as s:
            return accounts.list_users(s, new_ctx(actor), **kw)

    @pytest.fixture
    def population(self, db):
        """An admin and 25 users created a minute apart (newest last)."""
        base = _now() - timedelta(days=1)
        admin = insert_user("root@example.com", role="admin", full_name="Root Admin", created_at=base)
        users = {}
        for i in range(25):
            role = "tutor" if i % 5 == 0 else "student"
            email = f"user{i:02d}@example.com" if i != 7 else "grace.hopper@navy.example"
            name = f"Person {i:02d}" if i != 7 else "Grace HOPPER"
            users[email] = insert_user(email, role=role, full_name=name,
                                       created_at=base + timedelta(minutes=i + 1))
        return admin, users

    def test_only_admins_may_list_users(self, population):
        admin, users = population
        student = users["user01@example.com"]
        with pytest.raises(PermissionDenied):
            self._list(student)
        with pytest.raises(PermissionDenied):
            self._list(None)

    def test_pages_are_disjoint_newest_first_and_cover_everyone(self, population):
        admin, users = population
        pages = [self._list(admin, page=p, per_page=10) for p in (1, 2, 3, 4)]
        assert [len(rows) for rows, _ in pages] == [10, 10, 6, 0]
        assert {total for _, total in pages} == {26}
        ids = [row.id for rows, _ in pages for row in rows]
        assert len(ids) == len(set(ids)) == 26
        created = [row.created_at for rows, _ in pages for row in rows]
        assert created == sorted(created, reverse=True)
        assert pages[0][0][0].email == "user24@example.com"
        assert pages[2][0][-1].email == "root@example.com"

    def test_search_matches_email_or_name_case_insensitively(self, population):
        admin, users = population
        rows, total = self._list(admin, query="HOPPER")
        assert total == 1 and rows[0].email == "grace.hopper@navy.example"
        rows, total = self._list(admin, query="navy.EXAMPLE")
        assert total == 1 and rows[0].full_name == "Grace HOPPER"
        rows, total = self._list(admin, query="person 1")
        assert total == 10  # Person 10 .. Person 19
        rows, total = self._list(admin, query="no such person")
        assert (rows, total) == ([], 0)

    def test_search_wildcards_are_not_interpreted(self, population):
        admin, _ = population
        # '%' and '_' are searched for literally (escaped), not used as LIKE wildcards
        assert self._list(admin, query="%")[1] == 0
        assert self._list(admin, query="user1%")[1] == 0
        assert self._list(admin, query="_")[1] == 0

    def test_role_filter_combines_with_search_and_pagination(self, population):
        admin, users = population
        rows, total = self._list(admin, role="tutor")
        assert total == 5 and {r.role for r in rows} == {"tutor"}
        rows, total = self._list(admin, role="tutor", query="person 1", per_page=1)
        assert (len(rows), total) == (1, 2) and rows[0].full_name == "Person 15"
        rows, total = self._list(admin, role="tutor", query="person 1", per_page=1, page=2)
        assert (len(rows), total) == (1, 2) and rows[0].full_name == "Person 10"
        rows, total = self._list(admin, role="admin")
        assert [r.email for r in rows] == ["root@example.com"]

    def test_deleted_users_are_hidden(self, population):
        admin, users = population
        sql("UPDATE users SET deleted_at = now() WHERE id = :id", id=users["user03@example.com"])
        rows, total = self._list(admin, query="user03")
        assert (rows, total) == ([], 0)
        assert self._list(admin)[1] == 25

    def test_search_finds_an_email_containing_an_underscore(self, population):
        admin, _ = population
        insert_user("ada_lovelace@example.com", full_name="Ada L")
        rows, total = self._list(admin, query="ada_lovelace")
        assert total == 1 and rows[0].email == "ada_lovelace@example.com"
    def test_page_below_one_shows_the_first_page(self, population):
        admin, _ = population
        assert self._list(admin, page=0, per_page=5) == self._list(admin, page=1, per_page=5)
