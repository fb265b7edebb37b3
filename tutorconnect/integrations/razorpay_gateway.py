"""Razorpay adapter: the ONLY module that talks to the `razorpay` SDK.

Every call has a timeout (connect 3 s, read 10 s; the SDK has none by default) and the
SDK's own retries stay off: retrying is the caller's decision (the outbox / Celery retry
transient errors only). Failures surface as `GatewayError` with `transient` True for
network errors, timeouts, HTTP 5xx, 429, and 409 (a refund whose idempotency key is still
being processed: "You may retry the request upon receiving this response",
https://razorpay.com/docs/api/refunds/normal-refunds-idempotent), False for everything else
(bad request, authentication, a refund larger than the payment, ...).

Credentials: with no RAZORPAY_KEY_ID configured the app talks to the local emulator
(emulators/razorpay/) at RAZORPAY_BASE_URL with the fixed local keys below;
with real keys, to https://api.razorpay.com and Razorpay's real checkout.js (unless
RAZORPAY_BASE_URL is set explicitly). `credentials()` returns the effective values.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import threading
from dataclasses import dataclass
from typing import Any

import razorpay
import requests

from tutorconnect.config import get_settings

LOCAL_KEY_ID = "rzp_test_local000000000"
LOCAL_KEY_SECRET = "local-razorpay-secret"
LOCAL_WEBHOOK_SECRET = "local-webhook-secret"
TIMEOUT = (3, 10)  # (connect, read) seconds, on every call


@dataclass(frozen=True)
class Credentials:
    key_id: str
    key_secret: str
    webhook_secret: str
    base_url: str
    emulated: bool


class GatewayError(Exception):
    """A Razorpay call failed. `transient`: worth retrying later (network, timeout, 5xx, 429, 409)."""

    def __init__(self, description: str, *, code: str = "", status: int | None = None, transient: bool = False,
                 reason: str = "") -> None:
        super().__init__(f"{code or 'ERROR'} ({status}): {description}")
        self.description = description
        self.code = code
        self.status = status
        self.transient = transient
        self.reason = reason


def credentials() -> Credentials:
    """The effective keys, as the emulator runner (emulators/__main__.py) uses
    them: no key id -> the fixed local keys and webhook secret; a key id against a non-Razorpay
    base URL (an emulator) -> the local webhook secret unless one is configured; real
    Razorpay -> exactly the configured values (no webhook secret: every webhook refused)."""
    s = get_settings()
    base = s.razorpay_api_base_url
    if not s.razorpay_key_id:
        return Credentials(LOCAL_KEY_ID, LOCAL_KEY_SECRET, LOCAL_WEBHOOK_SECRET, base, True)
    emulated = base != "https://api.razorpay.com"
    webhook_secret = s.razorpay_webhook_secret or (LOCAL_WEBHOOK_SECRET if emulated else "")
    return Credentials(s.razorpay_key_id, s.razorpay_key_secret, webhook_secret, base, emulated)


def checkout_js_url() -> str:
    return get_settings().razorpay_checkout_js_url


_local = threading.local()


def _remember_response(response: requests.Response, *args: Any, **kwargs: Any) -> None:
    _local.last_response = response


def client() -> razorpay.Client:
    """A per-thread SDK client for the current credentials (requests sessions are not
    thread-safe); the timeout is passed on every call by `_call`."""
    creds = credentials()
    cache_key = (creds.key_id, creds.key_secret, creds.base_url)
    cached = getattr(_local, "client", None)
    if cached is not None and getattr(_local, "client_key", None) == cache_key:
        return cached
    session = requests.Session()
    session.hooks["response"].append(_remember_response)
    c = razorpay.Client(session=session, auth=(creds.key_id, creds.key_secret), base_url=creds.base_url)
    c.enable_retry(False)
    _local.client, _local.client_key = c, cache_key
    return c


def _error_from_response(fallback: str) -> GatewayError:
    response: requests.Response | None = getattr(_local, "last_response", None)
    status = response.status_code if response is not None else None
    code, description, reason = "", fallback, ""
    if response is not None:
        try:
            body = response.json().get("error") or {}
            code = str(body.get("code") or "")
            description = str(body.get("description") or fallback)
            reason = str(body.get("reason") or "")
        except (ValueError, AttributeError):
            pass
    transient = status is None or status >= 500 or status in (409, 429)
    return GatewayError(description, code=code, status=status, transient=transient, reason=reason)


def _call(fn: Any, *args: Any, headers: dict[str, str] | None = None) -> Any:
    _local.last_response = None
    kwargs: dict[str, Any] = {"timeout": TIMEOUT}
    if headers:
        kwargs["headers"] = dict(headers)
    try:
        return fn(*args, **kwargs)
    except requests.Timeout as err:
        raise GatewayError(f"Razorpay did not answer in time ({type(err).__name__}).", code="TIMEOUT",
                           transient=True) from err
    except requests.ConnectionError as err:
        raise GatewayError("Could not reach Razorpay.", code="NETWORK", transient=True) from err
    except (razorpay.errors.BadRequestError, razorpay.errors.GatewayError, razorpay.errors.ServerError) as err:
        raise _error_from_response(str(err) or "Razorpay refused the request.") from err
    except (requests.RequestException, ValueError) as err:  # e.g. a non-JSON error page from a proxy
        raise _error_from_response(f"Unexpected answer from Razorpay ({type(err).__name__}).") from err


def create_order(amount_minor: int, currency: str, receipt: str, notes: dict[str, str]) -> dict:
    c = client()
    return _call(c.order.create, {"amount": int(amount_minor), "currency": currency, "receipt": receipt,
                                  "notes": notes, "payment_capture": 1})


def fetch_order(order_id: str) -> dict:
    c = client()
    return _call(c.order.fetch, order_id)


def order_payments(order_id: str) -> list[dict]:
    c = client()
    body = _call(c.order.payments, order_id)
    return list(body.get("items", [])) if isinstance(body, dict) else []


def fetch_payment(payment_id: str) -> dict:
    c = client()
    return _call(c.payment.fetch, payment_id)


def capture(payment_id: str, amount_minor: int, currency: str) -> dict:
    c = client()
    return _call(c.payment.capture, payment_id, int(amount_minor), {"currency": currency})


# https://razorpay.com/docs/api/refunds/normal-refunds-idempotent: "at least 10 character long
# and can contain alphabets, numbers, hyphens and underscores only".
IDEMPOTENCY_KEY = re.compile(r"[A-Za-z0-9_-]{10,}")


def refund(payment_id: str, amount_minor: int, idempotency_key: str, notes: dict[str, str]) -> dict:
    """A normal-speed refund; Razorpay returns the same refund for a repeated key and body.
    A key Razorpay would refuse is a bug here, never a reason to mark a refund failed."""
    if not IDEMPOTENCY_KEY.fullmatch(idempotency_key):
        raise ValueError(f"not a valid X-Refund-Idempotency key: {idempotency_key!r}")
    c = client()
    return _call(c.payment.refund, payment_id, {"amount": int(amount_minor), "speed": "normal", "notes": notes},
                 headers={"X-Refund-Idempotency": idempotency_key})


def fetch_refund(refund_id: str) -> dict:
    c = client()
    return _call(c.refund.fetch, refund_id)


def _hmac_hex(secret: str, message: bytes) -> str:
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def payment_signature(order_id: str, payment_id: str) -> str:
    """What checkout signs: HMAC-SHA256(key_secret, "<order_id>|<payment_id>")."""
    return _hmac_hex(credentials().key_secret, f"{order_id}|{payment_id}".encode())


def verify_payment_signature(order_id: str, payment_id: str, signature: str) -> bool:
    if not (isinstance(order_id, str) and isinstance(payment_id, str) and isinstance(signature, str)):
        return False
    return hmac.compare_digest(payment_signature(order_id, payment_id).encode(), signature.encode())


def webhook_signature(raw_body: bytes) -> str:
    return _hmac_hex(credentials().webhook_secret, raw_body)


def verify_webhook_signature(raw_body: bytes, signature: str | None) -> bool:
    """HMAC-SHA256 of the raw body with the webhook secret, compared in constant time."""
    if not isinstance(raw_body, bytes | bytearray) or not isinstance(signature, str) or not signature:
        return False
    secret = credentials().webhook_secret
    if not secret:
        return False  # real keys without a webhook secret: refuse everything rather than accept forgeries
    return hmac.compare_digest(_hmac_hex(secret, bytes(raw_body)).encode(), signature.encode())
