"""An attacker on the real websocket: State handlers called directly, by name, with any
arguments, headers and client token, against the production build (Redis state, several
backend workers). Every test checks both what the server answered (a refusal with a clear
message or a redirect to /login, and no one else's data in the delta) and that nothing
changed in PostgreSQL.

The client is tests/support/reflex_ws.py: it connects as the browser does (path /_event,
`?token=<uuid4>`, the page's Origin, the HttpOnly `tc_session` cookie when signed in) and
collects every update the server sends for one event.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from reflex.state import UpdateVarsInternalState

from tests.support.reflex_ws import (
    ConnectionDropped,
    ConnectionRefused,
    ReflexSocket,
    handler_name,
    handoff_code,
    redeem,
)
from tutorconnect.pages.hello import HelloState
from tutorconnect.services.errors import InvalidCredentials
from tutorconnect.state.account import AccountState, VerificationState
from tutorconnect.state.admin import AdminAuditState, AdminUsersState
from tutorconnect.state.auth import ForgotPasswordState, LoginState, RegisterState, ResetPasswordState
from tutorconnect.state.base import SessionState
from tutorconnect.state.dashboard import DashboardState

from tests.e2e.attack_support import *  # noqa: F401,F403 (fixtures and helpers)
from tests.e2e.attack_support import (
    CLIENT_IP, PASSWORD, SIGN_IN_FIRST, query, active_session_ids,
    login_reply, sign_in, nothing_written, assert_no_personal_data, assert_sent_to_login, assert_denied, assert_still_works,
    reopen_tab,
)

pytestmark = pytest.mark.e2e


# == 1. Signed out: every handler that needs an account refuses ==================================
REDIRECT = "redirect to /login"

SIGNED_OUT = [
    # handler, page, payload (or a function of People), where the refusal shows
    (AdminUsersState.load, "/admin/users", {}, REDIRECT),
    (AdminUsersState.ask_role_change, "/admin/users",
     lambda p: {"user_id": str(p.student.id), "role": "admin"}, REDIRECT),
    (AdminUsersState.confirm_role_change, "/admin/users", {}, REDIRECT),
    (AdminAuditState.load, "/admin/audit", {}, REDIRECT),
    (AccountState.load, "/account", {}, REDIRECT),
    (AccountState.save_profile, "/account",
     {"form_data": {"full_name": "Mallory", "time_zone": "UTC"}}, "error"),
    (AccountState.change_password, "/account",
     {"form_data": {"current_password": PASSWORD, "password": "new-password-123", "confirm": "new-password-123"}},
     "password_error"),
    (AccountState.revoke, "/account", lambda p: {"session_id": str(p.student.session_id)}, REDIRECT),
    (AccountState.sign_out_everywhere, "/account", {}, REDIRECT),
    (VerificationState.resend, "/dashboard", {}, REDIRECT),
    (HelloState.load, "/hello", {}, REDIRECT),
    (DashboardState.load, "/dashboard", {}, REDIRECT),
]


def short_id(handler) -> str:
    return f"{handler.state.__name__}.{handler.fn.__name__}"


@pytest.mark.parametrize("handler, page, payload, refusal", SIGNED_OUT, ids=[short_id(c[0]) for c in SIGNED_OUT])
def test_signed_out_handlers_refuse(open_tab, db, people, handler, page, payload, refusal):
    tab = open_tab(None, page)
    with nothing_written(db):
        reply = tab.call(handler, payload(people) if callable(payload) else payload)
    if refusal == REDIRECT:
        assert_sent_to_login(reply)
    else:  # a form handler shows the message in its own error var
        assert not reply.crashed and not reply.scripts and not reply.redirects, reply.text
        assert reply.var(handler.state, refusal) == SIGN_IN_FIRST, reply.text
    assert reply.var(SessionState, "signed_in") in (None, False)
    assert_no_personal_data(reply, db)
    assert people.student.session_id in active_session_ids(db, people.student.id)


@pytest.fixture(scope="module")
def revoked_cookie(live_app, db, people) -> str:
    """A real session cookie whose session was signed out (POST /api/auth/logout)."""
    person = sign_in(live_app.base_url, db, people.other_student.email)
    response = httpx.post(f"{live_app.base_url}/api/auth/logout", timeout=10,
                          headers={"Origin": live_app.base_url, "Cookie": person.cookie})
    assert response.status_code == 200
    assert person.session_id not in active_session_ids(db, person.id)
    return person.cookie


BAD_COOKIES = {
    "signed-out session": lambda revoked: revoked,
    "random token": lambda revoked: "tc_session=" + "A" * 43,
    "empty token": lambda revoked: "tc_session=",
    "malformed header": lambda revoked: 'tc_session="unterminated; other=\\x00',
    "token in another cookie": lambda revoked: revoked.replace("tc_session=", "tc_session_x="),
}


@pytest.mark.parametrize("cookie", BAD_COOKIES.values(), ids=BAD_COOKIES.keys())
@pytest.mark.parametrize("handler, page", [(AdminUsersState.load, "/admin/users"), (AccountState.load, "/account")])
def test_invalid_or_signed_out_cookies_are_refused(open_tab, db, revoked_cookie, handler, page, cookie):
    tab = open_tab(None, page, cookie=cookie(revoked_cookie))
    with nothing_written(db):
        reply = tab.call(handler)
    assert_sent_to_login(reply)
    assert_no_personal_data(reply, db)


def test_router_data_cannot_stand_in_for_the_connection(open_tab, db, people):
    """Headers, client IP and token come from the websocket's own request; whatever the
    client writes in an event's router_data under those names is overwritten."""
    spoof = {"headers": {"cookie": people.admin.cookie, "x-forwarded-for": "203.0.113.7"},
             "ip": "203.0.113.7", "token": str(uuid.uuid4()), "sid": "forged"}
    tab = open_tab(None, "/admin/users", headers={"X-Forwarded-For": "203.0.113.7"})
    with nothing_written(db):
        reply = tab.call(AdminUsersState.load, extra_router_data=spoof)
    assert_sent_to_login(reply)
    assert_no_personal_data(reply, db)
    # A failed sign-in records the connection's address, not the claimed one.
    email = f"nobody-{uuid.uuid4().hex[:8]}@example.com"
    login = open_tab(None, "/login", headers={"X-Forwarded-For": "203.0.113.7"}, source_ip=CLIENT_IP)
    refused = login.call(LoginState.submit, {"form_data": {"email": email, "password": "wrong-password"}},
                         extra_router_data=spoof)
    assert refused.var(LoginState, "error") == InvalidCredentials().message, refused.text
    (ip,) = [r[0] for r in query(db, "select ip from login_attempts where email = :e", e=email)]
    assert ip == CLIENT_IP


