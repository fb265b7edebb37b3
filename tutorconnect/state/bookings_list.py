"""/bookings (a student's lessons) and /tutor/schedule (a tutor's): the Reflex states. One
shared mixin with the common handlers (load, tabs, pages, cancel with a refund preview and a
reason, reschedule to a free slot of the same length), and a state per page with its extras
(tutor: accept, decline with a reason, report the student absent; student: report the
tutor absent, review a completed lesson).

Every handler re-checks the person (the handler guard, state/guard.py, with the page's role),
validates its arguments and leaves authorization to the services (someone else's booking id is NotFound there). The cards,
dialogs and counts are private: backend vars shown only to the session that loaded them
(`_may_see`). Times are shown in the account's time zone, each with its zone.

Only the states live here (their wire names come from this module). The list and history
reads and what the cards show are in bookings_list_view.py, the dialogs' reads and contents
in bookings_list_dialogs.py, the checking of handler arguments in bookings_list_args.py.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from typing import Any, ClassVar

import reflex as rx

from tutorconnect import live_push
from tutorconnect.services import bookings, live, scheduling, tutors
from tutorconnect.services.errors import DomainError, InvalidInput
from tutorconnect.services.sessions import CurrentUser
from tutorconnect.state.base import SessionState, in_transaction
from tutorconnect.state.bookings_list_args import _instant_arg, _uuid_arg, reason_arg, reference_arg, review_arg
from tutorconnect.state.bookings_list_dialogs import (
    _today, first_week, move_dialog, read_for_move, read_for_reason_dialog, reason_dialog, reason_dialog_toast,
    review_dialog, week_after, week_label,
)
from tutorconnect.state.bookings_list_view import (
    PER_PAGE, BookingCard, SlotDay, card_for, history_item, read_page, read_with_history, slot_days,
)
from tutorconnect.state.forms import PAGE_MAX, page_arg
from tutorconnect.state.guard import handler
from tutorconnect.timefmt import format_when as _when

_ROLES = ("student", "tutor")


def _list_handler(*, busy: str | tuple[str, ...] = "busy",
                  on_error: str = "_list_refused") -> Callable[[Callable[..., Any]], Any]:
    """`@handler` for the handlers BookingsListMixin shares: guarded with the role of the page
    whose state runs them (`_role()`: "student" on /bookings, "tutor" on /tutor/schedule)."""

    def decorate(fn: Callable[..., Any]) -> Any:
        by_role = {role: handler(role, busy=busy, on_error=on_error)(fn) for role in _ROLES}

        async def guarded(self, *args: Any, **kwargs: Any) -> Any:
            return await by_role[self._role()](self, *args, **kwargs)

        functools.update_wrapper(guarded, by_role[_ROLES[0]])  # the signature without `user`
        return rx.event(guarded)

    return decorate


class BookingsListMixin(rx.State, mixin=True):
    """The shared half. The state using it derives from SessionState and defines
    `_role()` ("student" | "tutor"), `_extra_load(user)` and its `PRIVATE` vars:
    `LIST_PRIVATE` and its own."""

    loading: bool = True
    busy: bool = False
    highlight: str = ""  # ?confirmed=<reference> after checkout: that card is outlined
    tab: str = "upcoming"
    page: int = 1
    total: int = 0
    # the cancel / decline dialog
    dialog_open: bool = False
    dialog_error: str = ""
    # the reschedule dialog
    move_open: bool = False
    move_searching: bool = False
    move_week_start: str = ""
    move_at_today: bool = True
    move_error: str = ""
    _history_for: str = ""  # the booking whose history is shown
    _history: list[dict[str, str]] = []
    _cards: list[BookingCard] = []
    _dialog: dict[str, str] = {}
    _move: dict[str, str] = {}
    _move_days: list[SlotDay] = []
    _owner: str = ""
    # The private vars of the list, the dialogs and the history (see SessionState.PRIVATE).
    LIST_PRIVATE: ClassVar[tuple[str, ...]] = (
        "_cards", "_dialog", "_move", "_move_days", "_history_for", "_history", "_owner",
        "total", "dialog_open", "move_open", "move_week_start", "highlight",
    )

    # -- private data, shown only to the session that loaded it -------------------------
    @rx.var(cache=False)
    def cards(self) -> list[BookingCard]:
        return self._cards if self._may_see(self._owner) else []

    @rx.var(cache=False)
    def dialog(self) -> dict[str, str]:
        return self._dialog if self._may_see(self._owner) else {}

    @rx.var(cache=False)
    def move(self) -> dict[str, str]:
        return self._move if self._may_see(self._owner) else {}

    @rx.var(cache=False)
    def move_days(self) -> list[SlotDay]:
        return self._move_days if self._may_see(self._owner) else []

    @rx.var(cache=False)
    def history(self) -> list[dict[str, str]]:
        return self._history if self._may_see(self._owner) else []

    @rx.var(cache=False)
    def history_for(self) -> str:
        return self._history_for if self._may_see(self._owner) else ""

    @rx.var
    def pages(self) -> int:
        return max(1, -(-self.total // PER_PAGE))

    def _role(self) -> str:
        raise NotImplementedError

    async def _extra_load(self, user: CurrentUser) -> None:
        """Counts etc. the page shows besides the list (tutor: requests, cancellations)."""

    def _tabs(self) -> tuple[str, ...]:
        return ("upcoming", "past")

    # -- loading -------------------------------------------------------------------------
    async def _reload(self, user: CurrentUser) -> None:
        role, now, zone = self._role(), datetime.now(timezone.utc), user.time_zone
        tab, page = self.tab, self.page
        ctx = self._ctx(user)
        rows, total = await in_transaction(read_page, ctx, role, user.user_id, tab, page, now)
        if not rows and total and page > 1:  # a page past the end (after a cancel, say): the last one
            self.page = max(1, -(-total // PER_PAGE))
            page = self.page
            rows, total = await in_transaction(read_page, ctx, role, user.user_id, tab, page, now)
        self._cards = [card_for(r, role, zone, now) for r in rows]
        self.total = total
        self._owner = self._bind_private()
        await self._extra_load(user)

    async def _list_refused(self, err: DomainError) -> Any:
        """The refusal drops the private data, as every refusal does; then, unless a load was
        under way, the person's own, current list again (if they may still see it)."""
        refusal = self._refuse(err)
        if not self.loading:
            try:
                await self._reload(await self._require(self._role()))
            except DomainError:
                pass
        return refusal

    @_list_handler(busy=("busy", "loading"), on_error="_refuse")
    async def load(self, user: CurrentUser):
        self.loading = True
        params = self.router.url.query_parameters
        tab = params.get("tab")
        self.tab = tab if isinstance(tab, str) and tab in self._tabs() else "upcoming"
        self.page = page_arg(params.get("page"))
        self.dialog_open = self.move_open = False
        self.highlight = reference_arg(params.get("confirmed"))
        await self._reload(user)
        # Changes made elsewhere (a webhook, the other person, a worker) show up here.
        live_push.watch(self, live.bookings_topic(user.user_id))

    async def _on_live(self, topic: str) -> None:
        """A booking of the watched user changed: the list again, as the session's user
        (same checks as every handler; refused -> nothing shown, nothing watched)."""
        try:
            user = await self._require(self._role())
            if live.bookings_topic(user.user_id) != topic:
                raise DomainError("another user")
            await self._reload(user)
        except DomainError:
            self._clear_private()
            live_push.unwatch(self)

    @_list_handler(busy=("busy", "loading"))
    async def set_tab(self, user: CurrentUser, tab: Any):
        if not isinstance(tab, str) or tab not in self._tabs():
            return rx.toast.error("Choose one of the tabs.")
        self.tab, self.page, self.loading = tab, 1, True
        await self._reload(user)
        self.loading = False

    @_list_handler()
    async def go_to_page(self, user: CurrentUser, page: Any):
        if isinstance(page, bool) or not isinstance(page, int) or not 1 <= page <= PAGE_MAX:
            return rx.toast.error("Choose a page from the list.")
        self.page = min(page, self.pages)
        await self._reload(user)

    # -- cancel (and, for tutors, decline) --------------------------------------------------
    async def _open_reason_dialog(self, user: CurrentUser, booking_id: Any, kind: str) -> None:
        bid = _uuid_arg(booking_id)
        role = self._role()
        # refund_preview refuses what cancel would
        row, refund = await in_transaction(read_for_reason_dialog, self._ctx(user), bid, kind)
        if kind == "decline" and not row.actions.respond:
            raise DomainError("Only a request waiting for your answer can be declined.")
        self._dialog = reason_dialog(kind, role, row, refund, user.time_zone)
        self._owner = self._bind_private()
        self.dialog_error, self.dialog_open = "", True

    @_list_handler()
    async def open_cancel(self, user: CurrentUser, booking_id: Any):
        await self._open_reason_dialog(user, booking_id, "cancel")

    @rx.event
    def close_dialog(self):
        self.dialog_open, self.dialog_error, self._dialog = False, "", {}

    @_list_handler()
    async def submit_dialog(self, user: CurrentUser, form_data: Any):
        if self.busy:
            return None
        dialog = self.dialog
        if not dialog.get("id"):
            raise InvalidInput("booking", "Choose a booking first.")
        bid = uuid.UUID(dialog["id"])
        try:  # a missing reason, or one the service refuses: shown in the dialog, which stays open
            reason = reason_arg(form_data)
            self.busy = True
            if dialog["kind"] == "decline":
                self._require_tutor_role()
                done = await in_transaction(bookings.decline, self._ctx(user), bid, reason)
            else:
                done = await in_transaction(bookings.cancel, self._ctx(user), bid, reason)
        except InvalidInput as err:
            self.dialog_error = err.message
            return None
        self.busy, self.dialog_open, self._dialog = False, False, {}
        await self._reload(user)
        return rx.toast.success(reason_dialog_toast(done, dialog["kind"]))

    def _require_tutor_role(self) -> None:
        if self._role() != "tutor":
            raise InvalidInput("booking", "Choose a booking from the list.")

    # -- reschedule ----------------------------------------------------------------------------
    async def _load_move_slots(self, user: CurrentUser) -> None:
        move = self._move
        zone = user.time_zone
        first = date.fromisoformat(self.move_week_start)
        last = first + timedelta(days=6)
        self.move_searching = True
        try:
            found = await in_transaction(scheduling.free_slots, uuid.UUID(move["tutor_id"]), int(move["length"]),
                                         first, last, zone, ignore_booking_id=uuid.UUID(move["id"]))
            self.move_error = ""
        except DomainError as err:
            found, self.move_error = [], err.message
        self._move_days = slot_days(found, first, move.get("starts_at", ""))
        self._move = {**move, "week": week_label(first, last), "count": str(sum(len(d.slots) for d in self._move_days))}
        self.move_at_today = first <= _today(zone)
        self.move_searching = False

    @_list_handler()
    async def open_reschedule(self, user: CurrentUser, booking_id: Any):
        bid = _uuid_arg(booking_id)
        # the booking service decides whether it may move (same rules as reschedule)
        row, left = await in_transaction(read_for_move, self._ctx(user), bid)
        self._move = move_dialog(row, left, user.time_zone)
        self._owner = self._bind_private()
        self.move_week_start = first_week(row, user.time_zone)
        await self._load_move_slots(user)
        self.move_open = True

    @_list_handler()
    async def reschedule_week(self, user: CurrentUser, weeks: Any):
        if weeks not in (-1, 1) or isinstance(weeks, bool):
            return rx.toast.error("Choose the previous or the next week.")
        if not self._move.get("id") or not self.move_week_start:
            raise InvalidInput("booking", "Choose a booking to reschedule first.")
        target = week_after(self.move_week_start, weeks, user.time_zone)
        if target is None:
            return None
        self.move_week_start = target.isoformat()
        await self._load_move_slots(user)
        return None

    @rx.event
    def close_reschedule(self):
        self.move_open, self._move, self._move_days, self.move_error = False, {}, [], ""

    @_list_handler()
    async def confirm_reschedule(self, user: CurrentUser, starts_at: Any):
        if self.busy:
            return None
        new_start = _instant_arg(starts_at)
        move = self.move
        if not move.get("id"):
            raise InvalidInput("booking", "Choose a booking to reschedule first.")
        self.busy = True
        try:  # the time is no longer free, say: shown in the dialog, which stays open
            done = await in_transaction(bookings.reschedule, self._ctx(user), uuid.UUID(move["id"]), new_start)
        except DomainError as err:
            self.busy = False
            self.move_error = err.message
            await self._load_move_slots(user)
            return rx.toast.error(err.message)
        self.busy, self.move_open, self._move, self._move_days = False, False, {}, []
        await self._reload(user)
        return rx.toast.success(f"Booking {done.reference} moved to {_when(done.starts_at, user.time_zone)}.")

    # -- history ---------------------------------------------------------------------------------
    @_list_handler()
    async def toggle_history(self, user: CurrentUser, booking_id: Any):
        bid = _uuid_arg(booking_id)
        if self._history_for == str(bid):
            self._history_for, self._history = "", []
            return None
        row, events = await in_transaction(read_with_history, self._ctx(user), bid)
        self._history = [history_item(e, row, user.user_id, user.time_zone) for e in events]
        self._history_for = str(bid)
        self._owner = self._bind_private()
        return None

    # -- no-show (after the start; the other party) -------------------------------------------
    @_list_handler()
    async def report_no_show(self, user: CurrentUser, booking_id: Any):
        bid = _uuid_arg(booking_id)
        party = "tutor" if self._role() == "student" else "student"
        done = await in_transaction(bookings.mark_no_show, self._ctx(user), bid, party)
        await self._reload(user)
        return rx.toast.success(f"Booking {done.reference}: reported that the {party} did not attend.")


