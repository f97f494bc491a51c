"""Claims in the database: inserted in bulk under a unique constraint, cancelled when they no longer hold."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import NamedTuple

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from agencies import clock
from parindex.models import Cycle

from ..models import AgencyReport, Reminder, ReminderState, Task
from ..reports import SUBMITTED
from .recipients import report_key

LIVE = (ReminderState.CLAIMED, ReminderState.FAILED)


# --- Claiming in bulk ------------------------------------------------------------------------


class Claim(NamedTuple):
    """One claim to insert: a plain tuple, because a sweep makes hundreds of thousands of them."""

    recipient_id: int
    kind: str
    item_key: str
    due_date: dt.date
    deadline: dt.date
    escalated: bool
    task_id: int | None
    agency_id: int | None

    def reminder(self, cycle: Cycle) -> Reminder:
        return Reminder(cycle=cycle, state=ReminderState.CLAIMED, **self._asdict())


def insert_claims(claims: list[Claim], cycle_id: int, token: uuid.UUID) -> None:
    """INSERT … ON CONFLICT DO NOTHING: what exists already (claimed, sent or failed) is skipped.

    On PostgreSQL one statement per chunk, the rows passed as arrays through
    unnest(): Django's bulk_create spends most of a national sweep building
    model instances and per-value SQL parameters. Elsewhere (the embedded
    SQLite) bulk_create with ignore_conflicts does the same.
    """
    if connection.vendor != "postgresql":
        rows = [c.reminder(Cycle(pk=cycle_id)) for c in claims]
        for r in rows:
            r.run_token = token
        Reminder.objects.bulk_create(rows, batch_size=500, ignore_conflicts=True)
        return
    columns = {f.attname: f.column for f in Reminder._meta.concrete_fields}
    names = ", ".join(columns[n] for n in Claim._fields)
    sql = (
        f"INSERT INTO {Reminder._meta.db_table} ({names}, {columns['cycle_id']}, {columns['state']}, "
        f"{columns['claimed_at']}, {columns['attempts']}, {columns['last_error']}, {columns['run_token']}) "
        f"SELECT *, %s, %s, %s, 0, '', %s FROM unnest(%s::bigint[], %s::text[], %s::text[], %s::date[], "
        "%s::date[], %s::boolean[], %s::bigint[], %s::bigint[]) ON CONFLICT DO NOTHING"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            sql, [cycle_id, ReminderState.CLAIMED, clock.now(), token, *map(list, zip(*claims, strict=True))]
        )


# --- Cancelling what no longer holds ------------------------------------------------------


def stale_task_filter(task: Task) -> Q:
    """Unsent claims made for another state of the task: finished, closed, moved or reassigned."""
    if task.completed_on is not None or task.closed_at is not None:
        return Q()
    return ~Q(deadline=task.deadline) | ~Q(agency_id=task.lead_agency_id)


def cancel_stale_reminders(task: Task) -> int:
    """Cancel the reminders not yet sent for an old state of the task; returns how many.

    Called on every Task save (signals.py). A send in progress holds its rows
    locked, so this update waits for it and then skips what was sent.
    """
    if task.pk is None:
        return 0
    pending = Reminder.objects.filter(task_id=task.pk, state__in=LIVE)
    return pending.filter(stale_task_filter(task)).update(
        state=ReminderState.CANCELLED, last_error="Cancelled: the task changed before the reminder was sent."
    )


def cancel_report_reminders(report: AgencyReport) -> int:
    """A submitted or accepted report ends its agency's report reminders."""
    if report.status not in SUBMITTED:
        return 0
    pending = Reminder.objects.filter(item_key=report_key(report.cycle_id, report.agency_id), state__in=LIVE)
    return pending.update(state=ReminderState.CANCELLED, last_error="Cancelled: the report was submitted.")


def is_stale_task_row(row: Reminder, task: Task, as_of: dt.date) -> bool:
    """The check made just before sending, on the same terms as the selection.

    Finished means finished by ``as_of`` (TaskQuerySet.open), as when the sweep
    chose the task: in daily use as_of is today, so this is stale_task_filter();
    for a past as_of a task finished later was still open that day. Checking on
    other terms than the selection would cancel, then re-claim, on every run.
    """
    if task.closed_at is not None or (task.completed_on is not None and task.completed_on <= as_of):
        return True
    return row.deadline != task.deadline or row.agency_id != task.lead_agency_id


# --- Taking over claims whose digests were lost ---------------------------------------------


class Takeover(NamedTuple):
    """Stale claims of one cycle, moved to a new run: the digests to enqueue for it."""

    cycle_id: int
    token: uuid.UUID
    as_of: dt.date
    recipient_ids: list[int]


def stale_claim_window() -> dt.timedelta:
    """How long a claim may stay unsent before its digest counts as lost (the broker went down
    between the sweep and the worker). Far longer than a digest takes to go out (seconds)."""
    return dt.timedelta(seconds=settings.REMINDER_STALE_CLAIM_SECONDS)


def take_over_stale_claims(older_than: dt.timedelta | None = None) -> list[Takeover]:
    """Move claims still unsent after ``older_than`` to a new run, one per cycle, by a conditional update.

    Exactly once holds as in the sweep's own take-over: a digest still queued under the old token
    finds no row and sends nothing; a digest sending right now holds its rows locked, so this
    update waits for it and then no longer matches them (they are sent). Elapsed time is read
    from the real clock, like ``claimed_at`` itself, never the demo's pinned date.
    """
    cutoff = timezone.now() - (older_than if older_than is not None else stale_claim_window())
    stale = Reminder.objects.filter(state=ReminderState.CLAIMED, claimed_at__lt=cutoff)
    takeovers = []
    for cycle in Cycle.objects.filter(pk__in=stale.values("cycle_id")).order_by("year"):
        token = uuid.uuid4()
        with transaction.atomic():
            stale.filter(cycle=cycle).update(run_token=token, claimed_at=timezone.now())
            recipients = Reminder.objects.filter(run_token=token).values_list("recipient_id", flat=True)
            recipient_ids = sorted(set(recipients))
        if recipient_ids:
            takeovers.append(Takeover(cycle.pk, token, cycle.today(), recipient_ids))
    return takeovers
