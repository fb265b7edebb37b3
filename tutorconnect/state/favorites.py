"""/favorites: a student's saved tutors. The list is this student's own: it is kept in a
backend var and shown only to the session that loaded it."""

from __future__ import annotations

import uuid
from typing import Any, ClassVar

import reflex as rx

from tutorconnect.money import format_money
from tutorconnect.services import tutors
from tutorconnect.services.errors import InvalidInput
from tutorconnect.services.sessions import CurrentUser
from tutorconnect.state.base import SessionState, in_transaction
from tutorconnect.state.forms import short_str
from tutorconnect.state.guard import handler


def _tutor_arg(value: Any) -> uuid.UUID:
    text = short_str(value, 64)
    try:
        return uuid.UUID(text or "")
    except ValueError:
        raise InvalidInput("tutor", "That tutor could not be found. Please reload the page.") from None


def _rating(card: tutors.TutorCard) -> str:
    """The card's rating, e.g. "4.7 (12)", or "New" without reviews (tutors.format_rating)."""
    shown = tutors.format_rating(card.rating_sum, card.rating_count)
    return "New" if shown is None else f"{shown} ({card.rating_count})"


class FavoritesState(SessionState):
    PRIVATE: ClassVar[tuple[str, ...]] = ("_rows", "_rows_owner")
    _rows: list[dict[str, str]] = []
    _rows_owner: str = ""
    loading: bool = True

    @rx.var(cache=False)
    def rows(self) -> list[dict[str, str]]:
        return self._rows if self._may_see(self._rows_owner) else []

    async def _reload(self, user) -> None:
        cards = await in_transaction(tutors.list_favorites, self._ctx(user), user.user_id)
        self._rows = [
            {
                "id": c.tutor_id, "slug": c.slug, "name": c.name, "headline": c.headline,
                "subjects": ", ".join(c.subjects[:3]), "photo": c.photo_path or "", "zone": c.time_zone,
                "price": format_money(c.hourly_rate_minor, c.currency) if c.hourly_rate_minor else "",
                "rating": _rating(c),
            }
            for c in cards
        ]
        self._rows_owner = self._bind_private()

    @handler("student", busy="loading")
    async def load(self, user: CurrentUser):
        self.loading = True
        await self._reload(user)

    @handler("student")
    async def remove(self, user: CurrentUser, tutor_id: Any):
        tid = _tutor_arg(tutor_id)
        name = next((r["name"] for r in self._rows if r["id"] == str(tid)), "The tutor")
        await in_transaction(tutors.remove_favorite, self._ctx(user), user.user_id, tid)
        await self._reload(user)
        return rx.toast.info(
            f"{name} was removed from your favorites.",
            action={"label": "Undo", "on_click": FavoritesState.undo(str(tid))},
        )

    @handler("student")
    async def undo(self, user: CurrentUser, tutor_id: Any):
        tid = _tutor_arg(tutor_id)
        await in_transaction(tutors.add_favorite, self._ctx(user), user.user_id, tid)
        await self._reload(user)
        return rx.toast.success("Saved again.")
