"""Server-side sessions against a real PostgreSQL: create/resolve, expiry and idling,
revocation (own sessions only), the one-minute handoff code and its rotation.
"""

from __future__ import annotations

import threading
import uuid
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tutorconnect.config import get_settings
from tutorconnect.db import session_scope
from tutorconnect.models import AuthToken, User
from tutorconnect.models.base import utcnow
from tutorconnect.services import sessions
from tutorconnect.services.context import RequestContext
from tutorconnect.services.errors import NotFound, TokenInvalid
from tutorconnect.services.tokens import hash_secret
from tests.support.db import scalar, sql


# Helpers -------------------------------------------------------------------------------


def new_user(email: str = "ada@example.com", *, role: str = "student", verified: bool = False) -> uuid.UUID:
    with session_scope() as s:
        user = User(email=email, full_name=email.split("@")[0].title(), role=role, time_zone="Asia/Kolkata")
        if verified:
            user.email_verified_at = utcnow()
        s.add(user)
        s.flush()
        return user.id


def create(user_id: uuid.UUID, ctx: RequestContext) -> str:
    with session_scope() as s:
        return sessions.create_session(s, ctx, user_id)


def resolve(token: object):
    with session_scope() as s:
        return sessions.resolve(s, token)  # type: ignore[arg-type]


def session_row(token: str):
    rows = sql("SELECT * FROM user_sessions WHERE token_hash = :h", h=hash_secret(token))
    return rows[0] if rows else None


def handoff(user_id: uuid.UUID) -> str:
    with session_scope() as s:
        return sessions.issue_handoff(s, user_id)


def redeem(code: object, ctx: RequestContext, previous: str | None = None) -> str:
    with session_scope() as s:
        return sessions.redeem_handoff(s, ctx, code, previous_token=previous)


def audit_rows(action: str):
    return sql("SELECT * FROM audit_log WHERE action = :a ORDER BY id", a=action)


GARBAGE_TOKENS = [
    None, "", " ", 0, 12345, 1.5, True, b"a" * 43, ["a" * 43], {"token": "a" * 43}, object(),
    "short", "a" * 15, "a" * 129, "a" * 100_000, "a" * 43, "x" * 43 + "=", "tok en with spaces 1234",
    "'; DROP TABLE user_sessions; --", "../../../etc/passwd/aaaaaaaaa", "\x00" * 43, "é" * 43,
]


def _token_id(token: object) -> str:
    return type(token).__name__ + (str(len(token)) if hasattr(token, "__len__") else "")


# Create and resolve -----------------------------------------------------------------------
class TestCreateAndResolve:
    def test_new_session_resolves_to_its_user(self, db, ctx):
        uid = new_user(verified=True)
        token = create(uid, ctx)
        current = resolve(token)
        assert current is not None
        assert (current.user_id, current.email, current.role, current.time_zone, current.email_verified) == (
            uid, "ada@example.com", "student", "Asia/Kolkata", True)
        assert current.session_id == session_row(token).id

    def test_only_the_token_hash_is_stored_with_ttl_ip_and_user_agent(self, db):
        uid = new_user()
        ctx = RequestContext(ip="198.51.100.7", user_agent="Mozilla/5.0 " + "x" * 1000, request_id="r1")
        token = create(uid, ctx)
        row = session_row(token)
        assert scalar("SELECT count(*) FROM user_sessions WHERE token_hash = :t", t=token) == 0
        assert row.ip == "198.51.100.7"
        assert len(row.user_agent) == 300
        assert row.expires_at - row.created_at == timedelta(hours=get_settings().session_ttl_hours)
        assert len(token) >= 40

    def test_every_session_gets_a_distinct_token(self, db, ctx):
        uid = new_user()
        tokens = {create(uid, ctx) for _ in range(5)}
        assert len(tokens) == 5
        assert len({resolve(t).session_id for t in tokens}) == 5

    def test_creating_a_session_is_audited_with_the_user_as_actor(self, db, ctx):
        uid = new_user()
        token = create(uid, ctx)
        (row,) = audit_rows("session.created")
        assert row.actor_user_id == uid
        assert row.target_type == "session" and row.target_id == str(session_row(token).id)
        assert row.after == {"user_id": str(uid), "ip": ctx.ip}
        assert row.ip == ctx.ip

    def test_resolve_reflects_the_user_as_it_is_now(self, db, ctx):
        uid = new_user()
        token = create(uid, ctx)
        sql("UPDATE users SET role = 'tutor', full_name = 'Ada King' WHERE id = :id", id=uid)
        current = resolve(token)
        assert (current.role, current.full_name) == ("tutor", "Ada King")


