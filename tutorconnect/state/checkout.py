"""/pay/[reference]: the student pays for a pending booking through Razorpay Checkout.

The page shows the booking (tutor, time in the student's zone and the tutor's, length,
price, the booking's own cancellation policy) and the hold's remaining time, counted down
in the browser from `expires_at`. "Pay" asks the payments service for the booking's one
Razorpay order (created once, reused on every retry), loads checkout.js once and opens it.
The browser reports the outcome back to `payment_result`: the success payload is
untrusted (bounded strings; the service checks formats, verifies the signature over the
order id WE stored and fetches the payment from Razorpay), a failure shows its reason in
plain words with "Try again" on the same order, a dismissal loses nothing.

Only the booking's student sees anything: everyone else gets the same "not found" page.
Private data lives in backend vars behind `_may_see`.
"""

from __future__ import annotations

import contextlib
import json
import uuid
from typing import Any, ClassVar

import reflex as rx

from tutorconnect.models import BookingStatus
from tutorconnect.money import format_money
from tutorconnect.services import payments
from tutorconnect.services.errors import DomainError, NotAuthenticated, NotFound, PermissionDenied
from tutorconnect.services.sessions import CurrentUser
from tutorconnect.services.validation import safe_join_url
from tutorconnect.state.base import SessionState, in_transaction
from tutorconnect.state.forms import short_str
from tutorconnect.state.guard import handler
from tutorconnect.timefmt import format_when as _when, zone_info as _zone

THEME_COLOUR = "#3e63dd"
OUTCOMES = ("success", "failed", "dismissed", "load_error")
_FAILURE_WORDS = {
    "card_declined": "Your bank declined the card.",
    "insufficient_funds": "The account does not have enough funds.",
    "authentication_failed": "The bank could not verify you (OTP / 3-D Secure failed).",
    "gateway_error": "The bank's payment gateway had an error.",
    "payment_cancelled": "The payment was cancelled at the bank.",
}


def _reference_from_path(path: str | None) -> str:
    parts = (path or "").strip("/").split("/")
    return parts[1] if len(parts) == 2 and parts[0] == "pay" else ""


def _countdown_script(expires_iso: str) -> str:
    """Count the hold down in #hold-countdown; at zero ask the server (it decides)."""
    return (
        "(function(){var end=Date.parse(" + json.dumps(expires_iso) + ");"
        "if(window.__tcHoldTimer)clearInterval(window.__tcHoldTimer);"
        "function tick(){if(!location.pathname.startsWith('/pay/')){clearInterval(window.__tcHoldTimer);return;}"
        "var el=document.getElementById('hold-countdown');if(!el)return;"
        "var s=Math.max(0,Math.round((end-Date.now())/1000));"
        "el.textContent=Math.floor(s/60)+':'+String(s%60).padStart(2,'0');"
        "if(s<=0){clearInterval(window.__tcHoldTimer);window.__tcHoldTimer=null;"
        "var b=document.getElementById('hold-expired-check');if(b)b.click();}}"
        "tick();window.__tcHoldTimer=setInterval(tick,1000);})()"
    )


def _checkout_script(info: payments.CheckoutInfo) -> str:
    """Load checkout.js once, open Razorpay, resolve with the first outcome."""
    options = {
        "key": info.key_id, "order_id": info.order_id, "amount": info.amount_minor, "currency": info.currency,
        "name": info.name, "description": info.description,
        "prefill": {"name": info.prefill_name, "email": info.prefill_email},
        "theme": {"color": THEME_COLOUR},
    }
    return (
        "new Promise(function(resolve){var done=false;function finish(v){if(!done){done=true;resolve(v);}}"
        "function go(){try{var o=" + json.dumps(options) + ";"
        "o.handler=function(r){r=r||{};finish({outcome:'success',payment_id:String(r.razorpay_payment_id||''),"
        "order_id:String(r.razorpay_order_id||''),signature:String(r.razorpay_signature||'')});};"
        "o.modal={ondismiss:function(){finish({outcome:'dismissed'});}};"
        "var rzp=new window.Razorpay(o);"
        "rzp.on('payment.failed',function(r){var e=(r&&r.error)||{};try{rzp.close();}catch(x){}"
        "finish({outcome:'failed',code:String(e.code||''),reason:String(e.reason||''),"
        "description:String(e.description||'')});});rzp.open();}catch(err){finish({outcome:'load_error'});}}"
        "if(window.Razorpay){go();return;}"
        "var s=document.querySelector('script[data-rzp-checkout]');"
        "if(!s){s=document.createElement('script');s.src=" + json.dumps(info.checkout_js_url) + ";s.async=true;"
        "s.setAttribute('data-rzp-checkout','1');document.head.appendChild(s);}"
        "s.addEventListener('load',go);s.addEventListener('error',function(){s.remove();finish({outcome:'load_error'});});})"
    )


