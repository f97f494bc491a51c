"""Every multi-step write of the agencies' work: progress, evidence, completion, causes, reports.

Views, commands and imports call these, so each rule exists once. Each service
locks the row it changes and checks the version the user saw (optimistic
locking): two people saving the same task never silently overwrite each other.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies import clock
from agencies.files import sha256_of, validate_evidence
from agencies.models import Agency, User
from agencies.versioning import lock_version
from parindex.models import Cycle

from . import access, notices, reports
from .models import AgencyReport, Evidence, ProgressUpdate, ReportStatus, Task, by_deadline
from .status import TaskStatus


def _save_task(task: Task, reason: str) -> None:
    """Save an agency's work on a task (progress, completion, cause): a new version and its history record.

    None of it changes who leads or co-ordinates, so the dated assignment rows are left as they
    are (``remediation.periods``): syncing them cost five statements per progress update.
    """
    task.version += 1
    task._change_reason = reason
    task._assignments_managed = True
    task.save()


def store_evidence(task: Task, update: ProgressUpdate | None, user: User, upload: UploadedFile) -> Evidence:
    content_type = validate_evidence(upload)
    return Evidence.objects.create(
        task=task,
        progress_update=update,
        file=upload,
        original_name=upload.name[:255],
        content_type=content_type,
        size=upload.size,
        sha256=sha256_of(upload),
        uploaded_by=user,
    )


def _check_reported_on(task: Task, day: dt.date, label: str) -> None:
    today = clock.today(task.cycle)
    if day > today:
        raise ValidationError({label: _("The date cannot be in the future.")})
    # A task entered late (an import, the demo, last year's carry-over) existed from its
    # cycle's start at the latest: 1 January of the cycle's year.
    existed_from = min(timezone.localdate(task.created_at), dt.date(task.cycle.year, 1, 1))
    if day < existed_from:
        raise ValidationError({label: _("The date cannot be before the task existed.")})


def cause_required(task: Task, as_of: dt.date) -> bool:
    """The letter demands a cause for every task overdue or declared not finishable."""
    return task.status_on(as_of) == TaskStatus.OVERDUE or task.cannot_finish


@transaction.atomic
def record_progress(
    task_id: int,
    user: User,
    *,
    percent: int,
    note: str,
    reported_on: dt.date,
    files: Iterable[UploadedFile] = (),
    cause: str = "",
    expected_version: int | None = None,
) -> ProgressUpdate:
    """Log a progress update with its evidence; a cause is mandatory while the task is overdue."""
    task = lock_version(Task, task_id, expected_version)
    if not access.can_update(user, task):
        raise PermissionDenied
    if not 0 <= percent <= 100:
        raise ValidationError({"percent": _("Progress must be between 0 and 100 %.")})
    _check_reported_on(task, reported_on, "reported_on")
    if cause_required(task, task.cycle.as_of()) and not (cause.strip() or task.cause.strip()):
        raise ValidationError({"cause": _("The task is overdue: state the cause (nguyên nhân).")})
    update = ProgressUpdate.objects.create(
        task=task, author=user, agency=user.agency, reported_on=reported_on, percent=percent, note=note.strip()
    )
    for upload in files:
        store_evidence(task, update, user, upload)
    task.progress = percent
    if cause.strip():
        task.cause = cause.strip()
    _save_task(task, f"progress {percent}%")
    return update


@transaction.atomic
def complete_task(
    task_id: int,
    user: User,
    *,
    completed_on: dt.date,
    note: str,
    files: Iterable[UploadedFile] = (),
    cause: str = "",
    expected_version: int | None = None,
) -> Task:
    """Mark done (lead agency only), with at least one evidence file; late completion needs a cause."""
    task = lock_version(Task, task_id, expected_version)
    if not access.can_complete(user, task):
        raise PermissionDenied
    if task.completed_on is not None:
        raise ValidationError(_("This task is already marked done."))
    _check_reported_on(task, completed_on, "completed_on")
    files = list(files)
    if not files and not task.evidence.exists():
        raise ValidationError({"files": _("Attach at least one evidence file to mark the task done.")})
    if task.deadline is not None and completed_on > task.deadline and not (cause.strip() or task.cause.strip()):
        raise ValidationError({"cause": _("The task was finished after its deadline: state the cause.")})
    update = ProgressUpdate.objects.create(
        task=task, author=user, agency=user.agency, reported_on=completed_on, percent=100, note=note.strip()
    )
    for upload in files:
        store_evidence(task, update, user, upload)
    task.progress = 100
    task.completed_on = completed_on
    task.cannot_finish = False
    if cause.strip():
        task.cause = cause.strip()
    _save_task(task, "completed")
    return task


@transaction.atomic
def explain_task(
    task_id: int, user: User, *, cause: str, cannot_finish: bool, expected_version: int | None = None
) -> Task:
    """State the cause of a task not done, or declare that it cannot be finished (lead agency)."""
    task = lock_version(Task, task_id, expected_version)
    if not access.can_complete(user, task):
        raise PermissionDenied
    if not cause.strip():
        raise ValidationError({"cause": _("State the cause (nguyên nhân).")})
    task.cause = cause.strip()
    task.cannot_finish = cannot_finish
    _save_task(task, "cause")
    return task


# --------------------------------------------------------------------------- reports


def report_for(cycle: Cycle, agency: Agency) -> AgencyReport:
    report, _created = AgencyReport.objects.get_or_create(cycle=cycle, agency=agency)
    return report


def report_tasks(cycle: Cycle, agency: Agency, as_of: dt.date):
    """The tasks the agency leads in the cycle on ``as_of`` (its assignment then), with their derived status."""
    return (
        Task.objects.filter(cycle=cycle, closed_at__isnull=True)
        .led_by(agency, as_of)
        .with_status(as_of)
        .prefetch_related("sub_criteria")
        .order_by(by_deadline(), "id")
    )


def _save_report(report: AgencyReport, reason: str) -> None:
    report.version += 1
    report._change_reason = reason
    report.save()


@transaction.atomic
def save_report_draft(report_id: int, user: User, *, narrative: str, expected_version: int | None = None):
    report = lock_version(AgencyReport, report_id, expected_version)
    if not access.can_draft_report(user, report.agency_id):
        raise PermissionDenied
    if not reports.is_editable(report):
        raise ValidationError(_("The report has been submitted and is read-only unless SNV returns it."))
    report.narrative = narrative.strip()
    _save_report(report, "draft")
    return report


def _snapshot(report: AgencyReport, as_of: dt.date) -> dict:
    rows = [
        {
            "id": t.id,
            "title": t.title,
            "deadline": t.deadline.isoformat() if t.deadline else None,
            "status": t.status,
            "progress": t.progress,
            "completed_on": t.completed_on.isoformat() if t.completed_on else None,
            "cause": t.cause,
            "codes": [c.code for c in t.sub_criteria.all()],
        }
        for t in report_tasks(report.cycle, report.agency, as_of)
    ]
    return {"as_of": as_of.isoformat(), "tasks": rows}


@transaction.atomic
def submit_report(report_id: int, user: User, *, narrative: str | None = None, expected_version: int | None = None):
    """The leader submits; the tasks as they stand are frozen into the report's snapshot."""
    report = lock_version(AgencyReport, report_id, expected_version)
    if not access.can_submit_report(user, report.agency_id):
        raise PermissionDenied
    if not reports.is_editable(report):
        raise ValidationError(_("This report has already been submitted."))
    if narrative is not None:
        report.narrative = narrative.strip()
    if not report.narrative:
        raise ValidationError({"narrative": _("Write the report's narrative before submitting it.")})
    today = report.cycle.as_of()
    missing = missing_causes(report, today)
    if missing:
        raise ValidationError(
            _("State the cause of every overdue task before submitting: %(tasks)s")
            % {"tasks": "; ".join(t.title for t in missing)}
        )
    report.status = ReportStatus.SUBMITTED
    report.submitted_at = clock.now(report.cycle)
    report.submitted_by = user
    report.snapshot = _snapshot(report, today)
    report.receipt_number = _receipt_number(report)
    _save_report(report, "submitted")
    notices.notify(
        notices.snv_reviewers(),
        notices.NoticeKind.REPORT_SUBMITTED,
        _("Report submitted: %(agency)s, receipt %(number)s")
        % {"agency": report.agency, "number": report.receipt_number},
        reverse("remediation:report-detail", args=[report.pk]),
    )
    return report


