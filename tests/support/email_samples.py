"""A sample context for every email template (tests render and send each one; the email
screenshot script renders them in Chromium). The real contexts come from
services/notifications/ (booking_messages.py, user_messages.py); the flow tests in
tests/integration/test_notify_emails.py check those end to end."""

from __future__ import annotations

BASE = "http://localhost:3000"

LESSON_IST = {"when": "Tuesday 1 December 2026, 14:00–15:00 IST", "short": "Tue 1 Dec, 14:00 IST",
              "zone": "Asia/Kolkata", "length": "60 minutes", "reference": "TC-7K3M9Q", "price": "₹1,500"}
LESSON_NY = {"when": "Tuesday 1 December 2026, 03:30–04:30 EST", "short": "Tue 1 Dec, 03:30 EST",
             "zone": "America/New_York", "length": "60 minutes", "reference": "TC-7K3M9Q", "price": "₹1,500"}
JOIN = "https://meet.jit.si/TutorConnect-q8Zt3vJ2mXh0aYc5LbN1_w"


def _student(**more):
    return {"name": "Aarav", "role": "student", "other": "Priya Sharma", "lesson": LESSON_IST,
            "link": f"{BASE}/bookings", "preheader": "A sample preheader for the inbox list", **more}


def _tutor(**more):
    return {"name": "Priya", "role": "tutor", "other": "Aarav Patel", "lesson": LESSON_NY,
            "link": f"{BASE}/tutor/schedule", "preheader": "A sample preheader for the inbox list", **more}


# name -> (template, context)
SAMPLES: dict[str, tuple[str, dict]] = {
    "verify_email": ("verify_email", {"name": "Aarav Patel", "link": f"{BASE}/verify-email?token=sample"}),
    "password_reset": ("password_reset", {"name": "Aarav Patel", "link": f"{BASE}/reset-password?token=sample",
                                          "minutes": 30}),
    "booking_confirmed-student": ("booking_confirmed", _student(join_url=JOIN, provider="Video room")),
    "booking_confirmed-tutor": ("booking_confirmed", _tutor(join_url="https://meet.google.com/abc-defg-hij",
                                                             provider="Google Meet")),
    "booking_awaiting_student": ("booking_awaiting_student", _student(respond_by="Mon 30 Nov, 18:00 IST")),
    "booking_request_tutor": ("booking_request_tutor", _tutor(respond_by="Mon 30 Nov, 07:30 EST")),
    "booking_declined-student": ("booking_declined", _student(
        automatic=False, refund="₹1,500", reason="I am away that week, sorry!", link=f"{BASE}/book/priya-sharma")),
    "booking_declined-tutor": ("booking_declined", _tutor(automatic=True, refund="₹1,500", reason="")),
    "booking_rescheduled": ("booking_rescheduled", _student(
        old_when="Monday 30 November 2026, 14:00–15:00 IST", moved_by="Priya Sharma", join_url=JOIN)),
    "booking_cancelled-student": ("booking_cancelled", _student(
        cancelled_by="You", money="We are refunding ₹750.", refund="₹750", refunded=True,
        reason="Exam moved", book_again=f"{BASE}/book/priya-sharma")),
    "booking_cancelled-tutor": ("booking_cancelled", _tutor(
        cancelled_by="Aarav Patel", money="The student is refunded ₹750.", refund="₹750", refunded=False,
        reason="Exam moved", book_again=f"{BASE}/book/priya-sharma")),
    "booking_review_requested": ("booking_review_requested", _student(link=f"{BASE}/bookings?tab=past")),
    "booking_no_show": ("booking_no_show", _tutor(
        absent_is_me=True, money="The student gets a full refund of ₹1,500.")),
    "booking_reminder": ("booking_reminder", _student(starts_in="in 1 hour", join_url=JOIN)),
    "payment_failed": ("payment_failed", _student(
        reason="Your bank declined the payment.", expires="Tue 1 Dec, 13:25 IST",
        link=f"{BASE}/pay/TC-7K3M9Q")),
    "refund_processed": ("refund_processed", {"name": "Aarav", "amount": "₹750", "reference": "TC-7K3M9Q",
                                              "link": f"{BASE}/receipts"}),
    "refund_started": ("refund_started", {
        "name": "Aarav", "headline": "Your payment of ₹1,500 is being refunded", "amount": "₹1,500",
        "reference": "TC-7K3M9Q", "link": f"{BASE}/bookings",
        "body": "Your payment for booking TC-7K3M9Q arrived after the hold on that time had ended, and the time "
                "is no longer available. We are refunding the full ₹1,500; it usually reaches you in 5-7 "
                "working days. Please choose another time."}),
    "tutor_approved": ("tutor_approved", {"name": "Priya", "reason": "", "link": f"{BASE}/tutor/profile",
                                          "availability_link": f"{BASE}/tutor/availability"}),
    "tutor_rejected": ("tutor_rejected", {"name": "Priya", "reason": "Please add a clear profile photo.",
                                          "link": f"{BASE}/tutor/profile",
                                          "availability_link": f"{BASE}/tutor/availability"}),
    "meeting_fallback": ("meeting_fallback", _tutor(join_url=JOIN, reason="403 forbidden")),
    "review_published": ("review_published", {"name": "Priya", "student": "Aarav P.", "stars": 4,
                                              "link": f"{BASE}/tutor/reviews"}),
    "payment_flagged": ("payment_flagged", {
        "name": "Ada", "label": "Wrong amount or currency", "event": "payment.captured", "reference": "TC-7K3M9Q",
        "amount": "₹18,001", "reason": "payment pay_Q1w2E3r4T5y6U7: amount mismatch",
        "link": f"{BASE}/admin/payments/flags", "preheader": "A Razorpay event could not be applied."}),
}
