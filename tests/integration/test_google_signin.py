"""Sign in with Google end to end: real PostgreSQL, the Google emulator over real HTTP,
google-auth-oauthlib's Flow and google-auth's ID-token check, driven like a browser.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qs, urljoin, urlsplit

import httpx
import pytest
from sqlalchemy import update
from sqlmodel import col, func, select
from starlette.applications import Starlette
from starlette.testclient import TestClient

from tutorconnect.config import get_settings
from tutorconnect.db import session_scope
from emulators import google as emulator_module
from tutorconnect.models import AuditLog, OAuthFlowState, OAuthIdentity, User, UserSession
from tutorconnect.services import accounts, sessions
from tutorconnect.services.errors import FeatureDisabled, TokenInvalid

CALLBACK = "http://localhost:3000/api/auth/google/callback"
PASSWORD = "correct horse battery"


@pytest.fixture(scope="module")
def emulator():
    with emulator_module.running() as emu:
        yield emu


@pytest.fixture
def google(emulator, db, monkeypatch):
    """The app pointed at the in-process emulator, with a clean emulator state."""
    monkeypatch.setenv("GOOGLE_EMULATOR_URL", emulator.url)
    monkeypatch.setenv("FEATURE_GOOGLE_SIGNIN", "true")
    get_settings.cache_clear()
    emulator.state.reset()
    yield emulator
    monkeypatch.undo()
    get_settings.cache_clear()


# Browser stand-in ---------------------------------------------------------------------
def choose(auth_url: str, *, account: str | None = None, other: tuple[str, str, bool] | None = None,
           cancel: bool = False) -> dict[str, str]:
    """Open Google's chooser, submit one of its forms; return the callback's query params."""
    with httpx.Client(timeout=10) as http:
        page = http.get(auth_url)
        assert page.status_code == 200, page.text
        request_id = re.search(r"name='request_id' value='([^']+)'", page.text).group(1)
        action = urljoin(auth_url, re.search(r"<form method='post' action='([^']+)'", page.text).group(1))
        data = {"request_id": request_id}
        if cancel:
            data["action"] = "cancel"
        elif other:
            email, name, verified = other
            data |= {"action": "other", "email": email, "name": name} | ({"email_verified": "true"} if verified else {})
        else:
            assert f"data-email='{account}'" in page.text
            data |= {"action": "account", "account": account}
        answer = http.post(action, data=data)
    assert answer.status_code in (302, 303), answer.text
    location = answer.headers["location"]
    assert location.startswith(CALLBACK + "?")
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


def start(next_path: str = "/") -> str:
    with session_scope() as s:
        return accounts.start_google_signin(s, next_path=next_path)


def finish(ctx, params: dict[str, str]):
    with session_scope() as s:
        return accounts.complete_google_signin(s, ctx, state=params.get("state"), code=params.get("code"))


def sign_in(ctx, account: str | None = None, **kw):
    return finish(ctx, choose(start(kw.pop("next_path", "/")), account=account, **kw))


def register(ctx, email: str, *, verified: bool) -> object:
    with session_scope() as s:
        uid = accounts.register(s, ctx, email=email, password=PASSWORD, full_name="Lena F")
        if verified:
            s.exec(update(User).where(col(User.id) == uid).values(email_verified_at=datetime.now(timezone.utc)))
    return uid


def count(model, *where) -> int:
    with session_scope() as s:
        return s.exec(select(func.count()).select_from(model).where(*where)).one()


def user(uid) -> User:
    with session_scope() as s:
        return s.exec(select(User).where(User.id == uid)).one()


# Service-level flow -------------------------------------------------------------------
def test_first_sign_in_creates_a_verified_student(google, ctx):
    url = start("/tutors?subject=maths")
    query = parse_qs(urlsplit(url).query)
    assert url.startswith(google.url + "/o/oauth2/v2/auth?")
    assert query["code_challenge_method"] == ["S256"] and len(query["code_challenge"][0]) == 43
    with session_scope() as s:  # only the hash of the state is stored
        assert s.exec(select(OAuthFlowState.state_hash)).one() != query["state"][0]

    uid, next_path = finish(ctx, choose(url, account="priya.sharma@gmail.com"))

    assert next_path == "/tutors?subject=maths"
    created = user(uid)
    assert (created.email, created.full_name, created.role) == ("priya.sharma@gmail.com", "Priya Sharma", "student")
    assert created.email_verified_at is not None and created.password_hash is None
    with session_scope() as s:
        identity = s.exec(select(OAuthIdentity)).one()
    assert identity.user_id == uid and identity.provider == "google"
    assert identity.subject == google.state.account("priya.sharma@gmail.com").sub


def test_second_sign_in_returns_the_same_user(google, ctx):
    first, _ = sign_in(ctx, "arjun.mehta@gmail.com")
    second, _ = sign_in(ctx, "arjun.mehta@gmail.com")
    assert first == second
    assert count(User) == 1 and count(OAuthIdentity) == 1
    with session_scope() as s:
        assert s.exec(select(OAuthIdentity.last_used_at)).one() is not None


def test_verified_google_email_links_existing_password_account(google, ctx):
    uid = register(ctx, "lena.fischer@gmail.com", verified=True)
    linked, _ = sign_in(ctx, other=("Lena.Fischer@Gmail.com", "Lena Fischer", True))
    assert linked == uid
    assert count(User) == 1
    assert count(OAuthIdentity, OAuthIdentity.user_id == uid) == 1
    assert count(AuditLog, AuditLog.action == "user.google_linked", AuditLog.target_id == str(uid)) == 1
    with session_scope() as s:  # a verified account keeps its password
        assert accounts.authenticate(s, ctx, email="lena.fischer@gmail.com", password=PASSWORD) == uid


def test_linking_unverified_account_drops_its_password_and_sessions(google, ctx):
    # Someone registered this address without proving it; Google now proves who owns it.
    uid = register(ctx, "victim@example.org", verified=False)
    with session_scope() as s:
        squatter_token = sessions.create_session(s, ctx, uid)
    linked, _ = sign_in(ctx, other=("victim@example.org", "Real Owner", True))
    assert linked == uid
    after = user(uid)
    assert after.password_hash is None and after.email_verified_at is not None
    with session_scope() as s:
        assert sessions.resolve(s, squatter_token) is None


@pytest.mark.parametrize("existing", [True, False], ids=["existing-account", "no-account"])
def test_unverified_google_email_is_never_linked_or_used(google, ctx, existing):
    if existing:
        uid = register(ctx, "sam.unverified@example.com", verified=True)
    with pytest.raises(accounts.UnverifiedGoogleEmail):
        sign_in(ctx, "sam.unverified@example.com")
    assert count(OAuthIdentity) == 0
    assert count(User) == (1 if existing else 0)
    if existing:
        assert user(uid).password_hash is not None


def test_replayed_state_is_refused(google, ctx):
    params = choose(start(), account="priya.sharma@gmail.com")
    finish(ctx, params)
    with pytest.raises(TokenInvalid):
        finish(ctx, params)


def test_expired_state_is_refused(google, ctx):
    url = start()
    with session_scope() as s:
        s.exec(update(OAuthFlowState).values(expires_at=datetime.now(timezone.utc) - timedelta(seconds=1)))
    with pytest.raises(TokenInvalid):
        finish(ctx, choose(url, account="priya.sharma@gmail.com"))
    assert count(User) == 0


def test_wrong_code_verifier_is_refused_by_google(google, ctx):
    url = start()
    with session_scope() as s:  # as if the verifier had been swapped: the PKCE check must fail
        s.exec(update(OAuthFlowState).values(code_verifier="x" * 64))
    with pytest.raises(accounts.GoogleSignInFailed) as refused:
        finish(ctx, choose(url, account="priya.sharma@gmail.com"))
    assert refused.value.reason == "invalid_grant"
    assert count(User) == 0


def test_cancel_returns_access_denied_with_state(google):
    url = start()
    params = choose(url, cancel=True)
    assert params == {"error": "access_denied", "state": parse_qs(urlsplit(url).query)["state"][0]}


def test_deleted_account_cannot_sign_in(google, ctx):
    uid, _ = sign_in(ctx, "arjun.mehta@gmail.com")
    with session_scope() as s:
        s.exec(update(User).where(col(User.id) == uid).values(deleted_at=datetime.now(timezone.utc)))
    with pytest.raises(accounts.AccountClosed):
        sign_in(ctx, "arjun.mehta@gmail.com")


def test_feature_switch_off_refuses_to_start(google, monkeypatch):
    monkeypatch.setenv("FEATURE_GOOGLE_SIGNIN", "false")
    get_settings.cache_clear()
    with pytest.raises(FeatureDisabled):
        start()


def test_without_emulator_the_flow_targets_google(monkeypatch):
    from tutorconnect.integrations import google_oauth

    monkeypatch.setenv("GOOGLE_EMULATOR_URL", "")
    get_settings.cache_clear()
    try:
        url = google_oauth.authorization_url("s" * 43, "v" * 64)
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()
    assert url.startswith("https://accounts.google.com/o/oauth2/v2/auth?")
    assert "redirect_uri=http%3A%2F%2Flocalhost%3A3000%2Fapi%2Fauth%2Fgoogle%2Fcallback" in url


# The emulator behaves like Google where it matters -------------------------------------
def test_emulator_rejects_bad_authorization_requests(google):
    good = parse_qs(urlsplit(start()).query)
    base = {k: v[0] for k, v in good.items()}
    for change, error in (({"client_id": "someone-else"}, "invalid_client"),
                          ({"redirect_uri": "https://evil.example/cb"}, "redirect_uri_mismatch"),
                          ({"response_type": "token"}, "unsupported_response_type"),
                          ({"code_challenge": "short"}, "invalid_request")):
        page = httpx.get(google.url + "/o/oauth2/v2/auth", params=base | change)
        assert page.status_code == 400  # an error page, never a redirect to the given URI
        assert f"id='error-code'>{error}<" in page.text


def test_token_endpoint_checks_client_pkce_and_single_use(google):
    settings = get_settings()

    def exchange(code: str, **extra: str) -> httpx.Response:
        form = {"grant_type": "authorization_code", "code": code, "redirect_uri": CALLBACK,
                "client_id": settings.google_client_id, "client_secret": settings.google_client_secret}
        return httpx.post(google.url + "/token", data=form | extra)

    def verifier() -> str:
        with session_scope() as s:
            return s.exec(select(OAuthFlowState.code_verifier).order_by(col(OAuthFlowState.created_at).desc())).first()

    code = choose(start(), account="priya.sharma@gmail.com")["code"]
    wrong_secret = exchange(code, client_secret="nope", code_verifier=verifier())
    assert wrong_secret.status_code == 401 and wrong_secret.json()["error"] == "invalid_client"
    wrong_verifier = exchange(code, code_verifier="y" * 50)
    assert wrong_verifier.status_code == 400
    assert wrong_verifier.json() == {"error": "invalid_grant", "error_description": "Invalid code verifier."}

    code = choose(start(), account="priya.sharma@gmail.com")["code"]
    good = exchange(code, code_verifier=verifier())
    assert good.status_code == 200 and good.json()["token_type"] == "Bearer" and good.json()["id_token"]
    bearer = {"Authorization": f"Bearer {good.json()['access_token']}"}
    assert httpx.get(google.url + "/oauth2/v3/userinfo", headers=bearer).json()["email"] == "priya.sharma@gmail.com"
    replay = exchange(code, code_verifier=verifier())
    assert replay.status_code == 400 and replay.json()["error"] == "invalid_grant"
    # Like Google, replaying a code revokes the tokens it already produced.
    assert httpx.get(google.url + "/oauth2/v3/userinfo", headers=bearer).status_code == 401


# HTTP routes ----------------------------------------------------------------------------
@pytest.fixture
def client(google):
    from tutorconnect.api import google_routes

    with TestClient(Starlette(routes=google_routes.routes), base_url="http://testserver") as c:
        yield c


def test_start_route_redirects_to_google_with_pkce_and_state(client, google):
    answer = client.get("/api/auth/google/start", params={"next": "//evil.example/x"}, follow_redirects=False)
    assert answer.status_code == 302
    location = answer.headers["location"]
    query = parse_qs(urlsplit(location).query)
    assert location.startswith(google.url + "/o/oauth2/v2/auth?")
    assert query["redirect_uri"] == [CALLBACK] and query["code_challenge_method"] == ["S256"]
    assert query["state"][0] and query["code_challenge"][0]
    with session_scope() as s:  # an off-site next path is replaced, not followed
        assert s.exec(select(OAuthFlowState.next_path)).one() == "/"


def test_callback_route_sets_session_cookie_and_returns_to_next(client, google, ctx):
    other_uid = register(ctx, "someone@example.org", verified=True)
    with session_scope() as s:
        old_token = sessions.create_session(s, ctx, other_uid)
    client.cookies.set("tc_session", old_token)
    auth_url = client.get("/api/auth/google/start?next=/bookings/42", follow_redirects=False).headers["location"]
    params = choose(auth_url, account="priya.sharma@gmail.com")

    answer = client.get("/api/auth/google/callback", params=params, follow_redirects=False)

    assert answer.status_code == 302 and answer.headers["location"] == "/bookings/42"
    cookie = next(c for c in answer.headers.get_list("set-cookie") if c.startswith("tc_session="))
    assert cookie.startswith("tc_session=") and "HttpOnly" in cookie and "samesite=lax" in cookie.lower()
    token = cookie.split(";", 1)[0].split("=", 1)[1]
    with session_scope() as s:
        current = sessions.resolve(s, token)
        assert current is not None and current.email == "priya.sharma@gmail.com"
        assert sessions.resolve(s, old_token) is None  # the browser's previous session is rotated out
        assert s.exec(select(UserSession.revoked_reason).where(UserSession.user_id == other_uid)).one() == "rotated"


@pytest.mark.parametrize("query, code", [
    ("", "google_expired"),
    ("state=not-a-real-state-value-123&code=abc", "google_expired"),
    ("error=access_denied&state=whatever", "google_cancelled"),
    ("error=server_error", "google_failed"),
])
def test_callback_route_failures_go_to_login(client, query, code):
    answer = client.get("/api/auth/google/callback?" + query, follow_redirects=False)
    assert answer.status_code == 302 and answer.headers["location"] == f"/login?error={code}"
    assert "tc_session=" not in answer.headers.get("set-cookie", "")


def test_callback_from_another_browser_is_refused(client, google):
    # Login CSRF: an attacker's own callback URL, opened in the victim's browser.
    auth_url = client.get("/api/auth/google/start", follow_redirects=False).headers["location"]
    params = choose(auth_url, account="priya.sharma@gmail.com")
    with TestClient(client.app, base_url="http://testserver") as victim:
        answer = victim.get("/api/auth/google/callback", params=params, follow_redirects=False)
    assert answer.headers["location"] == "/login?error=google_expired"
    assert count(User) == 0
    # The state was not spent: the browser that started the flow can still finish it.
    assert client.get("/api/auth/google/callback", params=params, follow_redirects=False).headers["location"] == "/"


def test_callback_route_unverified_email(client, google):
    auth_url = client.get("/api/auth/google/start", follow_redirects=False).headers["location"]
    params = choose(auth_url, account="sam.unverified@example.com")
    answer = client.get("/api/auth/google/callback", params=params, follow_redirects=False)
    assert answer.headers["location"] == "/login?error=google_unverified"


def test_disabled_feature_route(client, monkeypatch):
    monkeypatch.setenv("FEATURE_GOOGLE_SIGNIN", "false")
    get_settings.cache_clear()
    answer = client.get("/api/auth/google/start", follow_redirects=False)
    assert answer.headers["location"] == "/login?error=google_disabled"
