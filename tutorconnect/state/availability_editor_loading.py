"""Loading the tutor's availability into AvailabilityEditorState's backend vars
(state/availability_editor.py): one read of schedule, rules, overrides, time off and
prices (`_read`), storing it bound to the session (`_apply`), the free-slot preview and
the month the calendar shows.

`AvailabilityEditorLoading` is a plain class, not a State: AvailabilityEditorState lists it
first among its bases and declares every var used here, so these private methods behave
as if written in its body (Reflex makes event handlers only of public methods a State
class defines itself; these are private and never reachable from a browser).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from tutorconnect.models import TutorProfile
from tutorconnect.services import scheduling, tutors
from tutorconnect.state.availability_editor_times import MONTHS_AHEAD, add_month
from tutorconnect.state.availability_editor_view import (
    PREVIEW_DAYS, default_length, length_rows, preview_days, stored_availability,
)
from tutorconnect.state.base import in_transaction
from tutorconnect.timefmt import format_instant


def _read(session, ctx, tutor_id: uuid.UUID):
    got = scheduling.get_availability(session, ctx, tutor_id)
    profile = session.get(TutorProfile, tutor_id)
    prices = tutors.prices(session, tutor_id)
    return got, prices, profile.currency if profile else "INR"


class AvailabilityEditorLoading:
    """Private loading methods of AvailabilityEditorState (see the module docstring)."""

    __slots__ = ()

    def _today(self) -> date:
        return datetime.now(ZoneInfo(self.zone)).date()

    def _apply(self, got, prices: dict[int, int], currency: str) -> None:
        settings, week, overrides, time_off = stored_availability(got)
        self._settings = settings
        if not self.week_dirty:
            self._week = week
        self._overrides, self._time_off_raw = overrides, time_off
        self._lengths = length_rows(prices, currency)
        offered = [m for m in prices]
        if not self.preview_length or int(self.preview_length) not in offered:
            self.preview_length = default_length(offered)
        self._owner = self._bind_private()

    async def _reload(self, user, *, preview: bool = True) -> None:
        self.zone = user.time_zone
        self.now_label = f"{datetime.now(ZoneInfo(self.zone)):%a} " + format_instant(datetime.now(timezone.utc),
                                                                                        self.zone)
        got, prices, currency = await in_transaction(_read, self._ctx(user), user.user_id)
        self._apply(got, prices, currency)
        if preview:
            await self._refresh_preview(user)

    async def _refresh_preview(self, user) -> None:
        first = self._today()
        last = first + timedelta(days=PREVIEW_DAYS - 1)
        found = await in_transaction(scheduling.preview_slots, self._ctx(user), user.user_id,
                                     int(self.preview_length or 60), first, last)
        self._preview = preview_days(first, found)

    def _show_month(self, month: date) -> None:
        this = self._today().replace(day=1)
        month = min(max(month, this), add_month(this, MONTHS_AHEAD))
        self.month = month.isoformat()
        self.month_label = f"{month:%B %Y}"
        self.at_first_month = month <= this
        self.at_last_month = month >= add_month(this, MONTHS_AHEAD)
