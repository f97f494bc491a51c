"""Who may read and edit SNV's pages.

SNV reviewers (and administrators) edit everything; the Chairman's office
reads the dashboard and the scores; a focal agency reads the scores and edits
those of its own areas. Anyone else gets a 404 rather than a 403, so the pages
cannot be probed.
"""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404

from agencies.models import Agency, User

from ..models import Criterion, Cycle, Level


def focal_agency_of(user: User) -> Agency | None:
    """The user's agency if it is the focal agency of some area (any cycle), else None; cached on the user."""
    if not hasattr(user, "_focal_agency_cache"):
        agency = user.agency
        is_focal = agency is not None and Criterion.objects.filter(level=Level.AREA, focal_agency=agency).exists()
        user._focal_agency_cache = agency if is_focal else None
    return user._focal_agency_cache


def can_read_scores(user: User) -> bool:
    return user.sees_everything or focal_agency_of(user) is not None


def can_edit_score(user: User, focal_agency_id: int | None) -> bool:
    """SNV edits any score; a focal agency the scores of the areas it is focal agency of."""
    if user.is_snv:
        return True
    agency = user.agency
    return agency is not None and focal_agency_id is not None and agency.pk == focal_agency_id


def selected_cycle(request: HttpRequest) -> Cycle:
    """The cycle named by ``?cycle=<year>``, else the current one."""
    year = request.GET.get("cycle", "")
    if year.isdigit():
        return get_object_or_404(Cycle, year=int(year))
    cycle = Cycle.current()
    if cycle is None:
        raise Http404("No cycle yet.")
    cycle.selected_as_current = True  # spares cycle_param() a second look-up
    return cycle


def cycle_param(cycle: Cycle) -> str:
    """``cycle=`` for links into the agencies' task pages: empty for the current cycle, whose links stay short."""
    if getattr(cycle, "selected_as_current", False):
        return ""
    current = Cycle.current()
    return "" if current is not None and current.pk == cycle.pk else str(cycle.year)


def _gate(test):
    def decorator(view):
        @login_required
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not test(request.user):
                raise Http404
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


snv_required = _gate(lambda user: user.is_snv)
province_reader_required = _gate(lambda user: user.sees_everything)
score_reader_required = _gate(can_read_scores)
