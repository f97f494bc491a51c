"""The score tree and the sub-criterion page (scores, tasks, evidence, history)."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.text import Truncator, capfirst
from django.utils.translation import gettext as _

from agencies import versioning
from agencies.files import private_download
from parindex import services
from parindex.access import (
    can_edit_score,
    cycle_param,
    focal_agency_of,
    score_reader_required,
    selected_as_of,
    selected_cycle,
)
from parindex.models import Criterion, Cycle, FrameworkKind, Score, ScoreEvidence
from remediation.models import Evidence

from .. import figures
from ..filters import ScoreFilterForm, flatten, matching_leaves
from ..forms.scores import ScoreForm
from ..templatetags.snv_tags import format_points

HISTORY_LIMIT = 50


@score_reader_required
def score_tree(request: HttpRequest) -> HttpResponse:
    """The index for a cycle: totals, ranking group, projection, and the filtered tree."""
    cycle = selected_cycle(request)
    as_of = selected_as_of(request, cycle)
    form = ScoreFilterForm(request.GET or None, cycle=cycle)
    data = form.cleaned_data if form.is_valid() else {}
    kind = data.get("kind") or FrameworkKind.PAR
    tree = figures.score_tree(cycle, kind, as_of)
    matches = matching_leaves(tree, data) if form.active else None
    focal = focal_agency_of(request.user)
    context = {
        "cycle": cycle,
        "as_of": as_of,
        "form": form,
        "kind": kind,
        "lines": flatten(tree, {r.id for r in matches} if matches is not None else None),
        "matches": matches,
        "totals": figures.totals(tree) if tree else None,
        "projection": figures.projected(tree) if tree else None,
        "projection_list": list(figures.projections(tree).values()) if tree else [],
        "source": figures.figure_source(cycle, as_of, kind),
        "below_count": len(figures.below_max(tree)),
        "no_task_count": len(figures.below_max(tree, no_task=True)),
        "cycles": Cycle.objects.order_by("-year").only("year", "name"),
        "can_edit_all": request.user.is_snv,
        "task_cycle": cycle_param(cycle),
        "editable_focal_id": focal.pk if focal else None,
        # One reverse() instead of two per row: the links are the same but for the id.
        "detail_prefix": reverse("compilation:criterion-detail", args=[cycle.year, 0])[:-2],
        # The predecessors' announced results of the year before, side by side (issue 13).
        "baselines": figures.predecessor_baselines(cycle),
    }
    return render(request, "compilation/score_tree.html", context)


def _area_of(criterion: Criterion) -> Criterion:
    node = criterion
    while node.parent_id is not None:
        node = node.parent
    return node


@score_reader_required
def criterion_detail(request: HttpRequest, year: int, pk: int) -> HttpResponse:
    """One sub-criterion in one cycle: its figures, the edit form if allowed, tasks, evidence, history."""
    cycle = get_object_or_404(Cycle, year=year)
    criterion = get_object_or_404(
        Criterion.objects.select_related("framework", "parent__parent__focal_agency", "parent__focal_agency"),
        pk=pk,
        framework__cycles=cycle,
    )
    if criterion.children.exists():
        raise Http404
    area = _area_of(criterion)
    can_edit = can_edit_score(request.user, area.focal_agency_id)
    score = Score.objects.filter(cycle=cycle, criterion=criterion).first()
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied
        form = ScoreForm(request.POST, criterion=criterion)
        if form.is_valid() and _save_score(request, form, cycle, criterion):
            return redirect("compilation:criterion-detail", year=cycle.year, pk=criterion.pk)
    else:
        form = ScoreForm(initial=_initial(score), criterion=criterion) if can_edit else None
    as_of = cycle.as_of()
    previous, comparable = _previous(cycle, criterion, score, as_of)
    tasks = figures.tasks_by_criterion(cycle, as_of, [criterion.pk]).get(criterion.pk, [])
    evidence = Evidence.objects.filter(task__in=[t.pk for t in tasks]).select_related("task", "uploaded_by")
    context = {
        "cycle": cycle,
        "as_of": as_of,
        "criterion": criterion,
        "area": area,
        "score": score,
        "form": form,
        "can_edit": can_edit,
        "can_assign": request.user.is_snv,
        "tasks": tasks,
        "evidence": evidence,
        "history": score_history(score),
        "previous": previous,
        "previous_comparable": comparable,
        "trend": _trend(cycle, criterion, as_of),
        "score_evidence": list(score.evidence.select_related("uploaded_by")) if score else [],
        "change": score.effective - previous
        if score and score.effective is not None and previous is not None
        else None,
    }
    return render(request, "compilation/criterion_detail.html", context)


def _trend(cycle: Cycle, criterion: Criterion, as_of) -> dict:
    trend = figures.criterion_trend(cycle, criterion.pk, as_of)
    points = figures.trend_svg_points(trend)
    return {"points": points, "years": trend, "polyline": " ".join(f"{x},{y}" for x, y, _p in points)}


def _previous(cycle: Cycle, criterion: Criterion, score: Score | None, as_of) -> tuple[Decimal | None, bool]:
    """Last cycle's figure through the crosswalk; the stored one only for a baseline without a cycle."""
    values = figures.previous_values(cycle, criterion.framework_id, as_of)
    if values is None:
        return (score.previous_score if score else None), True
    return values.get(criterion.pk), criterion.pk in values


