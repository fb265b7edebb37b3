"""Busy times from a connected Google Calendar in the slots, on real PostgreSQL against the
Google emulator (Calendar v3 freeBusy through google-api-python-client, tokens refreshed at
the emulator's /token).

What must hold: a time busy in Google is neither offered (free_slots) nor bookable
(ensure_bookable, so neither holds nor bookings); the copy is cached for BUSY_CACHE_SECONDS
(no second freeBusy call at the emulator within it, a new one after it); a calendar error
or timeout never breaks the booking pages: the stale copy is used if there is one, else no
subtraction, with a warning logged and no retry storm; a revoked grant is shown to the tutor.
"""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

import httpx
import pytest

from tests.integration import calendar_support
from tests.integration.calendar_support import (
    calls,
    connect,
    fault,
    seed_busy,
)
from tests.integration.test_slots import MONDAY, NOW, at, check, free, insert_booking, local_starts, reason, tutor
from tests.integration.test_tutor_support import as_, make_user
from tests.support.db import sql
from tutorconnect.config import get_settings
from tutorconnect.db import session_scope
from tutorconnect.services import calendar_connections, scheduling
from tutorconnect.services.scheduling import SlotUnavailable
from tutorconnect.services.scheduling import busy_times  # its logger, single-flight and timeout, below

emulator, google = calendar_support.emulator, calendar_support.google  # fixtures
ACCOUNT = "priya.sharma@gmail.com"
ALL_DAY = ["09:00", "09:15", "09:30", "09:45", "10:00", "10:15", "10:30", "10:45", "11:00"]
TTL = 120


@pytest.fixture
def connected(google):
    """An approved tutor (Berlin, Mondays 09:00-12:00, 30 days ahead) with Google connected."""
    tid = tutor(horizon_days=30)
    connect(google, tid, ACCOUNT)
    return tid


def cache_row(tid):
    rows = sql("SELECT window_start, window_end, busy, fetched_at, last_error, last_error_at "
               "FROM calendar_busy_cache WHERE user_id = :u", u=tid)
    return rows[0] if rows else None


def all_quarter_hours():
    return [at(9) + timedelta(minutes=15 * i) for i in range(13)]


def assert_agree(tid, length=60, now=NOW):
    """ensure_bookable accepts exactly the starts free_slots offers (on Monday's quarter hours)."""
    offered = {sl.starts_at for sl in free(tid, length, now=now)}
    for start in all_quarter_hours():
        if start in offered:
            check(tid, start, length, now=now)
        else:
            with pytest.raises(SlotUnavailable):
                check(tid, start, length, now=now)


def test_a_google_busy_block_is_neither_offered_nor_bookable(connected, google):
    seed_busy(google, ACCOUNT, (at(10), at(11)))
    assert local_starts(free(connected)) == ["09:00", "11:00"]
    assert reason(connected, at(10)) == "outside_availability"
    assert reason(connected, at(9, 30)) == "outside_availability"  # runs into it
    check(connected, at(9))
    check(connected, at(11))
    assert_agree(connected)
    assert_agree(connected, length=30)
    assert local_starts(free(connected, 30)) == ["09:00", "09:15", "09:30", "11:00", "11:15", "11:30"]


def test_nor_can_it_be_held_or_booked(connected, google):
    seed_busy(google, ACCOUNT, (at(10), at(11)))
    student = make_user("student")
    with pytest.raises(SlotUnavailable) as err, session_scope() as s:
        scheduling.place_hold(s, as_(student), student, connected, at(10), 60, now=NOW)
    assert err.value.reason == "outside_availability" and "busy" in err.value.message
    with session_scope() as s:
        scheduling.place_hold(s, as_(student), student, connected, at(9), 60, now=NOW)  # the free hour is fine


def test_buffers_keep_their_distance_from_google_events(google):
    tid = tutor(horizon_days=30, buffer_before_minutes=15, buffer_after_minutes=15)
    connect(google, tid, ACCOUNT)
    seed_busy(google, ACCOUNT, (at(10, 30), at(10, 45)))
    # a lesson needs its buffers clear of the event too: 09:00-10:00 (+15) ends 10:15, fine;
    # 09:15-10:15 (+15) reaches 10:30: fine; 09:30 would reach 10:45: busy
    assert local_starts(free(tid)) == ["09:00", "09:15", "11:00"]
    assert reason(tid, at(9, 30)) == "outside_availability"
    assert_agree(tid)


def test_a_buffer_reaching_back_before_now_still_sees_the_event_there(google):
    tid = tutor(horizon_days=30, buffer_before_minutes=30)
    connect(google, tid, ACCOUNT)
    seed_busy(google, ACCOUNT, (at(9), at(9, 40)))  # ends after 10:00's buffer begins (09:30)
    now = at(9, 45)
    assert reason(tid, at(10), now=now) == "outside_availability"
    assert local_starts(free(tid, now=now))[:2] == ["10:15", "10:30"]
    assert_agree(tid, now=now)


