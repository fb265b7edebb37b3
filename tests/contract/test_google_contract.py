"""Google's documented contract for what TutorConnect calls, checked against our emulator.

The calls are the app's own: google-auth-oauthlib's Flow built by
tutorconnect/integrations/google_oauth.py (sign-in and the tutor's Calendar consent),
google-auth's refresh, the revoke the app sends, and googleapiclient's Calendar v3 client
built by tutorconnect/integrations/google_calendar.py (static discovery document). The
event bodies are the ones services/meetings/jobs.py builds. What is asserted are the field
names, types and values Google's references give for the answers:

  OAuth 2.0 web server flow   https://developers.google.com/identity/protocols/oauth2/web-server
  OpenID Connect (ID token)   https://developers.google.com/identity/openid-connect/openid-connect
  Events resource             https://developers.google.com/workspace/calendar/api/v3/reference/events
  Freebusy: query             https://developers.google.com/workspace/calendar/api/v3/reference/freebusy/query
  Calendar API errors         https://developers.google.com/workspace/calendar/api/guides/errors

The emulator runs in this process (emulators.google.running); no
database is needed.
"""

from __future__ import annotations

import json
import re
import time
import uuid
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

import httplib2
import httpx
import pytest
import requests
from google.auth.transport.requests import Request as GoogleRequest
from googleapiclient import discovery
from googleapiclient.errors import HttpError

from tutorconnect.config import get_settings
from emulators import google as emulator_module
from tutorconnect.integrations import google_calendar as gcal
from tutorconnect.integrations import google_oauth
from tutorconnect.services import meetings
from tutorconnect.services.meetings import jobs as meeting_jobs  # its private event builders

pytestmark = pytest.mark.contract

ACCOUNT = "priya.sharma@gmail.com"
STUDENT = "student.contract@example.com"
# RFC 3339 date-time (the "datetime" of Google's references): a full date, a time, an offset.
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
ISSUERS = {"https://accounts.google.com", "accounts.google.com"}


@pytest.fixture(scope="module")
def gemu():
    with emulator_module.running() as emu:
        yield emu


@pytest.fixture
def google(gemu, monkeypatch):
    """The app's integrations pointed at the emulator, with a clean emulator."""
    monkeypatch.setenv("GOOGLE_EMULATOR_URL", gemu.url)
    get_settings.cache_clear()
    gemu.state.reset()
    yield gemu
    monkeypatch.undo()
    get_settings.cache_clear()


# Helpers ------------------------------------------------------------------------------------------
def _choose(auth_url: str, account: str) -> dict[str, str]:
    """The person picks `account` on the consent page; the redirect's query."""
    with httpx.Client(timeout=10) as http:
        page = http.get(auth_url)
        assert page.status_code == 200, page.text
        request_id = re.search(r"name='request_id' value='([^']+)'", page.text).group(1)
        action = urljoin(auth_url, re.search(r"<form method='post' action='([^']+)'", page.text).group(1))
        answer = http.post(action, data={"request_id": request_id, "action": "account", "account": account})
    assert answer.status_code in (302, 303), answer.text
    return {k: v[0] for k, v in parse_qs(urlsplit(answer.headers["location"]).query).items()}


def _token_exchange(flow, auth_url: str, account: str) -> tuple[requests.Response, dict[str, Any]]:
    """Consent, then the app's code exchange (Flow.fetch_token); the raw token response as
    it came over the wire (captured by requests-oauthlib's compliance hook) and its JSON."""
    seen: list[requests.Response] = []

    def capture(response: requests.Response) -> requests.Response:
        seen.append(response)
        return response

    flow.oauth2session.register_compliance_hook("access_token_response", capture)
    params = _choose(auth_url, account)
    try:
        flow.fetch_token(code=params["code"], timeout=10)
    except Warning:  # oauthlib's "Scope has changed": the raw answer is what is checked
        pass
    assert len(seen) == 1
    return seen[0], seen[0].json()


