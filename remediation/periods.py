"""Task assignments with a period: keep the rows in step with the current-lead cache.

``Task.lead_agency`` and ``Task.coordinating_agencies`` say who leads and
coordinates *now*; ``TaskAssignment`` rows say who did on every day. Any write
that changes the cache (a form, a bulk change, an import) calls
``sync_assignments`` (through the signals for single saves), which ends the
open row the day before the change and starts a new one, so a figure as of an
earlier day still reads the agency that held the task then.

A change on the very day a row started, or on a task entered after that day
(an archived cycle, an import, the demo), corrects the row in place: it was
never in force on any earlier day that a figure could have read.
The restructuring services write their dated rows themselves and set
``task._assignments_managed`` so the signals leave them alone.
"""

from __future__ import annotations

import contextvars
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from django.db import transaction
from django.utils import timezone

from agencies import clock

from .models import AssignmentRole, Task, TaskAssignment

CHUNK = 500
_deferred: contextvars.ContextVar[set[int] | None] = contextvars.ContextVar("deferred_assignment_sync", default=None)


@contextmanager
def deferred_sync(reason: str = "") -> Iterator[None]:
    """Inside the block, each saved task is queued; their rows are synced once, at the end.

    For bulk loads (the demo): one sync per saved task costs a few queries each, so a
    load of hundreds of tasks spent most of its time here. Nothing inside the block
    may read the assignment rows of the tasks it writes.
    """
    pending: set[int] = set()
    token = _deferred.set(pending)
    try:
        yield
    finally:
        _deferred.reset(token)
    sync_assignments(pending, reason=reason)


def sync_or_defer(task_ids: Iterable[int], reason: str = "") -> None:
    """What the signals call: sync now, or queue the tasks inside ``deferred_sync``."""
    pending = _deferred.get()
    if pending is None:
        sync_assignments(task_ids, reason=reason)
    else:
        pending.update(task_ids)


def _entered_after(task: Task, day: dt.date) -> bool:
    """True when the task's row was written on or after ``day``: a change then rewrites no figure already read."""
    created = task.created_at
    return created is None or timezone.localdate(created) >= day


def _change(row: TaskAssignment, task: Task, day: dt.date, agency_id: int | None, reason: str) -> None:
    """End ``row`` before ``day`` and start ``agency_id`` from it; in place when the row was never in force."""
    in_place = (row.valid_from is not None and row.valid_from >= day) or (
        row.valid_from is None and _entered_after(task, day)
    )
    if in_place:
        if agency_id is None:
            row.delete()
        else:
            row.agency_id, row.reason = agency_id, reason or row.reason
            row.save(update_fields=["agency", "reason"])
        return
    row.valid_to = day - dt.timedelta(days=1)
    row.save(update_fields=["valid_to"])
    if agency_id is not None:
        TaskAssignment.objects.create(task=task, agency_id=agency_id, role=row.role, valid_from=day, reason=reason)


def _start(task: Task, agency_id: int, role: str, day: dt.date, reason: str) -> None:
    start = None if _entered_after(task, day) else day
    TaskAssignment.objects.create(task=task, agency_id=agency_id, role=role, valid_from=start, reason=reason)


@transaction.atomic
def sync_assignments(task_ids: Iterable[int], day: dt.date | None = None, reason: str = "") -> int:
    """Bring the open assignment rows of these tasks in line with their cache; returns rows touched.

    A few queries per chunk of 500 tasks, whatever was changed.
    """
    touched = 0
    ids = sorted(set(task_ids))
    for start in range(0, len(ids), CHUNK):
        touched += _sync_chunk(ids[start : start + CHUNK], day, reason)
    return touched


def _sync_chunk(ids: list[int], day: dt.date | None, reason: str) -> int:
    tasks = {t.pk: t for t in Task.objects.filter(pk__in=ids).select_related("cycle")}
    coordinating = defaultdict(set)
    for task_id, agency_id in Task.coordinating_agencies.through.objects.filter(task_id__in=ids).values_list(
        "task_id", "agency_id"
    ):
        coordinating[task_id].add(agency_id)
    open_rows = defaultdict(list)
    for row in TaskAssignment.objects.filter(task_id__in=ids, valid_to__isnull=True).order_by("pk"):
        open_rows[row.task_id].append(row)
    touched = 0
    for pk, task in tasks.items():
        when = day or clock.today(task.cycle)
        touched += _sync_task(task, open_rows[pk], coordinating[pk], when, reason)
    return touched


def _sync_task(task: Task, rows: list[TaskAssignment], coordinating: set[int], day: dt.date, reason: str) -> int:
    touched = 0
    leads = [r for r in rows if r.role == AssignmentRole.LEAD]
    if not leads:
        _start(task, task.lead_agency_id, AssignmentRole.LEAD, day, reason)
        touched += 1
    elif leads[-1].agency_id != task.lead_agency_id:
        _change(leads[-1], task, day, task.lead_agency_id, reason)
        touched += 1
    current = {r.agency_id: r for r in rows if r.role == AssignmentRole.COORDINATOR}
    wanted = coordinating - {task.lead_agency_id}
    for agency_id, row in current.items():
        if agency_id not in wanted:
            _change(row, task, day, None, reason)
            touched += 1
    for agency_id in sorted(wanted - set(current)):
        _start(task, agency_id, AssignmentRole.COORDINATOR, day, reason)
        touched += 1
    return touched
