"""Admin: captured mail (/admin/mail), read from the local SMTP capture server's inbox.
Every handler re-checks admin; a message id from the browser is checked for shape by the
service before any request. Mail contents (other people's emails) are private vars shown
only to the cookie that loaded them, and the HTML part is only ever shown in a sandboxed
iframe (no scripts, no same-origin access)."""

from __future__ import annotations

from typing import Any, ClassVar

import reflex as rx

from tutorconnect.config import get_settings
from tutorconnect.integrations.mail_inbox import InboxUnavailable
from tutorconnect.services import notifications
from tutorconnect.services.sessions import CurrentUser
from tutorconnect.state.base import SessionState
from tutorconnect.state.forms import page_arg
from tutorconnect.state.guard import handler
from tutorconnect.timefmt import format_instant

NOT_FOUND = "That message could not be found. Please reload the page."


def _size(n: int) -> str:
    return f"{n} bytes" if n < 1024 else f"{n / 1024:.1f} KB"


def _file_labels(summary: notifications.MailSummary) -> list[str]:
    return [f"{a.filename} ({a.content_type}, {_size(a.size)})" for a in summary.attachments]


class AdminMailState(SessionState):
    PRIVATE: ClassVar[tuple[str, ...]] = ("_rows", "_detail", "_files", "_owner", "opening")
    _rows: list[dict[str, str]] = []
    _detail: dict[str, str] = {}
    _files: list[str] = []
    _owner: str = ""
    loading: bool = True
    opening: str = ""
    page: int = 1
    pages: int = 1
    total: int = 0
    error: str = ""  # "" | "not_configured" | "unreachable"
    inbox_url: str = ""

    @rx.var(cache=False)
    def rows(self) -> list[dict[str, str]]:
        return self._rows if self._may_see(self._owner) else []

    @rx.var(cache=False)
    def detail(self) -> dict[str, str]:
        return self._detail if self._may_see(self._owner) else {}

    @rx.var(cache=False)
    def detail_files(self) -> list[str]:
        return self._files if self._may_see(self._owner) else []

    @rx.var(cache=False)
    def detail_open(self) -> bool:
        return bool(self.detail)

    async def _reload(self, admin) -> None:
        result = await rx.run_in_thread(lambda: notifications.captured_page(self.page))
        zone = admin.time_zone
        self._rows = [
            {"id": m.id, "to": m.to, "subject": m.subject or "(no subject)",
             "when": format_instant(m.date, zone) if m.date else "",
             "files": ", ".join(a.filename for a in m.attachments)}
            for m in result.rows
        ]
        self.total, self.pages, self.error = result.total, result.pages, result.error
        self.inbox_url = get_settings().mail_capture_inbox_url if result.error == "unreachable" else ""
        self._owner = self._bind_private()

    @handler("admin", busy="loading")
    async def load(self, user: CurrentUser):
        self.page = page_arg(self.router.url.query_parameters.get("page"))
        self.loading, self.opening, self._detail, self._files = True, "", {}, []
        await self._reload(user)
        self.loading = False
        return None

    @handler("admin")
    async def refresh(self, user: CurrentUser):
        await self._reload(user)
        return None

    @handler("admin")
    async def go_to_page(self, page: Any):
        return rx.redirect(f"/admin/mail?page={page_arg(page)}")

    @handler("admin")
    async def open(self, user: CurrentUser, msg_id: Any):
        # A refusal clears `opening` with the other private vars (`_refuse`).
        self.opening = msg_id if isinstance(msg_id, str) and len(msg_id) <= 40 else ""
        try:
            found = await rx.run_in_thread(lambda: notifications.captured_detail(msg_id))
        except InboxUnavailable:
            self.opening, self.error = "", "unreachable"
            return rx.toast.error("The mail capture server is not answering. Try again in a moment.")
        self.opening = ""
        if found is None:
            return rx.toast.error(NOT_FOUND)
        s = found.summary
        self._detail = {
            "id": s.id, "subject": s.subject or "(no subject)", "from": s.sender, "to": s.to,
            "when": format_instant(s.date, user.time_zone) if s.date else "",
            "text": found.text or "(no text part)",
            # Links in the mail open in a new tab; the sandbox allows nothing else.
            "html": ("<base target=\"_blank\">" + found.html) if found.html else "",
        }
        self._files = _file_labels(s)
        self._owner = self._bind_private()
        return None

    @rx.event
    def close(self):
        self._detail, self._files, self.opening = {}, [], ""
