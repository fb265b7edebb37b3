"""The public home page: featured tutors and subjects (public data only)."""

from __future__ import annotations

import reflex as rx

from tutorconnect.money import format_money
from tutorconnect.services import tutors
from tutorconnect.state.base import SessionState, in_transaction


class HomeState(SessionState):
    featured: list[dict[str, str]] = []
    subjects: list[dict[str, str]] = []
    tutor_count: int = 0
    subject_count: int = 0
    loading: bool = True

    @rx.event
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
        self.subjects = [{"name": s.name, "count": str(s.tutor_count)} for s in taught]
        self.tutor_count, self.loading = count, False
