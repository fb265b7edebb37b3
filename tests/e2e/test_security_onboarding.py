"""Attacks on the onboarding wizard's handlers over the real websocket (and on its upload
endpoint): signed out (sent to sign in), as a student and as an admin (refused), and as a
tutor with forged or wrong-type arguments (a clear message, nothing changed in
PostgreSQL). A tutor can neither read nor change another tutor's profile or documents."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine
from sqlmodel import Session

from tests.e2e.attack_support import *  # noqa: F401,F403 (fixtures and helpers)
from tests.e2e.attack_support import (
    NO_PERMISSION, Person, assert_denied, assert_sent_to_login, assert_still_works, db_state, query, reopen_tab,
    settle_outbox, sign_in,
)
from tests.support.reflex_ws import SENTINEL, Reply, handler_name
from tutorconnect.config import PROJECT_ROOT
from tutorconnect.db import normalize_url
from tutorconnect.models import User
from tutorconnect.services import tutors
from tutorconnect.services.context import RequestContext
from tutorconnect.services.passwords import hash_password
from tutorconnect.state.onboarding import OnboardingState as S

pytestmark = pytest.mark.e2e
PAGE = "/tutor/profile"
PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n%%EOF\n"
VICTIM_HEADLINE = "Victim tutor's private draft headline"
PHOTO_DIR = PROJECT_ROOT / "var" / "media" / "photos"


# -- the wizard's tables ---------------------------------------------------------------------------
def full_state(db) -> dict[str, Any]:
    return {
        **db_state(db),
        "profiles": query(db, "select user_id, status, display_name, headline, bio, years_experience, photo_path,"
                              " intro_video_url, hourly_rate_minor, trial_price_minor, lesson_lengths,"
                              " requires_confirmation, updated_at from tutor_profiles order by user_id"),
        "subjects": query(db, "select tutor_id, subject_id, level from tutor_subjects order by 1, 2"),
        "languages": query(db, "select tutor_id, language_code, level from tutor_languages order by 1, 2"),
        "prices": query(db, "select tutor_id, length_minutes, price_minor from tutor_prices order by 1, 2"),
        "documents": query(db, "select id, tutor_id, deleted_at from tutor_documents order by id"),
        "status_events": query(db, "select count(*), coalesce(max(id), 0) from tutor_status_events"),
    }


@contextmanager
def unchanged(db) -> Iterator[None]:
    settle_outbox(db)  # the fixtures' own background work (sign-ins, the document) first
    before = full_state(db)
    photos = sorted(PHOTO_DIR.glob("*")) if PHOTO_DIR.exists() else []
    yield
    after = full_state(db)
    changed = {k: (before[k], after[k]) for k in before if before[k] != after[k]}
    assert not changed, f"the database changed: {changed}"
    assert (sorted(PHOTO_DIR.glob("*")) if PHOTO_DIR.exists() else []) == photos, "a photo file was written"


# -- two tutors: a victim with a document and an attacker ---------------------------------------------
def _tutor(database_url: str, name: str, doc_dir: Path, *, document: bool) -> tuple[str, uuid.UUID | None]:
    engine = create_engine(normalize_url(database_url))
    uid = uuid.uuid4()
    email = f"wizard-sec-{uid.hex[:10]}@example.org"
    ctx = RequestContext(ip="10.1.2.3", user_agent="pytest-e2e", request_id="e2e", actor_user_id=uid)
    doc_id = None
    try:
        with Session(engine) as s:
            s.add(User(id=uid, email=email, full_name=name, role="tutor", time_zone="Asia/Kolkata",
                       password_hash=hash_password("demo-password-1"), email_verified_at=datetime.now(timezone.utc)))
            s.commit()
        with Session(engine) as s:
            tutors.get_or_create_draft(s, ctx, uid)
            tutors.save_basics(s, ctx, uid, display_name="", headline=VICTIM_HEADLINE if document else "Attacker",
                                       bio="", years_experience=3, time_zone="Asia/Kolkata")
            if document:
                doc_id = tutors.add_document(
                    s, ctx, uid, kind="education", title="Victim degree", issuer="Somewhere", year=2010,
                    filename="degree.pdf", data=PDF, directory=doc_dir)
            s.commit()
    finally:
        engine.dispose()
    return email, doc_id


@pytest.fixture(scope="module")
def victim(live_app, db, tmp_path_factory) -> tuple[Person, uuid.UUID]:
    # The document file lives where the live app reads documents from.
    email, doc_id = _tutor(live_app.database_url, "Victim Tutor", tutors.DOCUMENT_DIR, document=True)
    return sign_in(live_app.base_url, db, email), doc_id


@pytest.fixture(scope="module")
def attacker(live_app, db, tmp_path_factory) -> Person:
    email, _ = _tutor(live_app.database_url, "Attacker Tutor", tmp_path_factory.mktemp("docs"), document=False)
    return sign_in(live_app.base_url, db, email)


# -- every public handler with a plausible payload ---------------------------------------------------
HANDLERS: list[tuple[Any, dict[str, Any]]] = [
    (S.load, {}),
    (S.bio_typed, {"value": "hello"}),
    (S.save_basics, {"form_data": {"display_name": "X", "headline": "Hacked", "bio": "", "years_experience": "3",
                                   "time_zone": "UTC"}}),
    (S.add_subject_row, {}),
    (S.remove_subject_row, {"index": 0}),
    (S.set_subject, {"index": 0, "slug": "mathematics"}),
    (S.set_subject_level, {"index": 0, "level": "expert"}),
    (S.save_subjects, {}),
    (S.add_language_row, {}),
    (S.remove_language_row, {"index": 0}),
    (S.set_language, {"index": 0, "code": "en"}),
    (S.set_language_level, {"index": 0, "level": "C1"}),
    (S.save_languages, {}),
    (S.set_hourly, {"value": "1200"}),
    (S.set_trial, {"value": "100"}),
    (S.set_confirmation, {"checked": True}),
    (S.toggle_length, {"minutes": 30, "checked": True}),
    (S.set_override, {"minutes": 30, "value": "500"}),
    (S.save_pricing, {}),
    (S.remove_photo, {}),
    (S.save_video, {"form_data": {"intro_video_url": "https://youtu.be/abc"}}),
    (S.ask_remove_document, {"document_id": str(uuid.uuid4())}),
    (S.cancel_remove_document, {}),
    (S.remove_document, {}),
    (S.submit, {}),
    (S.withdraw, {}),
]
IDS = [h.fn.__name__ for h, _ in HANDLERS]


def test_the_list_covers_every_public_handler():
    public = {name for name in S.event_handlers if not name.startswith("_")} - set(
        S.get_parent_state().event_handlers) - {"upload_photo", "upload_document"}
    assert public == set(IDS), public ^ set(IDS)


@pytest.mark.parametrize(("handler", "payload"), HANDLERS, ids=IDS)
def test_signed_out_every_handler_sends_to_sign_in(open_tab, db, victim, handler, payload):
    tab = open_tab(None, PAGE)
    with unchanged(db):
        reply = tab.call(handler, payload, page=PAGE)
    assert_sent_to_login(reply)
    assert VICTIM_HEADLINE not in reply.text
    assert_still_works(tab)


@pytest.mark.parametrize("who", ["student", "admin"])
@pytest.mark.parametrize(("handler", "payload"), HANDLERS, ids=IDS)
def test_students_and_admins_are_refused(open_tab, db, people, victim, who, handler, payload):
    person = getattr(people, who)
    tab = open_tab(person, PAGE)
    with unchanged(db):
        reply = tab.call(handler, payload, page=PAGE)
    assert_denied(reply, NO_PERMISSION)
    assert VICTIM_HEADLINE not in reply.text and "Victim degree" not in reply.text
    assert_still_works(tab, person)


# -- uploads go through Reflex's HTTP upload endpoint ---------------------------------------------------
DOC_FIELDS = {"doc_kind": "education", "doc_title": "MSc Physics", "doc_issuer": "IIT Madras", "doc_year": "2015"}


def upload(live_app, token: str, handler, name: str, data: bytes, mime: str, tab=None, *,
           args: Any = DOC_FIELDS) -> Reply:
    """POST to Reflex's upload endpoint as rx.upload does (a document's form fields ride in the
    bound-args field); the deltas come back in the HTTP response, the client events (toasts,
    redirects) over the tab's websocket. `args=None` sends no bound args at all."""
    form = {} if args is None or handler is S.upload_photo else {
        "__reflex_event_args": json.dumps({"form_data": args})}
    response = httpx.post(
        live_app.base_url + "/_upload",
        headers={"reflex-client-token": token, "reflex-event-handler": handler_name(handler)},
        data=form,
        files={"files": (name, data, mime)},
        timeout=30,
    )
    reply = Reply()
    for line in response.text.splitlines():
        if line.strip():
            reply.add(json.loads(line))
    if tab is not None:
        for update in tab.call(SENTINEL, {"value": True}).updates:
            reply.add(update)
    return reply


