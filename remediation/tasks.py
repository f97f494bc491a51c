"""Thin Celery tasks for reminders: they take ids and ISO dates, and call the services in reminders.py."""

from __future__ import annotations

import datetime as dt

from celery import shared_task

from . import reminders


class DeliveryFailed(Exception):
    """The mail server refused or was unreachable; the claims are recorded as failed."""


@shared_task(name="remediation.sweep_reminders")
def sweep_reminders(as_of: str | None = None, cycle_year: int | None = None) -> dict:
    """The daily sweep (beat, 07:00 Asia/Ho_Chi_Minh): claim what is due, enqueue one digest per recipient."""
    cycle = reminders.resolve_cycle(cycle_year)
    result = reminders.send_due_reminders(as_of=dt.date.fromisoformat(as_of) if as_of else None, cycle=cycle)
    return {
        "cycle": result.cycle.year if result.cycle else None,
        "as_of": result.as_of.isoformat(),
        "token": str(result.token),
        "reminders": result.reminders,
        "recipients": result.recipients,
    }


@shared_task(
    bind=True,
    name="remediation.send_reminder_digest",
    autoretry_for=(DeliveryFailed,),
    retry_backoff=60,
    retry_backoff_max=3600,
    retry_jitter=True,
    max_retries=6,
)
def send_reminder_digest(self, recipient_id: int, token: str, as_of: str) -> dict:
    """One recipient's digest. An SMTP failure is recorded, then retried with backoff.

    Run eagerly (no broker: the embedded default and cron), a retry would
    repeat at once, so the failure is only recorded: the next sweep takes the
    failed claims over.
    """
    outcome = reminders.send_digest(recipient_id, token, dt.date.fromisoformat(as_of))
    if outcome.state == "failed" and not self.request.is_eager:
        raise DeliveryFailed(outcome.error)
    return {"state": outcome.state, "items": outcome.items, "error": outcome.error}
