"""Outbox jobs of the notification service (registered with services/jobs.py, which
imports this module).

- sms.send {to, text, only_if?}: one text message through the configured provider
  (integrations/sms.py); dropped when `only_if` no longer holds (see services/mail.py)
  or when SMS has been switched off since it was queued. A provider's permanent refusal
  goes to the dead letters, a transient one is retried.
"""

from __future__ import annotations

from typing import Any

from tutorconnect.db import session_scope
from tutorconnect.integrations import sms
from tutorconnect.services import mail
from tutorconnect.services.jobs import PermanentJobError, job
from tutorconnect.services.notify import SMS_JOB


@job(SMS_JOB)
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
