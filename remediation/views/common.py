"""Helpers shared by the agency views: the cycle being looked at and its as-of date."""

from __future__ import annotations

from django.http import Http404, HttpRequest

from parindex.models import Cycle


def current_cycle(request: HttpRequest) -> Cycle:
    """The cycle in ?cycle=YEAR, else the current one; 404 when there is none."""
    year = request.GET.get("cycle")
    cycle = Cycle.objects.filter(year=year).first() if year and year.isdigit() else Cycle.current()
    if cycle is None:
        raise Http404
    return cycle
