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
import logging
import smtplib
import uuid
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import partial
from typing import NamedTuple

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import connection, transaction
from django.db.models import Count, Exists, F, OuterRef, Q
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from agencies.models import Agency, Membership, MembershipRole, ProvinceRole
from parindex.models import Criterion, Cycle, Level, Score

from .models import AgencyReport, Notification, Reminder, ReminderKind, ReminderState, ReportStatus, Task
from .status import TaskStatus, task_status

logger = logging.getLogger(__name__)
User = get_user_model()

# Paths the digest links to (absolute with settings.SITE_URL). The task page
# and the reports and scores pages belong to other areas of the application.
TASK_PATH = "/tasks/{id}/"
REPORTS_PATH = "/reports/"
SCORES_PATH = "/scores/"
NOTIFICATIONS_PATH = "/notifications/"

CHUNK = 5000  # tasks read per query: the sweep's queries grow with chunks, not tasks
STALE_CLAIM = dt.timedelta(hours=1)  # a claim still unsent after this lost its worker
DIGEST_MAX_ITEMS = 200  # an e-mail lists at most this many; the in-app list holds all
LIVE = (ReminderState.CLAIMED, ReminderState.FAILED)
# What a digest reads of each row: an SNV reviewer's escalation digest can hold tens of thousands.
DIGEST_FIELDS = [
    *(f.attname for f in Reminder._meta.concrete_fields),
    *(f"task__{name}" for name in ("title", "deadline", "completed_on", "closed_at", "progress", "lead_agency_id")),
    "agency__name",
    "agency__short_name",
    "cycle",
]
SUBMITTED = (ReportStatus.SUBMITTED, ReportStatus.ACCEPTED)


# --- The schedule: pure functions -------------------------------------------------------


@dataclass(frozen=True)
class Steps:
    """The latest due step for the regular recipients and for the escalation, if any."""

    regular: dt.date | None
    escalation: dt.date | None
    overdue: bool


