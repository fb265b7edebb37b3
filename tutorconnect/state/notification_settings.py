"""/notifications/settings: the signed-in user's notification preferences (a topic x channel
grid of switches) and their mobile number for text messages.

Every handler re-reads the session (`_require`) and acts on that user only: the service
takes the actor from the request context, never an id from the browser. Topic and channel
names arrive from the browser and are checked by the service; the loaded grid and the
phone number are private vars shown only to the cookie that loaded them."""

from __future__ import annotations

from typing import Any, ClassVar

import reflex as rx

from tutorconnect.integrations import sms
from tutorconnect.services import notifications
from tutorconnect.services.sessions import CurrentUser
from tutorconnect.state.base import SessionState, in_transaction
from tutorconnect.state.forms import parse_form
from tutorconnect.state.guard import handler


def _on(value: bool) -> str:
    return "on" if value else ""


def _load(session, ctx):
    rows = notifications.grid(session, ctx)
    return rows, notifications.phone(session, ctx.actor_user_id)


class NotificationSettingsState(SessionState):
    PRIVATE: ClassVar[tuple[str, ...]] = ("_rows", "_phone", "_owner", "saving")
    _rows: list[dict[str, str]] = []
    _phone: str = ""
    _owner: str = ""
    loading: bool = True
    sms_available: bool = False
    saving: str = ""  # "<topic>:<channel>" while that switch is being saved

    @rx.var(cache=False)
    def rows(self) -> list[dict[str, str]]:
        return self._rows if self._may_see(self._owner) else []

    @rx.var(cache=False)
    def phone(self) -> str:
        return self._phone if self._may_see(self._owner) else ""

    async def _reload(self, user) -> None:
        rows, phone = await in_transaction(_load, self._ctx(user))
        self._rows = [
            {"key": r.key, "label": r.label, "description": r.description, "locked": _on(r.locked),
             **{channel: _on(on) for channel, on in r.channels.items()}}
            for r in rows
        ]
        self._phone, self._owner = phone or "", self._bind_private()
        self.sms_available = sms.available()

    @handler(allow_unverified=True, busy="loading")
    async def load(self, user: CurrentUser):
        self.loading, self.saving = True, ""
        await self._reload(user)
        return None

    @handler(allow_unverified=True)
    async def toggle(self, user: CurrentUser, topic: Any, channel: Any, enabled: Any):
        """Switch one channel of one topic; saved at once, with a toast saying what changed.
        A refusal clears `saving` with the rest of the private vars."""
        known = isinstance(topic, str) and isinstance(channel, str) and len(topic) + len(channel) <= 80
        self.saving = f"{topic}:{channel}" if known else ""
        value = await in_transaction(notifications.set_choice, self._ctx(user), topic, channel, enabled)
        await self._reload(user)
        self.saving = ""
        label = next((r["label"] for r in self._rows if r["key"] == topic), "")
        how = notifications.CHANNEL_LABELS[channel].lower()
        return rx.toast.success(f"Saved: {label}, {how} {'on' if value else 'off'}.")

    @handler(allow_unverified=True)
    async def save_phone(self, user: CurrentUser, form_data: Any):
        fields = parse_form(form_data, {"phone": 32})
        number = await in_transaction(notifications.set_phone, self._ctx(user), fields["phone"])
        await self._reload(user)
        if number is None:
            return rx.toast.success("Mobile number removed; text messages are off.")
        return rx.toast.success("Mobile number saved. Switch on the text messages you want below.")

    @handler(allow_unverified=True)
    async def remove_phone(self, user: CurrentUser):
        await in_transaction(notifications.set_phone, self._ctx(user), "")
        await self._reload(user)
        return rx.toast.success("Mobile number removed; text messages are off.")