def test_a_rescheduled_booking_is_not_blocked_by_its_own_calendar_event(connected, google):
    booking = insert_booking(connected, at(10))
    seed_busy(google, ACCOUNT, (at(10), at(11)))  # the lesson's own event on the tutor's calendar
    assert reason(connected, at(10, 30)) == "taken"
    check(connected, at(10, 30), ignore_booking_id=booking)  # moving it by half an hour is fine
    with session_scope() as s:
        moved = scheduling.free_slots(s, connected, 60, MONDAY, MONDAY, "Europe/Berlin", now=NOW,
                                      ignore_booking_id=booking)
    assert local_starts(moved) == ALL_DAY


def test_a_long_horizon_is_asked_in_pieces_google_accepts(google):
    """Google refuses freeBusy ranges over 90 days: a year's horizon takes several calls."""
    tid = tutor(horizon_days=365)
    connect(google, tid, ACCOUNT)
    far = MONDAY + timedelta(days=7 * 40)  # a Monday about 9 months ahead
    seed_busy(google, ACCOUNT, (at(10, day=far), at(11, day=far)))
    assert local_starts(free(tid, first=far, last=far)) == ["09:00", "11:00"]
    row = cache_row(tid)
    span, piece = row.window_end - row.window_start, timedelta(days=scheduling.MAX_QUERY_DAYS)
    assert span > timedelta(days=365) and piece < timedelta(days=90)
    assert calls(google) == -(-span // piece) == 5  # ceil: every piece within Google's limit


def test_not_connected_means_no_calls_and_no_change(google):
    tid = tutor(horizon_days=30)
    seed_busy(google, ACCOUNT, (at(10), at(11)))
    assert local_starts(free(tid)) == ALL_DAY
    check(tid, at(10))
    assert calls(google) == 0
    assert cache_row(tid) is None


def test_the_copy_is_cached_for_busy_cache_seconds(connected, google):
    seed_busy(google, ACCOUNT, (at(10), at(11)))
    assert local_starts(free(connected)) == ["09:00", "11:00"]
    assert calls(google) == 1
    row = cache_row(connected)
    assert row.fetched_at == NOW and row.last_error is None
    assert row.window_start == NOW - timedelta(days=1) and row.window_end >= NOW + timedelta(days=30)
    # within the TTL: the picker, another week, a hold check and a booking check read the copy
    seed_busy(google, ACCOUNT, (at(9), at(9, 30)))  # new in Google, not yet seen
    later = NOW + timedelta(seconds=TTL - 1)
    assert local_starts(free(connected, now=later)) == ["09:00", "11:00"]
    free(connected, first=MONDAY + timedelta(days=7), last=MONDAY + timedelta(days=13), now=later)
    check(connected, at(9), now=later)
    assert calls(google) == 1
    # after it: fetched again, the new block is seen
    expired = NOW + timedelta(seconds=TTL + 1)
    assert local_starts(free(connected, now=expired)) == ["11:00"]
    assert calls(google) == 2
    assert cache_row(connected).fetched_at == expired


def test_busy_cache_seconds_is_a_setting(connected, google, monkeypatch):
    monkeypatch.setenv("BUSY_CACHE_SECONDS", "10")
    get_settings.cache_clear()
    free(connected)
    free(connected, now=NOW + timedelta(seconds=9))
    assert calls(google) == 1
    free(connected, now=NOW + timedelta(seconds=11))
    assert calls(google) == 2


def test_the_past_and_beyond_the_horizon_need_no_call(connected, google):
    assert free(connected, first=MONDAY + timedelta(days=60), last=MONDAY + timedelta(days=60)) == []
    assert reason(connected, at(9), now=at(13)) == "past"
    assert reason(connected, at(9, day=MONDAY + timedelta(days=60))) == "horizon"
    with session_scope() as s:  # the window asked for is clipped to [now, horizon]: nothing left
        assert scheduling.busy_between(s, connected, NOW - timedelta(days=3), NOW, now=NOW,
                                        horizon_end=NOW + timedelta(days=30), cached=scheduling.snapshot(s, connected)) == []
    assert calls(google) == 0


@pytest.mark.parametrize("status", [503, 500, 429, 403])
def test_an_outage_uses_the_stale_copy_and_logs_a_warning(connected, google, caplog, status):
    seed_busy(google, ACCOUNT, (at(10), at(11)))
    free(connected)
    fault(google, status=status, count=5)
    expired = NOW + timedelta(seconds=TTL + 1)
    with caplog.at_level(logging.WARNING, logger="tutorconnect.services.scheduling.busy_times"):
        assert local_starts(free(connected, now=expired)) == ["09:00", "11:00"]  # the stale copy still applies
        assert reason(connected, at(10), now=expired) == "outside_availability"
        check(connected, at(9), now=expired)
    assert calls(google) == 2  # one failed fetch; the checks after it did not call again
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING and r.name == busy_times.log.name]
    assert len(warnings) == 1 and "using the copy from 121s ago" in warnings[0], warnings
    row = cache_row(connected)
    assert row.last_error and row.last_error_at == expired and row.fetched_at == NOW
    # Google is back after the back-off period: fetched again, the error cleared
    httpx.delete(f"{google.url}/_emulator/calendar/faults", timeout=5)
    back = expired + timedelta(seconds=TTL + 1)
    assert local_starts(free(connected, now=back)) == ["09:00", "11:00"]
    assert calls(google) == 3
    assert cache_row(connected).last_error is None


