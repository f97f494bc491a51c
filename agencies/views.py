"""Landing pages by role and the health check."""

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from parindex.models import Cycle


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """One landing page per role; later pages hang off it."""
    user = request.user
    cycle = Cycle.current()
    if user.is_snv:
        template = "agencies/home_snv.html"
    elif user.is_chairman_office:
        template = "agencies/home_chairman.html"
    elif user.agency:
        template = "agencies/home_agency.html"
    else:
        template = "agencies/home_none.html"
    return render(request, template, {"cycle": cycle, "as_of": cycle.as_of() if cycle else None})


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness for the load balancer: the database answers a query."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any database failure means unhealthy
        return JsonResponse({"status": "error", "database": str(exc.__class__.__name__)}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})
