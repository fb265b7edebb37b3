"""Busy times from a tutor's connected Google Calendar, for slot search and the
bookability check (through tutor_facts.py).

`busy_between(session, tutor_id, w0, w1, now=, horizon_end=, cached=)` -> the tutor's
Google busy intervals overlapping [w0, w1) (UTC, sorted; [] when not connected).

- tutor_facts.py reads the connection and this cache in the SAME round trip as everything
  else about the tutor (`CACHE_SQL` is a column of its query) and hands it in as `cached`; a
  fresh cache costs no query and no call.
- The cache (calendar_busy_cache, one row per tutor) holds ONE window, from a day before
  the fetch to a little past the tutor's booking horizon, so every request for bookable
  times is covered by the same fetch. It is fresh for BUSY_CACHE_SECONDS (default 120)
  after `fetched_at`; then the next request fetches again (freebusy through
  integrations/google_calendar, timeout FETCH_TIMEOUT_SECONDS) and rewrites the row in a
  short transaction of its own.
- Concurrent requests for the same tutor in one process share one fetch (single-flight).
- A calendar error or timeout never reaches the booking pages: the stale copy is used if
  there is one, else nothing is subtracted; a warning is logged once per failed fetch,
  the error is recorded on the cache row, and no new fetch is tried for BUSY_CACHE_SECONDS
  (so an outage costs one timeout per tutor per period, not one per page view). A
  permanent error (a revoked grant, a missing permission or calendar) is also noted on the
  connection, so the tutor's account page says to reconnect.

Times are the `now` the caller passes (slot search's simulated clock in tests), never the
database's clock.
"""

from __future__ import annotations

import json
import logging
import threading
import uuid
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import text
from sqlmodel import Session

from tutorconnect.config import get_settings
from tutorconnect.db import autonomous_scope
from tutorconnect.services import calendar_connections

log = logging.getLogger(__name__)

_UTC = timezone.utc
FETCH_TIMEOUT_SECONDS = 5.0
# Google refuses a freeBusy range longer than 90 days ("The requested time range is too
# long", as cal.com found: calcom/cal.com#11704); longer windows are asked in pieces.
MAX_QUERY_DAYS = 89
# The window fetched reaches this far before now and past the horizon the caller needs.
WINDOW_SLACK = timedelta(days=1)

# One column of tutor_facts' tutor query: NULL when the tutor has no connection; else the
# cache as JSON (its fields NULL when nothing was cached yet).
CACHE_SQL = """
    (SELECT json_build_object(
                'calendar_id', c.calendar_id,
                'window_start', extract(epoch FROM bc.window_start),
                'window_end', extract(epoch FROM bc.window_end),
                'fetched_at', extract(epoch FROM bc.fetched_at),
                'last_error_at', extract(epoch FROM bc.last_error_at),
                'busy', bc.busy)
       FROM calendar_connections c LEFT JOIN calendar_busy_cache bc ON bc.user_id = c.user_id
      WHERE c.user_id = p.user_id)"""

_SNAPSHOT_SQL = text(f"SELECT {CACHE_SQL.replace('p.user_id', ':u')} AS google")

_STORE_SQL = text("""
    INSERT INTO calendar_busy_cache (user_id, window_start, window_end, busy, fetched_at, last_error, last_error_at)
    SELECT :u, :w0, :w1, CAST(:busy AS jsonb), :now, NULL, NULL
     WHERE EXISTS (SELECT 1 FROM calendar_connections WHERE user_id = :u)
    ON CONFLICT (user_id) DO UPDATE SET window_start = EXCLUDED.window_start, window_end = EXCLUDED.window_end,
        busy = EXCLUDED.busy, fetched_at = EXCLUDED.fetched_at, last_error = NULL, last_error_at = NULL""")

# An error keeps the stale copy (or makes an empty one that covers nothing).
_ERROR_SQL = text("""
    INSERT INTO calendar_busy_cache (user_id, window_start, window_end, busy, fetched_at, last_error, last_error_at)
    SELECT :u, :now, :now, '[]'::jsonb, :now, :e, :now
     WHERE EXISTS (SELECT 1 FROM calendar_connections WHERE user_id = :u)
    ON CONFLICT (user_id) DO UPDATE SET last_error = EXCLUDED.last_error, last_error_at = EXCLUDED.last_error_at""")


