"""In-app notices of state changes: who hears of what, and the page that answers it.

Each notice is written inside the service's transaction, so a change rolled back
notifies nobody. The daily e-mail digest (remediation/reminders/events.py) sends
them once each, claimed first.
"""

from __future__ import annotations

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from agencies.models import Agency, ProvinceRole, User, people

from .models import Notification, Task


class NoticeKind(models.TextChoices):
    TASK_ASSIGNED = "task_assigned", _("Task assigned")
    DEADLINE_CHANGED = "deadline_changed", _("Deadline changed")
    EXTENSION_DECIDED = "extension_decided", _("Extension decided")
    COMPLETION_VERIFIED = "completion_verified", _("Completion verified")
    COMPLETION_SENT_BACK = "completion_sent_back", _("Completion sent back")
    REPORT_RETURNED = "report_returned", _("Report returned")
    REPORT_ACCEPTED = "report_accepted", _("Report accepted")
    REPORT_SUBMITTED = "report_submitted", _("Report submitted")
    EXPLANATION_ROUND = "explanation_round", _("Explanation due")
    AGENCY_RESTRUCTURED = "restructuring", _("Agency restructured")


def members_of(agency: Agency) -> list[User]:
    return [m.user for m in agency.memberships.select_related("user").filter(people("user__"))]


def snv_reviewers() -> list[User]:
    return list(User.objects.filter(people(), province_role__in=[ProvinceRole.SNV, ProvinceRole.ADMIN]))


def notify(users, kind: str, title: str, url: str, body: str = "") -> int:
    """One unread notice per user (each once, even when listed twice)."""
    unique = {u.pk: u for u in users}
    Notification.objects.bulk_create(
        Notification(recipient=u, kind=kind, title=title[:300], body=body, url=url[:300]) for u in unique.values()
    )
    return len(unique)


def notify_task_agency(task: Task, kind: str, title: str, body: str = "") -> int:
    """The lead agency's people, linked to the task's page, which answers every task notice."""
    return notify(members_of(task.lead_agency), kind, title, reverse("remediation:task-detail", args=[task.pk]), body)


def task_label(task: Task) -> str:
    return f"#{task.number} {task.title}"
