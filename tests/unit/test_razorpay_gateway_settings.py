"""Which Razorpay endpoints and keys the gateway uses for each configuration."""

from __future__ import annotations

import pytest

from tutorconnect.config import get_settings
from tutorconnect.integrations import razorpay_gateway as gateway


@pytest.fixture
def configure(monkeypatch):
    def apply(**env):
        for name in ("RAZORPAY_KEY_ID", "RAZORPAY_KEY_SECRET", "RAZORPAY_WEBHOOK_SECRET", "RAZORPAY_BASE_URL"):
            monkeypatch.delenv(name, raising=False)
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        get_settings.cache_clear()
        return gateway.credentials()

    yield apply
    get_settings.cache_clear()


def test_no_key_means_the_local_emulator_with_the_local_keys(configure):
    creds = configure(RAZORPAY_WEBHOOK_SECRET="ignored-without-a-key")
    assert (creds.key_id, creds.key_secret, creds.webhook_secret) == (
        gateway.LOCAL_KEY_ID, gateway.LOCAL_KEY_SECRET, gateway.LOCAL_WEBHOOK_SECRET)
    assert creds.base_url == "http://127.0.0.1:8070" and creds.emulated
    assert gateway.checkout_js_url() == "http://127.0.0.1:8070/v1/checkout.js"


def test_real_keys_mean_razorpay_and_its_checkout_js(configure):
    creds = configure(RAZORPAY_KEY_ID="rzp_live_abc", RAZORPAY_KEY_SECRET="s3cret", RAZORPAY_WEBHOOK_SECRET="whs")
    assert creds == gateway.Credentials("rzp_live_abc", "s3cret", "whs", "https://api.razorpay.com", False)
    assert gateway.checkout_js_url() == "https://checkout.razorpay.com/v1/checkout.js"


def test_real_keys_without_a_webhook_secret_refuse_every_webhook(configure):
    configure(RAZORPAY_KEY_ID="rzp_live_abc", RAZORPAY_KEY_SECRET="s3cret")
    body = b'{"event":"payment.captured"}'
    assert not gateway.verify_webhook_signature(body, gateway._hmac_hex("", body))


def test_keys_with_an_explicit_base_url_talk_to_that_url(configure):
    creds = configure(RAZORPAY_KEY_ID="rzp_test_x", RAZORPAY_KEY_SECRET="y", RAZORPAY_BASE_URL="http://127.0.0.1:9999")
    assert creds.base_url == "http://127.0.0.1:9999" and creds.emulated
    assert creds.webhook_secret == gateway.LOCAL_WEBHOOK_SECRET


def test_signatures_are_hmac_sha256_and_checked_in_constant_time(configure):
    configure()
    sig = gateway.payment_signature("order_A", "pay_B")
    assert gateway.verify_payment_signature("order_A", "pay_B", sig)
    assert not gateway.verify_payment_signature("order_X", "pay_B", sig)
    assert not gateway.verify_payment_signature("order_A", "pay_B", None)  # type: ignore[arg-type]
    assert not gateway.verify_webhook_signature(b"{}", "")
    assert gateway.verify_webhook_signature(b"{}", gateway.webhook_signature(b"{}"))
