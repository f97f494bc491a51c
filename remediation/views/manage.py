"""SNV's task management: list with bulk changes, assign, edit, close and reopen.

SNV reviewers only; anyone else gets a 404 (agencies.decorators.snv_required).
The writes are the services of remediation.assignment.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from agencies.decorators import snv_required
from agencies.params import parse_int_or_none
from agencies.versioning import StaleEdit
from parindex.access import selected_cycle

from .. import assignment
from ..forms.manage import BulkForm, ManageTaskFilter, ReasonForm, TaskCreateForm, TaskEditForm, assignable_agencies
from ..models import Task, by_deadline
from .common import area_choices, stale_messages

PAGE_SIZE = 50


def _next_or(request: HttpRequest, fallback: str) -> str:
    """The ``next`` URL of the form if it is a local path ("/..."), else ``fallback``.

    ``redirect()`` reads anything that is not a path as a view name (``next=1`` was a
    ``NoReverseMatch``, a 500), so only a path on this site is accepted; a NUL or a
    backslash is refused as well.
    """
    target = request.POST.get("next") or request.GET.get("next") or ""
    if (
        target.startswith("/")
        and "\\" not in target
        and "\x00" not in target
        and url_has_allowed_host_and_scheme(target, allowed_hosts=None, require_https=request.is_secure())
    ):
        return target
    return fallback


@snv_required
def task_list(request: HttpRequest) -> HttpResponse:
    """The cycle's tasks, filtered in the QuerySet and paged; tick some to change them together."""
    cycle = selected_cycle(request)
    as_of = cycle.as_of()
    tasks = (
        Task.objects.filter(cycle=cycle)
        .with_status(as_of)
        .select_related("lead_agency")
        .prefetch_related("sub_criteria")
        .order_by(by_deadline(), "id")
    )
    task_filter = ManageTaskFilter(request.GET or None, queryset=tasks)
    page = Paginator(task_filter.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "cycle": cycle,
        "as_of": as_of,
        "filter": task_filter,
        "page": page,
        "query": query.urlencode(),
        "bulk_form": BulkForm(cycle=cycle),
        "areas": area_choices(cycle),
        # Options rendered from plain tuples: with 2,000 agencies (national scale) Django's
        # per-option widget templates took most of the page's time.
        "lead_choices": _choices(task_filter.filters["lead"].queryset),
        "assignable_choices": _choices(assignable_agencies(cycle)),
    }
    return render(request, "remediation/manage_task_list.html", context)


def _choices(agencies) -> list[tuple[str, str]]:
    """(id as text, label) pairs; the label is the agency's short name, as str(agency) gives it."""
    return [(str(pk), short or name) for pk, short, name in agencies.values_list("pk", "short_name", "name")]


@snv_required
def task_create(request: HttpRequest) -> HttpResponse:
    cycle = selected_cycle(request, form_field=True)
    form = TaskCreateForm(request.POST or None, cycle=cycle, initial=_create_initial(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        created = assignment.create_tasks(
            cycle,
            lead_agencies=data["leads"],
            title=data["title"],
            deadline=data["deadline"],
            user=request.user,
            description=data["description"],
            source_document=data["source_document"],
            sub_criteria=data["sub_criteria"],
            coordinating_agencies=data["coordinating_agencies"],
            closure_criteria=data.get("closure_criteria") or "",
        )
        n = len(created)
        messages.success(request, ngettext("%(n)d task assigned.", "%(n)d tasks assigned.", n) % {"n": n})
        return redirect(_next_or(request, reverse("remediation:manage-task-list")))
    context = {"form": form, "cycle": cycle, "next": _next_or(request, "")}
    return render(request, "remediation/manage_task_form.html", context)


def _create_initial(request: HttpRequest) -> dict:
    criterion = parse_int_or_none(request.GET.get("criterion"))
    return {"sub_criteria": [criterion]} if criterion is not None else {}


@snv_required
def task_edit(request: HttpRequest, pk: int) -> HttpResponse:
    task = get_object_or_404(Task.objects.select_related("cycle", "lead_agency"), pk=pk)
    initial = {
        "title": task.title,
        "description": task.description,
        "source_document": task.source_document,
        "sub_criteria": list(task.sub_criteria.values_list("pk", flat=True)),
        "lead_agency": task.lead_agency_id,
        "coordinating_agencies": list(task.coordinating_agencies.values_list("pk", flat=True)),
        "deadline": task.deadline,
        "ongoing": task.deadline is None,
        "closure_criteria": task.closure_criteria,
        "version": task.version,
    }
    form = TaskEditForm(request.POST or None, task=task, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            assignment.edit_task(
                task,
                user=request.user,
                reason=data["reason"],
                expected_version=data["version"],
                sub_criteria=data["sub_criteria"],
                coordinating_agencies=data["coordinating_agencies"],
                **{f: data.get(f, "") for f in assignment.EDITABLE_FIELDS},
            )
        except StaleEdit as exc:
            form.add_error(None, str(exc))
            stale_messages(request, exc)
        except assignment.AssignmentError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Task saved."))
            return redirect(_next_or(request, reverse("remediation:manage-task-list") + f"?cycle={task.cycle.year}"))
    context = {"form": form, "task": task, "cycle": task.cycle, "next": _next_or(request, "")}
    return render(request, "remediation/manage_task_form.html", context)


def _close_or_reopen(request: HttpRequest, pk: int, closing: bool) -> HttpResponse:
    task = get_object_or_404(Task.objects.select_related("cycle", "lead_agency"), pk=pk)
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        action = assignment.close_task if closing else assignment.reopen_task
        try:
            action(task, user=request.user, reason=form.cleaned_data["reason"])
        except assignment.AssignmentError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Task closed.") if closing else _("Task reopened."))
            return redirect(_next_or(request, reverse("remediation:manage-task-list") + f"?cycle={task.cycle.year}"))
    context = {"form": form, "task": task, "closing": closing, "next": _next_or(request, "")}
    return render(request, "remediation/manage_task_close.html", context)


@snv_required
def task_close(request: HttpRequest, pk: int) -> HttpResponse:
    return _close_or_reopen(request, pk, closing=True)


@snv_required
def task_reopen(request: HttpRequest, pk: int) -> HttpResponse:
    return _close_or_reopen(request, pk, closing=False)


@snv_required
@require_POST
def task_bulk(request: HttpRequest) -> HttpResponse:
    """Apply one change to the ticked tasks; errors come back as a message on the list."""
    cycle = selected_cycle(request, form_field=True)
    form = BulkForm(request.POST, cycle=cycle)
    fallback = reverse("remediation:manage-task-list") + f"?cycle={cycle.year}"
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect(_next_or(request, fallback))
    data = form.cleaned_data
    changed = assignment.bulk_change(
        [t.pk for t in data["tasks"]],
        user=request.user,
        reason=data["reason"],
        deadline=data["deadline"] if data["action"] == "deadline" else None,
        lead_agency=data["lead_agency"] if data["action"] == "lead" else None,
    )
    messages.success(request, ngettext("%(n)d task changed.", "%(n)d tasks changed.", changed) % {"n": changed})
    return redirect(_next_or(request, fallback))
