"""The task list's filters (django-filter), applied in the QuerySet."""

from __future__ import annotations

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from agencies.models import Agency

from . import verification
from .models import by_deadline
from .status import DONE_STATUSES, OPEN_STATUSES, TaskStatus

#: A claim of completion that no verifier has confirmed yet (the inbox's queue links here).
AWAITING = "awaiting"
STATUS_CHOICES = [
    ("open", _("Not done")),
    ("done", _("Done")),
    *TaskStatus.choices,
    (AWAITING, _("Awaiting verification")),
]
ROLE_CHOICES = [("lead", _("Lead")), ("coordinating", _("Coordinating"))]
SORTS = {
    "deadline": (by_deadline(), "id"),
    "-deadline": (by_deadline(descending=True), "-id"),
    "progress": ("progress", by_deadline()),
    "-progress": ("-progress", by_deadline()),
    "title": ("title", "id"),
    "agency": ("lead_agency__name", by_deadline()),
}


class TaskFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    status = django_filters.ChoiceFilter(choices=STATUS_CHOICES, method="by_status", label=_("Status"))
    area = django_filters.CharFilter(method="by_area", label=_("PAR area"))
    role = django_filters.ChoiceFilter(choices=ROLE_CHOICES, method="by_role", label=_("Our role"))
    agency = django_filters.ModelChoiceFilter(
        queryset=Agency.objects.all(), method="by_agency", label=_("Agency (lead or coordinating)")
    )
    lead = django_filters.NumberFilter(field_name="lead_agency", label=_("Lead agency"))
    criterion = django_filters.NumberFilter(field_name="sub_criteria", label=_("Sub-criterion"))
    sort = django_filters.ChoiceFilter(
        choices=[(k, k) for k in SORTS], method="sort_by", label=_("Sort"), empty_label=None
    )

    def __init__(self, *args, user_agency: Agency | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user_agency = user_agency
        if user_agency is None:
            del self.filters["role"]
        for name in ("status", "role"):
            if name in self.form.fields:
                self.form.fields[name].widget.attrs["class"] = "form-select form-select-sm"

    def search(self, qs, name, value):
        return qs.filter(Q(title__icontains=value) | Q(description__icontains=value)) if value else qs

    def by_status(self, qs, name, value):
        if value == "open":
            return qs.filter(status__in=[s.value for s in OPEN_STATUSES])
        if value == "done":
            return qs.filter(status__in=[s.value for s in DONE_STATUSES])
        if value == AWAITING:
            return verification.awaiting(qs)
        return qs.filter(status=value)

    def by_area(self, qs, name, value):
        return qs.filter(sub_criteria__code__startswith=f"{value}.").distinct() if value else qs

    def by_role(self, qs, name, value):
        if value == "lead":
            return qs.filter(lead_agency=self.user_agency)
        return qs.exclude(lead_agency=self.user_agency)

    def by_agency(self, qs, name, value):
        return qs.filter(Q(lead_agency=value) | Q(coordinating_agencies=value)).distinct() if value else qs

    def sort_by(self, qs, name, value):
        return qs.order_by(*SORTS.get(value, SORTS["deadline"]))
