"""Where each reminder leads: paths built with reverse(), never typed by hand.

A hard-coded "/reports/" once sent every report reminder to a 404; the link test
follows each of these as its recipient.
"""

from __future__ import annotations

from django.urls import reverse

from agencies.models import Agency
from parindex.access import is_focal_agency


def task_link(task_id: int) -> str:
    return reverse("remediation:task-detail", args=[task_id])


def report_link() -> str:
    """The agency's own report of the current cycle (the recipients are the agency's people)."""
    return reverse("remediation:report-edit")


def scores_link() -> str:
    return reverse("compilation:score-tree")


def rounds_link(year: int) -> str:
    """The cycle's scoring rounds: a focal agency submits (or explains) from there, SNV follows them."""
    return f"{reverse('compilation:round-list')}?cycle={year}"


def home_link() -> str:
    return reverse("compilation:home")


def scores_link_for(agency: Agency) -> str:
    """The score tree for a focal agency, which may read it; the home page for any other agency."""
    return scores_link() if is_focal_agency(agency) else home_link()


def notifications_link() -> str:
    return reverse("remediation:notification-list")
