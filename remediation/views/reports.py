"""The agency's report to the Chairman through SNV, and SNV's inbox of reports."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Window
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from agencies.models import Agency
from agencies.params import is_id
from agencies.versioning import StaleEdit
from parindex.access import selected_cycle

from .. import access, extensions, reports, services, verification
from ..filters import AWAITING
from ..forms.work import ReportForm, ReviewForm
from ..models import AgencyReport, ReportStatus, Task
from ..status import TaskStatus
from .common import add_validation_error, stale_messages


def _report_context(request: HttpRequest, report: AgencyReport, **extra) -> dict:
    cycle = report.cycle
    as_of = cycle.as_of()
    editable = reports.is_editable(report)
    user = request.user
    can_submit = editable and access.can_submit_report(user, report.agency_id)
    ctx = {
        "report": report,
        "cycle": cycle,
        "as_of": as_of,
        "state": reports.report_state(report if report.pk else None, cycle.report_deadline),
        "state_labels": reports.ReportState.LABELS,
        "tasks": None if report.snapshot and not editable else _with_needs(cycle, report, as_of),
        "missing_ids": set(),
        "snapshot": report.snapshot.get("tasks") if report.snapshot and not editable else None,
        "editable": editable and access.can_draft_report(user, report.agency_id),
        "can_submit": can_submit,
        "can_review": report.status == ReportStatus.SUBMITTED and access.can_review_reports(user),
        "late": bool(report.pk) and reports.is_late(report),
        "days_left": (cycle.report_deadline - as_of).days,
        "form": ReportForm(initial={"version": report.version, "narrative": report.narrative}, can_submit=can_submit),
        "review_form": ReviewForm(
            initial={"version": report.version},
            action=reverse("remediation:report-review", args=[report.pk]) if report.pk else "",
        ),
        "history": report.history.select_related("history_user").order_by("-history_date")[:20],
    }
    ctx.update(extra)
    return ctx


def _with_needs(cycle, report: AgencyReport, as_of) -> list:
    """The report's tasks, each marked when the report needs its cause (overdue, done late, not finishable)."""
    tasks = list(services.report_tasks(cycle, report.agency, as_of))
    for t in tasks:
        t.needs_cause = t.status in (TaskStatus.OVERDUE, TaskStatus.DONE_LATE) or t.cannot_finish
    return tasks


@login_required
def report_edit(request: HttpRequest) -> HttpResponse:
    """The agency's own report for the cycle: staff draft, the leader submits."""
    agency = request.user.agency
    if agency is None:
        raise Http404
    cycle = selected_cycle(request)
    if not agency.exists_on(cycle.as_of()):
        raise Http404  # no report of an agency in a cycle it did not exist in (none is created by a visit)
    report = services.report_for(cycle, agency)
    if request.method != "POST":
        return render(request, "remediation/report_edit.html", _report_context(request, report))
    form = ReportForm(request.POST, can_submit=access.can_submit_report(request.user, agency.id))
    if not form.is_valid():
        return render(request, "remediation/report_edit.html", _report_context(request, report, form=form), status=400)
    data = form.cleaned_data
    if "submit" in request.POST and "confirm" not in request.POST:
        return _confirm_submission(request, report, form)
    try:
        if "submit" in request.POST:
            services.submit_report(
                report.pk, request.user, narrative=data["narrative"], expected_version=data["version"]
            )
            report.refresh_from_db()
            messages.success(request, _("The report is submitted to SNV."))
            messages.info(
                request,
                _("Receipt no. %(number)s, submitted at %(time)s.")
                % {"number": report.receipt_number, "time": date_format(localtime(report.submitted_at), "d/m/Y H:i")},
            )
        else:
            services.save_report_draft(
                report.pk, request.user, narrative=data["narrative"], expected_version=data["version"]
            )
            messages.success(request, _("Draft saved."))
    except PermissionDenied:
        form.add_error(None, _("Only the agency's leader can submit the report."))
        return render(request, "remediation/report_edit.html", _report_context(request, report, form=form), status=403)
    except StaleEdit as exc:
        stale_messages(request, exc)
        report.refresh_from_db()
        return render(request, "remediation/report_edit.html", _report_context(request, report), status=409)
    except ValidationError as exc:
        add_validation_error(form, exc)
        return render(request, "remediation/report_edit.html", _report_context(request, report, form=form), status=400)
    return redirect("remediation:report-edit")


def _confirm_submission(request: HttpRequest, report: AgencyReport, form) -> HttpResponse:
    """The step before submitting: refused at once while a cause is missing, else asks for confirmation."""
    if not access.can_submit_report(request.user, report.agency_id):
        form.add_error(None, _("Only the agency's leader can submit the report."))
        return render(request, "remediation/report_edit.html", _report_context(request, report, form=form), status=403)
    missing = services.missing_causes(report, report.cycle.as_of())
    if missing:
        form.add_error(
            None,
            _("State the cause of every overdue task before submitting: %(tasks)s")
            % {"tasks": "; ".join(t.title for t in missing)},
        )
        ctx = _report_context(request, report, form=form, missing_ids={t.pk for t in missing})
        return render(request, "remediation/report_edit.html", ctx, status=400)
    if not form.cleaned_data["narrative"].strip():
        form.add_error("narrative", _("Write the report's narrative before submitting it."))
        return render(request, "remediation/report_edit.html", _report_context(request, report, form=form), status=400)
    return render(request, "remediation/report_edit.html", _report_context(request, report, form=form, confirming=True))


