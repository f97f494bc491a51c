"""The agency report's states: late, editable, its state in SNV's inbox and its group. One place.

Every page, the dashboard, the PDF and the workbook read these, so "late" means
the same everywhere: submitted on a local date after the cycle's report deadline.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agencies import clock

from .models import AgencyReport, ReportStatus

EDITABLE = (ReportStatus.DRAFT, ReportStatus.RETURNED)
SUBMITTED = (ReportStatus.SUBMITTED, ReportStatus.ACCEPTED)


def submitted_late(report: AgencyReport, deadline: dt.date) -> bool:
    """Submitted on a local (Asia/Ho_Chi_Minh) date after the deadline."""
    return bool(report.submitted_at) and timezone.localdate(report.submitted_at) > deadline


def is_late(report: AgencyReport) -> bool:
    return submitted_late(report, report.cycle.report_deadline)


def is_editable(report: AgencyReport) -> bool:
    """A draft, or a report SNV returned: the agency may change it; a submitted one is frozen.

    A report closed by a restructuring is frozen from its closing day, read on
    the cycle's clock: in the 2021 cycle a district's draft is as it was then.
    """
    return report.status in EDITABLE and not report.closed_by(clock.today(report.cycle))


class ReportState:
    """What SNV's inbox shows for an agency's report, derived as of a date."""

    NOT_STARTED = "not_started"
    DRAFT = "draft"
    SUBMITTED_ON_TIME = "submitted_on_time"
    SUBMITTED_LATE = "submitted_late"
    RETURNED = "returned"
    ACCEPTED = "accepted"

    LABELS = {
        NOT_STARTED: _("Not started"),
        DRAFT: _("Draft"),
        SUBMITTED_ON_TIME: _("Submitted on time"),
        SUBMITTED_LATE: _("Submitted late"),
        RETURNED: _("Returned"),
        ACCEPTED: _("Accepted"),
    }


def report_state(report: AgencyReport | None, deadline: dt.date) -> str:
    if report is None:
        return ReportState.NOT_STARTED
    if report.status == ReportStatus.SUBMITTED:
        return ReportState.SUBMITTED_LATE if submitted_late(report, deadline) else ReportState.SUBMITTED_ON_TIME
    return {
        ReportStatus.DRAFT: ReportState.DRAFT,
        ReportStatus.RETURNED: ReportState.RETURNED,
        ReportStatus.ACCEPTED: ReportState.ACCEPTED,
    }[report.status]


class ReportGroup:
    """The dashboard's groups of addressees, each the same set as the state of the same name.

    "Submitted on time" is the state of that name (glossary: Đã gửi đúng hạn): an accepted
    report is counted as accepted, not again as submitted, so a card and the state
    breakdown beside it never disagree. A returned report is missing until resubmitted.
    """

    SUBMITTED = "submitted"
    LATE = "late"
    ACCEPTED = "accepted"
    MISSING = "missing"

    LABELS = {
        SUBMITTED: _("Submitted on time"),
        LATE: _("Submitted late"),
        ACCEPTED: _("Accepted"),
        MISSING: _("Missing"),
    }


def report_group(report: AgencyReport | None, deadline: dt.date) -> str:
    if report is None or report.status not in SUBMITTED:
        return ReportGroup.MISSING
    if report.status == ReportStatus.ACCEPTED:
        return ReportGroup.ACCEPTED
    return ReportGroup.LATE if submitted_late(report, deadline) else ReportGroup.SUBMITTED
