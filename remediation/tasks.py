"""Thin Celery tasks for reminders, and the sweep that enqueues them.

The services in ``reminders/`` claim and send; this module is the only place that
enqueues, so the imports run one way (tasks → reminders).
"""

from __future__ import annotations

import datetime as dt
from functools import partial

from celery import shared_task
from django.db import transaction

from parindex.models import Cycle

from . import restructuring
from .reminders import claims, digest, events, sweep


class DeliveryFailed(Exception):
    """The mail server refused or was unreachable; the claims are recorded as failed."""


def send_due_reminders(
    as_of: dt.date | None = None, cycle: Cycle | None = None, dry_run: bool = False
) -> sweep.SweepResult:
    """The one entry point of beat, the Celery task and ``send_reminders``: claim, then one digest each.

    The digests are enqueued after the claims commit; ``robust`` keeps one
    recipient's unexpected error from stopping the others' digests.
    """
    result = sweep.claim_due_reminders(as_of=as_of, cycle=cycle, dry_run=dry_run)
    for recipient_id in result.recipient_ids:
        transaction.on_commit(
            partial(send_reminder_digest.delay, recipient_id, str(result.token), result.as_of.isoformat()),
            robust=True,
        )
    return result


@shared_task(name="remediation.sweep_reminders")
def sweep_reminders(as_of: str | None = None, cycle_year: int | None = None) -> dict:
    """The daily sweep (beat, 07:00 Asia/Ho_Chi_Minh): claim what is due, enqueue one digest per recipient."""
    cycle = sweep.resolve_cycle(cycle_year)
    result = send_due_reminders(as_of=dt.date.fromisoformat(as_of) if as_of else None, cycle=cycle)
    return {
        "cycle": result.cycle.year if result.cycle else None,
        "as_of": result.as_of.isoformat(),
        "token": str(result.token),
        "reminders": result.reminders,
        "recipients": result.recipients,
    }


def retry_lost_digests() -> int:
    """Claims whose digests were lost (broker down after the sweep) go out now, not at the next
    day's sweep: taken over by a new run, their digests enqueued after the commit."""
    count = 0
    for takeover in claims.take_over_stale_claims():
        for recipient_id in takeover.recipient_ids:
            transaction.on_commit(
                partial(send_reminder_digest.delay, recipient_id, str(takeover.token), takeover.as_of.isoformat()),
                robust=True,
            )
        count += len(takeover.recipient_ids)
    return count


def retry_notice_claims() -> events.NoticeRun:
    """Notice mails that failed or were lost go out again, claimed by a new run, enqueued after commit."""
    with transaction.atomic():
        run = events.take_over_notice_claims()
        for recipient_id in run.recipient_ids:
            transaction.on_commit(partial(send_notice_digest.delay, recipient_id, str(run.token)), robust=True)
    return run


@shared_task(name="remediation.retry_stale_claims")
def retry_stale_claims() -> int:
    """Beat, every few minutes (REMINDER_RETRY_SECONDS): re-send the digests of stale claims,
    reminders and state-change notices alike (recipients enqueued)."""
    return retry_lost_digests() + len(retry_notice_claims().recipient_ids)


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
    outcome = digest.send_digest(recipient_id, token, dt.date.fromisoformat(as_of))
    if outcome.state == "failed" and not self.request.is_eager:
        raise DeliveryFailed(outcome.error)
    return {"state": outcome.state, "items": outcome.items, "error": outcome.error}


def send_notice_digests() -> events.NoticeRun:
    """Claim the state-change notices not yet e-mailed, then enqueue one mail per recipient after commit."""
    with transaction.atomic():
        run = events.claim_notices()
        for recipient_id in run.recipient_ids:
            transaction.on_commit(partial(send_notice_digest.delay, recipient_id, str(run.token)), robust=True)
    return run


@shared_task(name="remediation.sweep_notices")
def sweep_notices() -> dict:
    """The daily e-mail of state-change notices (beat, with the reminder sweep)."""
    run = send_notice_digests()
    return {"token": str(run.token), "notices": run.notices, "recipients": len(run.recipient_ids)}


@shared_task(name="remediation.send_notice_digest")
def send_notice_digest(recipient_id: int, token: str) -> str:
    """One recipient's mail of notices; a failure releases the claim, and beat's retry sends it again."""
    return events.send_notices(recipient_id, token)


@shared_task(name="remediation.apply_due_restructurings")
def apply_due_restructurings() -> int:
    """Daily (beat, 00:10 Asia/Ho_Chi_Minh): merges and splits whose date has come are applied, each once."""
    return restructuring.apply_due()