def _calendar_consent(account: str = ACCOUNT, *, prompt: str | None = "consent"):
    verifier = "c" * 64
    flow = google_oauth._flow(verifier, scopes=google_oauth.CALENDAR_SCOPES,
                              callback_path=google_oauth.CALENDAR_CALLBACK_PATH)
    if prompt == "consent":  # exactly the app's URL
        url = google_oauth.calendar_authorization_url("s" * 43, verifier)
    else:
        extra = {"prompt": prompt} if prompt else {}
        url, _ = flow.authorization_url(state="s" * 43, access_type="offline", include_granted_scopes="false",
                                        **extra)
    return _token_exchange(flow, url, account)


def _assert_token_basics(response: requests.Response, body: dict[str, Any]) -> None:
    # "access_token", "expires_in" (remaining lifetime in seconds), "token_type" (always
    # "Bearer"), "scope" (space-delimited, case-sensitive):
    # https://developers.google.com/identity/protocols/oauth2/web-server#exchange-authorization-code
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert "no-store" in response.headers.get("cache-control", "")  # RFC 6749 section 5.1
    assert isinstance(body["access_token"], str) and body["access_token"]
    assert type(body["expires_in"]) is int and body["expires_in"] > 0
    assert body["token_type"] == "Bearer"
    assert isinstance(body["scope"], str) and body["scope"] == body["scope"].strip()


def _assert_id_token(raw: str, *, email: str) -> dict[str, Any]:
    """An ID token's payload, verified the app's way (signature against the certs, aud, exp).
    https://developers.google.com/identity/openid-connect/openid-connect#an-id-tokens-payload"""
    claims = google_oauth._verify_id_token(raw)
    assert claims["iss"] in ISSUERS
    assert claims["aud"] == get_settings().google_client_id
    assert claims["azp"] == get_settings().google_client_id
    assert isinstance(claims["sub"], str) and claims["sub"].isdigit() and len(claims["sub"]) <= 255
    assert claims["email"] == email
    assert type(claims["email_verified"]) is bool
    assert type(claims["iat"]) is int and type(claims["exp"]) is int
    assert claims["iat"] <= time.time() + 30 < claims["exp"]
    assert isinstance(claims["at_hash"], str)
    return claims


def _booking(starts_at: datetime) -> SimpleNamespace:
    return SimpleNamespace(id=uuid.uuid4(), reference="TC-CONTRACT", starts_at=starts_at,
                           ends_at=starts_at + timedelta(hours=1), tutor_time_zone="Asia/Kolkata")


PEOPLE = SimpleNamespace(tutor_name="Priya Sharma", student_name="Sam Student", student_email=STUDENT)


def _instant(value: str) -> datetime:
    assert RFC3339.match(value), value
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def _error_body(request) -> tuple[int, dict[str, Any]]:
    with pytest.raises(HttpError) as info:
        request.execute(num_retries=0)
    return int(info.value.resp.status), json.loads(info.value.content)


@pytest.fixture
def creds(google):
    """Credentials from the app's own Calendar consent (a real offline grant)."""
    _, body = _calendar_consent()
    return gcal.credentials_for(body["refresh_token"])


# OAuth token endpoint --------------------------------------------------------------------------------
def test_calendar_consent_token_response(google):
    response, body = _calendar_consent()
    _assert_token_basics(response, body)
    # Offline access, first consent: a refresh token (web-server#offline).
    assert isinstance(body["refresh_token"], str) and body["refresh_token"]
    assert set(body["scope"].split()) >= set(google_oauth.REQUIRED_CALENDAR_SCOPES)
    # "openid" asked: an id_token (openid-connect#exchangecode).
    claims = _assert_id_token(body["id_token"], email=ACCOUNT)
    assert claims["email_verified"] is True


def test_sign_in_token_response_has_no_refresh_token(google):
    verifier = "d" * 64
    flow = google_oauth._flow(verifier)
    url = google_oauth.authorization_url("t" * 43, verifier)  # the app's sign-in URL: access_type=online
    assert parse_qs(urlsplit(url).query)["access_type"] == ["online"]
    response, body = _token_exchange(flow, url, ACCOUNT)
    _assert_token_basics(response, body)
    assert "refresh_token" not in body  # only with access_type=offline
    claims = _assert_id_token(body["id_token"], email=ACCOUNT)
    # "profile" asked: the profile claims (openid-connect#an-id-tokens-payload).
    assert claims["name"] == "Priya Sharma" and isinstance(claims["picture"], str)
    assert isinstance(claims["given_name"], str) and isinstance(claims["family_name"], str)


