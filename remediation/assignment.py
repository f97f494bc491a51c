"""SNV's writes on tasks: assign, edit, bulk change, close and reopen.

Every function runs in ``transaction.atomic()``, locks the rows it changes,
raises ``Task.version`` by one (the agencies' pages use it for optimistic
locking, so an agency's form opened before SNV's change is refused instead of
silently overwriting it) and saves through the model, so django-simple-history
records each change with its author (``_history_user``) and reason
(``_change_reason``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from agencies import clock
from agencies.models import Agency, User
from agencies.versioning import lock_version
from parindex import services as cycle_services
from parindex.models import Criterion, Cycle, Framework, Score

from . import notices
from .extensions import keep_original
from .models import Task
from .status import deadline_label

EDITABLE_FIELDS = ("title", "description", "source_document", "deadline", "lead_agency", "closure_criteria")
M2M_FIELDS = ("sub_criteria", "coordinating_agencies")


class AssignmentError(Exception):
    """A change that cannot be applied; the message is shown to the user."""


def _save(task: Task, user: User | None, reason: str, **kwargs) -> None:
    task.version += 1
    task._history_user = user
    task._change_reason = reason
    task.save(**kwargs)


def _set_m2m(task: Task, sub_criteria: Iterable[Criterion] | None, coordinating: Iterable[Agency] | None) -> None:
    """Set the links only when they differ: each m2m change writes one more history record."""
    if sub_criteria is not None:
        wanted = {c.pk for c in sub_criteria}
        if wanted != set(task.sub_criteria.values_list("pk", flat=True)):
            task.sub_criteria.set(wanted)
    if coordinating is not None:
        wanted = {a.pk for a in coordinating} - {task.lead_agency_id}
        if wanted != set(task.coordinating_agencies.values_list("pk", flat=True)):
            task.coordinating_agencies.set(wanted)


@transaction.atomic
def create_tasks(
    cycle: Cycle,
    *,
    lead_agencies: Sequence[Agency],
    title: str,
    deadline: dt.date | None,
    user: User | None,
    description: str = "",
    source_document: str = "",
    sub_criteria: Iterable[Criterion] = (),
    coordinating_agencies: Iterable[Agency] = (),
    reason: str = "",
    closure_criteria: str = "",
) -> list[Task]:
    """One task per lead agency for one recommendation.

    A recommendation addressed to all district People's Committees is common;
    each district is accountable for its own task (its own progress, evidence
    and cause), so it is one task per lead agency, never one shared task.
    An agency is never its own coordinator.
    """
    if not lead_agencies:
        raise AssignmentError(_("Choose at least one lead agency."))
    sub_criteria, coordinating = list(sub_criteria), list(coordinating_agencies)
    reason = reason or _("Assigned by SNV")
    created = []
    for lead in lead_agencies:
        task = Task(
            cycle=cycle,
            title=title,
            description=description,
            lead_agency=lead,
            deadline=deadline,
            created_by=user,
            closure_criteria=closure_criteria.strip(),
            **({"source_document": source_document} if source_document else {}),
        )
        task._history_user = user
        task._change_reason = reason
        task.save()
        _set_m2m(task, sub_criteria, coordinating)
        notices.notify_task_agency(
            task,
            notices.NoticeKind.TASK_ASSIGNED,
            _("New task: %(task)s, deadline %(date)s")
            % {"task": notices.task_label(task), "date": deadline_label(deadline)},
        )
        created.append(task)
    return created


def _notify_deadline(task: Task, old: dt.date | None) -> None:
    notices.notify_task_agency(
        task,
        notices.NoticeKind.DEADLINE_CHANGED,
        _("Deadline changed: %(task)s, %(old)s → %(new)s")
        % {"task": notices.task_label(task), "old": deadline_label(old), "new": deadline_label(task.deadline)},
    )


@transaction.atomic
def edit_task(
    task: Task,
    *,
    user: User | None,
    reason: str = "",
    expected_version: int | None = None,
    sub_criteria: Iterable[Criterion] | None = None,
    coordinating_agencies: Iterable[Agency] | None = None,
    **changes,
) -> Task:
    """Change a task's fields and links; refused when ``expected_version`` is stale."""
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"Not editable: {sorted(unknown)}")
    locked = lock_version(Task, task.pk, expected_version)
    old_deadline = locked.deadline
    if "deadline" in changes and changes["deadline"] != old_deadline:
        keep_original(locked)  # SNV's own edits keep the first deadline too
    for name, value in changes.items():
        setattr(locked, name, value)
    _save(locked, user, reason or _("Edited by SNV"))
    _set_m2m(locked, sub_criteria, coordinating_agencies)
    if locked.deadline != old_deadline:
        _notify_deadline(locked, old_deadline)
    return locked


