"""/book/[slug]: a student picks a lesson length and a free time in their own zone, holds
it, and books it.

Public: the tutor's card, lengths and prices, and the free times of the shown week (what
any booking page shows). Private to the session that placed it: the student's hold and
the booking just made (backend vars behind `_may_see`). The zone comes from the browser
(`Intl`), can be changed, and every time on the page says which zone it is in; the
tutor's local time is shown beside the chosen slot.
"""

from __future__ import annotations

import dataclasses
import uuid
from datetime import date, datetime, timedelta
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

import reflex as rx

from tutorconnect import live_push
from tutorconnect.money import format_money
from tutorconnect.timefmt import format_when as _when
from tutorconnect.services import bookings, live, scheduling
from tutorconnect.services.errors import DomainError, InvalidInput
from tutorconnect.services.sessions import CurrentUser
from tutorconnect.services.tutors import SLUG_MAX, public_profile
from tutorconnect.services.validation import clean_time_zone
from tutorconnect.timezones import zone_option_dicts
from tutorconnect.state.base import SessionState, in_transaction
from tutorconnect.state.forms import instant_arg, short_str
from tutorconnect.state.guard import handler

NEXT_AVAILABLE_WEEKS = 26  # how far "next available" looks ahead
_BROWSER_ZONE_JS = "Intl.DateTimeFormat().resolvedOptions().timeZone"


def _slug_from_path(path: str | None) -> str:
    parts = (path or "").strip("/").split("/")
    return parts[1] if len(parts) == 2 and parts[0] == "book" else ""


def _today(zone: str) -> date:
    return datetime.now(ZoneInfo(zone)).date()


@dataclasses.dataclass
class SlotItem:
    value: str  # ISO instant in UTC (what choose_slot receives)
    label: str  # "09:30" in the viewer's zone


@dataclasses.dataclass
class DayColumn:
    label: str  # "Mon"
    date: str  # "24 Nov"
    iso: str
    slots: list[SlotItem]


