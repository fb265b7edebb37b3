"""Who wants which notifications, and how: a user's choice per topic and channel.

Topics group the events people think of as one thing ("Refunds" covers a refund being
processed and an automatic refund). Every topic has a default per channel (in-app and
email on, SMS off); only a user's choices that differ from the default are stored, in
notification_preferences (user, event_type = topic key, channel), so a new topic or a
changed default reaches everyone who never touched it.

Account and security emails (email confirmation, password reset) are not a topic here:
they are sent by services/accounts/email_tokens.py directly and cannot be turned off; the grid shows
them as a locked row.

- channels_for(session, user_id, event) -> set of channels to use for this event
- grid(session, ctx) -> rows for the preferences page of the signed-in user
- set_choice(session, ctx, topic, channel, enabled): the signed-in user's own choice,
  validated; a choice equal to the default deletes the stored row
- phone(session, user_id) / set_phone(session, ctx, raw) for text messages (audited)
Pages and handlers only ever reach the acting user's own preferences (ctx.actor_user_id).
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone

from sqlalchemy import text
from sqlmodel import Session

from tutorconnect.integrations import sms
from tutorconnect.services import audit
from tutorconnect.services.context import RequestContext
from tutorconnect.services.errors import InvalidInput, NotAuthenticated

CHANNELS = ("in_app", "email", "sms")
CHANNEL_LABELS = {"in_app": "In the app", "email": "Email", "sms": "Text message"}
DEFAULTS = {"in_app": True, "email": True, "sms": False}
ACCOUNT_TOPIC = "account.security"


@dataclass(frozen=True)
class Topic:
    key: str
    label: str
    description: str
    roles: tuple[str, ...]
    events: tuple[str, ...]
    defaults: dict[str, bool] = field(default_factory=lambda: dict(DEFAULTS))


_STUDENT, _TUTOR, _BOTH, _ADMIN = ("student",), ("tutor",), ("student", "tutor"), ("admin",)

TOPICS: tuple[Topic, ...] = (
    Topic("booking.confirmed", "Lesson confirmed", "The join link and a calendar file.", _BOTH,
          ("booking.confirmed",)),
    Topic("booking.awaiting_tutor", "Lesson requests", "A request waiting for the tutor's answer.", _BOTH,
          ("booking.awaiting_tutor",)),
    Topic("booking.declined", "Declined requests", "A request the tutor declined or did not answer.", _BOTH,
          ("booking.declined",)),
    Topic("booking.rescheduled", "Rescheduled lessons", "A lesson moved to a new time.", _BOTH,
          ("booking.rescheduled",)),
    Topic("booking.cancelled", "Cancelled lessons", "Who cancelled, and the refund.", _BOTH,
          ("booking.cancelled",)),
    Topic("booking.reminder", "Lesson reminders", "Before each lesson starts.", _BOTH, ("booking.reminder",)),
    Topic("booking.no_show", "Missed lessons", "A lesson reported as not attended.", _BOTH, ("booking.no_show",)),
    Topic("booking.review_requested", "Review requests", "After a lesson, a nudge to rate it.", _STUDENT,
          ("booking.review_requested",)),
    Topic("payment.failed", "Failed payments", "A payment that did not go through, with a link to retry.",
          _STUDENT, ("payment.failed",)),
    Topic("payment.refund", "Refunds", "A refund started or processed.", _STUDENT,
          ("payment.refund_processed", "payment.refunded_automatically")),
    Topic("tutor.profile", "Profile review", "Decisions about your tutor profile.", _TUTOR,
          ("tutor.under_review", "tutor.approved", "tutor.rejected", "tutor.suspended")),
    Topic("review.published", "New reviews", "A student rated a lesson.", _TUTOR, ("review.published",)),
    Topic("meeting.fallback", "Meeting link problems", "Google Meet failed and a room link is used instead.",
          _TUTOR, ("meeting.fallback",)),
    Topic("payment.flagged", "Flagged payment events",
          "A Razorpay event that could not be applied: a wrong amount, an unknown order or refund.", _ADMIN,
          ("payment.flagged",)),
)
_BY_KEY = {t.key: t for t in TOPICS}
_BY_EVENT = {e: t for t in TOPICS for e in t.events}


def topic_for(event: str) -> Topic:
    try:
        return _BY_EVENT[event]
    except KeyError:
        raise ValueError(f"no notification topic for event {event!r}") from None


def topics_for_role(role: str) -> tuple[Topic, ...]:
    return tuple(t for t in TOPICS if role in t.roles)


def _stored(session: Session, user_id: uuid.UUID, topics: list[str] | None = None) -> dict[tuple[str, str], bool]:
    sql = "SELECT event_type, channel, enabled FROM notification_preferences WHERE user_id = :u"
    params: dict[str, object] = {"u": user_id}
    if topics is not None:
        sql += " AND event_type = ANY(:t)"
        params["t"] = topics
    return {(r.event_type, r.channel): r.enabled for r in session.execute(text(sql), params)}


def channels_for(session: Session, user_id: uuid.UUID, event: str) -> set[str]:
    """The channels this user gets `event` on: their choices over the topic's defaults.
    SMS only while an SMS provider is configured."""
    topic = topic_for(event)
    stored = _stored(session, user_id, [topic.key])
    chosen = {c for c in CHANNELS if stored.get((topic.key, c), topic.defaults[c])}
    if not sms.available():
        chosen.discard("sms")
    return chosen


@dataclass(frozen=True)
class GridRow:
    key: str
    label: str
    description: str
    locked: bool
    channels: dict[str, bool]  # channel -> on


def _actor(session: Session, ctx: RequestContext) -> tuple[uuid.UUID, str]:
    """The acting user's id and role (a deleted or unknown account: NotAuthenticated)."""
    if ctx.actor_user_id is None:
        raise NotAuthenticated()
    role = session.execute(text("SELECT role FROM users WHERE id = :u AND deleted_at IS NULL"),
                           {"u": ctx.actor_user_id}).scalar()
    if role is None:
        raise NotAuthenticated()
    return ctx.actor_user_id, role


