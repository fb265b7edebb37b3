"""Admin: background jobs (/admin/jobs): dead letters with Retry, the reconciliation log,
and the alert for flagged payment events (their count, linking to /admin/payments/flags). Every handler re-checks admin; dead-letter ids arrive from the browser and are parsed
here, the service decides whether they exist and may be retried."""

from __future__ import annotations

from typing import Any, ClassVar

import reflex as rx

from tutorconnect.services import dead_letters, payments
from tutorconnect.services.errors import InvalidInput, NotFound
from tutorconnect.services.sessions import CurrentUser
from tutorconnect.state.base import SessionState, in_transaction
from tutorconnect.state.forms import page_arg
from tutorconnect.state.guard import handler
from tutorconnect.timefmt import format_instant

LOG_PER_PAGE = 10


def _dead_letter_arg(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, str)) or len(str(value)) > 18:
        raise InvalidInput("dead_letter_id", "That job could not be found. Please reload the page.")
    try:
        number = int(value)
    except ValueError:
        raise InvalidInput("dead_letter_id", "That job could not be found. Please reload the page.") from None
    if number <= 0:
        raise InvalidInput("dead_letter_id", "That job could not be found. Please reload the page.")
    return number


def _listing(session, ctx, page: int, log_page: int):
    dead = dead_letters.list_page(session, ctx, page)
    log_rows, log_total = payments.recent_reconciliation_log(session, ctx, log_page, LOG_PER_PAGE)
    return dead, log_rows, log_total, payments.unresolved_flag_count(session, ctx)


class AdminJobsState(SessionState):
    PRIVATE: ClassVar[tuple[str, ...]] = ("_rows", "_log", "_owner", "pending_id", "pending_job", "flag_count")
    _rows: list[dict[str, str]] = []
    _log: list[dict[str, str]] = []
    _owner: str = ""
    loading: bool = True
    page: int = 1
    pages: int = 1
    total: int = 0
    open_count: int = 0
    pending_jobs: int = 0
    log_page: int = 1
    log_pages: int = 1
    pending_id: str = ""
    pending_job: str = ""
    flag_count: int = 0  # unresolved flagged payment events

    @rx.var(cache=False)
    def rows(self) -> list[dict[str, str]]:
        return self._rows if self._may_see(self._owner) else []

    @rx.var(cache=False)
    def log(self) -> list[dict[str, str]]:
        return self._log if self._may_see(self._owner) else []

    async def _reload(self, admin) -> None:
        dead, log_rows, log_total, self.flag_count = await in_transaction(_listing, self._ctx(admin), self.page,
                                                                          self.log_page)
        zone = admin.time_zone
        self._rows = [
            {"id": str(r.id), "job": r.job, "error": r.error[:400], "attempts": str(r.attempts),
             "kind": "permanent" if r.permanent else "retries exhausted",
             "when": format_instant(r.created_at, zone),
             "retried": (f"Retried {format_instant(r.retried_at, zone)} by {r.retried_by_email or 'an admin'}"
                         if r.retried_at else "")}
            for r in dead.rows
        ]
        self._log = [
            {"id": str(e.id), "when": format_instant(e.created_at, zone), "kind": e.kind,
             "target": e.target_id[:40], "action": e.action, "before": e.before[:300], "after": e.after[:300]}
            for e in log_rows
        ]
        self.total, self.pages, self.open_count, self.pending_jobs = dead.total, dead.pages, dead.open_count, dead.pending_jobs
        self.log_pages = max(1, -(-log_total // LOG_PER_PAGE))
        self._owner = self._bind_private()

    @handler("admin", busy="loading")
    async def load(self, user: CurrentUser):
        params = self.router.url.query_parameters
        self.page = page_arg(params.get("page"))
        self.log_page = page_arg(params.get("log_page"))
        self.loading, self.pending_id, self.pending_job = True, "", ""
        await self._reload(user)
        self.loading = False
        return None

    @handler("admin")
    async def go_to_page(self, page: Any):
        return rx.redirect(f"/admin/jobs?page={page_arg(page)}&log_page={self.log_page}")

    @handler("admin")
    async def go_to_log_page(self, page: Any):
        return rx.redirect(f"/admin/jobs?page={self.page}&log_page={page_arg(page)}")

    @handler("admin")
    async def ask_retry(self, dead_letter_id: Any):
        did = _dead_letter_arg(dead_letter_id)
        row = next((r for r in self.rows if r["id"] == str(did) and not r["retried"]), None)
        if row is None:
            return rx.toast.error("That job could not be found. Please reload the page.")
        self.pending_id, self.pending_job = str(did), row["job"]
        return None

    @rx.event
    def cancel_retry(self):
        self.pending_id = self.pending_job = ""

    @handler("admin")
    async def confirm_retry(self, user: CurrentUser):
        # A refusal clears the pending dialog with the other private vars (`_refuse`).
        try:
            did = _dead_letter_arg(self.pending_id)
            row = await in_transaction(dead_letters.retry, self._ctx(user), did)
            await self._reload(user)
        except (InvalidInput, NotFound) as err:  # retried meanwhile, or gone: show the fresh list
            self.pending_id = self.pending_job = ""
            await self._reload(user)
            return rx.toast.error(err.message)
        self.pending_id = self.pending_job = ""
        return rx.toast.success(f"Job {row.job} is queued again with a fresh set of retries.")
