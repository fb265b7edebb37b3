"""/notifications/settings: the signed-in user's notification preferences (a topic x channel
grid of switches) and their mobile number for text messages.

Every handler re-reads the session (`_require`) and acts on that user only: the service
takes the actor from the request context, never an id from the browser. Topic and channel
names arrive from the browser and are checked by the service; the loaded grid and the
phone number are private vars shown only to the cookie that loaded them."""

from __future__ import annotations

from typing import Any

import reflex as rx

from tutorconnect.integrations import sms
from tutorconnect.services import notifications
from tutorconnect.services.errors import DomainError
from tutorconnect.state.base import SessionState, in_transaction
from tutorconnect.state.forms import parse_form


def _on(value: bool) -> str:
    return "on" if value else ""


def _load(session, ctx):
    rows = notifications.grid(session, ctx)
    return rows, notifications.phone(session, ctx.actor_user_id)


class NotificationSettingsState(SessionState):
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

    def _clear_private(self) -> None:
        self._rows, self._phone, self._owner, self.saving = [], "", "", ""

    async def _reload(self, user) -> None:
        rows, phone = await in_transaction(_load, self._ctx(user))
        self._rows = [
            {"key": r.key, "label": r.label, "description": r.description, "locked": _on(r.locked),
             **{channel: _on(on) for channel, on in r.channels.items()}}
            for r in rows
        ]
        self._phone, self._owner = phone or "", self._bind_private()
        self.sms_available = sms.available()

    @rx.event
    async def load(self):
        self.loading, self.saving = True, ""
        try:
            await self._reload(await self._require(allow_unverified=True))
        except DomainError as err:
            self.loading = False
            return self._refuse(err)
        self.loading = False
        return None

    @rx.event
    async def toggle(self, topic: Any, channel: Any, enabled: Any):
        """Switch one channel of one topic; saved at once, with a toast saying what changed."""
        try:
            user = await self._require(allow_unverified=True)
            known = isinstance(topic, str) and isinstance(channel, str) and len(topic) + len(channel) <= 80
            self.saving = f"{topic}:{channel}" if known else ""
            value = await in_transaction(notifications.set_choice, self._ctx(user), topic, channel, enabled)
            await self._reload(user)
        except DomainError as err:
            self.saving = ""
            return self._refuse(err)
        self.saving = ""
        label = next((r["label"] for r in self._rows if r["key"] == topic), "")
        how = notifications.CHANNEL_LABELS[channel].lower()
        return rx.toast.success(f"Saved: {label}, {how} {'on' if value else 'off'}.")

    @rx.event
    async def save_phone(self, form_data: Any):
        try:
            user = await self._require(allow_unverified=True)
            fields = parse_form(form_data, {"phone": 32})
            number = await in_transaction(notifications.set_phone, self._ctx(user), fields["phone"])
            await self._reload(user)
        except DomainError as err:
            return self._refuse(err)
        if number is None:
            return rx.toast.success("Mobile number removed; text messages are off.")
        return rx.toast.success("Mobile number saved. Switch on the text messages you want below.")

    @rx.event
    async def remove_phone(self):
        try:
            user = await self._require(allow_unverified=True)
            await in_transaction(notifications.set_phone, self._ctx(user), "")
            await self._reload(user)
        except DomainError as err:
            return self._refuse(err)
        return rx.toast.success("Mobile number removed; text messages are off.")