class TestResolveRefuses:
    def test_revoked_session(self, db, ctx):
        token = create(new_user(), ctx)
        sql("UPDATE user_sessions SET revoked_at = now(), revoked_reason = 'test'")
        assert resolve(token) is None

    def test_expired_session(self, db, ctx):
        token = create(new_user(), ctx)
        # given the session was created long ago and its lifetime ended a second ago
        sql("UPDATE user_sessions SET created_at = now() - interval '30 days', last_seen_at = now(), "
            "expires_at = now() - interval '1 second'")
        assert resolve(token) is None

    def test_idle_session(self, db, ctx):
        token = create(new_user(), ctx)
        idle = timedelta(hours=get_settings().session_idle_hours)
        sql("UPDATE user_sessions SET last_seen_at = now() - :idle - interval '1 second'", idle=idle)
        assert resolve(token) is None

    def test_session_just_short_of_idle_still_resolves_and_is_touched(self, db, ctx):
        token = create(new_user(), ctx)
        idle = timedelta(hours=get_settings().session_idle_hours)
        sql("UPDATE user_sessions SET created_at = now() - :idle, "
            "last_seen_at = now() - :idle + interval '1 minute'", idle=idle)
        assert resolve(token) is not None
        # the visit counts as activity
        assert scalar("SELECT now() - last_seen_at FROM user_sessions") < timedelta(seconds=10)

    def test_recent_activity_is_not_rewritten_on_every_request(self, db, ctx):
        token = create(new_user(), ctx)
        sql("UPDATE user_sessions SET last_seen_at = now() - interval '1 minute'")
        before = scalar("SELECT last_seen_at FROM user_sessions")
        assert resolve(token) is not None
        assert scalar("SELECT last_seen_at FROM user_sessions") == before

    def test_deleted_user(self, db, ctx):
        uid = new_user()
        token = create(uid, ctx)
        sql("UPDATE users SET deleted_at = now() WHERE id = :id", id=uid)
        assert resolve(token) is None

    def test_user_removed_entirely(self, db, ctx):
        uid = new_user()
        token = create(uid, ctx)
        sql("DELETE FROM users WHERE id = :id", id=uid)
        assert resolve(token) is None

    @pytest.mark.parametrize("token", GARBAGE_TOKENS, ids=_token_id)
    def test_garbage_token(self, db, ctx, token):
        create(new_user(), ctx)
        assert resolve(token) is None

    @given(token=st.one_of(st.none(), st.integers(), st.binary(max_size=64), st.text(max_size=200),
                           st.from_regex(r"\A[A-Za-z0-9_-]{16,128}\Z"), st.lists(st.text(max_size=5), max_size=3)))
    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    def test_any_value_that_is_not_a_live_token_resolves_to_nobody(self, db, token):
        assert resolve(token) is None

    def test_token_of_another_kind_is_not_a_session(self, db, ctx):
        uid = new_user()
        code = handoff(uid)
        assert resolve(code) is None


