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
from tutorconnect.models.search import SearchLexicon, TutorSearch
from tutorconnect.models.security import AuditLog, LoginAttempt, OutboxMessage, RateLimitBucket
from tutorconnect.models.tutors import (
    Favorite,
    Notification,
    Review,
    Subject,
    SubjectLevel,
    TutorDocument,
    TutorLanguage,
    TutorPrice,
    TutorProfile,
    TutorStatus,
    TutorStatusEvent,
    TutorSubject,
)

__all__ = [
    "SearchLexicon",
    "TutorSearch",
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
    "Favorite",
    "Notification",
    "Review",
    "TutorDocument",
    "TutorLanguage",
    "TutorPrice",
    "TutorStatusEvent",
]
