"""Ids and HMAC signatures as Razorpay makes them: prefixed base62 ids, the checkout
handler's payment signature, and the hex HMAC-SHA256 that signs webhook bodies."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import string

BASE62 = string.digits + string.ascii_uppercase + string.ascii_lowercase


def new_id(prefix: str) -> str:
    return prefix + "_" + "".join(secrets.choice(BASE62) for _ in range(14))


def hmac_hex(secret: str, message: bytes | str) -> str:
    data = message.encode() if isinstance(message, str) else message
    return hmac.new(secret.encode(), data, hashlib.sha256).hexdigest()


def payment_signature(order_id: str, payment_id: str, key_secret: str) -> str:
    return hmac_hex(key_secret, f"{order_id}|{payment_id}")
