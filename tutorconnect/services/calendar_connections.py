"""A tutor's Google Calendar connection: connect (OAuth web flow with offline access),
status for the account page, the stored refresh token for the meeting jobs, disconnect.

- start(session, ctx, user_id) -> Google's consent URL. Approved tutors only. The `state`
  (stored hashed) and the PKCE verifier live in oauth_flow_states with purpose "calendar"
  and the user's id, like Google sign-in's (services/accounts/google.py).
- complete(ctx, user_id=, state=, code=) -> ConnectionStatus. The state must be
  this user's, unused and unexpired; it is consumed in its own short transaction before
  Google is called, so a replayed callback is refused and no transaction spans the
  network. The refresh token is stored encrypted (Fernet; the key is derived from
  SECRET_KEY with HKDF), never in clear, never logged.
- status(session, ctx, user_id) -> ConnectionStatus | None (the user themselves).
- refresh_token_for(session, user_id) -> str | None: the decrypted refresh token (for the
  meeting jobs and busy times; None without a connection or when it cannot be decrypted,
  e.g. after SECRET_KEY changed: the tutor must reconnect).
- disconnect(ctx, user_id) -> bool: revoke the token at Google, then delete the
  connection and the busy-times cache; a failed revoke is logged and the connection is
  deleted anyway (the person asked us to forget it). No transaction spans the revoke.
- note_problem(session, user_id, message) / the status's `problem`: the last permanent
  error Google gave for this connection (a revoked grant), shown on the account page.
"""

from __future__ import annotations

import base64
import functools
import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import delete, text
from sqlmodel import Session, col, select

from tutorconnect.config import get_settings
from tutorconnect.db import autonomous_scope, session_scope
from tutorconnect.integrations import google_oauth
from tutorconnect.integrations.google_oauth import CalendarGrant, GoogleOAuthError
from tutorconnect.models import OAuthFlowState
from tutorconnect.models.meetings import CalendarBusyCache, CalendarConnection
from tutorconnect.services import audit
from tutorconnect.services.context import RequestContext
from tutorconnect.services.errors import DomainError, PermissionDenied, TokenInvalid
from tutorconnect.services.tokens import hash_secret, looks_like_secret, new_secret

log = logging.getLogger(__name__)

PURPOSE = "calendar"
FLOW_TTL = timedelta(minutes=10)
FLOW_RETENTION = timedelta(hours=1)
RETURN_PATH = "/account"
WHAT = "Google Calendar link"
_HKDF_INFO = b"tutorconnect/calendar-refresh-token/v1"
_HKDF_SALT = b"tutorconnect-calendar-connections"


class CalendarConnectFailed(DomainError):
    """Google refused or the answer was unusable; `reason` is a short code for the page."""

    MESSAGES = {
        "scope_denied": "Google Calendar was not connected: allow TutorConnect to see and edit events and your "
                        "free/busy times, then try again.",
        "no_refresh_token": "Google did not give us lasting access to your calendar. Please try again.",
    }

    def __init__(self, reason: str) -> None:
        super().__init__(self.MESSAGES.get(reason, "We couldn't connect your Google Calendar. Please try again."))
        self.reason = reason


@dataclass(frozen=True)
class ConnectionStatus:
    google_email: str
    scopes: tuple[str, ...]
    calendar_id: str
    connected_at: datetime
    problem: str | None  # a permanent error Google gave since connecting (then: reconnect)


def _now() -> datetime:
    return datetime.now(timezone.utc)


# Encryption at rest --------------------------------------------------------------------------
@functools.lru_cache(maxsize=4)
def _fernet_for(secret_key: str) -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=_HKDF_SALT, info=_HKDF_INFO).derive(
        secret_key.encode("utf-8"))
    return Fernet(base64.urlsafe_b64encode(key))


def _fernet() -> Fernet:
    return _fernet_for(get_settings().secret_key)


def encrypt_token(raw: str) -> str:
    return _fernet().encrypt(raw.encode("utf-8")).decode("ascii")


def decrypt_token(stored: str) -> str | None:
    """The clear token, or None when it was encrypted under another SECRET_KEY (or damaged)."""
    try:
        return _fernet().decrypt(stored.encode("ascii")).decode("utf-8")
    except (InvalidToken, ValueError, UnicodeError):
        return None


# Who may connect ---------------------------------------------------------------------------
_MAY_CONNECT_SQL = text("""
    SELECT u.role = 'tutor' AND u.deleted_at IS NULL AND p.status = 'approved'
      FROM users u LEFT JOIN tutor_profiles p ON p.user_id = u.id
     WHERE u.id = :u""")


