"""Google sign-in (OpenID Connect, authorization-code flow with PKCE), and the tutor's
Google Calendar connection (the same web flow with offline access: a refresh token for the
Calendar scopes; revoked again on disconnect).

The only module that imports google_auth_oauthlib / google.oauth2.id_token (the Calendar
API client lives in integrations/google_calendar.py). With GOOGLE_EMULATOR_URL set every
URL points at the local emulator (emulators/google/oauth_routes.py); otherwise at
Google.

The `state` and PKCE `code_verifier` are made and kept by the caller (in the database),
so the redirect and the callback may be served by different processes.
"""

from __future__ import annotations

import functools
import logging
import os
from dataclasses import dataclass, field
from typing import Any

import requests
from google.auth import exceptions as google_exceptions
from google.auth.transport.requests import Request as GoogleRequest
from google.oauth2 import id_token as google_id_token
from google_auth_oauthlib.flow import Flow
from oauthlib.oauth2.rfc6749.errors import OAuth2Error

from tutorconnect.config import get_settings

log = logging.getLogger(__name__)

AUTH_URI = "https://accounts.google.com/o/oauth2/v2/auth"
TOKEN_URI = "https://oauth2.googleapis.com/token"
# x509 certs: google-auth verifies these without PyJWT (the JWKS form needs PyJWT).
CERTS_URI = "https://www.googleapis.com/oauth2/v1/certs"
REVOKE_URI = "https://oauth2.googleapis.com/revoke"
CALLBACK_PATH = "/api/auth/google/callback"
CALENDAR_CALLBACK_PATH = "/api/google/calendar/callback"
ISSUERS = ("accounts.google.com", "https://accounts.google.com")
# Full scope URLs: Google answers "email profile" with these, and oauthlib raises
# "Scope has changed" when the granted scope differs from the requested one.
SCOPES = [
    "openid",
    "https://www.googleapis.com/auth/userinfo.email",
    "https://www.googleapis.com/auth/userinfo.profile",
]
# Calendar connection: the identity (to show "connected as ...") plus what the meeting
# links and busy times need. Without both Calendar scopes granted the connection is refused.
CALENDAR_EVENTS_SCOPE = "https://www.googleapis.com/auth/calendar.events"
CALENDAR_FREEBUSY_SCOPE = "https://www.googleapis.com/auth/calendar.freebusy"
CALENDAR_SCOPES = [
    "openid",
    "https://www.googleapis.com/auth/userinfo.email",
    CALENDAR_EVENTS_SCOPE,
    CALENDAR_FREEBUSY_SCOPE,
]
REQUIRED_CALENDAR_SCOPES = (CALENDAR_EVENTS_SCOPE, CALENDAR_FREEBUSY_SCOPE)
TIMEOUT_SECONDS = 10
CLOCK_SKEW_SECONDS = 30


class GoogleOAuthError(Exception):
    """Any failure talking to Google or checking what it returned.

    `reason` is a short machine code (an OAuth error such as "invalid_grant", or
    "network", "bad_id_token", "missing_claims"); the message is for logs, not users.
    """

    def __init__(self, reason: str, message: str = ""):
        super().__init__(f"{reason}: {message}" if message else reason)
        self.reason = reason


@dataclass(frozen=True)
class CalendarGrant:
    """What a finished Calendar consent gives: whose calendar, what was granted, and the
    long-lived refresh token (a secret: store it encrypted, never log it)."""

    email: str
    scopes: tuple[str, ...]
    refresh_token: str = field(repr=False)


@dataclass(frozen=True)
class GoogleIdentity:
    subject: str
    email: str
    email_verified: bool
    name: str


def redirect_uri(callback_path: str = CALLBACK_PATH) -> str:
    return f"{get_settings().public_base_url}{callback_path}"


def _endpoint(real: str, path: str) -> str:
    return get_settings().google_endpoint(real, path)


