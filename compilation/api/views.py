"""The API's views: permission, lookup, the pages' QuerySets or figures, serializer, response.

Every read goes through the same QuerySets as the pages (access.visible_tasks and the rest)
and every figure through compilation.figures, so the API cannot show what a page would not,
nor a number the dashboard does not. A role gate that fails is a 404, as on the pages.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.response import Response
from rest_framework.views import APIView

from agencies import clock
from agencies.files import private_download
from agencies.models import Agency
from parindex import access as score_access
from parindex import services as score_services
from parindex.access import selected_as_of
from parindex.models import Cycle, Framework, FrameworkKind
from remediation import access, services
from remediation.filters import TaskFilter
from remediation.models import ProgressUpdate, Task, by_deadline, deadline_in_force

from .. import figures
from ..consolidated import issuing
from ..models import IssuedReport
from . import serializers as s
from .permissions import AGENCY_WRITES, SNV_WRITES

AS_OF = OpenApiParameter(
    "as_of",
    str,
    description=str(_("The data cut-off date, ISO 8601 (yyyy-mm-dd) or dd/mm/yyyy; default: the cycle's.")),
)
CYCLE = OpenApiParameter("cycle", int, description=str(_("The cycle's year; default: the current cycle.")))


def _require(ok: bool) -> None:
    if not ok:
        raise Http404


def _cycle(year: int) -> Cycle:
    return get_object_or_404(Cycle, year=year)


def _request_cycle(request) -> Cycle:
    return score_access.selected_cycle(request._request)


def _as_of(request, cycle: Cycle):
    return selected_as_of(request._request, cycle)


# --------------------------------------------------------------------------- cycles, frameworks


@extend_schema(summary="Các chu kỳ, với vòng chấm điểm và các hạn", tags=["Chu kỳ"])
class CycleList(generics.ListAPIView):
    serializer_class = s.CycleSerializer
    queryset = Cycle.objects.order_by("-year").prefetch_related("frameworks", "rounds")


@extend_schema(summary="Một chu kỳ", tags=["Chu kỳ"])
class CycleDetail(generics.RetrieveAPIView):
    serializer_class = s.CycleSerializer
    queryset = Cycle.objects.prefetch_related("frameworks", "rounds")
    lookup_field = "year"


@extend_schema(summary="Các bộ tiêu chí (phương pháp), với cây tiêu chí", tags=["Bộ tiêu chí"])
class FrameworkList(generics.ListAPIView):
    serializer_class = s.FrameworkSerializer
    queryset = Framework.objects.order_by("id").prefetch_related("criteria")


@extend_schema(summary="Một bộ tiêu chí với cây tiêu chí (phương pháp, điểm tối đa)", tags=["Bộ tiêu chí"])
class FrameworkDetail(generics.RetrieveAPIView):
    serializer_class = s.FrameworkSerializer
    queryset = Framework.objects.prefetch_related("criteria")


# --------------------------------------------------------------------------- scores and figures


class ScoresResponse(s.serializers.Serializer):
    cycle = s.serializers.IntegerField()
    kind = s.serializers.CharField()
    as_of = s.serializers.DateField()
    source = s.FigureSourceSerializer(allow_null=True)
    totals = s.TotalsSerializer(allow_null=True)
    rows = s.ScoreRowSerializer(many=True)


@extend_schema(
    summary="Điểm từng tiêu chí của chu kỳ tại ngày chốt số liệu, theo vòng (tự đánh giá, thẩm định)",
    tags=["Điểm"],
    parameters=[AS_OF, OpenApiParameter("kind", str, enum=["par", "sipas"])],
    responses=ScoresResponse,
)
class Scores(APIView):
    def get(self, request, year: int):
        _require(score_access.can_read_scores(request.user))
        cycle = _cycle(year)
        as_of = _as_of(request, cycle)
        kind = request.query_params.get("kind", FrameworkKind.PAR)
        if kind not in FrameworkKind.values:
            raise s.serializers.ValidationError({"kind": [_("Choose par or sipas.")]})
        tree = figures.score_tree(cycle, kind, as_of)
        data = {
            "cycle": cycle.year,
            "kind": kind,
            "as_of": as_of,
            "source": figures.figure_source(cycle, as_of, kind),
            "totals": figures.totals(tree) if tree else None,
            "rows": _flatten_tree(tree),
        }
        return Response(ScoresResponse(data).data)


def _flatten_tree(tree: list) -> list:
    out, stack = [], list(reversed(tree))
    while stack:
        row = stack.pop()
        out.append(row)
        stack.extend(reversed(row.children))
    return out


@extend_schema(
    summary="Số liệu của bảng điều khiển tại ngày chốt số liệu (cùng hàm với trang, PDF, Excel)",
    tags=["Số liệu"],
    parameters=[AS_OF],
    responses=s.FiguresSerializer,
)
class Figures(APIView):
    def get(self, request, year: int):
        _require(request.user.sees_everything)
        cycle = _cycle(year)
        data = figures.dashboard(cycle, _as_of(request, cycle))
        data.source = figures.figure_source(cycle, data.as_of)
        return Response(s.FiguresSerializer(data).data)


# --------------------------------------------------------------------------- agencies


@extend_schema(
    summary="Các cơ quan, với thời kỳ tồn tại, tên cũ, cơ quan kế thừa và tiền thân",
    tags=["Cơ quan"],
    parameters=[OpenApiParameter("as_of", str, description=str(_("Only the agencies existing on this date.")))],
)
class AgencyList(generics.ListAPIView):
    serializer_class = s.AgencySerializer

    def get_queryset(self):
        qs = Agency.objects.order_by("id").prefetch_related("names", "successor_links", "predecessor_links")
        raw = self.request.query_params.get("as_of")
        if raw:
            qs = qs.as_of(_parse_date(raw, "as_of"))
        return qs


def _parse_date(raw: str, name: str):
    field = s.serializers.DateField(input_formats=["iso-8601", "%d/%m/%Y"])
    try:
        return field.to_internal_value(raw)
    except s.serializers.ValidationError as exc:
        raise s.serializers.ValidationError({name: exc.detail}) from exc


# --------------------------------------------------------------------------- tasks


def _tasks(request, cycle: Cycle, as_of):
    """The task list's QuerySet: visible_tasks, the cycle, not closed, status as of the date."""
    return (
        access.visible_tasks(request.user)
        .filter(cycle=cycle)
        .not_closed()
        .with_status(as_of)
        .annotate(deadline_in_force=deadline_in_force(as_of))
        .select_related("lead_agency", "cycle")
        .prefetch_related("sub_criteria", "coordinating_agencies")
    )


