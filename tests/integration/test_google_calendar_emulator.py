"""The Calendar v3 emulator through the official SDK (integrations/google_calendar.py:
googleapiclient with static discovery, google-auth refreshing from a refresh token), and
the emulator behaving like Google where our code depends on it.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import httplib2
import httpx
import pytest
from google.oauth2.credentials import Credentials
from google_auth_httplib2 import AuthorizedHttp
from googleapiclient.errors import HttpError

from tests.integration import meeting_support
from tutorconnect.integrations import google_calendar as gcal
from tutorconnect.integrations.google_calendar import CalendarError

MAIL = "priya.sharma@gmail.com"
_SCOPE = "https://www.googleapis.com/auth/"
T0 = datetime(2031, 3, 4, 9, 0, tzinfo=timezone.utc)

gemu, google = meeting_support.gemu, meeting_support.google  # fixtures


def _body(start: datetime = T0, minutes: int = 60, *, meet: bool = True, **extra) -> dict:
    body = {"summary": "Lesson", "start": {"dateTime": start.isoformat(), "timeZone": "Asia/Kolkata"},
            "end": {"dateTime": (start + timedelta(minutes=minutes)).isoformat(), "timeZone": "Asia/Kolkata"},
            "attendees": [{"email": "student@example.com"}], **extra}
    if meet:
        body["conferenceData"] = {"createRequest": {"requestId": "req-1",
                                                    "conferenceSolutionKey": {"type": "hangoutsMeet"}}}
    return body


@pytest.fixture
def creds(google):
    return gcal.credentials_for(google.grant(MAIL))


def _err(fn, *args, **kwargs) -> CalendarError:
    with pytest.raises(CalendarError) as info:
        fn(*args, **kwargs)
    return info.value


# The SDK against the emulator, call by call ------------------------------------------------------
def test_insert_get_patch_delete_through_the_sdk(google, creds):
    made = gcal.insert_event(creds, "primary", "lesson00001", _body())
    assert made["id"] == "lesson00001" and made["status"] == "confirmed"
    assert made["organizer"] == {"email": MAIL, "self": True}
    assert made["attendees"] == [{"email": "student@example.com", "responseStatus": "needsAction"}]
    assert made["conferenceData"]["createRequest"]["status"] == {"statusCode": "pending"}
    assert "hangoutLink" not in made

    got = gcal.get_event(creds, "primary", "lesson00001")  # default: ready after one read
    code = got["conferenceData"]["conferenceId"]
    assert got["hangoutLink"] == f"https://meet.google.com/{code}"
    assert got["conferenceData"]["createRequest"]["status"]["statusCode"] == "success"
    assert got["conferenceData"]["entryPoints"][0] == {"entryPointType": "video", "uri": got["hangoutLink"],
                                                       "label": f"meet.google.com/{code}"}
    assert gcal.get_event(creds, MAIL, "lesson00001")["hangoutLink"] == got["hangoutLink"]  # by address too

    later = T0 + timedelta(days=1)
    patched = gcal.patch_event(creds, "primary", "lesson00001", {
        "start": {"dateTime": later.isoformat()}, "end": {"dateTime": (later + timedelta(hours=1)).isoformat()}})
    assert patched["start"]["dateTime"] == later.isoformat() and patched["summary"] == "Lesson"
    assert patched["hangoutLink"] == got["hangoutLink"] and patched["sequence"] == 1  # conference kept

    gcal.delete_event(creds, "primary", "lesson00001")
    gone = gcal.get_event(creds, "primary", "lesson00001")
    assert gone["status"] == "cancelled"  # like Google: a deleted event still reads, cancelled
    err = _err(gcal.delete_event, creds, "primary", "lesson00001")
    assert (err.status, err.reason, err.transient) == (410, "deleted", False)


def test_duplicate_id_is_409_even_after_delete(google, creds):
    gcal.insert_event(creds, "primary", "dupe00001", _body())
    err = _err(gcal.insert_event, creds, "primary", "dupe00001", _body())
    assert (err.status, err.reason, err.transient) == (409, "duplicate", False)
    gcal.delete_event(creds, "primary", "dupe00001")
    assert _err(gcal.insert_event, creds, "primary", "dupe00001", _body()).status == 409
    assert len(google.events(MAIL)) == 1


def test_conference_needs_conference_data_version_1(google, creds):
    plain = gcal.insert_event(creds, "primary", "noconf0001", _body(), conference=False)
    assert "conferenceData" not in plain
    assert "hangoutLink" not in gcal.get_event(creds, "primary", "noconf0001")
    no_meet = gcal.insert_event(creds, "primary", "noconf0002", _body(meet=False))
    assert "conferenceData" not in no_meet


def test_conference_timing_is_configurable(google, creds):
    google.config(conference_ready_after_reads=3, conference_ready_after_seconds=None)
    gcal.insert_event(creds, "primary", "sloconf001", _body())
    states = [gcal.get_event(creds, "primary", "sloconf001")["conferenceData"]["createRequest"]["status"]["statusCode"]
              for _ in range(3)]
    assert states == ["pending", "pending", "success"]
    google.config(conference_ready_after_reads=0)
    assert gcal.insert_event(creds, "primary", "fastconf01", _body())["hangoutLink"].startswith("https://meet.")
    google.config(conference_ready_after_reads=None, conference_ready_after_seconds=0.3)
    gcal.insert_event(creds, "primary", "timeconf01", _body())
    import time

    time.sleep(0.35)
    assert "hangoutLink" in gcal.get_event(creds, "primary", "timeconf01")
    google.config(conference_ready_after_reads=1, conference_outcome="failure")
    gcal.insert_event(creds, "primary", "failconf01", _body())
    failed = gcal.get_event(creds, "primary", "failconf01")
    assert failed["conferenceData"]["createRequest"]["status"]["statusCode"] == "failure"
    assert "hangoutLink" not in failed


def test_freebusy_merges_events_and_seeded_blocks(google, creds):
    gcal.insert_event(creds, "primary", "bus0000001", _body(T0, 60, meet=False))
    gcal.insert_event(creds, "primary", "bus0000002", _body(T0 + timedelta(minutes=30), 60, meet=False))
    gcal.insert_event(creds, "primary", "free000001", _body(T0 + timedelta(hours=5), 60, meet=False,
                                                              transparency="transparent"))
    gcal.insert_event(creds, "primary", "gone000001", _body(T0 + timedelta(hours=6), 60, meet=False))
    gcal.delete_event(creds, "primary", "gone000001")
    seeded = httpx.post(f"{google.url}/_emulator/calendar/busy", timeout=5, json={
        "email": MAIL, "blocks": [[(T0 + timedelta(hours=3)).isoformat(), (T0 + timedelta(hours=4)).isoformat()],
                                  [(T0 - timedelta(days=3)).isoformat(), (T0 - timedelta(days=2)).isoformat()]]})
    assert seeded.status_code == 201
    busy = gcal.freebusy(creds, "primary", T0 - timedelta(hours=1), T0 + timedelta(hours=12))
    assert busy == [(T0, T0 + timedelta(minutes=90)), (T0 + timedelta(hours=3), T0 + timedelta(hours=4))]
    # Clipped to the window asked for.
    assert gcal.freebusy(creds, "primary", T0 + timedelta(minutes=15), T0 + timedelta(minutes=45)) == [
        (T0 + timedelta(minutes=15), T0 + timedelta(minutes=45))]
    assert gcal.freebusy(creds, "primary", T0 + timedelta(days=9), T0 + timedelta(days=10)) == []


def test_freebusy_for_someone_elses_calendar_is_an_error(google, creds):
    err = _err(gcal.freebusy, creds, "someone.else@gmail.com", T0, T0 + timedelta(hours=1))
    assert (err.status, err.reason, err.transient) == (404, "notFound", False)


# Errors like Google's -------------------------------------------------------------------------------
@pytest.mark.parametrize("status, transient", [(403, True), (429, True), (500, True), (503, True)])
def test_injected_errors_for_the_next_calls(google, creds, status, transient):
    gcal.insert_event(creds, "primary", "fault00001", _body())
    google.fault("events.get", status, count=2)
    for _ in range(2):
        err = _err(gcal.get_event, creds, "primary", "fault00001")
        assert (err.status, err.transient) == (status, transient)
    assert gcal.get_event(creds, "primary", "fault00001")["id"] == "fault00001"  # the third call passes
    assert google.calls()["events.get"] == 3


def test_injected_error_bodies_are_googles(google, creds):
    google.fault("events.insert", 403, count=1)
    token = gcal.credentials_for(google.grant(MAIL))
    token.refresh(__import__("google.auth.transport.requests", fromlist=["Request"]).Request())
    answer = httpx.post(f"{google.url}/calendar/v3/calendars/primary/events", json=_body(), timeout=5,
                        headers={"Authorization": f"Bearer {token.token}"})
    assert answer.status_code == 403
    assert answer.json() == {"error": {"errors": [{"domain": "usageLimits", "reason": "rateLimitExceeded",
                                                   "message": "Rate Limit Exceeded"}],
                                       "code": 403, "message": "Rate Limit Exceeded", "status": "PERMISSION_DENIED"}}
    google.fault("events.insert", 403, count=1, reason="forbidden")
    err = _err(gcal.insert_event, creds, "primary", "forbid0001", _body())
    assert (err.status, err.reason, err.transient) == (403, "forbidden", False)


def test_a_hanging_google_times_out(google, creds):
    google.fault("freebusy", 503, count=1, hang_seconds=3)
    err = _err(gcal.freebusy, creds, "primary", T0, T0 + timedelta(hours=1), timeout=0.5)
    assert (err.status, err.reason, err.transient) == (0, "timeout", True)


def test_the_wildcard_fault_hits_any_endpoint(google, creds):
    google.fault("*", 500, count=1)
    assert _err(gcal.freebusy, creds, "primary", T0, T0 + timedelta(hours=1)).status == 500
    assert gcal.freebusy(creds, "primary", T0, T0 + timedelta(hours=1)) == []


def test_validation_like_google(google, creds):
    bad_id = _err(gcal.insert_event, creds, "primary", "Has-Upper_And_W", _body())
    assert (bad_id.status, bad_id.reason) == (400, "invalid")
    short = _err(gcal.insert_event, creds, "primary", "abcd", _body())
    assert short.status == 400
    backwards = _body()
    backwards["end"] = {"dateTime": (T0 - timedelta(hours=1)).isoformat()}
    assert _err(gcal.insert_event, creds, "primary", "backvards1", backwards).reason == "timeRangeEmpty"
    no_end = _body()
    del no_end["end"]
    assert _err(gcal.insert_event, creds, "primary", "noend00001", no_end).reason == "required"
    wrong_kind = _body()
    wrong_kind["conferenceData"]["createRequest"]["conferenceSolutionKey"]["type"] = "eventNamedHangout"
    assert _err(gcal.insert_event, creds, "primary", "vrongkind1", wrong_kind).status == 400
    assert _err(gcal.get_event, creds, "primary", "missing001").status == 404
    assert _err(gcal.insert_event, creds, "other.person@gmail.com", "notmine001", _body()).status == 404
    assert google.events(MAIL) == []


# Who may call ------------------------------------------------------------------------------------
def test_tokens_are_the_emulators_own(google):
    anon = httpx.get(f"{google.url}/calendar/v3/calendars/primary/events/x1234", timeout=5)
    assert anon.status_code == 401 and anon.json()["error"]["errors"][0]["reason"] == "authError"
    forged = httpx.get(f"{google.url}/calendar/v3/calendars/primary/events/x1234", timeout=5,
                       headers={"Authorization": "Bearer ya29.forged"})
    assert forged.status_code == 401
    # A refresh token the emulator never issued: google-auth's refresh fails for good.
    err = _err(gcal.get_event, gcal.credentials_for("1//0notissued"), "primary", "x1234")
    assert (err.status, err.reason, err.transient) == (401, "invalid_grant", False)


def test_a_revoked_grant_stops_working(google):
    refresh = google.grant(MAIL)
    creds = gcal.credentials_for(refresh)
    gcal.insert_event(creds, "primary", "revoke0001", _body())
    assert httpx.post(f"{google.url}/revoke", data={"token": refresh}, timeout=5).status_code == 200
    err = _err(gcal.get_event, gcal.credentials_for(refresh), "primary", "revoke0001")
    assert (err.status, err.transient) == (401, False)
    # The access token minted before the revoke went with it.
    assert _err(gcal.get_event, creds, "primary", "revoke0001").status == 401


def test_scopes_are_checked(google):
    readonly = gcal.credentials_for(google.grant(MAIL, ["https://www.googleapis.com/auth/calendar.readonly"]))
    err = _err(gcal.insert_event, readonly, "primary", "scope00001", _body())
    assert (err.status, err.reason, err.transient) == (403, "insufficientPermissions", False)
    assert gcal.freebusy(readonly, "primary", T0, T0 + timedelta(hours=1)) == []
    freebusy_only = gcal.credentials_for(google.grant(MAIL, ["https://www.googleapis.com/auth/calendar.freebusy"]))
    assert _err(gcal.get_event, freebusy_only, "primary", "scope00001").status == 403
    assert gcal.freebusy(freebusy_only, "primary", T0, T0 + timedelta(hours=1)) == []


def test_accounts_see_only_their_own_calendar(google, creds):
    gcal.insert_event(creds, "primary", "mine000001", _body())
    other = gcal.credentials_for(google.grant("arjun.mehta@gmail.com"))
    assert _err(gcal.get_event, other, "primary", "mine000001").status == 404
    assert _err(gcal.delete_event, other, MAIL, "mine000001").status == 404
    assert len(google.events(MAIL)) == 1 and google.events("arjun.mehta@gmail.com") == []


# Controls --------------------------------------------------------------------------------------------
def test_controls_refuse_bad_input_and_reset_clears_everything(google, creds):
    url = f"{google.url}/_emulator/calendar"
    assert httpx.post(f"{url}/faults", json={"endpoint": "nope", "status": 500}, timeout=5).status_code == 400
    assert httpx.post(f"{url}/faults", json={"endpoint": "freebusy", "status": 200}, timeout=5).status_code == 400
    assert httpx.post(f"{url}/busy", json={"email": MAIL, "start": "x", "end": "y"}, timeout=5).status_code == 400
    assert httpx.post(f"{url}/busy", json={"email": MAIL, "start": T0.isoformat(),
                                           "end": T0.isoformat()}, timeout=5).status_code == 400
    assert httpx.post(f"{url}/config", json={"conference_outcome": "maybe"}, timeout=5).status_code == 400
    gcal.insert_event(creds, "primary", "reset00001", _body())
    google.fault("events.get", 500, count=5)
    assert httpx.post(f"{url}/reset", timeout=5).status_code == 200
    assert google.events() == [] and google.calls() == {}
    assert httpx.get(f"{url}/faults", timeout=5).json() == []


# Issue #20: as strict as Google where the app could trip ------------------------------------------
# Each rule, with its public reference, is next to the code that enforces it in
# emulators/google/ (calendar_*.py / oauth_*.py).
def _service(creds):
    return gcal._service(creds, 5)  # the SDK client exactly as the app builds it


def _http_error(request) -> tuple[int, dict, dict]:
    """(status, JSON body, headers) of a request the SDK sent and Google refused."""
    with pytest.raises(HttpError) as info:
        request.execute(num_retries=0)
    return int(info.value.resp.status), json.loads(info.value.content), dict(info.value.resp)


def test_freebusy_refuses_a_range_longer_than_90_days(google, creds):
    assert gcal.freebusy(creds, "primary", T0, T0 + timedelta(days=90)) == []  # 90 days: fine
    err = _err(gcal.freebusy, creds, "primary", T0, T0 + timedelta(days=90, seconds=1))
    assert (err.status, err.reason, err.transient) == (400, "timeRangeTooLong", False)
    status, body, _ = _http_error(_service(creds).freebusy().query(body={
        "timeMin": T0.isoformat(), "timeMax": (T0 + timedelta(days=120)).isoformat(), "items": [{"id": "primary"}]}))
    assert status == 400 and body["error"]["code"] == 400
    assert body["error"]["errors"][0]["domain"] == "calendar"
    assert body["error"]["message"] == body["error"]["errors"][0]["message"] == "The requested time range is too long."


@pytest.mark.parametrize("span", [timedelta(0), timedelta(hours=-1)], ids=["empty", "reversed"])
def test_freebusy_refuses_an_empty_or_reversed_range_like_google(google, creds, span):
    status, body, _ = _http_error(_service(creds).freebusy().query(body={
        "timeMin": T0.isoformat(), "timeMax": (T0 + span).isoformat(), "items": [{"id": "primary"}]}))
    assert status == 400
    assert body["error"]["code"] == 400 and body["error"]["message"] == "The specified time range is empty."
    assert body["error"]["errors"] == [{"domain": "calendar", "reason": "timeRangeEmpty",
                                        "message": "The specified time range is empty.",
                                        "locationType": "parameter", "location": "timeMax"}]


def test_freebusy_answers_at_most_50_calendars_per_query(google, creds):
    ids = ["primary"] + [f"someone{i}@gmail.com" for i in range(55)]
    answer = _service(creds).freebusy().query(body={
        "timeMin": T0.isoformat(), "timeMax": (T0 + timedelta(hours=1)).isoformat(),
        "items": [{"id": i} for i in ids]}).execute(num_retries=0)
    calendars = answer["calendars"]
    assert set(calendars) == set(ids)
    assert calendars["primary"] == {"busy": []}
    assert calendars["someone0@gmail.com"]["errors"] == [{"domain": "global", "reason": "notFound"}]
    too_many = [i for i in ids if calendars[i].get("errors") == [{"domain": "global",
                                                                  "reason": "tooManyCalendarsRequested"}]]
    assert too_many == ids[50:]
    # calendarExpansionMax narrows it further (and may not exceed 50).
    answer = _service(creds).freebusy().query(body={
        "timeMin": T0.isoformat(), "timeMax": (T0 + timedelta(hours=1)).isoformat(),
        "calendarExpansionMax": 1, "items": [{"id": "primary"}, {"id": MAIL}]}).execute(num_retries=0)
    assert answer["calendars"]["primary"] == {"busy": []}
    assert answer["calendars"][MAIL]["errors"][0]["reason"] == "tooManyCalendarsRequested"
    status, body, _ = _http_error(_service(creds).freebusy().query(body={
        "timeMin": T0.isoformat(), "timeMax": (T0 + timedelta(hours=1)).isoformat(),
        "calendarExpansionMax": 51, "items": [{"id": "primary"}]}))
    assert status == 400 and body["error"]["errors"][0]["reason"] == "invalid"


def _discovery_scopes() -> dict[str, set[str]]:
    """Google's published scopes per method (the discovery document the SDK ships)."""
    from googleapiclient.discovery_cache import get_static_doc

    doc = json.loads(get_static_doc("calendar", "v3"))
    methods = {f"events.{m}": doc["resources"]["events"]["methods"][m]
               for m in ("insert", "get", "patch", "update", "delete", "list")}
    methods["freebusy"] = doc["resources"]["freebusy"]["methods"]["query"]
    return {name: set(m["scopes"]) for name, m in methods.items()}


