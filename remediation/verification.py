"""Completion verification: a task marked done is a claim until someone other than the doer checks it.

SNV verifies, or, where the cycle delegates it, the focal agency of the area the task
lists first. Verifying keeps the agency's completion date; sending back reopens the
task with a reason the agency reads on the task page and answers by marking it done
again. Every step is a saved change of the task, so the history holds it.
"""

from __future__ import annotations

import unicodedata

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from agencies import clock
from agencies.models import Agency, User
from agencies.versioning import lock_version

from . import notices
from .models import Task


def verifying_agency(task: Task) -> Agency | None:
    """The focal agency of the task's first linked area, when the cycle delegates verification."""
    if not task.cycle.focal_agencies_verify:
        return None
    first = task.sub_criteria.select_related("parent__parent__focal_agency").order_by("order", "id").first()
    area = first.parent.parent if first and first.parent_id and first.parent.parent_id else None
    return area.focal_agency if area else None


def can_verify(user: User, task: Task) -> bool:
    """SNV, or the delegated focal agency; never the lead agency verifying its own claim."""
    if task.closed_at is not None:
        return False
    if user.is_snv:
        return True
    focal = verifying_agency(task)
    agency = user.agency
    return focal is not None and agency is not None and agency.pk == focal.pk and agency.pk != task.lead_agency_id


def awaiting(tasks=None):
    """Completions waiting for a verifier (today's view: any claim not yet verified)."""
    qs = Task.objects.all() if tasks is None else tasks
    return qs.filter(completed_on__isnull=False, verified_on__isnull=True, closed_at__isnull=True)


def awaiting_for_focal_agency(agency: Agency):
    """Claims a focal agency verifies: in cycles that delegate, where its area is the task's first."""
    tasks = awaiting(
        Task.objects.filter(cycle__focal_agencies_verify=True, sub_criteria__parent__parent__focal_agency=agency)
    )
    return [
        t for t in tasks.exclude(lead_agency=agency).distinct().select_related("cycle") if verifying_agency(t) == agency
    ]


def _claimed_task(task_id: int, user: User, expected_version: int | None) -> Task:
    task = lock_version(Task, task_id, expected_version)
    if not can_verify(user, task):
        raise PermissionDenied
    if task.completed_on is None or task.verified_on is not None:
        raise ValidationError(_("Only a completion awaiting verification can be verified or sent back."))
    return task


def _save(task: Task, user: User, reason: str) -> None:
    task.version += 1
    task._history_user = user
    task._change_reason = reason
    task.save()


@transaction.atomic
def verify_completion(task_id: int, user: User, *, note: str = "", expected_version: int | None = None) -> Task:
    """Accept the claim; the completion date stays the agency's, the verification date is today."""
    task = _claimed_task(task_id, user, expected_version)
    task.verified_on = clock.today(task.cycle)
    task.verified_by = user
    task.verification_note = _text(note)
    _save(task, user, "completion verified")
    notices.notify_task_agency(
        task,
        notices.NoticeKind.COMPLETION_VERIFIED,
        _("Completion verified: %(task)s") % {"task": notices.task_label(task)},
        task.verification_note,
    )
    return task


@transaction.atomic
def send_back_completion(task_id: int, user: User, *, reason: str, expected_version: int | None = None) -> Task:
    """Refuse the claim with a reason: the task is open again (its earlier claim stays in the history)."""
    if not _text(reason):
        raise ValidationError({"reason": _("Say why the completion is sent back.")})
    task = _claimed_task(task_id, user, expected_version)
    task.completed_on = None
    task.progress = min(task.progress, 90)
    task.verification_note = _text(reason)
    task.sent_back_at = clock.now(task.cycle)
    _save(task, user, "completion sent back")
    notices.notify_task_agency(
        task,
        notices.NoticeKind.COMPLETION_SENT_BACK,
        _("Completion sent back: %(task)s") % {"task": notices.task_label(task)},
        task.verification_note,
    )
    return task


def _text(value: str) -> str:
    """Incoming text in NFC, trimmed: what is stored and compared."""
    return unicodedata.normalize("NFC", value or "").strip()
