"""/receipts: a student's paid lessons with payments, refunds (pending / processed) and
the net amount, in the student's zone, ten to a page, each with its PDF receipt.

Private: the cards live in a backend var shown only to the session that loaded them."""

from __future__ import annotations

import dataclasses
from typing import Any

import reflex as rx

from tutorconnect.money import format_money
from tutorconnect.services import payments
from tutorconnect.services.errors import DomainError
from tutorconnect.state.base import SessionState, in_transaction
from tutorconnect.timefmt import format_when as _when

PER_PAGE = 10
PAGE_MAX = 10_000
_REFUND_WORDS = {"pending": ("Refund pending", "amber"), "processed": ("Refunded", "green"),
                 "failed": ("Refund failed: our team is on it", "red")}


@dataclasses.dataclass
class MoneyLine:
    when: str = ""
    text: str = ""
    amount: str = ""
    label: str = ""
    color: str = "gray"


@dataclasses.dataclass
class ReceiptCard:
    id: str = ""
    reference: str = ""
    number: str = ""
    tutor: str = ""
    lesson: str = ""
    status: str = ""
    paid: str = ""
    refunded: str = ""
    net: str = ""
    has_refunds: bool = False
    pdf_href: str = ""
    payments: list[MoneyLine] = dataclasses.field(default_factory=list)
    refunds: list[MoneyLine] = dataclasses.field(default_factory=list)


def card(r: payments.Receipt, zone: str) -> ReceiptCard:
    money = lambda m: format_money(m, r.currency)  # noqa: E731
    return ReceiptCard(
        id=str(r.booking_id), reference=r.reference, number=r.number, tutor=r.tutor_name,
        lesson=f"{_when(r.starts_at, zone)} · {r.length_minutes} min", status=r.status.replace("_", " "),
        paid=money(r.paid_minor), refunded=money(r.refunded_minor), net=money(r.net_minor),
        has_refunds=bool(r.refunds), pdf_href=f"/api/receipts/{r.booking_id}.pdf",
        payments=[MoneyLine(_when(p.paid_at, zone), f"Paid by {p.method or 'Razorpay'}", money(p.amount_minor),
                            "Paid", "green") for p in r.payments],
        refunds=[MoneyLine(_when(f.processed_at or f.requested_at, zone),
                           "Processed" if f.status == "processed" else "Requested", "−" + money(f.amount_minor),
                           *_REFUND_WORDS.get(f.status, (f.status, "gray"))) for f in r.refunds],
    )


class ReceiptsState(SessionState):
    loading: bool = True
    page: int = 1
    total: int = 0
    _cards: list[ReceiptCard] = []
    _owner: str = ""

    @rx.var(cache=False)
    def cards(self) -> list[ReceiptCard]:
        return self._cards if self._may_see(self._owner) else []

    @rx.var
    def pages(self) -> int:
        return max(1, (self.total + PER_PAGE - 1) // PER_PAGE)

    def _clear_private(self) -> None:
        self._cards, self._owner, self.total = [], "", 0

    async def _reload(self, user: Any) -> None:
        rows, total = await in_transaction(payments.list_receipts, self._ctx(user), user.user_id, page=self.page,
                                           per_page=PER_PAGE)
        self._cards = [card(r, user.time_zone or "UTC") for r in rows]
        self.total = total
        self._owner = self._bind_private()

    @rx.event
    async def load(self):
        self.loading, self.page = True, 1
        self._clear_private()
        try:
            user = await self._require("student")
            await self._reload(user)
        except DomainError as err:
            self.loading = False
            return self._refuse(err)
        self.loading = False
        return None

    @rx.event
    async def go_to_page(self, page: Any):
        if isinstance(page, bool) or not isinstance(page, int) or not 1 <= page <= PAGE_MAX:
            return rx.toast.error("Choose a page from the list.")
        try:
            user = await self._require("student")
            self.page = min(page, self.pages)
            await self._reload(user)
        except DomainError as err:
            return self._refuse(err)
        return None