def _initial(score: Score | None) -> dict:
    if score is None:
        return {}
    return {name: getattr(score, name) for name in services.SCORE_FIELDS}


def _save_score(request: HttpRequest, form: ScoreForm, cycle: Cycle, criterion: Criterion) -> bool:
    values = {name: form.cleaned_data[name] for name in services.SCORE_FIELDS}
    try:
        services.update_score(cycle, criterion, user=request.user, reason=form.cleaned_data["reason"], **values)
    except ValidationError as exc:
        if not hasattr(exc, "error_dict"):  # a round's rule: about the whole form
            form.add_error(None, exc.messages)
            return False
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
        return False
    messages.success(request, _("Scores of %(code)s saved.") % {"code": criterion.code})
    return True


def _shown(value) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, Decimal):
        return format_points(value)
    return Truncator(str(value)).chars(80)


def score_history(score: Score | None) -> list[dict]:
    """The score's changes, newest first: when, who, why, and each field's old and new value.

    One query: consecutive records are compared in Python (agencies.versioning). The
    first record shows the values it was created with.
    """
    if score is None:
        return []
    history = score.history.select_related("history_user").order_by("-history_date", "-history_id")
    records = list(history[: HISTORY_LIMIT + 1])
    out = versioning.with_changes(Score, records, fields=services.SCORE_FIELDS, show_initial=True)[:HISTORY_LIMIT]
    for entry in out:
        entry["changes"] = [(capfirst(c.label), _shown(c.old), _shown(c.new)) for c in entry["changes"]]
    return out


@score_reader_required
def score_evidence_upload(request: HttpRequest, year: int, pk: int) -> HttpResponse:
    """The area's focal agency adds an evidence document to the self-assessment or its explanation."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    cycle = get_object_or_404(Cycle, year=year)
    criterion = get_object_or_404(Criterion.objects.select_related("parent__parent"), pk=pk, framework__cycles=cycle)
    if not can_edit_score(request.user, services.area_focal_id(criterion)):
        raise PermissionDenied
    upload = request.FILES.get("file")
    if upload is None:
        return HttpResponseBadRequest(_("Choose a file."))
    try:
        services.add_score_evidence(
            cycle, criterion, upload, user=request.user, round_kind=request.POST.get("round") or "self_assessment"
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Evidence “%(name)s” added.") % {"name": upload.name})
    return redirect("compilation:criterion-detail", year=cycle.year, pk=criterion.pk)


@score_reader_required
def score_evidence_download(request: HttpRequest, pk: int) -> FileResponse:
    evidence = get_object_or_404(ScoreEvidence.objects.select_related("score__criterion"), pk=pk)
    focal_id = services.area_focal_id(evidence.score.criterion)
    focal = focal_agency_of(request.user)
    if not (request.user.sees_everything or (focal is not None and focal.pk == focal_id)):
        raise Http404
    return private_download(evidence.file, evidence.original_name, evidence.content_type)