@transaction.atomic
def bulk_change(
    task_ids: Iterable[int],
    *,
    user: User | None,
    reason: str,
    deadline: dt.date | None = None,
    lead_agency: Agency | None = None,
) -> int:
    """Move the deadline and/or hand over the lead of several tasks at once; returns how many changed.

    Saved one by one, not with ``update()``: each task needs its own history
    record and version bump. Rows are locked in id order, so two bulk changes
    over overlapping selections cannot deadlock.
    """
    if deadline is None and lead_agency is None:
        raise AssignmentError(_("Give a new deadline or a new lead agency."))
    changed = 0
    for task in Task.objects.select_for_update().filter(pk__in=list(task_ids)).order_by("pk"):
        fields, old_deadline = [], task.deadline
        if deadline is not None and task.deadline != deadline:
            fields = ["deadline", "original_deadline"] if task.original_deadline is None else ["deadline"]
            keep_original(task)
            task.deadline = deadline
        if lead_agency is not None and task.lead_agency_id != lead_agency.pk:
            task.lead_agency, fields = lead_agency, [*fields, "lead_agency"]
        if fields:
            _save(task, user, reason, update_fields=[*fields, "version", "updated_at"])
            if "lead_agency" in fields and task.coordinating_agencies.filter(pk=lead_agency.pk).exists():
                task.coordinating_agencies.remove(lead_agency)
            if "deadline" in fields:
                _notify_deadline(task, old_deadline)
            changed += 1
    return changed


@transaction.atomic
def close_task(task: Task, *, user: User | None, reason: str) -> Task:
    """Close a task that is no longer pursued (duplicate, overtaken by events); it leaves every count."""
    if not reason.strip():
        raise AssignmentError(_("Give the reason for closing the task."))
    locked = Task.objects.select_for_update().get(pk=task.pk)
    if locked.closed_at is not None:
        raise AssignmentError(_("The task is already closed."))
    locked.closed_at = clock.now(locked.cycle)
    locked.close_reason = reason.strip()
    _save(locked, user, reason.strip())
    return locked


@transaction.atomic
def reopen_task(task: Task, *, user: User | None, reason: str) -> Task:
    """Reopen a closed task; the reason replaces the closing one, which stays in the history."""
    if not reason.strip():
        raise AssignmentError(_("Give the reason for reopening the task."))
    locked = Task.objects.select_for_update().get(pk=task.pk)
    if locked.closed_at is None:
        raise AssignmentError(_("The task is not closed."))
    locked.closed_at = None
    locked.close_reason = reason.strip()
    _save(locked, user, reason.strip())
    return locked


@transaction.atomic
def mark_priority(task: Task, *, user: User | None, priority: bool) -> Task:
    """SNV marks (or unmarks) a task, typically a multi-year backlog, as a priority; kept in the history."""
    locked = Task.objects.select_for_update().get(pk=task.pk)
    if locked.is_priority != priority:
        locked.is_priority = priority
        _save(locked, user, "priority" if priority else "priority removed")
    return locked


# --------------------------------------------------------------------------- a new cycle


@transaction.atomic
def start_cycle(
    previous: Cycle,
    year: int,
    *,
    carry_tasks: bool = False,
    carried_deadline: dt.date | None = None,
    user: User | None = None,
    **options,
) -> cycle_services.StartedCycle:
    """Start the next cycle (parindex: tree and scores) and, when asked, carry the open tasks into it."""
    started = cycle_services.start_cycle(previous, year, user=user, **options)
    if carry_tasks:
        deadline = carried_deadline or started.cycle.task_completion_target
        started.tasks_carried = carry_open_tasks(started.cycle, previous, started.mapping, deadline, user)
    return started


def carry_open_tasks(
    cycle: Cycle, previous: Cycle, mapping: dict[int, Criterion], deadline: dt.date, user: User | None
) -> int:
    """Copy open tasks into the new cycle, linked to the old ones; the old tasks are not touched.

    A lead or coordinating agency gone by the new cycle's date hands the task to
    its successor then (``carried_to``: the one carrying rule).
    """
    old_tasks = (
        Task.objects.filter(cycle=previous, completed_on__isnull=True, closed_at__isnull=True)
        .select_related("cycle", "lead_agency")
        .prefetch_related("sub_criteria", "coordinating_agencies")
    )
    to = carried_to(cycle)
    count = 0
    for old in old_tasks:
        task = carried_copy(old, cycle, deadline, user, to(old.lead_agency))
        task.sub_criteria.set([mapping[c.id] for c in old.sub_criteria.all() if c.id in mapping])
        task.coordinating_agencies.set({to(a) for a in old.coordinating_agencies.all()} - {task.lead_agency})
        count += 1
    return count


