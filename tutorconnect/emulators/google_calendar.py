"""A local stand-in for the Google Calendar v3 endpoints TutorConnect uses.

Mounted in the Google emulator app (emulators/google_oauth.py `create_app`, same port),
so google-api-python-client (static discovery, `api_endpoint=<emulator>/calendar/v3/`)
and google-auth's token refresh run against it unchanged. Every API call needs a bearer
access token issued by that emulator's /token endpoint (401 otherwise) carrying one of the
scopes Calendar v3's discovery document lists for that method (403 insufficientPermissions
/ ACCESS_TOKEN_SCOPE_INSUFFICIENT otherwise), errors shaped like Google's JSON errors.
"primary" (or the account's address) is the token owner's calendar; any other calendar id
is 404.

    POST   /calendar/v3/calendars/{cal}/events            insert (?conferenceDataVersion=1)
    GET    /calendar/v3/calendars/{cal}/events            list (timeMin/timeMax, showDeleted)
    GET    /calendar/v3/calendars/{cal}/events/{id}       get (a deleted event: status "cancelled")
    PATCH  /calendar/v3/calendars/{cal}/events/{id}       patch
    PUT    /calendar/v3/calendars/{cal}/events/{id}       update (whole resource)
    DELETE /calendar/v3/calendars/{cal}/events/{id}       delete (410 when already deleted)
    POST   /calendar/v3/freeBusy                          freeBusy query

Like Google: an insert with an id that exists (deleted or not) is 409 `duplicate`; ids are
base32hex (a-v, 0-9), 5-1024 characters; with conferenceDataVersion=1 a
conferenceData.createRequest (type hangoutsMeet) starts "pending" and becomes "success"
(hangoutLink, entryPoints) once it has been read `ready_after_reads` times or is
`ready_after_seconds` old (either; both configurable, or "failure"); with version 0
conferenceData in the body is ignored. events.patch merges (fields not in the request are
kept, objects merge, arrays replace, null deletes). freeBusy merges the account's events
(not cancelled, not transparent) with busy blocks seeded through the controls; it refuses
an empty or reversed range (400 timeRangeEmpty) and one longer than 90 days (400
timeRangeTooLong), and answers calendars past calendarExpansionMax (at most 50) with the
per-calendar error tooManyCalendarsRequested.

Test controls (under the emulator's /_emulator prefix):
    POST   /_emulator/calendar/grant     {email, scopes?}: an offline grant for the app's
                                         client without the consent screen -> refresh_token
    POST   /_emulator/calendar/busy      {email, start, end} or {email, blocks: [[s, e], ...]}
    POST   /_emulator/calendar/faults    {endpoint, status, count, reason?, hang_seconds?}
                                         the next `count` calls of `endpoint` ("events.insert",
                                         "events.get", "events.patch", "events.delete",
                                         "events.list", "freebusy" or "*") fail with `status`
    GET/DELETE /_emulator/calendar/faults
    POST   /_emulator/calendar/config    {conference_ready_after_reads, conference_ready_after_seconds,
                                         conference_outcome: "success"|"failure"}
    GET    /_emulator/calendar/events    ?email=  every stored event (deleted ones flagged)
    GET    /_emulator/calendar/calls     calls per endpoint (faulted ones included)
    POST   /_emulator/calendar/reset
"""

from __future__ import annotations

import asyncio
import copy
import json
import re
import secrets
import string
import threading
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

API = "/calendar/v3"
CONTROL = "/_emulator/calendar"
# Our endpoint names -> the method ids of Calendar v3's discovery document.
METHOD_IDS = {
    "events.insert": "calendar.events.insert", "events.get": "calendar.events.get",
    "events.patch": "calendar.events.patch", "events.update": "calendar.events.update",
    "events.delete": "calendar.events.delete", "events.list": "calendar.events.list",
    "freebusy": "calendar.freebusy.query",
}
ENDPOINTS = tuple(METHOD_IDS)
_SCOPE = "https://www.googleapis.com/auth/"
DEFAULT_GRANT_SCOPES = (_SCOPE + "calendar.events", _SCOPE + "calendar.freebusy")


