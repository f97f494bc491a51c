"""Who may read and edit SNV's pages.

SNV reviewers (and administrators) edit everything; the Chairman's office
reads the dashboard and the scores; a focal agency reads the scores and edits
those of its own areas. Anyone else gets a 404 rather than a 403, so the pages
cannot be probed.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import BadRequest
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404

from agencies.decorators import role_required
from agencies.models import Agency, User
from agencies.params import parse_int

from .models import Criterion, Cycle, Level


def is_focal_agency(agency: Agency | None) -> bool:
    """The focal agency of some area, in any cycle."""
    return agency is not None and Criterion.objects.filter(level=Level.AREA, focal_agency=agency).exists()


def focal_agency_of(user: User) -> Agency | None:
    """The user's agency if it is the focal agency of some area (any cycle), else None; cached on the user."""
    if not hasattr(user, "_focal_agency_cache"):
        agency = user.agency
        user._focal_agency_cache = agency if is_focal_agency(agency) else None
    return user._focal_agency_cache


def can_read_scores(user: User) -> bool:
    return user.sees_everything or focal_agency_of(user) is not None


def can_edit_score(user: User, focal_agency_id: int | None) -> bool:
    """SNV edits any score; a focal agency the scores of the areas it is focal agency of."""
    if user.is_snv:
        return True
    agency = user.agency
    return agency is not None and focal_agency_id is not None and agency.pk == focal_agency_id


def default_cycle(user: User | None) -> Cycle | None:
    """The cycle a user meets first: the current one, unless their agency does not exist in it.

    An agency's user then gets the latest cycle in which the agency exists on
    the cycle's as-of date: a ward created on 01/07/2025 lands in 2025, a
    district retired on 30/06/2025 keeps the 2021 cycle it reported in (the
    demo's current one); an agency formed after every cycle's date gets the
    newest cycle, where its moved tasks are. Province-wide roles always get the
    current cycle.
    """
    current = Cycle.current()
    agency = None if user is None or not user.is_authenticated or user.sees_everything else user.agency
    if agency is None or current is None or agency.exists_on(current.as_of()):
        return current
    cycles = list(Cycle.objects.order_by("-year"))
    for cycle in cycles:
        if agency.exists_on(cycle.as_of()):
            return cycle
    # An agency newer than every cycle's date (a commune formed after the last cycle) works in the newest one.
    if agency.valid_from and cycles and agency.valid_from > cycles[0].as_of():
        return cycles[0]
    return current


def selected_cycle(request: HttpRequest, *, form_field: bool = False) -> Cycle:
    """The cycle a page or a form acts in: ``?cycle=<year>`` (or, with ``form_field``, the POSTed
    ``cycle``), else the user's default one (``default_cycle``). The one reader of the cycle from a request.

    A year that names no cycle is a 404, a malformed one a 400 (``agencies.params``).
    """
    raw = request.POST.get("cycle") if form_field and request.method == "POST" else None
    year = parse_int(raw or request.GET.get("cycle"), name="cycle")
    if year is not None:
        return get_object_or_404(Cycle, year=year)
    cycle = default_cycle(getattr(request, "user", None))
    if cycle is None:
        raise Http404("No cycle yet.")
    cycle.selected_as_current = True  # spares cycle_param() a second look-up
    return cycle


def selected_as_of(request: HttpRequest, cycle: Cycle) -> dt.date:
    """``?as_of=dd/mm/yyyy`` (or ISO yyyy-mm-dd): the date the figures are read as of; else the cycle's.

    A malformed date is a 400, never a 500 and never silently another date.
    """
    raw = (request.GET.get("as_of") or "").strip()
    if not raw:
        return cycle.as_of()
    for fmt in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return dt.datetime.strptime(raw, fmt).date()
        except ValueError:
            continue
    raise BadRequest("Malformed as_of date.")


def cycle_param(cycle: Cycle) -> str:
    """``cycle=`` for links into the agencies' task pages: empty for the current cycle, whose links stay short."""
    if getattr(cycle, "selected_as_current", False):
        return ""
    current = Cycle.current()
    return "" if current is not None and current.pk == cycle.pk else str(cycle.year)


score_reader_required = role_required(can_read_scores)
