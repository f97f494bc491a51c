"""Who may see and do what with tasks, evidence and reports.

Visibility is applied in QuerySets, so a task of another agency is simply not
found (404, no probing), never rendered and then hidden in a template.
"""

from __future__ import annotations

from django.db.models import Q

from agencies.models import MembershipRole, User

from .models import AgencyReport, Evidence, Task


def visible_tasks(user: User):
    """SNV, administrators and the Chairman's office read everything; agencies their own tasks."""
    if user.sees_everything:
        return Task.objects.all()
    if user.agency is None:
        return Task.objects.none()
    return Task.objects.for_agency(user.agency)


def visible_evidence(user: User):
    """Evidence of the agency's own tasks, and, for a focal agency, of the tasks in its areas.

    Focal agencies keep the scores and evidence of their PAR areas (domain rule), so they read
    the evidence of every task linked to a sub-criterion of an area they are focal for.
    """
    if user.sees_everything:
        return Evidence.objects.all()
    if user.agency is None:
        return Evidence.objects.none()
    agency = user.agency
    own = Task.objects.for_agency(agency).values("id")
    in_focal_areas = Task.objects.filter(sub_criteria__parent__parent__focal_agency=agency).values("id")
    return Evidence.objects.filter(Q(task__in=own) | Q(task__in=in_focal_areas))


def visible_reports(user: User):
    if user.sees_everything:
        return AgencyReport.objects.all()
    if user.agency is None:
        return AgencyReport.objects.none()
    return AgencyReport.objects.filter(agency=user.agency)


def can_update(user: User, task: Task) -> bool:
    """Lead and coordinating agencies log progress and evidence."""
    agency = user.agency
    if agency is None or task.closed_at is not None:
        return False
    return task.lead_agency_id == agency.id or any(a.pk == agency.pk for a in task.coordinating_agencies.all())


def can_complete(user: User, task: Task) -> bool:
    """Only the lead agency marks a task done or declares it cannot be finished."""
    agency = user.agency
    return agency is not None and task.closed_at is None and task.lead_agency_id == agency.id


def can_draft_report(user: User, report_agency_id: int) -> bool:
    agency = user.agency
    return agency is not None and agency.id == report_agency_id


def can_submit_report(user: User, report_agency_id: int) -> bool:
    """Only the agency's leader submits its report to the Chairman."""
    membership = user.membership
    return (
        membership is not None and membership.agency_id == report_agency_id and membership.role == MembershipRole.LEADER
    )


def can_review_reports(user: User) -> bool:
    return user.is_snv
