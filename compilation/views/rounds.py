"""A cycle's scoring rounds: dates and locks, focal agencies' submissions, SNV's reopenings."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.core import signing
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from agencies.models import Agency
from parindex import services
from parindex.access import focal_agency_of, score_reader_required, selected_cycle
from parindex.models import (
    Cycle,
    FrameworkKind,
    Level,
    Result,
    Round,
    RoundKind,
    RoundOwner,
    RoundReopening,
    RoundSubmission,
    Score,
)

from ..excel.appraisal import read_appraisal_workbook
from ..excel.workbook import WorkbookError
from ..forms.rounds import AppraisalUploadForm, ReopenForm, ResultForm, RoundDatesForm

APPRAISAL_SALT = "compilation.appraisal-import"
APPRAISAL_MAX_AGE = 3600  # a preview confirmed within the hour


def _focal_agencies(round_: Round):
    """The focal agencies of the cycle's areas: the agencies that submit in a focal round."""
    frameworks = round_.cycle.frameworks.values("id")
    areas = {"focal_criteria__framework__in": frameworks, "focal_criteria__level": Level.AREA}
    return Agency.objects.filter(**areas).distinct().order_by("name")


@score_reader_required
def round_list(request: HttpRequest) -> HttpResponse:
    """The rounds of a cycle with their state today; a focal agency submits or withdraws its area here."""
    cycle = selected_cycle(request)
    today = cycle.today()
    rounds = list(Round.objects.filter(cycle=cycle).order_by("opens", "id"))
    submissions = {
        (s.round_id, s.agency_id): s
        for s in RoundSubmission.objects.filter(round__cycle=cycle).select_related("agency", "submitted_by")
    }
    reopenings = RoundReopening.objects.filter(round__cycle=cycle).select_related("agency", "reopened_by", "round")
    focal = focal_agency_of(request.user)
    rows = []
    for r in rounds:
        agencies = list(_focal_agencies(r)) if r.owner == RoundOwner.FOCAL else []
        rows.append(
            {
                "round": r,
                "opened": r.has_opened(today),
                "locked": r.is_locked_on(today),
                "submissions": [(a, submissions.get((r.pk, a.pk))) for a in agencies],
                "mine": submissions.get((r.pk, focal.pk)) if focal else None,
                "can_submit": focal is not None and any(a.pk == focal.pk for a in agencies),
                "to_explain": _to_explain(cycle, focal, request.user.is_snv) if r.kind == RoundKind.EXPLANATION else [],
                "dates_form": _dates_form(r) if request.user.is_snv else None,
                "history": list(r.history.select_related("history_user").order_by("-history_date", "-history_id")[:10])
                if request.user.is_snv
                else [],
                "import_url": reverse("compilation:appraisal-import", args=[r.pk])
                if request.user.is_snv and r.kind in services.APPRAISAL_FIELDS
                else "",
                "reopen_form": ReopenForm(agencies=Agency.objects.filter(pk__in=[a.pk for a in agencies]))
                if request.user.is_snv and agencies
                else None,
            }
        )
    cycles = Cycle.objects.order_by("-year").only("year", "name")
    context = {
        "cycle": cycle,
        "today": today,
        "rows": rows,
        "reopenings": reopenings,
        "cycles": cycles,
        "results": _results(cycle, request.user.is_snv),
    }
    return render(request, "compilation/round_list.html", context)


def _to_explain(cycle: Cycle, focal: Agency | None, is_snv: bool) -> list[Score]:
    """The explanation round's list: the sub-criteria appraised below their self score, the focal
    agency's own (SNV sees every area's), explained or not yet."""
    if focal is None and not is_snv:
        return []
    scores = Score.objects.filter(cycle=cycle).to_explain().select_related("criterion")
    if focal is not None and not is_snv:
        scores = scores.of_focal_agency(focal.pk)
    return list(scores.order_by("criterion__order", "criterion__code"))


def _dates_form(round_: Round, data=None) -> RoundDatesForm:
    initial = {"opens": round_.opens, "deadline": round_.deadline, "closed_on": round_.closed_on}
    return RoundDatesForm(data, initial=initial, prefix=f"round-{round_.pk}")


def _results(cycle: Cycle, is_snv: bool, forms: dict | None = None) -> list[dict]:
    """The announced results of the cycle's frameworks: shown once announced as of the cycle's date;
    SNV sees the form to record or correct each."""
    stored = {r.kind: r for r in Result.objects.filter(cycle=cycle)}
    as_of, out = cycle.as_of(), []
    for framework in cycle.frameworks.all():
        result = stored.get(framework.kind)
        shown = result if result is not None and result.decision_date <= as_of else None
        form = (forms or {}).get(framework.kind)
        if is_snv and form is None:
            initial = {"out_of": 63}
            if result is not None:
                initial = {f: getattr(result, f) for f in ("decision", "decision_date", "percent", "rank", "out_of")}
                initial |= {"group": result.group, "note": result.note}
                initial["components"] = "\n".join(f"{k}: {v}" for k, v in result.components.items())
            form = ResultForm(initial=initial, prefix=framework.kind)
        out.append(
            {
                "kind": framework.kind,
                "label": FrameworkKind(framework.kind).label,
                "result": shown,
                "groups": [g for g, _lowest in framework.thresholds],
                "form": form if is_snv else None,
            }
        )
    return out


def _back(round_: Round) -> HttpResponse:
    return redirect(f"{reverse('compilation:round-list')}?cycle={round_.cycle.year}")


