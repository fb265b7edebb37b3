"""Typed domain errors. Each carries a message that is safe to show to the user."""

from __future__ import annotations

from datetime import datetime


class PermanentJobError(Exception):
    """Raised by a background job whose failure no retry can fix (bad payload, a refusal):
    the outbox row goes straight to the dead letters instead of being retried."""


class DomainError(Exception):
    """Base class: `message` is written for the person who caused it."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class InvalidInput(DomainError):
    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


class InvalidCredentials(DomainError):
    def __init__(self) -> None:
        super().__init__("That email and password do not match an account.")


class AccountLocked(DomainError):
    def __init__(self, until: datetime):
        self.until = until
        super().__init__(
            "Too many failed sign-in attempts. Try again later or reset your password."
        )


class RateLimited(DomainError):
    def __init__(self, retry_after_seconds: int):
        self.retry_after_seconds = max(1, int(retry_after_seconds))
        minutes = -(-self.retry_after_seconds // 60)
        wait = f"{minutes} minute{'s' if minutes != 1 else ''}"
        super().__init__(f"Too many attempts. Please wait {wait} and try again.")


class EmailTaken(DomainError):
    def __init__(self) -> None:
        super().__init__("An account with that email already exists. Try signing in.")


class TokenInvalid(DomainError):
    def __init__(self, what: str = "link"):
        super().__init__(f"This {what} is invalid or has expired. Please request a new one.")


class NotAuthenticated(DomainError):
    def __init__(self) -> None:
        super().__init__("Please sign in to continue.")


class PermissionDenied(DomainError):
    def __init__(self, message: str = "You do not have permission to do that.") -> None:
        super().__init__(message)


class NotFound(DomainError):
    def __init__(self, what: str = "That item") -> None:
        super().__init__(f"{what} was not found.")


class FeatureDisabled(DomainError):
    pass