def _flow(code_verifier: str, *, scopes: list[str] = SCOPES, callback_path: str = CALLBACK_PATH) -> Flow:
    settings = get_settings()
    if settings.google_emulator_url.startswith("http://"):
        # oauthlib refuses plain-http token URLs unless told; only the local emulator is http.
        os.environ["OAUTHLIB_INSECURE_TRANSPORT"] = "1"
    config = {
        "web": {
            "client_id": settings.google_client_id,
            "client_secret": settings.google_client_secret,
            "auth_uri": _endpoint(AUTH_URI, "/o/oauth2/v2/auth"),
            "token_uri": _endpoint(TOKEN_URI, "/token"),
            "redirect_uris": [redirect_uri(callback_path)],
        }
    }
    return Flow.from_client_config(
        config,
        scopes=scopes,
        redirect_uri=redirect_uri(callback_path),
        # Our verifier, not a generated one: it is stored server-side with the state.
        code_verifier=code_verifier,
        autogenerate_code_verifier=False,
    )


def authorization_url(state: str, code_verifier: str) -> str:
    """The Google URL to send the browser to (PKCE S256 challenge derived from the verifier)."""
    url, _ = _flow(code_verifier).authorization_url(
        state=state,
        access_type="online",  # sign-in needs no refresh token
        prompt="select_account",
        include_granted_scopes="false",
    )
    return url


def exchange_code(code: str, code_verifier: str) -> GoogleIdentity:
    """Trade an authorization code for a verified identity. Raises GoogleOAuthError."""
    if not isinstance(code, str) or not code or len(code) > 2048:
        raise GoogleOAuthError("invalid_request", "missing or oversized code")
    token = _fetch_token(code, code_verifier)
    raw_id_token = token.get("id_token")
    if not isinstance(raw_id_token, str):
        raise GoogleOAuthError("missing_id_token", "token response had no id_token")
    return _identity(_verify_id_token(raw_id_token))


def _fetch_token(code: str, code_verifier: str, flow: Flow | None = None, *,
                 scope_may_change: bool = False) -> dict[str, Any]:
    flow = flow or _flow(code_verifier)
    try:
        return dict(flow.fetch_token(code=code, timeout=TIMEOUT_SECONDS))
    except OAuth2Error as err:  # Google answered with an OAuth error (invalid_grant, ...)
        raise GoogleOAuthError(err.error or "oauth_error", err.description or "") from err
    except requests.RequestException as err:
        raise GoogleOAuthError("network", type(err).__name__) from err
    except Warning as err:  # oauthlib raises Warning("Scope has changed ...")
        token = getattr(err, "token", None)
        if scope_may_change and token is not None:
            # Google's consent screen lets people untick scopes; the caller checks what
            # was granted (oauthlib attaches the parsed token response to the warning).
            return dict(token)
        raise GoogleOAuthError("scope_changed", str(err)) from err
    except ValueError as err:  # a body that is not a token response
        raise GoogleOAuthError("bad_token_response", str(err)) from err


# Calendar connection ---------------------------------------------------------------------
def calendar_authorization_url(state: str, code_verifier: str) -> str:
    """Google's consent URL for the Calendar scopes with offline access (a refresh token)
    and prompt=consent (so Google issues a refresh token even on a second connect)."""
    flow = _flow(code_verifier, scopes=CALENDAR_SCOPES, callback_path=CALENDAR_CALLBACK_PATH)
    url, _ = flow.authorization_url(
        state=state,
        access_type="offline",
        prompt="consent",
        include_granted_scopes="false",
    )
    return url


