"""/tutor/reviews: a tutor reads their reviews and replies, once per review.

The list is the tutor's own (public anyway, but kept with the other private data so a tab
reached with another cookie shows nothing); replying re-checks the tutor on the server
and the service allows one reply per review (compare-and-swap).
"""

from __future__ import annotations

import uuid
from typing import Any, ClassVar

import reflex as rx

from tutorconnect.models.tutors import REVIEW_BODY_MAX
from tutorconnect.services import tutors
from tutorconnect.services.errors import DomainError, InvalidInput
from tutorconnect.services.sessions import CurrentUser
from tutorconnect.state.base import SessionState, in_transaction
from tutorconnect.state.forms import page_arg, short_str
from tutorconnect.state.guard import handler
from tutorconnect.timefmt import format_instant

PER_PAGE = 10


class TutorReviewsState(SessionState):
    PRIVATE: ClassVar[tuple[str, ...]] = (
        "_rows", "_owner", "total", "average", "replying_to", "reply_text", "reply_error",
    )
    _rows: list[dict[str, str]] = []
    _owner: str = ""
    loading: bool = True
    total: int = 0
    page: int = 1
    average: str = ""
    replying_to: str = ""  # review id whose reply form is open
    reply_text: str = ""
    reply_error: str = ""
    saving: bool = False

    @rx.var(cache=False)
    def rows(self) -> list[dict[str, str]]:
        return self._rows if self._may_see(self._owner) else []

    @rx.var
    def pages(self) -> int:
        return max(1, -(-self.total // PER_PAGE))

    @rx.var
    def reply_left(self) -> int:
        return REVIEW_BODY_MAX - len(self.reply_text)

    async def _reload(self, user, page: int) -> None:
        def read(session):
            summary = tutors.rating_summary(session, user.user_id)
            items, total = tutors.list_reviews(session, user.user_id, page=page, per_page=PER_PAGE)
            return summary, items, total

        summary, items, total = await in_transaction(read)
        zone = user.time_zone
        self._rows = [
            {"id": r.id, "name": r.student_name, "stars": "★" * r.rating + "☆" * (5 - r.rating),
             "rating": str(r.rating), "body": r.body, "date": format_instant(r.created_at, zone),
             "reply": r.reply_body or "", "reply_date": format_instant(r.replied_at, zone)}
            for r in items
        ]
        self._owner = self._bind_private()
        self.total, self.page = total, page
        self.average = tutors.format_rating(summary.rating_sum, summary.count) or ""

    @handler("tutor", busy="loading")
    async def load(self, user: CurrentUser):
        self.loading = True
        await self._reload(user, page_arg(self.router.url.query_parameters.get("page")))

    @handler("tutor")
    async def go_to_page(self, user: CurrentUser, page: Any):
        await self._reload(user, min(page_arg(page), self.pages))

    @rx.event
    def open_reply(self, review_id: Any):
        rid = short_str(review_id, 64)
        if rid is None or not any(r["id"] == rid and not r["reply"] for r in self.rows):
            self.replying_to = ""
            return rx.toast.error("That review cannot be replied to. Reload the page.")
        self.replying_to, self.reply_text, self.reply_error = rid, "", ""

    @rx.event
    def cancel_reply(self):
        self.replying_to, self.reply_text, self.reply_error = "", "", ""

    @rx.event
    def set_reply_text(self, value: Any):
        if isinstance(value, str):
            self.reply_text = value[: REVIEW_BODY_MAX + 100]
            self.reply_error = ""

    def _reply_refused(self, err: DomainError) -> Any:
        """Bad input (no review chosen, an empty or too long reply) shows under the form."""
        return self._input_error(err, "reply_error")

    @handler("tutor", busy="saving", on_error="_reply_refused")
    async def send_reply(self, user: CurrentUser):
        if self.saving:
            return
        try:
            review_id = uuid.UUID(self.replying_to)
        except ValueError:
            raise InvalidInput("review", "Choose a review to reply to.") from None
        self.saving = True
        await in_transaction(tutors.reply_to_review, self._ctx(user), review_id, user.user_id, self.reply_text)
        await self._reload(user, self.page)
        self.replying_to, self.reply_text = "", ""
        return rx.toast.success("Your reply is published under the review.")
