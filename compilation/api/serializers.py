"""What the API answers, field by field: dates in ISO 8601, points and percentages as strings to two decimals.

Every decimal goes through figures.two_places (the one output rounding); the values
themselves come from the models and compilation.figures, never computed here.
"""

from __future__ import annotations

import unicodedata

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from agencies import clock
from parindex.models import Criterion, Cycle, Framework, RoundKind
from remediation.models import AgencyReport, Evidence, ProgressUpdate, Task
from remediation.reports import report_state
from remediation.status import TaskStatus

from .. import figures
from ..models import IssuedReport


@extend_schema_field({"type": "string", "pattern": r"^-?\d+\.\d{2}$", "nullable": True, "example": "86.45"})
class Points(serializers.Field):
    """A decimal as a string with two decimals (figures.two_places); read only."""

    def __init__(self, **kwargs):
        kwargs.setdefault("read_only", True)
        super().__init__(**kwargs)

    def to_representation(self, value):
        return figures.two_places(value)


class NFCCharField(serializers.CharField):
    """Text coming in is normalised to NFC before any rule or store sees it (the house rule)."""

    def to_internal_value(self, data):
        return unicodedata.normalize("NFC", super().to_internal_value(data))


def _link(request, name: str, *args) -> str:
    url = reverse(name, args=args)
    return request.build_absolute_uri(url) if request is not None else url


# --------------------------------------------------------------------------- cycles, frameworks


class RoundSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=RoundKind.choices, help_text=_("The round."))
    label = serializers.CharField(source="get_kind_display")
    owner = serializers.CharField()
    opens = serializers.DateField()
    deadline = serializers.DateField()
    closed_on = serializers.DateField(allow_null=True)
    locked_at = serializers.DateTimeField(allow_null=True)


class CycleSerializer(serializers.ModelSerializer):
    frameworks = serializers.SerializerMethodField()
    rounds = RoundSerializer(many=True, read_only=True)
    compilation_deadline = serializers.DateField(read_only=True, allow_null=True)

    class Meta:
        model = Cycle
        fields = [
            "year",
            "name",
            "is_current",
            "report_deadline",
            "task_completion_target",
            "self_assessment_date",
            "compilation_deadline",
            "reference_date",
            "reporting_kinds",
            "frameworks",
            "rounds",
        ]

    @extend_schema_field({"type": "array", "items": {"type": "object", "properties": {
        "id": {"type": "integer"}, "kind": {"type": "string"}, "name": {"type": "string"}}}})  # fmt: skip
    def get_frameworks(self, cycle: Cycle) -> list[dict]:
        return [{"id": f.pk, "kind": f.kind, "name": f.name} for f in cycle.frameworks.all()]


class CriterionSerializer(serializers.ModelSerializer):
    parent_code = serializers.CharField(source="parent.code", allow_null=True, default=None)
    max_points = Points()
    focal_agency_id = serializers.IntegerField(allow_null=True)

    class Meta:
        model = Criterion
        fields = ["id", "code", "name", "level", "method", "max_points", "parent_code", "order", "focal_agency_id"]


class FrameworkSerializer(serializers.ModelSerializer):
    total_points = Points()
    criteria = serializers.SerializerMethodField()

    class Meta:
        model = Framework
        fields = ["id", "name", "kind", "legal_basis", "decision_date", "first_year", "last_year", "groups",
                  "total_points", "criteria"]  # fmt: skip

    @extend_schema_field(CriterionSerializer(many=True))
    def get_criteria(self, framework: Framework) -> list[dict]:
        nodes = list(framework.criteria.all())
        codes = {n.pk: n.code for n in nodes}
        return [
            {
                "id": n.pk,
                "code": n.code,
                "name": n.name,
                "level": n.level,
                "method": n.method,
                "max_points": figures.two_places(n.max_points),
                "parent_code": codes.get(n.parent_id),
                "order": n.order,
                "focal_agency_id": n.focal_agency_id,
            }  # fmt: skip
            for n in nodes
        ]


# --------------------------------------------------------------------------- scores and figures


class ScoreRowSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()
    level = serializers.CharField()
    method = serializers.CharField()
    parent_id = serializers.IntegerField(allow_null=True)
    max_points = Points()
    self_score = Points()
    appraised_1 = Points()
    appraised_score = Points()
    estimate = Points()
    effective = Points()
    previous_score = Points()
    percent = Points()
    below_max = serializers.BooleanField()
    is_estimate = serializers.BooleanField()
    has_result = serializers.BooleanField()
    tasks_total = serializers.IntegerField()
    tasks_open = serializers.IntegerField()


class RoundStateSerializer(serializers.Serializer):
    kind = serializers.CharField()
    label = serializers.CharField()
    opens = serializers.DateField()
    deadline = serializers.DateField()
    provisional = serializers.BooleanField()
    locked = serializers.BooleanField()


class FigureSourceSerializer(serializers.Serializer):
    label = serializers.CharField(help_text=_("Where the figures come from on the as-of date."))
    provisional = serializers.BooleanField()
    kind = serializers.CharField(allow_null=True)
    rounds = RoundStateSerializer(many=True)


class TotalsSerializer(serializers.Serializer):
    max_points = Points()
    points = Points()
    percent = Points()
    lost = Points()
    group = serializers.CharField(allow_null=True)
    self_points = Points()
    self_assessed_points = Points()
    self_assessed_max = Points()
    self_assessed_percent = Points()
    survey_points = Points()
    survey_max = Points()
    survey_percent = Points()
    survey_estimated = serializers.IntegerField()
    survey_pending = serializers.IntegerField()
    previous_points = Points()
    previous_percent = Points()
    previous_group = serializers.CharField(allow_null=True)


class ProjectionSerializer(serializers.Serializer):
    rule = serializers.CharField()
    points = Points()
    max_points = Points()
    gained = Points()
    percent = Points()
    group = serializers.CharField(allow_null=True)
    sub_criteria = serializers.IntegerField()


class ReportCountsSerializer(serializers.Serializer):
    addressees = serializers.IntegerField()
    submitted = serializers.IntegerField()
    late = serializers.IntegerField()
    missing = serializers.IntegerField()
    accepted = serializers.IntegerField()
    returned = serializers.IntegerField()


class TaskCountsSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    done = serializers.IntegerField()
    open = serializers.IntegerField()
    claimed = serializers.IntegerField()
    verified = serializers.IntegerField()
    not_yet_due = serializers.IntegerField()
    in_progress = serializers.IntegerField()
    due_soon = serializers.IntegerField()
    overdue = serializers.IntegerField()
    done_on_time = serializers.IntegerField()
    done_late = serializers.IntegerField()
    ongoing = serializers.IntegerField(help_text=_("Open tasks with no deadline (“Thường xuyên”), not overdue."))


class AreaRowSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    focal_agency = serializers.CharField()
    max_points = Points()
    points = Points()
    lost = Points()
    percent = Points()
    below_max = serializers.IntegerField()
    tasks_open = serializers.IntegerField()


class AgencyRowSerializer(serializers.Serializer):
    agency_id = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.CharField()
    total = serializers.IntegerField()
    done = serializers.IntegerField()
    done_on_time = serializers.IntegerField()
    done_late = serializers.IntegerField()
    overdue = serializers.IntegerField()
    ongoing = serializers.IntegerField()
    open = serializers.IntegerField()
    completion_rate = Points(help_text=_("Done out of the tasks led, open ongoing tasks left out."))
    report_state = serializers.CharField()
    report_group = serializers.CharField()


class FiguresSerializer(serializers.Serializer):
    """figures.dashboard(cycle, as_of): the dashboard page's own figures."""

    cycle = serializers.IntegerField(source="cycle.year")
    as_of = serializers.DateField()
    source = FigureSourceSerializer(allow_null=True)
    tasks = TaskCountsSerializer(source="headline.tasks")
    reports = ReportCountsSerializer(source="headline.reports")
    report_states = serializers.DictField(child=serializers.IntegerField())
    totals = TotalsSerializer(source="headline.totals", allow_null=True)
    projection = ProjectionSerializer(source="headline.projection", allow_null=True)
    projection_all = ProjectionSerializer(source="headline.projection_all", allow_null=True)
    below_max = serializers.IntegerField(source="headline.below_max")
    below_max_without_task = serializers.IntegerField(source="no_task")
    days_to_report_deadline = serializers.IntegerField(source="headline.days_to_report_deadline")
    days_to_compilation_deadline = serializers.IntegerField(
        source="headline.days_to_compilation_deadline", allow_null=True
    )
    areas = AreaRowSerializer(many=True)
    agencies = AgencyRowSerializer(many=True, source="ranked")


