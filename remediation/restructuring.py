"""Restructuring: merge, split and transfer of a function, with a preview and one transaction.

SNV first builds a ``Plan`` (which agencies retire, which continue their work,
from which day) and reads its ``preview()``: which open tasks, coordinating
links, memberships, open reports and reminders move where. ``apply()`` then
does exactly that in one transaction, effective on the plan's date:

- each open task's lead assignment ends the day before and the successor's
  starts that day (remediation.periods: rows are never overwritten, so every
  figure as of an earlier day is unchanged); the task's history records the
  move with its reason;
- closed and finished tasks, and every report (submitted or in progress),
  stay with the agency that did the work; a task carried into a later cycle
  moves there only (the latest cycle that holds it, never twice);
- unsent reminders of the retired agency and of the moved tasks are
  cancelled, so the next sweep claims them for the new recipients;
- memberships are not moved silently: the preview proposes one successor per
  user and ``apply()`` creates only the memberships SNV confirmed;
- the retired agency's users get a notification saying where their work went;
- its reports still open (draft or returned) stay with it, as the work of
  that agency, and are closed from the effective date with a record of where
  the work went (``AgencyReport.closed_on``/``closed_note``): a merge of two
  agencies with reports in progress keeps both, and the successor starts its
  own. Their status is not touched, so every earlier as-of figure is unchanged.

A plan dated after today is not applied at once: ``apply()`` records it
(``ScheduledRestructuring``) and the daily beat task ``apply_due`` applies it
on its day. A beat task rather than a rule on read: every as-of reader
already reads dated rows (periods, assignments), so what waits for the day are
writes that must happen once (the moves' history, the notifications, the
cancelled reminders, the closed reports); the claim (pending → applied, in the
same transaction as the apply) makes a second run apply nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils.translation import gettext as _

from agencies import clock
from agencies import services as agency_services
from agencies.models import Agency, AgencyLink, LinkKind, Membership, User

from .assignment import carried_copy, carried_to
from .models import (
    AgencyReport,
    AssignmentRole,
    Notification,
    Reminder,
    ReminderState,
    ReportStatus,
    RestructuringState,
    ScheduledRestructuring,
    Task,
    TaskAssignment,
)
from .notices import NoticeKind

LIVE_REMINDERS = (ReminderState.CLAIMED, ReminderState.FAILED)


class RestructuringError(Exception):
    """A plan that cannot be applied; the message is shown to SNV."""


@dataclass
class Plan:
    """What SNV asks for. ``choices`` maps an open task id to its successors (first = lead)."""

    kind: str
    sources: list[Agency]
    successors: list[Agency]
    effective_on: dt.date
    choices: dict[int, list[int]] = field(default_factory=dict)
    task_ids: list[int] | None = None  # a transfer moves only these (all open led tasks when None)
    note: str = ""

    @property
    def retires_sources(self) -> bool:
        return self.kind in (LinkKind.MERGE, LinkKind.SPLIT)


@dataclass
class TaskMove:
    task: Task
    source: Agency
    successors: list[Agency]  # for a lead move: the first leads, the others coordinate


@dataclass
class Preview:
    plan: Plan
    lead_moves: list[TaskMove]
    coordinating_moves: list[TaskMove]
    memberships: list[tuple[Membership, Agency]]
    open_reports: list[AgencyReport]
    reminders: int
    staying_tasks: int
    scheduled: bool = False  # dated after today: confirming records it, and it is applied on its day

    @property
    def successor_by_id(self) -> dict[int, Agency]:
        return {a.pk: a for a in self.plan.successors}


def validate(plan: Plan) -> None:
    """Refuse a plan that cannot be right, with a message SNV can act on."""
    if not plan.sources or not plan.successors:
        raise RestructuringError(_("Choose the agencies that change and their successors."))
    if {a.pk for a in plan.sources} & {a.pk for a in plan.successors}:
        raise RestructuringError(_("An agency cannot be its own successor."))
    if plan.kind == LinkKind.SPLIT and (len(plan.sources) != 1 or len(plan.successors) < 2):
        raise RestructuringError(_("A split divides one agency among two or more successors."))
    if plan.kind in (LinkKind.MERGE, LinkKind.TRANSFER) and len(plan.successors) != 1:
        raise RestructuringError(_("A merge or a transfer has exactly one successor."))
    day = plan.effective_on
    for agency in plan.sources:
        if not agency.exists_on(day - dt.timedelta(days=1)):
            raise RestructuringError(_("%(agency)s does not exist before that date.") % {"agency": agency.name})
    for agency in plan.successors:
        if not agency.exists_on(day):
            raise RestructuringError(_("%(agency)s does not exist on that date.") % {"agency": agency.name})


def _open_tasks():
    """Tasks still open now and not carried into a later cycle: a task moves once, in its latest cycle."""
    carried = Task.objects.filter(carried_from=OuterRef("pk"))
    return Task.objects.filter(closed_at__isnull=True, completed_on__isnull=True).filter(~Exists(carried))


def preview(plan: Plan) -> Preview:
    """What apply() would do, computed from the same queries; nothing is written."""
    validate(plan)
    source_ids = [a.pk for a in plan.sources]
    by_id = {a.pk: a for a in [*plan.sources, *plan.successors]}
    led = _open_tasks().filter(lead_agency_id__in=source_ids).select_related("cycle").order_by("cycle__year", "number")
    if plan.task_ids is not None:
        led = led.filter(pk__in=plan.task_ids)
    lead_moves = [TaskMove(t, by_id[t.lead_agency_id], _successors_of(plan, t, by_id)) for t in led]
    moving_ids = {m.task.pk for m in lead_moves}
    coordinating_moves = []
    if plan.retires_sources:
        coordinated = _open_tasks().filter(coordinating_agencies__in=source_ids).exclude(pk__in=moving_ids)
        for task in coordinated.distinct().select_related("cycle").prefetch_related("coordinating_agencies"):
            for agency in task.coordinating_agencies.all():
                if agency.pk in by_id and agency.pk in source_ids:
                    coordinating_moves.append(TaskMove(task, agency, [plan.successors[0]]))
    return Preview(
        plan=plan,
        lead_moves=lead_moves,
        coordinating_moves=coordinating_moves,
        memberships=_proposed_memberships(plan),
        open_reports=_open_reports(source_ids),
        reminders=_live_reminders(plan, moving_ids | {m.task.pk for m in coordinating_moves}).count(),
        staying_tasks=Task.objects.filter(lead_agency_id__in=source_ids).exclude(pk__in=moving_ids).count(),
        scheduled=waits_for_its_date(plan),
    )


def waits_for_its_date(plan: Plan) -> bool:
    """A plan dated after today is recorded, not applied: ``apply_due`` applies it on its day."""
    return plan.effective_on > clock.today()


def _successors_of(plan: Plan, task: Task, by_id: dict[int, Agency]) -> list[Agency]:
    """SNV's choice for the task, else the default: the first successor (the merged agency, or the split's main one)."""
    chosen = [by_id[pk] for pk in plan.choices.get(task.pk, []) if pk in by_id and by_id[pk] in plan.successors]
    return chosen or [plan.successors[0]]


def _proposed_memberships(plan: Plan) -> list[tuple[Membership, Agency]]:
    if not plan.retires_sources:
        return []
    rows = (
        Membership.objects.filter(agency__in=plan.sources).select_related("user", "agency").order_by("user__username")
    )
    return [(m, plan.successors[0]) for m in rows]


def _open_reports(source_ids: list[int]) -> list[AgencyReport]:
    """Reports still in progress: they stay with their agency (a merge keeps both) and are closed with a record."""
    open_states = [ReportStatus.DRAFT, ReportStatus.RETURNED]
    return list(
        AgencyReport.objects.filter(agency_id__in=source_ids, status__in=open_states, closed_on__isnull=True)
        .select_related("agency", "cycle")
        .order_by("pk")
    )


def _live_reminders(plan: Plan, task_ids: set[int]):
    source_ids = [a.pk for a in plan.sources]
    retired = Q(agency_id__in=source_ids) if plan.retires_sources else Q(pk__in=[])
    return Reminder.objects.filter(state__in=LIVE_REMINDERS).filter(retired | Q(task_id__in=task_ids))


@dataclass
class Applied:
    tasks_moved: int
    coordinating_moved: int
    memberships_created: int
    reminders_cancelled: int
    notified: int
    reports_closed: int = 0
    scheduled: ScheduledRestructuring | None = None  # set when the plan waits for its date


@transaction.atomic
def apply(
    plan: Plan,
    *,
    user: User | None,
    memberships: dict[int, int | None] | None = None,
    when_due: bool = True,
) -> Applied:
    """Apply the plan in one transaction; ``memberships`` maps user id to the confirmed successor id (or None).

    With ``when_due`` (the pages), a plan dated after today is recorded and
    applied on its day by ``apply_due``; the demo, entering past changes after
    the fact, passes ``when_due=False``.
    """
    if when_due and waits_for_its_date(plan):
        validate(plan)
        return Applied(0, 0, 0, 0, 0, scheduled=_schedule(plan, user, memberships or {}))
    return _apply_now(plan, user=user, memberships=memberships)


def _schedule(plan: Plan, user: User | None, memberships: dict[int, int | None]) -> ScheduledRestructuring:
    return ScheduledRestructuring.objects.create(
        kind=plan.kind,
        source_ids=[a.pk for a in plan.sources],
        successor_ids=[a.pk for a in plan.successors],
        effective_on=plan.effective_on,
        choices={str(k): v for k, v in plan.choices.items()},
        task_ids=plan.task_ids,
        memberships={str(k): v for k, v in memberships.items() if v is not None},
        note=plan.note,
        created_by=user,
    )


def _plan_of(row: ScheduledRestructuring) -> Plan:
    agencies = Agency.objects.in_bulk([*row.source_ids, *row.successor_ids])
    return Plan(
        kind=row.kind,
        sources=[agencies[pk] for pk in row.source_ids],
        successors=[agencies[pk] for pk in row.successor_ids],
        effective_on=row.effective_on,
        choices={int(k): v for k, v in row.choices.items()},
        task_ids=row.task_ids,
        note=row.note,
    )


def apply_due(today: dt.date | None = None) -> int:
    """Apply every scheduled plan whose date has come, each once; returns how many were applied.

    Each row is claimed by a conditional update inside the transaction that
    applies it: a second run (or a second worker) finds it applied and does
    nothing; a plan that fails rolls back with its claim and is tried again.
    """
    day = today or clock.today()
    done = 0
    for pk in ScheduledRestructuring.objects.filter(
        state=RestructuringState.PENDING, effective_on__lte=day
    ).values_list("pk", flat=True):
        done += _apply_scheduled(pk)
    return done


@transaction.atomic
def _apply_scheduled(pk: int) -> int:
    claimed = ScheduledRestructuring.objects.filter(pk=pk, state=RestructuringState.PENDING).update(
        state=RestructuringState.APPLIED, applied_at=clock.now()
    )
    if not claimed:
        return 0
    row = ScheduledRestructuring.objects.select_related("created_by").get(pk=pk)
    memberships = {int(k): v for k, v in row.memberships.items()}
    applied = _apply_now(_plan_of(row), user=row.created_by, memberships=memberships)
    row.result = {k: v for k, v in applied.__dict__.items() if k != "scheduled"}
    row.save(update_fields=["result"])
    return 1


def _apply_now(plan: Plan, *, user: User | None, memberships: dict[int, int | None] | None) -> Applied:
    Agency.objects.select_for_update().filter(pk__in=[a.pk for a in [*plan.sources, *plan.successors]]).count()
    if _already_applied(plan):
        return Applied(0, 0, 0, 0, 0)
    seen = preview(plan)
    reason = _reason(plan)
    # Cancelled first: saving a moved task would otherwise cancel its own reminders unseen.
    cancelled = _live_reminders(plan, {m.task.pk for m in [*seen.lead_moves, *seen.coordinating_moves]}).update(
        state=ReminderState.CANCELLED, last_error="Cancelled: the agency was restructured."
    )
    for move in seen.lead_moves:
        _move_lead(move, plan.effective_on, user, reason)
    for move in seen.coordinating_moves:
        _move_coordinator(move, plan.effective_on, user, reason)
    created = _confirm_memberships(seen, memberships or {})
    closed = _close_open_reports(seen, user) if plan.retires_sources else 0
    _link_and_retire(plan, reason)
    notified = _notify(seen, reason)
    return Applied(len(seen.lead_moves), len(seen.coordinating_moves), created, cancelled, notified, closed)


def _already_applied(plan: Plan) -> bool:
    """Every link of the plan exists and, for a merge or split, every source ends the day before: nothing to do.

    A transfer is never "already applied" (both agencies go on; its tasks moved are simply no longer the source's).
    """
    if not plan.retires_sources:
        return False
    last = plan.effective_on - dt.timedelta(days=1)
    sources = Agency.objects.filter(pk__in=[a.pk for a in plan.sources])
    if any(a.valid_to != last for a in sources):
        return False
    links = AgencyLink.objects.filter(
        predecessor__in=plan.sources, successor__in=plan.successors, kind=plan.kind, effective_on=plan.effective_on
    )
    return links.count() == len(plan.sources) * len(plan.successors)


def _close_open_reports(seen: Preview, user: User | None) -> int:
    """Close the retired agencies' open reports from the effective date, each with its record (history kept)."""
    day = seen.plan.effective_on
    note = _(
        "The agency ceased to exist on %(date)s; its work continues at %(where)s. The report is kept as it stood."
    ) % {
        "date": (day - dt.timedelta(days=1)).strftime("%d/%m/%Y"),
        "where": ", ".join(a.name for a in seen.plan.successors),
    }
    closed = 0
    for report in seen.open_reports:
        if report.closed_on is not None:
            continue
        report.closed_on, report.closed_note = day, note[:400]
        report.version += 1
        report._history_user, report._change_reason = user, "closed: restructuring"
        report.save()
        closed += 1
    return closed


def _reason(plan: Plan) -> str:
    names = ", ".join(a.name for a in plan.sources)
    into = ", ".join(a.name for a in plan.successors)
    kind = LinkKind(plan.kind).label
    return _("%(kind)s: %(from)s → %(to)s from %(date)s") % {
        "kind": kind,
        "from": names,
        "to": into,
        "date": plan.effective_on.strftime("%d/%m/%Y"),
    }


def _end_row(task: Task, agency_id: int, role: str, day: dt.date) -> None:
    """End the open row of ``agency_id`` the day before ``day`` (a row starting on or after ``day`` is refused)."""
    row = TaskAssignment.objects.filter(task=task, agency_id=agency_id, role=role, valid_to__isnull=True).first()
    if row is None:
        return
    if row.valid_from is not None and row.valid_from >= day:
        raise RestructuringError(
            _("Task %(number)s was assigned on or after the effective date; choose a later date.")
            % {"number": task.number}
        )
    row.valid_to = day - dt.timedelta(days=1)
    row.save(update_fields=["valid_to"])


def _move_lead(move: TaskMove, day: dt.date, user: User | None, reason: str) -> None:
    task = Task.objects.select_for_update().get(pk=move.task.pk)
    lead, *partners = move.successors
    _end_row(task, move.source.pk, AssignmentRole.LEAD, day)
    TaskAssignment.objects.create(
        task=task, agency=lead, role=AssignmentRole.LEAD, valid_from=day, reason=reason, created_by=user
    )
    task.lead_agency = lead
    task.version += 1
    task._assignments_managed = True
    task._history_user, task._change_reason = user, reason
    task.save()
    current = set(task.coordinating_agencies.values_list("pk", flat=True))
    if lead.pk in current:  # the new lead no longer coordinates its own task
        _end_row(task, lead.pk, AssignmentRole.COORDINATOR, day)
        task.coordinating_agencies.remove(lead)
    for partner in partners:
        if partner.pk not in current:
            TaskAssignment.objects.create(
                task=task, agency=partner, role=AssignmentRole.COORDINATOR, valid_from=day, reason=reason
            )
            task.coordinating_agencies.add(partner)


def _move_coordinator(move: TaskMove, day: dt.date, user: User | None, reason: str) -> None:
    task = Task.objects.select_for_update().get(pk=move.task.pk)
    task._assignments_managed = True
    successor = move.successors[0]
    _end_row(task, move.source.pk, AssignmentRole.COORDINATOR, day)
    task.coordinating_agencies.remove(move.source)
    if successor.pk != task.lead_agency_id and not task.coordinating_agencies.filter(pk=successor.pk).exists():
        TaskAssignment.objects.create(
            task=task, agency=successor, role=AssignmentRole.COORDINATOR, valid_from=day, reason=reason
        )
        task.coordinating_agencies.add(successor)


def _confirm_memberships(seen: Preview, confirmed: dict[int, int | None]) -> int:
    """Create the memberships SNV confirmed, with the user's role in the retired agency."""
    allowed = seen.successor_by_id
    created = 0
    for membership, _proposed in seen.memberships:
        target_id = confirmed.get(membership.user_id)
        if target_id is None:
            continue
        if target_id not in allowed:
            raise RestructuringError(_("A membership can only be given in a successor agency."))
        _obj, new = Membership.objects.get_or_create(
            user_id=membership.user_id, agency_id=target_id, defaults={"role": membership.role}
        )
        created += new
    return created


def _link_and_retire(plan: Plan, reason: str) -> None:
    for source in plan.sources:
        for successor in plan.successors:
            agency_services.link(source, successor, plan.kind, plan.effective_on, plan.note)
        if plan.retires_sources:
            agency_services.retire_agency(source, plan.effective_on, reason=reason)


def _notify(seen: Preview, reason: str) -> int:
    """Tell every user of a source agency where its work went, with a link to the task list."""
    where = ", ".join(a.name for a in seen.plan.successors)
    moved = len(seen.lead_moves)
    body = _("%(n)s open tasks moved to: %(where)s. Closed tasks and reports stay with the former agency.") % {
        "n": moved,
        "where": where,
    }
    users = {m.user_id for m in Membership.objects.filter(agency__in=seen.plan.sources)}
    Notification.objects.bulk_create(
        [
            Notification(
                recipient_id=uid,
                kind=NoticeKind.AGENCY_RESTRUCTURED,
                title=reason[:300],
                body=body,
                url=reverse("remediation:task-list"),
            )
            for uid in sorted(users)
        ]
    )
    return len(users)


@transaction.atomic
def carry_latest_open_tasks(
    cycle, deadline: dt.date, *, user: User | None = None, before_year: int | None = None
) -> int:
    """Carry every open task of earlier cycles into ``cycle``, each from the latest cycle that holds it, once.

    A task already carried on (into 2022, say) is not carried again from 2021:
    ``_open_tasks`` leaves it out, so a second run carries nothing. The new
    task keeps its origin (``carried_from``) and the lead and coordinators it
    has now, i.e. the successors after a restructuring; one gone by the cycle's
    date without a move goes to its successor then (``carried_to``, the same
    rule as ``assignment.carry_open_tasks``). Sub-criteria are kept where they
    belong to a framework of the new cycle (the same 876/QĐ-BNV tree for
    2022-2030); across different trees they are not copied (a crosswalk maps them).
    """
    year = before_year or cycle.year
    old_tasks = (
        _open_tasks()
        .filter(cycle__year__lt=year)
        .exclude(cycle=cycle)
        .select_related("cycle", "lead_agency")
        .prefetch_related("coordinating_agencies", "sub_criteria")
        .order_by("cycle__year", "number")
    )
    to = carried_to(cycle)
    frameworks = set(cycle.frameworks.values_list("pk", flat=True))
    count = 0
    for old in old_tasks:
        task = carried_copy(old, cycle, deadline, user, to(old.lead_agency))
        task.sub_criteria.set([c for c in old.sub_criteria.all() if c.framework_id in frameworks])
        task.coordinating_agencies.set({to(a) for a in old.coordinating_agencies.all()} - {task.lead_agency})
        count += 1
    return count
