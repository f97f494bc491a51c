"""Deadline reminders: select what is due with a window, claim it in the database, send one digest.

The sweep runs daily (Celery beat, or cron through ``send_reminders``). It never
sends directly: it first claims every due step under the unique constraint
``reminder_once_per_step`` (recipient, kind, item, step date), so a second run
the same day, or two sweeps racing, claim nothing new. Then one Celery task per
recipient sends one digest for the claims its run owns (``run_token``), and
records the result. A failed send stays ``failed`` and is retried with backoff,
and the next sweep takes it over: nothing is lost, nothing goes twice.

Selection uses windows, not exact dates: for an offset d the step is due once
``deadline - d <= as_of``; only the latest due step is claimed, so a missed
week is caught up with one reminder, not three.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Count, Exists, OuterRef

from agencies import clock
from agencies.models import Agency
from parindex.models import Criterion, Cycle

from ..models import AgencyReport, Reminder, ReminderState, Task
from ..reports import SUBMITTED
from .claims import Claim, insert_claims
from .recipients import (
    KINDS,
    Directory,
    areas_needing_compilation,
    compilation_key,
    report_key,
    round_key,
    rounds_needing_reminder,
    task_key,
)
from .schedule import is_escalated, steps_for

CHUNK = 5000  # tasks read per query: the sweep's queries grow with chunks, not tasks
STALE_CLAIM = dt.timedelta(hours=1)  # a claim still unsent after this lost its worker


# --- The sweep ----------------------------------------------------------------------------


@dataclass
class SweepResult:
    cycle: Cycle | None
    as_of: dt.date
    token: uuid.UUID
    dry_run: bool
    reminders: int = 0
    recipients: int = 0
    planned: list[Reminder] = field(default_factory=list)
    recipient_ids: list[int] = field(default_factory=list)


class Sweep:
    """One run: builds the claims for every due item, chunk by chunk."""

    def __init__(self, cycle: Cycle, as_of: dt.date, dry_run: bool) -> None:
        self.cycle, self.as_of, self.dry_run = cycle, as_of, dry_run
        self.token = uuid.uuid4()
        self.directory = Directory.load(as_of)
        self.planned: list[Reminder] = []

    def claims(
        self, family: str, item_key: str, deadline: dt.date, regular: Iterable[int], escalation: Iterable[int], **fk
    ) -> list[Claim]:
        """The claims of one item: the latest due step for each recipient, none if nothing is due."""
        steps = steps_for(deadline, self.as_of, self.cycle)
        kind = KINDS[family][1 if steps.overdue else 0]
        rows: dict[tuple, Claim] = {}
        for step, recipients in ((steps.regular, regular), (steps.escalation, escalation)):
            if step is None:
                continue
            escalated = steps.overdue and is_escalated(deadline, step, self.cycle)
            for user_id in recipients:
                rows.setdefault(
                    (user_id, step),
                    Claim(user_id, kind, item_key, step, deadline, escalated, fk.get("task_id"), fk.get("agency_id")),
                )
        return list(rows.values())

    def task_batches(self) -> Iterator[list[Claim]]:
        """Open tasks whose window has opened, by primary-key chunks: two queries per chunk."""
        horizon = self.as_of + dt.timedelta(days=max(self.cycle.offsets, default=0))
        tasks = Task.objects.filter(cycle=self.cycle, deadline__lte=horizon).open(self.as_of).order_by("pk")
        tasks = tasks.values_list("pk", "deadline", "lead_agency_id")
        through = Task.coordinating_agencies.through.objects
        last = 0
        while chunk := list(tasks.filter(pk__gt=last)[:CHUNK]):
            last = chunk[-1][0]
            coordinating = defaultdict(list)
            for task_id, agency_id in through.filter(task_id__in=[c[0] for c in chunk]).values_list(
                "task_id", "agency_id"
            ):
                coordinating[task_id].append(agency_id)
            yield [claim for row in chunk for claim in self.task_claims(*row, coordinating[row[0]])]

    def task_claims(self, task_id: int, deadline: dt.date, lead_id: int, coordinating: list[int]) -> list[Claim]:
        """Lead agency's staff, coordinating agencies' staff; the lead's leaders and SNV on escalation."""
        regular = list(self.directory.regular(lead_id))
        for agency_id in coordinating:
            regular += self.directory.staff.get(agency_id, [])
        escalation = self.directory.escalation(lead_id)
        return self.claims("task", task_key(task_id), deadline, regular, escalation, task_id=task_id, agency_id=lead_id)

    def report_claims(self) -> list[Claim]:
        """Addressees (central, provincial, district; never communes) without a submitted report."""
        done = AgencyReport.objects.filter(cycle=self.cycle, agency=OuterRef("pk"), status__in=SUBMITTED)
        agencies = (
            Agency.objects.addressees(self.cycle.reporting_kinds, self.as_of)
            .filter(~Exists(done))
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        deadline = self.cycle.report_deadline
        return [
            claim
            for agency_id in agencies
            for claim in self.claims(
                "report",
                report_key(self.cycle.pk, agency_id),
                deadline,
                self.directory.members(agency_id),  # the letter orders the head of agency to report
                self.directory.escalation(agency_id),
                agency_id=agency_id,
            )
        ]

    def compilation_claims(self) -> list[Claim]:
        """SNV and each focal agency, per area still open, until the self-assessment goes out."""
        deadline, sent_on = self.cycle.compilation_deadline, self.cycle.self_assessment_date
        if deadline is None or (sent_on and self.as_of > sent_on):
            return []
        open_areas = areas_needing_compilation(self.cycle, self.as_of)
        areas = Criterion.objects.filter(pk__in=open_areas).order_by("order").values_list("pk", "focal_agency_id")
        claims = []
        for area_id, focal_id in areas:
            recipients = self.directory.snv + (self.directory.members(focal_id) if focal_id else [])
            key = compilation_key(self.cycle.pk, area_id)
            claims += self.claims("compilation", key, deadline, recipients, (), agency_id=focal_id)
        return claims

    def round_claims(self) -> list[Claim]:
        """The scoring rounds' deadlines: each focal agency with its area still to do, and SNV."""
        claims = []
        for due in rounds_needing_reminder(self.cycle, self.as_of):
            recipients = self.directory.snv + (self.directory.members(due.agency_id) if due.agency_id else [])
            key = round_key(due.round.pk, due.agency_id)
            claims += self.claims("round", key, due.round.deadline, recipients, (), agency_id=due.agency_id)
        return claims

    def batches(self) -> Iterator[list[Claim]]:
        yield from self.task_batches()
        yield self.report_claims()
        yield self.compilation_claims()
        yield self.round_claims()

    def claim(self, batch: list[Claim]) -> None:
        """Insert under the unique constraint; rows already claimed (or sent) are skipped by the database."""
        if self.dry_run:
            self.planned += [c.reminder(self.cycle) for c in self.not_yet_claimed(batch)]
        elif batch:
            insert_claims(batch, self.cycle.pk, self.token)

    def not_yet_claimed(self, batch: list[Claim]) -> list[Claim]:
        keys = {c.item_key for c in batch}
        existing = set(
            Reminder.objects.filter(item_key__in=keys)
            .exclude(state=ReminderState.CANCELLED)
            .values_list("recipient_id", "kind", "item_key", "due_date")
        )
        return [c for c in batch if (c.recipient_id, c.kind, c.item_key, c.due_date) not in existing]

    def take_over_unsent(self) -> None:
        """Failed claims, and claims whose worker vanished, join this run (conditional updates).

        A retry still waiting in Celery then finds no row with its old token and
        sends nothing, so a mail never goes out twice.
        """
        now = clock.now()
        mine = {"run_token": self.token, "claimed_at": now}
        Reminder.objects.filter(cycle=self.cycle, state=ReminderState.FAILED).update(
            state=ReminderState.CLAIMED, **mine
        )
        Reminder.objects.filter(
            cycle=self.cycle, state=ReminderState.CLAIMED, claimed_at__lt=now - STALE_CLAIM
        ).exclude(run_token=self.token).update(**mine)


def resolve_cycle(year: int | None = None) -> Cycle | None:
    if year is not None:
        return Cycle.objects.filter(year=year).first()
    return Cycle.current()


def claim_due_reminders(as_of: dt.date | None = None, cycle: Cycle | None = None, dry_run: bool = False) -> SweepResult:
    """Claim everything due in one transaction; the result names the recipients to send to.

    It sends nothing itself: ``remediation.tasks.send_due_reminders`` enqueues one
    digest per recipient after the commit (ids, not objects), so a worker never
    looks for a claim that is not visible yet.
    """
    as_of = as_of or clock.today()
    cycle = cycle or resolve_cycle()
    result = SweepResult(cycle, as_of, uuid.uuid4(), dry_run)
    if cycle is None:
        return result
    sweep = Sweep(cycle, as_of, dry_run)
    result.token = sweep.token
    with transaction.atomic():
        for batch in sweep.batches():
            sweep.claim(batch)
        if dry_run:
            sweep.planned += Reminder.objects.filter(cycle=cycle, state=ReminderState.FAILED)
            result.planned = sweep.planned
            result.reminders, result.recipients = len(sweep.planned), len({r.recipient_id for r in sweep.planned})
            return result
        sweep.take_over_unsent()
        per_recipient = dict(
            Reminder.objects.filter(run_token=sweep.token).values_list("recipient_id").annotate(n=Count("id"))
        )
    result.recipient_ids = sorted(per_recipient)
    result.reminders, result.recipients = sum(per_recipient.values()), len(per_recipient)
    return result