# == 2. A student's cookie on the admin handlers ===================================================
def test_student_gets_no_user_list(open_tab, db, people):
    tab = open_tab(people.student, "/admin/users")
    with nothing_written(db):
        reply = tab.call(AdminUsersState.load, query={"q": ""})
    assert_denied(reply)
    assert not reply.var(AdminUsersState, "rows")  # absent from the delta, or empty
    assert reply.var(AdminUsersState, "total", 0) == 0
    assert_no_personal_data(reply, db, allowed=(people.student.email,))


@pytest.mark.parametrize("target", ["self", "other"])
def test_student_cannot_make_anyone_admin(open_tab, db, people, target):
    victim = people.student if target == "self" else people.other_student
    tab = open_tab(people.student, "/admin/users")
    with nothing_written(db):
        asked = tab.call(AdminUsersState.ask_role_change, {"user_id": str(victim.id), "role": "admin"})
        confirmed = tab.call(AdminUsersState.confirm_role_change)
    assert_denied(asked)
    assert asked.var(AdminUsersState, "pending_user_id", "") == ""
    assert_denied(confirmed)
    assert query(db, "select role from users where id = :u", u=victim.id)[0][0] == "student"
    assert_still_works(tab, people.student)


def test_student_gets_no_audit_log(open_tab, db, people):
    tab = open_tab(people.student, "/admin/audit")
    with nothing_written(db):
        reply = tab.call(AdminAuditState.load)
    assert_denied(reply)
    assert not reply.var(AdminAuditState, "entries")
    assert reply.var(AdminAuditState, "total", 0) == 0
    assert_no_personal_data(reply, db, allowed=(people.student.email,))


