"""In-app notifications: the bell's unread count (refreshed on every page load) and the
/notifications page. A user only ever reads and marks their own notifications: the
service filters by the signed-in user's id, never by anything the browser sends."""

from __future__ import annotations

import uuid
from typing import Any

import reflex as rx

from tutorconnect import live_push
from tutorconnect.services import live, notifications, sessions
from tutorconnect.services.errors import DomainError, InvalidInput
from tutorconnect.state.base import SessionState, in_transaction
from tutorconnect.state.forms import short_str
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
    _unread: int = 0
    _unread_owner: str = ""

    @rx.var(cache=False)
    def unread(self) -> int:
        return self._unread if self._may_see(self._unread_owner) else 0

    @rx.var(cache=False)
    def unread_label(self) -> str:
        n = self.unread
        return "99+" if n > 99 else str(n)

    def _clear_private(self) -> None:
        self._unread, self._unread_owner = 0, ""

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

    @rx.event
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

    def _clear_private(self) -> None:
        self._rows, self._rows_owner, self.total = [], "", 0

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

    @rx.event
    async def load(self):
        try:
            page = int(self.router.url.query_parameters.get("page") or 1)
        except (TypeError, ValueError):
            page = 1
        self.page, self.loading = min(max(page, 1), 10_000), True
        try:
            user = await self._require(allow_unverified=True)
            await self._reload(user)
        except DomainError as err:
            self.loading = False
            return self._refuse(err)
        live_push.watch(self, live.notifications_topic(user.user_id))
        self.loading = False
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

    @rx.event
    async def go_to_page(self, page: Any):
        try:
            await self._require(allow_unverified=True)
        except DomainError as err:
            return self._refuse(err)
        try:
            number = min(max(int(page), 1), 10_000)
        except (TypeError, ValueError):
            number = 1
        return rx.redirect("/notifications" + (f"?page={number}" if number > 1 else ""))

    @rx.event
    async def mark_read(self, notification_id: Any):
        try:
            user = await self._require(allow_unverified=True)
            nid = _note_arg(notification_id)
            await in_transaction(notifications.mark_read, user.user_id, nid)
            await self._reload(user)
        except DomainError as err:
            return self._refuse(err)
        return None

    @rx.event
    async def open(self, notification_id: Any):
        """Follow a notification's link, marking it read. The link comes from the stored
        row (the user's own), never from the browser."""
        try:
            user = await self._require(allow_unverified=True)
            nid = _note_arg(notification_id)
            await in_transaction(notifications.mark_read, user.user_id, nid)
            await self._reload(user)
        except DomainError as err:
            return self._refuse(err)
        link = next((r["link"] for r in self._rows if r["id"] == str(nid)), "")
        return rx.redirect(link) if link else None

    @rx.event
    async def mark_all_read(self):
        try:
            user = await self._require(allow_unverified=True)
            changed = await in_transaction(notifications.mark_all_read, user.user_id)
            await self._reload(user)
        except DomainError as err:
            return self._refuse(err)
        return rx.toast.success(f"Marked {changed} notification{'s' if changed != 1 else ''} read.")
