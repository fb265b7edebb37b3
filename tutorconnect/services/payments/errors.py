"""The refusals of the payment flow (checkout page, callback, webhooks), each a DomainError."""

from __future__ import annotations

from tutorconnect.services.errors import DomainError


class InvalidSignature(DomainError):
    def __init__(self) -> None:
        super().__init__("The payment signature is not valid.")


class HoldExpired(DomainError):
    """The booking's payment window closed before it was paid: choose a time again."""

    def __init__(self, link: str) -> None:
        super().__init__("Your hold on this time has expired. Please choose a time again.")
        self.link = link


class AlreadyPaid(DomainError):
    def __init__(self, reference: str) -> None:
        super().__init__(f"Booking {reference} is already paid.")
        self.reference = reference


class PaymentFailed(DomainError):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)


class PaymentNotConfirmed(DomainError):
    """Razorpay could not be asked right now; the webhook or reconciliation will finish it."""

    def __init__(self) -> None:
        super().__init__("We could not confirm your payment with Razorpay yet. It will be confirmed "
                         "automatically within a few minutes; you have not been charged twice.")
