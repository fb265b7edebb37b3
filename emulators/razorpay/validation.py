"""Razorpay's request rules and error shape: ApiError (the {"error": {...}} body), the
field checks for notes, integers, currencies and list pages, and the X-Refund-Idempotency
rules."""

from __future__ import annotations

import json
import re
from typing import Any

from starlette.responses import JSONResponse

CURRENCIES = {"INR", "USD", "EUR", "GBP", "SGD", "AED", "AUD", "CAD"}
ORDER_FIELDS = {"amount", "currency", "receipt", "notes", "payment_capture", "partial_payment",
                "first_payment_min_amount"}
REFUND_FIELDS = {"amount", "speed", "notes", "receipt"}
MAX_NOTES = 15


class ApiError(Exception):
    """A Razorpay-shaped error: {"error": {code, description, source, step, reason, metadata, field}}."""

    def __init__(self, description: str, *, status: int = 400, code: str = "BAD_REQUEST_ERROR",
                 field_name: str | None = None, source: str = "business", step: str = "payment_initiation",
                 reason: str = "input_validation_failed", metadata: dict | None = None):
        super().__init__(description)
        self.status, self.code, self.description = status, code, description
        self.field, self.source, self.step, self.reason = field_name, source, step, reason
        self.metadata = metadata or {}

    def body(self) -> dict[str, Any]:
        err: dict[str, Any] = {"code": self.code, "description": self.description, "source": self.source,
                               "step": self.step, "reason": self.reason, "metadata": self.metadata}
        if self.field is not None:
            err["field"] = self.field
        return {"error": err}

    def response(self) -> JSONResponse:
        return JSONResponse(self.body(), status_code=self.status)


def na_error(description: str, status: int) -> ApiError:
    return ApiError(description, status=status, source="NA", step="NA", reason="NA")


def check_notes(value: Any) -> dict[str, str]:
    if value in (None, [], {}):
        return {}
    if not isinstance(value, dict):
        raise ApiError("The notes should be an object of key-value pairs.", field_name="notes")
    if len(value) > MAX_NOTES:
        raise ApiError(f"The notes may not have more than {MAX_NOTES} items.", field_name="notes")
    out = {}
    for k, v in value.items():
        if not isinstance(v, (str, int, float, bool)) or len(str(k)) > 256 or len(str(v)) > 256:
            raise ApiError("The notes values must be strings of at most 256 characters.", field_name="notes")
        out[str(k)] = str(v) if not isinstance(v, bool) else ("1" if v else "0")
    return out


def int_field(body: dict, name: str, *, required: bool = True) -> int | None:
    value = body.get(name)
    if value is None:
        if required:
            raise ApiError(f"The {name} field is required.", field_name=name)
        return None
    if isinstance(value, bool) or not isinstance(value, (int, str)) or not str(value).isdigit():
        raise ApiError(f"The {name} must be an integer.", field_name=name)
    return int(value)


def currency_field(body: dict, default: str | None = "INR") -> str:
    cur = body.get("currency", default)
    if not isinstance(cur, str) or cur.upper() not in CURRENCIES or cur != cur.upper():
        raise ApiError("The selected currency is invalid.", field_name="currency")
    return cur


def list_page(items: list[Any], params: dict[str, str]) -> list[Any]:
    """A list endpoint's page, as Razorpay's collections take it: `from` / `to` (unix
    seconds, inclusive) on created_at, `count` 1..100 (default 10), `skip`; newest first
    (https://razorpay.com/docs/api/orders/fetch-all, .../payments/fetch-all-payments,
    .../refunds/fetch-all)."""
    count = int_field(params, "count", required=False)
    skip = int_field(params, "skip", required=False) or 0
    count = 10 if count is None else count
    if not 1 <= count <= 100:
        raise ApiError("The count must be between 1 and 100.", field_name="count")
    lo = int_field(params, "from", required=False) or 0
    hi = int_field(params, "to", required=False)
    found = [i for i in items if i.created_at >= lo and (hi is None or i.created_at <= hi)]
    found.reverse()  # newest first (insertion order is creation order)
    return found[skip:skip + count]


# X-Refund-Idempotency (https://razorpay.com/docs/api/refunds/normal-refunds-idempotent): "at least
# 10 character long and can contain alphabets, numbers, hyphens and underscores only"; a retry
# must repeat the first request's body ("A different payload will be rejected as a
# BAD_REQUEST", with the description below); "If a request is received while a prior request
# is still being processed, the system will return a 409 Conflict status code."
IDEMPOTENCY_KEY = re.compile(r"[A-Za-z0-9_-]{10,}")
DIFFERENT_REQUEST_SAME_KEY = "Different request with the same idempotency key has already been processed."
REQUEST_IN_FLIGHT = "A request with the same idempotency key is still being processed. Retry the request."


def check_idempotency_key(key: str) -> None:
    if not IDEMPOTENCY_KEY.fullmatch(key):
        raise ApiError("The idempotency key must be at least 10 characters long and can contain alphabets, "
                       "numbers, hyphens and underscores only.", field_name="X-Refund-Idempotency")


def refund_request(payment_id: str, body: dict) -> str:
    """The request an idempotency key stands for: the payment and the exact body."""
    return json.dumps({"payment_id": payment_id, "body": body}, sort_keys=True, separators=(",", ":"))
