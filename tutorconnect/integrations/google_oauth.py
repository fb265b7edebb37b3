"""Google sign-in (OpenID Connect, authorization-code flow with PKCE).

The only module that imports google_auth_oauthlib / google.oauth2. With
GOOGLE_EMULATOR_URL set every URL points at the local emulator
(tutorconnect/emulators/google_oauth.py); otherwise at Google.

The `state` and PKCE `code_verifier` are made and kept by the caller (in the database),
so the redirect and the callback may be served by different processes.
"""

from __future__ import annotations

import functools
import logging
import os
from dataclasses import dataclass
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
CALLBACK_PATH = "/api/auth/google/callback"
ISSUERS = ("accounts.google.com", "https://accounts.google.com")
# Full scope URLs: Google answers "email profile" with these, and oauthlib raises
# "Scope has changed" when the granted scope differs from the requested one.
SCOPES = [
    "openid",
    "https://www.googleapis.com/auth/userinfo.email",
    "https://www.googleapis.com/auth/userinfo.profile",
]
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
class GoogleIdentity:
    subject: str
    email: str
    email_verified: bool
    name: str


def redirect_uri() -> str:
    return f"{get_settings().public_base_url}{CALLBACK_PATH}"


def _endpoint(real: str, path: str) -> str:
    return get_settings().google_endpoint(real, path)


def _flow(code_verifier: str) -> Flow:
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
            "redirect_uris": [redirect_uri()],
        }
    }
    return Flow.from_client_config(
        config,
        scopes=SCOPES,
        redirect_uri=redirect_uri(),
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


def _fetch_token(code: str, code_verifier: str) -> dict[str, Any]:
    flow = _flow(code_verifier)
    try:
        return dict(flow.fetch_token(code=code, timeout=TIMEOUT_SECONDS))
    except OAuth2Error as err:  # Google answered with an OAuth error (invalid_grant, ...)
        raise GoogleOAuthError(err.error or "oauth_error", err.description or "") from err
    except requests.RequestException as err:
        raise GoogleOAuthError("network", type(err).__name__) from err
    except Warning as err:  # oauthlib raises Warning("Scope has changed ...")
        raise GoogleOAuthError("scope_changed", str(err)) from err
    except ValueError as err:  # a body that is not a token response
        raise GoogleOAuthError("bad_token_response", str(err)) from err


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
