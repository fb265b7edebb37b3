"""Step 4 of the onboarding wizard: prices typed in rupees, a live preview, then one save.

A mixin of OnboardingState (state/onboarding.py), which declares the vars used here and
the helpers `_edit`, `_fail` (every handler's `on_error`), `_saved`, `_ctx`.
"""

from __future__ import annotations

from typing import Any

import reflex as rx

from tutorconnect.services import tutors
from tutorconnect.services.errors import InvalidInput
from tutorconnect.services.sessions import CurrentUser
from tutorconnect.state.base import in_transaction
from tutorconnect.state.forms import short_str
from tutorconnect.state.guard import handler
from tutorconnect.state.onboarding_support import lengths_arg, rupees_arg


class OnboardingPricingMixin(rx.State, mixin=True):
    # -- step 4: pricing ----------------------------------------------------------------
    def _price_edit(self, fn) -> None:
        self._edit("pricing")
        fn()
        self.field_errors = {}

    def _set_price_text(self, key: str, value: Any) -> None:
        text = short_str(value, 12) or ""
        self._v = {**self._v, "pricing": {**self._v["pricing"], key: text}}

    @handler("tutor", on_error="_fail")
    async def set_hourly(self, value: Any):
        self._price_edit(lambda: self._set_price_text("hourly", value))

    @handler("tutor", on_error="_fail")
    async def set_trial(self, value: Any):
        self._price_edit(lambda: self._set_price_text("trial", value))

    @handler("tutor", on_error="_fail")
    async def set_confirmation(self, checked: Any):
        def change():
            if not isinstance(checked, bool):
                raise InvalidInput("requires_confirmation", "Choose whether bookings need your confirmation.")
            self._v = {**self._v, "pricing": {**self._v["pricing"], "confirm": "1" if checked else ""}}
        self._price_edit(change)

    @handler("tutor", on_error="_fail")
    async def toggle_length(self, minutes: Any, checked: Any):
        def change():
            m = lengths_arg(minutes)
            if not isinstance(checked, bool):
                raise InvalidInput("lesson_lengths", "Choose lesson lengths with the checkboxes.")
            lengths = set(self._v["lengths"]) - {m} | ({m} if checked else set())
            self._v = {**self._v, "lengths": sorted(lengths)}
        self._price_edit(change)

    @handler("tutor", on_error="_fail")
    async def set_override(self, minutes: Any, value: Any):
        def change():
            m = lengths_arg(minutes)
            text = short_str(value, 12) or ""
            overrides = {k: v for k, v in self._v["overrides"].items() if k != str(m)}
            if text:
                overrides[str(m)] = text
            self._v = {**self._v, "overrides": overrides}
        self._price_edit(change)

    @handler("tutor", busy="saving", on_error="_fail")
    async def save_pricing(self, user: CurrentUser):
        self.saving, self.field_errors = True, {}
        yield
        p = self._edit("pricing")
        lengths = list(self._v["lengths"])
        overrides = {}
        for m in lengths:
            price = rupees_arg(f"override_{m}", self._v["overrides"].get(str(m), ""), optional=True,
                               label=f"the {m}-minute price")
            if price is not None:
                overrides[m] = price
        await in_transaction(
            tutors.save_pricing, self._ctx(user), user.user_id,
            hourly_rate_minor=rupees_arg("hourly_rate_minor", p.get("hourly", ""), label="your hourly rate"),
            trial_price_minor=rupees_arg("trial_price_minor", p.get("trial", ""), optional=True, label="the trial price"),
            currency="INR", lesson_lengths=lengths, overrides=overrides,
            requires_confirmation=p.get("confirm") == "1",
        )
        yield await self._saved(user, "Pricing saved.")