# --------------------------------------------------------------------------- agencies


class AgencyLinkSerializer(serializers.Serializer):
    agency_id = serializers.IntegerField()
    kind = serializers.CharField()
    effective_on = serializers.DateField()
    note = serializers.CharField()


class AgencySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()
    short_name = serializers.CharField()
    kind = serializers.CharField()
    parent_id = serializers.IntegerField(allow_null=True)
    exists_today = serializers.SerializerMethodField(
        help_text=_("Whether the agency exists on today's date (inside its period); the period says when it did.")
    )
    valid_from = serializers.DateField(allow_null=True)
    valid_to = serializers.DateField(allow_null=True)
    earlier_names = serializers.SerializerMethodField()
    successors = serializers.SerializerMethodField()
    predecessors = serializers.SerializerMethodField()

    def get_exists_today(self, agency) -> bool:
        return agency.exists_on(clock.today())

    @extend_schema_field({"type": "array", "items": {"type": "object", "properties": {
        "name": {"type": "string"}, "short_name": {"type": "string"},
        "valid_from": {"type": "string", "format": "date", "nullable": True},
        "valid_to": {"type": "string", "format": "date"}}}})  # fmt: skip
    def get_earlier_names(self, agency) -> list[dict]:
        return [
            {"name": n.name, "short_name": n.short_name, "valid_from": _iso(n.valid_from), "valid_to": _iso(n.valid_to)}
            for n in agency.names.all()
        ]

    @extend_schema_field(AgencyLinkSerializer(many=True))
    def get_successors(self, agency) -> list[dict]:
        return [_agency_link(link, link.successor_id) for link in agency.successor_links.all()]

    @extend_schema_field(AgencyLinkSerializer(many=True))
    def get_predecessors(self, agency) -> list[dict]:
        return [_agency_link(link, link.predecessor_id) for link in agency.predecessor_links.all()]


def _agency_link(link, agency_id: int) -> dict:
    return {"agency_id": agency_id, "kind": link.kind, "effective_on": _iso(link.effective_on), "note": link.note}


def _iso(day) -> str | None:
    return day.isoformat() if day is not None else None


# --------------------------------------------------------------------------- tasks and progress


class AgencyRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class TaskSerializer(serializers.ModelSerializer):
    """A task with its status as of the request's date (``as_of``, else the cycle's date)."""

    cycle = serializers.IntegerField(source="cycle.year")
    status = serializers.ChoiceField(choices=TaskStatus.choices, read_only=True)
    status_label = serializers.SerializerMethodField()
    lead_agency = AgencyRefSerializer()
    coordinating_agencies = AgencyRefSerializer(many=True)
    sub_criteria = serializers.SerializerMethodField()
    # null for an ongoing task ("Thường xuyên", status "ongoing"): it has no deadline.
    deadline_original = serializers.DateField(source="original_deadline_shown", allow_null=True)
    deadline_approved = serializers.DateField(
        source="deadline", allow_null=True, help_text=_("Null for an ongoing task, which has no deadline.")
    )
    deadline_in_force = serializers.DateField(
        allow_null=True, help_text=_("The deadline in force on the as-of date; null for an ongoing task.")
    )
    claimed = serializers.SerializerMethodField(help_text=_("Marked done, not yet verified on the as-of date."))
    url = serializers.SerializerMethodField()

    class Meta:
        model = Task
        fields = [
            "id", "url", "cycle", "number", "title", "description", "source_document", "status", "status_label",
            "progress", "lead_agency", "coordinating_agencies", "sub_criteria", "deadline_original",
            "deadline_approved", "deadline_in_force", "completed_on", "claimed", "verified_on", "cannot_finish",
            "cause", "is_priority", "closed_at", "version", "updated_at",
        ]  # fmt: skip

    def get_status_label(self, task) -> str:
        return str(TaskStatus(task.status).label)

    def get_sub_criteria(self, task) -> list[str]:
        return [c.code for c in task.sub_criteria.all()]

    def get_claimed(self, task) -> bool:
        return task.is_claimed(self.context["as_of"])

    def get_url(self, task) -> str:
        return _link(self.context.get("request"), "api:task-detail", task.pk)


