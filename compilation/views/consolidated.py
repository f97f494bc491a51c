"""The consolidated report in the browser: SNV issues it, SNV and the Chairman's office download it.

Agency users get 404 everywhere here (no probing of what exists). Issuing is a POST
with CSRF; generation runs as a Celery task and the detail page polls its status.
"""

from __future__ import annotations

import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from parindex.access import selected_cycle
from parindex.models import Cycle

from .. import tasks
from ..consolidated import document, issuing
from ..forms.consolidated import IssueReportForm
from ..models import IssuedReport

log = logging.getLogger(__name__)


def can_read(user) -> bool:
    """SNV (and administrators) and the Chairman's office read issued reports."""
    return user.is_authenticated and (user.is_snv or user.is_chairman_office)


def _require_reader(request: HttpRequest) -> None:
    if not can_read(request.user):
        raise Http404


def _issued(request: HttpRequest, pk: int) -> IssuedReport:
    _require_reader(request)
    return get_object_or_404(IssuedReport.objects.select_related("cycle", "requested_by"), pk=pk)


def _list_context(cycle: Cycle, form: IssueReportForm | None) -> dict:
    return {
        "cycle": cycle,
        "cycles": Cycle.objects.order_by("-year"),
        "reports": cycle.issued_reports.select_related("requested_by").order_by("-requested_at"),
        "form": form,
        "blockers": document.issue_blockers(cycle),
    }


@login_required
@require_GET
def report_list(request: HttpRequest) -> HttpResponse:
    """The archive of a cycle's issued reports, with the issue form for SNV."""
    _require_reader(request)
    cycle = selected_cycle(request, form_field=True)
    form = IssueReportForm(initial={"as_of": cycle.as_of()}, today=cycle.today()) if request.user.is_snv else None
    return render(request, "compilation/report_list.html", _list_context(cycle, form))


@login_required
@require_POST
def report_issue(request: HttpRequest) -> HttpResponse:
    """Record the issue and enqueue the rendering; only SNV issues."""
    _require_reader(request)
    if not request.user.is_snv:
        raise PermissionDenied
    cycle = selected_cycle(request, form_field=True)
    form = IssueReportForm(request.POST, today=cycle.today(), blockers=document.issue_blockers(cycle))
    if not form.is_valid():
        return render(request, "compilation/report_list.html", _list_context(cycle, form), status=400)
    data = form.cleaned_data
    issued = tasks.issue_report(cycle, request.user, data["as_of"], data["proposals"], data["file_format"])
    messages.success(request, _("The report was issued; its PDF appears here as soon as it is generated."))
    return redirect("compilation:report-detail", pk=issued.pk)


@login_required
@require_GET
def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Progress while the task runs, then the download; the archive record of who and when."""
    issued = _issued(request, pk)
    return render(request, "compilation/report_detail.html", _status_context(issued))


@never_cache
@login_required
@require_GET
def report_status(request: HttpRequest, pk: int) -> HttpResponse:
    """The fragment htmx polls; once finished it carries no trigger, so polling stops."""
    issued = _issued(request, pk)
    return render(request, "compilation/report_status.html", _status_context(issued))


def _status_context(issued: IssuedReport) -> dict:
    """The report, and whether it is stuck: running long after its claim (its worker died)."""
    return {"issued": issued, "stuck": issuing.is_stuck(issued), "waiting_since": issued.waiting_since()}


@login_required
@require_GET
def report_download(request: HttpRequest, pk: int) -> FileResponse:
    """The archived bytes, checked against the SHA-256 recorded when they were issued."""
    return issuing.archived_response(_issued(request, pk))
