"""SNV's pages for agencies over time: the list, create, rename, deactivate, and merge/split/transfer.

A merge, split or transfer is two steps: the form, then a preview of what
moves where (SNV picks each task's successors and confirms each membership),
then ``remediation.restructuring.apply`` in one transaction.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from agencies import clock
from agencies import services as agency_services
from agencies.decorators import snv_required
from agencies.models import Agency, AgencyKind, LinkKind
from agencies.params import is_id
from remediation import restructuring
from remediation.models import RestructuringState, ScheduledRestructuring
from remediation.restructuring import Plan, RestructuringError

from .. import baselines
from ..forms.agencies import (
    RESTRUCTURING_KINDS,
    AgencyCreateForm,
    AgencyDeactivateForm,
    AgencyRenameForm,
    BaselineImportForm,
    RestructuringForm,
)


def _posted(request: HttpRequest):
    """The POSTed data, even when empty: an empty POST is a form error (400), never an unbound form."""
    return request.POST if request.method == "POST" else None


@snv_required
def agency_list(request: HttpRequest) -> HttpResponse:
    """Every agency with its period, earlier names and links; filter by kind and by "exists today"."""
    kind = request.GET.get("kind", "")
    qs = Agency.objects.prefetch_related("names", "successor_links__successor", "predecessor_links__predecessor")
    if kind in AgencyKind.values:
        qs = qs.filter(kind=kind)
    if request.GET.get("all") != "1":
        qs = qs.as_of(clock.today())
    context = {
        "agencies": qs.by_name(),
        "kinds": AgencyKind.choices,
        "kind": kind if kind in AgencyKind.values else "",
        "show_all": request.GET.get("all") == "1",
        "restructuring_kinds": RESTRUCTURING_KINDS.items(),
        "scheduled": _scheduled(),
    }
    return render(request, "compilation/agency_manage_list.html", context)


def _scheduled() -> list[dict]:
    """The changes waiting for their date, with their agencies' names (two queries)."""
    rows = list(ScheduledRestructuring.objects.filter(state=RestructuringState.PENDING))
    ids = {pk for r in rows for pk in [*r.source_ids, *r.successor_ids]}
    names = dict(Agency.objects.filter(pk__in=ids).values_list("pk", "name"))
    return [
        {
            "row": r,
            "label": LinkKind(r.kind).label,
            "sources": [names.get(pk, "") for pk in r.source_ids],
            "successors": [names.get(pk, "") for pk in r.successor_ids],
        }
        for r in rows
    ]


def _form_page(request: HttpRequest, form, title: str, agency: Agency | None = None, status: int = 200):
    context = {"form": form, "title": title, "agency": agency}
    return render(request, "compilation/agency_form.html", context, status=status)


@snv_required
def agency_create(request: HttpRequest) -> HttpResponse:
    form = AgencyCreateForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            agency = agency_services.create_agency(**data)
        except agency_services.AgencyChangeError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("%(name)s created.") % {"name": agency.name})
            return redirect("compilation:agency-manage")
    return _form_page(request, form, _("New agency"), status=400 if form.errors else 200)


@snv_required
def agency_rename(request: HttpRequest, pk: int) -> HttpResponse:
    agency = get_object_or_404(Agency, pk=pk)
    form = AgencyRenameForm(_posted(request), initial={"name": agency.name, "short_name": agency.short_name})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            agency_services.rename_agency(
                agency, name=data["name"], short_name=data["short_name"], on=data["effective_on"]
            )
        except agency_services.AgencyChangeError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Renamed; earlier pages keep the old name."))
            return redirect("compilation:agency-manage")
    return _form_page(request, form, _("Rename %(name)s") % {"name": agency.name}, agency, 400 if form.errors else 200)


@snv_required
def agency_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    agency = get_object_or_404(Agency, pk=pk)
    form = AgencyDeactivateForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            agency_services.deactivate_agency(agency, form.cleaned_data["effective_on"], reason=_("Deactivated by SNV"))
        except agency_services.AgencyChangeError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("%(name)s deactivated.") % {"name": agency.name})
            return redirect("compilation:agency-manage")
    title = _("Deactivate %(name)s") % {"name": agency.name}
    return _form_page(request, form, title, agency, 400 if form.errors else 200)


