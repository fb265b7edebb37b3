"""Google Calendar v3: the ONLY module that uses googleapiclient.

With GOOGLE_EMULATOR_URL set, every call goes to the local emulator
(emulators/google/calendar_api.py, mounted in the Google emulator app) through
the same SDK code path; without it, to Google (same rule as integrations/google_oauth.py:
`settings.google_endpoint`). The discovery document is the one shipped with the SDK
(`static_discovery=True`), so building a client never touches the network.

Every call has a timeout (an httplib2.Http with TIMEOUT_SECONDS under google-auth's
AuthorizedHttp, which also refreshes the access token from the refresh token) and makes
exactly one attempt: retries belong to the caller (the outbox retries transient errors
with backoff). Every failure is a CalendarError:

    status     HTTP status (0: no answer: network error, timeout, refresh transport error)
    transient  True for 429, 5xx, 403 rate/quota limits and no answer: worth retrying
               later; False for the rest (403 forbidden, 404, 409 duplicate, 410 gone,
               400, a refresh token that was revoked)
    reason     Google's error reason when it gave one ("rateLimitExceeded", "duplicate",
               "invalid_grant", "timeout", ...)
"""

from __future__ import annotations

import json
import logging
import socket
from datetime import datetime, timezone
from typing import Any

import httplib2
from google.auth import exceptions as google_exceptions
from google.oauth2.credentials import Credentials
from google_auth_httplib2 import AuthorizedHttp
from googleapiclient import discovery
from googleapiclient.errors import HttpError

from tutorconnect.config import get_settings
from tutorconnect.integrations.google_oauth import REQUIRED_CALENDAR_SCOPES, TOKEN_URI

log = logging.getLogger(__name__)

API_ROOT = "https://www.googleapis.com/calendar/v3/"
EMULATOR_PATH = "/calendar/v3/"
# What the tutor grants when connecting a calendar (the connect flow in
# integrations/google_oauth.py asks for these): the lesson events, and free/busy.
SCOPES = list(REQUIRED_CALENDAR_SCOPES)
TIMEOUT_SECONDS = 10.0
# Google's documented "retry with backoff" 403 reasons (usage limits), as opposed to
# 403 forbidden / insufficientPermissions, which no retry fixes.
_RETRYABLE_403 = frozenset({"rateLimitExceeded", "userRateLimitExceeded", "quotaExceeded", "backendError"})


class CalendarError(Exception):
    def __init__(self, status: int, transient: bool, message: str, reason: str = ""):
        super().__init__(f"calendar {status} {reason}: {message}".strip())
        self.status, self.transient, self.message, self.reason = status, transient, message, reason

    def __reduce__(self):  # picklable (Celery and logs copy exceptions around)
        return (CalendarError, (self.status, self.transient, self.message, self.reason))


def _settings():
    return get_settings()


def api_endpoint() -> str:
    return _settings().google_endpoint(API_ROOT, EMULATOR_PATH)


def credentials_for(refresh_token: str) -> Credentials:
    """Credentials that mint access tokens from a stored refresh token (no token yet: the
    first call refreshes it, through the same timed-out HTTP client as the call)."""
    if not isinstance(refresh_token, str) or not refresh_token:
        raise CalendarError(401, False, "no refresh token", "invalid_grant")
    settings = _settings()
    return Credentials(
        token=None,
        refresh_token=refresh_token,
        token_uri=settings.google_endpoint(TOKEN_URI, "/token"),
        client_id=settings.google_client_id,
        client_secret=settings.google_client_secret,
        # No scopes: the refresh keeps what was granted (asking for scopes here would
        # fail a refresh whenever the grant was narrower).
    )


def _service(creds: Credentials, timeout: float) -> Any:
    http = AuthorizedHttp(creds, http=httplib2.Http(timeout=timeout))
    return discovery.build(
        "calendar", "v3", http=http, static_discovery=True, cache_discovery=False,
        client_options={"api_endpoint": api_endpoint()},
    )


def _google_reason(err: HttpError) -> tuple[str, str]:
    """(reason, message) from Google's JSON error body, as well as it can be read."""
    try:
        body = json.loads(err.content.decode("utf-8", "replace") if isinstance(err.content, bytes) else err.content)
        error = body.get("error", {}) if isinstance(body, dict) else {}
        if isinstance(error, str):  # OAuth-shaped {"error": "invalid_grant", ...}
            return error, str(body.get("error_description", ""))
        errors = error.get("errors") or [{}]
        return str(errors[0].get("reason", "") or error.get("status", "")), str(error.get("message", ""))
    except (ValueError, AttributeError, TypeError):
        return "", str(getattr(err, "reason", "") or "")


