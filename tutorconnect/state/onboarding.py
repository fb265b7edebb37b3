"""/tutor/profile: the tutor onboarding wizard (tutor role only).

The wizard's data is the tutor's own: it lives in backend vars bound to the session that
loaded it (`_owner`) and reaches the page only through computed vars that check
`_may_see`. Every handler re-checks the role on the server, validates its arguments and
calls one service; a refused or failed save changes nothing (the services validate the
whole step before writing). The step lives in the URL (`?step=N`), so "Save and continue"
redirects and `load` re-reads the saved profile: reload, back and forward all resume.
Photos and documents arrive through Reflex's upload endpoint as bytes handed straight to
the services; nothing is written to Reflex's public upload directory.

The handlers of steps 2-3, 4 and 5-6 live in mixins (onboarding_rows.py,
onboarding_pricing.py, onboarding_files.py); plain helpers in onboarding_support.py.
"""

from __future__ import annotations

import dataclasses
from typing import Any, ClassVar

import reflex as rx

from tutorconnect.languages import language_name
from tutorconnect.services import tutors
from tutorconnect.services.errors import DomainError, InvalidInput, NotAuthenticated, PermissionDenied
from tutorconnect.services.sessions import CurrentUser
from tutorconnect.timezones import zone_option_dicts
from tutorconnect.state.base import SessionState, in_transaction
from tutorconnect.state.guard import handler
from tutorconnect.state.onboarding_files import OnboardingFilesMixin
from tutorconnect.state.onboarding_pricing import OnboardingPricingMixin
from tutorconnect.state.onboarding_rows import OnboardingRowsMixin
from tutorconnect.state.forms import parse_form
from tutorconnect.state.onboarding_support import (
    LAST_STEP, STATUS_LABELS, STEPS, document_rows, draft_view,
    price_preview, step_arg,
)

_EMPTY: dict[str, Any] = {
    "basics": {}, "subjects": [], "languages": [], "pricing": {}, "lengths": [], "overrides": {},
    "photo": "", "video": "", "status": "", "reason": "", "slug": "", "score": 0, "missing": [], "documents": [],
}


@dataclasses.dataclass
class SubjectOption:
    slug: str
    name: str


@dataclasses.dataclass
class SubjectGroup:
    category: str
    subjects: list[SubjectOption]


# InvalidInput fields that have no place on the page: their message is shown as a toast.
_NO_FIELD = frozenset({"form", "row", "document", "profile", "currency", "photo_path"})


