"""In-app notifications and the agency's calendar feed (issue 5)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from agencies import clock
from agencies.models import Agency, new_calendar_token

from ..calendar import agency_calendar
from ..models import Notification, ReminderKind
from ..notices import NoticeKind


@login_required
@require_GET
def notification_list(request: HttpRequest) -> HttpResponse:
    """The user's notices, newest first, and the agency's calendar feed address to copy."""
    page = Paginator(request.user.notifications.all(), 50).get_page(request.GET.get("page"))
    labels = {**dict(ReminderKind.choices), **dict(NoticeKind.choices)}
    for notice in page:
        notice.kind_label = labels.get(notice.kind, notice.kind)
    agency = request.user.agency
    feed_url = (
        request.build_absolute_uri(reverse("remediation:calendar-feed", args=[agency.calendar_token])) if agency else ""
    )
    unread = request.user.notifications.filter(read_at__isnull=True).count()
    context = {"page": page, "agency": agency, "feed_url": feed_url, "unread": unread}
    return render(request, "remediation/notification_list.html", context)


@login_required
@require_GET
def notification_open(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark one notice read and follow its link (same-site links only)."""
    notice = get_object_or_404(Notification, pk=pk, recipient=request.user)
    if notice.read_at is None:
        Notification.objects.filter(pk=notice.pk).update(read_at=clock.now())
    allowed = url_has_allowed_host_and_scheme(notice.url, allowed_hosts={request.get_host()})
    return redirect(notice.url if notice.url and allowed else "remediation:notification-list")


@login_required
@require_POST
def notification_read_all(request: HttpRequest) -> HttpResponse:
    request.user.notifications.filter(read_at__isnull=True).update(read_at=clock.now())
    return redirect("remediation:notification-list")


@require_GET
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """No login (calendar clients cannot log in): the secret token is the key; a wrong one is 404."""
    agency = Agency.objects.current().filter(calendar_token=token).first()
    if agency is None:
        raise Http404
    response = HttpResponse(agency_calendar(agency), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{agency.code}.ics"'
    response["Cache-Control"] = "private, max-age=900"
    return response


@login_required
@require_POST
def calendar_regenerate(request: HttpRequest) -> HttpResponse:
    """A member (staff or leader) of the agency replaces its token: old subscriptions stop working."""
    agency = request.user.agency
    if agency is None:
        raise PermissionDenied
    # update(), not save(): the token is excluded from history, and a save would record an empty change.
    Agency.objects.filter(pk=agency.pk).update(calendar_token=new_calendar_token())
    messages.success(request, _("A new calendar address was made. Subscribe again with the new address."))
    return redirect("remediation:notification-list")
