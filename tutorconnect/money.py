"""Money is an integer count of minor units plus an ISO 4217 code; never a float."""

from __future__ import annotations

import re
from decimal import Decimal

from babel import Locale
from babel.numbers import format_currency, get_currency_precision


def minor_to_decimal(amount_minor: int, currency: str) -> Decimal:
    if not isinstance(amount_minor, int) or isinstance(amount_minor, bool):
        raise TypeError("amount_minor must be an int")
    return Decimal(amount_minor).scaleb(-get_currency_precision(currency))


def format_money(amount_minor: int, currency: str, *, locale: str = "en_IN") -> str:
    """'₹1,500' for whole amounts, '₹1,499.50' otherwise, in the viewer's locale."""
    value = minor_to_decimal(amount_minor, currency)
    if value == value.to_integral_value():
        # The locale's own pattern (Indian grouping for en_IN) without the decimals.
        pattern = re.sub(r"\.0+", "", Locale.parse(locale).currency_formats["standard"].pattern)
        return format_currency(value, currency, locale=locale, format=pattern, currency_digits=False)
    return format_currency(value, currency, locale=locale)


def split_refund(price_minor: int, fee_minor: int, refunded_before: int, amount_minor: int) -> tuple[int, int]:
    """(fee reversal, earnings reversal) for refunding `amount_minor` after `refunded_before`
    of a `price_minor` payment whose platform fee was `fee_minor`; both >= 0, summing to
    `amount_minor`. The one rule for how a refund is shared between the platform and the
    tutor: the ledger writes it (payments/ledger.py) and the booking cards show what it
    leaves the tutor (bookings/policy.py `tutor_earning`). Pure: property-tested."""
    if price_minor <= 0 or amount_minor < 0 or refunded_before < 0 or refunded_before + amount_minor > price_minor:
        raise ValueError("refund outside the payment")
    before = fee_minor * refunded_before // price_minor
    after = fee_minor * (refunded_before + amount_minor) // price_minor
    fee_back = after - before
    return fee_back, amount_minor - fee_back