# == 3. Someone else's data ==========================================================================
def test_student_cannot_revoke_another_students_session(open_tab, db, people):
    tab = open_tab(people.student, "/account")
    with nothing_written(db):
        reply = tab.call(AccountState.revoke, {"session_id": str(people.other_student.session_id)})
    assert_denied(reply, "That session was not found.")
    assert people.other_student.session_id in active_session_ids(db, people.other_student.id)
    # ...and the other student's cookie still signs them in.
    other = open_tab(people.other_student, "/dashboard").call(DashboardState.load)
    assert other.var(SessionState, "user_email") == people.other_student.email


def test_account_page_shows_only_own_email_and_sessions(open_tab, db, people):
    tab = open_tab(people.student, "/account")
    reply = tab.call(AccountState.load)
    assert not reply.crashed and not reply.redirects, reply.text
    assert reply.var(AccountState, "email") == people.student.email
    shown = {uuid.UUID(row["id"]) for row in reply.var(AccountState, "sessions")}
    assert people.student.session_id in shown
    assert shown <= active_session_ids(db, people.student.id)
    assert_no_personal_data(reply, db, allowed=(people.student.email,))
    others = query(db, "select id from user_sessions where user_id <> :u", u=people.student.id)
    assert not [sid for (sid,) in others if str(sid) in reply.text]


# == 4. Setting vars directly: private helpers, setters and unknown events ========================
SESSION = SessionState.get_full_name()
NOT_HANDLERS = [
    (f"{SESSION}._require", {}),
    (f"{SESSION}._current_user", {}),
    (f"{SESSION}._apply_user", {"user": {"role": "admin", "email": "x@evil.example"}}),
    (f"{AdminUsersState.get_full_name()}._refresh", {}),
    (f"{SESSION}.set_signed_in", {"value": True}),
    (f"{SESSION}.set_user_role", {"value": "admin"}),
    (f"{SESSION}.set_user_email", {"value": "admin@tutorconnect.test"}),
    (f"{AdminUsersState.get_full_name()}.set_pending_user_id", {"value": str(uuid.uuid4())}),
    (f"{AdminUsersState.get_full_name()}.set_pending_role", {"value": "admin"}),
    (f"{AccountState.get_full_name()}.set_email", {"value": "x@evil.example"}),
    (f"{SESSION}.no_such_handler", {}),
    ("no_such_state.steal", {}),
    # Reflex's own setter for browser storage vars: signed_in & co. are not storage vars.
    (handler_name(UpdateVarsInternalState.update_vars_internal),
     {"vars": {f"{SESSION}.signed_in": True, f"{SESSION}.user_role": "admin"}}),
]


@pytest.mark.parametrize("name, payload", NOT_HANDLERS, ids=[n.rsplit(".", 1)[-1] for n, _ in NOT_HANDLERS])
def test_private_helpers_setters_and_unknown_events_do_nothing(open_tab, db, people, name, payload):
    tab = open_tab(people.student, "/admin/users")
    with nothing_written(db):
        reply = tab.call(name, payload)
        assert reply.updates == [], reply.text  # not run: no handler by that name
        still_student = tab.call(SessionState.load_session)
        still_refused = tab.call(AdminUsersState.load)
    assert still_student.var(SessionState, "user_role") == "student"
    assert still_student.var(SessionState, "user_email") == people.student.email
    assert_denied(still_refused)


# == 5. Forged pending state: an admin skipping or bending the two-step role change ==============
@pytest.fixture
def admin_tab(open_tab, people) -> ReflexSocket:
    """An admin on /admin/users, filtered to the demo student (one row)."""
    tab = open_tab(people.admin, "/admin/users")
    reply = tab.call(AdminUsersState.load, query={"q": people.student.email})
    assert [r["email"] for r in reply.var(AdminUsersState, "rows")] == [people.student.email], reply.text
    return tab


def test_confirm_without_ask_changes_nothing(admin_tab, db):
    with nothing_written(db):
        reply = admin_tab.call(AdminUsersState.confirm_role_change, query={"q": "student@tutorconnect.test"})
    assert_denied(reply, "Choose a user from the list.")


