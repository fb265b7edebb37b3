"""A tutor's public page: the profile, prices, ratings and reviews of one listed tutor.

Everything here is public except `is_favorite` (whether this student saved the tutor) and
an admin's "hide review" dialog, which are `PRIVATE`: cleared on refusal and sign-out.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timezone
from typing import Any, ClassVar
from urllib.parse import unquote
from zoneinfo import ZoneInfo

import reflex as rx

from tutorconnect.languages import language_name
from tutorconnect.money import format_money
from tutorconnect.services import tutors
from tutorconnect.services.errors import DomainError, InvalidInput
from tutorconnect.services.sessions import CurrentUser
from tutorconnect.services.tutors import SLUG_MAX, public_profile
from tutorconnect.state.base import SessionState, in_transaction
from tutorconnect.state.forms import page_arg, short_str
from tutorconnect.state.guard import handler

REVIEWS_PER_PAGE = 10
def _local_time(zone: str) -> str:
    try:
        now = datetime.now(ZoneInfo(zone))
    except Exception:  # an unknown zone name: show UTC rather than fail
        now = datetime.now(timezone.utc)
    return now.strftime("%a %H:%M")


def _slug_from_path(path: str | None) -> str:
    """The [slug] of /tutors/[slug] (RouterData.page.params is deprecated in Reflex 0.10)."""
    path = (path or "").rstrip("/")
    prefix = "/tutors/"
    if not path.startswith(prefix):
        return ""
    slug = unquote(path[len(prefix):])
    return "" if "/" in slug else slug


def _date(value: datetime | None) -> str:
    return value.strftime("%d %b %Y") if value else ""


class TutorPageState(SessionState):
    PRIVATE: ClassVar[tuple[str, ...]] = ("is_favorite", "hide_target", "hide_reason", "hide_error")
    loading: bool = True
    found: bool = False
    tutor_slug: str = ""
    name: str = ""
    headline: str = ""
    bio: str = ""
    photo: str = ""
    zone: str = ""
    local_time: str = ""
    years: str = ""
    subjects: list[dict[str, str]] = []
    languages: list[dict[str, str]] = []
    prices: list[dict[str, str]] = []
    trial_price: str = ""
    rating_average: str = ""
    rating_count: int = 0
    distribution: list[dict[str, str]] = []
    reviews: list[dict[str, str]] = []
    review_total: int = 0
    review_page: int = 1
    is_favorite: bool = False
    hide_target: str = ""  # review id in the admin's "hide review" dialog
    hide_reason: str = ""
    hide_error: str = ""
    _tutor_id: str = ""

    @rx.var
    def review_pages(self) -> int:
        return max(1, -(-self.review_total // REVIEWS_PER_PAGE))

    @rx.var
    def show_favorite(self) -> bool:
        # Students save tutors; a signed-out visitor is sent to sign in; others never see it.
        return self.user_role in ("", "student")

    @rx.var
    def is_admin(self) -> bool:
        return self.user_role == "admin"

    def _reset(self) -> None:
        self.found, self._tutor_id, self.tutor_slug = False, "", ""
        self.name = self.headline = self.bio = self.photo = self.zone = self.local_time = self.years = ""
        self.subjects, self.languages, self.prices, self.distribution, self.reviews = [], [], [], [], []
        self.trial_price = self.rating_average = ""
        self.rating_count = self.review_total = 0
        self.review_page, self.is_favorite = 1, False

    @handler(public=True)
    async def load(self):
        self.loading = True
        self._reset()
        slug = short_str(_slug_from_path(self.router.url.path), SLUG_MAX)
        page = page_arg(self.router.url.query_parameters.get("page"))
        user = await self._current_user()
        student_id = uuid.UUID(str(user.user_id)) if user is not None and user.role == "student" else None

        def read(session):
            profile = public_profile(session, slug) if slug else None
            if profile is None:
                return None
            tid = uuid.UUID(profile.tutor_id)
            summary = tutors.rating_summary(session, tid)
            items, total = tutors.list_reviews(session, tid, page=page, per_page=REVIEWS_PER_PAGE)
            saved = tutors.is_favorite(session, student_id, tid) if student_id else False
            return profile, summary, items, total, saved

        result = await in_transaction(read)
        self.loading = False
        if result is None:
            return
        profile, summary, items, total, saved = result
        self.found, self._tutor_id, self.tutor_slug = True, profile.tutor_id, profile.slug
        self.name, self.headline, self.bio = profile.name, profile.headline, profile.bio
        self.photo, self.zone, self.local_time = profile.photo_path or "", profile.time_zone, _local_time(profile.time_zone)
        self.years = "" if profile.years_experience is None else str(profile.years_experience)
        self.subjects = [{"name": n, "level": lv.title()} for n, lv in profile.subjects]
        self.languages = [{"name": language_name(c), "level": lv if lv != "native" else "Native"} for c, lv in profile.languages]
        self.prices = [{"minutes": f"{m} min", "price": format_money(p, profile.currency)} for m, p in profile.prices.items()]
        self.trial_price = format_money(profile.trial_price_minor, profile.currency) if profile.trial_price_minor else ""
        self._set_summary(summary)
        self._set_reviews(items, total, page)
        self.is_favorite = saved
        if student_id is not None:
            self._bind_private()  # `is_favorite` is this student's: forgotten if another cookie comes

    def _set_summary(self, summary) -> None:
        self.rating_average = tutors.format_rating(summary.rating_sum, summary.count) or ""
        self.rating_count = summary.count
        top = max(summary.distribution.values()) if summary.distribution else 0
        self.distribution = [
            {"stars": str(s), "count": str(summary.distribution.get(s, 0)),
             "width": f"{(100 * summary.distribution.get(s, 0) / top) if top else 0:.0f}%"}
            for s in range(5, 0, -1)
        ]

    async def _reload_reviews(self) -> None:
        tid = uuid.UUID(self._tutor_id)

        def read(session):
            items, total = tutors.list_reviews(session, tid, page=1, per_page=REVIEWS_PER_PAGE)
            page = min(self.review_page, max(1, -(-total // REVIEWS_PER_PAGE)))
            if page != 1:
                items, total = tutors.list_reviews(session, tid, page=page, per_page=REVIEWS_PER_PAGE)
            return tutors.rating_summary(session, tid), items, total, page

        summary, items, total, page = await in_transaction(read)
        self._set_summary(summary)
        self._set_reviews(items, total, page)

    def _set_reviews(self, items, total: int, page: int) -> None:
        self.review_total, self.review_page = total, page
        self.reviews = [
            {"id": r.id, "name": r.student_name, "stars": "★" * r.rating + "☆" * (5 - r.rating), "rating": str(r.rating),
             "body": r.body, "date": _date(r.created_at), "reply": r.reply_body or "", "reply_date": _date(r.replied_at)}
            for r in items
        ]

    @handler(public=True)
    async def go_to_reviews(self, page: Any):
        if not self._tutor_id:
            return
        target = min(page_arg(page), self.review_pages)
        tid = uuid.UUID(self._tutor_id)
        items, total = await in_transaction(tutors.list_reviews, tid, page=target, per_page=REVIEWS_PER_PAGE)
        self._set_reviews(items, total, target)
        return rx.scroll_to("reviews-section")

    @handler("student")
    async def toggle_favorite(self, user: CurrentUser):
        if not self._tutor_id:
            return
        tid = uuid.UUID(self._tutor_id)
        ctx = self._ctx(user)
        adding = not self.is_favorite
        await in_transaction(tutors.add_favorite if adding else tutors.remove_favorite, ctx, user.user_id, tid)
        self.is_favorite = adding
        if adding:
            return rx.toast.success(
                f"{self.name} is saved to your favorites.",
                action={"label": "View favorites", "on_click": rx.redirect("/favorites")},
            )
        return rx.toast.info(f"{self.name} was removed from your favorites.")

    # -- admins: hide a review (with a reason shown in the audit log), undo by unhiding --
    @rx.event
    def ask_hide(self, review_id: Any):
        rid = short_str(review_id, 64)
        if rid is None or not any(r["id"] == rid for r in self.reviews) or self.user_role != "admin":
            return rx.toast.error("That review cannot be hidden from here. Reload the page.")
        self.hide_target, self.hide_reason, self.hide_error = rid, "", ""

    @rx.event
    def cancel_hide(self):
        self.hide_target = self.hide_reason = self.hide_error = ""

    @rx.event
    def set_hide_reason(self, value: Any):
        if isinstance(value, str):
            self.hide_reason, self.hide_error = value[:600], ""

    def _hide_refused(self, err: DomainError) -> Any:
        """Bad input (no reason, a vanished review) shows in the dialog, which stays open."""
        return self._input_error(err, "hide_error")

    @handler("admin", on_error="_hide_refused")
    async def confirm_hide(self, user: CurrentUser):
        review_id = _review_arg(self.hide_target)
        await in_transaction(tutors.hide_review, self._ctx(user), review_id, self.hide_reason)
        await self._reload_reviews()
        self.hide_target = self.hide_reason = ""
        return rx.toast.info(
            "The review is hidden and no longer counts in the rating.",
            action={"label": "Undo", "on_click": TutorPageState.unhide_review(str(review_id))},
        )

    @handler("admin")
    async def unhide_review(self, user: CurrentUser, review_id: Any):
        rid = _review_arg(review_id)
        await in_transaction(tutors.unhide_review, self._ctx(user), rid)
        if self._tutor_id:
            await self._reload_reviews()
        return rx.toast.success("The review is visible again.")


def _review_arg(value: Any) -> uuid.UUID:
    try:
        return uuid.UUID(short_str(value, 64) or "")
    except ValueError:
        raise InvalidInput("review", "That review could not be found. Reload the page.") from None