@dataclass(frozen=True)
class Cached:
    """What tutor_facts' query read: the connection's calendar and the cached copy, if any."""

    calendar_id: str
    window_start: datetime | None = None
    window_end: datetime | None = None
    fetched_at: datetime | None = None
    last_error_at: datetime | None = None
    busy: tuple[tuple[datetime, datetime], ...] = ()

    @classmethod
    def from_json(cls, raw: Any) -> "Cached | None":
        if not raw:
            return None
        if isinstance(raw, str):
            raw = json.loads(raw)

        def at(key: str) -> datetime | None:
            value = raw.get(key)
            return datetime.fromtimestamp(float(value), _UTC) if value is not None else None

        busy = tuple((_iso(a), _iso(b)) for a, b in raw.get("busy") or ())
        return cls(calendar_id=raw.get("calendar_id") or "primary", window_start=at("window_start"),
                   window_end=at("window_end"), fetched_at=at("fetched_at"), last_error_at=at("last_error_at"),
                   busy=busy)

    def covers(self, a: datetime, b: datetime) -> bool:
        return self.window_start is not None and self.window_end is not None \
            and self.window_start <= a and b <= self.window_end

    def age(self, now: datetime) -> timedelta | None:
        return now - self.fetched_at if self.fetched_at is not None else None


