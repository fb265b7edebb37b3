"""Accounts: users, server-side sessions, OAuth identities, single-use tokens."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, Column, ForeignKey, Index, Text, text
from sqlalchemy.dialects.postgresql import UUID as PGUUID
from sqlmodel import Field, SQLModel

from tutorconnect.models.base import check_in, tstz, uuid_pk


class Role(StrEnum):
    STUDENT = "student"
    TUTOR = "tutor"
    ADMIN = "admin"


class TokenPurpose(StrEnum):
    PASSWORD_RESET = "password_reset"
    EMAIL_VERIFY = "email_verify"
    # A one-minute code that moves a session from a State handler to an HttpOnly cookie.
    SESSION_HANDOFF = "session_handoff"


ROLES = tuple(r.value for r in Role)
TOKEN_PURPOSES = tuple(p.value for p in TokenPurpose)


def user_fk(*, nullable: bool = False, ondelete: str = "CASCADE", index: bool = True):
    return Field(
        default=None if nullable else ...,
        sa_column=Column(
            PGUUID(as_uuid=True),
            ForeignKey("users.id", ondelete=ondelete),
            nullable=nullable,
            index=index,
        ),
    )


class User(SQLModel, table=True):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint(check_in("role", ROLES), name="ck_users_role"),
        CheckConstraint("email = lower(email)", name="ck_users_email_normalized"),
        CheckConstraint("char_length(full_name) BETWEEN 1 AND 120", name="ck_users_full_name_len"),
        CheckConstraint("char_length(time_zone) BETWEEN 1 AND 64", name="ck_users_time_zone_len"),
        CheckConstraint("phone_e164 ~ '^\\+[1-9][0-9]{7,14}$'", name="ck_users_phone_e164"),
        Index("uq_users_email", "email", unique=True),
        Index("ix_users_role_created", "role", "created_at"),
        Index(
            "ix_users_name_trgm",
            "full_name",
            postgresql_using="gin",
            postgresql_ops={"full_name": "gin_trgm_ops"},
        ),
    )

    id: uuid.UUID = uuid_pk()
    email: str = Field(sa_column=Column(Text, nullable=False))
    full_name: str = Field(sa_column=Column(Text, nullable=False))
    # None for accounts that only ever signed in with Google.
    password_hash: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    role: str = Field(
        default=Role.STUDENT.value,
        sa_column=Column(Text, nullable=False, server_default=text("'student'")),
    )
    time_zone: str = Field(
        default="UTC", sa_column=Column(Text, nullable=False, server_default=text("'UTC'"))
    )
    email_verified_at: datetime | None = tstz()
    last_login_at: datetime | None = tstz()
    password_changed_at: datetime | None = tstz()
    created_at: datetime = tstz(nullable=False, now_default=True)
    updated_at: datetime = tstz(nullable=False, now_default=True)
    # Mobile number for text-message notifications (E.164, "+919876543210"); optional.
    phone_e164: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    # Soft delete / deactivation: a deleted account cannot sign in and is hidden.
    deleted_at: datetime | None = tstz()

    @property
    def is_verified(self) -> bool:
        return self.email_verified_at is not None


class UserSession(SQLModel, table=True):
    """A signed-in browser. The cookie holds a random token; only its SHA-256 is stored."""

    __tablename__ = "user_sessions"
    __table_args__ = (
        Index("uq_user_sessions_token_hash", "token_hash", unique=True),
        Index(
            "ix_user_sessions_user_active",
            "user_id",
            "created_at",
            postgresql_where=text("revoked_at IS NULL"),
        ),
        Index("ix_user_sessions_expires_at", "expires_at"),
        CheckConstraint("expires_at > created_at", name="ck_user_sessions_expiry"),
    )

    id: uuid.UUID = uuid_pk()
    user_id: uuid.UUID = user_fk(index=False)
    token_hash: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = tstz(nullable=False, now_default=True)
    last_seen_at: datetime = tstz(nullable=False, now_default=True)
    expires_at: datetime = tstz(nullable=False)
    revoked_at: datetime | None = tstz()
    revoked_reason: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    ip: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    user_agent: str | None = Field(default=None, sa_column=Column(Text, nullable=True))


class OAuthIdentity(SQLModel, table=True):
    __tablename__ = "oauth_identities"
    __table_args__ = (
        CheckConstraint(check_in("provider", ("google",)), name="ck_oauth_identities_provider"),
        Index("uq_oauth_identities_provider_subject", "provider", "subject", unique=True),
    )

    id: uuid.UUID = uuid_pk()
    user_id: uuid.UUID = user_fk()
    provider: str = Field(sa_column=Column(Text, nullable=False))
    subject: str = Field(sa_column=Column(Text, nullable=False))
    email: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = tstz(nullable=False, now_default=True)
    last_used_at: datetime | None = tstz()


OAUTH_FLOW_PURPOSES = ("signin", "calendar")


class OAuthFlowState(SQLModel, table=True):
    """The server-side half of an OAuth redirect: `state`, PKCE verifier, where to return.

    `purpose` keeps the flows apart (a sign-in state is useless at the Calendar callback
    and the other way round); a "calendar" flow also names the signed-in user who started
    it, and only that user's session may finish it.
    """

    __tablename__ = "oauth_flow_states"
    __table_args__ = (
        Index("uq_oauth_flow_states_state_hash", "state_hash", unique=True),
        Index("ix_oauth_flow_states_expires_at", "expires_at"),
        CheckConstraint(check_in("purpose", OAUTH_FLOW_PURPOSES), name="ck_oauth_flow_states_purpose"),
        CheckConstraint("purpose <> 'calendar' OR user_id IS NOT NULL", name="ck_oauth_flow_states_calendar_user"),
    )

    id: uuid.UUID = uuid_pk()
    state_hash: str = Field(sa_column=Column(Text, nullable=False))
    code_verifier: str = Field(sa_column=Column(Text, nullable=False))
    next_path: str = Field(default="/", sa_column=Column(Text, nullable=False))
    purpose: str = Field(default="signin", sa_column=Column(Text, nullable=False, server_default=text("'signin'")))
    user_id: uuid.UUID | None = Field(default=None, sa_column=Column(
        PGUUID(as_uuid=True), ForeignKey("users.id", ondelete="CASCADE"), nullable=True))
    created_at: datetime = tstz(nullable=False, now_default=True)
    expires_at: datetime = tstz(nullable=False)
    used_at: datetime | None = tstz()


class AuthToken(SQLModel, table=True):
    """Single-use, expiring tokens sent by email or handed to the browser. Hash only."""

    __tablename__ = "auth_tokens"
    __table_args__ = (
        CheckConstraint(check_in("purpose", TOKEN_PURPOSES), name="ck_auth_tokens_purpose"),
        Index("uq_auth_tokens_token_hash", "token_hash", unique=True),
        Index("ix_auth_tokens_user_purpose", "user_id", "purpose"),
        Index("ix_auth_tokens_expires_at", "expires_at"),
    )

    id: uuid.UUID = uuid_pk()
    user_id: uuid.UUID = user_fk(index=False)
    purpose: str = Field(sa_column=Column(Text, nullable=False))
    token_hash: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = tstz(nullable=False, now_default=True)
    expires_at: datetime = tstz(nullable=False)
    used_at: datetime | None = tstz()
