"""Sign in with Google: start the redirect, finish it, and find, link or create the account.

Rules (the account is the thing being protected):
- A known Google identity (provider "google" + subject) signs in to its user.
- Otherwise the Google email must be verified by Google, or nothing happens: an
  unverified email is never linked to an account, nor used to create one (it would
  reserve an address the person has not proved they own).
- A verified email that matches an account links a new identity to it. If that account
  had never verified its email, its password (set by whoever registered, who never
  proved the address) is removed and its sessions revoked: the account pre-hijacking
  defence.
- Deleted accounts cannot sign in.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from tutorconnect.config import get_settings
from tutorconnect.db import autonomous_scope
from tutorconnect.integrations import google_oauth
from tutorconnect.integrations.google_oauth import GoogleIdentity, GoogleOAuthError
from tutorconnect.models import OAuthFlowState, OAuthIdentity, User
from tutorconnect.services import audit, sessions
from tutorconnect.services.accounts import lookup, registration
from tutorconnect.services.context import RequestContext
from tutorconnect.services.errors import DomainError, FeatureDisabled, InvalidInput, TokenInvalid
from tutorconnect.services.tokens import hash_secret, looks_like_secret, new_secret
from tutorconnect.services.validation import clean_name, normalize_email, safe_next_path

log = logging.getLogger(__name__)

PROVIDER = "google"
FLOW_TTL = timedelta(minutes=10)
# Abandoned flow rows are deleted this long after they expire (on the next start()).
FLOW_RETENTION = timedelta(hours=1)
WHAT = "Google sign-in link"


class UnverifiedGoogleEmail(DomainError):
    def __init__(self) -> None:
        # One message whether or not an account exists: it must not reveal which.
        super().__init__(
            "Google has not verified the email address of that Google account, so we can't "
            "use it to sign you in. Verify it with Google, or sign in with your email and password."
        )


class GoogleSignInFailed(DomainError):
    def __init__(self, reason: str) -> None:
        super().__init__("We couldn't sign you in with Google. Please try again.")
        self.reason = reason


class AccountClosed(DomainError):
    def __init__(self) -> None:
        super().__init__("This account has been closed. Contact support if you think this is a mistake.")


@dataclass(frozen=True)
class FlowTicket:
    """What a consumed `state` gives back: the PKCE verifier and where to return."""

    code_verifier: str
    next_path: str


def _require_enabled() -> None:
    if not get_settings().feature_google_signin:
        raise FeatureDisabled("Sign-in with Google is turned off at the moment.")


# Redirect ----------------------------------------------------------------------------
def start(session: Session, *, next_path: object = "/") -> str:
    """Record a new flow (hashed state, PKCE verifier, return path); return Google's URL."""
    _require_enabled()
    state = new_secret()
    verifier = new_secret(48)  # 64 URL-safe characters: within PKCE's 43..128
    now = lookup._now()
    session.execute(
        delete(OAuthFlowState).where(col(OAuthFlowState.expires_at) < now - FLOW_RETENTION)
    )
    session.add(
        OAuthFlowState(
            state_hash=hash_secret(state),
            code_verifier=verifier,
            next_path=safe_next_path(next_path),
            created_at=now,
            expires_at=now + FLOW_TTL,
        )
    )
    return google_oauth.authorization_url(state, verifier)


# Callback ----------------------------------------------------------------------------
def complete(
    session: Session, ctx: RequestContext, *, state: object, code: object
) -> tuple[uuid.UUID, str]:
    """Finish a Google redirect: return (user_id, next_path).

    The state is consumed in its own short transaction, committed before Google is
    called: it stays used even if the rest fails, and no row lock or transaction is held
    across the network call. `session` is first used after the exchange, so pass one
    that has not been used yet and the caller's transaction does not span it either.
    Raises TokenInvalid, FeatureDisabled, GoogleSignInFailed, UnverifiedGoogleEmail,
    AccountClosed.
    """
    _require_enabled()
    with autonomous_scope() as s:
        ticket = consume_state(s, state)
    identity = exchange(ticket, code)
    return sign_in(session, ctx, identity), ticket.next_path


