"""The status a user sees, derived from the deadline, the completion date and an as-of date.

Pure functions, mirrored by TaskQuerySet.with_status() for aggregate queries;
tests hold the two in step.
"""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

DUE_SOON_DAYS = 7


class TaskStatus(models.TextChoices):
    NOT_YET_DUE = "not_yet_due", _("Not yet due")
    IN_PROGRESS = "in_progress", _("In progress, on time")
    DUE_SOON = "due_soon", _("Due soon")
    OVERDUE = "overdue", _("Overdue")
    DONE_ON_TIME = "done_on_time", _("Done on time")
    DONE_LATE = "done_late", _("Done late")
    # "Thường xuyên" of a Report 117 annex: a standing task with no deadline, reported on
    # with the agency's report at the cycle's report deadline, never due nor overdue.
    ONGOING = "ongoing", _("Ongoing")


OPEN_STATUSES = (
    TaskStatus.NOT_YET_DUE,
    TaskStatus.IN_PROGRESS,
    TaskStatus.DUE_SOON,
    TaskStatus.OVERDUE,
    TaskStatus.ONGOING,
)
DONE_STATUSES = (TaskStatus.DONE_ON_TIME, TaskStatus.DONE_LATE)


def task_status(
    deadline: dt.date | None, completed_on: dt.date | None, as_of: dt.date, progress: int = 0
) -> TaskStatus:
    """Derive a task's status as of a date.

    A task completed after ``as_of`` was still open on that date, so looking at
    an earlier date shows what people saw then. Due soon means at most seven
    calendar days left, the deadline day included; the day after is overdue.
    No deadline ("Thường xuyên") is ongoing while open; once completed it is done
    on time, as there was no date to miss.
    """
    if completed_on is not None and completed_on <= as_of:
        return TaskStatus.DONE_ON_TIME if deadline is None or completed_on <= deadline else TaskStatus.DONE_LATE
    if deadline is None:
        return TaskStatus.ONGOING
    if as_of > deadline:
        return TaskStatus.OVERDUE
    if (deadline - as_of).days <= DUE_SOON_DAYS:
        return TaskStatus.DUE_SOON
    return TaskStatus.IN_PROGRESS if progress > 0 else TaskStatus.NOT_YET_DUE


def deadline_label(deadline: dt.date | None) -> str:
    """A task's deadline in text: dd/mm/yyyy, or "Thường xuyên" (ongoing) when it has none."""
    return gettext("Ongoing") if deadline is None else f"{deadline:%d/%m/%Y}"