# The payments package's phase of the booking -> the page's phase (the page adds its own
# transient "failed" and "processing" steps while a payable booking is being paid).
_PAGE_PHASE = {"paid": "confirmed", "expired": "expired", "closed": "closed"}


class CheckoutState(SessionState):
    loading: bool = True
    busy: bool = False
    # missing | ready | failed | processing | confirmed | expired | closed
    phase: str = "missing"
    _info: dict[str, str] = {}
    _booking_id: str = ""
    _owner: str = ""
    PRIVATE: ClassVar[tuple[str, ...]] = ("_info", "_booking_id", "_owner", "phase")

    @rx.var(cache=False)
    def info(self) -> dict[str, str]:
        return self._info if self._may_see(self._owner) else {}

    @rx.var(cache=False)
    def visible_phase(self) -> str:
        return self.phase if self._may_see(self._owner) else "missing"

    # -- loading ----------------------------------------------------------------------------
    async def _read(self, user: Any) -> Any:
        """Fill the summary and the phase from the database; returns the countdown script."""
        reference = _reference_from_path(self.router.url.path)
        summary = await in_transaction(payments.checkout_summary, self._ctx(user), reference)
        zone = user.time_zone or "UTC"
        if summary.phase == "payable":  # keep this tab's own failed/processing step on a reload
            phase = self.phase if self.phase in ("failed", "processing") and self._booking_id == str(
                summary.booking_id) else "ready"
        else:
            phase = _PAGE_PHASE[summary.phase]
        tutor_time = ""
        if summary.tutor_zone != zone:
            local = summary.starts_at.astimezone(_zone(summary.tutor_zone))
            tutor_time = f"{local:%a %d %b, %H:%M} {local.tzname()} ({summary.tutor_zone})"
        keep_failure = self._info.get("failure", "") if phase == "failed" else ""
        self._info = {
            "reference": summary.reference, "status": summary.status,
            "tutor": summary.tutor_name, "photo": summary.tutor_photo, "initial": (summary.tutor_name[:1] or "?").upper(),
            "profile": f"/tutors/{summary.tutor_slug}", "picker": f"/book/{summary.tutor_slug}",
            "when": _when(summary.starts_at, zone), "zone": zone, "tutor_time": tutor_time,
            "length": f"{summary.length_minutes} minutes", "price": format_money(summary.price_minor, summary.currency),
            "policy": summary.policy_text,
            "expires_iso": summary.expires_at.isoformat() if summary.expires_at else "",
            "expires": _when(summary.expires_at, zone) if summary.expires_at else "",
            "ics": f"/api/bookings/{summary.booking_id}.ics",
            "awaiting_tutor": "yes" if summary.status == BookingStatus.AWAITING_TUTOR else "",
            "join": safe_join_url(summary.join_url) or "",
            "failure": keep_failure,
        }
        self._booking_id = str(summary.booking_id)
        self.phase = phase
        self._owner = self._bind_private()
        if phase in ("ready", "failed") and summary.expires_at is not None:
            return rx.call_script(_countdown_script(summary.expires_at.isoformat()))
        return None

    def _not_shown(self, err: DomainError) -> Any:
        """The same page for everyone who may not see the booking: nothing, and no message."""
        if isinstance(err, (NotFound, PermissionDenied)):
            self._clear_private()
            return None
        return self._refuse(err)

    @handler("student", busy=("loading", "busy"), on_error="_not_shown")
    async def load(self, user: CurrentUser):
        self._clear_private()
        return await self._read(user)

    def _gone(self, err: DomainError) -> Any:
        """The booking is no longer there (for this person): nothing shown, no message."""
        if isinstance(err, NotFound):
            self._clear_private()
            return None
        return self._refuse(err)

    @handler("student", on_error="_gone")
    async def check_again(self, user: CurrentUser):
        """The countdown reached zero, or the person asks whether a payment landed."""
        if not self._booking_id:
            raise NotFound("That booking")
        return await self._read(user)

    # -- paying -----------------------------------------------------------------------------
    def _set_failure(self, text: str) -> None:
        self._info = {**self._info, "failure": text}
        self.phase = "failed"

    async def _not_paying(self, err: DomainError) -> Any:
        """Checkout could not start: paid already (show it), the hold ended, a refusal, or
        only a message (the page stays as it is)."""
        self.busy = False
        if isinstance(err, payments.AlreadyPaid):
            return await self.check_again()
        if isinstance(err, payments.HoldExpired):
            self.phase = "expired"
            return None
        if isinstance(err, (NotAuthenticated, NotFound, PermissionDenied)):
            return self._refuse(err)
        return rx.toast.error(err.message)

    # `busy` stays set while checkout.js is open (payment_result clears it): hold_busy.
    @handler("student", busy="busy", hold_busy=True, on_error="_not_paying")
    async def pay(self, user: CurrentUser):
        if self.busy:
            return None
        if not self._booking_id or not self._may_see(self._owner):
            raise NotFound("That booking")
        self.busy = True
        info = await in_transaction(payments.start_checkout, self._ctx(user), uuid.UUID(self._booking_id))
        return rx.call_script(_checkout_script(info), callback=CheckoutState.payment_result)

    def _not_confirmed(self, err: DomainError) -> Any:
        """The payment could not be confirmed: the page's step says why (a refusal aside)."""
        if isinstance(err, (NotAuthenticated, NotFound, PermissionDenied)):
            return self._refuse(err)
        if isinstance(err, payments.HoldExpired):
            self.phase = "expired"
        elif isinstance(err, payments.PaymentNotConfirmed):
            self._info = {**self._info, "processing": err.message}
            self.phase = "processing"
        elif isinstance(err, (payments.PaymentFailed, payments.InvalidSignature)):
            self._set_failure(err.message + " You can try again.")
        else:
            self._set_failure(err.message)
        return None

    @handler("student", busy="busy", on_error="_not_confirmed")
    async def payment_result(self, user: CurrentUser, result: Any):
        """What checkout.js reported. Untrusted: every field is checked here or in the service."""
        if not self._booking_id or not self._may_see(self._owner):
            raise NotFound("That booking")
        outcome = short_str(result.get("outcome"), 20) if isinstance(result, dict) else None
        if outcome not in OUTCOMES:
            return rx.toast.error("The payment window sent something we do not understand. Please try again.")
        if outcome == "dismissed":
            self.phase = "ready" if self.phase != "failed" else "failed"
            return rx.toast.info("Payment not completed. Your hold is kept until " + self._info.get("expires", "it ends")
                                 + "; you can pay again.")
        if outcome == "load_error":
            return rx.toast.error("The payment window could not be loaded. Check your connection and try again.")
        if outcome == "failed":
            reason = short_str(result.get("reason"), 60) or ""
            description = short_str(result.get("description"), 300) or ""
            words = _FAILURE_WORDS.get(reason) or description or "The payment did not go through."
            self._set_failure(f"{words} No money was taken for this attempt; you can try again.")
            return None
        payment_id = short_str(result.get("payment_id"), 60)
        order_id = short_str(result.get("order_id"), 60)
        signature = short_str(result.get("signature"), 128)
        if not payment_id or not order_id or not signature:
            self._set_failure("The payment window did not confirm the payment. Please try again.")
            return None
        self.busy = True
        with contextlib.suppress(payments.AlreadyPaid):  # the webhook was first: show the booking as it is
            await in_transaction(payments.confirm_from_callback, self._ctx(user), uuid.UUID(self._booking_id),
                                 payment_id, order_id, signature)
        self.busy = False
        await self._read(user)
        if self.phase != "confirmed":
            # The payment landed after the hold ended and the time was taken (or the booking
            # was closed): the service refunds it in full and notifies the student.
            return rx.toast.warning("Your payment arrived after this booking's hold had ended, so we are "
                                    "refunding it in full (see your notifications). Please choose another time.", duration=15000)
        return rx.toast.success(f"Payment received. Booking {self._info.get('reference', '')} is paid.")