@pytest.mark.parametrize("who", ["signed-out", "student", "admin"])
@pytest.mark.parametrize("handler", [S.upload_photo, S.upload_document], ids=["photo", "document"])
def test_uploads_are_refused_to_anyone_but_a_tutor(open_tab, live_app, db, people, who, handler):
    person = None if who == "signed-out" else getattr(people, who)
    tab = open_tab(person, PAGE)
    from tests.e2e.test_onboarding import png_bytes

    data, name, mime = (png_bytes(), "me.png", "image/png") if handler is S.upload_photo else (PDF, "d.pdf", "application/pdf")
    with unchanged(db):
        reply = upload(live_app, tab.token, handler, name, data, mime, tab)
    if person is None:
        assert_sent_to_login(reply)
    else:
        assert_denied(reply, NO_PERMISSION)


def test_an_upload_with_a_made_up_client_token_is_refused(live_app, db):
    with unchanged(db):
        reply = upload(live_app, str(uuid.uuid4()), S.upload_document, "d.pdf", PDF, "application/pdf")
    assert not any(level == "success" for level, _ in reply.toasts), reply.text


def test_a_tutor_uploading_a_non_image_photo_gets_a_message_and_nothing_is_stored(open_tab, live_app, db, attacker):
    tab = open_tab(attacker, PAGE)
    tab.call(S.load, {}, page=PAGE)
    with unchanged(db):
        reply = upload(live_app, tab.token, S.upload_photo, "me.png", b"<script>alert(1)</script>", "image/png", tab)
    assert "PNG, JPEG or WebP" in reply.toast("error"), reply.text


