"""Admin subject taxonomy (/admin/subjects): add, rename inline, retire and unretire.
Every handler re-checks admin; subject ids arrive from the browser and are parsed here,
the services decide whether they exist."""

from __future__ import annotations

import uuid
from typing import Any, ClassVar

import reflex as rx

from tutorconnect.services import tutors
from tutorconnect.services.errors import DomainError, InvalidInput
from tutorconnect.services.sessions import CurrentUser
from tutorconnect.state.base import SessionState, in_transaction
from tutorconnect.state.forms import parse_form, short_str
from tutorconnect.state.guard import handler


def _subject_arg(value: Any) -> uuid.UUID:
    try:
        return uuid.UUID(short_str(value, 64) or "")
    except ValueError:
        raise InvalidInput("subject", "That subject could not be found. Please reload the page.") from None


def _listing(session, ctx):
    rows = tutors.all_subjects(session, ctx)
    return rows, tutors.subject_tutor_counts(session, ctx)


class AdminSubjectsState(SessionState):
    PRIVATE: ClassVar[tuple[str, ...]] = ("_rows", "_rows_owner", "editing_id", "pending_id", "pending_name")
    _rows: list[dict[str, str]] = []
    _rows_owner: str = ""
    loading: bool = True
    add_error: str = ""
    add_form_key: int = 0
    editing_id: str = ""
    rename_error: str = ""
    pending_id: str = ""
    pending_name: str = ""
    pending_retire: bool = True

    @rx.var(cache=False)
    def rows(self) -> list[dict[str, str]]:
        return self._rows if self._may_see(self._rows_owner) else []

    @rx.var(cache=False)
    def categories(self) -> list[str]:
        return sorted({r["category"] for r in self.rows})

    async def _reload(self, admin) -> None:
        rows, counts = await in_transaction(_listing, self._ctx(admin))
        self._rows = [
            {"id": r.id, "slug": r.slug, "name": r.name, "category": r.category,
             "retired": "retired" if r.retired else "", "tutors": str(counts.get(r.id, 0))}
            for r in rows
        ]
        self._rows_owner = self._bind_private()

    def _name_of(self, sid: uuid.UUID) -> str:
        return next((r["name"] for r in self._rows if r["id"] == str(sid)), "")

    @handler("admin", busy="loading")
    async def load(self, user: CurrentUser):
        self.loading, self.add_error, self.rename_error, self.editing_id = True, "", "", ""
        await self._reload(user)
        self.loading = False
        return None

    @handler("admin", on_error="_add_failed")
    async def add(self, user: CurrentUser, form_data: Any):
        data = parse_form(form_data, {"name": 200, "category": 200})
        row = await in_transaction(tutors.add_subject, self._ctx(user), name=data["name"], category=data["category"])
        await self._reload(user)
        self.add_error = ""
        self.add_form_key += 1  # re-mount the form: its inputs are cleared
        return rx.toast.success(f"Added {row.name} to {row.category}.")

    def _add_failed(self, err: DomainError) -> Any:
        """A name or category we cannot take is shown under the add form; anything else refuses."""
        return self._input_error(err, "add_error")

    @handler("admin")
    async def start_rename(self, subject_id: Any):
        sid = _subject_arg(subject_id)
        if not self._name_of(sid):
            return rx.toast.error("That subject could not be found. Please reload the page.")
        self.editing_id, self.rename_error = str(sid), ""
        return None

    @rx.event
    def cancel_rename(self):
        self.editing_id, self.rename_error = "", ""

    @handler("admin", on_error="_rename_failed")
    async def save_rename(self, user: CurrentUser, form_data: Any):
        sid = _subject_arg(self.editing_id)
        data = parse_form(form_data, {"new_name": 200})
        old = self._name_of(sid)
        row = await in_transaction(tutors.rename_subject, self._ctx(user), sid, name=data["new_name"])
        await self._reload(user)
        self.editing_id, self.rename_error, self.add_error = "", "", ""
        if old == row.name:
            return rx.toast.info("The name is unchanged.")
        return rx.toast.success(f"Renamed {old} to {row.name}.")

    def _rename_failed(self, err: DomainError) -> Any:
        """A new name we cannot take is shown in the row being renamed; anything else refuses."""
        return self._input_error(err, "rename_error")

    @handler("admin")
    async def ask_retire(self, subject_id: Any, retire: Any):
        sid = _subject_arg(subject_id)
        name = self._name_of(sid)
        if not name or not isinstance(retire, bool):
            return rx.toast.error("That subject could not be found. Please reload the page.")
        self.pending_id, self.pending_name, self.pending_retire = str(sid), name, retire
        return None

    @rx.event
    def cancel_retire(self):
        self.pending_id = self.pending_name = ""

    @handler("admin")
    async def confirm_retire(self, user: CurrentUser):
        target, retire = self.pending_id, self.pending_retire
        self.pending_id = self.pending_name = ""
        sid = _subject_arg(target)
        fn = tutors.retire_subject if retire else tutors.unretire_subject
        row = await in_transaction(fn, self._ctx(user), sid)
        await self._reload(user)
        self.add_error = ""
        verb = "retired" if retire else "back in use"
        return rx.toast.success(f"{row.name} is {verb}.")
