"""Why a lesson time cannot be booked: `SlotUnavailable(reason, message)` and its reason
codes. A module of its own so that holds, the bookability check and slot search can all
raise it without importing one another.
"""

from __future__ import annotations

from tutorconnect.services.errors import DomainError

REASONS = ("past", "min_notice", "horizon", "outside_availability", "taken", "held", "daily_limit",
           "length_not_offered", "tutor_not_listed")


class SlotUnavailable(DomainError):
    def __init__(self, reason: str, message: str) -> None:
        assert reason in REASONS, reason
        self.reason = reason
        super().__init__(message)