@extend_schema(
    summary="Nhiệm vụ (trạng thái tại ngày chốt số liệu), lọc như trang danh sách",
    tags=["Nhiệm vụ"],
    parameters=[
        CYCLE,
        AS_OF,
        OpenApiParameter(
            "status",
            str,
            description="open, done, not_yet_due, in_progress, due_soon, overdue, done_on_time, done_late",
        ),  # fmt: skip
        OpenApiParameter("agency", int, description=str(_("Lead or coordinating agency (id)."))),
        OpenApiParameter("lead", int, description=str(_("Lead agency (id)."))),
        OpenApiParameter("role", str, enum=["lead", "coordinating"]),
        OpenApiParameter("area", str),
        OpenApiParameter("criterion", int),
        OpenApiParameter("q", str),
        OpenApiParameter("sort", str),
    ],
)
class TaskList(generics.ListAPIView):
    serializer_class = s.TaskSerializer

    def get_queryset(self):
        cycle = _request_cycle(self.request)
        self.as_of = _as_of(self.request, cycle)
        base = _tasks(self.request, cycle, self.as_of)
        user = self.request.user
        params = self.request.query_params.copy()
        for name in ("cycle", "as_of", "page", "page_size"):
            params.pop(name, None)
        if not params:
            return base.order_by(by_deadline(), "id")
        filterset = TaskFilter(params, queryset=base, user_agency=None if user.sees_everything else user.agency)
        if not filterset.is_valid():
            raise s.serializers.ValidationError(filterset.errors)
        return filterset.qs

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "as_of": getattr(self, "as_of", None)}


@extend_schema(summary="Một nhiệm vụ", tags=["Nhiệm vụ"], parameters=[AS_OF])
class TaskDetail(APIView):
    serializer_class = s.TaskSerializer

    def get(self, request, pk: int):
        task = _visible_task(request, pk)
        as_of = _as_of(request, task.cycle)
        task = get_object_or_404(_tasks(request, task.cycle, as_of), pk=pk)
        return Response(s.TaskSerializer(task, context={"request": request, "as_of": as_of}).data)


def _visible_task(request, pk: int) -> Task:
    return get_object_or_404(access.visible_tasks(request.user).select_related("cycle"), pk=pk)


