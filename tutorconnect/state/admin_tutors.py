"""Admin tutor review: the tabbed tutor list (/admin/tutors) and one tutor's review page
(/admin/tutors/[tutor_id]) with the approval decisions. Every handler re-checks admin;
other users' data lives in backend vars shown only to the session that loaded it."""

from __future__ import annotations

import uuid
from typing import Any, ClassVar
from urllib.parse import unquote, urlencode

import reflex as rx

from tutorconnect.money import format_money
from tutorconnect.services import tutors
from tutorconnect.services.errors import DomainError, InvalidInput, NotFound
from tutorconnect.services.sessions import CurrentUser
from tutorconnect.services.tutors import REASON_MAX, REASON_MIN, TransitionNotAllowed
from tutorconnect.state.base import SessionState, in_transaction
from tutorconnect.state.forms import page_arg, parse_form, short_str
from tutorconnect.state.guard import handler
from tutorconnect.languages import language_name
from tutorconnect.timefmt import format_instant

TABS = tuple(tutors.STATUS_FILTERS)
STATUS_LABELS = {"draft": "Draft", "submitted": "Submitted", "under_review": "Under review", "approved": "Approved",
                 "rejected": "Rejected", "suspended": "Suspended"}
# action key -> (service function, needs a reason, past tense for the toast)
ACTIONS: dict[str, tuple[Any, bool, str]] = {
    "start_review": (tutors.start_review, False, "Review started"),
    "approve": (tutors.approve_tutor, False, "Approved"),
    "reject": (tutors.reject_tutor, True, "Rejected"),
    "suspend": (tutors.suspend_tutor, True, "Suspended"),
    "reinstate": (tutors.reinstate_tutor, False, "Reinstated"),
}
RACE_MESSAGE = ("This tutor's status changed before your decision: another admin decided first, or the tutor "
                "withdrew. The page now shows the current status.")


def _action_key(status: str, target: str) -> str:
    if target == "under_review":
        return "start_review"
    if target == "approved":
        return "reinstate" if status == "suspended" else "approve"
    return {"rejected": "reject", "suspended": "suspend"}.get(target, "")


def _listing(session, ctx, tab: str, q: str, page: int):
    rows, total = tutors.list_tutors(session, ctx, status=tab, q=q, page=page)
    return rows, total, tutors.tab_counts(session, ctx, q=q)


