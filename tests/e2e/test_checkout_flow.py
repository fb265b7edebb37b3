"""The money path in Chromium against the live app and its Razorpay emulator (checkout.js,
API and signed webhooks to our route), with the real Celery worker doing the refunds:

(a) a student books a lesson in the picker, lands on /pay/<reference>, pays through the
    emulator's checkout, sees the confirmation (booking confirmed, ledger rows written),
    then cancels days ahead on /bookings and sees the full refund, processed through the
    emulator;
(b) a failed payment (a chosen failure reason) shows the reason in plain words; "Try
    again" reopens checkout on the SAME order and succeeds.

Fresh tutors and students only (no demo bookings). Screenshots: the checkout page (light,
dark, mobile), the pay overlay, the failure and the confirmation."""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import TIMEOUT, goto, query, toast
from tests.e2e.test_bookings_pages import (
    DESKTOP,
    MOBILE,
    _card,
    _signed_in,
    future,
    make_booking,
    make_person,
)

pytestmark = pytest.mark.e2e
RZP = "[data-testid=rzp-checkout]"


def _instant_tutor(db, name: str, zone: str):
    """A tutor who needs no confirmation: a paid booking is confirmed at once."""
    tutor, _ = make_person(db, "tutor", name, zone)
    query(db, "update tutor_profiles set requires_confirmation = false where user_id = :t", t=tutor)
    slug = query(db, "select slug from tutor_profiles where user_id = :t", t=tutor)[0][0]
    return tutor, slug


def _wait_for(db, sql: str, expected, timeout: float = 60, **params):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = query(db, sql, **params)
        if last == expected:
            return last
        time.sleep(0.5)
    raise AssertionError(f"{sql}: {last!r} != {expected!r}")