class StudentBookingsState(SessionState, BookingsListMixin):
    review_open: bool = False
    review_error: str = ""
    review_rating: int = 0
    _review: dict[str, str] = {}
    PRIVATE: ClassVar[tuple[str, ...]] = BookingsListMixin.LIST_PRIVATE + (
        "_review", "review_open", "review_error", "review_rating",
    )

    @rx.var(cache=False)
    def review(self) -> dict[str, str]:
        return self._review if self._may_see(self._owner) else {}

    def _role(self) -> str:
        return "student"

    @handler("student", busy="busy", on_error="_list_refused")
    async def open_review(self, user: CurrentUser, booking_id: Any):
        bid = _uuid_arg(booking_id)
        row = await in_transaction(bookings.get_row, self._ctx(user), bid)
        self._review = review_dialog(row, user.user_id, user.time_zone)
        self._owner = self._bind_private()
        self.review_open, self.review_error, self.review_rating = True, "", 0

    @rx.event
    def set_rating(self, stars: Any):
        if isinstance(stars, bool) or not isinstance(stars, int) or not 1 <= stars <= 5:
            return rx.toast.error("Choose from 1 to 5 stars.")
        self.review_rating, self.review_error = stars, ""

    @rx.event
    def close_review(self):
        self.review_open, self._review, self.review_error, self.review_rating = False, {}, "", 0

    @handler("student", busy="busy", on_error="_list_refused")
    async def submit_review(self, user: CurrentUser, form_data: Any):
        if self.busy:
            return None
        review = self.review
        if not review.get("id"):
            raise InvalidInput("booking", "Choose a lesson to review first.")
        try:  # a missing rating, or a review the service refuses: shown in the dialog, which stays open
            body = review_arg(form_data, self.review_rating)
            self.busy = True
            await in_transaction(tutors.review_booking, self._ctx(user), uuid.UUID(review["id"]),
                                 self.review_rating, body)
        except InvalidInput as err:
            self.review_error = err.message
            return None
        self.busy = False
        self.review_open, self._review, self.review_rating = False, {}, 0
        await self._reload(user)
        return rx.toast.success("Thank you! Your review is published on the tutor's page.")


