"""Deadline extensions: the lead agency asks, SNV approves (possibly a shorter date) or refuses.

The first deadline stays on the task (``original_deadline``); the approved one becomes
the deadline in force from the decision date on, so overdue is computed against it
while an as-of date before the decision still shows the old deadline
(Task.deadline_on, models.deadline_in_force). Every request and decision is a row
with its own history.
"""

from __future__ import annotations

import datetime as dt
import unicodedata

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from agencies import clock
from agencies.models import User
from agencies.versioning import lock_version

from . import access, notices
from .models import DeadlineExtension, ExtensionState, Task


def keep_original(task: Task) -> None:
    """Before any deadline move (extension or SNV's edit): keep the first deadline once."""
    if task.original_deadline is None:
        task.original_deadline = task.deadline


def times_extended(task: Task) -> int:
    return task.extensions.filter(state=ExtensionState.APPROVED).count()


def pending(tasks=None):
    qs = DeadlineExtension.objects.filter(state=ExtensionState.PENDING)
    if tasks is not None:
        qs = qs.filter(task__in=tasks)
    return qs.select_related("task__lead_agency", "task__cycle", "requested_by")


def ongoing_no_extension() -> str:
    """The refusal for a standing task: with no deadline there is no date to move."""
    return _(
        "This task is ongoing (“Thường xuyên”): it has no deadline, so there is nothing to extend. "
        "Report on it with the agency report."
    )


@transaction.atomic
def request_extension(task_id: int, user: User, *, proposed: dt.date, reason: str) -> DeadlineExtension:
    """Lead agency only, with a reason and a date later than the deadline now in force."""
    task = Task.objects.select_for_update().select_related("cycle").get(pk=task_id)
    if not access.can_complete(user, task):
        raise PermissionDenied
    if task.completed_on is not None:
        raise ValidationError(_("The task is marked done: no extension is needed."))
    if task.deadline is None:
        raise ValidationError(ongoing_no_extension())
    if not _text(reason):
        raise ValidationError({"reason": _("Give the reason for the extension.")})
    if proposed <= task.deadline:
        raise ValidationError({"proposed_deadline": _("The proposed date must be later than the current deadline.")})
    try:
        with transaction.atomic():
            ext = DeadlineExtension(
                task=task,
                requested_by=user,
                requested_at=clock.now(task.cycle),
                reason=_text(reason),
                proposed_deadline=proposed,
            )
            ext._history_user = user
            ext.save()
    except IntegrityError as exc:
        raise ValidationError(_("An extension request for this task is already awaiting SNV's decision.")) from exc
    return ext


@transaction.atomic
def decide_extension(
    extension_id: int, user: User, *, approve: bool, comment: str = "", deadline: dt.date | None = None
) -> DeadlineExtension:
    """SNV approves (the proposed date, or a shorter one it gives) or refuses with a comment."""
    if not user.is_snv:
        raise PermissionDenied
    ext = DeadlineExtension.objects.select_for_update().select_related("task").get(pk=extension_id)
    if ext.state != ExtensionState.PENDING:
        raise ValidationError(_("This request has already been decided."))
    task = lock_version(Task, ext.task_id, None)
    if not approve and not _text(comment):
        raise ValidationError({"comment": _("Say why the extension is refused.")})
    new = deadline or ext.proposed_deadline
    if approve and task.deadline is None:
        raise ValidationError(ongoing_no_extension())
    if approve and not task.deadline < new <= ext.proposed_deadline:
        raise ValidationError(
            {"deadline": _("The approved date must be after the current deadline and no later than the one asked.")}
        )
    ext.state = ExtensionState.APPROVED if approve else ExtensionState.REFUSED
    ext.decided_by, ext.decided_at, ext.decided_on = user, clock.now(task.cycle), clock.today(task.cycle)
    ext.comment = _text(comment)
    ext.previous_deadline = task.deadline
    if approve:
        ext.approved_deadline = new
        keep_original(task)
        task.deadline = new
        task.version += 1
        task._history_user, task._change_reason = user, "extension approved"
        task.save()
    ext._history_user = user
    ext.save()
    if approve:
        title = _("Extension approved: %(task)s, new deadline %(date)s") % {
            "task": notices.task_label(task),
            "date": new.strftime("%d/%m/%Y"),
        }
    else:
        title = _("Extension refused: %(task)s") % {"task": notices.task_label(task)}
    notices.notify_task_agency(task, notices.NoticeKind.EXTENSION_DECIDED, title, ext.comment)
    return ext


def _text(value: str) -> str:
    """Incoming text in NFC, trimmed: what is stored and compared."""
    return unicodedata.normalize("NFC", value or "").strip()