def test_a_refresh_token_only_on_first_offline_consent_or_prompt_consent(google):
    assert "refresh_token" in _calendar_consent(prompt=None)[1]
    again = _calendar_consent(prompt=None)[1]
    assert "refresh_token" not in again and again["access_token"]
    assert "refresh_token" in _calendar_consent(prompt="consent")[1]


def test_refresh_grant_response(google):
    _, granted = _calendar_consent()
    seen: list[requests.Response] = []
    session = requests.Session()
    session.hooks["response"].append(lambda r, *a, **k: seen.append(r))
    creds = gcal.credentials_for(granted["refresh_token"])
    creds.refresh(GoogleRequest(session=session))  # google-auth's refresh, as AuthorizedHttp does it
    (response,) = seen
    body = response.json()
    _assert_token_basics(response, body)
    # The refresh answer carries no new refresh token (web-server#offline, "Refreshing an
    # access token (offline access)").
    assert "refresh_token" not in body
    assert creds.token == body["access_token"] and creds.expiry is not None


def test_revoke_then_refresh_is_invalid_grant(google):
    _, granted = _calendar_consent()
    google_oauth.revoke_token(granted["refresh_token"])  # the app's disconnect
    # Revoke answers 200, then 400 with an error for a token it no longer knows
    # (web-server#tokenrevoke); the app treats that as revoked already.
    again = httpx.post(f"{google.url}/revoke", data={"token": granted["refresh_token"]}, timeout=5)
    assert again.status_code == 400 and isinstance(again.json()["error"], str)
    refresh = httpx.post(f"{google.url}/token", timeout=5, data={
        "grant_type": "refresh_token", "refresh_token": granted["refresh_token"],
        "client_id": get_settings().google_client_id, "client_secret": get_settings().google_client_secret})
    # RFC 6749 section 5.2: {"error": "invalid_grant", "error_description"?}
    assert refresh.status_code == 400 and refresh.json()["error"] == "invalid_grant"
    # ...and the access token issued with it is dead too: 401 on the API.
    dead = httpx.get(f"{google.url}/calendar/v3/calendars/primary/events", timeout=5,
                     headers={"Authorization": f"Bearer {granted['access_token']}"})
    assert dead.status_code == 401


def test_certs_the_app_verifies_id_tokens_with(google):
    certs = httpx.get(f"{google.url}/oauth2/v1/certs", timeout=5).json()  # {kid: x509 PEM}
    assert certs and all(isinstance(k, str) and v.startswith("-----BEGIN CERTIFICATE-----") for k, v in certs.items())