def test_a_student_books_pays_sees_the_confirmation_then_cancels_for_a_full_refund(browser, live_app, db, artifacts):
    tutor, slug = _instant_tutor(db, "Marta Kowalska", "Europe/Warsaw")
    _, email = make_person(db, "student", "Kabir Rao")
    context, page = _signed_in(browser, live_app, email)
    try:
        goto(page, f"/book/{slug}")
        expect(page.locator("#slot-grid, #no-slots").first).to_be_visible(timeout=TIMEOUT)
        label = page.locator("#week-label").inner_text()
        page.click("#week-next")  # next week: well over the 24 h of the full-refund tier
        expect(page.locator("#week-label")).not_to_have_text(label, timeout=TIMEOUT)
        page.locator(".slot-button").first.click()
        expect(page.locator("#hold-summary")).to_be_visible(timeout=TIMEOUT)
        page.click("#book-now")
        page.wait_for_url(re.compile(r"/pay/TC-[A-Z0-9]+$"), timeout=TIMEOUT)
        reference = page.url.rsplit("/", 1)[1]
        booking_id = query(db, "select id from bookings where reference = :r", r=reference)[0][0]

        summary = page.locator("#checkout-summary")
        expect(summary).to_be_visible(timeout=TIMEOUT)
        expect(page.locator("#checkout-tutor")).to_have_text("Marta Kowalska")
        expect(page.locator("#checkout-when")).to_contain_text("IST")
        expect(page.locator("#checkout-tutor-time")).to_contain_text("Europe/Warsaw")
        expect(page.locator("#checkout-length")).to_have_text("60 minutes")
        expect(page.locator("#checkout-price")).to_have_text("₹1,000")
        expect(page.locator("#checkout-policy")).to_contain_text("24 h or more before: full refund")
        expect(page.locator("#hold-countdown")).to_have_text(re.compile(r"^\d{1,2}:\d\d$"), timeout=TIMEOUT)
        first = page.locator("#hold-countdown").inner_text()
        expect(page.locator("#hold-countdown")).not_to_have_text(first, timeout=5000)  # it counts down
        page.screenshot(path=str(artifacts / "checkout-desktop-light.png"), full_page=True)

        page.click("#pay-button")
        overlay = page.locator(RZP)
        expect(overlay).to_be_visible(timeout=TIMEOUT)
        expect(page.locator("[data-testid=rzp-amount]")).to_contain_text("1,000")
        page.screenshot(path=str(artifacts / "checkout-pay-overlay.png"))
        page.click("[data-testid=rzp-pay]")

        expect(page.locator("#payment-confirmed")).to_be_visible(timeout=TIMEOUT)
        expect(page.locator("#confirmation-text")).to_contain_text("Your lesson with Marta Kowalska is confirmed.")
        expect(page.locator("#confirmation-ics")).to_have_attribute("href", f"/api/bookings/{booking_id}.ics")
        expect(page.locator("#pay-button")).to_have_count(0)
        page.screenshot(path=str(artifacts / "checkout-confirmed-desktop-light.png"), full_page=True)
        assert query(db, "select status, expires_at from bookings where id = :id", id=booking_id)[0] == ("confirmed", None)
        kinds = sorted(r[0] for r in query(db, "select kind from ledger_entries where booking_id = :id", id=booking_id))
        assert kinds == ["payment", "platform_fee", "tutor_earnings"], kinds
        assert query(db, "select sum(amount_minor) from ledger_entries where booking_id = :id and kind = 'payment'",
                     id=booking_id)[0][0] == 1000_00
        # A second visit shows the paid booking, not a Pay button.
        goto(page, f"/pay/{reference}")
        expect(page.locator("#payment-confirmed")).to_be_visible(timeout=TIMEOUT)

        # "View my lessons", then cancel days ahead: the full refund, executed and processed.
        page.click("#confirmation-lessons")
        page.wait_for_url(re.compile(r"/bookings"), timeout=TIMEOUT)
        card = _card(page, reference)
        expect(card.locator(".booking-status")).to_have_text("Confirmed", timeout=TIMEOUT)
        assert "solid" in card.evaluate("e => getComputedStyle(e).outlineStyle")  # the lesson just paid
        card.locator(".booking-cancel").click()
        expect(page.locator("#dialog-refund")).to_have_text("You get back ₹1,000 of ₹1,000.", timeout=TIMEOUT)
        page.fill("#reason", "Plans changed, sorry.")
        page.click("#dialog-confirm")
        expect(toast(page, f"Booking {reference} cancelled. Refund: ₹1,000.")).to_be_visible(timeout=TIMEOUT)
        page.click("#tab-past")  # cancelled lessons are under Past (#14)
        expect(card.locator(".booking-outcome")).to_contain_text("Your refund: ₹1,000", timeout=TIMEOUT)
        _wait_for(db, "select status, amount_minor from refunds where booking_id = :id", [("processed", 1000_00)],
                  id=booking_id)
        _wait_for(db, "select coalesce(sum(amount_minor), 0) from ledger_entries where booking_id = :id "
                      "and kind in ('payment', 'refund')", [(0,)], id=booking_id)
        page.screenshot(path=str(artifacts / "checkout-after-refund-bookings.png"), full_page=True)
    finally:
        context.close()


