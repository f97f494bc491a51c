"""The cycles and the start of the next one."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from agencies import versioning
from agencies.decorators import province_reader_required, snv_required
from parindex import services
from parindex.models import Cycle
from remediation import assignment

from ..forms.scores import LoopSettingsForm, StartCycleForm


@province_reader_required
def cycle_list(request: HttpRequest) -> HttpResponse:
    """Every cycle, earlier ones still readable: their scores and dashboard stay as they were."""
    cycles = (
        Cycle.objects.order_by("-year")
        .annotate(
            task_count=Count("tasks", distinct=True),
            carried_count=Count("tasks", filter=Q(tasks__carried_from__isnull=False), distinct=True),
        )
        .select_related("previous")
        .prefetch_related("frameworks")
    )
    return render(request, "compilation/cycle_list.html", {"cycles": cycles, "can_edit": request.user.is_snv})


@snv_required
def cycle_start(request: HttpRequest) -> HttpResponse:
    form = StartCycleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            started = assignment.start_cycle(
                data["previous"],
                data["year"],
                name=data["name"],
                report_deadline=data["report_deadline"],
                task_completion_target=data["task_completion_target"],
                self_assessment_date=data["self_assessment_date"],
                copy_frameworks=data["copy_frameworks"],
                carry_tasks=data["carry_tasks"],
                carried_deadline=data["carried_deadline"],
                make_current=data["make_current"],
                user=request.user,
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            _set_reporting_kinds(started.cycle, data.get("reporting_kinds"), request.user)
            messages.success(
                request,
                _("%(name)s started: %(scores)d previous-year scores carried over, %(tasks)d open tasks carried over.")
                % {"name": started.cycle.name, "scores": started.scores_carried, "tasks": started.tasks_carried},
            )
            return redirect(f"{reverse('compilation:score-tree')}?cycle={started.cycle.year}")
    return render(request, "compilation/cycle_start.html", {"form": form})


def _set_reporting_kinds(cycle: Cycle, kinds: list[str] | None, user) -> None:
    """SNV's choice of reporting kinds for the new cycle (the previous cycle's when none is ticked), with history."""
    if not kinds or list(kinds) == list(cycle.reporting_kinds):
        return
    cycle.reporting_kinds = list(kinds)
    cycle._history_user = user
    cycle._change_reason = _("Reporting kinds set")
    cycle.save(update_fields=["reporting_kinds"])


@snv_required
def cycle_settings(request: HttpRequest, year: int) -> HttpResponse:
    """SNV sets a cycle's loop settings (who verifies, the reminder rhythm); every change is in its history."""
    cycle = get_object_or_404(Cycle, year=year)
    initial = {name: getattr(cycle, name) for name in services.LOOP_SETTINGS}
    form = LoopSettingsForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                changed = services.update_loop_settings(
                    cycle,
                    user=request.user,
                    reason=data["reason"],
                    **{name: data[name] for name in services.LOOP_SETTINGS},
                )
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                if changed:
                    messages.success(request, _("The cycle's settings have been saved."))
                else:
                    messages.info(request, _("Nothing changed."))
                return redirect("compilation:cycle-settings", year=cycle.year)
        status = 400
    records = list(cycle.history.select_related("history_user").order_by("-history_date", "-history_id")[:50])
    history = []
    for entry in versioning.with_changes(Cycle, records, fields=services.LOOP_SETTINGS):
        if entry["changes"] or entry["created"]:
            entry["changes"] = [(c.label, _shown(c.old), _shown(c.new)) for c in entry["changes"]]
            history.append(entry)
    context = {"cycle": cycle, "form": form, "history": history}
    return render(request, "compilation/cycle_settings.html", context, status=status)


def _shown(value) -> str:
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    return "—" if value in (None, "") else str(value)
