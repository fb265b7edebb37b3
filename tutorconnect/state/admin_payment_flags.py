"""Admin: flagged payment events (/admin/payments/flags): the Razorpay webhooks we stored but
could not apply, with Resolve (a note) behind a confirmation. Every handler re-checks admin;
event ids arrive from the browser and are parsed here, the service decides whether they
exist and may be resolved."""

from __future__ import annotations

from typing import Any, ClassVar

import reflex as rx

from tutorconnect.services import payments
from tutorconnect.services.errors import DomainError, InvalidInput, NotFound
from tutorconnect.services.sessions import CurrentUser
from tutorconnect.state.base import SessionState, in_transaction
from tutorconnect.state.forms import page_arg, parse_form
from tutorconnect.state.guard import handler
from tutorconnect.timefmt import format_instant

GONE = "That flagged event could not be found. Please reload the page."
NOTE_MAX = 1000
_REFUND_WORDS = {"pending": "Automatic refund pending", "processed": "Refunded in full",
                 "failed": "Automatic refund FAILED"}


def _flag_id_arg(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, str)) or len(str(value)) > 18:
        raise InvalidInput("flag_id", GONE)
    try:
        number = int(value)
    except ValueError:
        raise InvalidInput("flag_id", GONE) from None
    if number <= 0:
        raise InvalidInput("flag_id", GONE)
    return number


def _money(amount: int | None, currency: str | None) -> str:
    return payments.flag_money_text(amount, currency) if amount is not None else ""


def _row(f: payments.PaymentFlag, zone: str) -> dict[str, str]:
    expected = _money(f.order_amount_minor, f.order_currency)
    refund = ""
    if f.refund_status:
        refund = _REFUND_WORDS.get(f.refund_status, f.refund_status)
        if f.refund_status == "failed" and f.refund_failure:
            refund += f": {f.refund_failure[:200]}"
    return {
        "id": str(f.id), "flag": f.flag, "label": f.label, "event": f.event, "event_id": f.event_id[:60],
        "reason": f.reason[:300], "when": format_instant(f.received_at, zone),
        "reference": f.booking_reference or "", "booking_status": (f.booking_status or "").replace("_", " "),
        "order_id": f.order_id or "", "payment_id": f.payment_id or "", "refund_id": f.refund_id or "",
        "amount": _money(f.amount_minor, f.currency), "expected": expected, "refund": refund,
        "refund_failed": "yes" if f.refund_status == "failed" else "",
    }


class AdminPaymentFlagsState(SessionState):
    PRIVATE: ClassVar[tuple[str, ...]] = ("_rows", "_owner", "pending_id", "pending_label", "note_error")
    _rows: list[dict[str, str]] = []
    _owner: str = ""
    loading: bool = True
    page: int = 1
    pages: int = 1
    total: int = 0
    pending_id: str = ""
    pending_label: str = ""
    note_error: str = ""

    @rx.var(cache=False)
    def rows(self) -> list[dict[str, str]]:
        return self._rows if self._may_see(self._owner) else []

    async def _reload(self, admin: CurrentUser) -> None:
        found = await in_transaction(payments.list_payment_flags, self._ctx(admin), self.page)
        if not found.rows and self.page > 1:  # the last one of a page was resolved: show the one before
            self.page = found.pages
            found = await in_transaction(payments.list_payment_flags, self._ctx(admin), self.page)
        self._rows = [_row(f, admin.time_zone) for f in found.rows]
        self.total, self.pages = found.total, found.pages
        self._owner = self._bind_private()

    @handler("admin", busy="loading")
    async def load(self, user: CurrentUser):
        self.page = page_arg(self.router.url.query_parameters.get("page"))
        self.loading, self.pending_id, self.pending_label, self.note_error = True, "", "", ""
        await self._reload(user)
        self.loading = False
        return None

    @handler("admin")
    async def go_to_page(self, page: Any):
        return rx.redirect(f"/admin/payments/flags?page={page_arg(page)}")

    @handler("admin")
    async def ask_resolve(self, flag_id: Any):
        fid = _flag_id_arg(flag_id)
        row = next((r for r in self.rows if r["id"] == str(fid)), None)
        if row is None:
            return rx.toast.error(GONE)
        self.pending_id, self.note_error = str(fid), ""
        self.pending_label = f"{row['label']}" + (f" ({row['reference']})" if row["reference"] else "")
        return None

    @rx.event
    def cancel_resolve(self):
        self.pending_id = self.pending_label = self.note_error = ""

    @handler("admin", on_error="_resolve_failed")
    async def confirm_resolve(self, user: CurrentUser, form_data: Any = None):
        fid = _flag_id_arg(self.pending_id)
        note = parse_form(form_data if form_data is not None else {}, {"note": NOTE_MAX + 200})["note"]
        try:
            await in_transaction(payments.resolve_payment_flag, self._ctx(user), fid, note)
        except NotFound as err:  # resolved meanwhile in another tab, or gone: show the fresh list
            self.pending_id = self.pending_label = self.note_error = ""
            await self._reload(user)
            return rx.toast.error(err.message)
        except InvalidInput as err:
            if err.field == "note":
                raise
            self.pending_id = self.pending_label = self.note_error = ""
            await self._reload(user)
            return rx.toast.error(err.message)
        label = self.pending_label
        self.pending_id = self.pending_label = self.note_error = ""
        await self._reload(user)
        return rx.toast.success(f"Marked resolved: {label}.")

    def _resolve_failed(self, err: DomainError) -> Any:
        """A note (or form) we cannot take is shown in the dialog; an id that is not pending
        closes it; anything else is a refusal."""
        if isinstance(err, InvalidInput) and err.field in ("note", "form"):
            self.note_error = err.message
            return None
        if isinstance(err, InvalidInput) and err.field == "flag_id":
            self.pending_id = self.pending_label = self.note_error = ""
            return rx.toast.error(GONE)
        return self._refuse(err)