# Revocation ---------------------------------------------------------------------------------
class TestRevoke:
    def test_owner_revokes_one_session_and_only_that_one(self, db, ctx):
        uid = new_user()
        first, second = create(uid, ctx), create(uid, ctx)
        sid = resolve(first).session_id
        with session_scope() as s:
            sessions.revoke_session(s, ctx.acting_as(uid), user_id=uid, session_id=sid, reason="user_signed_out")
        assert resolve(first) is None
        assert resolve(second) is not None
        row = session_row(first)
        assert row.revoked_reason == "user_signed_out" and row.revoked_at is not None
        (audit,) = audit_rows("session.revoked")
        assert audit.target_id == str(sid) and audit.actor_user_id == uid
        assert audit.before == {"revoked": False}
        assert audit.after == {"revoked": True, "reason": "user_signed_out", "user_id": str(uid)}

    def test_someone_elses_session_is_not_found_and_nothing_changes(self, db, ctx):
        victim, attacker = new_user("ada@example.com"), new_user("mallory@example.com")
        victim_token = create(victim, ctx)
        victim_sid = resolve(victim_token).session_id
        with pytest.raises(NotFound):
            with session_scope() as s:
                sessions.revoke_session(s, ctx.acting_as(attacker), user_id=attacker,
                                        session_id=victim_sid, reason="nope")
        assert resolve(victim_token) is not None
        assert session_row(victim_token).revoked_at is None
        assert audit_rows("session.revoked") == []

    def test_unknown_or_already_revoked_session_is_not_found(self, db, ctx):
        uid = new_user()
        token = create(uid, ctx)
        sid = resolve(token).session_id
        with pytest.raises(NotFound):
            with session_scope() as s:
                sessions.revoke_session(s, ctx, user_id=uid, session_id=uuid.uuid4(), reason="x")
        with session_scope() as s:
            sessions.revoke_session(s, ctx, user_id=uid, session_id=sid, reason="first")
        with pytest.raises(NotFound):
            with session_scope() as s:
                sessions.revoke_session(s, ctx, user_id=uid, session_id=sid, reason="second")
        assert session_row(token).revoked_reason == "first"

    def test_revoke_all_ends_every_active_session_except_the_one_kept(self, db, ctx):
        uid, other = new_user("ada@example.com"), new_user("grace@example.com")
        keep, a, b = create(uid, ctx), create(uid, ctx), create(uid, ctx)
        others_token = create(other, ctx)
        keep_id = resolve(keep).session_id
        with session_scope() as s:
            count = sessions.revoke_all(s, ctx.acting_as(uid), user_id=uid, reason="signed_out_elsewhere",
                                        except_session_id=keep_id)
        assert count == 2
        assert resolve(keep) is not None and resolve(a) is None and resolve(b) is None
        assert resolve(others_token) is not None
        (audit,) = audit_rows("session.revoked_all")
        assert audit.target_type == "user" and audit.target_id == str(uid)
        assert audit.after == {"revoked": 2, "reason": "signed_out_elsewhere", "kept": str(keep_id)}

    def test_revoke_all_without_exception_ends_everything_and_skips_revoked_ones(self, db, ctx):
        uid = new_user()
        tokens = [create(uid, ctx) for _ in range(3)]
        sql("UPDATE user_sessions SET revoked_at = now(), revoked_reason = 'earlier' "
            "WHERE id = (SELECT id FROM user_sessions ORDER BY created_at LIMIT 1)")
        with session_scope() as s:
            assert sessions.revoke_all(s, ctx, user_id=uid, reason="admin") == 2
        assert [resolve(t) for t in tokens] == [None, None, None]
        reasons = sorted(r.revoked_reason for r in sql("SELECT revoked_reason FROM user_sessions"))
        assert reasons == ["admin", "admin", "earlier"]

    def test_revoke_all_with_nothing_to_revoke_writes_no_audit_row(self, db, ctx):
        uid = new_user()
        with session_scope() as s:
            assert sessions.revoke_all(s, ctx, user_id=uid, reason="x") == 0
        assert audit_rows("session.revoked_all") == []


class TestListActive:
    def test_lists_only_live_sessions_most_recent_first_and_marks_the_current(self, db, ctx):
        uid = new_user()
        current, older, revoked, expired, idle = (create(uid, ctx) for _ in range(5))
        other_user_token = create(new_user("grace@example.com"), ctx)
        idle_hours = get_settings().session_idle_hours
        sql("UPDATE user_sessions SET last_seen_at = now() - interval '2 hours' WHERE token_hash = :h",
            h=hash_secret(older))
        sql("UPDATE user_sessions SET revoked_at = now() WHERE token_hash = :h", h=hash_secret(revoked))
        sql("UPDATE user_sessions SET created_at = now() - interval '40 days', "
            "expires_at = now() - interval '1 second' WHERE token_hash = :h", h=hash_secret(expired))
        sql("UPDATE user_sessions SET last_seen_at = now() - make_interval(hours => :h2) - interval '1 minute' "
            "WHERE token_hash = :h", h=hash_secret(idle), h2=idle_hours)
        current_id = resolve(current).session_id
        with session_scope() as s:
            listed = sessions.list_active(s, uid, current_id)
        assert [i.id for i in listed] == [str(current_id), str(session_row(older).id)]
        assert [i.current for i in listed] == [True, False]
        assert listed[0].ip == ctx.ip and listed[0].user_agent == "pytest"
        assert str(session_row(other_user_token).id) not in {i.id for i in listed}