def carried_copy(old: Task, cycle: Cycle, deadline: dt.date, user: User | None, lead: Agency | None = None) -> Task:
    """Save the copy of an open task in ``cycle``, linked to its origin, with the history reason.

    ``lead`` defaults to the old task's lead (read by id, no query). Links (sub-criteria,
    coordinators) are the caller's: they depend on the tree and on the carrying rule. An ongoing
    task ("Thường xuyên", no deadline) stays ongoing: the new cycle's deadline is not forced on it.
    """
    task = Task(
        cycle=cycle,
        title=old.title,
        description=old.description,
        source_document=old.source_document,
        deadline=None if old.deadline is None else deadline,
        progress=old.progress,
        carried_from=old,
        created_by=user,
    )
    if lead is not None:
        task.lead_agency = lead
    else:
        task.lead_agency_id = old.lead_agency_id
    task._history_user = user
    task._change_reason = _("Carried over from cycle %(year)s") % {"year": old.cycle.year}
    task.save()
    return task


def carried_to(cycle: Cycle):
    """The carrying rule of a new cycle, in one place: an agency maps to who does its work on the cycle's date.

    ``Agency.successor_on`` follows the successor links (merge, split, rename);
    an agency that still exists is itself. Memoised per agency, so a cycle's
    carry costs one look-up per distinct agency, not per task.
    """
    day = cycle.as_of()
    seen: dict[int, Agency] = {}

    def to(agency: Agency) -> Agency:
        if agency.pk not in seen:
            seen[agency.pk] = agency.successor_on(day)
        return seen[agency.pk]

    return to


# --------------------------------------------------------------------------- replacing a copied tree


@dataclass(frozen=True)
class Relink:
    """One task of the cycle linked to the tree being replaced: its codes there and the codes it gets."""

    task_id: int
    number: int | None
    title: str
    old_codes: tuple[str, ...]
    new_codes: tuple[str, ...]


def plan_tree_relinks(cycle: Cycle, old: Framework, pairs: dict[str, list[str]]) -> list[Relink]:
    """What replacing ``old`` does to the cycle's tasks: each linked code follows the crosswalk ``pairs``
    (old code → new codes; a code the crosswalk drops or does not name leaves no link)."""
    links: dict[int, list[str]] = {}
    titles: dict[int, tuple[int | None, str]] = {}
    rows = Task.sub_criteria.through.objects.filter(task__cycle=cycle, criterion__framework=old).order_by(
        "task__number", "criterion__code"
    )
    for task_id, number, title, code in rows.values_list("task_id", "task__number", "task__title", "criterion__code"):
        links.setdefault(task_id, []).append(code)
        titles[task_id] = (number, title)
    plans = []
    for task_id, codes in links.items():
        new = sorted({n for c in codes for n in pairs.get(c, [])})
        plans.append(Relink(task_id, titles[task_id][0], titles[task_id][1], tuple(codes), tuple(new)))
    return plans


@transaction.atomic
def replace_cycle_tree(cycle: Cycle, old: Framework, new: Framework, relinks: list[Relink], user: User | None) -> None:
    """Put ``new`` in place of ``old`` in ``cycle``: tasks re-linked as planned, the cycle's (empty) score rows
    on ``old`` removed with a history row each, ``old`` detached. The rule is parindex's; it is checked again
    here, inside the transaction, so an entry recorded since the preview refuses the replacement."""
    refusal = cycle_services.tree_replacement_refusal(cycle, old)
    if refusal:
        raise ValidationError(refusal)
    nodes = {c.code: c for c in Criterion.objects.filter(framework=new)}
    reason = _("Tree replaced by “%(name)s”") % {"name": new.name}
    for plan in relinks:
        task = Task.objects.get(pk=plan.task_id)
        kept = list(task.sub_criteria.exclude(framework=old))
        task.sub_criteria.set(kept + [nodes[code] for code in plan.new_codes if code in nodes])
        task._history_user, task._change_reason = user, reason
        task.save()
    for score in Score.objects.filter(cycle=cycle, criterion__framework=old):
        score._history_user, score._change_reason = user, reason
        score.delete()
    cycle.frameworks.remove(old)
    cycle.frameworks.add(new)