BAD_ASKS = {
    "unknown user": lambda p: (str(uuid.uuid4()), "admin"),
    "user not in the list": lambda p: (str(p.other_student.id), "admin"),
    "unknown role": lambda p: (str(p.student.id), "superuser"),
    "role as a list": lambda p: (str(p.student.id), ["admin"]),
    "role as a dict": lambda p: (str(p.student.id), {"value": "admin"}),
    "user id as a dict": lambda p: ({"id": str(p.student.id)}, "admin"),
    "empty user id": lambda p: ("", "tutor"),
}


@pytest.mark.parametrize("ask", BAD_ASKS.values(), ids=BAD_ASKS.keys())
def test_ask_role_change_with_forged_arguments_is_refused(admin_tab, db, people, ask):
    user_id_arg, role = ask(people)
    with nothing_written(db):
        asked = admin_tab.call(AdminUsersState.ask_role_change, {"user_id": user_id_arg, "role": role})
        confirmed = admin_tab.call(AdminUsersState.confirm_role_change)
    assert_denied(asked, "Choose a user and a role from the list.")
    assert asked.var(AdminUsersState, "pending_user_id", "") == ""
    assert asked.var(AdminUsersState, "pending_role", "") == ""
    assert_denied(confirmed, "Choose a user from the list.")


# == 6. Malformed arguments to every form handler =====================================================
@dataclass(frozen=True)
class Form:
    handler: Any
    page: str
    signed_in: bool
    valid: dict[str, str]
    error_vars: tuple[str, str] = ("error", "field_errors")
    query: dict[str, str] | None = None


FORMS = {
    "login": Form(LoginState.submit, "/login", False, {"email": "nobody@example.com", "password": "not-the-password"}),
    "register": Form(RegisterState.submit, "/register", False,
                     {"full_name": "Mallory", "email": "mallory@example.com",
                      "password": "a-long-password-1", "confirm": "a-long-password-1"}),
    "forgot": Form(ForgotPasswordState.submit, "/forgot-password", False, {"email": "nobody@example.com"}),
    "reset": Form(ResetPasswordState.submit, "/reset-password", False,
                  {"password": "a-long-password-1", "confirm": "a-long-password-1"}, query={"token": "x" * 43}),
    "profile": Form(AccountState.save_profile, "/account", True, {"full_name": "Aarav Patel", "time_zone": "UTC"}),
    "password": Form(AccountState.change_password, "/account", True,
                     {"current_password": PASSWORD, "password": "a-long-password-1", "confirm": "a-long-password-1"},
                     ("password_error", "password_field_errors")),
}


def first_field(form: dict[str, str], value: Any) -> dict[str, Any]:
    return {**form, next(iter(form)): value}


BAD_FORMS: dict[str, Callable[[dict[str, str]], Any]] = {
    "none": lambda f: None,
    "number": lambda f: 42,
    "list": lambda f: [f],
    "string": lambda f: "email=a@b.c&password=x",
    "extra key": lambda f: {**f, "role": "admin"},
    "nested dict value": lambda f: first_field(f, {"$ne": ""}),
    "list value": lambda f: first_field(f, ["a", "b"]),
    "bool value": lambda f: first_field(f, True),
    "100 KB value": lambda f: first_field(f, "x" * 100_000),
}


@pytest.mark.parametrize("bad", BAD_FORMS.values(), ids=BAD_FORMS.keys())
@pytest.mark.parametrize("form", FORMS.values(), ids=FORMS.keys())
def test_malformed_form_data_gets_a_clear_error(open_tab, db, people, form, bad):
    person = people.student if form.signed_in else None
    tab = open_tab(person, form.page)
    with nothing_written(db):
        reply = tab.call(form.handler, {"form_data": bad(form.valid)}, query=form.query)
        assert_still_works(tab, person)
    assert not reply.crashed, reply.text
    message_var, field_errors_var = form.error_vars
    messages = [reply.var(form.handler.state, message_var) or "",
                *(reply.var(form.handler.state, field_errors_var) or {}).values()]
    assert any(len(m) > 10 for m in messages), reply.text
    assert not reply.scripts and not reply.redirects, reply.text  # no sign-in, no handoff
    assert "x" * 1000 not in reply.text  # the oversized value is not echoed back