class OnboardingState(SessionState, OnboardingRowsMixin, OnboardingPricingMixin, OnboardingFilesMixin):
    # The tutor's draft (`_v`, whose owner is `_owner`), what they typed about it (errors, the
    # bio's length, the document they are removing) and the subject options, which list
    # the retired subjects this tutor kept. The mixins keep no vars of their own.
    PRIVATE: ClassVar[tuple[str, ...]] = (
        "_v", "_owner", "confirm_remove", "field_errors", "error", "bio_len", "subject_groups",
        "zones",  # loaded for the signed-in tutor; a refused holder gets none
    )
    step: int = 1
    loading: bool = True
    saving: bool = False
    uploading: bool = False
    error: str = ""
    field_errors: dict[str, str] = {}
    bio_len: int = 0
    form_key: int = 0  # bumped on every load so uncontrolled forms show the saved values
    doc_form_key: int = 0  # bumped after each stored document so the add-document form empties
    confirm_remove: str = ""
    denied: str = ""  # why the wizard is not shown (wrong role, email not verified)
    subject_groups: list[SubjectGroup] = []
    zones: list[dict[str, str]] = []  # every offered zone with its offset (timezones.py)
    _v: dict[str, Any] = dict(_EMPTY)
    _owner: str = ""

    # -- what the page may show ---------------------------------------------------------
    def _mine(self) -> dict[str, Any]:
        return self._v if self._may_see(self._owner) else _EMPTY

    @rx.var(cache=False)
    def basics(self) -> dict[str, str]:
        return self._mine()["basics"]

    @rx.var(cache=False)
    def subject_rows(self) -> list[dict[str, str]]:
        return self._mine()["subjects"]

    @rx.var(cache=False)
    def language_rows(self) -> list[dict[str, str]]:
        return [{**r, "name": language_name(r["code"])} for r in self._mine()["languages"]]

    @rx.var(cache=False)
    def pricing(self) -> dict[str, str]:
        return self._mine()["pricing"]

    @rx.var(cache=False)
    def lengths(self) -> list[int]:
        return self._mine()["lengths"]

    @rx.var(cache=False)
    def overrides(self) -> dict[str, str]:
        return self._mine()["overrides"]

    @rx.var(cache=False)
    def preview(self) -> list[dict[str, str]]:
        v = self._mine()
        return price_preview(v["pricing"].get("hourly", ""), v["lengths"], v["overrides"]) if v["pricing"] else []

    @rx.var(cache=False)
    def photo(self) -> str:
        return self._mine()["photo"]

    @rx.var(cache=False)
    def video(self) -> str:
        return self._mine()["video"]

    @rx.var(cache=False)
    def documents(self) -> list[dict[str, str]]:
        return self._mine()["documents"]

    @rx.var(cache=False)
    def status(self) -> str:
        return self._mine()["status"]

    @rx.var(cache=False)
    def status_label(self) -> str:
        return STATUS_LABELS.get(self._mine()["status"], "")

    @rx.var(cache=False)
    def rejection_reason(self) -> str:
        return self._mine()["reason"]

    @rx.var(cache=False)
    def public_href(self) -> str:
        slug = self._mine()["slug"]
        return f"/tutors/{slug}" if slug else ""

    @rx.var(cache=False)
    def score(self) -> int:
        return self._mine()["score"]

    @rx.var(cache=False)
    def missing(self) -> list[dict[str, str]]:
        return self._mine()["missing"]

    @rx.var(cache=False)
    def locked(self) -> bool:
        return self._mine()["status"] == "under_review"

    @rx.var
    def step_label(self) -> str:
        return STEPS[self.step - 1][1] if 1 <= self.step <= LAST_STEP else ""

    @rx.var(cache=False)
    def steps(self) -> list[dict[str, str]]:
        missing_steps = {m["step"] for m in self._mine()["missing"]}
        loaded = bool(self._mine()["status"])
        return [
            {"num": str(n), "label": label, "icon": icon, "href": f"/tutor/profile?step={n}",
             "state": "current" if n == self.step else ("todo" if not loaded or str(n) in missing_steps
                                                         or (n == LAST_STEP and self._mine()["status"] in ("draft", "rejected"))
                                                         else "done")}
            for n, label, icon in STEPS
        ]

    # -- loading ------------------------------------------------------------------------
    async def _reload(self, user) -> None:
        ctx = self._ctx(user)

        def read(session):
            draft = tutors.load_draft(session, ctx, user.user_id)
            docs = tutors.list_documents(session, ctx, user.user_id)
            # A suspension's reason lives only in the status history (the profile keeps a
            # rejection's): the tutor's own history, read for their own id.
            suspended_for = ""
            if draft.status == "suspended":
                events = [e for e in tutors.approval_history(session, user.user_id) if e.to_status == "suspended"]
                suspended_for = (events[-1].reason or "") if events else ""
            return draft, docs, tutors.active_subjects(session), suspended_for

        draft, docs, active, suspended_for = await in_transaction(read)
        view = draft_view(draft)
        if suspended_for:
            view["reason"] = "Reason: " + suspended_for
        view["documents"] = document_rows(docs)
        self._v, self._owner = view, self._bind_private()
        self.bio_len = len(view["basics"]["bio"])
        self.form_key += 1
        groups: dict[str, list[SubjectOption]] = {}
        for s in active:
            groups.setdefault(s.category, []).append(SubjectOption(s.slug, s.name))
        # A subject the tutor kept after it was retired still shows in its row.
        known = {s.slug for s in active}
        kept = [r["slug"] for r in view["subjects"] if r["slug"] not in known]
        if kept:
            groups["No longer offered"] = [SubjectOption(k, k.replace("-", " ").title()) for k in kept]
        self.subject_groups = [SubjectGroup(c, rows) for c, rows in groups.items()]

    def _start_load(self) -> None:
        """Every load, refused or not: the step in the URL, no errors, nothing in flight."""
        self.step = step_arg(self.router.url.query_parameters.get("step"))
        self.error, self.field_errors, self.saving, self.uploading, self.confirm_remove = "", {}, False, False, ""

    def _deny(self, err: DomainError) -> Any:
        """A refused load: the page says why instead of showing the wizard."""
        self._start_load()
        self.denied = err.message
        return self._refuse(err)

    @handler("tutor", busy="loading", on_error="_deny")
    async def load(self, user: CurrentUser):
        self._start_load()
        self.zones = zone_option_dicts()  # offsets move with DST: read on each load
        await self._reload(user)
        self.loading, self.denied = False, ""
        if "step" not in self.router.url.query_parameters:
            resume = self._resume_step()
            if resume != 1:
                # Opening /tutor/profile resumes where the tutor left off; the URL says so.
                self.step = resume
                return rx.redirect(f"/tutor/profile?step={resume}", replace=True)
        return None

    def _resume_step(self) -> int:
        v = self._mine()
        if v["status"] in ("draft", "rejected"):
            return int(v["missing"][0]["step"]) if v["missing"] else LAST_STEP
        return LAST_STEP if v["status"] in ("submitted", "under_review") else 1

    # -- shared plumbing ----------------------------------------------------------------
    def _fail(self, err: DomainError) -> Any:
        """The wizard's `on_error`. Bad input keeps the page as it is: the message goes next
        to its field (when the step shows one) and into a toast. Anything else (signed out,
        wrong role, locked profile, refused transition) is a refusal. The guard has reset
        `saving` / `uploading` (each handler names the one it sets as `busy`)."""
        if isinstance(err, InvalidInput):
            self.field_errors = {} if err.field in _NO_FIELD else {err.field: err.message}
            self.error = ""
            return rx.toast.error(err.message)
        if isinstance(err, (NotAuthenticated, PermissionDenied)):
            return self._refuse(err)
        # ProfileLocked, a refused transition, a vanished row: the tutor keeps their page.
        return rx.toast.error(err.message)

    async def _saved(self, user, message: str, *, advance: bool = True) -> Any:
        await self._reload(user)
        self.saving = False
        events: list[Any] = [rx.toast.success(message)]
        if advance and self.step < LAST_STEP:
            events.append(rx.redirect(f"/tutor/profile?step={self.step + 1}"))
        return events

    def _edit(self, key: str) -> Any:
        if not self._may_see(self._owner):
            raise InvalidInput("form", "Your profile is not loaded. Please reload the page.")
        return self._v[key]

    # -- step 1: basics -----------------------------------------------------------------
    @handler("tutor")
    async def bio_typed(self, value: Any):
        self.bio_len = len(value) if isinstance(value, str) else 0
        return None

    @handler("tutor", busy="saving", on_error="_fail")
    async def save_basics(self, user: CurrentUser, form_data: Any):
        self.saving, self.error, self.field_errors = True, "", {}
        yield
        data = parse_form(form_data, {"display_name": 200, "headline": 400, "bio": 8000,
                                      "years_experience": 8, "time_zone": 64})
        years_text = data["years_experience"].strip()
        if not years_text.isascii() or not years_text.isdigit():
            raise InvalidInput("years_experience", "Enter your years of teaching experience as a whole number (0 is fine).")
        await in_transaction(
            tutors.save_basics, self._ctx(user), user.user_id,
            display_name=data["display_name"], headline=data["headline"], bio=data["bio"],
            years_experience=int(years_text), time_zone=data["time_zone"],
        )
        self.user_time_zone = data["time_zone"]
        yield await self._saved(user, "Basics saved.")

    # -- step 7: submit -----------------------------------------------------------------
    @handler("tutor", busy="saving", on_error="_transition_refused")
    async def submit(self, user: CurrentUser):
        async for update in self._transition(
            user, tutors.submit_profile,
            rx.toast.success("Submitted for review. We will let you know when an admin decides."),
        ):
            yield update

    @handler("tutor", busy="saving", on_error="_transition_refused")
    async def withdraw(self, user: CurrentUser):
        async for update in self._transition(
            user, tutors.withdraw_submission, rx.toast.info("Submission withdrawn. Your profile is a draft again.")
        ):
            yield update

    async def _transition(self, user, action, done):
        """Run one of the tutor's own approval transitions and show the outcome (a refusal:
        `_transition_refused`)."""
        self.saving = True
        yield
        await in_transaction(action, self._ctx(user), user.user_id)
        await self._reload(user)
        self.saving = False
        yield done

    async def _transition_refused(self, err: DomainError) -> Any:
        """A refused transition (incomplete profile, an admin decided first): show the
        status as it is now."""
        await self._reload_quietly()
        return self._fail(err)

    async def _reload_quietly(self) -> None:
        """After a refused transition, show the status as it really is now."""
        try:
            user = await self._require("tutor")
            await self._reload(user)
        except DomainError:
            pass
