"""/bookings (a student's lessons) and /tutor/schedule (a tutor's): one shared mixin with
the common handlers (load, tabs, pages, cancel with a refund preview and a reason,
reschedule to a free slot of the same length), and a state per page with its extras
(tutor: accept, decline with a reason, report the student absent; student: report the
tutor absent, review a completed lesson).

Every handler re-checks the person (`_require`), validates its arguments and leaves
authorization to the services (someone else's booking id is NotFound there). The cards,
dialogs and counts are private: backend vars shown only to the session that loaded them
(`_may_see`). Times are shown in the account's time zone, each with its zone.
"""

from __future__ import annotations

import dataclasses
import uuid
from datetime import date, datetime, timedelta, timezone
from typing import Any

import reflex as rx

from tutorconnect import live_push
from tutorconnect.config import get_settings
from tutorconnect.models.scheduling import PAID_ACTIVE_STATUSES
from tutorconnect.money import format_money
from tutorconnect.services import booking_lists, booking_policy, bookings, live, reviews, slots
from tutorconnect.services.booking_lists import BookingRow
from tutorconnect.services.checkout_view import REFERENCE
from tutorconnect.services.errors import DomainError, InvalidInput
from tutorconnect.services.sessions import CurrentUser
from tutorconnect.services.validation import safe_join_url
from tutorconnect.state.base import SessionState, in_transaction
from tutorconnect.state.forms import PAGE_MAX, instant_arg, page_arg, parse_form, short_str
from tutorconnect.timefmt import format_when as _when, zone_info as _zone

PER_PAGE = 10
RESCHEDULE_WEEKS = 26  # how far ahead the reschedule dialog pages
ACTIVE = ("pending_payment", "awaiting_tutor", "confirmed")
REVIEW_BODY_MAX = 2000


# -- what the cards show ------------------------------------------------------------------------
@dataclasses.dataclass
class BookingCard:
    id: str = ""
    reference: str = ""
    status: str = ""
    status_label: str = ""
    status_color: str = "gray"
    status_note: str = ""
    name: str = ""
    photo: str = ""
    initial: str = ""
    profile_href: str = ""
    day: str = ""
    time_range: str = ""
    other_time: str = ""
    duration: str = ""
    price: str = ""
    trial: bool = False
    join_url: str = ""
    ics_href: str = ""
    pay_href: str = ""  # a student's unpaid booking whose hold is still running: /pay/<reference>
    can_reschedule: bool = False
    reschedules_left: str = ""
    can_cancel: bool = False
    can_respond: bool = False
    can_no_show: bool = False
    can_review: bool = False
    reviewed: bool = False
    outcome: str = ""  # cancelled/declined: who, why, refund


@dataclasses.dataclass
class SlotChoice:
    value: str  # ISO instant (UTC), what confirm_reschedule receives
    label: str  # "09:30" in the viewer's zone


@dataclasses.dataclass
class SlotDay:
    label: str
    date: str
    slots: list[SlotChoice]


_STATUS = {
    # status: (label for the student, label for the tutor, colour)
    "pending_payment": ("Awaiting payment", "Awaiting payment", "amber"),
    "awaiting_tutor": ("Awaiting the tutor", "Needs your answer", "blue"),
    "confirmed": ("Confirmed", "Confirmed", "green"),
    "declined": ("Declined", "Declined", "red"),
    "expired": ("Expired (not paid)", "Expired (not paid)", "gray"),
    "cancelled": ("Cancelled", "Cancelled", "gray"),
    "completed": ("Completed", "Completed", "teal"),
    "no_show_student": ("You were marked absent", "Student did not attend", "orange"),
    "no_show_tutor": ("Tutor did not attend", "You were marked absent", "orange"),
}
_WHO = {"student": "the student", "tutor": "the tutor", "admin": "TutorConnect support", "system": "TutorConnect"}


def _day(value: datetime, zone: str) -> str:
    return f"{value.astimezone(_zone(zone)):%a %d %b %Y}"


def _clock(value: datetime, zone: str) -> str:
    local = value.astimezone(_zone(zone))
    return f"{local:%H:%M}"


def _range(start: datetime, end: datetime, zone: str) -> str:
    abbrev = start.astimezone(_zone(zone)).tzname() or zone
    return f"{_clock(start, zone)}–{_clock(end, zone)} {abbrev}"


