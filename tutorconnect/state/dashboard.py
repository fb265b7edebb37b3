"""The signed-in landing page, by role. Tutors also see how far their profile is."""

from __future__ import annotations

from typing import Any, ClassVar

import reflex as rx

from tutorconnect.services import tutors
from tutorconnect.services.sessions import CurrentUser
from tutorconnect.state.base import SessionState, in_transaction
from tutorconnect.state.guard import handler
from tutorconnect.state.onboarding_support import STATUS_LABELS, missing_items

_NO_PROFILE: dict[str, Any] = {"status": "", "score": 0, "missing": [], "reason": ""}


class DashboardState(SessionState):
    PRIVATE: ClassVar[tuple[str, ...]] = ("_profile", "_profile_owner")
    welcome: bool = False
    _profile: dict[str, Any] = dict(_NO_PROFILE)
    _profile_owner: str = ""

    def _own_profile(self) -> dict[str, Any]:
        return self._profile if self._may_see(self._profile_owner) else _NO_PROFILE

    @rx.var(cache=False)
    def profile_status(self) -> str:
        return self._own_profile()["status"]

    @rx.var(cache=False)
    def profile_status_label(self) -> str:
        return STATUS_LABELS.get(self._own_profile()["status"], "")

    @rx.var(cache=False)
    def profile_score(self) -> int:
        return self._own_profile()["score"]

    @rx.var(cache=False)
    def profile_reason(self) -> str:
        return self._own_profile()["reason"]

    @rx.var(cache=False)
    def profile_missing(self) -> list[dict[str, str]]:
        return self._own_profile()["missing"]

    @handler(allow_unverified=True)
    async def load(self, user: CurrentUser):
        self._apply_user(user)
        self._clear_private()
        if user.role == "tutor":
            draft = await in_transaction(tutors.load_draft, self._ctx(user), user.user_id)
            self._profile = {
                "status": draft.status,
                "score": draft.completeness.score,
                "missing": missing_items(draft.completeness.missing),
                "reason": (draft.rejection_reason or "") if draft.status == "rejected" else "",
            }
            self._profile_owner = self._bind_private()
        self.welcome = self.router.url.query_parameters.get("welcome") == "1"
        return None
