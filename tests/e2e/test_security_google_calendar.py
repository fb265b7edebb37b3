"""The Google Calendar card's handlers over the websocket, as an attacker would call them:
signed out, as a student, with forged arguments and query strings, and through someone
else's client token. Nobody but the tutor can see or end the tutor's connection, and the
connected address reaches only the session that loaded it."""

from __future__ import annotations


import httpx
import pytest

from tests.e2e.attack_support import *  # noqa: F401,F403 (fixtures and helpers)
from tests.e2e.attack_support import (
    NO_PERMISSION,
    assert_denied,
    assert_no_personal_data,
    assert_sent_to_login,
    nothing_written,
    query,
    reopen_tab,
)
from tests.support.reflex_ws import state_name
from tutorconnect.services.calendar_connections import _fernet_for
from tutorconnect.state.google_calendar import BANNERS
from tutorconnect.state.google_calendar import GoogleCalendarState as G

pytestmark = pytest.mark.e2e
LIVE_SECRET_KEY = "live-test-secret-key-" + "x" * 32  # tests/support/live_app.py
GOOGLE_ACCOUNT = "lena.fischer@gmail.com"


def connections(db) -> list:
    return query(db, "select user_id, google_email, refresh_token_enc, connected_at from calendar_connections "
                     "order by user_id")


@pytest.fixture
def tutor_connected(live_app, db, people):
    """The demo tutor with a real emulator grant stored as the app stores it (encrypted)."""
    answer = httpx.post(f"{live_app.google_url}/_emulator/calendar/grant", json={"email": GOOGLE_ACCOUNT}, timeout=10)
    answer.raise_for_status()
    token = answer.json()["refresh_token"]
    enc = _fernet_for(LIVE_SECRET_KEY).encrypt(token.encode()).decode()
    query(db, "delete from calendar_connections where user_id = :u", u=people.tutor.id)
    query(db, "insert into calendar_connections (user_id, google_email, scopes, refresh_token_enc) "
              "values (:u, :e, 'openid https://www.googleapis.com/auth/calendar.events "
              "https://www.googleapis.com/auth/calendar.freebusy', :t)", u=people.tutor.id, e=GOOGLE_ACCOUNT, t=enc)
    yield token
    query(db, "delete from calendar_connections where user_id = :u", u=people.tutor.id)


def _tab(open_tab, person, **kw):
    tab = open_tab(person, "/account")
    reply = tab.call(G.load, **kw)
    return tab, reply


@pytest.mark.parametrize("handler", [G.ask_disconnect, G.disconnect], ids=["ask_disconnect", "disconnect"])
def test_signed_out_handlers_send_to_sign_in(open_tab, db, tutor_connected, handler):
    tab = open_tab(None, "/account")
    before = connections(db)
    with nothing_written(db):
        reply = tab.call(handler)
    assert connections(db) == before
    assert_sent_to_login(reply)
    assert not reply.var(G, "connected_email") and not reply.var(G, "confirm_disconnect")


def test_signed_out_load_shows_no_card(open_tab, db, tutor_connected):
    tab = open_tab(None, "/account")
    with nothing_written(db):
        reply = tab.call(G.load)
    assert not reply.crashed, reply.text
    assert reply.var(G, "visible", False) is False and not reply.var(G, "connected_email")
    assert GOOGLE_ACCOUNT not in reply.text


@pytest.mark.parametrize("handler", [G.ask_disconnect, G.disconnect], ids=["ask_disconnect", "disconnect"])
def test_a_student_is_refused_and_the_tutors_connection_stays(open_tab, db, people, tutor_connected, handler):
    tab, loaded = _tab(open_tab, people.student)
    assert loaded.var(G, "visible", False) is False and loaded.var(G, "allowed", False) is False
    before = connections(db)
    with nothing_written(db):
        reply = tab.call(handler)
    assert_denied(reply, NO_PERMISSION)
    assert connections(db) == before
    assert GOOGLE_ACCOUNT not in reply.text and GOOGLE_ACCOUNT not in loaded.text


def test_an_admin_sees_no_card_and_cannot_disconnect_a_tutor(open_tab, db, people, tutor_connected):
    tab, loaded = _tab(open_tab, people.admin)
    assert loaded.var(G, "visible", False) is False and GOOGLE_ACCOUNT not in loaded.text
    before = connections(db)
    reply = tab.call(G.disconnect)
    assert_denied(reply, NO_PERMISSION)
    assert connections(db) == before