def test_an_outage_without_a_copy_subtracts_nothing_and_the_pages_still_work(connected, google, caplog):
    seed_busy(google, ACCOUNT, (at(10), at(11)))
    fault(google, status=503, count=5)
    with caplog.at_level(logging.WARNING, logger="tutorconnect.services.scheduling.busy_times"):
        assert local_starts(free(connected)) == ALL_DAY
        check(connected, at(10))
    assert calls(google) == 1
    assert any("not subtracting any" in r.getMessage() for r in caplog.records)
    student = make_user("student")
    with session_scope() as s:  # and a hold goes through
        scheduling.place_hold(s, as_(student), student, connected, at(10), 60, now=NOW)


def test_a_hanging_calendar_times_out(connected, google, monkeypatch, caplog):
    monkeypatch.setattr(busy_times, "FETCH_TIMEOUT_SECONDS", 1.0)
    seed_busy(google, ACCOUNT, (at(10), at(11)))
    fault(google, status=503, count=1, hang_seconds=4)  # answers only after 4 s
    with caplog.at_level(logging.WARNING, logger="tutorconnect.services.scheduling.busy_times"):
        assert local_starts(free(connected)) == ALL_DAY
    assert "CalendarError: 0 timeout" == cache_row(connected).last_error
    assert any("not subtracting any" in r.getMessage() for r in caplog.records)


def test_google_unreachable(connected, monkeypatch, caplog):
    monkeypatch.setenv("GOOGLE_EMULATOR_URL", "http://127.0.0.1:9")  # nothing listens there
    get_settings.cache_clear()
    with caplog.at_level(logging.WARNING, logger="tutorconnect.services.scheduling.busy_times"):
        assert local_starts(free(connected)) == ALL_DAY
        check(connected, at(10))
    assert cache_row(connected).last_error


def test_a_revoked_grant_is_shown_to_the_tutor(connected, google):
    with session_scope() as s:
        token = calendar_connections.refresh_token_for(s, connected)
    httpx.post(f"{google.url}/revoke", data={"token": token}, timeout=5).raise_for_status()  # revoked at Google
    assert local_starts(free(connected)) == ALL_DAY
    with session_scope() as s:
        problem = calendar_connections.status(s, as_(connected), connected).problem
    assert problem and "reconnect" in problem
    # reconnecting clears it
    connect(google, connected, ACCOUNT)
    free(connected, now=NOW + timedelta(seconds=TTL + 1))
    with session_scope() as s:
        assert calendar_connections.status(s, as_(connected), connected).problem is None


def test_disconnect_stops_the_subtraction(connected, google):
    seed_busy(google, ACCOUNT, (at(10), at(11)))
    assert local_starts(free(connected)) == ["09:00", "11:00"]
    assert calendar_connections.disconnect(as_(connected), connected)
    assert cache_row(connected) is None
    assert local_starts(free(connected)) == ALL_DAY


def test_concurrent_pages_share_one_failing_fetch(connected, google, caplog):
    seed_busy(google, ACCOUNT, (at(10), at(11)))
    fault(google, status=503, count=1, hang_seconds=1)  # a slow failure: the requests overlap
    results, errors = [], []

    def page():
        try:
            results.append(local_starts(free(connected)))
        except Exception as err:  # noqa: BLE001
            errors.append(err)

    threads = [threading.Thread(target=page) for _ in range(6)]
    with caplog.at_level(logging.WARNING, logger="tutorconnect.services.scheduling.busy_times"):
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert not errors and results == [ALL_DAY] * 6
    assert calls(google) == 1  # one fetch for all six, and one warning
    assert sum(r.levelno == logging.WARNING and r.name == busy_times.log.name for r in caplog.records) == 1


def test_single_flight_runs_one_fetch_for_concurrent_callers(connected):
    started, ran = threading.Event(), []

    def fetch():
        ran.append(1)
        started.set()
        threading.Event().wait(0.3)  # long enough for the other callers to join it
        return [(at(10), at(11))]

    out, errors = [], []

    def caller():
        try:
            out.append(busy_times._single_flight(connected, fetch))
        except Exception as err:  # noqa: BLE001
            errors.append(err)

    first = threading.Thread(target=caller)
    first.start()
    started.wait(5)
    others = [threading.Thread(target=caller) for _ in range(5)]
    for t in others:
        t.start()
    for t in [first, *others]:
        t.join()
    assert not errors and len(ran) == 1 and out == [[(at(10), at(11))]] * 6
    assert busy_times._inflight == {}
