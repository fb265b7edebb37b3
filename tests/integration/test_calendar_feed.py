"""Calendars: per-booking .ics and the per-user feed, generated with icalendar and parsed
back with it; permissions, token revocation, and the two Starlette routes."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

import pytest
from icalendar import Calendar
from sqlalchemy import text
from starlette.applications import Starlette
from starlette.testclient import TestClient

from tests.integration.booking_support import bookable_tutor, student
from tests.integration.test_tutor_support import as_, make_user
from tutorconnect.api import calendar_routes
from tutorconnect.db import session_scope
from tutorconnect.models.scheduling import Booking
from tutorconnect.services import calendar_feed, sessions
from tutorconnect.services.errors import NotFound, PermissionDenied

pytestmark = pytest.mark.usefixtures("db")
UTC = timezone.utc


def insert_booking(student_id, tutor_id, starts_at, *, status="confirmed", length=60, sequence=0,
                   meeting_url=None) -> Booking:
    ref = "TC-" + uuid.uuid4().hex[:6].upper()
    b = Booking(reference=ref, tutor_id=tutor_id, student_id=student_id, status=status, starts_at=starts_at,
                ends_at=starts_at + timedelta(minutes=length), length_minutes=length, blocked_from=starts_at,
                blocked_until=starts_at + timedelta(minutes=length), price_minor=1000, currency="INR",
                platform_fee_bps=1500, platform_fee_minor=150, tutor_earnings_minor=850,
                cancellation_policy={"tiers": []}, requires_confirmation=False, tutor_time_zone="Asia/Tokyo",
                student_time_zone="Europe/Berlin", sequence=sequence, meeting_url=meeting_url)
    with session_scope() as s:
        s.add(b)
    return b


@pytest.fixture
def people():
    tutor = bookable_tutor(name="Aiko Tanaka")
    learner = student("Ben Müller")
    return {"tutor": tutor, "student": learner, "admin": make_user("admin", "Ada Admin"),
            "stranger": student("Sam Stranger"), "other_tutor": bookable_tutor(name="Other Tutor")}


def parse(body: bytes) -> Calendar:
    assert isinstance(body, bytes)
    cal = Calendar.from_ical(body)
    assert str(cal["VERSION"]) == "2.0" and str(cal["PRODID"]) and str(cal["METHOD"]) == "PUBLISH"
    return cal


def events(cal: Calendar) -> list:
    return list(cal.walk("VEVENT"))


def one_ics(viewer, booking_id) -> bytes:
    with session_scope() as s:
        return calendar_feed.booking_ics(s, as_(viewer), booking_id)


def start_at(days=3, hour=10) -> datetime:
    return datetime.now(UTC).replace(hour=hour, minute=0, second=0, microsecond=0) + timedelta(days=days)


def test_booking_ics_is_valid_with_utc_times_uid_sequence_and_link(people):
    start = start_at()
    b = insert_booking(people["student"], people["tutor"], start, sequence=2, meeting_url="https://meet.example/abc")
    body = one_ics(people["student"], b.id)
    assert b"DTSTART:" + start.strftime("%Y%m%dT%H%M%SZ").encode() in body  # UTC with Z, no TZID
    assert b"TZID" not in body
    (ev,) = events(parse(body))
    assert str(ev["UID"]) == f"{b.id}@tutorconnect"
    assert ev.decoded("DTSTART") == start and ev.decoded("DTSTART").utcoffset() == timedelta(0)
    assert ev.decoded("DTEND") == start + timedelta(minutes=60)
    assert int(ev["SEQUENCE"]) == 2
    assert ev.decoded("DTSTAMP").tzinfo is not None
    assert str(ev["SUMMARY"]) == "Lesson with Aiko Tanaka"
    assert str(ev["STATUS"]) == "CONFIRMED"
    assert str(ev["URL"]) == "https://meet.example/abc"
    assert "https://meet.example/abc" in str(ev["DESCRIPTION"]) and b.reference in str(ev["DESCRIPTION"])
    # the tutor sees the student's name
    (tev,) = events(parse(one_ics(people["tutor"], b.id)))
    assert str(tev["SUMMARY"]) == "Lesson with Ben Müller"
    assert str(tev["UID"]) == str(ev["UID"])


def test_uid_is_stable_and_sequence_rises_on_change(people):
    start = start_at()
    b = insert_booking(people["student"], people["tutor"], start)
    (before,) = events(parse(one_ics(people["student"], b.id)))
    moved = start + timedelta(days=1)
    with session_scope() as s:
        s.execute(text("UPDATE bookings SET starts_at = :a, ends_at = :b, blocked_from = :a, blocked_until = :b, "
                       "sequence = sequence + 1, updated_at = now() WHERE id = :id"),
                  {"a": moved, "b": moved + timedelta(minutes=60), "id": b.id})
    (after,) = events(parse(one_ics(people["student"], b.id)))
    assert str(after["UID"]) == str(before["UID"])
    assert int(after["SEQUENCE"]) == int(before["SEQUENCE"]) + 1 == 1
    assert after.decoded("DTSTART") == moved


@pytest.mark.parametrize("status,expected", [("pending_payment", "TENTATIVE"), ("awaiting_tutor", "TENTATIVE"),
                                             ("confirmed", "CONFIRMED"), ("completed", "CONFIRMED"),
                                             ("cancelled", "CANCELLED"), ("declined", "CANCELLED"),
                                             ("expired", "CANCELLED")])
def test_status_mapping(people, status, expected):
    b = insert_booking(people["student"], people["tutor"], start_at(), status=status)
    (ev,) = events(parse(one_ics(people["student"], b.id)))
    assert str(ev["STATUS"]) == expected


def test_no_url_without_meeting_link_and_unsafe_links_dropped(people):
    b = insert_booking(people["student"], people["tutor"], start_at(), meeting_url="javascript:alert(1)")
    (ev,) = events(parse(one_ics(people["student"], b.id)))
    assert "URL" not in ev and "javascript" not in str(ev["DESCRIPTION"])


@pytest.mark.parametrize("who", ["student", "tutor", "admin"])
def test_parties_and_admins_may_download(people, who):
    b = insert_booking(people["student"], people["tutor"], start_at())
    assert len(events(parse(one_ics(people[who], b.id)))) == 1


@pytest.mark.parametrize("who", ["stranger", "other_tutor", None])
def test_everyone_else_gets_not_found(people, who):
    b = insert_booking(people["student"], people["tutor"], start_at())
    with pytest.raises(NotFound):
        one_ics(people[who] if who else None, b.id)
    with pytest.raises(NotFound):
        one_ics(people["student"], uuid.uuid4())


def make_token(user_id) -> str:
    with session_scope() as s:
        return calendar_feed.create_feed_token(s, as_(user_id), user_id)


def feed(token) -> bytes:
    with session_scope() as s:
        return calendar_feed.feed_ics(s, token)


def test_feed_lists_the_users_bookings_from_30_days_ago_with_cancelled_marked(people):
    s_id, t_id = people["student"], people["tutor"]
    old = insert_booking(s_id, t_id, start_at(-40), status="completed")
    recent = insert_booking(s_id, t_id, start_at(-10), status="completed")
    upcoming = insert_booking(s_id, t_id, start_at(5))
    cancelled = insert_booking(s_id, t_id, start_at(6), status="cancelled", sequence=3)
    others = insert_booking(people["stranger"], people["other_tutor"], start_at(5))
    token = make_token(s_id)
    with session_scope() as s:
        stored = s.execute(text("SELECT token_hash FROM calendar_feed_tokens WHERE user_id = :u"), {"u": s_id}).all()
    assert len(stored) == 1 and stored[0][0] != token and len(stored[0][0]) == 64  # only the sha256 is kept
    evs = {str(e["UID"]): e for e in events(parse(feed(token)))}
    assert set(evs) == {f"{b.id}@tutorconnect" for b in (recent, upcoming, cancelled)}
    assert f"{old.id}@tutorconnect" not in evs and f"{others.id}@tutorconnect" not in evs
    c = evs[f"{cancelled.id}@tutorconnect"]
    assert str(c["STATUS"]) == "CANCELLED" and int(c["SEQUENCE"]) == 3
    for e in evs.values():
        assert e.decoded("DTSTART").utcoffset() == timedelta(0)
    # the tutor's own feed names the student
    tutor_evs = events(parse(feed(make_token(t_id))))
    assert {str(e["SUMMARY"]) for e in tutor_evs} == {"Lesson with Ben Müller"}


def test_revoked_replaced_and_unknown_tokens_are_not_found(people):
    s_id = people["student"]
    insert_booking(s_id, people["tutor"], start_at())
    first = make_token(s_id)
    assert events(parse(feed(first)))
    second = make_token(s_id)  # a new link replaces the old one
    with pytest.raises(NotFound):
        feed(first)
    assert events(parse(feed(second)))
    with session_scope() as s:
        calendar_feed.revoke_feed_tokens(s, as_(s_id), s_id)
    for bad in (second, "x" * 43, "", "../../etc", None):
        with pytest.raises(NotFound):
            feed(bad)


def test_tokens_only_for_oneself_and_revocation_by_self_or_admin(people):
    s_id = people["student"]
    with pytest.raises(PermissionDenied):
        with session_scope() as s:
            calendar_feed.create_feed_token(s, as_(people["admin"]), s_id)
    token = make_token(s_id)
    with pytest.raises(PermissionDenied):
        with session_scope() as s:
            calendar_feed.revoke_feed_tokens(s, as_(people["stranger"]), s_id)
    assert feed(token)
    with session_scope() as s:
        calendar_feed.revoke_feed_tokens(s, as_(people["admin"]), s_id)
    with pytest.raises(NotFound):
        feed(token)


# Routes ------------------------------------------------------------------------------------

@pytest.fixture
def client():
    with TestClient(Starlette(routes=calendar_routes.routes), base_url="http://testserver") as c:
        yield c


def sign_in(user_id) -> str:
    with session_scope() as s:
        return sessions.create_session(s, as_(user_id), user_id)


@pytest.mark.parametrize("who", ["student", "tutor", "admin"])
def test_booking_route_downloads_for_parties(people, client, who):
    b = insert_booking(people["student"], people["tutor"], start_at())
    r = client.get(f"/api/bookings/{b.id}.ics", cookies={"tc_session": sign_in(people[who])})
    assert r.status_code == 200
    assert r.headers["content-type"] == "text/calendar; charset=utf-8"
    assert r.headers["content-disposition"] == f'attachment; filename="{b.reference}.ics"'
    assert "no-store" in r.headers["cache-control"]
    (ev,) = events(parse(r.content))
    assert str(ev["UID"]) == f"{b.id}@tutorconnect"


def test_booking_route_is_404_for_others(people, client):
    b = insert_booking(people["student"], people["tutor"], start_at())
    assert client.get(f"/api/bookings/{b.id}.ics").status_code == 404  # signed out
    r = client.get(f"/api/bookings/{b.id}.ics", cookies={"tc_session": sign_in(people["stranger"])})
    assert r.status_code == 404 and b"VCALENDAR" not in r.content
    cookie = {"tc_session": sign_in(people["student"])}
    assert client.get(f"/api/bookings/{uuid.uuid4()}.ics", cookies=cookie).status_code == 404
    assert client.get("/api/bookings/not-a-uuid.ics", cookies=cookie).status_code == 404


def test_feed_route_and_revocation(people, client):
    s_id = people["student"]
    b = insert_booking(s_id, people["tutor"], start_at())
    token = make_token(s_id)
    r = client.get(f"/calendar/{token}.ics")
    assert r.status_code == 200
    assert r.headers["content-type"] == "text/calendar; charset=utf-8"
    assert r.headers["cache-control"].startswith("private")
    assert [str(e["UID"]) for e in events(parse(r.content))] == [f"{b.id}@tutorconnect"]
    with session_scope() as s:
        calendar_feed.revoke_feed_tokens(s, as_(s_id), s_id)
    assert client.get(f"/calendar/{token}.ics").status_code == 404
    assert client.get("/calendar/nonsense.ics").status_code == 404


# -- #14 item 33: lesson outcomes, truthfully ------------------------------------------------------
@pytest.mark.parametrize(("status", "expected", "summary", "outcome"), [
    ("confirmed", "CONFIRMED", "Lesson with Aiko Tanaka", None),
    ("completed", "CONFIRMED", "Lesson with Aiko Tanaka", "Completed."),
    ("no_show_tutor", "CANCELLED", "Missed: Lesson with Aiko Tanaka", "Missed: the tutor did not attend"),
    ("no_show_student", "CONFIRMED", "Missed: Lesson with Aiko Tanaka", "Missed: the student did not attend"),
    ("cancelled", "CANCELLED", "Lesson with Aiko Tanaka", "Cancelled by the tutor."),
    ("declined", "CANCELLED", "Lesson with Aiko Tanaka", "Declined by the tutor."),
    ("expired", "CANCELLED", "Lesson with Aiko Tanaka", "Expired: not paid in time."),
])
def test_outcomes_are_exported_truthfully(people, status, expected, summary, outcome):
    b = insert_booking(people["student"], people["tutor"], start_at(-2), status=status,
                       meeting_url="https://meet.example/abc")
    if status in ("cancelled", "declined"):
        with session_scope() as s:
            s.execute(text("UPDATE bookings SET cancelled_by = 'tutor' WHERE id = :id"), {"id": b.id})
    for body in (one_ics(people["student"], b.id), feed(make_token(people["student"]))):
        (ev,) = [e for e in events(parse(body)) if str(e["UID"]) == f"{b.id}@tutorconnect"]
        assert str(ev["STATUS"]) == expected
        assert str(ev["SUMMARY"]) == summary
        description = str(ev["DESCRIPTION"])
        assert description.startswith(f"TutorConnect booking {b.reference}")
        if outcome is None:
            assert "Completed" not in description and "Missed" not in description
        else:
            assert outcome in description
        # a lesson that is over or off no longer offers its link to join
        assert ("URL" in ev) is (status == "confirmed")
        assert str(ev["TRANSP"]) == ("TRANSPARENT" if expected == "CANCELLED" else "OPAQUE")


def test_the_tutors_feed_names_the_outcome_from_their_side(people):
    missed = insert_booking(people["student"], people["tutor"], start_at(-2), status="no_show_tutor")
    (ev,) = events(parse(one_ics(people["tutor"], missed.id)))
    assert str(ev["STATUS"]) == "CANCELLED" and str(ev["SUMMARY"]) == "Missed: Lesson with Ben Müller"
    assert "Missed: the tutor did not attend; the student was refunded in full." in str(ev["DESCRIPTION"])