def test_each_method_takes_exactly_the_scopes_the_discovery_document_lists(google, creds):
    allowed = _discovery_scopes()
    # Spot checks against the reference pages, so a broken reading of the document shows.
    assert _SCOPE + "calendar.events" not in allowed["freebusy"]
    assert _SCOPE + "calendar.freebusy" in allowed["freebusy"]
    assert _SCOPE + "calendar.freebusy" not in allowed["events.get"]
    gcal.insert_event(creds, "primary", "scopes0001", _body(meet=False))
    every_scope = sorted(set().union(*allowed.values()))
    svc = _service(creds)  # one client; each scope's calls go through that scope's AuthorizedHttp
    ev = svc.events()
    mismatches = []
    for scope in every_scope:
        scoped = gcal.credentials_for(google.grant(MAIL, [scope]))
        scoped.refresh(_refresh_request())  # a token first: the calls below are about scopes
        calls = {
            "events.insert": ev.insert(calendarId="primary", body=_body(meet=False)),
            "events.get": ev.get(calendarId="primary", eventId="scopes0001"),
            "events.list": ev.list(calendarId="primary"),
            "events.patch": ev.patch(calendarId="primary", eventId="scopes0001", body={"summary": "x"}),
            "events.update": ev.update(calendarId="primary", eventId="scopes0001", body=_body(meet=False)),
            "freebusy": svc.freebusy().query(body={"timeMin": T0.isoformat(),
                                                   "timeMax": (T0 + timedelta(hours=1)).isoformat(),
                                                   "items": [{"id": "primary"}]}),
            "events.delete": ev.delete(calendarId="primary", eventId="scopes0001"),
        }
        for method, request in calls.items():
            try:  # a fresh connection per call: a reused one waits on delayed ACKs (~40 ms a call)
                request.execute(http=AuthorizedHttp(scoped, http=httplib2.Http(timeout=5)), num_retries=0)
                status = 200
            except HttpError as err:
                status = int(err.resp.status)
            if (status == 403) != (scope not in allowed[method]) or status == 401:
                mismatches.append((scope, method, status))
    assert mismatches == []