FORGED_DOCUMENT_FIELDS: list[tuple[Any, str]] = [
    (None, "The form could not be read"),  # no bound args at all
    ("not a dict", "The form could not be read"),
    ({**DOC_FIELDS, "storage_key": "../../etc/passwd"}, "unexpected fields"),
    ({**DOC_FIELDS, "doc_title": ["a", "list"]}, "could not be read"),
    ({**DOC_FIELDS, "doc_title": "x" * 1000}, "too long"),
    ({**DOC_FIELDS, "doc_title": ""}, "title"),
    ({**DOC_FIELDS, "doc_kind": "passport"}, "education or certification"),
    ({**DOC_FIELDS, "doc_year": "20x5"}, "four digits"),
    ({**DOC_FIELDS, "doc_year": "1066"}, "1950"),
]


@pytest.mark.parametrize(("fields", "message"), FORGED_DOCUMENT_FIELDS,
                         ids=[f"fields-{i}" for i in range(len(FORGED_DOCUMENT_FIELDS))])
def test_a_document_upload_with_forged_fields_gets_a_message_and_nothing_is_stored(
        open_tab, live_app, db, attacker, fields, message):
    tab = open_tab(attacker, PAGE)
    tab.call(S.load, {}, page=PAGE)
    with unchanged(db):
        reply = upload(live_app, tab.token, S.upload_document, "d.pdf", PDF, "application/pdf", tab,
                       args=fields)
    assert message.lower() in reply.toast("error").lower(), reply.text
    assert not any(level == "success" for level, _ in reply.toasts), reply.text


