"""Payments: money for bookings, with Razorpay. This package owns the checkout order and
the browser's success callback (checkout), applying a payment to its booking (settlement),
refunds (refunds), webhook ingestion (webhooks), the append-only money ledger (ledger),
what pages show about a booking's money (summary), the checkout page's booking summary
(checkout_view), students' receipts (receipts), tutors' earnings (earnings), reconciliation
with Razorpay (reconciliation), the admins' queue of flagged webhook events and its alert
(flags) and the refund jobs (jobs: a `JOBS` table, which
services/jobs.py assembles; this __init__ does not import it). Every entry point (the checkout page, the
webhook route, the outbox jobs, reconciliation) goes through the same settlement, so they
cannot disagree. It uses the bookings package (booking rows, mark_paid, revive_paid,
expire_unpaid, the cancellation policy's words), scheduling (SlotUnavailable),
notifications (user_event), meetings (join links) and the flat services modules outbox,
accounts, validation, errors, context, access and audit.
"""

from tutorconnect.services.payments.checkout import MERCHANT_NAME, CheckoutInfo, confirm_from_callback, start_checkout
from tutorconnect.services.payments.checkout_view import (
    BOOKING_REFERENCE,
    CHECKOUT_PHASES,
    CheckoutSummary,
    checkout_phase,
    checkout_summary,
)
from tutorconnect.services.payments.earnings import (
    BookingEarning,
    EarningsSummary,
    PeriodEarning,
    earnings_by_booking,
    earnings_by_period,
    earnings_summary,
)
from tutorconnect.services.payments.errors import (
    AlreadyPaid,
    HoldExpired,
    InvalidSignature,
    PaymentFailed,
    PaymentNotConfirmed,
)
from tutorconnect.services.payments.flags import (
    PaymentFlag,
    PaymentFlagPage,
    flag_money_text,
    list_payment_flags,
    resolve_payment_flag,
    unresolved_flag_count,
)
from tutorconnect.services.payments.ledger import (
    booking_totals,
    has_entry,
    paid_total,
    record_payment,
    record_refund,
    refunded_total,
    split_refund,
    unbalanced_bookings,
)
from tutorconnect.services.payments.receipts import (
    Receipt,
    ReceiptPayment,
    ReceiptRefund,
    list_receipts,
    receipt_for,
    render_receipt_pdf,
)
from tutorconnect.services.payments.reconciliation import (
    RECONCILE_EVERY_SECONDS,
    ReconcileReport,
    ReconciliationLogRow,
    recent_reconciliation_log,
    reconcile,
)
from tutorconnect.services.payments.refunds import (
    REFUND_EXECUTE_JOB,
    REFUND_REQUESTED_JOB,
    execute_refund,
    poll_refund,
    razorpay_refund_key,
    record_refund_entity,
    request_refund,
)
from tutorconnect.services.payments.settlement import apply_payment
from tutorconnect.services.payments.summary import PaymentSummary, RefundView, payment_summary
from tutorconnect.services.payments.webhooks import WEBHOOK_MAX_BYTES, WebhookResult, ingest_webhook

__all__ = [
    # checkout and callback
    "MERCHANT_NAME", "CheckoutInfo", "start_checkout", "confirm_from_callback",
    # refusals
    "AlreadyPaid", "HoldExpired", "InvalidSignature", "PaymentFailed", "PaymentNotConfirmed",
    # settlement, refunds, webhooks
    "apply_payment",
    "REFUND_EXECUTE_JOB", "REFUND_REQUESTED_JOB", "request_refund", "razorpay_refund_key", "execute_refund",
    "record_refund_entity", "poll_refund",
    "WEBHOOK_MAX_BYTES", "WebhookResult", "ingest_webhook",
    # ledger
    "split_refund", "has_entry", "record_payment", "record_refund", "paid_total", "refunded_total",
    "booking_totals", "unbalanced_bookings",
    # pages: payment summary, checkout page, receipts, earnings
    "RefundView", "PaymentSummary", "payment_summary",
    "BOOKING_REFERENCE", "CheckoutSummary", "checkout_summary",
    "CHECKOUT_PHASES",
    "checkout_phase",
    "Receipt", "ReceiptPayment", "ReceiptRefund", "list_receipts", "receipt_for", "render_receipt_pdf",
    "BookingEarning", "PeriodEarning", "EarningsSummary", "earnings_summary", "earnings_by_period",
    "earnings_by_booking",
    # admins: flagged webhook events
    "PaymentFlag", "PaymentFlagPage", "flag_money_text", "list_payment_flags", "unresolved_flag_count",
    "resolve_payment_flag",
    # reconciliation
    "RECONCILE_EVERY_SECONDS", "ReconcileReport", "reconcile", "ReconciliationLogRow", "recent_reconciliation_log",
]
