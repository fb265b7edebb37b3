"""The Google Calendar v3 endpoints TutorConnect uses, over HTTP.

Mounted in the Google emulator app (emulators/google/app.py `create_app`, same port as
OAuth), so google-api-python-client (static discovery, `api_endpoint=<emulator>/calendar/v3/`)
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

freeBusy refuses an empty or reversed range (400 timeRangeEmpty) and one longer than 90
days (400 timeRangeTooLong), and answers calendars past calendarExpansionMax (at most 50)
with the per-calendar error tooManyCalendarsRequested. The rules events follow are
calendar_store.py's.
"""

from __future__ import annotations

import asyncio
import json
import time
from datetime import timedelta
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from emulators.google.calendar_errors import CalendarApiError, insufficient_scope, time_range_empty
from emulators.google.calendar_scopes import SCOPES_BY_ENDPOINT
from emulators.google.calendar_store import CalendarState
from emulators.google.calendar_times import event_time, now_rfc3339, parse_instant, rfc3339

API = "/calendar/v3"
# freeBusy.query: Google refuses a range longer than this with 400 (not in the reference
# pages; observed and documented by integrators: "The Google /freeBusy endpoint has a
# maximum time span of 90 days", https://github.com/calcom/cal.com/pull/11962 ,
# https://github.com/calcom/cal.com/issues/11704). tutorconnect/services/scheduling/busy_times.py
# asks in pieces of MAX_QUERY_DAYS (89) for this reason.
FREEBUSY_MAX_RANGE = timedelta(days=90)
# FreeBusyRequest.calendarExpansionMax: "Maximal number of calendars for which FreeBusy
# information is to be provided. Optional. Maximum value is 50."
# https://developers.google.com/workspace/calendar/api/v3/reference/freebusy/query#request-body
FREEBUSY_MAX_CALENDARS = 50


# Request plumbing ---------------------------------------------------------------------------
def states_of(request: Request) -> tuple[Any, CalendarState]:
    emu = request.app.state.emulator
    return emu, emu.calendar


def _owner(request: Request, endpoint: str) -> str:
    """The account whose bearer token this is; 401 (errors guide: authError, "Invalid
    Credentials", location Authorization) / 403 (no scope the discovery document lists for
    the method) like Google."""
    emu, _ = states_of(request)
    header = request.headers.get("authorization", "")
    token = header[7:].strip() if header.lower().startswith("bearer ") else ""
    with emu.lock:
        grant = emu.access_tokens.get(token) if token else None
    if grant is None or grant.expires_at < time.time():
        raise CalendarApiError(401, "authError", "Invalid Credentials", location="Authorization",
                               locationType="header")
    accepted = SCOPES_BY_ENDPOINT[endpoint]
    if not accepted.intersection(grant.scopes):
        raise insufficient_scope(endpoint, accepted)
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
    _, cal = states_of(request)
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
    _, cal = states_of(request)
    calendar_id = request.path_params["calendar_id"]
    if request.method == "POST":
        async def insert(owner: str) -> Response:
            email = _calendar_owner(owner, calendar_id)
            return JSONResponse(cal.insert(email, await _json_body(request), _version(request)))
        return await _api(request, "events.insert", insert)

    async def list_(owner: str) -> Response:
        email = _calendar_owner(owner, calendar_id)
        q = request.query_params
        lo = parse_instant(q["timeMin"], "timeMin") if "timeMin" in q else None
        hi = parse_instant(q["timeMax"], "timeMax") if "timeMax" in q else None
        show_deleted = q.get("showDeleted") == "true"
        with cal.lock:
            stored = list(cal._calendar(email).values())
        items = []
        for s in stored:
            if s.deleted and not show_deleted:
                continue
            start, end = event_time(s.resource["start"], "start")[0], event_time(s.resource["end"], "end")[0]
            if (lo and end <= lo) or (hi and start >= hi):
                continue
            items.append(cal.view(s))
        items.sort(key=lambda r: event_time(r["start"], "start")[0])
        return JSONResponse({"kind": "calendar#events", "summary": email, "timeZone": "UTC",
                             "updated": now_rfc3339(), "items": items})
    return await _api(request, "events.list", list_)


async def event_resource(request: Request) -> Response:
    _, cal = states_of(request)
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
    _, cal = states_of(request)

    async def query(owner: str) -> Response:
        body = await _json_body(request)
        lo, hi = parse_instant(body.get("timeMin"), "timeMin"), parse_instant(body.get("timeMax"), "timeMax")
        if hi <= lo:  # an empty or reversed range (errors guide, 400 timeRangeEmpty)
            raise time_range_empty()
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
            calendars[cid] = {"busy": [{"start": rfc3339(s), "end": rfc3339(e)}
                                       for s, e in cal.busy_for(email, lo, hi)]}
        return JSONResponse({"kind": "calendar#freeBusy", "timeMin": rfc3339(lo), "timeMax": rfc3339(hi),
                             "calendars": calendars})
    return await _api(request, "freebusy", query)


def routes() -> list[Route]:
    return [
        Route(f"{API}/calendars/{{calendar_id}}/events", events_collection, methods=["GET", "POST"]),
        Route(f"{API}/calendars/{{calendar_id}}/events/{{event_id}}", event_resource,
              methods=["GET", "PATCH", "PUT", "DELETE"]),
        Route(f"{API}/freeBusy", freebusy, methods=["POST"]),
    ]
