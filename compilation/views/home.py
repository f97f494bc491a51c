"""Landing pages by role."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from parindex.access import default_cycle
from parindex.models import Cycle
from remediation import reports, verification
from remediation.models import AgencyReport, DeadlineExtension, ExtensionState, Task, by_deadline
from remediation.status import TaskStatus


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """One landing page per role; later pages hang off it."""
    user = request.user
    cycle = default_cycle(user)
    if user.is_snv:
        template = "compilation/home_snv.html"
    elif user.is_chairman_office:
        template = "compilation/home_chairman.html"
    elif user.agency:
        return render(request, "compilation/home_agency.html", _agency_home(user, cycle))
    else:
        template = "compilation/home_none.html"
    return render(request, template, {"cycle": cycle, "as_of": cycle.as_of() if cycle else None})


def _agency_home(user, cycle: Cycle | None) -> dict:
    """The agency's standing: its tasks by status, what needs attention first, and its report."""
    if cycle is None:
        return {"cycle": None}
    as_of = cycle.as_of()
    tasks = Task.objects.filter(cycle=cycle).for_agency(user.agency)
    report = AgencyReport.objects.filter(cycle=cycle, agency=user.agency).first()
    urgent = (
        tasks.open(as_of)
        .with_status(as_of)
        .filter(status__in=[TaskStatus.OVERDUE, TaskStatus.DUE_SOON])
        .select_related("lead_agency")
        .order_by(by_deadline())[:8]
    )
    state = reports.report_state(report, cycle.report_deadline)
    led = tasks.filter(lead_agency=user.agency).not_closed()
    return {
        **_act_now(led, as_of),
        "to_verify": verification.awaiting_for_focal_agency(user.agency),
        "cycle": cycle,
        "as_of": as_of,
        "counts": tasks.status_counts(as_of),
        "statuses": TaskStatus,
        "urgent": urgent,
        "report": report,
        "report_state": state,
        "report_days_left": (cycle.report_deadline - as_of).days,
    }


def _act_now(led, as_of) -> dict:
    """'Việc cần làm ngay': what only the agency can move, first on its home page."""
    return {
        "no_cause": list(led.overdue(as_of).filter(cause="").order_by("deadline")[:10]),
        "sent_back": list(
            led.filter(completed_on__isnull=True, sent_back_at__isnull=False).order_by("-sent_back_at")[:10]
        ),
        "decisions": list(
            DeadlineExtension.objects.filter(task__in=led)
            .exclude(state=ExtensionState.PENDING)
            .select_related("task")
            .order_by("-decided_at")[:5]
        ),
    }