# --------------------------------------------------------------------------- merge, split, transfer


def _plan_from(request: HttpRequest, kind: str, form: RestructuringForm) -> Plan:
    """The plan of the form plus SNV's choices on the preview page (task successors, tasks to transfer)."""
    data = form.cleaned_data
    successors = list(data["successors"])
    allowed = {a.pk for a in successors}
    choices = {}
    for key in request.POST:
        if key.startswith("task-") and is_id(key[5:]):
            picked = [int(v) for v in request.POST.getlist(key) if is_id(v) and int(v) in allowed]
            if picked:
                choices[int(key[5:])] = picked
    task_ids = None
    if kind == LinkKind.TRANSFER and request.POST.get("step") == "confirm":
        task_ids = [int(v) for v in request.POST.getlist("move") if is_id(v)]
    return Plan(kind, list(data["sources"]), successors, data["effective_on"], choices, task_ids, data["note"])


def _memberships_from(request: HttpRequest) -> dict[int, int | None]:
    confirmed: dict[int, int | None] = {}
    for key in request.POST:
        if key.startswith("member-") and is_id(key[7:]):
            value = request.POST.get(key, "")
            confirmed[int(key[7:])] = int(value) if is_id(value) else None
    return confirmed


@snv_required
def restructure(request: HttpRequest, kind: str) -> HttpResponse:
    """Step 1: the form; step 2 (``step=preview``): what moves where; step 3 (``step=confirm``): apply."""
    if kind not in RESTRUCTURING_KINDS:
        raise Http404
    form = RestructuringForm(_posted(request), kind=kind)
    context = {"form": form, "kind": kind, "title": RESTRUCTURING_KINDS[kind]}
    if request.method != "POST":
        return render(request, "compilation/restructure_form.html", context)
    if not form.is_valid():
        return render(request, "compilation/restructure_form.html", context, status=400)
    plan = _plan_from(request, kind, form)
    try:
        if request.POST.get("step") == "confirm":
            applied = restructuring.apply(plan, user=request.user, memberships=_memberships_from(request))
            if applied.scheduled is not None:
                messages.success(
                    request,
                    _("Scheduled: the change takes effect on %(date)s and is applied on that day.")
                    % {"date": plan.effective_on.strftime("%d/%m/%Y")},
                )
                return redirect(reverse("compilation:agency-manage") + "?all=1")
            messages.success(
                request,
                _(
                    "Applied: %(tasks)d open tasks and %(links)d coordinating links moved, "
                    "%(members)d memberships created."
                )
                % {
                    "tasks": applied.tasks_moved,
                    "links": applied.coordinating_moved,
                    "members": applied.memberships_created,
                },
            )
            return redirect(reverse("compilation:agency-manage") + "?all=1")
        seen = restructuring.preview(plan)
    except (RestructuringError, agency_services.AgencyChangeError) as exc:
        form.add_error(None, str(exc))
        return render(request, "compilation/restructure_form.html", context, status=400)
    context.update(preview=seen, successors=plan.successors)
    return render(request, "compilation/restructure_preview.html", context)


# --------------------------------------------------------------------------- predecessor baselines


@snv_required
def baseline_import(request: HttpRequest) -> HttpResponse:
    """Import a predecessor province's announced results (its framework workbook of that year)."""
    form = BaselineImportForm(_posted(request), request.FILES or None)
    problems = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        upload = data.pop("file")
        result = baselines.import_baseline(upload.read(), user=request.user, **data)
        if result.baseline is not None:
            messages.success(request, _("Baseline of %(name)s imported.") % {"name": str(result.baseline)})
            return redirect("compilation:baseline-import")
        problems = result.problems
    status = 400 if request.method == "POST" and (form.errors or problems) else 200
    context = {"form": form, "problems": problems, "title": _("Predecessor province baseline")}
    return render(request, "compilation/baseline_import.html", context, status=status)