@extend_schema(tags=["Tiến độ"])
class TaskProgress(generics.ListCreateAPIView):
    """GET: the task's progress updates with their evidence; POST: a new update (record_progress)."""

    serializer_class = s.ProgressUpdateSerializer
    write_scopes = AGENCY_WRITES

    def get_queryset(self):
        task = _visible_task(self.request, self.kwargs["pk"])
        return (
            ProgressUpdate.objects.filter(task=task)
            .select_related("author")
            .prefetch_related("evidence")
            .order_by("-created_at", "-id")
        )

    @extend_schema(summary="Các lần cập nhật tiến độ của nhiệm vụ, với tài liệu kiểm chứng")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        summary="Cập nhật tiến độ (cùng dịch vụ và khóa lạc quan với trình duyệt), kèm tài liệu kiểm chứng",
        request={"application/json": s.ProgressInputSerializer, "multipart/form-data": s.ProgressInputSerializer},
        responses={201: s.ProgressUpdateSerializer},
    )
    def post(self, request, pk: int):
        task = _visible_task(request, pk)
        if not access.can_update(request.user, task):  # SNV and the Chairman's office read, never log progress
            raise PermissionDenied
        data = dict(request.data.items())
        if hasattr(request.data, "getlist"):  # multipart: every file under "files"
            data["files"] = request.FILES.getlist("files")
        form = s.ProgressInputSerializer(data=data)
        form.is_valid(raise_exception=True)
        v = form.validated_data
        update = services.record_progress(
            task.pk,
            request.user,
            percent=v["percent"],
            note=v["note"],
            reported_on=v.get("reported_on") or clock.today(task.cycle),
            files=v["files"],
            cause=v["cause"],
            expected_version=v["version"],
        )
        update = ProgressUpdate.objects.select_related("author").prefetch_related("evidence").get(pk=update.pk)
        return Response(s.ProgressUpdateSerializer(update, context={"request": request}).data, status=201)


@extend_schema(summary="Tải tài liệu kiểm chứng (kiểm tra quyền như trang)", tags=["Tiến độ"],
               responses={(200, "application/octet-stream"): bytes})  # fmt: skip
class EvidenceDownload(APIView):
    def get(self, request, pk: int):
        evidence = get_object_or_404(access.visible_evidence(request.user), pk=pk)
        return private_download(evidence.file, evidence.original_name, evidence.content_type)


# --------------------------------------------------------------------------- reports


@extend_schema(summary="Báo cáo của các cơ quan và trạng thái", tags=["Báo cáo"], parameters=[CYCLE])
class AgencyReportList(generics.ListAPIView):
    serializer_class = s.AgencyReportSerializer

    def get_queryset(self):
        cycle = _request_cycle(self.request)
        return (
            access.visible_reports(self.request.user)
            .filter(cycle=cycle)
            .select_related("cycle", "agency")
            .order_by("agency__name", "id")
        )


@extend_schema(summary="Một báo cáo của cơ quan", tags=["Báo cáo"])
class AgencyReportDetail(generics.RetrieveAPIView):
    serializer_class = s.AgencyReportSerializer

    def get_queryset(self):
        return access.visible_reports(self.request.user).select_related("cycle", "agency")


@extend_schema(summary="Báo cáo tổng hợp đã phát hành", tags=["Báo cáo"], parameters=[CYCLE])
class IssuedReportList(generics.ListAPIView):
    serializer_class = s.IssuedReportSerializer

    def get_queryset(self):
        _require(self.request.user.is_snv or self.request.user.is_chairman_office)
        cycle = _request_cycle(self.request)
        return IssuedReport.objects.filter(cycle=cycle).select_related("cycle").order_by("-requested_at", "-id")


@extend_schema(summary="Tải báo cáo tổng hợp đã phát hành (đúng từng byte, kiểm SHA-256)", tags=["Báo cáo"],
               responses={(200, "application/pdf"): bytes})  # fmt: skip
class IssuedReportDownload(APIView):
    def get(self, request, pk: int):
        _require(request.user.is_snv or request.user.is_chairman_office)
        return issuing.archived_response(get_object_or_404(IssuedReport.objects.select_related("cycle"), pk=pk))


# --------------------------------------------------------------------------- appraisal (write)


@extend_schema(
    summary="Kết quả thẩm định của Bộ Nội vụ cho một vòng: tất cả hoặc không",
    tags=["Điểm"],
    request=s.AppraisalInputSerializer,
    responses={200: s.AppraisalResultSerializer},
)
class Appraisal(APIView):
    write_scopes = SNV_WRITES

    def post(self, request, year: int):
        _require(request.user.is_snv)
        cycle = _cycle(year)
        form = s.AppraisalInputSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        v = form.validated_data
        if cycle.framework_of(v["framework"]) is None:
            raise s.serializers.ValidationError({"framework": [_("The cycle has no such framework.")]})
        rows = [
            score_services.AppraisalRow(r["code"], r["value"], r.get("remark", ""), line)
            for line, r in enumerate(v["results"], start=1)
        ]
        changed = score_services.record_appraisal(
            cycle, v["round"], rows, user=request.user, framework_kind=v["framework"]
        )
        data = {"round": v["round"], "changed": changed, "unchanged": len(rows) - changed}
        return Response(s.AppraisalResultSerializer(data).data, status=status.HTTP_200_OK)