def grid(session: Session, ctx: RequestContext) -> list[GridRow]:
    """The preferences page's rows for the acting user: the account row (locked: email
    always on), then each topic of their role with its current on/off per channel."""
    user_id, role = _actor(session, ctx)
    stored = _stored(session, user_id)
    rows = [GridRow(ACCOUNT_TOPIC, "Account and security",
                    "Email confirmation and password reset. Always sent, to keep your account safe.", True,
                    {"in_app": False, "email": True, "sms": False})]
    for t in topics_for_role(role):
        rows.append(GridRow(t.key, t.label, t.description, False,
                            {c: stored.get((t.key, c), t.defaults[c]) for c in CHANNELS}))
    return rows


def set_choice(session: Session, ctx: RequestContext, topic_key: object, channel: object, enabled: object) -> bool:
    """Turn one channel of one topic on or off for the acting user. Returns the new value.
    Raises InvalidInput for an unknown or locked topic, an unknown channel, a non-bool
    value, or SMS while SMS is unavailable or no mobile number is set."""
    if not isinstance(topic_key, str) or len(topic_key) > 64:
        raise InvalidInput("topic", "That notification type does not exist. Please reload the page.")
    if topic_key == ACCOUNT_TOPIC:
        raise InvalidInput("topic", "Account and security emails are always sent; they cannot be turned off.")
    topic = _BY_KEY.get(topic_key)
    if topic is None:
        raise InvalidInput("topic", "That notification type does not exist. Please reload the page.")
    if channel not in CHANNELS:
        raise InvalidInput("channel", "That way of notifying does not exist. Please reload the page.")
    if not isinstance(enabled, bool):
        raise InvalidInput("enabled", "Choose on or off.")
    user_id, role = _actor(session, ctx)
    if role not in topic.roles:
        raise InvalidInput("topic", "That notification type does not exist. Please reload the page.")
    if channel == "sms" and enabled:
        if not sms.available():
            raise InvalidInput("channel", "Text messages are not available on this site.")
        if phone(session, user_id) is None:
            raise InvalidInput("phone", "Add your mobile number first to get text messages.")
    if enabled == topic.defaults[channel]:
        session.execute(text("DELETE FROM notification_preferences WHERE user_id = :u AND event_type = :t "
                             "AND channel = :c"), {"u": user_id, "t": topic.key, "c": channel})
    else:
        session.execute(text(
            "INSERT INTO notification_preferences (user_id, event_type, channel, enabled, updated_at) "
            "VALUES (:u, :t, :c, :e, :now) ON CONFLICT (user_id, event_type, channel) "
            "DO UPDATE SET enabled = excluded.enabled, updated_at = excluded.updated_at"),
            {"u": user_id, "t": topic.key, "c": channel, "e": enabled, "now": datetime.now(timezone.utc)})
    return enabled


# Mobile number -------------------------------------------------------------------------
_PHONE_JUNK = re.compile(r"[\s().-]")


def normalize_phone(raw: object) -> str | None:
    """'+91 98765 43210' -> '+919876543210'; '' -> None. InvalidInput otherwise."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    if not isinstance(raw, str) or len(raw) > 32:
        raise InvalidInput("phone", "Enter your mobile number with its country code, like +91 98765 43210.")
    clean = _PHONE_JUNK.sub("", raw.strip())
    if clean.startswith("00"):
        clean = "+" + clean[2:]
    if not sms.E164.match(clean):
        raise InvalidInput("phone", "Enter your mobile number with its country code, like +91 98765 43210.")
    return clean


def phone(session: Session, user_id: uuid.UUID) -> str | None:
    return session.execute(text("SELECT phone_e164 FROM users WHERE id = :u"), {"u": user_id}).scalar()


def _masked(number: str | None) -> str | None:
    return None if number is None else number[:3] + "…" + number[-3:]


def set_phone(session: Session, ctx: RequestContext, raw: object) -> str | None:
    """Save (or, with an empty value, remove) the acting user's mobile number (audited,
    masked). Removing it also turns every text-message choice off."""
    number = normalize_phone(raw)
    if number is not None and not sms.available():
        raise InvalidInput("phone", "Text messages are not available on this site.")
    user_id, _ = _actor(session, ctx)
    before = phone(session, user_id)
    if before == number:
        return number
    session.execute(text("UPDATE users SET phone_e164 = :p, updated_at = :now WHERE id = :u"),
                    {"p": number, "u": user_id, "now": datetime.now(timezone.utc)})
    if number is None:
        session.execute(text("DELETE FROM notification_preferences WHERE user_id = :u AND channel = 'sms'"),
                        {"u": user_id})
    audit.record(session, ctx, action="user.phone_changed", target_type="user", target_id=user_id,
                 before={"phone": _masked(before)}, after={"phone": _masked(number)})
    return number