def may_connect(session: Session, user_id: uuid.UUID) -> bool:
    """Approved tutors (their lessons get Meet links and their slots honour busy times)."""
    return bool(session.execute(_MAY_CONNECT_SQL, {"u": user_id}).scalar())


def _require_self(ctx: RequestContext, user_id: uuid.UUID) -> None:
    if ctx.actor_user_id is None or ctx.actor_user_id != user_id:
        raise PermissionDenied()


def _require_may_connect(session: Session, ctx: RequestContext, user_id: uuid.UUID) -> None:
    _require_self(ctx, user_id)
    if not may_connect(session, user_id):
        raise PermissionDenied("Only approved tutors can connect a Google Calendar.")


# Redirect ----------------------------------------------------------------------------------
def start(session: Session, ctx: RequestContext, user_id: uuid.UUID) -> str:
    """Record a new flow for this user (hashed state, PKCE verifier); return Google's URL."""
    _require_may_connect(session, ctx, user_id)
    state = new_secret()
    verifier = new_secret(48)  # 64 URL-safe characters: within PKCE's 43..128
    now = _now()
    session.execute(delete(OAuthFlowState).where(col(OAuthFlowState.expires_at) < now - FLOW_RETENTION))
    session.add(OAuthFlowState(
        state_hash=hash_secret(state), code_verifier=verifier, next_path=RETURN_PATH, purpose=PURPOSE,
        user_id=user_id, created_at=now, expires_at=now + FLOW_TTL,
    ))
    return google_oauth.calendar_authorization_url(state, verifier)


# Callback ----------------------------------------------------------------------------------
def consume_state(session: Session, user_id: uuid.UUID, state: object) -> str:
    """Mark this user's calendar flow for `state` used (row-locked: one caller wins);
    return its PKCE verifier. TokenInvalid for anything else (unknown, used, expired,
    another user's, a sign-in state)."""
    if not looks_like_secret(state):
        raise TokenInvalid(WHAT)
    row = session.exec(
        select(OAuthFlowState)
        .where(OAuthFlowState.state_hash == hash_secret(str(state)), OAuthFlowState.purpose == PURPOSE)
        .with_for_update()
    ).first()
    now = _now()
    if row is None or row.used_at is not None or row.expires_at <= now or row.user_id != user_id:
        raise TokenInvalid(WHAT)
    row.used_at = now
    return row.code_verifier


def exchange(code_verifier: str, code: object) -> CalendarGrant:
    """Trade the code for a refresh token (network; call outside any transaction)."""
    if not isinstance(code, str) or not code:
        raise CalendarConnectFailed("missing_code")
    try:
        return google_oauth.exchange_calendar_code(code, code_verifier)
    except GoogleOAuthError as err:
        log.warning("google calendar connect: code exchange failed: %s", err.reason)
        raise CalendarConnectFailed(err.reason) from err


def complete(ctx: RequestContext, *, user_id: uuid.UUID, state: object, code: object) -> ConnectionStatus:
    """Finish the consent redirect for the signed-in `user_id` and store the connection.

    Three short transactions of its own, none open while Google is called: consume the
    state (committed first, so it stays used whatever happens next), exchange the code,
    store the connection. Raises PermissionDenied, TokenInvalid, CalendarConnectFailed.
    """
    _require_self(ctx, user_id)
    with autonomous_scope() as s:
        _require_may_connect(s, ctx, user_id)
        verifier = consume_state(s, user_id, state)
    grant = exchange(verifier, code)
    try:
        with session_scope() as s:
            replaced = save(s, ctx, user_id, grant)
            s.flush()
            status_ = _status_of(s, user_id)
    except BaseException:
        _revoke_quietly(grant.refresh_token, "unsaved grant")  # never leave a grant we do not keep
        raise
    if replaced:
        # Another Google account was connected before: its grant is no longer ours to use.
        # (The same account keeps its grant: revoking the old token would end the new one too.)
        _revoke_quietly(replaced, "replaced connection")
    assert status_ is not None
    return status_