def exchange_calendar_code(code: str, code_verifier: str) -> CalendarGrant:
    """Trade a Calendar consent's code for a refresh token and the account's email.

    Raises GoogleOAuthError: "scope_denied" when a Calendar scope was not granted,
    "no_refresh_token" when Google sent none, and the sign-in exchange's reasons.
    """
    if not isinstance(code, str) or not code or len(code) > 2048:
        raise GoogleOAuthError("invalid_request", "missing or oversized code")
    flow = _flow(code_verifier, scopes=CALENDAR_SCOPES, callback_path=CALENDAR_CALLBACK_PATH)
    token = _fetch_token(code, code_verifier, flow, scope_may_change=True)
    raw_scope = token.get("scope")
    granted = tuple(raw_scope.split() if isinstance(raw_scope, str) else raw_scope or ())
    if not granted:  # Google omits `scope` only when it granted exactly what was asked
        granted = tuple(CALENDAR_SCOPES)
    missing = [s for s in REQUIRED_CALENDAR_SCOPES if s not in granted]
    refresh = token.get("refresh_token")
    if missing:
        if isinstance(refresh, str) and refresh:
            try:  # a partial grant we will not use: give it back
                revoke_token(refresh)
            except GoogleOAuthError as err:
                log.warning("google calendar: could not revoke a partial grant: %s", err.reason)
        raise GoogleOAuthError("scope_denied", "not granted: " + " ".join(missing))
    if not isinstance(refresh, str) or not refresh:
        raise GoogleOAuthError("no_refresh_token", "token response had no refresh_token")
    raw_id_token = token.get("id_token")
    if not isinstance(raw_id_token, str):
        raise GoogleOAuthError("missing_id_token", "token response had no id_token")
    email = _verify_id_token(raw_id_token).get("email")
    if not isinstance(email, str) or not email:
        raise GoogleOAuthError("missing_claims", "id_token lacks email")
    return CalendarGrant(email=email.strip().lower(), scopes=granted, refresh_token=refresh)


def revoke_token(token: str) -> None:
    """Revoke a refresh (or access) token at Google; with a refresh token every access
    token minted from it dies too. A token Google no longer knows counts as revoked.
    Raises GoogleOAuthError("network" | "revoke_failed")."""
    try:
        answer = requests.post(
            _endpoint(REVOKE_URI, "/revoke"), data={"token": token},
            headers={"Content-Type": "application/x-www-form-urlencoded"}, timeout=TIMEOUT_SECONDS,
        )
    except requests.RequestException as err:
        raise GoogleOAuthError("network", type(err).__name__) from err
    if answer.status_code == 200:
        return
    try:
        error = answer.json().get("error", "")
    except ValueError:
        error = ""
    if answer.status_code == 400 and error in ("invalid_token", "invalid_grant"):
        log.info("google revoke: the token was already revoked or expired")
        return
    raise GoogleOAuthError("revoke_failed", f"HTTP {answer.status_code} {error}".strip())


def _verify_id_token(raw: str) -> dict[str, Any]:
    """google.oauth2.id_token.verify_oauth2_token, with the certs URL made configurable.

    verify_oauth2_token hard-codes Google's certs URL; this is the same check (signature,
    audience, iat/exp, issuer) against the emulator's certs when emulated.
    """
    settings = get_settings()
    with requests.Session() as http:
        fetch = functools.partial(GoogleRequest(session=http), timeout=TIMEOUT_SECONDS)
        try:
            claims = google_id_token.verify_token(
                raw,
                fetch,
                audience=settings.google_client_id,
                certs_url=_endpoint(CERTS_URI, "/oauth2/v1/certs"),
                clock_skew_in_seconds=CLOCK_SKEW_SECONDS,
            )
        except google_exceptions.TransportError as err:
            raise GoogleOAuthError("network", str(err)) from err
        except (google_exceptions.GoogleAuthError, ValueError) as err:
            raise GoogleOAuthError("bad_id_token", str(err)) from err
    if claims.get("iss") not in ISSUERS:
        raise GoogleOAuthError("bad_id_token", "wrong issuer")
    return dict(claims)


def _identity(claims: dict[str, Any]) -> GoogleIdentity:
    subject, email = claims.get("sub"), claims.get("email")
    if not isinstance(subject, str) or not subject or not isinstance(email, str) or not email:
        raise GoogleOAuthError("missing_claims", "id_token lacks sub or email")
    verified = claims.get("email_verified")
    # Google has sent this both as a JSON boolean and as the string "true".
    email_verified = verified is True or (isinstance(verified, str) and verified.lower() == "true")
    name = claims.get("name")
    return GoogleIdentity(
        subject=subject,
        email=email,
        email_verified=email_verified,
        name=name if isinstance(name, str) else "",
    )