class TutorScheduleState(SessionState, BookingsListMixin):
    _summary: dict[str, int] = {}
    PRIVATE: ClassVar[tuple[str, ...]] = BookingsListMixin.LIST_PRIVATE + ("_summary",)

    @rx.var(cache=False)
    def request_count(self) -> int:
        return self._summary.get("requests", 0) if self._may_see(self._owner) else 0

    @rx.var(cache=False)
    def cancellations(self) -> int:
        return self._summary.get("cancellations", 0) if self._may_see(self._owner) else 0

    @rx.var(cache=False)
    def recent_bookings(self) -> int:
        return self._summary.get("bookings", 0) if self._may_see(self._owner) else 0

    def _role(self) -> str:
        return "tutor"

    def _tabs(self) -> tuple[str, ...]:
        return ("requests", "upcoming", "past")

    async def _extra_load(self, user: CurrentUser) -> None:
        summary = await in_transaction(bookings.tutor_summary, self._ctx(user), user.user_id)
        self._summary = {"requests": summary.requests, "cancellations": summary.cancellations,
                         "bookings": summary.bookings}

    @handler("tutor", busy="busy", on_error="_list_refused")
    async def accept(self, user: CurrentUser, booking_id: Any):
        bid = _uuid_arg(booking_id)
        done = await in_transaction(bookings.accept, self._ctx(user), bid)
        await self._reload(user)
        return rx.toast.success(f"Booking {done.reference} accepted.")

    @handler("tutor", busy="busy", on_error="_list_refused")
    async def open_decline(self, user: CurrentUser, booking_id: Any):
        await self._open_reason_dialog(user, booking_id, "decline")
