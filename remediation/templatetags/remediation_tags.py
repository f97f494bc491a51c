from django import template
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ..reports import ReportState
from ..status import TaskStatus, deadline_label

register = template.Library()

# Display only: the colours of statuses live here, not in the rule modules.
TASK_BADGES = {
    TaskStatus.NOT_YET_DUE: "text-bg-secondary",
    TaskStatus.IN_PROGRESS: "text-bg-primary",
    TaskStatus.DUE_SOON: "text-bg-warning",
    TaskStatus.OVERDUE: "text-bg-danger",
    TaskStatus.DONE_ON_TIME: "text-bg-success",
    TaskStatus.DONE_LATE: "text-bg-info",
    TaskStatus.ONGOING: "text-bg-light border",
}
REPORT_BADGES = {
    ReportState.NOT_STARTED: "text-bg-light border",
    ReportState.DRAFT: "text-bg-secondary",
    ReportState.SUBMITTED_ON_TIME: "text-bg-success",
    ReportState.SUBMITTED_LATE: "text-bg-warning",
    ReportState.RETURNED: "text-bg-danger",
    ReportState.ACCEPTED: "text-bg-primary",
}


@register.simple_tag
def status_badge(status: str) -> str:
    """A coloured badge with the derived status's label."""
    try:
        value = TaskStatus(status)
    except ValueError:
        return ""
    return format_html('<span class="badge {}">{}</span>', TASK_BADGES[value], value.label)


@register.filter
def report_badge(state: str) -> str:
    """The CSS class of an agency report's state (ReportState)."""
    return REPORT_BADGES.get(state, "text-bg-light border")


@register.simple_tag
def report_state_badge(state: str, classes: str = "") -> str:
    """A coloured badge with the agency report state's label."""
    if state not in ReportState.LABELS:
        return ""
    return format_html('<span class="badge {} {}">{}</span>', REPORT_BADGES[state], classes, ReportState.LABELS[state])


@register.filter
def days_label(days: int) -> str:
    """“5 days left”, “due today” or “3 days overdue”."""
    if days is None:
        return ""
    if days == 0:
        return _("due today")
    if days > 0:
        return ngettext("%(n)d day left", "%(n)d days left", days) % {"n": days}
    return ngettext("%(n)d day overdue", "%(n)d days overdue", -days) % {"n": -days}


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if mapping else None


@register.filter
def days_from(deadline, as_of) -> int | None:
    """Calendar days from ``as_of`` to ``deadline`` (negative when overdue); None for an ongoing task."""
    return None if deadline is None else (deadline - as_of).days


@register.filter
def deadline_text(deadline) -> str:
    """A task's deadline as dd/mm/yyyy, or "Thường xuyên" for a standing task with none (a date or ISO text)."""
    import datetime as dt

    if isinstance(deadline, str):
        try:
            deadline = dt.date.fromisoformat(deadline) if deadline else None
        except ValueError:
            return deadline
    return deadline_label(deadline)


@register.filter
def isodate(value: str):
    """A date stored as ISO text (report snapshots) back to a date, for |date:"d/m/Y"."""
    import datetime as dt

    try:
        return dt.date.fromisoformat(value)
    except (TypeError, ValueError):
        return value
