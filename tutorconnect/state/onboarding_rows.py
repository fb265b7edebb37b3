"""Steps 2 and 3 of the onboarding wizard: rows of (subject, level) and (language, level)
edited in the tab's private state, then saved in one call.

A mixin of OnboardingState (state/onboarding.py), which declares the vars used here and
the helpers `_edit`, `_fail` (every handler's `on_error`), `_saved`, `_ctx`.
"""

from __future__ import annotations

from typing import Any

import reflex as rx

from tutorconnect.models.tutors import LANGUAGE_LEVELS, SUBJECT_LEVELS
from tutorconnect.services import tutors
from tutorconnect.services.errors import InvalidInput
from tutorconnect.services.sessions import CurrentUser
from tutorconnect.state.base import in_transaction
from tutorconnect.state.guard import handler
from tutorconnect.languages import LANGUAGES
from tutorconnect.state.onboarding_support import MAX_ROWS, choice_arg, index_arg


class OnboardingRowsMixin(rx.State, mixin=True):
    # -- steps 2 and 3: rows of (choice, level) ------------------------------------------
    def _rows(self, key: str) -> list[dict[str, str]]:
        return self._edit(key)

    def _row_edit(self, key: str, fn) -> None:
        rows = [dict(r) for r in self._rows(key)]
        fn(rows)
        self._v = {**self._v, key: rows}
        self.field_errors = {}

    def _subject_slugs(self) -> set[str]:
        return {s.slug for g in self.subject_groups for s in g.subjects}

    @handler("tutor", on_error="_fail")
    async def add_subject_row(self):
        def add(rows):
            if len(rows) >= MAX_ROWS:
                raise InvalidInput("subjects", f"You can list at most {MAX_ROWS} subjects.")
            rows.append({"slug": "", "level": "intermediate"})
        self._row_edit("subjects", add)

    @handler("tutor", on_error="_fail")
    async def remove_subject_row(self, index: Any):
        self._row_edit("subjects", lambda rows: rows.pop(index_arg(index, len(rows))))

    @handler("tutor", on_error="_fail")
    async def set_subject(self, index: Any, slug: Any):
        def change(rows):
            rows[index_arg(index, len(rows))]["slug"] = choice_arg(
                "subjects", slug, self._subject_slugs(), "Choose a subject from the list.")
        self._row_edit("subjects", change)

    @handler("tutor", on_error="_fail")
    async def set_subject_level(self, index: Any, level: Any):
        def change(rows):
            rows[index_arg(index, len(rows))]["level"] = choice_arg(
                "subjects", level, SUBJECT_LEVELS, "Choose a level from the list.")
        self._row_edit("subjects", change)

    @handler("tutor", busy="saving", on_error="_fail")
    async def save_subjects(self, user: CurrentUser):
        self.saving, self.field_errors = True, {}
        yield
        rows = self._rows("subjects")
        if any(not r["slug"] for r in rows):
            raise InvalidInput("subjects", "Choose a subject in every row, or remove the empty row.")
        await in_transaction(tutors.save_subjects, self._ctx(user), user.user_id,
                             [(r["slug"], r["level"]) for r in rows])
        yield await self._saved(user, "Subjects saved.")

    @handler("tutor", on_error="_fail")
    async def add_language_row(self):
        def add(rows):
            if len(rows) >= MAX_ROWS:
                raise InvalidInput("languages", f"You can list at most {MAX_ROWS} languages.")
            rows.append({"code": "", "level": "C1"})
        self._row_edit("languages", add)

    @handler("tutor", on_error="_fail")
    async def remove_language_row(self, index: Any):
        self._row_edit("languages", lambda rows: rows.pop(index_arg(index, len(rows))))

    @handler("tutor", on_error="_fail")
    async def set_language(self, index: Any, code: Any):
        def change(rows):
            rows[index_arg(index, len(rows))]["code"] = choice_arg(
                "languages", code, tuple(LANGUAGES), "Choose a language from the list.")
        self._row_edit("languages", change)

    @handler("tutor", on_error="_fail")
    async def set_language_level(self, index: Any, level: Any):
        def change(rows):
            rows[index_arg(index, len(rows))]["level"] = choice_arg(
                "languages", level, LANGUAGE_LEVELS, "Choose a level: A1 to C2, or native.")
        self._row_edit("languages", change)

    @handler("tutor", busy="saving", on_error="_fail")
    async def save_languages(self, user: CurrentUser):
        self.saving, self.field_errors = True, {}
        yield
        rows = self._rows("languages")
        if any(not r["code"] for r in rows):
            raise InvalidInput("languages", "Choose a language in every row, or remove the empty row.")
        await in_transaction(tutors.save_languages, self._ctx(user), user.user_id,
                             [(r["code"], r["level"]) for r in rows])
        yield await self._saved(user, "Languages saved.")
