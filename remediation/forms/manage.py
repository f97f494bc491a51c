"""SNV's task management forms and the management list's filters."""

from __future__ import annotations

import django_filters
from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Div, Field, Layout, Row, Submit
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from agencies.models import Agency, AgencyKind
from agencies.params import ModelMultipleIdsField
from parindex.models import Criterion, Cycle

from ..models import Task
from ..status import DONE_STATUSES, OPEN_STATUSES, TaskStatus

DATE_WIDGET = forms.DateInput(attrs={"placeholder": "dd/mm/yyyy", "inputmode": "numeric"}, format="%d/%m/%Y")
LEAD_GROUPS = [
    (AgencyKind.DISTRICT, _("All district-level People's Committees")),
    (AgencyKind.DEPARTMENT, _("All provincial departments and agencies")),
    (AgencyKind.CENTRAL, _("All central agencies in the province")),
    (AgencyKind.COMMUNE, _("All commune-level People's Committees")),
    (AgencyKind.WARD, _("All ward-level People's Committees")),
    (AgencyKind.SPECIAL_ZONE, _("All special zone People's Committees")),
]


class CriterionChoiceField(ModelMultipleIdsField):
    def label_from_instance(self, obj: Criterion) -> str:
        return f"{obj.code}. {obj.name[:110]}"


def sub_criteria_of(cycle: Cycle):
    """The scored nodes of the cycle's frameworks, in tree order."""
    return Criterion.objects.filter(framework__cycles=cycle, children__isnull=True).order_by("framework__kind", "order")


def assignable_agencies(cycle: Cycle):
    """The agencies that report in the cycle (its reporting kinds), as they stand on the cycle's date.

    Communes and wards lead and coordinate tasks exactly when their kind reports in the cycle.
    """
    return Agency.objects.addressees(cycle.reporting_kinds, cycle.as_of()).by_name()


def lead_groups_of(cycle: Cycle) -> list[tuple[str, str]]:
    return [(kind, label) for kind, label in LEAD_GROUPS if kind in cycle.reporting_kinds]


