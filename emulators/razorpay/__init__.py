"""The Razorpay emulator: a local stand-in for the Razorpay API, Checkout and webhooks that
the official `razorpay` SDK (2.0.1) runs against unchanged. It owns the REST endpoints
(api), the order/payment/refund state machine and its store (store, with the entities,
request rules and ids in entities, validation and signing), the signed webhook deliveries
(webhooks), the hosted checkout.js and its pay endpoint (checkout), the test controls
(controls), the dashboard (pages) and the app that assembles them (app); it uses
emulators.serving to run in a background thread and nothing from the TutorConnect app.
"""

from emulators.razorpay.app import (
    LOCAL_KEY_ID,
    LOCAL_KEY_SECRET,
    LOCAL_WEBHOOK_SECRET,
    WEBHOOK_PATH,
    RunningRazorpay,
    create_app,
    running,
    start_in_thread,
)
from emulators.razorpay.checkout import CHECKOUT_JS
from emulators.razorpay.controls import CONTROL_ROUTES, Controls
from emulators.razorpay.entities import FAILURES, METHODS, Order, Payment, Refund
from emulators.razorpay.signing import hmac_hex, new_id, payment_signature
from emulators.razorpay.store import Fault, RazorpayEmulator
from emulators.razorpay.validation import (
    DIFFERENT_REQUEST_SAME_KEY,
    IDEMPOTENCY_KEY,
    REQUEST_IN_FLIGHT,
    ApiError,
    check_idempotency_key,
)
from emulators.razorpay.webhooks import WEBHOOK_RETRY_WINDOW, Delivery, WebhookSender

__all__ = [
    "CHECKOUT_JS",
    "CONTROL_ROUTES",
    "DIFFERENT_REQUEST_SAME_KEY",
    "FAILURES",
    "IDEMPOTENCY_KEY",
    "LOCAL_KEY_ID",
    "LOCAL_KEY_SECRET",
    "LOCAL_WEBHOOK_SECRET",
    "METHODS",
    "REQUEST_IN_FLIGHT",
    "WEBHOOK_PATH",
    "WEBHOOK_RETRY_WINDOW",
    "ApiError",
    "Controls",
    "Delivery",
    "Fault",
    "Order",
    "Payment",
    "RazorpayEmulator",
    "Refund",
    "RunningRazorpay",
    "WebhookSender",
    "check_idempotency_key",
    "create_app",
    "hmac_hex",
    "new_id",
    "payment_signature",
    "running",
    "start_in_thread",
]