def save(session: Session, ctx: RequestContext, user_id: uuid.UUID, grant: CalendarGrant) -> str | None:
    """Store (or replace) the user's connection; return the old refresh token when it
    belonged to another Google account (for the caller to revoke after committing)."""
    _require_may_connect(session, ctx, user_id)
    now = _now()
    old = session.exec(select(CalendarConnection).where(CalendarConnection.user_id == user_id)
                       .with_for_update()).first()
    replaced = None
    if old is not None and old.google_email != grant.email:
        replaced = decrypt_token(old.refresh_token_enc)
    values = dict(google_email=grant.email, scopes=" ".join(grant.scopes),
                  refresh_token_enc=encrypt_token(grant.refresh_token), calendar_id="primary",
                  connected_at=now, updated_at=now, last_error=None)
    if old is None:
        session.add(CalendarConnection(user_id=user_id, **values))
    else:
        for key, value in values.items():
            setattr(old, key, value)
    # Busy times cached for an earlier connection are not this calendar's.
    session.execute(delete(CalendarBusyCache).where(col(CalendarBusyCache.user_id) == user_id))
    audit.record(session, ctx, action="calendar.connected", target_type="user", target_id=user_id,
                 before={"google_email": old.google_email} if old is not None else None,
                 after={"google_email": grant.email, "scopes": list(grant.scopes)})
    return replaced


# Reading -------------------------------------------------------------------------------------
def _status_of(session: Session, user_id: uuid.UUID) -> ConnectionStatus | None:
    row = session.exec(select(CalendarConnection).where(CalendarConnection.user_id == user_id)).first()
    if row is None:
        return None
    problem = row.last_error
    if problem is None and decrypt_token(row.refresh_token_enc) is None:
        problem = "Our stored access to this calendar can no longer be read. Please reconnect."
    return ConnectionStatus(google_email=row.google_email, scopes=tuple(row.scopes.split()),
                            calendar_id=row.calendar_id, connected_at=row.connected_at, problem=problem)


def status(session: Session, ctx: RequestContext, user_id: uuid.UUID) -> ConnectionStatus | None:
    """The user's own connection (None: not connected)."""
    _require_self(ctx, user_id)
    return _status_of(session, user_id)


def refresh_token_for(session: Session, user_id: uuid.UUID) -> str | None:
    """The tutor's decrypted refresh token, or None (not connected, or undecryptable)."""
    enc = session.execute(text("SELECT refresh_token_enc FROM calendar_connections WHERE user_id = :u"),
                          {"u": user_id}).scalar()
    if enc is None:
        return None
    token = decrypt_token(enc)
    if token is None:
        log.warning("google calendar: the stored refresh token cannot be decrypted (SECRET_KEY changed?)",
                    extra={"user_id": str(user_id)})
    return token


def calendar_id_for(session: Session, user_id: uuid.UUID) -> str | None:
    return session.execute(text("SELECT calendar_id FROM calendar_connections WHERE user_id = :u"),
                           {"u": user_id}).scalar()


def note_problem(session: Session, user_id: uuid.UUID, message: str | None) -> None:
    """Record (or with None clear) a permanent Google error for this connection."""
    session.execute(
        text("UPDATE calendar_connections SET last_error = :m, updated_at = now() "
             "WHERE user_id = :u AND last_error IS DISTINCT FROM :m"),
        {"u": user_id, "m": (message or "")[:300] or None},
    )


# Disconnect ----------------------------------------------------------------------------------
def _revoke_quietly(token: str | None, what: str) -> bool:
    if not token:
        return False
    try:
        google_oauth.revoke_token(token)
        return True
    except GoogleOAuthError as err:
        log.warning("google calendar: revoking the %s failed (%s)", what, err.reason)
        return False


def disconnect(ctx: RequestContext, user_id: uuid.UUID) -> bool:
    """Revoke at Google, then forget the connection and its cached busy times (even when
    the revoke failed: logged). False when there was nothing to disconnect. Opens its
    own transactions: none is held while Google is called."""
    _require_self(ctx, user_id)
    with session_scope() as s:
        enc = s.execute(text("SELECT refresh_token_enc FROM calendar_connections WHERE user_id = :u"),
                        {"u": user_id}).scalar()
    if enc is None:
        return False
    token = decrypt_token(enc)
    revoked = _revoke_quietly(token, "token on disconnect")
    if not revoked:
        log.warning("google calendar: disconnecting without a confirmed revoke", extra={"user_id": str(user_id)})
    with session_scope() as s:
        # Only the connection whose token was revoked: a reconnect that landed meanwhile stays.
        gone = s.execute(
            text("DELETE FROM calendar_connections WHERE user_id = :u AND refresh_token_enc = :e RETURNING google_email"),
            {"u": user_id, "e": enc},
        ).scalar()
        if gone is None:
            return False
        s.execute(delete(CalendarBusyCache).where(col(CalendarBusyCache.user_id) == user_id))
        audit.record(s, ctx, action="calendar.disconnected", target_type="user", target_id=user_id,
                     before={"google_email": gone}, after={"revoked_at_google": revoked})
    return True