def _classify(err: Exception) -> CalendarError:
    if isinstance(err, CalendarError):
        return err
    if isinstance(err, HttpError):
        status = int(err.resp.status)
        reason, message = _google_reason(err)
        transient = status == 429 or status >= 500 or (status == 403 and reason in _RETRYABLE_403)
        return CalendarError(status, transient, message[:300], reason)
    if isinstance(err, google_exceptions.RefreshError):
        # invalid_grant (revoked, expired): the connection is broken; a refresh that
        # failed on a 5xx is marked retryable by google-auth.
        retryable = bool(getattr(err, "retryable", False))
        return CalendarError(401, retryable, str(err)[:300], "invalid_grant" if not retryable else "refresh_failed")
    if isinstance(err, google_exceptions.TransportError):
        return CalendarError(0, True, str(err)[:300], "network")
    if isinstance(err, (socket.timeout, TimeoutError)):
        return CalendarError(0, True, "timed out", "timeout")
    if isinstance(err, (OSError, httplib2.HttpLib2Error)):
        return CalendarError(0, True, f"{type(err).__name__}: {err}"[:300], "network")
    raise err


def _call(what: str, creds: Credentials, make_request, timeout: float | None) -> Any:
    try:
        request = make_request(_service(creds, timeout or TIMEOUT_SECONDS))
        return request.execute(num_retries=0)
    except Exception as exc:  # noqa: BLE001 - every failure becomes a CalendarError (or re-raises)
        err = _classify(exc)
        log.info("google calendar call failed", extra={"call": what, "status": err.status, "reason": err.reason,
                                                       "transient": err.transient})
        raise err from exc


def insert_event(creds: Credentials, calendar_id: str, event_id: str, body: dict[str, Any], *,
                 conference: bool = True, send_updates: str = "none", timeout: float | None = None) -> dict[str, Any]:
    """events.insert with our own id (409 `duplicate` when it exists: the caller reads it
    instead). `conference`: conferenceDataVersion=1, so a conferenceData.createRequest in
    the body makes a Meet conference."""
    return _call("events.insert", creds, lambda svc: svc.events().insert(
        calendarId=calendar_id, body={**body, "id": event_id}, conferenceDataVersion=1 if conference else 0,
        sendUpdates=send_updates), timeout)


def get_event(creds: Credentials, calendar_id: str, event_id: str, *, timeout: float | None = None) -> dict[str, Any]:
    """events.get (a deleted event comes back with status "cancelled")."""
    return _call("events.get", creds, lambda svc: svc.events().get(calendarId=calendar_id, eventId=event_id), timeout)


def patch_event(creds: Credentials, calendar_id: str, event_id: str, body: dict[str, Any], *,
                send_updates: str = "none", timeout: float | None = None) -> dict[str, Any]:
    """events.patch: the fields in `body` replace the event's (conference data kept)."""
    return _call("events.patch", creds, lambda svc: svc.events().patch(
        calendarId=calendar_id, eventId=event_id, body=body, conferenceDataVersion=1,
        sendUpdates=send_updates), timeout)


def delete_event(creds: Credentials, calendar_id: str, event_id: str, *, send_updates: str = "none",
                 timeout: float | None = None) -> None:
    """events.delete (410 `deleted` when it is already gone, 404 when it never was)."""
    _call("events.delete", creds, lambda svc: svc.events().delete(
        calendarId=calendar_id, eventId=event_id, sendUpdates=send_updates), timeout)


def _rfc3339(value: datetime) -> str:
    if value.tzinfo is None:
        raise ValueError("aware datetimes only")
    return value.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


def _parse(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(timezone.utc)


def freebusy(creds: Credentials, calendar_id: str, time_min: datetime, time_max: datetime, *,
             timeout: float | None = None) -> list[tuple[datetime, datetime]]:
    """The calendar's busy intervals overlapping [time_min, time_max), UTC, sorted (as
    Google returns them: merged). A per-calendar error in the answer (notFound, ...) is a
    CalendarError too."""
    body = {"timeMin": _rfc3339(time_min), "timeMax": _rfc3339(time_max), "items": [{"id": calendar_id}]}
    answer = _call("freebusy", creds, lambda svc: svc.freebusy().query(body=body), timeout)
    calendars = answer.get("calendars", {}) if isinstance(answer, dict) else {}
    entry = calendars.get(calendar_id)
    if entry is None and len(calendars) == 1:  # "primary" may come back under the address
        entry = next(iter(calendars.values()))
    if not isinstance(entry, dict):
        raise CalendarError(200, True, "freebusy answer without the calendar", "bad_answer")
    if entry.get("errors"):
        reason = str(entry["errors"][0].get("reason", "error"))
        raise CalendarError(404 if reason == "notFound" else 403, reason == "backendError", reason, reason)
    try:
        busy = [(_parse(b["start"]), _parse(b["end"])) for b in entry.get("busy", [])]
    except (KeyError, TypeError, ValueError) as err:
        raise CalendarError(200, True, f"unreadable busy block: {err}", "bad_answer") from err
    return sorted(busy)