# Calendar v3: events -----------------------------------------------------------------------------------
def test_event_insert_get_patch_delete_answers(google, creds):
    booking = _booking(datetime(2031, 5, 6, 9, 30, tzinfo=timezone.utc))
    body = meeting_jobs._event_body(booking, PEOPLE)  # the app's event
    event_id = meetings.event_id_for(booking.id)
    made = gcal.insert_event(creds, "primary", event_id, body)

    assert made["kind"] == "calendar#event"
    assert made["id"] == event_id and isinstance(made["etag"], str)
    assert made["status"] == "confirmed"  # confirmed | tentative | cancelled
    assert made["htmlLink"].startswith("https://")
    assert isinstance(made["iCalUID"], str) and type(made["sequence"]) is int
    _instant(made["created"]), _instant(made["updated"])
    assert _instant(made["start"]["dateTime"]) == booking.starts_at
    assert _instant(made["end"]["dateTime"]) == booking.ends_at
    assert made["start"]["timeZone"] == made["end"]["timeZone"] == "Asia/Kolkata"
    assert made["organizer"]["email"] == ACCOUNT and made["creator"]["email"] == ACCOUNT
    assert [a["email"] for a in made["attendees"]] == [STUDENT]
    assert all(a["responseStatus"] in ("needsAction", "declined", "tentative", "accepted") for a in made["attendees"])
    assert made["extendedProperties"] == {"private": {"tutorconnect_booking": str(booking.id)}}
    assert (made["guestsCanModify"], made["guestsCanInviteOthers"]) == (False, False)
    assert made["reminders"] == {"useDefault": True}
    request = made["conferenceData"]["createRequest"]
    assert request["requestId"] == event_id and request["conferenceSolutionKey"] == {"type": "hangoutsMeet"}
    assert request["status"]["statusCode"] in ("pending", "success", "failure")

    got = gcal.get_event(creds, "primary", event_id)
    conference = got["conferenceData"]
    assert conference["createRequest"]["status"]["statusCode"] == "success"
    assert conference["conferenceSolution"]["key"]["type"] == "hangoutsMeet"
    assert isinstance(conference["conferenceId"], str)
    points = conference["entryPoints"]
    assert all(p["entryPointType"] in ("video", "phone", "sip", "more") for p in points)
    video = [p for p in points if p["entryPointType"] == "video"]
    assert len(video) == 1 and video[0]["uri"].startswith("https://")  # video: http(s) required
    assert got["hangoutLink"] == video[0]["uri"] and got["hangoutLink"].startswith("https://meet.google.com/")
    assert meeting_jobs._conference(got) == ("success", got["hangoutLink"])  # what the app reads

    moved = _booking(datetime(2031, 5, 7, 11, 0, tzinfo=timezone.utc))
    patched = gcal.patch_event(creds, "primary", event_id, meeting_jobs._times(moved))  # the app's reschedule
    assert _instant(patched["start"]["dateTime"]) == moved.starts_at
    assert _instant(patched["end"]["dateTime"]) == moved.ends_at
    # Patch semantics: what the request did not name is unchanged.
    for field in ("summary", "description", "attendees", "extendedProperties", "guestsCanModify",
                  "guestsCanInviteOthers", "reminders", "hangoutLink", "conferenceData"):
        assert patched[field] == got[field], field
    assert patched["sequence"] >= got["sequence"]

    gcal.delete_event(creds, "primary", event_id)
    assert gcal.get_event(creds, "primary", event_id)["status"] == "cancelled"


def test_event_errors_are_googles(google, creds):
    svc = gcal._service(creds, 5)
    booking = _booking(datetime(2031, 5, 8, 9, 0, tzinfo=timezone.utc))
    body = {**meeting_jobs._event_body(booking, PEOPLE), "id": meetings.event_id_for(booking.id)}
    svc.events().insert(calendarId="primary", body=body, conferenceDataVersion=1).execute(num_retries=0)

    def only_error(status: int, body: dict[str, Any], reason: str) -> dict[str, Any]:
        error = body["error"]
        assert error["code"] == status and isinstance(error["message"], str)
        (item,) = error["errors"]
        assert item["reason"] == reason and isinstance(item["domain"], str) and isinstance(item["message"], str)
        return item

    status, answer = _error_body(svc.events().insert(calendarId="primary", body=body, conferenceDataVersion=1))
    assert status == 409
    only_error(409, answer, "duplicate")
    status, answer = _error_body(svc.events().get(calendarId="primary", eventId="neverexisted1"))
    assert status == 404
    only_error(404, answer, "notFound")
    svc.events().delete(calendarId="primary", eventId=body["id"]).execute(num_retries=0)
    status, answer = _error_body(svc.events().delete(calendarId="primary", eventId=body["id"]))
    assert status == 410
    only_error(410, answer, "deleted")


