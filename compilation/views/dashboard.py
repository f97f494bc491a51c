"""The dashboard and the ranked agency list behind its figures."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.safestring import mark_safe

from agencies.decorators import province_reader_required
from agencies.models import AgencyKind
from parindex.access import cycle_param, selected_as_of, selected_cycle
from parindex.models import Cycle
from remediation import reports

from .. import charts, figures

# Agencies drawn in the completion chart: all of a province; at national scale the lowest only.
CHART_AGENCIES = 60
CHART_LOWEST = 30
NARROW = 340  # px: a 390 px phone less the card's padding
NARROW_WEEKS = 4


def _charts(data: figures.DashboardData) -> dict[str, str]:
    ranked = data.ranked
    shown = ranked if len(ranked) <= CHART_AGENCIES else ranked[-CHART_LOWEST:]
    return {
        "agencies": mark_safe(charts.completion_by_agency_svg(shown, width=960)),  # noqa: S308 — escaped by charts
        "areas": mark_safe(charts.points_lost_by_area_svg(data.areas)),  # noqa: S308
        "over_time": mark_safe(charts.status_over_time_svg(data.over_time)),  # noqa: S308
        # Phones (< 576 px): the same charts drawn narrow (names wrap), the weekly one with its
        # latest weeks only, so nothing is clipped and no chart needs scrolling sideways.
        "agencies_narrow": mark_safe(charts.completion_by_agency_svg(shown, width=NARROW)),  # noqa: S308
        "areas_narrow": mark_safe(charts.points_lost_by_area_svg(data.areas, width=NARROW)),  # noqa: S308
        "over_time_narrow": mark_safe(charts.status_over_time_svg(data.over_time[-NARROW_WEEKS:], width=NARROW)),  # noqa: S308
        "agencies_shown": len(shown),
        "agencies_ranked": len(ranked),
    }


@province_reader_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """Headline figures, rankings, areas and charts; every figure links to the list behind it."""
    cycle = selected_cycle(request)
    data = figures.dashboard(cycle, selected_as_of(request, cycle))
    ranked = data.ranked
    context = {
        "cycle": cycle,
        "as_of": data.as_of,
        "data": data,
        "h": data.headline,
        "source": figures.figure_source(cycle, data.as_of),
        "best": ranked[:10],
        "worst": list(reversed(ranked[10:]))[:10],
        "charts": _charts(data),
        "cycles": Cycle.objects.order_by("-year").only("year", "name"),
        "can_edit": request.user.is_snv,
        "task_cycle": cycle_param(cycle),
        "report_labels": reports.ReportState.LABELS,
    }
    return render(request, "compilation/dashboard.html", context)


@province_reader_required
def agencies(request: HttpRequest) -> HttpResponse:
    """Every agency ranked by completion rate then overdue count, optionally one report group or kind."""
    cycle = selected_cycle(request)
    as_of = cycle.as_of()
    group = request.GET.get("report", "")
    kind = request.GET.get("kind", "")
    # A kind filter lists every agency of that kind existing then, reporting or not.
    rows = figures.agency_table(cycle, as_of, everyone=kind in AgencyKind.values)
    if group in reports.ReportGroup.LABELS:
        rows = [r for r in rows if r.is_addressee and r.report_group == group]
    if kind in AgencyKind.values:
        rows = [r for r in rows if r.kind == kind]
    page = Paginator(rows, 100).get_page(request.GET.get("page"))
    context = {
        "cycle": cycle,
        "as_of": as_of,
        "page": page,
        "group": group if group in reports.ReportGroup.LABELS else "",
        "kind": kind if kind in AgencyKind.values else "",
        "groups": reports.ReportGroup.LABELS,
        "kinds": AgencyKind.choices,
        "task_cycle": cycle_param(cycle),
        "report_labels": reports.ReportState.LABELS,
    }
    return render(request, "compilation/agency_ranking.html", context)