class EvidenceSerializer(serializers.ModelSerializer):
    download = serializers.SerializerMethodField(help_text=_("Checks the caller's rights, as the page does."))

    class Meta:
        model = Evidence
        fields = ["id", "original_name", "content_type", "size", "sha256", "uploaded_at", "download"]

    def get_download(self, evidence) -> str:
        return _link(self.context.get("request"), "api:evidence-download", evidence.pk)


class ProgressUpdateSerializer(serializers.ModelSerializer):
    author = serializers.CharField(source="author.get_full_name")
    agency_id = serializers.IntegerField(allow_null=True)
    evidence = EvidenceSerializer(many=True)

    class Meta:
        model = ProgressUpdate
        fields = ["id", "task_id", "reported_on", "percent", "note", "author", "agency_id", "created_at", "evidence"]


class ProgressInputSerializer(serializers.Serializer):
    """A progress update: the same fields, rules and optimistic lock as the task page's form."""

    percent = serializers.IntegerField(min_value=0, max_value=100)
    note = NFCCharField(max_length=5000)
    reported_on = serializers.DateField(required=False, help_text=_("ISO 8601; today when left out."))
    cause = NFCCharField(required=False, allow_blank=True, default="", max_length=5000)
    version = serializers.IntegerField(min_value=1, help_text=_("The task's version you read (optimistic lock)."))
    files = serializers.ListField(child=serializers.FileField(), required=False, default=list, max_length=10)


# --------------------------------------------------------------------------- reports


class AgencyReportSerializer(serializers.ModelSerializer):
    cycle = serializers.IntegerField(source="cycle.year")
    agency = AgencyRefSerializer()
    state = serializers.SerializerMethodField()

    class Meta:
        model = AgencyReport
        fields = ["id", "cycle", "agency", "status", "state", "narrative", "submitted_at", "receipt_number",
                  "reviewer_comment", "reviewed_at", "version"]  # fmt: skip

    def get_state(self, report) -> str:
        return report_state(report, report.cycle.report_deadline)


class IssuedReportSerializer(serializers.ModelSerializer):
    cycle = serializers.IntegerField(source="cycle.year")
    download = serializers.SerializerMethodField()

    class Meta:
        model = IssuedReport
        fields = ["id", "cycle", "status", "as_of", "requested_at", "finished_at", "size", "sha256", "download"]

    def get_download(self, issued) -> str | None:
        if issued.status != "done":
            return None
        return _link(self.context.get("request"), "api:issued-report-download", issued.pk)


# --------------------------------------------------------------------------- appraisal


class AppraisalRowSerializer(serializers.Serializer):
    code = NFCCharField(max_length=20, help_text=_("The sub-criterion's code, e.g. 3.2.1."))
    value = serializers.DecimalField(max_digits=7, decimal_places=2, help_text=_("The appraised points."))
    remark = NFCCharField(required=False, allow_blank=True, default="", max_length=2000)


class AppraisalInputSerializer(serializers.Serializer):
    round = serializers.ChoiceField(choices=[RoundKind.APPRAISAL_1, RoundKind.APPRAISAL_2])
    framework = serializers.ChoiceField(choices=["par", "sipas"], default="par")
    results = AppraisalRowSerializer(many=True, allow_empty=False, max_length=2000)


class AppraisalResultSerializer(serializers.Serializer):
    round = serializers.CharField()
    changed = serializers.IntegerField()
    unchanged = serializers.IntegerField()
