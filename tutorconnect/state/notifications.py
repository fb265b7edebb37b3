"""In-app notifications: the bell's unread count (refreshed on every page load) and the
/notifications page. A user only ever reads and marks their own notifications: the
service filters by the signed-in user's id, never by anything the browser sends."""

from __future__ import annotations

import uuid
from typing import Any, ClassVar

import reflex as rx

from tutorconnect import live_push
from tutorconnect.services import live, notifications, sessions
from tutorconnect.services.errors import DomainError, InvalidInput
from tutorconnect.services.sessions import CurrentUser
from tutorconnect.state.base import SessionState, in_transaction
from tutorconnect.state.forms import short_str
from tutorconnect.state.guard import handler
from tutorconnect.timefmt import format_instant

PER_PAGE = 20


def _note_arg(value: Any) -> uuid.UUID:
    try:
        return uuid.UUID(short_str(value, 64) or "")
    except ValueError:
        raise InvalidInput("notification", "That notification could not be found. Please reload the page.") from None


def _safe_link(link: str | None) -> str:
    """Only same-site paths are followed (the service stores nothing else; this is belt and braces)."""
    return link if link and link.startswith("/") and not link.startswith("//") and "\\" not in link else ""


def _count_for_token(session, token: str | None) -> tuple[uuid.UUID | None, int]:
    """One transaction: who holds this cookie, and how many unread notifications they have."""
    user = sessions.resolve(session, token) if token else None
    return (user.user_id, notifications.unread_count(session, user.user_id)) if user is not None else (None, 0)


class BellState(SessionState):
    PRIVATE: ClassVar[tuple[str, ...]] = ("_unread", "_unread_owner")
    _unread: int = 0
    _unread_owner: str = ""

    @rx.var(cache=False)
    def unread(self) -> int:
        return self._unread if self._may_see(self._unread_owner) else 0

    @rx.var(cache=False)
    def unread_label(self) -> str:
        n = self.unread
        return "99+" if n > 99 else str(n)

    def _set(self, count: int) -> None:
        self._unread, self._unread_owner = max(0, int(count)), self._bind_private()

    async def _load_count(self) -> uuid.UUID | None:
        token = self._cookie_token()
        user_id, count = await in_transaction(_count_for_token, token) if token else (None, 0)
        if user_id is None:
            self._clear_private()
        else:
            self._set(count)
        return user_id

    @handler(public=True)  # reads the cookie itself: signed out is no refusal, just no count
    async def refresh(self):
        """on_load of every page (after the session check): the unread count, kept live."""
        live_push.page_changed(self)  # a new page: what the previous one watched is forgotten
        user_id = await self._load_count()
        if user_id is not None:
            live_push.watch(self, live.notifications_topic(user_id))

    async def _on_live(self, topic: str) -> None:
        """A notification of the watched user changed: count again as the session's user
        (signed out, or someone else now: nothing shown, nothing watched)."""
        user_id = await self._load_count()
        if user_id is None or live.notifications_topic(user_id) != topic:
            live_push.unwatch(self)


class NotificationsState(SessionState):
    PRIVATE: ClassVar[tuple[str, ...]] = ("_rows", "_rows_owner", "total")
    _rows: list[dict[str, str]] = []
    _rows_owner: str = ""
    total: int = 0
    page: int = 1
    loading: bool = True

    @rx.var
    def pages(self) -> int:
        return max(1, -(-self.total // PER_PAGE))

    @rx.var(cache=False)
    def rows(self) -> list[dict[str, str]]:
        return self._rows if self._may_see(self._rows_owner) else []

    @rx.var(cache=False)
    def any_unread(self) -> bool:
        return any(r["read"] == "" for r in self.rows)

    async def _reload(self, user) -> None:
        def work(session):
            items, total = notifications.list_for(session, user.user_id, page=self.page, per_page=PER_PAGE)
            return items, total, notifications.unread_count(session, user.user_id)

        items, total, unread = await in_transaction(work)
        self._rows = [
            {"id": n.id, "title": n.title, "body": n.body, "link": _safe_link(n.link),
             "when": format_instant(n.created_at, user.time_zone), "read": "read" if n.read else ""}
            for n in items
        ]
        self._rows_owner, self.total = self._bind_private(), total
        bell = await self.get_state(BellState)
        bell._set(unread)

    def _url_page(self) -> int:
        try:
            page = int(self.router.url.query_parameters.get("page") or 1)
        except (TypeError, ValueError):
            page = 1
        return min(max(page, 1), 10_000)

    def _load_refused(self, err: DomainError) -> Any:
        self.page = self._url_page()
        return self._refuse(err)

    @handler(allow_unverified=True, busy="loading", on_error="_load_refused")
    async def load(self, user: CurrentUser):
        self.page, self.loading = self._url_page(), True
        await self._reload(user)
        live_push.watch(self, live.notifications_topic(user.user_id))
        return None

    async def _on_live(self, topic: str) -> None:
        """New or read notifications of the watched user: the list again, as the session's user."""
        try:
            user = await self._require(allow_unverified=True)
            if live.notifications_topic(user.user_id) != topic:
                raise DomainError("another user")
            await self._reload(user)
        except DomainError:
            self._clear_private()
            live_push.unwatch(self)

    @handler(allow_unverified=True)
    async def go_to_page(self, page: Any):
        try:
            number = min(max(int(page), 1), 10_000)
        except (TypeError, ValueError):
            number = 1
        return rx.redirect("/notifications" + (f"?page={number}" if number > 1 else ""))

    @handler(allow_unverified=True)
    async def mark_read(self, user: CurrentUser, notification_id: Any):
        nid = _note_arg(notification_id)
        await in_transaction(notifications.mark_read, user.user_id, nid)
        await self._reload(user)
        return None

    @handler(allow_unverified=True)
    async def open(self, user: CurrentUser, notification_id: Any):
        """Follow a notification's link, marking it read. The link comes from the stored
        row (the user's own), never from the browser."""
        nid = _note_arg(notification_id)
        await in_transaction(notifications.mark_read, user.user_id, nid)
        await self._reload(user)
        link = next((r["link"] for r in self._rows if r["id"] == str(nid)), "")
        return rx.redirect(link) if link else None

    @handler(allow_unverified=True)
    async def mark_all_read(self, user: CurrentUser):
        changed = await in_transaction(notifications.mark_all_read, user.user_id)
        await self._reload(user)
        return rx.toast.success(f"Marked {changed} notification{'s' if changed != 1 else ''} read.")