def _uuid_arg(value: Any) -> uuid.UUID:
    text = short_str(value, 36)
    try:
        return uuid.UUID(text or "")
    except ValueError:
        raise InvalidInput("booking", "Choose a booking from the list.") from None


def _instant_arg(value: Any) -> datetime:
    return instant_arg(value, "starts_at", "Choose a new time from the list.")


def _today(zone: str) -> date:
    return datetime.now(_zone(zone)).date()


def card_for(row: BookingRow, role: str, zone: str, now: datetime, limit: int) -> BookingCard:
    """A booking as `role` (student | tutor) sees it, in `zone`."""
    student_label, tutor_label, color = _STATUS.get(row.status, (row.status, row.status, "gray"))
    other_zone = row.tutor_time_zone if role == "student" else row.student_time_zone
    started = row.starts_at <= now
    active = row.status in ACTIVE
    label = student_label if role == "student" else tutor_label
    note = ""
    if row.status == "pending_payment" and row.expires_at is not None:
        label += f" · expires {_clock(row.expires_at, zone)} {row.expires_at.astimezone(_zone(zone)).tzname()}"
        note = "The student has not paid yet; unpaid bookings expire." if role == "tutor" else \
            "Pay before it expires, or the time is released."
    elif row.status == "awaiting_tutor" and row.respond_by is not None:
        note = f"Respond by {_when(row.respond_by, zone)}, or it is declined automatically." if role == "tutor" \
            else f"Paid. The tutor confirms by {_when(row.respond_by, zone)}, or you get a full refund."
    outcome = ""
    if row.status in ("cancelled", "declined"):
        verb = "Cancelled" if row.status == "cancelled" else "Declined"
        who = "you" if row.cancelled_by == role else _WHO.get(row.cancelled_by or "", "TutorConnect")
        refund_word = "Refund to the student" if role == "tutor" else "Your refund"
        parts = [f"{verb} by {who}" + (f": “{row.cancel_reason}”" if row.cancel_reason else "")]
        if row.refund_minor is not None:
            parts.append(f"{refund_word}: {format_money(row.refund_minor, row.currency)}")
        outcome = " · ".join(parts)
    elif row.status == "no_show_tutor" and row.refund_minor:
        outcome = f"{'Refund to the student' if role == 'tutor' else 'Your refund'}: " \
                  f"{format_money(row.refund_minor, row.currency)}"
    left = max(0, limit - row.reschedule_count)
    name = row.tutor_name if role == "student" else row.student_name
    return BookingCard(
        id=str(row.id), reference=row.reference, status=row.status,
        status_label=label, status_color=color, status_note=note,
        name=name, photo=(row.tutor_photo or "") if role == "student" else "", initial=(name[:1] or "?").upper(),
        profile_href=f"/tutors/{row.tutor_slug}" if role == "student" else "",
        day=_day(row.starts_at, zone), time_range=_range(row.starts_at, row.ends_at, zone),
        other_time=(f"{'Tutor' if role == 'student' else 'Student'}'s time: "
                    f"{_clock(row.starts_at, other_zone)} {row.starts_at.astimezone(_zone(other_zone)).tzname()} "
                    f"({other_zone})") if other_zone != zone else "",
        duration=f"{row.length_minutes} min", trial=row.is_trial,
        price=format_money(row.price_minor, row.currency) + (
            f" · you earn {format_money(row.tutor_earnings_minor, row.currency)}" if role == "tutor" else ""),
        join_url=(safe_join_url(row.meeting_url) or "") if row.status == "confirmed" else "",
        ics_href="" if row.status in ("expired", "declined") else f"/api/bookings/{row.id}.ics",
        pay_href=f"/pay/{row.reference}" if role == "student" and row.status == "pending_payment" and (
            row.expires_at is None or row.expires_at > now) else "",
        can_reschedule=active and not started and left > 0,
        reschedules_left=f"{left} reschedule{'s' if left != 1 else ''} left",
        # A tutor answers a request with decline (not counted against them), not with cancel.
        can_cancel=active and not started and not (role == "tutor" and row.status == "awaiting_tutor"),
        can_respond=role == "tutor" and row.status == "awaiting_tutor",
        can_no_show=row.status == "confirmed" and started,
        can_review=role == "student" and row.status == "completed" and not row.reviewed,
        reviewed=role == "student" and row.reviewed,
        outcome=outcome,
    )


