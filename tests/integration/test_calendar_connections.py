"""Connecting a tutor's Google Calendar end to end: real PostgreSQL, the Google emulator over
real HTTP (OAuth consent page, token endpoint with PKCE, revoke, Calendar v3), the app's
Starlette routes with real session cookies, google-auth-oauthlib's Flow.

What must hold: the flow asks for offline access with consent and PKCE; the refresh token
is stored encrypted (the column never contains it) and works; a wrong, foreign, expired or
replayed state is refused; only approved tutors may connect; disconnect revokes at Google
(the token stops working) and deletes the row and the busy cache, also when the revoke
fails.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qs, urlsplit

import pytest
from starlette.testclient import TestClient

from tests.integration import calendar_support
from tests.integration.calendar_support import (
    connect,
    consent,
    refresh_works,
)
from tests.integration.test_tutor_support import as_, listed_tutor, make_user
from tests.support.db import scalar, sql
from tutorconnect.api.app import build_api
from tutorconnect.api.cookies import COOKIE_NAME
from tutorconnect.config import get_settings
from tutorconnect.db import session_scope
from tutorconnect.integrations import google_calendar
from tutorconnect.integrations.google_oauth import CALENDAR_SCOPES
from tutorconnect.services import accounts, calendar_connections, sessions
from tutorconnect.services.calendar_connections import CalendarConnectFailed
from tutorconnect.services.errors import PermissionDenied, TokenInvalid

emulator, google = calendar_support.emulator, calendar_support.google  # fixtures
ACCOUNT = "priya.sharma@gmail.com"
OTHER_ACCOUNT = "arjun.mehta@gmail.com"


def start(uid) -> str:
    with session_scope() as s:
        return calendar_connections.start(s, as_(uid), uid)


def finish(uid, params):
    return calendar_connections.complete(as_(uid), user_id=uid, state=params.get("state"), code=params.get("code"))


def stored(uid):
    rows = sql("SELECT google_email, scopes, refresh_token_enc, calendar_id, last_error FROM calendar_connections "
               "WHERE user_id = :u", u=uid)
    return rows[0] if rows else None


def token_of(uid) -> str:
    with session_scope() as s:
        return calendar_connections.refresh_token_for(s, uid)


# Service-level flow ---------------------------------------------------------------------------
def test_connect_asks_for_offline_access_with_consent_and_pkce_and_stores_the_token_encrypted(google, ctx):
    tutor = listed_tutor()
    url = start(tutor)
    query = parse_qs(urlsplit(url).query)
    assert url.startswith(google.url + "/o/oauth2/v2/auth?")
    assert query["access_type"] == ["offline"] and query["prompt"] == ["consent"]
    assert query["code_challenge_method"] == ["S256"] and len(query["code_challenge"][0]) == 43
    assert query["redirect_uri"] == ["http://localhost:3000/api/google/calendar/callback"]
    assert set(query["scope"][0].split()) == set(CALENDAR_SCOPES)
    flow = sql("SELECT state_hash, purpose, user_id, code_verifier FROM oauth_flow_states")
    assert len(flow) == 1 and flow[0].purpose == "calendar" and flow[0].user_id == tutor
    assert flow[0].state_hash != query["state"][0]  # only its hash is kept

    status = finish(tutor, consent(url, account=ACCOUNT))

    assert status.google_email == ACCOUNT and status.problem is None
    assert set(status.scopes) >= {google_calendar.SCOPES[0], google_calendar.SCOPES[1]}
    row = stored(tutor)
    token = token_of(tutor)
    assert token and token.startswith("1//")
    # encrypted at rest: nothing in the table (any column, any encoding we store) holds it
    assert token not in row.refresh_token_enc
    assert scalar("SELECT count(*) FROM calendar_connections c WHERE c::text LIKE :t", t=f"%{token}%") == 0
    assert calendar_connections.decrypt_token(row.refresh_token_enc) == token
    # the token is a real offline grant: it refreshes and reads the calendar
    creds = google_calendar.credentials_for(token)
    now = datetime.now(timezone.utc)
    assert google_calendar.freebusy(creds, "primary", now, now + timedelta(days=1)) == []
    assert scalar("SELECT count(*) FROM audit_log WHERE action = 'calendar.connected' AND target_id = :u",
                  u=str(tutor)) == 1


def test_the_key_is_derived_from_secret_key(google, monkeypatch):
    tutor = listed_tutor()
    connect(google, tutor)
    enc = stored(tutor).refresh_token_enc
    monkeypatch.setenv("SECRET_KEY", "another-secret-key-" + "y" * 32)
    get_settings.cache_clear()
    assert calendar_connections.decrypt_token(enc) is None  # another key cannot read it
    assert token_of(tutor) is None
    with session_scope() as s:
        assert "reconnect" in calendar_connections.status(s, as_(tutor), tutor).problem


def test_a_replayed_callback_is_refused_and_changes_nothing(google):
    tutor = listed_tutor()
    params = consent(start(tutor), account=ACCOUNT)
    finish(tutor, params)
    before = stored(tutor)
    with pytest.raises(TokenInvalid):
        finish(tutor, params)
    assert stored(tutor) == before


@pytest.mark.parametrize("state", ["", "short", "x" * 43, None, 12345, "a" * 500])
def test_a_wrong_state_is_refused(google, state):
    tutor = listed_tutor()
    params = consent(start(tutor), account=ACCOUNT)
    with pytest.raises(TokenInvalid):
        finish(tutor, {"state": state, "code": params["code"]})
    assert stored(tutor) is None


def test_another_users_state_is_refused_and_stays_usable_by_its_owner(google):
    owner, intruder = listed_tutor(), listed_tutor(name="Other Tutor")
    params = consent(start(owner), account=ACCOUNT)
    with pytest.raises(TokenInvalid):
        finish(intruder, params)
    assert stored(intruder) is None
    assert finish(owner, params).google_email == ACCOUNT


def test_an_expired_state_is_refused(google):
    tutor = listed_tutor()
    params = consent(start(tutor), account=ACCOUNT)
    sql("UPDATE oauth_flow_states SET expires_at = now() - interval '1 second'")
    with pytest.raises(TokenInvalid):
        finish(tutor, params)


def test_sign_in_and_calendar_states_are_not_interchangeable(google, ctx):
    tutor = listed_tutor()
    with session_scope() as s:
        signin_url = accounts.start_google_signin(s, next_path="/")
    signin_state = parse_qs(urlsplit(signin_url).query)["state"][0]
    with pytest.raises(TokenInvalid):
        finish(tutor, {"state": signin_state, "code": "4/0Anything"})
    cal = consent(start(tutor), account=ACCOUNT)
    with pytest.raises(TokenInvalid), session_scope() as s:
        accounts.complete_google_signin(s, ctx, state=cal["state"], code=cal["code"])


@pytest.mark.parametrize("who", ["student", "admin", "submitted tutor", "suspended tutor", "deleted tutor"])
def test_only_approved_tutors_may_connect(google, who):
    if who in ("student", "admin"):
        uid = make_user(who)
    else:
        uid = listed_tutor(status=who.split()[0] if who != "deleted tutor" else "approved")
        if who == "deleted tutor":
            sql("UPDATE users SET deleted_at = now() WHERE id = :u", u=uid)
    with pytest.raises(PermissionDenied):
        start(uid)
    assert scalar("SELECT count(*) FROM oauth_flow_states") == 0


def test_a_tutor_cannot_act_for_another(google):
    tutor, other = listed_tutor(), listed_tutor(name="Other Tutor")
    with pytest.raises(PermissionDenied), session_scope() as s:
        calendar_connections.start(s, as_(other), tutor)
    with pytest.raises(PermissionDenied):
        calendar_connections.disconnect(as_(other), tutor)
    with pytest.raises(PermissionDenied), session_scope() as s:
        calendar_connections.status(s, as_(other), tutor)


def test_a_consent_without_the_calendar_scopes_is_refused_and_its_grant_revoked(google):
    tutor = listed_tutor()
    url = start(tutor)
    # the person unticks the Calendar permissions on Google's consent screen
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    query["scope"] = ["openid https://www.googleapis.com/auth/userinfo.email"]
    narrowed = parts._replace(query="&".join(f"{k}={v[0]}" for k, v in query.items())).geturl()
    params = consent(narrowed, account=ACCOUNT)
    with pytest.raises(CalendarConnectFailed) as err:
        finish(tutor, params)
    assert err.value.reason == "scope_denied"
    assert stored(tutor) is None
    with google.state.lock:
        assert not google.state.refresh_tokens  # the partial grant was given back


def test_reconnecting_another_account_revokes_the_old_grant_and_the_same_account_keeps_it(google):
    tutor = listed_tutor()
    finish(tutor, consent(start(tutor), account=ACCOUNT))
    first = token_of(tutor)
    finish(tutor, consent(start(tutor), account=ACCOUNT))  # same account again: a new token
    second = token_of(tutor)
    assert second != first and refresh_works(google, first) and refresh_works(google, second)
    finish(tutor, consent(start(tutor), account=OTHER_ACCOUNT))
    assert stored(tutor).google_email == OTHER_ACCOUNT
    assert not refresh_works(google, second)  # the other account's grant went back to Google
    assert refresh_works(google, token_of(tutor))


# Disconnect ----------------------------------------------------------------------------------
def test_disconnect_revokes_at_google_and_deletes_the_row_and_the_cache(google):
    tutor = listed_tutor()
    finish(tutor, consent(start(tutor), account=ACCOUNT))
    token = token_of(tutor)
    sql("INSERT INTO calendar_busy_cache (user_id, window_start, window_end, busy) VALUES (:u, now(), now(), '[]')",
        u=tutor)
    assert refresh_works(google, token)

    assert calendar_connections.disconnect(as_(tutor), tutor) is True

    assert not refresh_works(google, token)
    with pytest.raises(google_calendar.CalendarError) as err:
        now = datetime.now(timezone.utc)
        google_calendar.freebusy(google_calendar.credentials_for(token), "primary", now, now + timedelta(hours=1))
    assert err.value.status == 401 and not err.value.transient
    assert stored(tutor) is None
    assert scalar("SELECT count(*) FROM calendar_busy_cache WHERE user_id = :u", u=tutor) == 0
    audit = sql("SELECT after FROM audit_log WHERE action = 'calendar.disconnected' AND target_id = :u", u=str(tutor))
    assert audit[0].after == {"revoked_at_google": True}
    assert calendar_connections.disconnect(as_(tutor), tutor) is False  # nothing left: idempotent


def test_disconnect_deletes_locally_when_the_revoke_fails(google, monkeypatch, caplog):
    tutor = listed_tutor()
    token = connect(google, tutor)
    monkeypatch.setenv("GOOGLE_EMULATOR_URL", "http://127.0.0.1:9")  # nothing listens there
    get_settings.cache_clear()
    with caplog.at_level(logging.WARNING, logger="tutorconnect.services.calendar_connections"):
        assert calendar_connections.disconnect(as_(tutor), tutor) is True
    assert stored(tutor) is None
    assert any("revoking the token on disconnect failed" in r.getMessage() for r in caplog.records)
    assert token not in caplog.text
    audit = sql("SELECT after FROM audit_log WHERE action = 'calendar.disconnected'")
    assert audit[0].after == {"revoked_at_google": False}


# The routes, with real cookies ------------------------------------------------------------------
@pytest.fixture
def client(google):
    return TestClient(build_api(), base_url="http://localhost:3000", follow_redirects=False)


def signed_in(client, uid, ctx):
    with session_scope() as s:
        token = sessions.create_session(s, ctx, uid)
    client.cookies.set(COOKIE_NAME, token)
    return token


def test_routes_connect_end_to_end(client, ctx):
    tutor = listed_tutor()
    signed_in(client, tutor, ctx)
    started = client.get("/api/google/calendar/connect")
    assert started.status_code == 302 and started.headers["cache-control"] == "no-store"
    assert "tc_gcal_flow=" in started.headers["set-cookie"] and "HttpOnly" in started.headers["set-cookie"]
    params = consent(started.headers["location"], account=ACCOUNT)
    done = client.get("/api/google/calendar/callback", params=params)
    assert done.status_code == 302 and done.headers["location"] == "/account?calendar=connected"
    assert stored(tutor).google_email == ACCOUNT
    # the same callback again (a reload, or a replay) is refused
    again = client.get("/api/google/calendar/callback", params=params)
    assert again.headers["location"] == "/account?calendar=expired"


def test_routes_refuse_a_callback_from_another_browser(client, ctx, google):
    tutor = listed_tutor()
    signed_in(client, tutor, ctx)
    params = consent(client.get("/api/google/calendar/connect").headers["location"], account=ACCOUNT)
    other_browser = TestClient(build_api(), base_url="http://localhost:3000", follow_redirects=False)
    signed_in(other_browser, tutor, ctx)  # same person even, but not the browser that started
    answer = other_browser.get("/api/google/calendar/callback", params=params)
    assert answer.headers["location"] == "/account?calendar=expired"
    assert stored(tutor) is None


def test_routes_refuse_another_tutors_session(client, ctx):
    owner, intruder = listed_tutor(), listed_tutor(name="Other Tutor")
    signed_in(client, owner, ctx)
    params = consent(client.get("/api/google/calendar/connect").headers["location"], account=ACCOUNT)
    signed_in(client, intruder, ctx)  # the cookie now belongs to someone else
    answer = client.get("/api/google/calendar/callback", params=params)
    assert answer.headers["location"] == "/account?calendar=expired"
    assert stored(owner) is None and stored(intruder) is None


def test_routes_send_the_signed_out_to_sign_in_and_refuse_students(client, ctx):
    answer = client.get("/api/google/calendar/connect")
    assert answer.status_code == 302 and answer.headers["location"] == "/login?next=%2Faccount"
    signed_in(client, make_user("student"), ctx)
    answer = client.get("/api/google/calendar/connect")
    assert answer.headers["location"] == "/account?calendar=not_allowed"
    assert scalar("SELECT count(*) FROM oauth_flow_states") == 0


def test_routes_cancelled_consent_lands_on_the_account_page(client, ctx):
    tutor = listed_tutor()
    signed_in(client, tutor, ctx)
    params = consent(client.get("/api/google/calendar/connect").headers["location"], cancel=True)
    assert params == {"state": params["state"], "error": "access_denied"}
    answer = client.get("/api/google/calendar/callback", params=params)
    assert answer.headers["location"] == "/account?calendar=cancelled"
    assert "tc_gcal_flow=" in answer.headers["set-cookie"]  # the flow cookie is cleared
    other = client.get("/api/google/calendar/callback", params={"error": "server_error"})
    assert other.headers["location"] == "/account?calendar=failed"
    assert stored(tutor) is None


def test_routes_a_flow_row_is_never_left_usable_for_the_next_user(client, ctx):
    tutor = listed_tutor()
    signed_in(client, tutor, ctx)
    client.get("/api/google/calendar/connect")
    row = sql("SELECT purpose, user_id, used_at, expires_at - created_at AS ttl FROM oauth_flow_states")[0]
    assert (row.purpose, row.user_id, row.used_at) == ("calendar", tutor, None)
    assert row.ttl == timedelta(minutes=10)
