"""Admin pages: users (search, roles) and the audit log. Every handler re-checks admin."""

from __future__ import annotations

import dataclasses
import uuid
from typing import Any, ClassVar

import reflex as rx

from tutorconnect.models import Role
from tutorconnect.services import access, accounts, audit
from tutorconnect.services.errors import DomainError, InvalidInput
from tutorconnect.services.sessions import CurrentUser
from tutorconnect.state.base import SessionState, in_transaction
from tutorconnect.state.forms import page_arg, parse_form, short_str
from tutorconnect.state.guard import handler
from tutorconnect.timefmt import format_instant

PER_PAGE = 20
# Audit log filters (action prefixes); "" is everything.
AUDIT_FILTERS = ("", "user.", "session.", "tutor.", "subject.")
ROLES = [r.value for r in Role]


@dataclasses.dataclass
class UserView:
    id: str
    email: str
    name: str
    role: str
    verified: bool
    is_self: bool
    joined: str
    last_login: str


class AdminUsersState(SessionState):
    # Other users' data: held in a backend var, shown only to the session that loaded it.
    # The search text may be someone's name or email.
    PRIVATE: ClassVar[tuple[str, ...]] = (
        "_rows", "_rows_owner", "total", "query", "pending_user_id", "pending_name", "pending_role",
    )
    _rows: list[UserView] = []
    _rows_owner: str = ""
    total: int = 0
    page: int = 1
    query: str = ""
    role_filter: str = ""
    loading: bool = True
    pending_user_id: str = ""
    pending_name: str = ""
    pending_role: str = ""

    @rx.var
    def pages(self) -> int:
        return max(1, -(-self.total // PER_PAGE))

    @rx.var(cache=False)
    def rows(self) -> list[UserView]:
        return self._rows if self._may_see(self._rows_owner) else []

    @handler("admin", busy="loading")
    async def load(self, user: CurrentUser):
        params = self.router.url.query_parameters
        self.query = (params.get("q") or "")[:100]
        role = params.get("role") or ""
        self.role_filter = role if role in ROLES else ""
        self.page = page_arg(params.get("page"))
        await self._refresh(user)

    async def _refresh(self, admin: CurrentUser) -> None:
        self.loading = True
        rows, total = await in_transaction(
            accounts.list_users, self._ctx(admin), query=self.query, role=self.role_filter,
            page=self.page, per_page=PER_PAGE,
        )
        self._rows_owner = self._bind_private()
        self._rows = [
            UserView(
                id=r.id, email=r.email, name=r.full_name, role=r.role,
                verified=r.email_verified, is_self=r.id == str(admin.user_id),
                joined=format_instant(r.created_at, admin.time_zone).rsplit(",", 1)[0],
                last_login=format_instant(r.last_login_at, admin.time_zone) or "Never",
            )
            for r in rows
        ]
        self.total, self.loading = total, False

    def _url(self) -> str:
        from urllib.parse import urlencode

        params = {k: v for k, v in (("q", self.query), ("role", self.role_filter), ("page", str(self.page))) if v and v != "1"}
        return "/admin/users" + (f"?{urlencode(params)}" if params else "")

    # Only sends the browser to the list's URL, whose load checks admin.
    @handler(public=True, on_error="_bad_search")
    async def search(self, form_data: dict):
        data = parse_form(form_data, {"q": 100})
        self.query, self.page, self.loading = data["q"].strip(), 1, True
        return rx.redirect(self._url())

    def _bad_search(self, err: DomainError) -> rx.event.EventSpec:
        """A search form we cannot read: say so, and keep the list shown."""
        return rx.toast.error(err.message)

    @rx.event
    def filter_role(self, role: Any):
        self.role_filter = role if role in ROLES else ""
        self.page, self.loading = 1, True
        return rx.redirect(self._url())

    @rx.event
    def go_to_page(self, page: Any):
        self.page = page_arg(page)
        return rx.redirect(self._url())

    @handler("admin")
    async def ask_role_change(self, user_id: Any, role: Any):
        row = next((r for r in self._rows if r.id == short_str(user_id, 36)), None)
        if row is None or role not in ROLES:
            return rx.toast.error("Choose a user and a role from the list.")
        self.pending_user_id, self.pending_name, self.pending_role = row.id, row.name, str(role)
        return None

    @rx.event
    def cancel_role_change(self):
        self.pending_user_id = self.pending_name = self.pending_role = ""

    @handler("admin", busy="loading")
    async def confirm_role_change(self, user: CurrentUser):
        target, role, name = self.pending_user_id, self.pending_role, self.pending_name
        self.pending_user_id = self.pending_name = self.pending_role = ""
        try:
            target_id = uuid.UUID(target)
        except ValueError:
            raise InvalidInput("user", "Choose a user from the list.") from None
        await in_transaction(accounts.change_role, self._ctx(user), target_user_id=target_id, new_role=role)
        await self._refresh(user)
        return rx.toast.success(f"{name} is now {'an' if role == 'admin' else 'a'} {role}. Their sessions were signed out.")


class AdminAuditState(SessionState):
    PRIVATE: ClassVar[tuple[str, ...]] = ("_entries", "_entries_owner", "total")
    _entries: list[dict[str, str]] = []
    _entries_owner: str = ""
    total: int = 0
    page: int = 1
    action: str = ""
    loading: bool = True

    @rx.var
    def pages(self) -> int:
        return max(1, -(-self.total // 25))

    @rx.var(cache=False)
    def entries(self) -> list[dict[str, str]]:
        return self._entries if self._may_see(self._entries_owner) else []

    @handler("admin", busy="loading")
    async def load(self, user: CurrentUser):
        params = self.router.url.query_parameters
        self.page = page_arg(params.get("page"))
        self.action = short_str(params.get("action"), 40) or ""
        await self._refresh(user)

    async def _refresh(self, admin: CurrentUser) -> None:
        self.loading = True
        entries, total = await in_transaction(self._list, admin.user_id, self.action, self.page)
        self._entries_owner = self._bind_private()
        self._entries = [
            {
                "id": str(e.id), "when": format_instant(e.created_at, admin.time_zone), "action": e.action,
                "target": f"{e.target_type} {e.target_id[:13]}", "actor": e.actor_email or (e.actor_user_id[:8] if e.actor_user_id else "system"),
                "changes": "\n".join(f"{field}: {was} \u2192 {now}"
                                      for field, was, now in audit.describe_change(e.before, e.after)) or "\u2014",
                "ip": e.ip,
            }
            for e in entries
        ]
        self.total, self.loading = total, False

    @staticmethod
    def _list(session, admin_id, action, page):
        access.require_admin(session, admin_id)
        return audit.list_entries(session, action_prefix=action or None, page=page, per_page=25)

    @rx.event
    def go_to_page(self, page: Any):
        from urllib.parse import urlencode

        self.page = page_arg(page)
        params = {k: v for k, v in (("action", self.action), ("page", str(self.page))) if v}
        return rx.redirect("/admin/audit?" + urlencode(params))

    @rx.event
    def filter_action(self, action: Any):
        from urllib.parse import urlencode

        self.action = action if action in AUDIT_FILTERS else ""
        self.page = 1
        return rx.redirect("/admin/audit" + (f"?{urlencode({'action': self.action})}" if self.action else ""))
