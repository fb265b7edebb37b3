"""The Calendar side's test controls (under the emulator's /_emulator prefix):

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

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from emulators.google.calendar_api import states_of
from emulators.google.calendar_errors import CalendarApiError
from emulators.google.calendar_scopes import DEFAULT_GRANT_SCOPES
from emulators.google.calendar_times import parse_instant
from emulators.google.grants import Grant  # the OAuth side of the same emulator

CONTROL = "/_emulator/calendar"


def _control_error(message: str, status: int = 400) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


async def control_grant(request: Request) -> JSONResponse:
    emu, _ = states_of(request)
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
    _, cal = states_of(request)
    try:
        body = await request.json()
        email = str(body["email"]).strip().lower()
        pairs = body.get("blocks") or [[body["start"], body["end"]]]
        blocks = [(parse_instant(s, "start"), parse_instant(e, "end")) for s, e in pairs]
    except (ValueError, KeyError, TypeError, CalendarApiError):
        return _control_error("Send JSON {email, start, end} or {email, blocks: [[start, end], ...]} (RFC 3339).")
    if any(e <= s for s, e in blocks):
        return _control_error("Each block must end after it starts.")
    cal.seed_busy(email, blocks)
    return JSONResponse({"email": email, "blocks": len(blocks)}, status_code=201)


async def control_faults(request: Request) -> JSONResponse:
    _, cal = states_of(request)
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
    _, cal = states_of(request)
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
    _, cal = states_of(request)
    return JSONResponse(cal.snapshot(request.query_params.get("email")))


async def control_calls(request: Request) -> JSONResponse:
    _, cal = states_of(request)
    with cal.lock:
        return JSONResponse(dict(cal.calls))


async def control_reset(request: Request) -> JSONResponse:
    states_of(request)[1].reset()
    return JSONResponse({"ok": True})


def routes() -> list[Route]:
    return [
        Route(f"{CONTROL}/grant", control_grant, methods=["POST"]),
        Route(f"{CONTROL}/busy", control_busy, methods=["POST"]),
        Route(f"{CONTROL}/faults", control_faults, methods=["GET", "POST", "DELETE"]),
        Route(f"{CONTROL}/config", control_config, methods=["POST"]),
        Route(f"{CONTROL}/events", control_events),
        Route(f"{CONTROL}/calls", control_calls),
        Route(f"{CONTROL}/reset", control_reset, methods=["POST"]),
    ]
