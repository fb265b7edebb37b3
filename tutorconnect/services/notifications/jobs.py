"""Outbox jobs of the notification service: its `JOBS` table, which the job runner in
services/jobs.py takes.

- sms.send {to, text, only_if?}: one text message through the configured provider
  (integrations/sms.py); dropped when `only_if` no longer holds (see mail.py) or when
  SMS has been switched off since it was queued. A provider's permanent refusal goes to
  the dead letters, a transient one is retried.
"""

from __future__ import annotations

from typing import Any

from tutorconnect.db import session_scope
from tutorconnect.integrations import sms
from tutorconnect.services.errors import PermanentJobError
from tutorconnect.services.notifications import mail
from tutorconnect.services.notifications.notify import SMS_JOB


def send_sms(payload: dict[str, Any]) -> None:
    provider = sms.provider()
    if provider is None:
        return
    if payload.get("only_if"):
        with session_scope() as s:
            if not mail.still_true(s, payload["only_if"]):
                return
    try:
        provider.send(str(payload["to"]), sms.clip(str(payload["text"])))
    except sms.SmsError as err:
        if err.transient:
            raise
        raise PermanentJobError(str(err)) from None


# The job runner (services/jobs.py) takes this table; nothing registers on import.
JOBS = {
    SMS_JOB: send_sms,
}
