"""The public home page: featured tutors and subjects (public data only)."""

from __future__ import annotations

from typing import Any, ClassVar

import reflex as rx

from tutorconnect.money import format_money
from tutorconnect.services import tutors
from tutorconnect.services.discovery import SearchQuery
from tutorconnect.services.errors import InvalidInput
from tutorconnect.state.base import SessionState, in_transaction
from tutorconnect.state.discovery import search_url
from tutorconnect.state.guard import handler


class HomeState(SessionState):
    PRIVATE: ClassVar[tuple[str, ...]] = ()  # public listings only
    featured: list[dict[str, str]] = []
    subjects: list[dict[str, str]] = []
    tutor_count: int = 0
    subject_count: int = 0
    loading: bool = True

    @handler(public=True)
    async def load(self):
        def read(session):
            return (
                tutors.featured_tutors(session, limit=8),
                tutors.subject_catalog(session),
                tutors.count_approved(session),
            )

        cards, subjects, count = await in_transaction(read)
        self.featured = [
            {
                "name": c.name, "slug": c.slug, "headline": c.headline, "subjects": ", ".join(c.subjects[:3]),
                "price": format_money(c.hourly_rate_minor, c.currency) if c.hourly_rate_minor else "",
                "photo": c.photo_path or "", "zone": c.time_zone,
            }
            for c in cards
        ]
        taught = [s for s in subjects if s.tutor_count]
        self.subject_count = len(taught)
        popular = sorted(taught, key=lambda s: (-s.tutor_count, s.name))
        self.subjects = [
            {"name": s.name, "count": str(s.tutor_count), "href": search_url({"subject": s.slug})} for s in popular
        ]
        self.tutor_count, self.loading = count, False

    @handler(public=True)
    async def search(self, form_data: Any):
        """The home search box: go to /tutors?q=... (an empty box shows every tutor)."""
        raw = form_data.get("q") if isinstance(form_data, dict) else None
        if raw is not None and (not isinstance(raw, str) or len(raw) > 400):
            raise InvalidInput("q", "Search text can be at most 100 characters.")
        query = SearchQuery.from_params({"q": raw or ""})
        return rx.redirect(search_url(query.to_params()))
