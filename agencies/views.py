"""Landing pages by role and the health check."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from parindex.models import Cycle


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """One landing page per role; later pages hang off it."""
    user = request.user
    cycle = Cycle.current()
    if user.is_snv:
        template = "agencies/home_snv.html"
    elif user.is_chairman_office:
        template = "agencies/home_chairman.html"
    elif user.agency:
        return render(request, "agencies/home_agency.html", _agency_home(user, cycle))
    else:
        template = "agencies/home_none.html"
    return render(request, template, {"cycle": cycle, "as_of": cycle.as_of() if cycle else None})


def _agency_home(user, cycle: Cycle | None) -> dict:
    """The agency's standing: its tasks by status, what needs attention first, and its report."""
    from parindex import reporting
    from remediation.models import AgencyReport, Task
    from remediation.status import TaskStatus

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
        .order_by("deadline")[:8]
    )
    state = reporting.report_state(report, cycle.report_deadline)
    return {
        "cycle": cycle,
        "as_of": as_of,
        "counts": reporting.task_counts(tasks, as_of),
        "statuses": TaskStatus,
        "urgent": urgent,
        "report": report,
        "report_state": state,
        "report_label": reporting.ReportState.LABELS[state],
        "report_badge": reporting.ReportState.BADGES[state],
        "report_days_left": (cycle.report_deadline - as_of).days,
    }


def _check_database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any database failure means unhealthy
        return f"error: {exc.__class__.__name__}"
    return "ok"


def _check_broker() -> str:
    """Ping Redis when it is the broker; the embedded default (eager tasks) has none to check."""
    if not settings.REDIS_URL:
        return "eager"
    import redis

    try:
        redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=2).ping()
    except Exception as exc:  # unreachable, refused, timed out
        return f"error: {exc.__class__.__name__}"
    return "ok"


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """For the load balancer and the smoke test: the database and the broker answer."""
    checks = {"database": _check_database(), "broker": _check_broker()}
    healthy = all(not v.startswith("error") for v in checks.values())
    return JsonResponse({"status": "ok" if healthy else "error", **checks}, status=200 if healthy else 503)
