"""The calendar feed card's handlers over the websocket, as an attacker would call them:
signed out, with forged arguments, as another person, and through someone else's client
token. No feed token is created or revoked for anyone but the caller, and a new link's
URL (the secret) reaches only the session that created it."""

from __future__ import annotations


import httpx
import pytest

from tests.e2e.attack_support import *  # noqa: F401,F403 (fixtures and helpers)
from tests.e2e.attack_support import assert_no_personal_data, assert_sent_to_login, nothing_written, query, reopen_tab
from tutorconnect.state.account import CalendarFeedState as S

pytestmark = pytest.mark.e2e


def tokens(db) -> list:
    return query(db, "select id, user_id, revoked_at from calendar_feed_tokens order by id")


def live(db, uid) -> int:
    return query(db, "select count(*) from calendar_feed_tokens where user_id = :u and revoked_at is null", u=uid)[0][0]


def _tab(open_tab, person):
    tab = open_tab(person, "/account")
    tab.call(S.load)
    return tab


@pytest.mark.parametrize("handler", [S.load, S.create_link, S.ask_revoke, S.revoke_link],
                         ids=["load", "create_link", "ask_revoke", "revoke_link"])
def test_signed_out_every_handler_sends_to_sign_in(open_tab, db, handler):
    tab = open_tab(None, "/account")
    before = tokens(db)
    with nothing_written(db):
        reply = tab.call(handler)
    assert tokens(db) == before
    assert_sent_to_login(reply)
    assert not reply.var(S, "feed_url") and not reply.var(S, "confirm_revoke")


@pytest.mark.parametrize("value", [True, "true", 1, {"open": True}, None, "x" * 5000])
def test_the_confirmation_cannot_be_opened_or_skipped_by_forged_values(open_tab, db, people, value):
    tab = _tab(open_tab, people.other_student)
    before = tokens(db)
    with nothing_written(db):
        reply = tab.call(S.revoke_dialog_changed, {"open_": value})
    assert not reply.crashed, reply.text
    assert reply.var(S, "confirm_revoke", False) is False
    assert tokens(db) == before


def test_a_forged_user_id_cannot_create_a_link_for_someone_else(open_tab, db, people, handler_errors_expected):
    tab = _tab(open_tab, people.other_student)
    before = live(db, people.student.id)
    with nothing_written(db):
        tab.call(S.create_link, {"user_id": str(people.student.id)})
    assert live(db, people.student.id) == before
    assert not query(db, "select 1 from calendar_feed_tokens where user_id = :u and revoked_at is null "
                         "and created_at > now() - interval '1 minute'", u=people.student.id)


def test_revoking_touches_only_the_callers_own_link(open_tab, db, people):
    owner = _tab(open_tab, people.student)
    created = owner.call(S.create_link)
    url = created.var(S, "feed_url")
    assert url and url.endswith(".ics"), created.text
    assert live(db, people.student.id) == 1
    other = _tab(open_tab, people.other_student)
    other.call(S.revoke_link)  # the other student's own (none): the student's link lives on
    assert live(db, people.student.id) == 1
    assert httpx.get(url, timeout=20).status_code == 200
    owner.call(S.revoke_link)
    assert live(db, people.student.id) == 0
    assert httpx.get(url, timeout=20).status_code == 404



def test_a_new_link_is_shown_only_to_the_session_that_created_it(open_tab, db, people):
    victim = _tab(open_tab, people.student)
    created = victim.call(S.create_link)
    url = created.var(S, "feed_url")
    secret = url.rsplit("/", 1)[1].removesuffix(".ics")
    assert secret
    victim.close()
    thief = reopen_tab(open_tab, None, "/account", victim.token)  # the tab's stored state, without the cookie
    assert secret not in thief.snapshot.text
    assert not thief.snapshot.var(S, "feed_url") and not thief.snapshot.var(S, "active_since")
    assert_no_personal_data(thief.snapshot, db)
    before = tokens(db)
    with nothing_written(db):
        replies = [thief.call(S.load), thief.call(S.create_link), thief.call(S.revoke_link)]
    assert tokens(db) == before
    for reply in replies:
        assert_sent_to_login(reply)
        assert secret not in reply.text
    # the owner revokes it from a fresh tab; the reload shows it active but not the URL
    again = open_tab(people.student, "/account")
    loaded = again.call(S.load)
    assert loaded.var(S, "active_since") and secret not in loaded.text
    again.call(S.revoke_link)
    assert live(db, people.student.id) == 0