def test_a_document_upload_with_valid_fields_stores_exactly_those_fields(open_tab, live_app, db, attacker):
    tab = open_tab(attacker, PAGE)
    tab.call(S.load, {}, page=PAGE)
    reply = upload(live_app, tab.token, S.upload_document, "d.pdf", PDF, "application/pdf", tab)
    assert ("success", "Document uploaded.") in reply.toasts, reply.text
    rows = query(db, "select title, issuer, year from tutor_documents where tutor_id = :u and deleted_at is null "
                     "and title = 'MSc Physics'", u=attacker.id)
    assert [tuple(r) for r in rows] == [("MSc Physics", "IIT Madras", 2015)]


# -- a tutor with forged arguments ---------------------------------------------------------------------
FORGED: list[tuple[Any, dict[str, Any]]] = [
    (S.save_basics, {"form_data": "not a dict"}),
    (S.save_basics, {"form_data": {"headline": ["a", "list"], "display_name": "", "bio": "", "years_experience": "1",
                                   "time_zone": "UTC"}}),
    (S.save_basics, {"form_data": {"headline": "ok", "display_name": "", "bio": "", "years_experience": "1",
                                   "time_zone": "UTC", "status": "approved"}}),
    (S.save_basics, {"form_data": {"headline": "ok", "display_name": "", "bio": "", "years_experience": "-1",
                                   "time_zone": "UTC"}}),
    (S.save_basics, {"form_data": {"headline": "ok", "display_name": "", "bio": "", "years_experience": "5",
                                   "time_zone": "Mars/Olympus"}}),
    (S.save_basics, {"form_data": {"headline": "x" * 300, "display_name": "", "bio": "", "years_experience": "5",
                                   "time_zone": "UTC"}}),
    (S.remove_subject_row, {"index": 99}),
    (S.remove_subject_row, {"index": "0; drop table"}),
    (S.remove_subject_row, {"index": True}),
    (S.set_subject, {"index": 0, "slug": "no-such-subject"}),
    (S.set_subject, {"index": -1, "slug": "mathematics"}),
    (S.set_subject_level, {"index": 0, "level": "god-tier"}),
    (S.set_language, {"index": 0, "code": {"$ne": None}}),
    (S.set_language_level, {"index": 0, "level": "D9"}),
    (S.toggle_length, {"minutes": 31, "checked": True}),
    (S.toggle_length, {"minutes": 30, "checked": "yes"}),
    (S.set_override, {"minutes": 120, "value": "5"}),
    (S.set_confirmation, {"checked": "true"}),
    (S.ask_remove_document, {"document_id": "../../etc/passwd"}),
    (S.ask_remove_document, {"document_id": 12345}),
    (S.ask_remove_document, {"document_id": str(uuid.uuid4())}),
    (S.remove_document, {}),
    (S.submit, {}),
    (S.withdraw, {}),
    (S.save_video, {"form_data": {"intro_video_url": "javascript:alert(1)"}}),
    (S.save_video, {"form_data": {"intro_video_url": "https://evil.example/watch"}}),
]


@pytest.mark.parametrize(("handler", "payload"), FORGED, ids=[f"{h.fn.__name__}-{i}" for i, (h, _) in enumerate(FORGED)])
def test_forged_arguments_get_a_clear_error_and_change_nothing(open_tab, db, attacker, handler, payload):
    tab = open_tab(attacker, PAGE)
    tab.call(S.load, {}, page=PAGE)
    tab.call(S.add_subject_row, {}, page=PAGE)  # a row to aim at (state only, nothing saved)
    tab.call(S.add_language_row, {}, page=PAGE)
    with unchanged(db):
        reply = tab.call(handler, payload, page=PAGE)
    assert not reply.crashed, reply.text
    errors = [msg for level, msg in reply.toasts if level == "error"]
    assert errors, reply.text
    assert all(m and "Traceback" not in m for m in errors)
    assert_still_works(tab, attacker)