def test_insufficient_scope_is_googles_403(google):
    svc = _service(gcal.credentials_for(google.grant(MAIL, [_SCOPE + "calendar.events"])))
    status, body, headers = _http_error(svc.freebusy().query(body={
        "timeMin": T0.isoformat(), "timeMax": (T0 + timedelta(hours=1)).isoformat(), "items": [{"id": "primary"}]}))
    assert status == 403
    error = body["error"]
    assert (error["code"], error["message"], error["status"]) == (
        403, "Request had insufficient authentication scopes.", "PERMISSION_DENIED")
    assert error["errors"] == [{"message": "Insufficient Permission", "domain": "global",
                                "reason": "insufficientPermissions"}]
    assert error["details"] == [{"@type": "type.googleapis.com/google.rpc.ErrorInfo",
                                 "reason": "ACCESS_TOKEN_SCOPE_INSUFFICIENT", "domain": "googleapis.com",
                                 "metadata": {"service": "calendar-json.googleapis.com",
                                              "method": "calendar.v3.Freebusy.Query"}}]
    assert 'error="insufficient_scope"' in headers["www-authenticate"]


def test_patch_keeps_every_field_not_in_the_request(google, creds):
    body = _body(meet=True, description="About the lesson", location="Online", colorId="5",
                 transparency="opaque", visibility="private", guestsCanModify=False, guestsCanInviteOthers=False,
                 guestsCanSeeOtherGuests=False, reminders={"useDefault": False,
                                                           "overrides": [{"method": "popup", "minutes": 10}]},
                 extendedProperties={"private": {"tutorconnect_booking": "b-1", "kept": "yes"}},
                 source={"title": "TutorConnect", "url": "https://tutorconnect.example/bookings"})
    gcal.insert_event(creds, "primary", "patchkeep1", body)
    before = gcal.get_event(creds, "primary", "patchkeep1")
    later = T0 + timedelta(days=2)
    after = gcal.patch_event(creds, "primary", "patchkeep1", {  # the app's reschedule: times only
        "start": {"dateTime": later.isoformat(), "timeZone": "UTC"},
        "end": {"dateTime": (later + timedelta(hours=1)).isoformat(), "timeZone": "UTC"}})
    changed = {"start", "end", "updated", "etag", "sequence"}
    assert {k: v for k, v in after.items() if k not in changed} == {k: v for k, v in before.items() if k not in changed}
    assert after["extendedProperties"] == {"private": {"tutorconnect_booking": "b-1", "kept": "yes"}}
    assert (after["guestsCanModify"], after["guestsCanInviteOthers"]) == (False, False)

    # Nested objects merge, arrays are replaced, null deletes.
    again = gcal.patch_event(creds, "primary", "patchkeep1", {
        "extendedProperties": {"private": {"added": "1"}}, "start": {"dateTime": later.isoformat()},
        "attendees": [{"email": "other@example.com"}], "location": None})
    assert again["extendedProperties"]["private"] == {"tutorconnect_booking": "b-1", "kept": "yes", "added": "1"}
    assert again["start"] == {"dateTime": later.isoformat(), "timeZone": "UTC"}
    assert [a["email"] for a in again["attendees"]] == ["other@example.com"]
    assert "location" not in again and again["description"] == "About the lesson"
    assert again["hangoutLink"] == before["hangoutLink"]