class AdminTutorsState(SessionState):
    # The search text may be someone's name or email.
    PRIVATE: ClassVar[tuple[str, ...]] = ("_rows", "_rows_owner", "total", "counts", "query")
    _rows: list[dict[str, str]] = []
    _rows_owner: str = ""
    total: int = 0
    page: int = 1
    tab: str = "waiting"
    query: str = ""
    loading: bool = True
    # How many tutors each tab holds (numbers only: no one's data).
    counts: dict[str, str] = {}

    @rx.var
    def pages(self) -> int:
        return max(1, -(-self.total // tutors.ADMIN_TUTORS_PER_PAGE))

    @rx.var(cache=False)
    def rows(self) -> list[dict[str, str]]:
        return self._rows if self._may_see(self._rows_owner) else []

    @handler("admin", busy="loading")
    async def load(self, user: CurrentUser):
        params = self.router.url.query_parameters
        tab = params.get("status") or "waiting"
        self.tab = tab if tab in TABS else "waiting"
        self.query = (params.get("q") or "")[: tutors.QUERY_MAX]
        self.page = page_arg(params.get("page"))
        self.loading = True
        rows, total, counts = await in_transaction(_listing, self._ctx(user), self.tab, self.query, self.page)
        self._rows_owner = self._bind_private()
        self._rows = [
            {
                "id": r.tutor_id, "name": r.name, "email": r.email, "headline": r.headline or "—",
                "status": r.status, "status_label": STATUS_LABELS.get(r.status, r.status),
                "submitted": format_instant(r.submitted_at, user.time_zone) or "—",
                "updated": format_instant(r.updated_at, user.time_zone),
            }
            for r in rows
        ]
        self.counts = {tab: str(n) for tab, n in counts.items()}
        self.total, self.loading = total, False
        return None

    def _url(self) -> str:
        params = {k: v for k, v in (("status", self.tab if self.tab != "waiting" else ""), ("q", self.query),
                                    ("page", str(self.page) if self.page > 1 else "")) if v}
        return "/admin/tutors" + (f"?{urlencode(params)}" if params else "")

    @handler("admin")
    async def search(self, form_data: Any):
        data = parse_form(form_data, {"q": tutors.QUERY_MAX})
        self.query, self.page, self.loading = " ".join(data["q"].split()), 1, True
        return rx.redirect(self._url())

    @handler("admin")
    async def choose_tab(self, tab: Any):
        self.tab = tab if isinstance(tab, str) and tab in TABS else "waiting"
        self.page, self.loading = 1, True
        return rx.redirect(self._url())

    @handler("admin")
    async def go_to_page(self, page: Any):
        self.page = page_arg(page)
        return rx.redirect(self._url())


def cancellation_text(cancelled: int, total: int) -> str:
    days = tutors.CANCELLATION_DAYS
    return (f"Cancelled by the tutor in the last {days} days: {cancelled} of {total} "
            f"booking{'' if total == 1 else 's'}")


def _tutor_id_from_path(path: str | None) -> str:
    path = (path or "").rstrip("/")
    prefix = "/admin/tutors/"  # the page is /admin/tutors/[review_id]
    if not path.startswith(prefix):
        return ""
    rest = unquote(path[len(prefix):])
    return "" if "/" in rest else rest


class AdminTutorReviewState(SessionState):
    """One tutor's review page. The tutor's id comes from the URL when the page loads and
    is kept server-side: decisions never take a tutor id from the browser."""

    PRIVATE: ClassVar[tuple[str, ...]] = ("_tutor", "_view", "_view_owner", "pending_action", "reason_error")
    _tutor: str = ""
    _view: dict[str, Any] = {}
    _view_owner: str = ""
    loading: bool = True
    found: bool = True
    pending_action: str = ""
    reason_error: str = ""
    busy: bool = False

    def _visible(self) -> dict[str, Any]:
        return self._view if self._may_see(self._view_owner) else {}

    @rx.var(cache=False)
    def profile(self) -> dict[str, str]:
        return self._visible().get("profile", {})

    @rx.var(cache=False)
    def subjects(self) -> list[dict[str, str]]:
        return self._visible().get("subjects", [])

    @rx.var(cache=False)
    def prices(self) -> list[dict[str, str]]:
        return self._visible().get("prices", [])

    @rx.var(cache=False)
    def documents(self) -> list[dict[str, str]]:
        return self._visible().get("documents", [])

    @rx.var(cache=False)
    def history(self) -> list[dict[str, str]]:
        return self._visible().get("history", [])

    @rx.var(cache=False)
    def missing(self) -> list[str]:
        return self._visible().get("missing", [])

    @rx.var(cache=False)
    def actions(self) -> list[str]:
        return self._visible().get("actions", [])

    @rx.var(cache=False)
    def completeness(self) -> int:
        return int(self._visible().get("profile", {}).get("completeness", "0"))

    @rx.var
    def needs_reason(self) -> bool:
        return self.pending_action in ("reject", "suspend")

    async def _reload(self, admin) -> None:
        view = await in_transaction(tutors.admin_tutor_view, self._ctx(admin), uuid.UUID(self._tutor))
        zone = admin.time_zone

        def money(minor: int | None) -> str:
            return format_money(minor, view.currency) if minor is not None else "—"

        self._view = {
            "profile": {
                "id": view.tutor_id, "slug": view.slug, "status": view.status,
                "status_label": STATUS_LABELS.get(view.status, view.status),
                "name": view.display_name or view.account_name, "account_name": view.account_name,
                "email": view.email, "headline": view.headline or "—", "bio": view.bio or "—",
                "photo": view.photo_path or "", "video": view.intro_video_url or "",
                "languages": ", ".join(f"{language_name(c)} ({lv})" for c, lv in view.languages) or "—",
                "hourly": money(view.hourly_rate_minor), "trial": money(view.trial_price_minor) if view.trial_price_minor else "No trial lesson",
                "confirmation": "Tutor confirms each booking" if view.requires_confirmation else "Booked instantly",
                "years": "—" if view.years_experience is None else f"{view.years_experience} years",
                "time_zone": view.time_zone, "completeness": str(view.completeness.score),
                "rejection_reason": view.rejection_reason or "",
                "submitted": format_instant(view.submitted_at, zone) or "—",
                "reviewed": format_instant(view.reviewed_at, zone) or "—",
                "approved": format_instant(view.approved_at, zone) or "—",
                "zone": zone,
                "cancellations": cancellation_text(*view.tutor_cancellations),
                "cancellations_flag": "yes" if view.tutor_cancellations[0] else "",
            },
            "subjects": [{"name": n, "level": lv, "retired": "retired" if r else ""} for n, lv, r in view.subjects],
            "prices": [{"minutes": f"{m} min", "price": money(p)} for m, p in view.prices.items()],
            "documents": [
                {"id": d.id, "title": d.title, "kind": d.kind.capitalize(), "issuer": d.issuer or "—",
                 "year": str(d.year or "—"), "size": f"{d.size_bytes / 1_000_000:.1f} MB" if d.size_bytes >= 100_000
                 else f"{max(1, round(d.size_bytes / 1000))} KB", "href": f"/api/tutor-documents/{d.id}"}
                for d in view.documents
            ],
            "history": [
                {"from": STATUS_LABELS.get(h.from_status, h.from_status), "to": STATUS_LABELS.get(h.to_status, h.to_status),
                 "actor": h.actor, "when": format_instant(h.created_at, zone), "reason": h.reason or ""}
                for h in view.history
            ],
            "missing": list(view.completeness.missing),
            "actions": [k for k in (_action_key(view.status, t) for t in view.actions) if k],
        }
        self._view_owner = self._bind_private()
        self.found = True

    @handler("admin", busy="loading", on_error="_load_failed")
    async def load(self, user: CurrentUser):
        self.loading, self.pending_action, self.reason_error = True, "", ""
        self._clear_private()
        raw = short_str(_tutor_id_from_path(self.router.url.path), 64) or ""
        try:
            self._tutor = str(uuid.UUID(raw))
        except ValueError:
            self._tutor, self.found, self.loading = "", False, False
            return None
        await self._reload(user)
        self.loading = False
        return None

    def _load_failed(self, err: DomainError) -> Any:
        """No such tutor: the page says so; any other refusal is refused as usual."""
        if isinstance(err, NotFound):
            self.found = False
            return None
        return self._refuse(err)

    @handler("admin")
    async def ask(self, action: Any):
        if not isinstance(action, str) or action not in self._visible().get("actions", []):
            return rx.toast.error("That decision is not available for this tutor now. Reload the page.")
        self.pending_action, self.reason_error = action, ""
        return None

    @rx.event
    def cancel(self):
        self.pending_action, self.reason_error = "", ""

    @handler("admin", on_error="_decision_failed")
    async def confirm(self, user: CurrentUser, form_data: Any = None):
        action = self.pending_action
        if action not in ACTIONS or not self._tutor:
            raise InvalidInput("action", "Choose a decision first.")
        fn, needs_reason, done = ACTIONS[action]
        try:
            if needs_reason:
                data = parse_form(form_data if form_data is not None else {}, {"reason": 2000})
                reason = data["reason"].strip()
                if not REASON_MIN <= len(reason) <= REASON_MAX:
                    self.reason_error = (f"Write a reason of {REASON_MIN} to {REASON_MAX} characters "
                                         f"(you have {len(reason)}). The tutor will see it.")
                    return None
                await in_transaction(fn, self._ctx(user), uuid.UUID(self._tutor), reason=reason)
            else:
                await in_transaction(fn, self._ctx(user), uuid.UUID(self._tutor))
        except TransitionNotAllowed:  # another admin decided first, or the tutor withdrew
            self.pending_action, self.reason_error = "", ""
            await self._reload(user)
            return rx.toast.warning(RACE_MESSAGE)
        self.pending_action, self.reason_error = "", ""
        name = self._view.get("profile", {}).get("name", "The tutor")
        await self._reload(user)
        return rx.toast.success(f"{done}: {name}. They have been notified.")

    def _decision_failed(self, err: DomainError) -> Any:
        """A reason (or form) we cannot take is shown in the dialog; anything else refuses."""
        if isinstance(err, InvalidInput) and err.field in ("reason", "form"):
            self.reason_error = err.message
            return None
        return self._refuse(err)