class BookingPickerState(SessionState):
    loading: bool = True
    found: bool = False
    slug: str = ""
    tutor_name: str = ""
    tutor_photo: str = ""
    tutor_zone: str = ""
    zone: str = "UTC"
    zone_from_browser: bool = False
    lengths: list[dict[str, str]] = []  # {"minutes", "label", "price"}
    length: int = 60
    week_start: str = ""  # ISO date of the first of the 7 days shown (viewer's zone; today at first)
    week_label: str = ""
    days: list[DayColumn] = []
    slot_count: int = 0
    at_today: bool = True
    searching: bool = False
    busy: bool = False
    _tutor_id: str = ""
    _prices: dict[int, int] = {}
    _currency: str = "INR"
    # This student's hold and booking (private).
    _hold: dict[str, str] = {}
    _booking: dict[str, str] = {}
    _owner: str = ""
    PRIVATE: ClassVar[tuple[str, ...]] = ("_hold", "_booking", "_owner")

    zone_options: list[dict[str, str]] = []  # every offered zone with its offset (timezones.py)

    @rx.var(cache=False)
    def hold(self) -> dict[str, str]:
        return self._hold if self._may_see(self._owner) else {}

    @rx.var(cache=False)
    def booking(self) -> dict[str, str]:
        return self._booking if self._may_see(self._owner) else {}

    # -- loading --------------------------------------------------------------------------
    @handler(public=True)
    async def load(self):
        self.loading, self.found, self.days, self.slot_count = True, False, [], 0
        self._clear_private()
        slug = short_str(_slug_from_path(self.router.url.path), SLUG_MAX) or ""
        profile = await in_transaction(public_profile, slug) if slug else None
        if profile is None:
            self.loading = False
            return
        self.found, self._tutor_id, self.slug = True, profile.tutor_id, profile.slug
        self.zone_options = zone_option_dicts()
        self.tutor_name, self.tutor_photo, self.tutor_zone = profile.name, profile.photo_path or "", profile.time_zone
        self._prices, self._currency = dict(profile.prices), profile.currency
        self.lengths = [
            {"minutes": str(m), "label": f"{m} min", "price": format_money(p, profile.currency)}
            for m, p in sorted(profile.prices.items())
        ]
        self.length = 60 if 60 in profile.prices else (min(profile.prices) if profile.prices else 60)
        user = await self._current_user()
        self.zone = user.time_zone if user is not None else "UTC"
        self.week_start = _today(self.zone).isoformat()
        await self._refresh()
        self.loading = False
        return rx.call_script(_BROWSER_ZONE_JS, callback=BookingPickerState.use_browser_zone)

    async def _refresh(self) -> None:
        if not self._tutor_id:
            return
        self.searching = True
        first = date.fromisoformat(self.week_start)
        user = await self._current_user()
        holder = user.user_id if user is not None else None
        found = await in_transaction(
            scheduling.free_slots, uuid.UUID(self._tutor_id), self.length, first, first + timedelta(days=6), self.zone,
            holder_id=holder,
        )
        by_day: dict[date, list[SlotItem]] = {first + timedelta(days=i): [] for i in range(7)}
        for slot in found:
            local = slot.local_start
            by_day.setdefault(local.date(), []).append(SlotItem(slot.starts_at.isoformat(), f"{local:%H:%M}"))
        self.days = [DayColumn(f"{d:%a}", f"{d:%d %b}", d.isoformat(), items) for d, items in sorted(by_day.items())]
        self.slot_count = len(found)
        self.at_today = first <= _today(self.zone)
        last = first + timedelta(days=6)
        self.week_label = f"{first:%d %b} – {last:%d %b %Y}"
        self.searching = False
        # Public data (any visitor sees these times): a slot taken or freed elsewhere shows here.
        live_push.watch(self, live.slots_topic(self._tutor_id))

    async def _on_live(self, topic: str) -> None:
        """The shown tutor's free times changed: the week again (nothing private here)."""
        if self._tutor_id and topic == live.slots_topic(self._tutor_id):
            await self._refresh()

    @handler(public=True)
    async def use_browser_zone(self, zone: Any):
        try:
            clean = clean_time_zone(zone)
        except InvalidInput:
            return  # an unknown or missing browser zone: keep the account's (or UTC)
        if clean != self.zone:
            # Keep the days the person may already have moved to; never start before today.
            self.zone, self.zone_from_browser = clean, True
            shown = date.fromisoformat(self.week_start) if self.week_start else _today(clean)
            self.week_start = max(shown, _today(clean)).isoformat()
            await self._refresh()

    def _notice(self, err: DomainError) -> Any:
        """Only a message: the person's hold stays."""
        return rx.toast.error(err.message)

    @handler(public=True, on_error="_notice")
    async def change_zone(self, form_data: Any):
        """The zone field's form: {"zone": "<name>"} (typed or picked from the list)."""
        raw = form_data.get("zone") if isinstance(form_data, dict) else None
        self.zone = clean_time_zone(short_str(raw, 64))
        self.zone_from_browser = False
        await self._refresh()

    @handler(public=True)
    async def choose_length(self, minutes: Any):
        try:
            value = int(short_str(minutes, 3) or "")
        except ValueError:
            value = -1
        if value not in self._prices:
            return rx.toast.error("Choose one of the lesson lengths this tutor offers.")
        self.length = value
        await self._refresh()

    @handler(public=True)
    async def move_week(self, weeks: Any):
        if weeks not in (-1, 1) or not self.week_start:
            return
        today = _today(self.zone)
        target = max(date.fromisoformat(self.week_start) + timedelta(weeks=weeks), today)
        if target > today + timedelta(weeks=NEXT_AVAILABLE_WEEKS):
            return
        self.week_start = target.isoformat()
        await self._refresh()

    @handler(public=True)
    async def next_available(self):
        if not self._tutor_id:
            return
        start = date.fromisoformat(self.week_start) + timedelta(days=7)
        user = await self._current_user()
        holder = user.user_id if user is not None else None
        found = await in_transaction(
            scheduling.free_slots, uuid.UUID(self._tutor_id), self.length, start,
            start + timedelta(weeks=NEXT_AVAILABLE_WEEKS), self.zone, holder_id=holder,
        )
        if not found:
            return rx.toast.info("No free times in the next six months for this lesson length.")
        self.week_start = found[0].local_start.date().isoformat()
        await self._refresh()

    # -- hold and book ----------------------------------------------------------------------
    def _slot_arg(self, value: Any) -> datetime:
        return instant_arg(value, "slot", "Choose a time from the list.")

    async def _refused(self, err: DomainError) -> Any:
        """The week as it is now (the time may have just been taken), then the refusal (which
        drops the hold with the rest of the private data)."""
        await self._refresh()
        return self._refuse(err)

    @handler("student", busy="busy", on_error="_refused")
    async def choose_slot(self, user: CurrentUser, value: Any):
        if self.busy:
            return
        starts_at = self._slot_arg(value)
        if not self._tutor_id:
            raise InvalidInput("slot", "Reload the page and choose again.")
        self.busy = True
        hold = await in_transaction(scheduling.place_hold, self._ctx(user), user.user_id, uuid.UUID(self._tutor_id),
                                    starts_at, self.length)
        self.busy = False
        price = self._prices.get(self.length, 0)
        self._hold = {
            "starts_at": hold.starts_at.isoformat(), "when": _when(hold.starts_at, self.zone),
            "tutor_when": _when(hold.starts_at, self.tutor_zone), "length": f"{self.length} minutes",
            "price": format_money(price, self._currency), "until": _when(hold.expires_at, self.zone),
            "policy": bookings.describe(bookings.current_policy()),
        }
        self._owner = self._bind_private()
        await self._refresh()

    @handler("student")
    async def release(self, user: CurrentUser):
        if self._tutor_id:
            await in_transaction(scheduling.release_hold, user.user_id, uuid.UUID(self._tutor_id))
        self._hold = {}
        await self._refresh()

    @handler("student", busy="busy", on_error="_refused")
    async def book(self, user: CurrentUser):
        if self.busy:
            return
        if not self.hold or not self._tutor_id:
            raise InvalidInput("slot", "Choose a time first.")
        starts_at = datetime.fromisoformat(self._hold["starts_at"])
        self.busy = True
        made = await in_transaction(bookings.create_booking, self._ctx(user), user.user_id,
                                    uuid.UUID(self._tutor_id), starts_at, self.length)
        self.busy = False
        self._hold = {}
        self._booking = {"reference": str(made.reference), "when": _when(made.starts_at, self.zone),
                         "status": str(made.status).replace("_", " "),
                         "expires": _when(made.expires_at, self.zone) if made.expires_at else ""}
        self._owner = self._bind_private()
        # Straight on to paying: the checkout page shows the hold's countdown and the Pay button.
        return rx.redirect(f"/pay/{made.reference}")