@pytest.mark.parametrize("form", FORMS.values(), ids=FORMS.keys())
def test_one_megabyte_form_data_is_dropped_by_the_transport(open_tab, live_app, db, people, form):
    """Engine.IO's maxPayload (1,000,000) closes a socket that sends a bigger frame; the
    handler never sees it, the app keeps serving, and the tab's state survives."""
    person = people.student if form.signed_in else None
    tab = open_tab(person, form.page)
    with nothing_written(db):
        try:
            reply = tab.call(form.handler, {"form_data": "x" * (1 << 20)}, query=form.query)
        except ConnectionDropped:
            pass
        else:  # a server that accepted the frame must still answer with a clear error
            assert not reply.crashed and reply.var(form.handler.state, form.error_vars[0]), reply.text
        tab.close()  # (already dropped by the transport, or closed now)
        # The same tab comes back once the server has let go of the dropped socket: until
        # then Reflex's duplicate-tab rule hands out a fresh token (clean-clone run 44).
        again = reopen_tab(open_tab, person, form.page, tab.token)
        assert_still_works(again, person)


WRONG_ARGUMENTS = {
    "login without form_data": (LoginState.submit, {}),
    "login with an extra argument": (LoginState.submit, {"form_data": {"email": "a@b.c"}, "as_admin": True}),
    "revoke without session_id": (AccountState.revoke, {}),
    "ask_role_change without role": (AdminUsersState.ask_role_change, {"user_id": "x"}),
}


@pytest.mark.parametrize("handler, payload", WRONG_ARGUMENTS.values(), ids=WRONG_ARGUMENTS.keys())
def test_wrong_argument_names_get_a_generic_error(open_tab, db, people, handler, payload, handler_errors_expected):
    """Reflex calls handler(**payload): a missing or unknown argument raises before the
    handler runs. The app's backend_exception_handler answers with a plain message."""
    tab = open_tab(people.student, "/account")
    with nothing_written(db):
        reply = tab.call(handler, payload)
        assert_still_works(tab, people.student)
    assert reply.toasts == [("error", "Something went wrong on our side. Please try again.")], reply.text
    assert "Traceback" not in reply.text and "TypeError" not in reply.text


# == 7. Cross-site: the websocket and the cookie routes refuse foreign origins ====================
@pytest.mark.parametrize("origin", ["http://evil.example", "null", "{base}.evil.example", "https://{host}"])
def test_websocket_from_a_foreign_origin_is_refused(live_app, people, origin):
    origin = origin.format(base=live_app.base_url, host=live_app.base_url.split("://", 1)[1])
    with pytest.raises(ConnectionRefused) as refused:
        ReflexSocket(live_app.base_url, cookie=people.student.cookie, origin=origin).connect()
    assert refused.value.status in (400, 403)


def test_session_cookie_is_httponly_samesite_lax_and_never_sent_over_the_socket(open_tab, people):
    attributes = [a.strip().lower() for a in people.student.set_cookie.split(";")]
    assert attributes[0].startswith("tc_session=")
    assert "httponly" in attributes
    assert "samesite=lax" in attributes
    assert "path=/" in attributes
    assert not any(a.startswith("domain=") for a in attributes)
    # Reflex drops the Cookie header from the router data it sends to the browser.
    tab = open_tab(people.student, "/account")
    replies = [tab.snapshot, tab.call(AccountState.load), tab.call(SessionState.load_session)]
    assert all(people.student.token not in r.text for r in replies)




@pytest.mark.parametrize("origin", [
    "http://evil.example", "null", "{base}.evil.example", "https://{host}", "{host}", "evil://{host}",
])
@pytest.mark.parametrize("route", ["/api/auth/session", "/api/auth/logout"])
def test_cookie_routes_refuse_a_foreign_origin(live_app, db, route, origin):
    base = live_app.base_url
    origin = origin.format(base=base, host=base.split("://", 1)[1])
    with nothing_written(db):
        response = httpx.post(f"{base}{route}", content=json.dumps({"code": "A" * 43}), timeout=10, headers={
            "Origin": origin, "Content-Type": "application/json", "Cookie": "tc_session=" + "A" * 43})
    assert response.status_code == 403, response.text
    assert response.json() == {"ok": False, "error": "Cross-site request refused."}
    assert "set-cookie" not in response.headers