def test_a_failed_payment_shows_the_reason_and_a_retry_on_the_same_order_succeeds(browser, live_app, db, artifacts):
    tutor, _ = _instant_tutor(db, "Sven Olsen", "Europe/Oslo")
    learner, email = make_person(db, "student", "Anaya Iyer")
    booking = make_booking(db, learner, tutor, future(9, 11), paid=False)
    context, page = _signed_in(browser, live_app, email)
    url = f"/pay/{booking.reference}"
    try:
        # /bookings offers "Pay now" on the unpaid booking, leading here.
        goto(page, "/bookings")
        pay_now = _card(page, booking.reference).locator("a.booking-pay")
        expect(pay_now).to_have_attribute("href", url, timeout=TIMEOUT)
        pay_now.click()
        page.wait_for_url(re.compile(re.escape(url) + "$"), timeout=TIMEOUT)
        expect(page.locator("#checkout-summary")).to_be_visible(timeout=TIMEOUT)

        # The checkout page in dark mode and at 390px before paying.
        page.emulate_media(color_scheme="dark")
        goto(page, url)
        expect(page.locator("#checkout-summary")).to_be_visible(timeout=TIMEOUT)
        expect(page.locator("#hold-countdown")).to_have_text(re.compile(r"^\d{1,2}:\d\d$"), timeout=TIMEOUT)
        page.screenshot(path=str(artifacts / "checkout-desktop-dark.png"), full_page=True)
        page.emulate_media(color_scheme="light")
        page.set_viewport_size(MOBILE)
        goto(page, url)
        expect(page.locator("#hold-countdown")).to_have_text(re.compile(r"^\d{1,2}:\d\d$"), timeout=TIMEOUT)
        page.screenshot(path=str(artifacts / "checkout-mobile.png"), full_page=True)
        assert page.evaluate("document.documentElement.scrollWidth") <= MOBILE["width"]
        page.set_viewport_size(DESKTOP)

        # Dismissing the window loses nothing.
        page.click("#pay-button")
        expect(page.locator(RZP)).to_be_visible(timeout=TIMEOUT)
        page.click("[data-testid=rzp-close]")
        expect(page.locator(RZP)).to_have_count(0)
        expect(toast(page, "Payment not completed.")).to_be_visible(timeout=TIMEOUT)
        expect(page.locator("#pay-button")).to_be_enabled()

        # Fail with a chosen reason: the reason in plain words, and Try again.
        page.click("#pay-button")
        expect(page.locator(RZP)).to_be_visible(timeout=TIMEOUT)
        page.locator(f"{RZP} summary").click()
        page.select_option("[data-testid=rzp-failure-reason]", "insufficient_funds")
        page.click("[data-testid=rzp-fail]")
        expect(page.locator("#payment-failure")).to_contain_text("The account does not have enough funds.",
                                                                 timeout=TIMEOUT)
        expect(page.locator(RZP)).to_have_count(0)
        expect(page.locator("#pay-button")).to_contain_text("Try again")
        page.screenshot(path=str(artifacts / "checkout-failed.png"), full_page=True)
        assert query(db, "select status from bookings where id = :id", id=booking.id)[0][0] == "pending_payment"
        orders = query(db, "select razorpay_order_id from payment_orders where booking_id = :id", id=booking.id)
        assert len(orders) == 1

        page.click("#pay-button")
        expect(page.locator(RZP)).to_be_visible(timeout=TIMEOUT)
        page.click("[data-testid=rzp-pay]")
        expect(page.locator("#payment-confirmed")).to_be_visible(timeout=TIMEOUT)
        page.set_viewport_size(MOBILE)
        page.screenshot(path=str(artifacts / "checkout-confirmed-mobile.png"), full_page=True)
        page.set_viewport_size(DESKTOP)
        assert query(db, "select status from bookings where id = :id", id=booking.id)[0][0] == "confirmed"
        assert query(db, "select razorpay_order_id from payment_orders where booking_id = :id", id=booking.id) == orders
        statuses = sorted(r[0] for r in query(db, "select status from payments where booking_id = :id", id=booking.id))
        assert statuses == ["captured", "failed"], statuses
    finally:
        context.close()


def test_an_expired_hold_sends_the_student_back_to_the_picker(browser, live_app, db):
    tutor, slug = _instant_tutor(db, "Lena Vogel", "Europe/Berlin")
    learner, email = make_person(db, "student", "Dev Malhotra")
    booking = make_booking(db, learner, tutor, future(11, 12), paid=False)
    query(db, "update bookings set expires_at = now() + interval '3 seconds' where id = :id", id=booking.id)
    context, page = _signed_in(browser, live_app, email)
    try:
        goto(page, f"/pay/{booking.reference}")
        expect(page.locator("#hold-expired")).to_be_visible(timeout=15_000)  # the countdown reached zero
        expect(page.locator("#back-to-picker")).to_have_attribute("href", f"/book/{slug}")
        expect(page.locator("#pay-button")).to_have_count(0)
    finally:
        context.close()