# OAuth grants (the tutor's Calendar connection) ---------------------------------------------------
def _refresh_request():
    from google.auth.transport.requests import Request

    return Request()


def _offline_consent(account: str, *, prompt: str | None) -> dict:
    """The app's Calendar consent (its Flow, PKCE, scopes), with or without prompt=consent;
    the token endpoint's answer as the official client got it."""
    from tests.integration.calendar_support import consent
    from tutorconnect.integrations import google_oauth

    verifier = "v" * 64
    flow = google_oauth._flow(verifier, scopes=google_oauth.CALENDAR_SCOPES,
                              callback_path=google_oauth.CALENDAR_CALLBACK_PATH)
    extra = {"prompt": prompt} if prompt else {}
    url, _ = flow.authorization_url(state="s" * 43, access_type="offline", include_granted_scopes="false", **extra)
    code = consent(url, account=account)["code"]
    return google_oauth._fetch_token(code, verifier, flow, scope_may_change=True)


def test_a_refresh_token_comes_only_with_the_first_offline_consent_or_prompt_consent(google):
    first = _offline_consent(MAIL, prompt=None)  # never granted before: Google sends one
    assert first["refresh_token"]
    again = _offline_consent(MAIL, prompt=None)  # granted already, no prompt=consent: none
    assert "refresh_token" not in again and again["access_token"]
    forced = _offline_consent(MAIL, prompt="consent")
    assert forced["refresh_token"] and forced["refresh_token"] != first["refresh_token"]
    assert _offline_consent("arjun.mehta@gmail.com", prompt=None)["refresh_token"]  # another person: first time
    # Once every grant is revoked the next consent is a first one again.
    for token in (first["refresh_token"], forced["refresh_token"]):
        assert httpx.post(f"{google.url}/revoke", data={"token": token}, timeout=5).status_code == 200
    assert _offline_consent(MAIL, prompt=None)["refresh_token"]


