"""Accounts: a person's account from registration on. It owns registration with email and
password, sign-in with lockout, the emailed links (email verification, password reset),
changing a password, the person's profile settings (name, time zone), the admin's role
changes and user list, and sign-in with Google (find, link or create the account for a
Google identity). One function per user action; the caller owns the transaction
(tutorconnect.db.session_scope) unless a docstring says otherwise.

Inside, the arrows go one way: lookup (an account by email or id, the package's clock) at
the bottom; profile, password_change and sign_in above it; email_tokens (the reset link
sets the password through password_change) above those; registration (queues the
verification email) and user_admin (returns profiles) above that; google on top (creates
accounts through registration). It uses the capability packages notifications (the
verification and reset emails) and discovery (a tutor's new name goes into their search
document), the integration google_oauth, and the services access, audit, ratelimit,
sessions, tokens, passwords (hashing and policy), validation, context and errors. The
Google sign-in names carry "google" here (start_google_signin, complete_google_signin, ...)
because the package has other ways in.
"""

from tutorconnect.services.accounts.email_tokens import (
    check_reset_token, request_password_reset, resend_verification, reset_password, verify_email,
)
from tutorconnect.services.accounts.google import (
    FLOW_RETENTION as GOOGLE_FLOW_RETENTION, FLOW_TTL as GOOGLE_FLOW_TTL, PROVIDER as GOOGLE_PROVIDER,
    AccountClosed, FlowTicket as GoogleFlowTicket, GoogleSignInFailed, UnverifiedGoogleEmail,
    complete as complete_google_signin, consume_state as consume_google_state, exchange as exchange_google_code,
    open_session as open_google_session, sign_in as sign_in_with_google, start as start_google_signin,
)
from tutorconnect.services.accounts.lookup import find_by_email
from tutorconnect.services.accounts.password_change import change_password
from tutorconnect.services.accounts.profile import Profile, get_profile, update_profile
from tutorconnect.services.accounts.registration import SELF_SERVICE_ROLES, create_user_from_google, register
from tutorconnect.services.accounts.sign_in import LOCKOUT_LOOKBACK, MAX_LOCKOUT, authenticate
from tutorconnect.services.accounts.user_admin import UserRow, change_role, list_users

__all__ = [
    # registration (create_user_from_google is the Google path's, without a password)
    "SELF_SERVICE_ROLES", "create_user_from_google", "find_by_email", "register",
    # sign-in with email and password, with lockout
    "LOCKOUT_LOOKBACK", "MAX_LOCKOUT", "authenticate",
    # emailed links: email verification and password reset
    "check_reset_token", "request_password_reset", "resend_verification", "reset_password", "verify_email",
    # changing a password while signed in
    "change_password",
    # profile settings
    "Profile", "get_profile", "update_profile",
    # admin: roles and the user list
    "UserRow", "change_role", "list_users",
    # sign-in with Google
    "GOOGLE_FLOW_RETENTION", "GOOGLE_FLOW_TTL", "GOOGLE_PROVIDER", "AccountClosed", "GoogleFlowTicket",
    "GoogleSignInFailed", "UnverifiedGoogleEmail", "complete_google_signin", "consume_google_state",
    "exchange_google_code", "open_google_session", "sign_in_with_google", "start_google_signin",
]
