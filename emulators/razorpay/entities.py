"""The Order, Payment and Refund entities as the API shows them, the collection wrapper,
and what checkout's failure choices and payment methods become."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# What checkout's failure choices become: (error_code, description, source, step, reason).
FAILURES: dict[str, tuple[str, str, str, str, str]] = {
    "card_declined": ("BAD_REQUEST_ERROR",
                      "Your payment has been declined by your bank. Try another card or contact your bank.",
                      "bank", "payment_authorization", "card_declined"),
    "insufficient_funds": ("BAD_REQUEST_ERROR",
                           "Your payment could not be completed due to insufficient account balance. "
                           "Try again with another account.",
                           "customer", "payment_authorization", "insufficient_funds"),
    "authentication_failed": ("BAD_REQUEST_ERROR",
                              "Your payment could not be completed because the OTP or 3-D Secure "
                              "verification failed. Try again.",
                              "customer", "payment_authentication", "authentication_failed"),
    "payment_cancelled": ("BAD_REQUEST_ERROR", "You cancelled the payment.",
                          "customer", "payment_authentication", "payment_cancelled"),
    "gateway_error": ("GATEWAY_ERROR",
                      "Payment processing failed due to an error at the bank or wallet gateway.",
                      "gateway", "payment_authorization", "gateway_technical_error"),
}
METHODS = {"card", "upi", "netbanking", "wallet"}


def notes_out(notes: dict[str, str]) -> dict[str, str] | list:
    return dict(notes) if notes else []  # Razorpay sends an empty notes object as []


@dataclass
class Order:
    id: str
    amount: int
    currency: str
    receipt: str | None
    notes: dict[str, str]
    auto_capture: bool
    created_at: int
    status: str = "created"
    attempts: int = 0
    amount_paid: int = 0

    def entity(self) -> dict[str, Any]:
        return {"id": self.id, "entity": "order", "amount": self.amount, "amount_paid": self.amount_paid,
                "amount_due": self.amount - self.amount_paid, "currency": self.currency,
                "receipt": self.receipt, "offer_id": None, "status": self.status, "attempts": self.attempts,
                "notes": notes_out(self.notes), "created_at": self.created_at}


@dataclass
class Payment:
    id: str
    order_id: str
    amount: int
    currency: str
    method: str
    email: str
    contact: str
    notes: dict[str, str]
    created_at: int
    status: str = "created"
    captured: bool = False
    amount_refunded: int = 0
    error: tuple[str, str, str, str, str] | None = None
    captured_at: int | None = None

    @property
    def refund_status(self) -> str | None:
        if self.amount_refunded == 0:
            return None
        return "full" if self.amount_refunded >= self.amount else "partial"

    def entity(self) -> dict[str, Any]:
        code, desc, source, step, reason = self.error or (None, None, None, None, None)
        fee = round(self.amount * 0.02) if self.captured else None
        tax = round(fee * 0.18) if fee is not None else None
        ent: dict[str, Any] = {
            "id": self.id, "entity": "payment", "amount": self.amount, "currency": self.currency,
            "status": self.status, "order_id": self.order_id, "invoice_id": None, "international": False,
            "method": self.method, "amount_refunded": self.amount_refunded, "refund_status": self.refund_status,
            "captured": self.captured, "description": None,
            "card_id": None, "bank": None, "wallet": None, "vpa": None,
            "email": self.email, "contact": self.contact, "notes": notes_out(self.notes),
            "fee": fee, "tax": tax, "error_code": code, "error_description": desc, "error_source": source,
            "error_step": step, "error_reason": reason, "acquirer_data": {}, "created_at": self.created_at,
        }
        if self.method == "card":
            ent["card_id"] = "card_" + self.id[4:]
            ent["card"] = {"id": ent["card_id"], "entity": "card", "name": "", "last4": "1111",
                           "network": "Visa", "type": "credit", "issuer": None, "international": False,
                           "emi": False, "sub_type": "consumer"}
        elif self.method == "upi":
            ent["vpa"] = "success@razorpay"
        elif self.method == "netbanking":
            ent["bank"] = "HDFC"
        elif self.method == "wallet":
            ent["wallet"] = "paytm"
        if self.captured:
            ent["acquirer_data"] = {"auth_code": self.id[-6:].upper()}
        return ent


@dataclass
class Refund:
    id: str
    payment_id: str
    amount: int
    currency: str
    notes: dict[str, str]
    receipt: str | None
    speed: str
    created_at: int
    status: str = "pending"

    def entity(self) -> dict[str, Any]:
        return {"id": self.id, "entity": "refund", "amount": self.amount, "currency": self.currency,
                "payment_id": self.payment_id, "notes": notes_out(self.notes), "receipt": self.receipt,
                "acquirer_data": {"arn": None if self.status != "processed" else "ARN" + self.id[5:].upper()},
                "created_at": self.created_at, "batch_id": None, "status": self.status,
                "speed_processed": "normal" if self.status == "processed" else None,
                "speed_requested": self.speed}


def collection(items: list[dict]) -> dict[str, Any]:
    return {"entity": "collection", "count": len(items), "items": items}