def test_revoking_a_refresh_token_ends_every_access_token_issued_with_or_from_it(google):
    granted = httpx.post(f"{google.url}/_emulator/calendar/grant", json={"email": MAIL}, timeout=5).json()
    with_grant = granted["access_token"]  # issued together with the refresh token
    refreshed = gcal.credentials_for(granted["refresh_token"])
    refreshed.refresh(_refresh_request())  # issued from it
    for token in (with_grant, refreshed.token):
        ok = httpx.get(f"{google.url}/calendar/v3/calendars/primary/events", timeout=5,
                       headers={"Authorization": f"Bearer {token}"})
        assert ok.status_code == 200
    assert httpx.post(f"{google.url}/revoke", data={"token": granted["refresh_token"]}, timeout=5).status_code == 200
    for token in (with_grant, refreshed.token):
        err = _err(gcal.insert_event, Credentials(token), "primary", "revoked001", _body())
        assert err.status == 401
        raw = httpx.get(f"{google.url}/calendar/v3/calendars/primary/events", timeout=5,
                        headers={"Authorization": f"Bearer {token}"})
        assert raw.status_code == 401 and raw.json()["error"]["errors"][0]["reason"] == "authError"


def test_revoking_an_access_token_revokes_its_refresh_token(google):
    granted = httpx.post(f"{google.url}/_emulator/calendar/grant", json={"email": MAIL}, timeout=5).json()
    assert httpx.post(f"{google.url}/revoke", data={"token": granted["access_token"]}, timeout=5).status_code == 200
    err = _err(gcal.get_event, gcal.credentials_for(granted["refresh_token"]), "primary", "x1234")
    assert (err.status, err.reason, err.transient) == (401, "invalid_grant", False)