class _TaskFields(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=300)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3}), max_length=10000
    )
    source_document = forms.CharField(
        label=_("Source document"), max_length=200, initial=Task._meta.get_field("source_document").default
    )
    sub_criteria = CriterionChoiceField(
        label=_("Sub-criteria"), queryset=Criterion.objects.none(), required=False, widget=forms.SelectMultiple
    )
    coordinating_agencies = ModelMultipleIdsField(
        label=_("Coordinating agencies"),
        queryset=Agency.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    deadline = forms.DateField(label=_("Deadline"), widget=DATE_WIDGET, required=False)
    # "Thường xuyên" of a Report 117 annex: a standing task, reported on with the agency report.
    ongoing = forms.BooleanField(
        label=_("Ongoing (no deadline)"),
        required=False,
        help_text=_("A standing task: never due nor overdue, reported on with the agency report."),
    )
    closure_criteria = forms.CharField(
        label=_("What proves this is done"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("The verifier reads this beside the evidence."),
    )

    def __init__(self, *args, cycle: Cycle, **kwargs):
        super().__init__(*args, **kwargs)
        self.cycle = cycle
        self.fields["sub_criteria"].queryset = sub_criteria_of(cycle)
        self.fields["sub_criteria"].widget.attrs.update(
            # static/js/filter-select.js: a search box above, the number chosen below (issue 16, §5)
            {"size": 10, "data-filter": _("Search by code or name"), "data-count": _("%s chosen")}
        )
        self.fields["coordinating_agencies"].queryset = assignable_agencies(cycle)

    def clean(self):
        """A deadline, or "ongoing" and then none: the two together or neither is refused."""
        data = super().clean()
        if data.get("ongoing"):
            if data.get("deadline"):
                self.add_error("deadline", _("An ongoing task has no deadline: clear the date or untick “Ongoing”."))
            data["deadline"] = None
        elif not data.get("deadline") and "deadline" not in self.errors:
            self.add_error("deadline", _("Give the deadline, or tick “Ongoing (no deadline)”."))
        return data


class TaskCreateForm(_TaskFields):
    """One recommendation, one task per lead agency (remediation.assignment.create_tasks)."""

    lead_groups = forms.MultipleChoiceField(
        label=_("Lead agencies by group"), choices=LEAD_GROUPS, required=False, widget=forms.CheckboxSelectMultiple
    )
    lead_agencies = ModelMultipleIdsField(
        label=_("Lead agencies"),
        queryset=Agency.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Each lead agency gets its own task."),
    )
    field_order = ["title", "description", "source_document", "sub_criteria", "lead_groups", "lead_agencies"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lead_agencies"].queryset = assignable_agencies(self.cycle)
        self.fields["lead_groups"].choices = lead_groups_of(self.cycle)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.layout = Layout(
            "title",
            "description",
            Row(
                Column("source_document", css_class="col-md-6"),
                Column("deadline", "ongoing", css_class="col-md-6"),
            ),
            "sub_criteria",
            "lead_groups",
            Div(Field("lead_agencies"), css_class="check-scroll mb-3", css_id="lead-agencies-box"),
            Div(Field("coordinating_agencies"), css_class="check-scroll mb-3"),
            Submit("assign", _("Assign")),
        )

    def clean(self):
        data = super().clean()
        leads = {a.pk: a for a in data.get("lead_agencies") or []}
        groups = data.get("lead_groups") or []
        if groups:
            leads.update({a.pk: a for a in assignable_agencies(self.cycle).filter(kind__in=groups)})
        if not leads:
            raise forms.ValidationError(_("Choose at least one lead agency."))
        data["leads"] = sorted(leads.values(), key=lambda a: a.name)
        return data


class TaskEditForm(_TaskFields):
    lead_agency = forms.ModelChoiceField(label=_("Lead agency"), queryset=Agency.objects.none())
    reason = forms.CharField(label=_("Reason for the change"), max_length=300, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput)
    field_order = ["title", "description", "source_document", "sub_criteria", "lead_agency"]

    def __init__(self, *args, task: Task, **kwargs):
        super().__init__(*args, cycle=task.cycle, **kwargs)
        # A task may be led by an agency deactivated since; it stays a valid choice for this task.
        self.fields["lead_agency"].queryset = Agency.objects.filter(
            Q(pk__in=assignable_agencies(task.cycle).values("pk")) | Q(pk=task.lead_agency_id)
        ).by_name()
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.layout = Layout(
            "title",
            "description",
            Row(
                Column("source_document", css_class="col-md-6"),
                Column("deadline", "ongoing", css_class="col-md-6"),
            ),
            "sub_criteria",
            "lead_agency",
            Div(Field("coordinating_agencies"), css_class="check-scroll mb-3"),
            "reason",
            "version",
            Submit("save", _("Save")),
        )


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))


class BulkForm(forms.Form):
    """A change applied to the tasks ticked in the management list."""

    ACTIONS = [("deadline", _("Change the deadline")), ("lead", _("Change the lead agency"))]

    tasks = ModelMultipleIdsField(queryset=Task.objects.none(), widget=forms.MultipleHiddenInput)
    action = forms.ChoiceField(label=_("Change"), choices=ACTIONS)
    deadline = forms.DateField(label=_("New deadline"), required=False, widget=DATE_WIDGET)
    lead_agency = forms.ModelChoiceField(label=_("New lead agency"), queryset=Agency.objects.none(), required=False)
    reason = forms.CharField(label=_("Reason"), max_length=300)

    def __init__(self, *args, cycle: Cycle, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tasks"].queryset = Task.objects.filter(cycle=cycle)
        self.fields["lead_agency"].queryset = assignable_agencies(cycle)
        self.fields["tasks"].error_messages["required"] = _("Tick at least one task.")

    def clean(self):
        data = super().clean()
        if data.get("action") == "deadline" and not data.get("deadline"):
            self.add_error("deadline", _("Give the new deadline."))
        if data.get("action") == "lead" and not data.get("lead_agency"):
            self.add_error("lead_agency", _("Choose the new lead agency."))
        return data


STATUS_CHOICES = [("open", _("Not done")), ("done", _("Done")), *TaskStatus.choices]
CLOSED_CHOICES = [("", _("Not closed")), ("closed", _("Closed")), ("all", _("All"))]


class ManageTaskFilter(django_filters.FilterSet):
    """Filters of SNV's management list, applied in the QuerySet (annotated with_status)."""

    q = django_filters.CharFilter(method="search", label=_("Search"))
    status = django_filters.ChoiceFilter(choices=STATUS_CHOICES, method="by_status", label=_("Status"))
    area = django_filters.CharFilter(method="by_area", label=_("Area"))
    lead = django_filters.ModelChoiceFilter(
        queryset=Agency.objects.none(), field_name="lead_agency", label=_("Lead agency")
    )
    criterion = django_filters.NumberFilter(field_name="sub_criteria", label=_("Sub-criterion"), distinct=True)
    closed = django_filters.ChoiceFilter(
        choices=CLOSED_CHOICES[1:], method="by_closed", label=_("Closed tasks"), empty_label=CLOSED_CHOICES[0][1]
    )

    class Meta:
        model = Task
        fields: list[str] = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Not "agencies leading a task": at national scale that is a scan of every task per page view.
        self.filters["lead"].queryset = Agency.objects.by_name()
        for field in self.form.fields.values():
            field.widget.attrs["class"] = "form-select form-select-sm"
        for name in ("q", "area", "criterion"):
            self.form.fields[name].widget.attrs["class"] = "form-control form-control-sm"

    @property
    def qs(self):
        qs = super().qs
        if not (self.form.is_valid() and self.form.cleaned_data.get("closed")):
            qs = qs.filter(closed_at__isnull=True)
        return qs

    def search(self, qs, name, value):
        return qs.filter(Q(title__icontains=value) | Q(description__icontains=value)) if value else qs

    def by_status(self, qs, name, value):
        if value == "open":
            return qs.filter(status__in=[s.value for s in OPEN_STATUSES])
        if value == "done":
            return qs.filter(status__in=[s.value for s in DONE_STATUSES])
        return qs.filter(status=value)

    def by_area(self, qs, name, value):
        if not value:
            return qs
        links = Task.sub_criteria.through.objects.filter(criterion__code__startswith=f"{value}.")
        return qs.filter(pk__in=links.values("task_id"))

    def by_closed(self, qs, name, value):
        if value == "closed":
            return qs.filter(closed_at__isnull=False)
        return qs
