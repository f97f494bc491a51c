"""A cycle's scoring rounds: dates and locks, focal agencies' submissions, SNV's reopenings."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from agencies.models import Agency
from parindex import services
from parindex.access import focal_agency_of, score_reader_required, selected_cycle
from parindex.models import Cycle, Level, Round, RoundOwner, RoundReopening, RoundSubmission

from ..forms.rounds import ReopenForm


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
                "reopen_form": ReopenForm(agencies=Agency.objects.filter(pk__in=[a.pk for a in agencies]))
                if request.user.is_snv and agencies
                else None,
            }
        )
    cycles = Cycle.objects.order_by("-year").only("year", "name")
    context = {"cycle": cycle, "today": today, "rows": rows, "reopenings": reopenings, "cycles": cycles}
    return render(request, "compilation/round_list.html", context)


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