def _discovery_scopes() -> dict[str, frozenset[str]]:
    """The scopes Google accepts per method, read from the Calendar v3 discovery document
    the SDK ships (the same list as each method's "Authorization" section, e.g.
    https://developers.google.com/workspace/calendar/api/v3/reference/freebusy/query#auth
    and https://developers.google.com/workspace/calendar/api/v3/reference/events/insert#auth)."""
    from googleapiclient.discovery_cache import get_static_doc

    doc = json.loads(get_static_doc("calendar", "v3") or "{}")
    by_id: dict[str, frozenset[str]] = {}

    def walk(resources: dict[str, Any]) -> None:
        for resource in resources.values():
            for method in resource.get("methods", {}).values():
                by_id[method["id"]] = frozenset(method.get("scopes", ()))
            walk(resource.get("resources", {}))

    walk(doc.get("resources", {}))
    missing = [m for m in METHOD_IDS.values() if not by_id.get(m)]
    if missing:
        raise RuntimeError(f"calendar v3 discovery document lacks scopes for {missing}")
    return {endpoint: by_id[method_id] for endpoint, method_id in METHOD_IDS.items()}


SCOPES_BY_ENDPOINT = _discovery_scopes()
# The rpc method names Google puts in ErrorInfo.metadata.method (calendar.v3.<Resource>.<Method>).
_RPC_METHODS = {
    "events.insert": "calendar.v3.Events.Insert", "events.get": "calendar.v3.Events.Get",
    "events.patch": "calendar.v3.Events.Patch", "events.update": "calendar.v3.Events.Update",
    "events.delete": "calendar.v3.Events.Delete", "events.list": "calendar.v3.Events.List",
    "freebusy": "calendar.v3.Freebusy.Query",
}
# freeBusy.query: Google refuses a range longer than this with 400 (not in the reference
# pages; observed and documented by integrators: "The Google /freeBusy endpoint has a
# maximum time span of 90 days", https://github.com/calcom/cal.com/pull/11962 ,
# https://github.com/calcom/cal.com/issues/11704). tutorconnect/services/busy_times.py
# asks in pieces of MAX_QUERY_DAYS (89) for this reason.
FREEBUSY_MAX_RANGE = timedelta(days=90)
# FreeBusyRequest.calendarExpansionMax: "Maximal number of calendars for which FreeBusy
# information is to be provided. Optional. Maximum value is 50."
# https://developers.google.com/workspace/calendar/api/v3/reference/freebusy/query#request-body
FREEBUSY_MAX_CALENDARS = 50
_EVENT_ID = re.compile(r"^[a-v0-9]{5,1024}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MEET_BASE = "https://meet.google.com"

# Google's error reasons, messages and domains by status (what an injected fault says).
_DEFAULTS = {
    400: ("badRequest", "Bad Request", "global"),
    401: ("authError", "Invalid Credentials", "global"),
    403: ("rateLimitExceeded", "Rate Limit Exceeded", "usageLimits"),
    404: ("notFound", "Not Found", "global"),
    409: ("duplicate", "The requested identifier already exists.", "global"),
    410: ("deleted", "Resource has been deleted", "global"),
    429: ("rateLimitExceeded", "Rate Limit Exceeded", "usageLimits"),
    500: ("backendError", "Backend Error", "global"),
    502: ("backendError", "Bad Gateway", "global"),
    503: ("backendError", "The service is currently unavailable.", "global"),
    504: ("backendError", "Gateway Timeout", "global"),
}
_STATUS_NAMES = {400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED", 404: "NOT_FOUND",
                 409: "ALREADY_EXISTS", 410: "NOT_FOUND", 429: "RESOURCE_EXHAUSTED", 500: "INTERNAL",
                 503: "UNAVAILABLE"}


_REASON_MESSAGES = {
    "forbidden": ("Forbidden", "global"),
    "insufficientPermissions": ("Insufficient Permission", "global"),
    "userRateLimitExceeded": ("User Rate Limit Exceeded", "usageLimits"),
    "quotaExceeded": ("Calendar usage limits exceeded.", "usageLimits"),
}


class CalendarApiError(Exception):
    """Google's JSON error (https://developers.google.com/workspace/calendar/api/guides/errors):
    {"error": {"errors": [{domain, reason, message, ...}], "code", "message", "status"?,
    "details"?}}. `top_message`: error.message when it differs from the item's message
    (Google's scope error does that); `details`: google.rpc error details."""

    def __init__(self, status: int, reason: str | None = None, message: str | None = None,
                 domain: str | None = None, *, top_message: str | None = None,
                 details: list[dict[str, Any]] | None = None, headers: dict[str, str] | None = None,
                 **extra: str):
        d_reason, d_message, d_domain = _DEFAULTS.get(status, ("error", "Error", "global"))
        if reason in _REASON_MESSAGES:
            d_message, d_domain = _REASON_MESSAGES[reason]
        self.status, self.reason = status, reason or d_reason
        self.message, self.domain, self.extra = message or d_message, domain or d_domain, extra
        self.top_message, self.details, self.headers = top_message, details, headers
        super().__init__(self.message)

    def response(self) -> JSONResponse:
        item = {"domain": self.domain, "reason": self.reason, "message": self.message, **self.extra}
        body: dict[str, Any] = {"error": {"errors": [item], "code": self.status,
                                          "message": self.top_message or self.message}}
        if self.status in _STATUS_NAMES:
            body["error"]["status"] = _STATUS_NAMES[self.status]
        if self.details:
            body["error"]["details"] = self.details
        headers = {"WWW-Authenticate": 'Bearer realm="https://accounts.google.com/", error="invalid_token"'} \
            if self.status == 401 else {}
        return JSONResponse(body, status_code=self.status, headers={**headers, **(self.headers or {})})


def _time_range_empty() -> CalendarApiError:
    # The errors guide's own 400 example, field for field:
    # https://developers.google.com/workspace/calendar/api/guides/errors#400_bad_request
    return CalendarApiError(400, "timeRangeEmpty", "The specified time range is empty.", "calendar",
                            locationType="parameter", location="timeMax")


def _insufficient_scope(endpoint: str, accepted: frozenset[str]) -> CalendarApiError:
    """A token without any of the method's scopes: 403 PERMISSION_DENIED, legacy reason
    insufficientPermissions plus a google.rpc.ErrorInfo ACCESS_TOKEN_SCOPE_INSUFFICIENT
    (https://github.com/googleapis/googleapis/blob/master/google/api/error_reason.proto ,
    https://cloud.google.com/apis/design/errors#error_info ; the body Calendar sends, e.g.
    https://github.com/googleapis/google-api-python-client/issues/1296), and RFC 6750's
    WWW-Authenticate error="insufficient_scope" (https://www.rfc-editor.org/rfc/rfc6750#section-3.1)."""
    return CalendarApiError(
        403, "insufficientPermissions", "Insufficient Permission", "global",
        top_message="Request had insufficient authentication scopes.",
        details=[{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "ACCESS_TOKEN_SCOPE_INSUFFICIENT",
                  "domain": "googleapis.com", "metadata": {"service": "calendar-json.googleapis.com",
                                                           "method": _RPC_METHODS[endpoint]}}],
        headers={"WWW-Authenticate": 'Bearer realm="https://accounts.google.com/", error="insufficient_scope", '
                                     f'scope="{" ".join(sorted(accepted))}"'},
    )


@dataclass
class Fault:
    endpoint: str
    status: int
    remaining: int
    reason: str | None = None
    hang_seconds: float = 0.0


@dataclass
class StoredEvent:
    resource: dict[str, Any]
    created_at: float = field(default_factory=time.monotonic)
    reads: int = 0
    deleted: bool = False


def _now_rfc3339() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _rfc3339(value: datetime) -> str:
    return value.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


def _parse_instant(raw: object, what: str) -> datetime:
    if not isinstance(raw, str):
        raise CalendarApiError(400, "required", f"Missing {what} parameter.")
    try:
        value = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise CalendarApiError(400, "invalid", f"Bad Request: invalid {what}") from None
    if value.tzinfo is None:
        raise CalendarApiError(400, "invalid", f"Bad Request: {what} needs an offset")
    return value.astimezone(timezone.utc)


def _event_time(raw: object, which: str) -> tuple[datetime, bool]:
    """(instant UTC, all-day?) of an event's start/end object, validated like Google."""
    if not isinstance(raw, dict):
        raise CalendarApiError(400, "required", f"Missing {which} time.")
    zone_name = raw.get("timeZone")
    zone: Any = timezone.utc
    if zone_name is not None:
        try:
            zone = ZoneInfo(str(zone_name))
        except (ZoneInfoNotFoundError, ValueError):
            raise CalendarApiError(400, "invalid", f"Invalid time zone definition for {which} time.") from None
    if raw.get("dateTime") is not None:
        try:
            value = datetime.fromisoformat(str(raw["dateTime"]).replace("Z", "+00:00"))
        except ValueError:
            raise CalendarApiError(400, "invalid", f"Invalid {which} time.") from None
        if value.tzinfo is None:
            if zone_name is None:
                raise CalendarApiError(400, "required", f"Missing time zone definition for {which} time.")
            value = value.replace(tzinfo=zone)
        return value.astimezone(timezone.utc), False
    if raw.get("date") is not None:
        try:
            day = date.fromisoformat(str(raw["date"]))
        except ValueError:
            raise CalendarApiError(400, "invalid", f"Invalid {which} time.") from None
        return datetime(day.year, day.month, day.day, tzinfo=zone).astimezone(timezone.utc), True
    raise CalendarApiError(400, "required", f"Missing {which} time.")


# Event fields Google computes (the Events resource marks them read-only, or they are the
# server's bookkeeping): never taken from a request; _build sets them. conferenceData has
# its own rules (conferenceDataVersion), see CalendarState._conference.
_READ_ONLY = frozenset({"kind", "etag", "id", "htmlLink", "created", "updated", "creator", "organizer",
                        "iCalUID", "sequence", "hangoutLink", "conferenceData", "eventType"})


def _merge_patch(current: dict[str, Any], request: dict[str, Any]) -> dict[str, Any]:
    """Google's patch semantics: fields not in the request keep their values; an object in
    the request is merged into the stored one ("The modified data you send is merged into
    the data for the parent object"); an array replaces the stored array; null deletes the
    field. https://developers.google.com/workspace/calendar/api/guides/performance#patch and
    events.patch ("Fields that you don't specify in the request remain unchanged. Array
    fields, if specified, overwrite the existing arrays"),
    https://developers.google.com/workspace/calendar/api/v3/reference/events/patch"""
    merged = copy.deepcopy(current)
    for key, value in request.items():
        if value is None:
            merged.pop(key, None)
        elif isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge_patch(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def _meet_code() -> str:
    letters = string.ascii_lowercase
    return "-".join("".join(secrets.choice(letters) for _ in range(n)) for n in (3, 4, 3))


class CalendarState:
    """Events per account, seeded busy blocks, faults, conference timing. Thread-safe."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.events: dict[str, dict[str, StoredEvent]] = {}
            self.busy: dict[str, list[tuple[datetime, datetime]]] = {}
            self.faults: list[Fault] = []
            self.calls: dict[str, int] = {}
            self.ready_after_reads: int | None = 1
            self.ready_after_seconds: float | None = 2.0
            self.conference_outcome = "success"
            self.meet_base = MEET_BASE

    # Faults and counters ---------------------------------------------------------------
    def add_fault(self, endpoint: str, status: int, count: int, reason: str | None = None,
                  hang_seconds: float = 0.0) -> Fault:
        if endpoint != "*" and endpoint not in ENDPOINTS:
            raise ValueError(f"endpoint must be one of {', '.join(ENDPOINTS)} or *")
        if not 400 <= int(status) <= 599 or int(count) < 1 or not 0 <= float(hang_seconds) <= 120:
            raise ValueError("status 400-599, count >= 1, hang_seconds 0-120")
        fault = Fault(endpoint, int(status), int(count), reason, float(hang_seconds))
        with self.lock:
            self.faults.append(fault)
        return fault

    def take_fault(self, endpoint: str) -> Fault | None:
        with self.lock:
            self.calls[endpoint] = self.calls.get(endpoint, 0) + 1
            for fault in self.faults:
                if fault.remaining > 0 and fault.endpoint in (endpoint, "*"):
                    fault.remaining -= 1
                    return fault
        return None

    # Busy blocks --------------------------------------------------------------------------
    def seed_busy(self, email: str, blocks: list[tuple[datetime, datetime]]) -> None:
        with self.lock:
            self.busy.setdefault(email.lower(), []).extend(blocks)

    # Conferences --------------------------------------------------------------------------
    def _advance_conference(self, stored: StoredEvent, *, read: bool) -> None:
        conf = stored.resource.get("conferenceData")
        if not conf or conf.get("createRequest", {}).get("status", {}).get("statusCode") != "pending":
            return
        if read:
            stored.reads += 1
        by_reads = self.ready_after_reads is not None and stored.reads >= self.ready_after_reads
        by_time = (self.ready_after_seconds is not None
                   and time.monotonic() - stored.created_at >= self.ready_after_seconds)
        if not (by_reads or by_time):
            return
        if self.conference_outcome == "failure":
            conf["createRequest"]["status"]["statusCode"] = "failure"
            return
        code = _meet_code()
        uri = f"{self.meet_base}/{code}"
        conf["createRequest"]["status"]["statusCode"] = "success"
        conf.update({
            "entryPoints": [
                {"entryPointType": "video", "uri": uri, "label": uri.split("://", 1)[-1]},
                {"entryPointType": "more", "uri": f"https://tel.meet/{code}?pin=1234567890", "pin": "1234567890"},
            ],
            "conferenceSolution": {"key": {"type": "hangoutsMeet"}, "name": "Google Meet",
                                   "iconUri": "https://fonts.gstatic.com/s/i/productlogos/meet_2020q4/v6/web-512dp/logo_meet_2020q4_color_2x_web_512dp.png"},
            "conferenceId": code,
        })
        stored.resource["hangoutLink"] = uri
        self._touch(stored)

    @staticmethod
    def _touch(stored: StoredEvent) -> None:
        stored.resource["updated"] = _now_rfc3339()
        stored.resource["etag"] = f'"{time.time_ns() // 1000}"'

    def view(self, stored: StoredEvent, *, read: bool = True) -> dict[str, Any]:
        with self.lock:
            self._advance_conference(stored, read=read)
            return copy.deepcopy(stored.resource)

    # Events -------------------------------------------------------------------------------
    def _calendar(self, email: str) -> dict[str, StoredEvent]:
        return self.events.setdefault(email, {})

    def _conference(self, body: dict[str, Any], version: int, existing: dict[str, Any] | None) -> dict[str, Any] | None:
        if version < 1 or "conferenceData" not in body:
            return existing
        conf = body.get("conferenceData")
        if conf is None:
            return None
        if not isinstance(conf, dict):
            raise CalendarApiError(400, "invalid", "Invalid conference data.")
        request = conf.get("createRequest")
        if request is None:
            return existing if existing is not None else (copy.deepcopy(conf) or None)
        if existing is not None and existing.get("createRequest", {}).get("requestId") == request.get("requestId"):
            return existing  # the same request again: nothing new is made
        if not isinstance(request, dict) or not isinstance(request.get("requestId"), str) or not request["requestId"]:
            raise CalendarApiError(400, "required", "Missing conference request id.")
        kind = (request.get("conferenceSolutionKey") or {}).get("type")
        if kind != "hangoutsMeet":
            raise CalendarApiError(400, "invalid", "Invalid conference type value.")
        return {"createRequest": {"requestId": request["requestId"], "conferenceSolutionKey": {"type": kind},
                                  "status": {"statusCode": "pending"}}}

    def _build(self, email: str, event_id: str, body: dict[str, Any], version: int,
               base: dict[str, Any] | None) -> dict[str, Any]:
        start, start_all_day = _event_time(body.get("start"), "start")
        end, end_all_day = _event_time(body.get("end"), "end")
        if start_all_day != end_all_day:
            raise CalendarApiError(400, "invalid", "Start and end times must either both be date or both be dateTime.")
        if end < start or (end == start and start_all_day):
            raise CalendarApiError(400, "timeRangeEmpty", "The specified time range is empty.", "calendar")
        attendees = body.get("attendees") or []
        if not isinstance(attendees, list) or any(
                not isinstance(a, dict) or not _EMAIL.match(str(a.get("email", ""))) for a in attendees):
            raise CalendarApiError(400, "invalid", "Invalid attendee email.")
        status = body.get("status", (base or {}).get("status", "confirmed"))
        if status not in ("confirmed", "tentative", "cancelled"):
            raise CalendarApiError(400, "invalid", "Invalid event status.")
        now = _now_rfc3339()
        resource = {
            **{k: copy.deepcopy(v) for k, v in body.items() if k not in ("conferenceData", "id")},
            "kind": "calendar#event",
            "id": event_id,
            "status": status,
            "htmlLink": f"https://www.google.com/calendar/event?eid={event_id}",
            "created": (base or {}).get("created", now),
            "updated": now,
            "creator": {"email": email, "self": True},
            "organizer": {"email": email, "self": True},
            "iCalUID": f"{event_id}@google.com",
            "sequence": int((base or {}).get("sequence", -1)) + 1,
            "reminders": body.get("reminders") or {"useDefault": True},
            "eventType": "default",
        }
        if attendees:
            resource["attendees"] = [{**a, "responseStatus": a.get("responseStatus", "needsAction")}
                                     for a in attendees]
        conference = self._conference(body, version, (base or {}).get("conferenceData"))
        if conference is not None:
            resource["conferenceData"] = conference
            if (base or {}).get("hangoutLink") and conference is (base or {}).get("conferenceData"):
                resource["hangoutLink"] = base["hangoutLink"]  # type: ignore[index]
        resource["etag"] = f'"{time.time_ns() // 1000}"'
        return resource

    def insert(self, email: str, body: dict[str, Any], version: int) -> dict[str, Any]:
        event_id = body.get("id")
        if event_id is None:
            event_id = secrets.token_hex(13)  # hex digits are valid base32hex
        if not isinstance(event_id, str) or not _EVENT_ID.match(event_id):
            raise CalendarApiError(400, "invalid", "Invalid resource id value.")
        with self.lock:
            calendar = self._calendar(email)
            if event_id in calendar:
                raise CalendarApiError(409)
            stored = StoredEvent(self._build(email, event_id, body, version, None))
            calendar[event_id] = stored
            return self.view(stored, read=False)

    def find(self, email: str, event_id: str) -> StoredEvent:
        with self.lock:
            stored = self._calendar(email).get(event_id)
        if stored is None:
            raise CalendarApiError(404)
        return stored

    def patch(self, email: str, event_id: str, body: dict[str, Any], version: int, *,
              replace: bool = False) -> dict[str, Any]:
        """events.patch (`replace=False`) or events.update (`replace=True`: the body is the
        whole writable event). The read-only fields and conferenceData are _build's."""
        with self.lock:
            stored = self.find(email, event_id)
            self._advance_conference(stored, read=False)
            current = stored.resource
            request = {k: v for k, v in body.items() if k not in ("id", "conferenceData")}
            if replace:
                merged = request
            else:
                writable = {k: v for k, v in current.items() if k not in _READ_ONLY}
                merged = _merge_patch(writable, request)
            if "conferenceData" in body and version >= 1:
                merged["conferenceData"] = body["conferenceData"]
            updated = self._build(email, event_id, merged, version, current)
            if "status" not in body and stored.deleted:
                updated["status"] = "cancelled"
            stored.resource = updated
            stored.deleted = updated["status"] == "cancelled"
            return copy.deepcopy(updated)

    def delete(self, email: str, event_id: str) -> None:
        with self.lock:
            stored = self.find(email, event_id)
            if stored.deleted:
                raise CalendarApiError(410)
            stored.deleted = True
            stored.resource["status"] = "cancelled"
            stored.resource["sequence"] = int(stored.resource.get("sequence", 0)) + 1
            self._touch(stored)

    def busy_for(self, email: str, start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
        with self.lock:
            spans = list(self.busy.get(email, []))
            for stored in self._calendar(email).values():
                r = stored.resource
                if stored.deleted or r.get("status") == "cancelled" or r.get("transparency") == "transparent":
                    continue
                spans.append((_event_time(r["start"], "start")[0], _event_time(r["end"], "end")[0]))
        clipped = sorted((max(s, start), min(e, end)) for s, e in spans if s < end and e > start)
        merged: list[tuple[datetime, datetime]] = []
        for s, e in clipped:
            if merged and s <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(merged[-1][1], e))
            else:
                merged.append((s, e))
        return merged

    def snapshot(self, email: str | None = None) -> list[dict[str, Any]]:
        with self.lock:
            owners = [email.lower()] if email else sorted(self.events)
            return [{"calendar": owner, "deleted": s.deleted, "reads": s.reads, **copy.deepcopy(s.resource)}
                    for owner in owners for s in self.events.get(owner, {}).values()]


# Request plumbing ---------------------------------------------------------------------------
def _states(request: Request) -> tuple[Any, CalendarState]:
    emu = request.app.state.emulator
    return emu, emu.calendar


def _owner(request: Request, endpoint: str) -> str:
    """The account whose bearer token this is; 401 (errors guide: authError, "Invalid
    Credentials", location Authorization) / 403 (no scope the discovery document lists for
    the method) like Google."""
    emu, _ = _states(request)
    header = request.headers.get("authorization", "")
    token = header[7:].strip() if header.lower().startswith("bearer ") else ""
    with emu.lock:
        grant = emu.access_tokens.get(token) if token else None
    if grant is None or grant.expires_at < time.time():
        raise CalendarApiError(401, "authError", "Invalid Credentials", location="Authorization",
                               locationType="header")
    accepted = SCOPES_BY_ENDPOINT[endpoint]
    if not accepted.intersection(grant.scopes):
        raise _insufficient_scope(endpoint, accepted)
    return grant.account.email.lower()


def _calendar_owner(owner: str, calendar_id: str) -> str:
    if calendar_id == "primary" or calendar_id.lower() == owner:
        return owner
    raise CalendarApiError(404)


async def _json_body(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if not raw:
        return {}
    try:
        body = json.loads(raw)
    except ValueError:
        raise CalendarApiError(400, "parseError", "Parse Error") from None
    if not isinstance(body, dict):
        raise CalendarApiError(400, "parseError", "Parse Error")
    return body


def _version(request: Request) -> int:
    raw = request.query_params.get("conferenceDataVersion", "0")
    if raw not in ("0", "1"):
        raise CalendarApiError(400, "invalid", "Invalid conferenceDataVersion value.")
    return int(raw)


async def _api(request: Request, endpoint: str, handler) -> Response:
    _, cal = _states(request)
    try:
        owner = _owner(request, endpoint)
        fault = cal.take_fault(endpoint)
        if fault is not None:
            if fault.hang_seconds:
                await asyncio.sleep(fault.hang_seconds)
            raise CalendarApiError(fault.status, fault.reason)
        return await handler(owner)
    except CalendarApiError as err:
        return err.response()


# API routes ---------------------------------------------------------------------------------
async def events_collection(request: Request) -> Response:
    _, cal = _states(request)
    calendar_id = request.path_params["calendar_id"]
    if request.method == "POST":
        async def insert(owner: str) -> Response:
            email = _calendar_owner(owner, calendar_id)
            return JSONResponse(cal.insert(email, await _json_body(request), _version(request)))
        return await _api(request, "events.insert", insert)

    async def list_(owner: str) -> Response:
        email = _calendar_owner(owner, calendar_id)
        q = request.query_params
        lo = _parse_instant(q["timeMin"], "timeMin") if "timeMin" in q else None
        hi = _parse_instant(q["timeMax"], "timeMax") if "timeMax" in q else None
        show_deleted = q.get("showDeleted") == "true"
        with cal.lock:
            stored = list(cal._calendar(email).values())
        items = []
        for s in stored:
            if s.deleted and not show_deleted:
                continue
            start, end = _event_time(s.resource["start"], "start")[0], _event_time(s.resource["end"], "end")[0]
            if (lo and end <= lo) or (hi and start >= hi):
                continue
            items.append(cal.view(s))
        items.sort(key=lambda r: _event_time(r["start"], "start")[0])
        return JSONResponse({"kind": "calendar#events", "summary": email, "timeZone": "UTC",
                             "updated": _now_rfc3339(), "items": items})
    return await _api(request, "events.list", list_)


async def event_resource(request: Request) -> Response:
    _, cal = _states(request)
    calendar_id, event_id = request.path_params["calendar_id"], request.path_params["event_id"]
    method = request.method
    if method == "GET":
        async def get(owner: str) -> Response:
            return JSONResponse(cal.view(cal.find(_calendar_owner(owner, calendar_id), event_id)))
        return await _api(request, "events.get", get)
    if method in ("PATCH", "PUT"):
        async def patch(owner: str) -> Response:
            email = _calendar_owner(owner, calendar_id)
            return JSONResponse(cal.patch(email, event_id, await _json_body(request), _version(request),
                                          replace=method == "PUT"))
        return await _api(request, "events.patch" if method == "PATCH" else "events.update", patch)

    async def delete(owner: str) -> Response:
        cal.delete(_calendar_owner(owner, calendar_id), event_id)
        return Response(status_code=204)
    return await _api(request, "events.delete", delete)


async def freebusy(request: Request) -> Response:
    _, cal = _states(request)

    async def query(owner: str) -> Response:
        body = await _json_body(request)
        lo, hi = _parse_instant(body.get("timeMin"), "timeMin"), _parse_instant(body.get("timeMax"), "timeMax")
        if hi <= lo:  # an empty or reversed range (errors guide, 400 timeRangeEmpty)
            raise _time_range_empty()
        if hi - lo > FREEBUSY_MAX_RANGE:  # observed limit, see FREEBUSY_MAX_RANGE
            raise CalendarApiError(400, "timeRangeTooLong", "The requested time range is too long.", "calendar")
        limit = body.get("calendarExpansionMax", FREEBUSY_MAX_CALENDARS)
        if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= FREEBUSY_MAX_CALENDARS:
            raise CalendarApiError(400, "invalid", "Invalid value for: calendarExpansionMax", "global")
        items = body.get("items") or []
        if not isinstance(items, list):
            raise CalendarApiError(400, "invalid", "Invalid items.")
        calendars: dict[str, Any] = {}
        for n, item in enumerate(items):
            cid = str((item or {}).get("id", "")) if isinstance(item, dict) else ""
            if n >= limit:
                # Calendars past the limit get a per-calendar error in the 200 answer: the
                # Error schema's reason "tooManyCalendarsRequested" ("The number of calendars
                # requested is too large for a single query"),
                # https://developers.google.com/workspace/calendar/api/v3/reference/freebusy/query#response
                calendars[cid] = {"errors": [{"domain": "global", "reason": "tooManyCalendarsRequested"}], "busy": []}
                continue
            try:
                email = _calendar_owner(owner, cid)
            except CalendarApiError:
                calendars[cid] = {"errors": [{"domain": "global", "reason": "notFound"}], "busy": []}
                continue
            calendars[cid] = {"busy": [{"start": _rfc3339(s), "end": _rfc3339(e)}
                                       for s, e in cal.busy_for(email, lo, hi)]}
        return JSONResponse({"kind": "calendar#freeBusy", "timeMin": _rfc3339(lo), "timeMax": _rfc3339(hi),
                             "calendars": calendars})
    return await _api(request, "freebusy", query)


# Controls -----------------------------------------------------------------------------------
def _control_error(message: str, status: int = 400) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


async def control_grant(request: Request) -> JSONResponse:
    from tutorconnect.emulators.google_oauth import Grant  # the OAuth side of the same emulator

    emu, _ = _states(request)
    try:
        body = await request.json()
        email = str(body["email"]).strip().lower()
        scopes = [str(s) for s in body.get("scopes") or DEFAULT_GRANT_SCOPES]
    except (ValueError, KeyError, TypeError):
        return _control_error("Send JSON {email, scopes?}.")
    account = emu.account(email) or emu.add_account(email)
    grant = Grant(account, emu.client_id, scopes, float("inf"), offline=True)
    tokens = emu.mint(grant, str(request.base_url).rstrip("/"), with_refresh=True)
    return JSONResponse({"email": account.email, "refresh_token": tokens["refresh_token"],
                         "access_token": tokens["access_token"], "scope": tokens["scope"]}, status_code=201)


async def control_busy(request: Request) -> JSONResponse:
    _, cal = _states(request)
    try:
        body = await request.json()
        email = str(body["email"]).strip().lower()
        pairs = body.get("blocks") or [[body["start"], body["end"]]]
        blocks = [(_parse_instant(s, "start"), _parse_instant(e, "end")) for s, e in pairs]
    except (ValueError, KeyError, TypeError, CalendarApiError):
        return _control_error("Send JSON {email, start, end} or {email, blocks: [[start, end], ...]} (RFC 3339).")
    if any(e <= s for s, e in blocks):
        return _control_error("Each block must end after it starts.")
    cal.seed_busy(email, blocks)
    return JSONResponse({"email": email, "blocks": len(blocks)}, status_code=201)


async def control_faults(request: Request) -> JSONResponse:
    _, cal = _states(request)
    if request.method == "DELETE":
        with cal.lock:
            cal.faults.clear()
        return JSONResponse({"ok": True})
    if request.method == "POST":
        try:
            body = await request.json()
            cal.add_fault(str(body["endpoint"]), int(body["status"]), int(body.get("count", 1)),
                          body.get("reason"), float(body.get("hang_seconds", 0)))
        except (KeyError, TypeError, ValueError) as err:
            return _control_error(f"Send JSON {{endpoint, status, count, reason?, hang_seconds?}}: {err}")
    with cal.lock:
        faults = [vars(f).copy() for f in cal.faults]
    return JSONResponse(faults, status_code=201 if request.method == "POST" else 200)


async def control_config(request: Request) -> JSONResponse:
    _, cal = _states(request)
    try:
        body = await request.json()
        with cal.lock:
            if "conference_ready_after_reads" in body:
                reads = body["conference_ready_after_reads"]
                cal.ready_after_reads = None if reads is None else max(0, int(reads))
            if "conference_ready_after_seconds" in body:
                seconds = body["conference_ready_after_seconds"]
                cal.ready_after_seconds = None if seconds is None else max(0.0, float(seconds))
            if "conference_outcome" in body:
                if body["conference_outcome"] not in ("success", "failure"):
                    raise ValueError("conference_outcome: success or failure")
                cal.conference_outcome = body["conference_outcome"]
            if "meet_base" in body:
                cal.meet_base = str(body["meet_base"]).rstrip("/")
    except (ValueError, TypeError, AttributeError) as err:
        return _control_error(f"Bad config: {err}")
    return JSONResponse({"conference_ready_after_reads": cal.ready_after_reads,
                         "conference_ready_after_seconds": cal.ready_after_seconds,
                         "conference_outcome": cal.conference_outcome, "meet_base": cal.meet_base})


async def control_events(request: Request) -> JSONResponse:
    _, cal = _states(request)
    return JSONResponse(cal.snapshot(request.query_params.get("email")))


async def control_calls(request: Request) -> JSONResponse:
    _, cal = _states(request)
    with cal.lock:
        return JSONResponse(dict(cal.calls))


async def control_reset(request: Request) -> JSONResponse:
    _states(request)[1].reset()
    return JSONResponse({"ok": True})


def routes() -> list[Route]:
    return [
        Route(f"{API}/calendars/{{calendar_id}}/events", events_collection, methods=["GET", "POST"]),
        Route(f"{API}/calendars/{{calendar_id}}/events/{{event_id}}", event_resource,
              methods=["GET", "PATCH", "PUT", "DELETE"]),
        Route(f"{API}/freeBusy", freebusy, methods=["POST"]),
        Route(f"{CONTROL}/grant", control_grant, methods=["POST"]),
        Route(f"{CONTROL}/busy", control_busy, methods=["POST"]),
        Route(f"{CONTROL}/faults", control_faults, methods=["GET", "POST", "DELETE"]),
        Route(f"{CONTROL}/config", control_config, methods=["POST"]),
        Route(f"{CONTROL}/events", control_events),
        Route(f"{CONTROL}/calls", control_calls),
        Route(f"{CONTROL}/reset", control_reset, methods=["POST"]),
    ]
