"""The signed-in landing page, by role."""

from __future__ import annotations

import reflex as rx

from tutorconnect.services.errors import DomainError
from tutorconnect.state.base import SessionState


class DashboardState(SessionState):
    welcome: bool = False

    @rx.event
    async def load(self):
        try:
            user = await self._require(allow_unverified=True)
        except DomainError as err:
            return self._refuse(err)
        self._apply_user(user)
        self.welcome = self.router.url.query_parameters.get("welcome") == "1"
        return None
