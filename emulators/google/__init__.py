"""The Google emulator: one app on one port that google-auth-oauthlib, google-auth and
google-api-python-client run against unchanged. It owns the OAuth 2.0 / OpenID Connect
side (oauth_routes, oauth_state, oauth_pages, signing), the Calendar v3 side (calendar_api,
calendar_controls, calendar_store, calendar_times, calendar_errors, calendar_scopes), the
accounts and grants both sides share (grants), and the app that mounts both (app). Imports
go one way: app uses both sides, both sides use grants, and neither side imports the
other. It uses emulators.serving to run in a background thread and tutorconnect.config
for the app's client id, secret and redirect URIs.
"""

from emulators.google.app import RunningEmulator, create_app, running, start_in_thread
from emulators.google.calendar_api import FREEBUSY_MAX_CALENDARS, FREEBUSY_MAX_RANGE
from emulators.google.calendar_errors import CalendarApiError
from emulators.google.calendar_scopes import DEFAULT_GRANT_SCOPES, ENDPOINTS, SCOPES_BY_ENDPOINT
from emulators.google.calendar_store import MEET_BASE, CalendarState
from emulators.google.grants import DEMO_ACCOUNTS, Account, AuthRequest, Grant
from emulators.google.oauth_state import (
    ACCESS_TTL,
    CALENDAR_CALLBACK_PATH,
    CALLBACK_PATH,
    CODE_TTL,
    ISSUER,
    SCOPE_ALIASES,
    EmulatorState,
    OAuthError,
)
from emulators.google.signing import SigningKey

__all__ = [
    "ACCESS_TTL",
    "CALENDAR_CALLBACK_PATH",
    "CALLBACK_PATH",
    "CODE_TTL",
    "DEFAULT_GRANT_SCOPES",
    "DEMO_ACCOUNTS",
    "ENDPOINTS",
    "FREEBUSY_MAX_CALENDARS",
    "FREEBUSY_MAX_RANGE",
    "ISSUER",
    "MEET_BASE",
    "SCOPES_BY_ENDPOINT",
    "SCOPE_ALIASES",
    "Account",
    "AuthRequest",
    "CalendarApiError",
    "CalendarState",
    "EmulatorState",
    "Grant",
    "OAuthError",
    "RunningEmulator",
    "SigningKey",
    "create_app",
    "running",
    "start_in_thread",
]