def steps_for(deadline: dt.date, as_of: dt.date, cycle: Cycle) -> Steps:
    """Where ``as_of`` falls in a deadline's schedule (calendar days, weekends included).

    Before or on the deadline: the step of the smallest offset d with
    ``deadline - d <= as_of``. After it: overdue steps every
    ``overdue_step_days`` from the day after the deadline, and escalation
    steps from ``escalation_days`` late on the same rhythm.
    """
    if as_of <= deadline:
        due = [d for d in cycle.offsets if deadline - dt.timedelta(days=d) <= as_of]
        regular = deadline - dt.timedelta(days=min(due)) if due else None
        return Steps(regular, None, overdue=False)
    late = (as_of - deadline).days
    step = cycle.overdue_step_days
    regular = deadline + dt.timedelta(days=1 + ((late - 1) // step * step if step else 0))
    start = max(cycle.escalation_days, 1)
    escalation = None
    if late >= start:
        escalation = deadline + dt.timedelta(days=start + ((late - start) // step * step if step else 0))
    return Steps(regular, escalation, overdue=True)


def is_escalated(deadline: dt.date, step: dt.date, cycle: Cycle) -> bool:
    return (step - deadline).days >= max(cycle.escalation_days, 1)


# --- Who receives what ------------------------------------------------------------------


@dataclass
class Directory:
    """Recipients by agency, read once per sweep (one query), not once per task."""

    staff: dict[int, list[int]] = field(default_factory=dict)
    leaders: dict[int, list[int]] = field(default_factory=dict)
    snv: list[int] = field(default_factory=list)

    @classmethod
    def load(cls) -> Directory:
        directory = cls()
        rows = Membership.objects.filter(user__is_active=True, agency__is_active=True).order_by("user_id")
        for agency_id, user_id, role in rows.values_list("agency_id", "user_id", "role"):
            target = directory.leaders if role == MembershipRole.LEADER else directory.staff
            target.setdefault(agency_id, []).append(user_id)
        snv = User.objects.filter(is_active=True, province_role=ProvinceRole.SNV).order_by("pk")
        directory.snv = list(snv.values_list("pk", flat=True))
        return directory

    def regular(self, agency_id: int) -> list[int]:
        """An agency's staff; its leaders when it has no staff, so nobody is left unreminded."""
        return self.staff.get(agency_id) or self.leaders.get(agency_id, [])

    def members(self, agency_id: int) -> list[int]:
        return self.staff.get(agency_id, []) + self.leaders.get(agency_id, [])

    def escalation(self, agency_id: int) -> list[int]:
        return self.leaders.get(agency_id, []) + self.snv


KINDS = {
    "task": (ReminderKind.TASK_DUE, ReminderKind.TASK_OVERDUE),
    "report": (ReminderKind.REPORT_DUE, ReminderKind.REPORT_OVERDUE),
    "compilation": (ReminderKind.COMPILATION_DUE, ReminderKind.COMPILATION_DUE),
}


def task_key(task_id: int) -> str:
    return f"task:{task_id}"


def report_key(cycle_id: int, agency_id: int) -> str:
    return f"report:{cycle_id}:{agency_id}"


def compilation_key(cycle_id: int, area_id: int) -> str:
    return f"compilation:{cycle_id}:{area_id}"


def areas_needing_compilation(cycle: Cycle, as_of: dt.date) -> dict[int, int]:
    """Area id → sub-criteria below max that still have an open task or no task at all (one query)."""
    tasks = Task.objects.filter(cycle=cycle, sub_criteria=OuterRef("criterion"))
    rows = (
        Score.objects.filter(cycle=cycle, criterion__level=Level.SUB, criterion__parent__parent__isnull=False)
        .below_max()
        .filter(Q(Exists(tasks.open(as_of))) | ~Q(Exists(tasks)))
        .values_list("criterion__parent__parent_id")
        .annotate(n=Count("id"))
    )
    return dict(rows)


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
            sql, [cycle_id, ReminderState.CLAIMED, timezone.now(), token, *map(list, zip(*claims, strict=True))]
        )


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


class Sweep:
    """One run: builds the claims for every due item, chunk by chunk."""

    def __init__(self, cycle: Cycle, as_of: dt.date, dry_run: bool) -> None:
        self.cycle, self.as_of, self.dry_run = cycle, as_of, dry_run
        self.token = uuid.uuid4()
        self.directory = Directory.load()
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
        agencies = Agency.objects.addressees().filter(~Exists(done)).order_by("pk").values_list("pk", flat=True)
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

    def batches(self) -> Iterator[list[Claim]]:
        yield from self.task_batches()
        yield self.report_claims()
        yield self.compilation_claims()

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
        now = timezone.now()
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


def send_due_reminders(as_of: dt.date | None = None, cycle: Cycle | None = None, dry_run: bool = False) -> SweepResult:
    """The one service behind beat, the Celery task and ``send_reminders``.

    Claims everything due in one transaction, then enqueues one digest task per
    recipient after the commit (ids, not objects), so a worker never looks for
    a claim that is not visible yet.
    """
    as_of = as_of or timezone.localdate()
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
        for recipient_id in sorted(per_recipient):
            # robust: one recipient's unexpected error must not stop the others' digests.
            transaction.on_commit(
                partial(enqueue_digest, recipient_id, str(sweep.token), as_of.isoformat()), robust=True
            )
    result.reminders, result.recipients = sum(per_recipient.values()), len(per_recipient)
    return result


def enqueue_digest(recipient_id: int, token: str, as_of: str) -> None:
    from .tasks import send_reminder_digest

    send_reminder_digest.delay(recipient_id, token, as_of)


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


# --- The digest -----------------------------------------------------------------------------


@dataclass
class DigestItem:
    kind: str
    kind_label: str
    title: str
    status_label: str
    deadline: dt.date
    days: int  # > 0 left, 0 today, < 0 late
    days_text: str
    path: str
    url: str
    role: str
    overdue: bool
    notify: bool  # not yet in the recipient's in-app list


@dataclass
class DigestOutcome:
    state: str  # "sent", "failed", "nothing"
    items: int = 0
    error: str = ""


def days_text(days: int) -> str:
    if days > 0:
        return ngettext("%(n)s day left", "%(n)s days left", days) % {"n": days}
    if days == 0:
        return _("Due today")
    return ngettext("%(n)s day late", "%(n)s days late", -days) % {"n": -days}


class DigestBuilder:
    """Turns one recipient's claimed rows into items, with a fixed number of queries."""

    def __init__(self, user, rows: list[Reminder], as_of: dt.date) -> None:
        self.user, self.rows, self.as_of = user, rows, as_of
        memberships = list(user.memberships.values_list("agency_id", "role"))
        self.my_agencies = {agency_id for agency_id, _role in memberships}
        self.leads = {agency_id for agency_id, role in memberships if role == MembershipRole.LEADER}
        cycle_ids = {r.cycle_id for r in rows}
        report_agencies = [r.agency_id for r in rows if r.item_key.startswith("report:")]
        self.reports = {
            (rep.cycle_id, rep.agency_id): rep
            for rep in AgencyReport.objects.filter(cycle_id__in=cycle_ids, agency_id__in=report_agencies)
        }
        area_ids = [int(r.item_key.rsplit(":", 1)[1]) for r in rows if r.item_key.startswith("compilation:")]
        self.areas = Criterion.objects.in_bulk(area_ids)
        self.open_areas = {c: areas_needing_compilation(c, as_of) for c in {r.cycle for r in rows}} if area_ids else {}

    def is_stale(self, row: Reminder) -> bool:
        if row.task_id:
            return is_stale_task_row(row, row.task, self.as_of)
        if row.item_key.startswith("report:"):
            report = self.reports.get((row.cycle_id, row.agency_id))
            return row.deadline != row.cycle.report_deadline or bool(report and report.status in SUBMITTED)
        area_id = int(row.item_key.rsplit(":", 1)[1])
        return row.deadline != row.cycle.compilation_deadline or not self.open_areas[row.cycle].get(area_id)

    def item(self, row: Reminder, notify: bool) -> DigestItem:
        days = (row.deadline - self.as_of).days
        title, status, path = self.describe(row)
        return DigestItem(
            kind=row.kind,
            kind_label=str(ReminderKind(row.kind).label),
            title=title,
            status_label=status,
            deadline=row.deadline,
            days=days,
            days_text=days_text(days),
            path=path,
            url=settings.SITE_URL.rstrip("/") + path,
            role=self.role(row),
            overdue=days < 0,
            notify=notify,
        )

    def describe(self, row: Reminder) -> tuple[str, str, str]:
        """Title, status label and link path of the row's item."""
        timing = TaskStatus.OVERDUE.label if row.deadline < self.as_of else TaskStatus.DUE_SOON.label
        if row.task_id:
            task = row.task
            status = task_status(task.deadline, task.completed_on, self.as_of, task.progress).label
            return task.title, str(status), TASK_PATH.format(id=task.pk)
        if row.item_key.startswith("report:"):
            report = self.reports.get((row.cycle_id, row.agency_id))
            state = report.get_status_display() if report else _("Not started")
            title = _("Report of %(agency)s to the Chairman (%(cycle)s)") % {"agency": row.agency, "cycle": row.cycle}
            return title, f"{timing} · {state}", REPORTS_PATH
        area = self.areas[int(row.item_key.rsplit(":", 1)[1])]
        n = self.open_areas[row.cycle].get(area.pk, 0)
        title = ngettext(
            "Compile the scores of area %(area)s: %(n)s sub-criterion below maximum still open",
            "Compile the scores of area %(area)s: %(n)s sub-criteria below maximum still open",
            n,
        ) % {"area": f"{area.code}. {area.name}", "n": n}
        return title, str(timing), SCORES_PATH

    def role(self, row: Reminder) -> str:
        """Why this person gets the item: their own agency, a coordinating one, or an escalation."""
        mine = row.agency_id in self.my_agencies
        if row.kind == ReminderKind.COMPILATION_DUE:
            return _("Focal agency of the area") if mine else _("SNV compilation")
        if row.escalated and (row.agency_id in self.leads or (not mine and self.user.is_snv)):
            return _("Escalated: %(agency)s") % {"agency": row.agency}
        if mine:
            return _("Lead agency") if row.task_id else _("Your agency")
        return _("Coordinating agency")


def group_items(builder: DigestBuilder, rows: list[Reminder]) -> list[DigestItem]:
    """One item per thing to do: an older failed step and a newer one of the same item show once."""
    latest: dict[str, Reminder] = {}
    fresh: set[str] = set()
    for row in rows:
        if row.item_key not in latest or row.due_date > latest[row.item_key].due_date:
            latest[row.item_key] = row
        if row.attempts == 0:
            fresh.add(row.item_key)
    items = [builder.item(row, row.item_key in fresh) for row in latest.values()]
    return sorted(items, key=lambda i: (i.days, i.title))


def render_digest(user, items: list[DigestItem], as_of: dt.date) -> EmailMultiAlternatives:
    """The digest in Vietnamese, whatever language the caller runs in: plain text and HTML."""
    with translation.override("vi"):
        context = {
            "user": user,
            "as_of": as_of,
            "items": items[:DIGEST_MAX_ITEMS],
            "more": max(len(items) - DIGEST_MAX_ITEMS, 0),
            "overdue": sum(1 for i in items if i.overdue),
            "total": len(items),
            "site_url": settings.SITE_URL.rstrip("/"),
            "notifications_url": settings.SITE_URL.rstrip("/") + NOTIFICATIONS_PATH,
        }
        subject = " ".join(render_to_string("emails/reminder_digest_subject.txt", context).split())
        text = render_to_string("emails/reminder_digest.txt", context)
        html = render_to_string("emails/reminder_digest.html", context)
    message = EmailMultiAlternatives(subject, text, settings.DEFAULT_FROM_EMAIL, [user.email])
    message.attach_alternative(html, "text/html")
    return message


def notify(user, items: list[DigestItem]) -> None:
    """The in-app copies, once per item: retries of a failed mail add nothing."""
    with translation.override("vi"):
        Notification.objects.bulk_create(
            Notification(
                recipient=user,
                kind=i.kind,
                title=i.title[:300],
                body=f"{i.status_label} · {i.deadline:%d/%m/%Y} · {i.days_text}",
                url=i.path,
            )
            for i in items
            if i.notify
        )


def deliver(message: EmailMultiAlternatives) -> str:
    """Send; return the error text, empty on success. Only mail-transport errors are caught."""
    timeout = getattr(settings, "EMAIL_TIMEOUT", None) or 30
    try:
        message.connection = get_connection(timeout=timeout)
        message.send()
    except (smtplib.SMTPException, OSError) as exc:
        return f"{exc.__class__.__name__}: {exc}"[:2000]
    return ""


def send_digest(recipient_id: int, token: str, as_of: dt.date) -> DigestOutcome:
    """Send one recipient's digest for the claims of one run, and record the result.

    The rows stay locked (FOR UPDATE SKIP LOCKED) from the check to the record,
    so a duplicate delivery of this task, or a cancellation, cannot interleave.
    """
    user = User.objects.filter(pk=recipient_id).first()
    if user is None:  # deleted since the sweep: its reminders went with it (CASCADE)
        return DigestOutcome("nothing")
    with transaction.atomic():
        rows = list(
            Reminder.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(run_token=token, recipient_id=recipient_id, state__in=LIVE)
            .select_related("task", "agency", "cycle")
            .only(*DIGEST_FIELDS)
            .order_by("pk")
        )
        if not rows:
            return DigestOutcome("nothing")
        builder = DigestBuilder(user, rows, as_of)
        stale = {r.pk for r in rows if builder.is_stale(r)}
        Reminder.objects.filter(pk__in=stale).update(
            state=ReminderState.CANCELLED, last_error="Cancelled: no longer due when the digest was sent."
        )
        live = [r for r in rows if r.pk not in stale]
        if not live:
            return DigestOutcome("nothing")
        with translation.override("vi"):
            items = group_items(builder, live)
        notify(user, items)
        error = deliver(render_digest(user, items, as_of)) if user.email else ""
        record(token, recipient_id, stale, error, has_email=bool(user.email))
    return DigestOutcome("failed" if error else "sent", len(items), error)


def record(token: str, recipient_id: int, stale: set[int], error: str, has_email: bool) -> None:
    """Record the outcome on the rows this digest holds locked (by token, not a long list of ids)."""
    pending = Reminder.objects.filter(run_token=token, recipient_id=recipient_id, state__in=LIVE)
    if stale:
        pending = pending.exclude(pk__in=stale)
    if error:
        pending.update(state=ReminderState.FAILED, attempts=F("attempts") + 1, last_error=error)
        return
    note = "" if has_email else "No e-mail address: in-app notification only."
    pending.update(state=ReminderState.SENT, sent_at=timezone.now(), attempts=F("attempts") + 1, last_error=note)


def describe(reminders: Iterable[Reminder]) -> Iterator[str]:
    """One line per reminder for operators: recipient, kind, item (bulk look-ups, chunked)."""
    rows = list(reminders)
    users = User.objects.in_bulk({r.recipient_id for r in rows})
    tasks = Task.objects.only("title").in_bulk({r.task_id for r in rows if r.task_id})
    agencies = Agency.objects.in_bulk({r.agency_id for r in rows if r.agency_id})
    for r in sorted(rows, key=lambda r: (users[r.recipient_id].username, r.kind, r.item_key)):
        user = users[r.recipient_id]
        label = tasks[r.task_id].title if r.task_id else (str(agencies[r.agency_id]) if r.agency_id else "")
        escalated = " escalated" if r.escalated else ""
        yield (
            f"{user.username} <{user.email or '-'}>  {r.kind}{escalated}  {r.item_key} "
            f"[{r.deadline:%d/%m/%Y}, step {r.due_date:%d/%m/%Y}] {label}"
        )