def consume_state(session: Session, state: object) -> FlowTicket:
    """Mark the flow for `state` used (row-locked: only one caller wins). TokenInvalid otherwise."""
    if not looks_like_secret(state):
        raise TokenInvalid(WHAT)
    row = session.exec(
        select(OAuthFlowState)
        .where(OAuthFlowState.state_hash == hash_secret(str(state)), OAuthFlowState.purpose == "signin")
        .with_for_update()
    ).first()
    now = lookup._now()
    if row is None or row.used_at is not None or row.expires_at <= now:
        raise TokenInvalid(WHAT)
    row.used_at = now
    return FlowTicket(code_verifier=row.code_verifier, next_path=row.next_path)


def exchange(ticket: FlowTicket, code: object) -> GoogleIdentity:
    """Trade the code for a verified identity (network; call outside any transaction)."""
    if not isinstance(code, str) or not code:
        raise GoogleSignInFailed("missing_code")
    try:
        return google_oauth.exchange_code(code, ticket.code_verifier)
    except GoogleOAuthError as err:
        log.warning("google sign-in: code exchange failed: %s", err.reason)
        raise GoogleSignInFailed(err.reason) from err


def sign_in(session: Session, ctx: RequestContext, identity: GoogleIdentity) -> uuid.UUID:
    """Find, link or create the account for a verified Google identity; return its id."""
    for attempt in (1, 2):
        try:
            # A savepoint, so a concurrent sign-in that inserted the same identity or email
            # first (unique index) can be retried against what it created.
            with session.begin_nested():
                return _find_link_or_create(session, ctx, identity)
        except IntegrityError:
            if attempt == 2:
                raise GoogleSignInFailed("conflict") from None
    raise AssertionError("unreachable")


def open_session(
    session: Session, ctx: RequestContext, user_id: uuid.UUID, *, previous_token: str | None
) -> str:
    """A new session token for the cookie, revoking the browser's previous one."""
    return sessions.rotate_into_new_session(session, ctx, user_id, previous_token=previous_token)


# Account matching --------------------------------------------------------------------
def _find_link_or_create(session: Session, ctx: RequestContext, identity: GoogleIdentity) -> uuid.UUID:
    now = lookup._now()
    known = session.exec(
        select(OAuthIdentity, User)
        .join(User, col(User.id) == col(OAuthIdentity.user_id))
        .where(OAuthIdentity.provider == PROVIDER, OAuthIdentity.subject == identity.subject)
        .with_for_update()
    ).first()
    if known is not None:
        link, user = known
        _ensure_active(user)
        link.last_used_at = now
        return user.id

    email = _normalized_email(identity.email)
    # Deleted accounts included: the email stays unique, and a closed account stays closed.
    user = session.exec(select(User).where(User.email == email).with_for_update()).first()
    if user is not None:
        _ensure_active(user)
    if not identity.email_verified:
        raise UnverifiedGoogleEmail()
    if user is None:
        user = registration.create_user_from_google(
            session, ctx, email=email, full_name=_display_name(identity, email)
        )
    else:
        _secure_and_audit_link(session, ctx.acting_as(user.id), user, identity, now)
    session.add(
        OAuthIdentity(
            user_id=user.id, provider=PROVIDER, subject=identity.subject, email=email,
            created_at=now, last_used_at=now,
        )
    )
    session.flush()
    return user.id


def _secure_and_audit_link(
    session: Session, ctx: RequestContext, user: User, identity: GoogleIdentity, now: datetime
) -> None:
    before = {"email_verified": user.email_verified_at is not None, "has_password": user.password_hash is not None}
    if user.email_verified_at is None:
        # Google just proved this person owns the address; whoever set the password never did.
        user.email_verified_at = now
        if user.password_hash is not None:
            user.password_hash = None
            user.password_changed_at = now
            sessions.revoke_all(session, ctx, user_id=user.id, reason="google_linked_unverified")
        user.updated_at = now
    audit.record(
        session,
        ctx,
        action="user.google_linked",
        target_type="user",
        target_id=user.id,
        before=before,
        after={
            "provider": PROVIDER,
            "subject": identity.subject,
            "email_verified": True,
            "has_password": user.password_hash is not None,
        },
    )


def _ensure_active(user: User) -> None:
    if user.deleted_at is not None:
        raise AccountClosed()


def _normalized_email(raw: str) -> str:
    try:
        return normalize_email(raw)
    except InvalidInput:
        raise GoogleSignInFailed("bad_email") from None


def _display_name(identity: GoogleIdentity, email: str) -> str:
    try:
        return clean_name(identity.name)
    except InvalidInput:  # empty or unprintable name from Google: use the mailbox name
        return email.split("@")[0][:120]