def history_item(event: dict[str, Any], row: BookingRow, viewer: uuid.UUID, zone: str) -> dict[str, str]:
    """One line of a booking's history, as the viewer reads it."""
    actor = event.get("actor_user_id")
    if actor is None:
        who = "TutorConnect"
    elif actor == viewer:
        who = "You"
    elif actor == row.student_id:
        who = row.student_name
    elif actor == row.tutor_id:
        who = row.tutor_name
    else:
        who = "TutorConnect support"
    details = event.get("details") or {}
    to = str(event.get("to_status") or "")
    if event.get("from_status") is None:
        what = "booked the lesson"
    elif event.get("from_status") == to and details.get("new_starts_at"):
        try:
            new = datetime.fromisoformat(details["new_starts_at"])
            what = f"moved it to {_when(new, zone)}"
        except (TypeError, ValueError):
            what = "rescheduled it"
    else:
        line = {
            "awaiting_tutor": "Payment received; waiting for the tutor to confirm",
            "expired": "Expired: not paid in time",
            "completed": "The lesson took place",
        }.get(to)
        if to == "confirmed":
            line = f"{who} accepted the booking" if event.get("from_status") == "awaiting_tutor" else \
                "Payment received; the lesson is confirmed"
        if line is not None:
            who, what = "", line
        else:
            what = {"declined": "declined the booking", "cancelled": "cancelled the booking",
                    "no_show_student": "reported that the student did not attend",
                    "no_show_tutor": "reported that the tutor did not attend"}.get(to, f"changed it to {to}")
    reason = str(event.get("reason") or "")
    note = f" (“{reason}”)" if reason and to in ("cancelled", "declined") else ""
    created = event.get("created_at")
    text_ = f"{who} {what}{note}" if who else f"{what}{note}"
    return {"when": _when(created, zone) if isinstance(created, datetime) else "", "text": text_}


