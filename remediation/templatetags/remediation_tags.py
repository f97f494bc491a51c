from django import template
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ..status import BADGE_CLASS, TaskStatus

register = template.Library()


@register.simple_tag
def status_badge(status: str) -> str:
    """A coloured badge with the derived status's label."""
    try:
        value = TaskStatus(status)
    except ValueError:
        return ""
    return format_html('<span class="badge {}">{}</span>', BADGE_CLASS[value], value.label)


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
def days_from(deadline, as_of) -> int:
    """Calendar days from ``as_of`` to ``deadline`` (negative when overdue)."""
    return (deadline - as_of).days


@register.filter
def isodate(value: str):
    """A date stored as ISO text (report snapshots) back to a date, for |date:"d/m/Y"."""
    import datetime as dt

    try:
        return dt.date.fromisoformat(value)
    except (TypeError, ValueError):
        return value