@pytest.mark.parametrize("value", [True, "true", 1, {"open": True}, None, "x" * 5000])
def test_the_confirmation_cannot_be_opened_by_forged_values(open_tab, db, people, tutor_connected, value):
    tab, _ = _tab(open_tab, people.tutor)
    before = connections(db)
    with nothing_written(db):
        reply = tab.call(G.disconnect_dialog_changed, {"open_": value})
    assert not reply.crashed, reply.text
    assert reply.var(G, "confirm_disconnect", False) is False
    assert connections(db) == before


def test_forged_arguments_cannot_pick_whose_calendar(open_tab, db, people, tutor_connected, handler_errors_expected):
    tab, _ = _tab(open_tab, people.student)
    before = connections(db)
    with nothing_written(db):
        tab.call(G.disconnect, {"user_id": str(people.tutor.id)})
        tab.call(G.ask_disconnect, {"user_id": str(people.tutor.id)})
    assert connections(db) == before


@pytest.mark.parametrize("result", ["<img src=x onerror=alert(1)>", "connected" * 600, "", "CONNECTED",
                                    "not_allowed", "connected"])
def test_the_result_in_the_query_is_a_fixed_list(open_tab, db, people, result):
    """A crafted /account?calendar=... never shows attacker text; "connected" toasts only for
    a tutor who is connected and "not_allowed" is not believed for an approved tutor."""
    query(db, "delete from calendar_connections where user_id = :u", u=people.tutor.id)
    tab = open_tab(people.tutor, "/account")
    with nothing_written(db):
        reply = tab.call(G.load, query={"calendar": result})
    assert not reply.crashed, reply.text
    assert reply.var(G, "banner", "") == "" and not reply.toasts, reply.text
    # (Reflex itself echoes the URL in the root state's router data; the card never shows it)
    assert "<img" not in str(reply.delta.get(state_name(G), {}))


def test_a_known_result_shows_its_fixed_message(open_tab, db, people):
    tab = open_tab(people.tutor, "/account")
    reply = tab.call(G.load, query={"calendar": "cancelled"})
    assert reply.var(G, "banner") == BANNERS["cancelled"]
    assert any("history.replaceState" in script for script in reply.scripts)
    assert tab.call(G.dismiss_banner).var(G, "banner") == ""



def test_the_connected_address_is_shown_only_to_the_session_that_loaded_it(open_tab, db, people, tutor_connected):
    victim, loaded = _tab(open_tab, people.tutor)
    assert loaded.var(G, "connected_email") == GOOGLE_ACCOUNT and loaded.var(G, "visible") is True
    victim.close()
    thief = reopen_tab(open_tab, None, "/account", victim.token)  # the tab's stored state, without the cookie
    assert GOOGLE_ACCOUNT not in thief.snapshot.text
    assert not thief.snapshot.var(G, "connected_email") and not thief.snapshot.var(G, "connected_since")
    assert_no_personal_data(thief.snapshot, db)
    before = connections(db)
    with nothing_written(db):
        replies = [thief.call(G.ask_disconnect), thief.call(G.disconnect)]
    assert connections(db) == before
    for reply in replies:
        assert_sent_to_login(reply)
        assert GOOGLE_ACCOUNT not in reply.text


def test_the_tutor_disconnects_their_own_and_google_forgets_the_token(open_tab, db, people, live_app, tutor_connected):
    tab, _ = _tab(open_tab, people.tutor)
    opened = tab.call(G.ask_disconnect)
    assert opened.var(G, "confirm_disconnect") is True
    done = tab.call(G.disconnect)
    assert ("success", "Google Calendar disconnected. TutorConnect no longer has access to it.") in done.toasts, done.text
    assert done.var(G, "connected_email") == "" and done.var(G, "busy") is False
    assert not query(db, "select 1 from calendar_connections where user_id = :u", u=people.tutor.id)
    refreshed = httpx.post(f"{live_app.google_url}/token", timeout=10, data={
        "grant_type": "refresh_token", "refresh_token": tutor_connected,
        "client_id": "tutorconnect-local.apps.googleusercontent.com", "client_secret": "local-google-secret"})
    assert refreshed.status_code == 400 and refreshed.json()["error"] == "invalid_grant"
    again = tab.call(G.disconnect)  # nothing left to disconnect: a plain answer
    assert ("info", "Your Google Calendar was not connected.") in again.toasts, again.text


def test_every_handler_of_the_card_is_covered_here():
    """A new public handler on the card's state must get its attack tests in this module."""
    public = {name for name in G.event_handlers if not name.startswith("_")} - set(
        G.get_parent_state().event_handlers)
    assert public == {"load", "dismiss_banner", "ask_disconnect", "cancel_disconnect", "disconnect_dialog_changed",
                      "disconnect"}, public