@transaction.atomic
def save_report_causes(report_id: int, user: User, causes: dict[int, tuple[str, int | None]]) -> int:
    """Causes written on the report page, saved to the tasks themselves (each a change in the task's history).

    ``causes`` maps a task id to (cause, the version the page showed); a task another
    person saved since is refused as stale, nothing silently overwritten. Returns how many changed.
    """
    report = AgencyReport.objects.select_related("cycle", "agency").get(pk=report_id)
    if not access.can_draft_report(user, report.agency_id):
        raise PermissionDenied
    if not reports.is_editable(report):
        raise ValidationError(_("The report has been submitted and is read-only unless SNV returns it."))
    own = set(report_tasks(report.cycle, report.agency, report.cycle.as_of()).values_list("id", flat=True))
    changed = 0
    for task_id in sorted(causes):
        text, version = causes[task_id]
        text = unicodedata.normalize("NFC", text or "").strip()
        if task_id not in own or not text:
            continue
        task = lock_version(Task, task_id, version)
        if task.cause == text:
            continue
        task.cause = text
        task._history_user = user
        _save_task(task, "cause (report page)")
        changed += 1
    return changed


def report_cause_required(task: Task, as_of: dt.date) -> bool:
    """The causes a report needs: overdue, finished late, declared not finishable (not tasks not yet due)."""
    return cause_required(task, as_of) or task.status_on(as_of) == TaskStatus.DONE_LATE


