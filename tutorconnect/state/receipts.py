"""/receipts: a student's paid lessons with payments, refunds (pending / processed) and
the net amount, in the student's zone, ten to a page, each with its PDF receipt.

Private: the cards live in a backend var shown only to the session that loaded them."""

from __future__ import annotations

import dataclasses
from typing import Any, ClassVar

import reflex as rx

from tutorconnect.money import format_money
from tutorconnect.services import payments
from tutorconnect.services.errors import DomainError
from tutorconnect.services.sessions import CurrentUser
from tutorconnect.state.base import SessionState, in_transaction
from tutorconnect.state.guard import handler
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
    PRIVATE: ClassVar[tuple[str, ...]] = ("_cards", "_owner", "total")
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

    async def _reload(self, user: Any) -> None:
        rows, total = await in_transaction(payments.list_receipts, self._ctx(user), user.user_id, page=self.page,
                                           per_page=PER_PAGE)
        self._cards = [card(r, user.time_zone or "UTC") for r in rows]
        self.total = total
        self._owner = self._bind_private()

    def _load_refused(self, err: DomainError) -> Any:
        self.page = 1
        return self._refuse(err)

    @handler("student", busy="loading", on_error="_load_refused")
    async def load(self, user: CurrentUser):
        self.loading, self.page = True, 1
        self._clear_private()
        await self._reload(user)
        return None

    @handler("student")
    async def go_to_page(self, user: CurrentUser, page: Any):
        if isinstance(page, bool) or not isinstance(page, int) or not 1 <= page <= PAGE_MAX:
            return rx.toast.error("Choose a page from the list.")
        self.page = min(page, self.pages)
        await self._reload(user)
        return None