def _iso(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(_UTC)


def cache_seconds() -> int:
    return get_settings().busy_cache_seconds


def _recent(moment: datetime | None, now: datetime, ttl: timedelta) -> bool:
    # A moment "in the future" (a clock or a test's simulated time ahead) counts as old.
    return moment is not None and now - ttl < moment <= now + timedelta(seconds=5)


def _overlapping(busy, a: datetime, b: datetime) -> list[tuple[datetime, datetime]]:
    return [(s, e) for s, e in busy if s < b and a < e]


def snapshot(session: Session, tutor_id: uuid.UUID) -> Cached | None:
    """The connection and cache for a tutor (for callers without tutor_facts' query)."""
    return Cached.from_json(session.execute(_SNAPSHOT_SQL, {"u": tutor_id}).scalar())


def busy_between(session: Session, tutor_id: uuid.UUID, w0: datetime, w1: datetime, *, now: datetime,
                 horizon_end: datetime, cached: Cached | None) -> list[tuple[datetime, datetime]]:
    """Google busy intervals overlapping [w0, w1). `horizon_end`: the latest instant a
    bookable lesson of this tutor can reach (nothing later is fetched). Never raises."""
    if cached is None:
        return []
    need0, need1 = max(w0, now), min(w1, horizon_end)
    if need1 <= need0:
        return []  # only the past or beyond the horizon: nothing bookable to subtract from
    ttl = timedelta(seconds=cache_seconds())
    if _recent(cached.fetched_at, now, ttl) and cached.covers(need0, need1):
        return _overlapping(cached.busy, w0, w1)
    if _recent(cached.last_error_at, now, ttl):
        return _stale(cached, tutor_id, w0, w1, now, note=False)
    # From a little before now (a lesson's buffer before it may reach back before now) to
    # a little past the horizon (later requests within the cache's lifetime stay covered).
    window = (now - WINDOW_SLACK, max(horizon_end, need1) + WINDOW_SLACK)
    try:
        fetched = _single_flight(tutor_id, lambda: _fetch_and_store(session, tutor_id, cached.calendar_id,
                                                                      window, now))
    except _SharedFailure:  # another request's fetch failed: it logged and recorded it
        return _stale(cached, tutor_id, w0, w1, now, note=False)
    except Exception as err:  # noqa: BLE001 - a calendar problem must never break booking pages
        _record_error(tutor_id, err, now)
        return _stale(cached, tutor_id, w0, w1, now, note=True, err=err)
    return _overlapping(fetched, w0, w1)


def _stale(cached: Cached, tutor_id, w0, w1, now, *, note: bool, err: Exception | None = None):
    has_copy = cached.window_start is not None and cached.window_end is not None \
        and cached.window_end > cached.window_start
    age = cached.age(now) if has_copy else None
    if note:
        what = f"{getattr(err, 'status', '')} {getattr(err, 'reason', '') or type(err).__name__}".strip()
        if age is not None:
            log.warning("google calendar busy times unavailable (%s): using the copy from %ds ago",
                        what, int(age.total_seconds()), extra={"tutor_id": str(tutor_id)})
        else:
            log.warning("google calendar busy times unavailable (%s): not subtracting any", what,
                        extra={"tutor_id": str(tutor_id)})
    return _overlapping(cached.busy, w0, w1)


# Fetching -------------------------------------------------------------------------------------
_inflight: dict[uuid.UUID, Future] = {}
_inflight_lock = threading.Lock()


class _SharedFailure(Exception):
    """The fetch another request ran for us failed (or took too long)."""


def _single_flight(tutor_id: uuid.UUID, fetch) -> list[tuple[datetime, datetime]]:
    """Run `fetch` once per tutor at a time in this process; concurrent callers wait for
    (and share) its result or its error."""
    with _inflight_lock:
        shared = _inflight.get(tutor_id)
        mine = shared is None
        if mine:
            shared = _inflight[tutor_id] = Future()
    if not mine:
        try:
            return shared.result(timeout=FETCH_TIMEOUT_SECONDS * 2 + 1)
        except (FutureTimeout, Exception) as err:
            raise _SharedFailure(type(err).__name__) from err
    try:
        result = fetch()
    except BaseException as err:
        shared.set_exception(err)
        raise
    else:
        shared.set_result(result)
        return result
    finally:
        with _inflight_lock:
            _inflight.pop(tutor_id, None)


def _fetch_and_store(session: Session, tutor_id: uuid.UUID, calendar_id: str, window: tuple[datetime, datetime],
                     now: datetime) -> list[tuple[datetime, datetime]]:
    from tutorconnect.integrations import google_calendar  # the Calendar SDK loads only when used

    token = calendar_connections.refresh_token_for(session, tutor_id)
    if token is None:
        raise google_calendar.CalendarError(401, False, "no usable refresh token", "invalid_grant")
    creds = google_calendar.credentials_for(token)
    busy: list[tuple[datetime, datetime]] = []
    start, end = window
    while start < end:  # Google limits how long one query's range may be
        piece = min(end, start + timedelta(days=MAX_QUERY_DAYS))
        busy.extend(google_calendar.freebusy(creds, calendar_id, start, piece, timeout=FETCH_TIMEOUT_SECONDS))
        start = piece
    busy = _merge(busy)
    with autonomous_scope() as s:  # committed now, whatever the caller's transaction does
        s.execute(_STORE_SQL, {"u": tutor_id, "w0": window[0], "w1": window[1], "now": now,
                               "busy": json.dumps([[a.isoformat(), b.isoformat()] for a, b in busy])})
        calendar_connections.note_problem(s, tutor_id, None)
    return busy


def _merge(spans: list[tuple[datetime, datetime]]) -> list[tuple[datetime, datetime]]:
    out: list[tuple[datetime, datetime]] = []
    for a, b in sorted(spans):
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        elif b > a:
            out.append((a, b))
    return out


_PERMANENT_PROBLEM = "Google no longer lets TutorConnect read this calendar. Please reconnect it."


def _record_error(tutor_id: uuid.UUID, err: Exception, now: datetime) -> None:
    summary = f"{type(err).__name__}: {getattr(err, 'status', '')} {getattr(err, 'reason', '')}".strip()[:300]
    permanent = getattr(err, "transient", True) is False and getattr(err, "status", 0) in (401, 403, 404)
    try:
        with autonomous_scope() as s:
            s.execute(_ERROR_SQL, {"u": tutor_id, "now": now, "e": summary})
            if permanent:
                calendar_connections.note_problem(s, tutor_id, _PERMANENT_PROBLEM)
    except Exception:  # noqa: BLE001 - the database too? the page still gets its slots
        log.warning("google calendar busy times: could not record the error", exc_info=True,
                    extra={"tutor_id": str(tutor_id)})