def test_refused_cross_site_requests_have_no_effect(live_app, db, people):
    """A cross-site logout leaves the session alone; a cross-site redeem does not use up the
    code (the page itself can still redeem it)."""
    base = live_app.base_url
    code = handoff_code(login_reply(base, people.other_student.email))
    with nothing_written(db):
        cross_site = redeem(base, code, origin="http://evil.example")
        logout = httpx.post(f"{base}/api/auth/logout", timeout=10,
                            headers={"Origin": "http://evil.example", "Cookie": people.student.cookie})
    assert cross_site.status_code == logout.status_code == 403
    assert people.student.session_id in active_session_ids(db, people.student.id)
    assert redeem(base, code).status_code == 200


# == 8. Handoff codes: single use, and garbage is refused ==========================================
def test_handoff_code_cannot_be_replayed(live_app, db, people):
    base = live_app.base_url
    code = handoff_code(login_reply(base, people.other_student.email))
    first = redeem(base, code)
    assert first.status_code == 200
    with nothing_written(db):
        second = redeem(base, code)
    assert second.status_code == 400
    assert second.json()["ok"] is False and "invalid or has expired" in second.json()["error"]
    assert "set-cookie" not in second.headers


GARBAGE_BODIES = {
    "empty code": {"code": ""},
    "short code": {"code": "abc"},
    "random code": {"code": "A" * 43},
    "huge code": {"code": "A" * 100_000},
    "number": {"code": 12345},
    "null": {"code": None},
    "list": {"code": ["A" * 43]},
    "no code": {},
    "json list": ["code"],
    "not json": "code=abc",
}


@pytest.mark.parametrize("body", GARBAGE_BODIES.values(), ids=GARBAGE_BODIES.keys())
def test_garbage_handoff_codes_get_400_with_a_json_error(live_app, db, body):
    content = body if isinstance(body, str) else json.dumps(body)
    with nothing_written(db):
        response = httpx.post(f"{live_app.base_url}/api/auth/session", content=content, timeout=10,
                              headers={"Content-Type": "application/json", "Origin": live_app.base_url})
    assert response.status_code == 400
    assert response.json()["ok"] is False and response.json()["error"]
    assert "set-cookie" not in response.headers


# == 9. The client token is a bearer for the tab's state only, not for the account ================
def test_someone_elses_client_token_gives_no_account_access(open_tab, db, people):
    victim = open_tab(people.admin, "/admin/users")
    assert victim.call(AdminUsersState.load).var(AdminUsersState, "rows")
    # While the admin's tab is connected, Reflex gives a second socket with that token a new one.
    twin = open_tab(None, "/admin/users", token=victim.token)
    assert twin.token != victim.token
    assert not twin.snapshot.var(AdminUsersState, "rows")
    victim.close()
    # Once it is gone, the token reaches the tab's stored state, but the account stays shut:
    # every handler re-checks the cookie, and there is none.
    thief = reopen_tab(open_tab, None, "/admin/users", victim.token)
    # The stored state's private data is bound to the cookie that loaded it: the hydrate
    # of a cookie-less connection carries none of the admin's user list.
    assert not thief.snapshot.var(AdminUsersState, "rows")
    assert_no_personal_data(thief.snapshot, db)
    with nothing_written(db):
        users = thief.call(AdminUsersState.load)
        audit = thief.call(AdminAuditState.load, page="/admin/audit")
        account = thief.call(AccountState.load, page="/account")
        asked = thief.call(AdminUsersState.ask_role_change, {"user_id": str(people.student.id), "role": "admin"})
        confirmed = thief.call(AdminUsersState.confirm_role_change)
    for reply in (users, audit, account, asked, confirmed):
        assert_sent_to_login(reply)
    assert not users.var(AdminUsersState, "rows")
    assert not audit.var(AdminAuditState, "entries")
    assert_no_personal_data(users, db)