def test_a_tutor_cannot_remove_or_open_another_tutors_document(open_tab, live_app, db, victim, attacker):
    victim_person, doc_id = victim
    tab = open_tab(attacker, PAGE)
    tab.call(S.load, {}, page=PAGE)
    with unchanged(db):
        ask = tab.call(S.ask_remove_document, {"document_id": str(doc_id)}, page=PAGE)
        confirm = tab.call(S.remove_document, {}, page=PAGE)
        download = httpx.get(f"{live_app.base_url}/api/tutor-documents/{doc_id}",
                             headers={"Cookie": attacker.cookie}, timeout=15)
    assert ("error", "That document could not be found. Please reload the page.") in ask.toasts, ask.text
    assert any(level == "error" for level, _ in confirm.toasts), confirm.text
    assert download.status_code == 404 and PDF not in download.content
    own = httpx.get(f"{live_app.base_url}/api/tutor-documents/{doc_id}", headers={"Cookie": victim_person.cookie},
                    timeout=15)
    assert own.status_code == 200 and own.content == PDF


def test_a_tutor_only_ever_edits_their_own_profile(open_tab, db, victim, attacker):
    """No handler takes a tutor id: saving always writes the caller's own row."""
    victim_person, _ = victim
    tab = open_tab(attacker, PAGE)
    tab.call(S.load, {}, page=PAGE)
    before = query(db, "select headline, updated_at from tutor_profiles where user_id = :u", u=victim_person.id)
    reply = tab.call(S.save_basics, {"form_data": {"display_name": "", "headline": "Attacker's new headline",
                                                   "bio": "", "years_experience": "4", "time_zone": "UTC",
                                                   }}, page=PAGE, query={"step": "1"})
    assert ("success", "Basics saved.") in reply.toasts, reply.text
    assert query(db, "select headline, updated_at from tutor_profiles where user_id = :u", u=victim_person.id) == before
    assert query(db, "select headline from tutor_profiles where user_id = :u", u=attacker.id)[0][0] == "Attacker's new headline"


def test_a_tab_reached_with_another_cookie_shows_none_of_the_loaded_profile(open_tab, db, victim, attacker):
    victim_person, _ = victim
    victim_tab = open_tab(victim_person, PAGE)
    loaded = victim_tab.call(S.load, {}, page=PAGE)
    assert VICTIM_HEADLINE in loaded.text
    token = victim_tab.token
    victim_tab.close()
    # The same client token (a stolen sessionStorage value) with the attacker's own cookie.
    stolen = reopen_tab(open_tab, attacker, PAGE, token)
    reply = stolen.call(S.cancel_remove_document, {}, page=PAGE)
    assert VICTIM_HEADLINE not in reply.text and VICTIM_HEADLINE not in stolen.snapshot.text
    assert "Victim degree" not in reply.text and "Victim degree" not in stolen.snapshot.text


def test_an_oversized_upload_is_refused_before_reflex_reads_it(live_app, open_tab, attacker, db):
    tab = open_tab(attacker, PAGE)
    with unchanged(db):
        response = httpx.post(
            live_app.base_url + "/_upload",
            headers={"reflex-client-token": tab.token, "reflex-event-handler": handler_name(S.upload_document),
                     "Content-Type": "multipart/form-data; boundary=x"},
            content=b"--x\r\n" + b"A" * (11 * 1024 * 1024) + b"\r\n--x--\r\n",
            timeout=60,
        )
    assert response.status_code == 413


def test_two_files_in_one_upload_are_refused_and_nothing_is_stored(open_tab, live_app, db, attacker):
    tab = open_tab(attacker, PAGE)
    tab.call(S.load, {}, page=PAGE)
    with unchanged(db):
        response = httpx.post(
            live_app.base_url + "/_upload",
            headers={"reflex-client-token": tab.token, "reflex-event-handler": handler_name(S.upload_document)},
            data={"__reflex_event_args": json.dumps({"form_data": DOC_FIELDS})},
            files=[("files", ("a.pdf", PDF, "application/pdf")), ("files", ("b.pdf", PDF, "application/pdf"))],
            timeout=30,
        )
        reply = Reply()
        for update in tab.call(SENTINEL, {"value": True}).updates:
            reply.add(update)
    assert response.status_code == 200
    assert "Choose one file to upload." in reply.toast("error"), reply.text
