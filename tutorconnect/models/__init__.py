"""All tables, imported here so `SQLModel.metadata` is complete for Alembic."""

from tutorconnect.models.accounts import (
    AuthToken,
    OAuthFlowState,
    OAuthIdentity,
    Role,
    TokenPurpose,
    User,
    UserSession,
)
from tutorconnect.models.security import AuditLog, LoginAttempt, OutboxMessage, RateLimitBucket
from tutorconnect.models.tutors import Subject, SubjectLevel, TutorProfile, TutorStatus, TutorSubject

__all__ = [
    "AuditLog",
    "AuthToken",
    "LoginAttempt",
    "OAuthFlowState",
    "OAuthIdentity",
    "OutboxMessage",
    "RateLimitBucket",
    "Role",
    "TokenPurpose",
    "User",
    "UserSession",
    "Subject",
    "SubjectLevel",
    "TutorProfile",
    "TutorStatus",
    "TutorSubject",
]
