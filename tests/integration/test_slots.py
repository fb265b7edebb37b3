"""services/scheduling (slot search, bookability) on real PostgreSQL: free_slots and
ensure_bookable honour rules, overrides, time off, notice, horizon, daily limit, buffers
against active bookings, holds, lengths offered and listing; and they agree with each
other."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text

from tests.integration.test_tutor_support import as_, listed_tutor, make_user
from tutorconnect.db import session_scope
from tutorconnect.services import scheduling
from tutorconnect.services.scheduling import SlotUnavailable, hold_store

pytestmark = pytest.mark.usefixtures("db")
UTC = timezone.utc
BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2031, 1, 1, 0, 0, tzinfo=UTC)
MONDAY = date(2031, 1, 6)


def at(hour, minute=0, day=MONDAY, zone=BERLIN) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=zone).astimezone(UTC)


def tutor(zone="Europe/Berlin", lengths=(30, 60), status="approved", rules=((0, 540, 720),), **settings) -> uuid.UUID:
    uid = listed_tutor(status=status)
    with session_scope() as s:
        s.execute(text("UPDATE users SET time_zone = :z WHERE id = :t"), {"z": zone, "t": uid})
        s.execute(text("UPDATE tutor_profiles SET lesson_lengths = :l WHERE user_id = :t"), {"l": list(lengths), "t": uid})
        scheduling.replace_weekly_rules(s, as_(uid), uid, list(rules))
        scheduling.save_settings(s, as_(uid), uid, **{**dict(buffer_before_minutes=0, buffer_after_minutes=0,
                                 min_notice_minutes=0, horizon_days=365, max_lessons_per_day=None), **settings})
    return uid


def insert_booking(tutor_id, starts_at, length=60, status="confirmed", before=0, after=0) -> uuid.UUID:
    bid, student = uuid.uuid4(), make_user("student")
    with session_scope() as s:
        s.execute(text("""
            INSERT INTO bookings (id, reference, tutor_id, student_id, status, starts_at, ends_at, length_minutes,
                blocked_from, blocked_until, price_minor, currency, platform_fee_bps, platform_fee_minor,
                tutor_earnings_minor, cancellation_policy, requires_confirmation, tutor_time_zone, student_time_zone)
            VALUES (:id, :ref, :t, :s, :st, :a, :b, :len, :bf, :bu, 1000, 'EUR', 1500, 150, 850, '{}', false,
                    'Europe/Berlin', 'UTC')"""),
                  {"id": bid, "ref": f"TC-{bid.hex[:6]}", "t": tutor_id, "s": student, "st": status, "a": starts_at,
                   "b": starts_at + timedelta(minutes=length), "len": length,
                   "bf": starts_at - timedelta(minutes=before), "bu": starts_at + timedelta(minutes=length + after)})
    return bid


def free(tid, length=60, first=MONDAY, last=MONDAY, viewer="Europe/Berlin", now=NOW, **kw):
    with session_scope() as s:
        return scheduling.free_slots(s, tid, length, first, last, viewer, now=now, **kw)


def local_starts(result, zone=BERLIN):
    return [sl.starts_at.astimezone(zone).strftime("%H:%M") for sl in result]


def check(tid, starts_at, length=60, now=NOW, **kw):
    with session_scope() as s:
        scheduling.ensure_bookable(s, tid, starts_at, length, now=now, **kw)


def reason(tid, starts_at, length=60, now=NOW, **kw) -> str:
    with pytest.raises(SlotUnavailable) as err:
        check(tid, starts_at, length, now, **kw)
    assert err.value.message
    return err.value.reason


def test_weekly_rule_gives_quarter_hour_starts_in_the_viewers_zone():
    tid = tutor()
    result = free(tid)
    assert local_starts(result) == ["09:00", "09:15", "09:30", "09:45", "10:00", "10:15", "10:30", "10:45", "11:00"]
    assert all(sl.ends_at - sl.starts_at == timedelta(hours=1) for sl in result)
    # Kolkata is +04:30 from Berlin in January; the viewer's dates select the window
    kolkata = free(tid, viewer="Asia/Kolkata")
    assert [sl.local_start.strftime("%H:%M %z") for sl in kolkata][:2] == ["13:30 +0530", "13:45 +0530"]
    assert [sl.starts_at for sl in kolkata] == [sl.starts_at for sl in result]
    # a viewer in Auckland (+13) sees Monday's Berlin morning on Monday evening: Sunday shows nothing
    assert free(tid, first=MONDAY - timedelta(days=1), last=MONDAY - timedelta(days=1), viewer="Pacific/Auckland") == []
    assert free(tid, first=MONDAY + timedelta(days=1), last=MONDAY + timedelta(days=1)) == []  # Tuesday: no rule
    for sl in result:
        check(tid, sl.starts_at)


def test_overrides_closed_and_hours():
    tid = tutor()
    with session_scope() as s:
        scheduling.set_override(s, as_(tid), tid, MONDAY, closed=True)
    assert free(tid) == []
    assert reason(tid, at(9)) == "outside_availability"
    with session_scope() as s:
        scheduling.set_override(s, as_(tid), tid, MONDAY, closed=False, intervals=[(840, 900)])
    assert local_starts(free(tid)) == ["14:00"]
    check(tid, at(14))
    assert reason(tid, at(9)) == "outside_availability"


def test_time_off_min_notice_and_alignment():
    tid = tutor(min_notice_minutes=90)
    with session_scope() as s:
        scheduling.add_time_off(s, as_(tid), tid, at(10, 30), at(11), "Dentist")
    now = at(8)  # 08:00 Berlin: notice runs until 09:30
    assert local_starts(free(tid, length=30, now=now)) == ["09:30", "09:45", "10:00", "11:00", "11:15", "11:30"]
    assert reason(tid, at(9), 30, now=now) == "min_notice"
    assert reason(tid, at(7), 30, now=now) == "past"
    assert reason(tid, at(10, 15), 30, now=now) == "outside_availability"  # runs into the time off
    assert reason(tid, at(9, 40), 30, now=now) == "outside_availability"  # not on a quarter hour
    assert reason(tid, at(11, 45), 30, now=now) == "outside_availability"  # ends after 12:00
    check(tid, at(11, 30), 30, now=now)


def test_horizon():
    tid = tutor(horizon_days=5)  # today (Berlin) is 1 Jan: up to 6 Jan inclusive
    assert len(free(tid)) == 9
    tid2 = tutor(horizon_days=4)
    assert free(tid2) == []
    assert reason(tid2, at(9)) == "horizon"


def test_daily_limit_counts_active_bookings_of_the_tutor_local_day():
    tid = tutor(max_lessons_per_day=1, rules=((0, 540, 720), (0, 840, 1020)))
    insert_booking(tid, at(14))
    assert free(tid) == []
    assert reason(tid, at(9)) == "daily_limit"
    with session_scope() as s:
        s.execute(text("UPDATE bookings SET status = 'cancelled' WHERE tutor_id = :t"), {"t": tid})
    assert len(free(tid)) > 0
    check(tid, at(9))


def test_buffers_against_active_bookings_only():
    tid = tutor(buffer_before_minutes=15, buffer_after_minutes=15)
    bid = insert_booking(tid, at(10))
    insert_booking(tid, at(9), status="cancelled")
    assert local_starts(free(tid, length=30)) == ["09:00", "09:15", "11:15", "11:30"]
    assert reason(tid, at(9, 30), 30) == "taken"
    assert reason(tid, at(11), 30) == "taken"
    check(tid, at(9, 15), 30)
    check(tid, at(10), 60, ignore_booking_id=bid)  # a reschedule ignores the booking it moves
    # ...and so does the list of times offered for the move (its own time and neighbours).
    moved = local_starts(free(tid, length=30, ignore_booking_id=bid))
    assert "10:00" in moved and "10:30" in moved and len(moved) > 4
    # the booking's own buffers count too
    tid2 = tutor()
    insert_booking(tid2, at(10), length=30, before=30, after=30)
    assert local_starts(free(tid2, length=30)) == ["09:00", "11:00", "11:15", "11:30"]


def test_holds_of_others_are_taken_away_own_hold_is_not(monkeypatch):
    tid = tutor()
    holder = uuid.uuid4()
    hold = scheduling.Hold(tutor_id=tid, student_id=holder, starts_at=at(10), ends_at=at(11), blocked_from=at(10),
                      blocked_until=at(11), length_minutes=60, expires_at=NOW + timedelta(minutes=10))
    monkeypatch.setattr(hold_store, "active_holds", lambda *a, **k: [hold])
    assert local_starts(free(tid)) == ["09:00", "11:00"]
    assert len(free(tid, holder_id=holder)) == 9
    assert reason(tid, at(10)) == "held"
    check(tid, at(10), student_id=holder)


def test_lengths_offered_and_listing():
    tid = tutor(lengths=(30, 60))
    with pytest.raises(SlotUnavailable) as err:
        free(tid, length=45)
    assert err.value.reason == "length_not_offered"
    assert reason(tid, at(9), 90) == "length_not_offered"
    draft = tutor(status="draft")
    with pytest.raises(SlotUnavailable) as err:
        free(draft)
    assert err.value.reason == "tutor_not_listed"
    assert reason(draft, at(9)) == "tutor_not_listed"
    assert reason(uuid.uuid4(), at(9)) == "tutor_not_listed"
    with session_scope() as s:
        s.execute(text("UPDATE users SET deleted_at = now() WHERE id = :t"), {"t": tid})
    assert reason(tid, at(9)) == "tutor_not_listed"
    # the tutor's own preview works before approval
    with session_scope() as s:
        assert len(scheduling.preview_slots(s, as_(draft), draft, 60, MONDAY, MONDAY, now=NOW)) == 9


def test_dst_change_day_in_the_database():
    """Berlin springs forward on 30 March 2031 (Sunday): 09:00-12:00 stays 09:00-12:00 local;
    a viewer in New York (already on summer time) sees it at 03:00-06:00."""
    tid = tutor(rules=((6, 540, 720), (6, 60, 240)))
    sunday = date(2031, 3, 30)
    result = free(tid, first=sunday, last=sunday, now=NOW)
    berlin = local_starts(result)
    assert berlin[-9:] == ["09:00", "09:15", "09:30", "09:45", "10:00", "10:15", "10:30", "10:45", "11:00"]
    assert "02:00" not in berlin and "02:30" not in berlin  # the gap
    ny = free(tid, first=sunday - timedelta(days=1), last=sunday, viewer="America/New_York")
    assert "03:00 -0400" in [sl.local_start.strftime("%H:%M %z") for sl in ny]
    for sl in result:
        check(tid, sl.starts_at)


def test_bad_arguments():
    tid = tutor()
    from tutorconnect.services.errors import InvalidInput
    with pytest.raises(InvalidInput):
        free(tid, viewer="Mars/Olympus")
    with pytest.raises(InvalidInput):
        free(tid, first=MONDAY, last=MONDAY + timedelta(days=500))
    with pytest.raises(InvalidInput):
        check(tid, datetime(2031, 1, 6, 9))  # naive
    with pytest.raises(InvalidInput):
        free(tid, first="2031-01-06")


# --- tutor zone and viewer zone chosen independently, through the database ----------------

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from tests.unit.test_slot_dst import TRANSITIONS, ZONES  # noqa: E402


@pytest.fixture
def dst_tutor():
    # 09:00-17:00 and 01:00-04:00 (across typical change times) every day
    return tutor(lengths=(30, 60, 90), rules=tuple((wd, a, b) for wd in range(7) for a, b in ((60, 240), (540, 1020))),
                 buffer_before_minutes=10, buffer_after_minutes=5)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(tutor_zone=st.sampled_from(ZONES), viewer_zone=st.sampled_from(ZONES + ("UTC",)), data=st.data())
def test_viewer_days_partition_the_slots_across_dst(dst_tutor, tutor_zone, viewer_zone, data):
    day = data.draw(st.sampled_from(TRANSITIONS[tutor_zone]))
    length = data.draw(st.sampled_from([30, 60, 90]))
    with session_scope() as s:
        s.execute(text("UPDATE users SET time_zone = :z WHERE id = :t"), {"z": tutor_zone, "t": dst_tutor})
        s.execute(text("DELETE FROM bookings WHERE tutor_id = :t"), {"t": dst_tutor})
    tz, viewer = ZoneInfo(tutor_zone), ZoneInfo(viewer_zone)
    now = datetime(day.year, day.month, day.day, tzinfo=UTC) - timedelta(days=10)
    booked_at = datetime(day.year, day.month, day.day, 14, tzinfo=tz).astimezone(UTC)
    insert_booking(dst_tutor, booked_at, length=60, before=10, after=5)
    first, last = day - timedelta(days=1), day + timedelta(days=1)
    whole = free(dst_tutor, length, first, last, viewer_zone, now=now)
    per_day = [sl for d in (first, day, last) for sl in free(dst_tutor, length, d, d, viewer_zone, now=now)]
    assert [sl.starts_at for sl in whole] == [sl.starts_at for sl in per_day]  # no slot lost or doubled at day edges
    assert len({sl.starts_at for sl in whole}) == len(whole)
    for sl in whole:
        assert first <= sl.local_start.date() <= last and sl.local_start.tzinfo is viewer
        # (Python: same-zone aware subtraction is wall-clock, and an ambiguous time never equals
        # another zone's datetime (PEP 495): compare in UTC)
        assert sl.local_start.astimezone(UTC) == sl.starts_at and sl.local_end.astimezone(UTC) - sl.starts_at == timedelta(minutes=length)
        start, end = sl.starts_at.astimezone(tz), (sl.ends_at - timedelta(seconds=1)).astimezone(tz)
        assert start.fold == 0 and start.minute % 15 == 0
        walls = (start.hour * 60 + start.minute, end.hour * 60 + end.minute)
        assert any(a <= walls[0] and walls[1] < b for a, b in ((60, 240), (540, 1020))) and start.date() == end.date()
        # blocked ranges (10 before, 5 after) never meet the booking's (10 before, 5 after)
        assert not (booked_at - timedelta(minutes=10) < sl.ends_at + timedelta(minutes=5)
                    and sl.starts_at - timedelta(minutes=10) < booked_at + timedelta(minutes=65))
    for sl in whole[::9]:  # and ensure_bookable agrees (a sample: one round trip each)
        check(dst_tutor, sl.starts_at, length, now=now)
    # on the change day the 09:00-17:00 rule is 09:00-17:00 local (less the booking)
    nine_to_five = [sl.starts_at.astimezone(tz).strftime("%H:%M") for sl in whole
                    if sl.starts_at.astimezone(tz).date() == day and sl.starts_at.astimezone(tz).hour >= 9]
    assert nine_to_five and nine_to_five[0] == "09:00"
    assert max(nine_to_five) == (datetime(2000, 1, 1, 17) - timedelta(minutes=length)).strftime("%H:%M")


def test_six_month_range_for_next_available_is_bounded_by_the_horizon():
    tid = tutor(horizon_days=10)
    result = free(tid, first=MONDAY, last=MONDAY + timedelta(weeks=26))
    assert [sl.starts_at.astimezone(BERLIN).date() for sl in result] == [MONDAY] * 9  # 1 Jan + 10 days: one Monday