def missing_causes(report: AgencyReport, as_of: dt.date) -> list[Task]:
    return [
        t
        for t in report_tasks(report.cycle, report.agency, as_of)
        if report_cause_required(t, as_of) and not t.cause.strip()
    ]


def _receipt_number(report: AgencyReport) -> str:
    """The receipt of a submission: cycle, report id and the submission's ordinal (a resubmission gets a new one)."""
    times = report.history.filter(history_change_reason="submitted").count() + 1
    return f"{report.cycle.year}/{report.pk:04d}-{times}"


@transaction.atomic
def review_report(
    report_id: int, user: User, *, accept: bool, comment: str, expected_version: int | None = None
) -> AgencyReport:
    """SNV accepts, or returns with a comment the agency will see."""
    report = lock_version(AgencyReport, report_id, expected_version)
    if not access.can_review_reports(user):
        raise PermissionDenied
    if report.status != ReportStatus.SUBMITTED:
        raise ValidationError(_("Only a submitted report can be accepted or returned."))
    if not accept and not comment.strip():
        raise ValidationError({"comment": _("Say why the report is returned.")})
    report.status = ReportStatus.ACCEPTED if accept else ReportStatus.RETURNED
    report.reviewer_comment = comment.strip()
    report.reviewed_by = user
    report.reviewed_at = clock.now(report.cycle)
    _save_report(report, "accepted" if accept else "returned")
    kind = notices.NoticeKind.REPORT_ACCEPTED if accept else notices.NoticeKind.REPORT_RETURNED
    title = _("Your report is accepted by SNV.") if accept else _("Your report is returned by SNV.")
    notices.notify(
        notices.members_of(report.agency),
        kind,
        f"{title} ({report.cycle})",
        reverse("remediation:report-edit"),
        report.reviewer_comment,
    )
    return report