class BookingsListMixin(rx.State, mixin=True):
    """The shared half. The state using it derives from SessionState and defines
    `_role()` ("student" | "tutor") and `_extra_load(user)`."""

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

    def _clear_list(self) -> None:
        self._cards, self._dialog, self._move, self._move_days, self._owner = [], {}, {}, [], ""
        self.total, self.dialog_open, self.move_open = 0, False, False
        self._history_for, self._history = "", []
        self._clear_extra()

    def _clear_extra(self) -> None:
        """Substates wipe their own private extras here."""

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

        def read(session):
            if tab == "requests":
                return booking_lists.tutor_requests(session, ctx, user.user_id, page=page, per_page=PER_PAGE)
            fn = booking_lists.student_bookings if role == "student" else booking_lists.tutor_bookings
            return fn(session, ctx, user.user_id, when=tab, page=page, per_page=PER_PAGE, now=now)

        rows, total = await in_transaction(read)
        if not rows and total and page > 1:  # a page past the end (after a cancel, say): the last one
            self.page = max(1, -(-total // PER_PAGE))
            page = self.page
            rows, total = await in_transaction(read)
        limit = get_settings().reschedule_limit
        self._cards = [card_for(r, role, zone, now, limit) for r in rows]
        self.total = total
        self._owner = self._bind_private()
        await self._extra_load(user)

    async def _guarded(self, work) -> Any:
        """Run `work(user)` after the role check; DomainErrors become toasts."""
        user = None
        try:
            user = await self._require(self._role())
            return await work(user)
        except Exception as err:
            self.busy = False  # whatever happened, the list must not stay busy (ignoring every click)
            if not isinstance(err, DomainError):
                raise
            refusal = self._refuse(err)  # drops the private data, as every refusal does ...
            if user is not None and not self.loading:
                try:  # ... then shows the person's own, current list again
                    await self._reload(user)
                except DomainError:
                    pass
            return refusal

    @rx.event
    async def load(self):
        self.loading = True
        params = self.router.url.query_parameters
        tab = params.get("tab")
        self.tab = tab if isinstance(tab, str) and tab in self._tabs() else "upcoming"
        self.page = page_arg(params.get("page"))
        self.dialog_open = self.move_open = False
        confirmed = params.get("confirmed")
        self.highlight = confirmed if isinstance(confirmed, str) and REFERENCE.fullmatch(confirmed) else ""

        async def work(user):
            await self._reload(user)
            # Changes made elsewhere (a webhook, the other person, a worker) show up here.
            live_push.watch(self, live.bookings_topic(user.user_id))

        result = await self._guarded(work)
        self.loading = False
        return result

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

    @rx.event
    async def set_tab(self, tab: Any):
        if not isinstance(tab, str) or tab not in self._tabs():
            return rx.toast.error("Choose one of the tabs.")

        async def work(user):
            self.tab, self.page, self.loading = tab, 1, True
            await self._reload(user)
            self.loading = False

        result = await self._guarded(work)
        self.loading = False
        return result

    @rx.event
    async def go_to_page(self, page: Any):
        if isinstance(page, bool) or not isinstance(page, int) or not 1 <= page <= PAGE_MAX:
            return rx.toast.error("Choose a page from the list.")

        async def work(user):
            self.page = min(page, self.pages)
            await self._reload(user)

        return await self._guarded(work)

    # -- cancel (and, for tutors, decline) --------------------------------------------------
    async def _open_reason_dialog(self, booking_id: Any, kind: str):
        async def work(user):
            bid = _uuid_arg(booking_id)
            role = self._role()
            ctx = self._ctx(user)

            def read(session):
                row = booking_lists.get_row(session, ctx, bid)
                refund = bookings.refund_preview(session, ctx, bid) if kind == "cancel" else row.price_minor
                return row, refund

            row, refund = await in_transaction(read)  # refund_preview refuses what cancel would
            if kind == "decline" and row.status != "awaiting_tutor":
                raise DomainError("Only a request waiting for your answer can be declined.")
            zone = user.time_zone
            paid = row.status in PAID_ACTIVE_STATUSES
            money = format_money(refund, row.currency)
            if kind == "decline":
                refund_text = f"The student gets a full refund: {money}."
                policy = "Declining is not counted as a cancellation."
            elif not paid:
                refund_text = "Nothing has been paid yet, so there is nothing to refund."
                policy = "The time is released for other students."
            elif role == "tutor":
                refund_text = f"The student gets a full refund: {money}."
                policy = ("Cancelling as the tutor refunds the student in full and counts against you "
                          f"(cancellations in the last {booking_lists.CANCELLATION_WINDOW_DAYS} days are shown "
                          "to you on this page).")
            else:
                refund_text = f"You get back {money} of {format_money(row.price_minor, row.currency)}."
                policy = booking_policy.describe(row.cancellation_policy)
            other = row.tutor_name if role == "student" else row.student_name
            self._dialog = {
                "kind": kind, "id": str(row.id), "reference": row.reference,
                "title": "Cancel this lesson?" if kind == "cancel" else "Decline this request?",
                "what": f"{row.reference} with {other}, {_when(row.starts_at, zone)}",
                "refund": refund_text, "policy": policy,
                "confirm": "Cancel lesson" if kind == "cancel" else "Decline request",
            }
            self._owner = self._bind_private()
            self.dialog_error, self.dialog_open = "", True

        return await self._guarded(work)

    @rx.event
    async def open_cancel(self, booking_id: Any):
        return await self._open_reason_dialog(booking_id, "cancel")

    @rx.event
    def close_dialog(self):
        self.dialog_open, self.dialog_error, self._dialog = False, "", {}

    @rx.event
    async def submit_dialog(self, form_data: Any):
        if self.busy:
            return

        async def work(user):
            dialog = self.dialog
            if not dialog.get("id"):
                raise InvalidInput("booking", "Choose a booking first.")
            try:
                reason = parse_form(form_data, {"reason": bookings.REASON_MAX})["reason"].strip()
            except InvalidInput as err:
                self.dialog_error = err.message
                return None
            if not reason:
                self.dialog_error = "Please give a reason (the other person sees it)."
                return None
            bid = uuid.UUID(dialog["id"])
            self.busy = True
            try:
                if dialog["kind"] == "decline":
                    self._require_tutor_role()
                    done = await in_transaction(bookings.decline, self._ctx(user), bid, reason)
                else:
                    done = await in_transaction(bookings.cancel, self._ctx(user), bid, reason)
            except InvalidInput as err:
                self.busy = False
                self.dialog_error = err.message
                return None
            self.busy, self.dialog_open, self._dialog = False, False, {}
            await self._reload(user)
            refund = format_money(done.refund_minor or 0, done.currency)
            verb = "declined" if dialog["kind"] == "decline" else "cancelled"
            extra = f" Refund: {refund}." if done.refund_minor else ""
            return rx.toast.success(f"Booking {done.reference} {verb}.{extra}")

        result = await self._guarded(work)
        if self.busy:
            self.busy = False
        return result

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
            found = await in_transaction(slots.free_slots, uuid.UUID(move["tutor_id"]), int(move["length"]),
                                         first, last, zone, ignore_booking_id=uuid.UUID(move["id"]))
            self.move_error = ""
        except DomainError as err:
            found, self.move_error = [], err.message
        by_day: dict[date, list[SlotChoice]] = {first + timedelta(days=i): [] for i in range(7)}
        current = move.get("starts_at", "")
        for slot in found:
            if slot.starts_at.isoformat() == current:
                continue
            by_day.setdefault(slot.local_start.date(), []).append(
                SlotChoice(slot.starts_at.isoformat(), f"{slot.local_start:%H:%M}"))
        self._move_days = [SlotDay(f"{d:%a}", f"{d:%d %b}", items) for d, items in sorted(by_day.items())]
        self._move = {**move, "week": f"{first:%d %b} – {last:%d %b %Y}",
                      "count": str(sum(len(d.slots) for d in self._move_days))}
        self.move_at_today = first <= _today(zone)
        self.move_searching = False

    @rx.event
    async def open_reschedule(self, booking_id: Any):
        async def work(user):
            bid = _uuid_arg(booking_id)
            ctx = self._ctx(user)

            def read(session):  # the booking service decides whether it may move (same rules as reschedule)
                return booking_lists.get_row(session, ctx, bid), bookings.reschedules_left(session, ctx, bid)

            row, left = await in_transaction(read)
            zone = user.time_zone
            self._move = {
                "id": str(row.id), "tutor_id": str(row.tutor_id), "length": str(row.length_minutes),
                "starts_at": row.starts_at.isoformat(), "reference": row.reference,
                "current": _when(row.starts_at, zone), "zone": zone,
                "left": f"You can reschedule this booking {left} more time{'s' if left != 1 else ''}.",
            }
            self._owner = self._bind_private()
            self.move_week_start = max(_today(zone), row.starts_at.astimezone(_zone(zone)).date()
                                       - timedelta(days=row.starts_at.astimezone(_zone(zone)).weekday())).isoformat()
            await self._load_move_slots(user)
            self.move_open = True

        return await self._guarded(work)

    @rx.event
    async def reschedule_week(self, weeks: Any):
        if weeks not in (-1, 1) or isinstance(weeks, bool):
            return rx.toast.error("Choose the previous or the next week.")

        async def work(user):
            if not self._move.get("id") or not self.move_week_start:
                raise InvalidInput("booking", "Choose a booking to reschedule first.")
            today = _today(user.time_zone)
            target = max(date.fromisoformat(self.move_week_start) + timedelta(weeks=weeks), today)
            if target > today + timedelta(weeks=RESCHEDULE_WEEKS):
                return None
            self.move_week_start = target.isoformat()
            await self._load_move_slots(user)
            return None

        return await self._guarded(work)

    @rx.event
    def close_reschedule(self):
        self.move_open, self._move, self._move_days, self.move_error = False, {}, [], ""

    @rx.event
    async def confirm_reschedule(self, starts_at: Any):
        if self.busy:
            return

        async def work(user):
            new_start = _instant_arg(starts_at)
            move = self.move
            if not move.get("id"):
                raise InvalidInput("booking", "Choose a booking to reschedule first.")
            self.busy = True
            try:
                done = await in_transaction(bookings.reschedule, self._ctx(user), uuid.UUID(move["id"]), new_start)
            except DomainError as err:
                self.busy = False
                self.move_error = err.message
                await self._load_move_slots(user)
                return rx.toast.error(err.message)
            self.busy, self.move_open, self._move, self._move_days = False, False, {}, []
            await self._reload(user)
            return rx.toast.success(f"Booking {done.reference} moved to {_when(done.starts_at, user.time_zone)}.")

        return await self._guarded(work)

    # -- history ---------------------------------------------------------------------------------
    @rx.event
    async def toggle_history(self, booking_id: Any):
        async def work(user):
            bid = _uuid_arg(booking_id)
            if self._history_for == str(bid):
                self._history_for, self._history = "", []
                return None
            ctx = self._ctx(user)

            def read(session):
                return (booking_lists.get_row(session, ctx, bid), bookings.history(session, ctx, bid))

            row, events = await in_transaction(read)
            self._history = [history_item(e, row, user.user_id, user.time_zone) for e in events]
            self._history_for = str(bid)
            self._owner = self._bind_private()
            return None

        return await self._guarded(work)

    # -- no-show (after the start; the other party) -------------------------------------------
    @rx.event
    async def report_no_show(self, booking_id: Any):
        async def work(user):
            bid = _uuid_arg(booking_id)
            party = "tutor" if self._role() == "student" else "student"
            done = await in_transaction(bookings.mark_no_show, self._ctx(user), bid, party)
            await self._reload(user)
            return rx.toast.success(f"Booking {done.reference}: reported that the {party} did not attend.")

        return await self._guarded(work)


class StudentBookingsState(SessionState, BookingsListMixin):
    review_open: bool = False
    review_error: str = ""
    review_rating: int = 0
    _review: dict[str, str] = {}

    @rx.var(cache=False)
    def review(self) -> dict[str, str]:
        return self._review if self._may_see(self._owner) else {}

    def _role(self) -> str:
        return "student"

    def _clear_private(self) -> None:
        self._clear_list()

    def _clear_extra(self) -> None:
        self._review, self.review_open, self.review_error, self.review_rating = {}, False, "", 0

    @rx.event
    async def open_review(self, booking_id: Any):
        async def work(user):
            bid = _uuid_arg(booking_id)
            row = await in_transaction(booking_lists.get_row, self._ctx(user), bid)
            if row.student_id != user.user_id or row.status != "completed":
                raise DomainError("You can review a lesson once it is completed.")
            if row.reviewed:
                raise DomainError("You have already reviewed this lesson.")
            self._review = {"id": str(row.id), "tutor": row.tutor_name,
                            "what": f"{row.reference}, {_when(row.starts_at, user.time_zone)}"}
            self._owner = self._bind_private()
            self.review_open, self.review_error, self.review_rating = True, "", 0

        return await self._guarded(work)

    @rx.event
    def set_rating(self, stars: Any):
        if isinstance(stars, bool) or not isinstance(stars, int) or not 1 <= stars <= 5:
            return rx.toast.error("Choose from 1 to 5 stars.")
        self.review_rating, self.review_error = stars, ""

    @rx.event
    def close_review(self):
        self.review_open, self._review, self.review_error, self.review_rating = False, {}, "", 0

    @rx.event
    async def submit_review(self, form_data: Any):
        if self.busy:
            return

        async def work(user):
            review = self.review
            if not review.get("id"):
                raise InvalidInput("booking", "Choose a lesson to review first.")
            try:
                body = parse_form(form_data, {"body": REVIEW_BODY_MAX})["body"]
            except InvalidInput as err:
                self.review_error = err.message
                return None
            if not 1 <= self.review_rating <= 5:
                self.review_error = "Choose from 1 to 5 stars."
                return None
            self.busy = True
            try:
                await in_transaction(reviews.review_booking, self._ctx(user), uuid.UUID(review["id"]),
                                     self.review_rating, body)
            except InvalidInput as err:
                self.busy = False
                self.review_error = err.message
                return None
            self.busy = False
            self.review_open, self._review, self.review_rating = False, {}, 0
            await self._reload(user)
            return rx.toast.success("Thank you! Your review is published on the tutor's page.")

        result = await self._guarded(work)
        self.busy = False
        return result


class TutorScheduleState(SessionState, BookingsListMixin):
    _summary: dict[str, int] = {}

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

    def _clear_private(self) -> None:
        self._clear_list()

    def _tabs(self) -> tuple[str, ...]:
        return ("requests", "upcoming", "past")

    def _clear_extra(self) -> None:
        self._summary = {}

    async def _extra_load(self, user: CurrentUser) -> None:
        summary = await in_transaction(booking_lists.tutor_summary, self._ctx(user), user.user_id)
        self._summary = {"requests": summary.requests, "cancellations": summary.cancellations,
                         "bookings": summary.bookings}

    @rx.event
    async def accept(self, booking_id: Any):
        async def work(user):
            bid = _uuid_arg(booking_id)
            done = await in_transaction(bookings.accept, self._ctx(user), bid)
            await self._reload(user)
            return rx.toast.success(f"Booking {done.reference} accepted.")

        return await self._guarded(work)

    @rx.event
    async def open_decline(self, booking_id: Any):
        return await self._open_reason_dialog(booking_id, "decline")