@login_required
@require_POST
def report_causes(request: HttpRequest) -> HttpResponse:
    """The causes of unfinished and overdue tasks, written on the report page and saved to the tasks."""
    agency = request.user.agency
    if agency is None:
        raise Http404
    cycle = selected_cycle(request, form_field=True)
    if not agency.exists_on(cycle.as_of()):
        raise Http404
    report = services.report_for(cycle, agency)
    causes = {}
    for key, value in request.POST.items():
        if key.startswith("cause_") and is_id(key[6:]):
            version = request.POST.get(f"version_{key[6:]}", "")
            causes[int(key[6:])] = (value, int(version) if is_id(version) else None)
    if not any(text.strip() for text, _version in causes.values()):
        messages.error(request, _("Write the cause of at least one task."))
        return render(request, "remediation/report_edit.html", _report_context(request, report), status=400)
    try:
        n = services.save_report_causes(report.pk, request.user, causes)
    except StaleEdit as exc:
        stale_messages(request, exc)
        return render(request, "remediation/report_edit.html", _report_context(request, report), status=409)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return render(request, "remediation/report_edit.html", _report_context(request, report), status=400)
    except PermissionDenied as exc:
        raise Http404 from exc
    messages.success(request, ngettext("%(n)d cause saved.", "%(n)d causes saved.", n) % {"n": n})
    return redirect(reverse("remediation:report-edit") + "#causes")


#: How many claims awaiting verification the inbox lists (the oldest); the task list has them all.
INBOX_QUEUE = 20


@login_required
def report_inbox(request: HttpRequest) -> HttpResponse:
    """SNV's inbox: every addressee with its report state (the Chairman's office reads it too)."""
    if not request.user.sees_everything:
        raise Http404
    cycle = selected_cycle(request)
    by_agency = {r.agency_id: r for r in AgencyReport.objects.filter(cycle=cycle).select_related("submitted_by")}
    rows = []
    for agency in (
        Agency.objects.addressees(cycle.reporting_kinds, cycle.as_of())
        .by_name()
        .only("id", "name", "short_name", "kind")
    ):
        report = by_agency.get(agency.id)
        rows.append({"agency": agency, "report": report, "state": reports.report_state(report, cycle.report_deadline)})
    counts = {key: sum(1 for r in rows if r["state"] == key) for key in reports.ReportState.LABELS}
    wanted = request.GET.get("state")
    # Each row carries the number of all the claims (COUNT(*) OVER ()): no second query for the badge.
    awaiting = verification.awaiting(Task.objects.filter(cycle=cycle)).select_related("lead_agency")
    oldest = list(awaiting.annotate(total=Window(Count("id"))).order_by("completed_on", "id")[:INBOX_QUEUE])
    if wanted in reports.ReportState.LABELS:
        rows = [r for r in rows if r["state"] == wanted]
    return render(
        request,
        "remediation/report_inbox.html",
        {
            "cycle": cycle,
            "rows": rows,
            "counts": counts,
            "wanted": wanted,
            "labels": reports.ReportState.LABELS,
            # The oldest claims first, as many as a screen holds; the rest are one link away.
            "awaiting": oldest,
            "awaiting_count": oldest[0].total if oldest else 0,
            "awaiting_url": reverse("remediation:task-list") + f"?cycle={cycle.year}&status={AWAITING}&sort=deadline",
            "pending_extensions": list(extensions.pending(Task.objects.filter(cycle=cycle))),
            "can_decide": request.user.is_snv,
        },
    )


@login_required
def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    report = get_object_or_404(access.visible_reports(request.user).select_related("cycle", "agency"), pk=pk)
    return render(request, "remediation/report_detail.html", _report_context(request, report))


@login_required
@require_POST
def report_review(request: HttpRequest, pk: int) -> HttpResponse:
    report = get_object_or_404(access.visible_reports(request.user).select_related("cycle", "agency"), pk=pk)
    if not access.can_review_reports(request.user):
        raise Http404
    form = ReviewForm(request.POST, action=reverse("remediation:report-review", args=[report.pk]))
    if not form.is_valid():
        return render(
            request, "remediation/report_detail.html", _report_context(request, report, review_form=form), status=400
        )
    data = form.cleaned_data
    try:
        services.review_report(
            report.pk,
            request.user,
            accept="accept" in request.POST,
            comment=data["comment"],
            expected_version=data["version"],
        )
    except StaleEdit as exc:
        stale_messages(request, exc)
        report.refresh_from_db()
        return render(request, "remediation/report_detail.html", _report_context(request, report), status=409)
    except ValidationError as exc:
        add_validation_error(form, exc)
        return render(
            request, "remediation/report_detail.html", _report_context(request, report, review_form=form), status=400
        )
    messages.success(
        request,
        _("The report is accepted.") if "accept" in request.POST else _("The report is returned to the agency."),
    )
    return redirect("remediation:report-inbox")
