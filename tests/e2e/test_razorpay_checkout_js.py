"""The emulator's checkout.js in headless Chromium, on the emulator's own demo page
(/_emulator/demo): open(), Escape -> modal.ondismiss, a chosen failure reason ->
on('payment.failed'), then a successful retry -> handler with a valid signature.
Needs no live app (uses the `browser` fixture, not `page`)."""

from __future__ import annotations

import json
import re

import pytest
import razorpay
from playwright.sync_api import expect

from emulators import razorpay as emulator

KEY_ID, KEY_SECRET = "rzp_test_checkoutjs0001", "checkout-js-secret"


@pytest.fixture(scope="module")
def rzp():
    with emulator.running(key_id=KEY_ID, key_secret=KEY_SECRET, webhook_url=None) as handle:
        yield handle


def _out(page) -> dict:
    expect(page.locator("#out")).to_have_text(re.compile(r".+"))  # (wait_for_function would need unsafe-eval)
    data = json.loads(page.locator("#out").text_content())
    page.evaluate("document.getElementById('out').textContent = ''")
    return data


@pytest.mark.parametrize("scheme, viewport", [("light", {"width": 1280, "height": 800}),
                                              ("dark", {"width": 390, "height": 844})])
def test_checkout_js_dismiss_fail_then_pay(browser, rzp, artifacts, scheme, viewport):
    client = razorpay.Client(auth=(KEY_ID, KEY_SECRET), base_url=rzp.url)
    order = client.order.create({"amount": 49900, "currency": "INR", "receipt": f"BK-JS-{scheme}"}, timeout=5)
    context = browser.new_context(color_scheme=scheme, viewport=viewport)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda err: errors.append(str(err)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    try:
        page.goto(f"{rzp.url}/_emulator/demo?order_id={order['id']}&amount=49900")
        page.click("#create")
        dialog = page.locator("[data-testid=rzp-checkout]")
        dialog.wait_for()
        assert dialog.get_attribute("role") == "dialog" and dialog.get_attribute("aria-modal") == "true"
        assert "499" in page.locator("[data-testid=rzp-amount]").text_content()
        focused = "document.querySelector('#razorpay-emulator-checkout').shadowRoot.activeElement?.dataset.testid"
        assert page.evaluate(focused) == "rzp-pay"
        for key in ["Tab"] * 8 + ["Shift+Tab"] * 8:  # focus stays inside the dialog both ways
            page.keyboard.press(key)
            assert page.evaluate("document.activeElement.id") == "razorpay-emulator-checkout"
        page.screenshot(path=str(artifacts / f"razorpay-checkout-{scheme}.png"))
        page.keyboard.press("Escape")
        assert _out(page) == {"dismissed": True}
        assert page.locator("[data-testid=rzp-checkout]").count() == 0

        page.click("#create")
        page.click("summary")
        page.select_option("[data-testid=rzp-failure-reason]", "insufficient_funds")
        page.click("[data-testid=rzp-fail]")
        failed = _out(page)["failed"]
        assert failed["reason"] == "insufficient_funds" and failed["source"] == "customer"
        assert failed["metadata"]["order_id"] == order["id"] and failed["metadata"]["payment_id"].startswith("pay_")
        assert "insufficient" in page.locator("[data-testid=rzp-status]").text_content().lower()
        page.screenshot(path=str(artifacts / f"razorpay-checkout-failed-{scheme}.png"))

        page.click("[data-testid=rzp-pay]")
        ok = _out(page)["ok"]
        assert ok["razorpay_order_id"] == order["id"]
        assert client.utility.verify_payment_signature(ok) is True
        assert page.locator("[data-testid=rzp-checkout]").count() == 0
        fetched = client.order.fetch(order["id"], timeout=5)
        assert (fetched["status"], fetched["attempts"]) == ("paid", 2)
        assert errors == []
    finally:
        context.close()