# Calendar v3: freeBusy -----------------------------------------------------------------------------------
def test_freebusy_answer(google, creds):
    t0 = datetime(2031, 6, 2, 8, 0, tzinfo=timezone.utc)
    httpx.post(f"{google.url}/_emulator/calendar/busy", timeout=5, json={
        "email": ACCOUNT, "start": (t0 + timedelta(hours=1)).isoformat(),
        "end": (t0 + timedelta(hours=2)).isoformat()}).raise_for_status()
    # The body the app sends (integrations/google_calendar.freebusy).
    body = {"timeMin": gcal._rfc3339(t0), "timeMax": gcal._rfc3339(t0 + timedelta(days=1)),
            "items": [{"id": "primary"}, {"id": "nobody.here@gmail.com"}]}
    answer = gcal._service(creds, 5).freebusy().query(body=body).execute(num_retries=0)
    assert answer["kind"] == "calendar#freeBusy"
    assert _instant(answer["timeMin"]) == t0 and _instant(answer["timeMax"]) == t0 + timedelta(days=1)
    mine = answer["calendars"]["primary"]
    assert "errors" not in mine
    assert [(_instant(b["start"]), _instant(b["end"])) for b in mine["busy"]] == [
        (t0 + timedelta(hours=1), t0 + timedelta(hours=2))]
    other = answer["calendars"]["nobody.here@gmail.com"]
    assert [set(e) for e in other["errors"]] == [{"domain", "reason"}]
    assert other["errors"][0]["reason"] == "notFound"
    assert gcal.freebusy(creds, "primary", t0, t0 + timedelta(days=1)) == [
        (t0 + timedelta(hours=1), t0 + timedelta(hours=2))]  # what the app makes of it


def test_freebusy_errors_are_googles(google, creds):
    svc = gcal._service(creds, 5)
    t0 = datetime(2031, 6, 2, 8, 0, tzinfo=timezone.utc)
    # The errors guide's 400 example, exactly.
    status, answer = _error_body(svc.freebusy().query(body={
        "timeMin": gcal._rfc3339(t0), "timeMax": gcal._rfc3339(t0), "items": [{"id": "primary"}]}))
    assert status == 400
    assert answer["error"]["code"] == 400 and answer["error"]["message"] == "The specified time range is empty."
    assert answer["error"]["errors"] == [{"domain": "calendar", "reason": "timeRangeEmpty",
                                          "message": "The specified time range is empty.",
                                          "locationType": "parameter", "location": "timeMax"}]
    # The errors guide's 401 example: a token Google does not know. (Plain httplib2: the
    # app's AuthorizedHttp would answer a 401 by trying to refresh, hiding the body.)
    plain = discovery.build("calendar", "v3", http=httplib2.Http(timeout=5), static_discovery=True,
                            cache_discovery=False, client_options={"api_endpoint": gcal.api_endpoint()})
    request = plain.freebusy().query(body={
        "timeMin": gcal._rfc3339(t0), "timeMax": gcal._rfc3339(t0 + timedelta(hours=1)), "items": [{"id": "primary"}]})
    request.headers["authorization"] = "Bearer ya29.not-a-token"
    status, answer = _error_body(request)
    assert status == 401
    assert answer["error"]["code"] == 401 and answer["error"]["message"] == "Invalid Credentials"
    assert answer["error"]["errors"] == [{"domain": "global", "reason": "authError", "message": "Invalid Credentials",
                                          "locationType": "header", "location": "Authorization"}]


def test_freebusy_needs_a_freebusy_scope(google):
    # calendar.events alone does not read free/busy (freebusy/query#auth lists calendar,
    # calendar.readonly, calendar.freebusy, calendar.events.freebusy).
    granted = httpx.post(f"{google.url}/_emulator/calendar/grant", timeout=5, json={
        "email": ACCOUNT, "scopes": ["https://www.googleapis.com/auth/calendar.events"]}).json()
    t0 = datetime(2031, 6, 2, 8, 0, tzinfo=timezone.utc)
    svc = gcal._service(gcal.credentials_for(granted["refresh_token"]), 5)
    status, answer = _error_body(svc.freebusy().query(body={
        "timeMin": gcal._rfc3339(t0), "timeMax": gcal._rfc3339(t0 + timedelta(hours=1)), "items": [{"id": "primary"}]}))
    assert status == 403
    assert answer["error"]["status"] == "PERMISSION_DENIED"
    assert answer["error"]["errors"][0]["reason"] == "insufficientPermissions"
    assert answer["error"]["details"][0]["reason"] == "ACCESS_TOKEN_SCOPE_INSUFFICIENT"