# Handoff codes -----------------------------------------------------------------------------
class TestHandoff:
    def test_handoff_code_is_redeemed_once_for_a_working_session(self, db, ctx):
        uid = new_user()
        code = handoff(uid)
        token = redeem(code, ctx)
        assert resolve(token).user_id == uid
        with pytest.raises(TokenInvalid) as err:
            redeem(code, ctx)
        assert "sign-in link" in err.value.message
        assert scalar("SELECT count(*) FROM user_sessions") == 1

    def test_handoff_code_lives_sixty_seconds(self, db):
        handoff(new_user())
        lifetime = scalar("SELECT expires_at - created_at FROM auth_tokens")
        assert abs(lifetime - timedelta(seconds=60)) < timedelta(seconds=1)
        assert scalar("SELECT purpose FROM auth_tokens") == "session_handoff"

    def test_expired_handoff_code_is_refused(self, db, ctx):
        code = handoff(new_user())
        # when 61 seconds pass
        sql("UPDATE auth_tokens SET created_at = created_at - interval '61 seconds', "
            "expires_at = expires_at - interval '61 seconds'")
        with pytest.raises(TokenInvalid):
            redeem(code, ctx)
        assert scalar("SELECT count(*) FROM user_sessions") == 0

    def test_handoff_code_still_works_just_before_it_expires(self, db, ctx):
        uid = new_user()
        code = handoff(uid)
        sql("UPDATE auth_tokens SET created_at = created_at - interval '55 seconds', "
            "expires_at = expires_at - interval '55 seconds'")
        assert resolve(redeem(code, ctx)).user_id == uid

    def test_redeeming_rotates_the_browsers_previous_session(self, db, ctx):
        uid = new_user()
        previous = create(uid, ctx)
        fresh = redeem(handoff(uid), ctx, previous=previous)
        assert fresh != previous
        assert resolve(previous) is None
        assert resolve(fresh).user_id == uid
        assert session_row(previous).revoked_reason == "rotated"

    def test_a_pre_sign_in_token_planted_by_someone_else_never_becomes_signed_in(self, db, ctx):
        # given an attacker's own session token planted in the victim's browser
        victim, attacker = new_user("ada@example.com"), new_user("mallory@example.com")
        planted = create(attacker, ctx)
        # when the victim signs in through the handoff
        fresh = redeem(handoff(victim), ctx, previous=planted)
        # then the planted token is dead and the new one belongs to the victim
        assert resolve(planted) is None
        assert resolve(fresh).user_id == victim

    @pytest.mark.parametrize("previous", [None, "", "garbage", "a" * 43])
    def test_redeeming_without_a_usable_previous_session_still_signs_in(self, db, ctx, previous):
        uid = new_user()
        assert resolve(redeem(handoff(uid), ctx, previous=previous)).user_id == uid

    def test_failed_redeem_does_not_revoke_the_previous_session(self, db, ctx):
        uid = new_user()
        previous = create(uid, ctx)
        with pytest.raises(TokenInvalid):
            redeem("a" * 43, ctx, previous=previous)
        assert resolve(previous) is not None

    @pytest.mark.parametrize("code", GARBAGE_TOKENS[:12], ids=_token_id)
    def test_garbage_handoff_codes_are_refused(self, db, ctx, code):
        handoff(new_user())
        with pytest.raises(TokenInvalid):
            redeem(code, ctx)

    def test_reset_and_verify_tokens_are_not_handoff_codes(self, db, ctx):
        from tutorconnect.services.tokens import new_secret

        uid = new_user()
        raw = new_secret()
        with session_scope() as s:
            s.add(AuthToken(user_id=uid, purpose="password_reset", token_hash=hash_secret(raw),
                            expires_at=utcnow() + timedelta(minutes=5)))
        with pytest.raises(TokenInvalid):
            redeem(raw, ctx)

    def test_two_concurrent_redeems_of_one_code_yield_exactly_one_session(self, db, ctx):
        uid = new_user()
        code = handoff(uid)
        barrier = threading.Barrier(2, timeout=10)
        results: list[object] = []

        def attempt() -> None:
            barrier.wait()
            try:
                results.append(redeem(code, ctx))
            except Exception as exc:  # collected and asserted below
                results.append(exc)

        threads = [threading.Thread(target=attempt) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        tokens = [r for r in results if isinstance(r, str)]
        refusals = [r for r in results if isinstance(r, TokenInvalid)]
        assert (len(tokens), len(refusals)) == (1, 1), results
        assert resolve(tokens[0]).user_id == uid
        assert scalar("SELECT count(*) FROM user_sessions") == 1
        assert len(audit_rows("session.created")) == 1

    def test_many_concurrent_redeems_of_one_code_yield_exactly_one_session(self, db, ctx):
        uid = new_user()
        code = handoff(uid)
        n = 6
        barrier = threading.Barrier(n, timeout=10)
        results: list[object] = []

        def attempt() -> None:
            barrier.wait()
            try:
                results.append(redeem(code, ctx))
            except TokenInvalid as exc:
                results.append(exc)

        threads = [threading.Thread(target=attempt) for _ in range(n)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        assert sum(isinstance(r, str) for r in results) == 1
        assert sum(isinstance(r, TokenInvalid) for r in results) == n - 1
        assert scalar("SELECT count(*) FROM user_sessions") == 1
