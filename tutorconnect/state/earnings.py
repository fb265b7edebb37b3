"""/tutor/earnings: what a tutor has earned, from the ledger: totals (pending vs payable,
the platform fee), per month, and per booking (ten to a page). Private to the session
that loaded it."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any, ClassVar

import reflex as rx

from tutorconnect.models import BookingStatus as Status
from tutorconnect.money import format_money
from tutorconnect.services import payments
from tutorconnect.services.errors import DomainError
from tutorconnect.services.sessions import CurrentUser
from tutorconnect.state.base import SessionState, in_transaction
from tutorconnect.state.guard import handler
from tutorconnect.timefmt import format_when, valid_zone as _zone

PER_PAGE = 10
PAGE_MAX = 10_000
_STATUS = {Status.AWAITING_TUTOR: "Needs your answer", Status.CONFIRMED: "Upcoming", Status.COMPLETED: "Completed",
           Status.CANCELLED: "Cancelled", Status.DECLINED: "Declined", Status.NO_SHOW_STUDENT: "Student absent",
           Status.NO_SHOW_TUTOR: "You were absent"}


@dataclasses.dataclass
class Tile:
    label: str = ""
    value: str = ""
    hint: str = ""
    id: str = ""


@dataclasses.dataclass
class PeriodRow:
    month: str = ""
    lessons: str = ""
    gross: str = ""
    fee: str = ""
    pending: str = ""
    payable: str = ""


@dataclasses.dataclass
class EarningRow:
    reference: str = ""
    student: str = ""
    lesson: str = ""
    status: str = ""
    pending: bool = False
    gross: str = ""
    fee: str = ""
    earnings: str = ""


class EarningsState(SessionState):
    PRIVATE: ClassVar[tuple[str, ...]] = ("_tiles", "_periods", "_rows", "_owner", "total")
    loading: bool = True
    page: int = 1
    total: int = 0
    _tiles: list[Tile] = []
    _periods: list[PeriodRow] = []
    _rows: list[EarningRow] = []
    _owner: str = ""

    @rx.var(cache=False)
    def tiles(self) -> list[Tile]:
        return self._tiles if self._may_see(self._owner) else []

    @rx.var(cache=False)
    def periods(self) -> list[PeriodRow]:
        return self._periods if self._may_see(self._owner) else []

    @rx.var(cache=False)
    def rows(self) -> list[EarningRow]:
        return self._rows if self._may_see(self._owner) else []

    @rx.var
    def pages(self) -> int:
        return max(1, (self.total + PER_PAGE - 1) // PER_PAGE)

    async def _reload(self, user: Any, *, everything: bool) -> None:
        ctx, zone = self._ctx(user), _zone(user.time_zone or "UTC")
        if everything:
            sums = await in_transaction(payments.earnings_summary, ctx, user.user_id)
            months = await in_transaction(payments.earnings_by_period, ctx, user.user_id, zone)
            tiles = []
            for s in sums:
                m = lambda v, c=s.currency: format_money(v, c)  # noqa: E731
                tiles += [Tile("Payable", m(s.payable_minor), "Lessons that took place, net of refunds", "tile-payable"),
                          Tile("Pending", m(s.pending_minor), "Paid lessons still to come", "tile-pending"),
                          Tile("Platform fee", m(s.fee_minor), f"Of {m(s.gross_minor)} paid by students", "tile-fee")]
            self._tiles = tiles
            self._periods = [
                PeriodRow(f"{datetime.strptime(p.month, '%Y-%m'):%B %Y}", str(p.lessons),
                          format_money(p.gross_minor, p.currency), format_money(p.fee_minor, p.currency),
                          format_money(p.pending_minor, p.currency), format_money(p.payable_minor, p.currency))
                for p in months
            ]
        rows, total = await in_transaction(payments.earnings_by_booking, ctx, user.user_id, page=self.page, per_page=PER_PAGE)
        self._rows = [
            EarningRow(r.reference, r.student_name,
                       f"{format_when(r.starts_at, zone)} · "
                       f"{r.length_minutes} min",
                       _STATUS.get(r.status, r.status), r.pending, format_money(r.gross_minor, r.currency),
                       format_money(r.fee_minor, r.currency), format_money(r.earnings_minor, r.currency))
            for r in rows
        ]
        self.total = total
        self._owner = self._bind_private()

    def _load_refused(self, err: DomainError) -> Any:
        self.page = 1
        return self._refuse(err)

    @handler("tutor", busy="loading", on_error="_load_refused")
    async def load(self, user: CurrentUser):
        self.loading, self.page = True, 1
        self._clear_private()
        await self._reload(user, everything=True)
        return None

    @handler("tutor")
    async def go_to_page(self, user: CurrentUser, page: Any):
        if isinstance(page, bool) or not isinstance(page, int) or not 1 <= page <= PAGE_MAX:
            return rx.toast.error("Choose a page from the list.")
        self.page = min(page, self.pages)
        await self._reload(user, everything=False)
        return None