@score_reader_required
@require_POST
def round_submit(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """A focal agency submits (``submit``) or withdraws (``withdraw``) its area in a round."""
    round_ = get_object_or_404(Round.objects.select_related("cycle"), pk=pk)
    agency = focal_agency_of(request.user)
    if agency is None or action not in ("submit", "withdraw"):
        raise Http404
    if request.POST.get("confirm") != "1":  # the button posts it; an empty POST changes nothing
        return HttpResponseBadRequest(_("Confirm the action with its button."))
    try:
        if action == "submit":
            services.submit_area(round_, agency, user=request.user)
            messages.success(request, _("Your area has been submitted."))
        else:
            services.withdraw_area(round_, agency, user=request.user)
            messages.success(request, _("The submission has been withdrawn: the entries can be edited again."))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return _back(round_)


@score_reader_required
@require_POST
def round_reopen(request: HttpRequest, pk: int) -> HttpResponse:
    """SNV reopens one focal agency's entries of a round, with a reason (recorded)."""
    if not request.user.is_snv:
        raise Http404
    round_ = get_object_or_404(Round.objects.select_related("cycle"), pk=pk)
    form = ReopenForm(request.POST, agencies=_focal_agencies(round_))
    if not form.is_valid():
        return HttpResponseBadRequest(" ".join(e for errors in form.errors.values() for e in errors))
    data = form.cleaned_data
    try:
        services.reopen_entries(round_, data["agency"], user=request.user, reason=data["reason"], until=data["until"])
        messages.success(request, _("Entries of %(agency)s reopened.") % {"agency": data["agency"]})
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return _back(round_)


def _signed_rows(round_: Round, rows: list[services.AppraisalRow]) -> str:
    """The previewed rows, signed into the page: the confirmation writes exactly what was shown."""
    data = {"round": round_.pk, "rows": [[r.code, str(r.score), r.remark, r.line] for r in rows]}
    return signing.dumps(data, salt=APPRAISAL_SALT, compress=True)


def _unsigned_rows(round_: Round, payload: str) -> list[services.AppraisalRow] | None:
    try:
        data = signing.loads(payload, salt=APPRAISAL_SALT, max_age=APPRAISAL_MAX_AGE)
    except signing.BadSignature:
        return None
    if data.get("round") != round_.pk:
        return None
    return [services.AppraisalRow(code, Decimal(score), remark, line) for code, score, remark, line in data["rows"]]


@score_reader_required
def appraisal_import(request: HttpRequest, pk: int) -> HttpResponse:
    """SNV imports the Ministry's appraisal of round 1 or 2: upload, preview of every change, confirm.

    All or nothing: the service checks the whole file (codes, maxima, the round open and
    not closed) before writing, and writes in one transaction.
    """
    if not request.user.is_snv:
        raise Http404
    round_ = get_object_or_404(Round.objects.select_related("cycle"), pk=pk)
    if round_.kind not in services.APPRAISAL_FIELDS:
        raise Http404
    cycle, form, changes, payload, problems = round_.cycle, AppraisalUploadForm(), None, "", []
    if request.method == "POST" and "payload" in request.POST:
        rows = _unsigned_rows(round_, request.POST["payload"])
        if rows is None:
            problems = [_("The preview has expired; upload the workbook again.")]
        else:
            try:
                done = services.record_appraisal(cycle, round_.kind, rows, user=request.user)
            except ValidationError as exc:
                problems = exc.messages
            else:
                messages.success(request, _("Appraisal imported: %(n)s sub-criteria changed.") % {"n": done})
                return _back(round_)
    elif request.method == "POST":
        form = AppraisalUploadForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                rows = read_appraisal_workbook(form.cleaned_data["file"])
                changes = services.plan_appraisal(cycle, round_.kind, rows)
                payload = _signed_rows(round_, rows)
            except WorkbookError as exc:
                problems = [exc.message]
            except ValidationError as exc:
                problems = exc.messages
    context = {
        "round": round_,
        "cycle": cycle,
        "form": form,
        "changes": changes,
        "changed": sum(1 for c in changes if c.changed) if changes else 0,
        "payload": payload,
        "problems": problems,
    }
    status = 400 if problems or form.errors else 200
    return render(request, "compilation/appraisal_import.html", context, status=status)


@score_reader_required
@require_POST
def round_dates(request: HttpRequest, pk: int) -> HttpResponse:
    """SNV sets a round's dates or closes it, with a reason (kept in the round's history)."""
    if not request.user.is_snv:
        raise Http404
    round_ = get_object_or_404(Round.objects.select_related("cycle"), pk=pk)
    form = _dates_form(round_, request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest(" ".join(e for errors in form.errors.values() for e in errors))
    try:
        services.update_round(round_, user=request.user, **form.cleaned_data)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Dates of the round saved."))
    return _back(round_)


@score_reader_required
@require_POST
def result_record(request: HttpRequest, year: int, kind: str) -> HttpResponse:
    """SNV records the announced result (decision, percentage, rank N/63 or N/34, group, SIPAS components)."""
    if not request.user.is_snv or kind not in FrameworkKind.values:
        raise Http404
    cycle = get_object_or_404(Cycle, year=year)
    if cycle.framework_of(kind) is None:
        raise Http404
    form = ResultForm(request.POST, prefix=kind)
    if form.is_valid():
        try:
            services.record_result(cycle, kind, user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, _("Announced result saved."))
            return redirect(f"{reverse('compilation:round-list')}?cycle={cycle.year}#results")
    return HttpResponseBadRequest(" ".join(e for errors in form.errors.values() for e in errors))
