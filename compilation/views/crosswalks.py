"""The crosswalks between framework versions: SNV imports one from a workbook and corrects it row by row."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from agencies.decorators import province_reader_required
from parindex import services
from parindex.models import Criterion, Crosswalk

from ..excel.crosswalk import read_crosswalk_rows
from ..excel.workbook import WorkbookError
from ..forms.crosswalks import CrosswalkUploadForm, MappingForm


@province_reader_required
def crosswalk_list(request: HttpRequest) -> HttpResponse:
    form = CrosswalkUploadForm(request.POST, request.FILES) if request.method == "POST" else CrosswalkUploadForm()
    if request.method == "POST":
        if not request.user.is_snv:
            raise Http404
        if form.is_valid():
            data = form.cleaned_data
            try:
                rows = read_crosswalk_rows(data["file"])
                crosswalk = services.import_crosswalk(data["old"], data["new"], rows, user=request.user)
            except WorkbookError as exc:
                form.add_error("file", str(exc) if str(exc) != "empty" else _("The workbook holds no mapping."))
            except ValidationError as exc:
                form.add_error(None, exc.messages)
            else:
                messages.success(request, _("Crosswalk imported: %(n)s mappings.") % {"n": len(rows)})
                return redirect("compilation:crosswalk-detail", pk=crosswalk.pk)
    crosswalks = Crosswalk.objects.select_related("old_framework", "new_framework").order_by("-id")
    context = {"crosswalks": crosswalks, "form": form if request.user.is_snv else None}
    return render(request, "compilation/crosswalk_list.html", context, status=400 if form.errors else 200)


@province_reader_required
def crosswalk_detail(request: HttpRequest, pk: int) -> HttpResponse:
    crosswalk = get_object_or_404(Crosswalk.objects.select_related("old_framework", "new_framework"), pk=pk)
    form = MappingForm(request.POST) if request.method == "POST" else MappingForm()
    if request.method == "POST":
        if not request.user.is_snv:
            raise Http404
        if form.is_valid():
            data = form.cleaned_data
            old = Criterion.objects.filter(framework=crosswalk.old_framework, code=data["old_code"].strip()).first()
            try:
                if old is None:
                    raise ValidationError(
                        _("%(code)s is not a sub-criterion of the old framework.") % {"code": data["old_code"]}
                    )
                services.set_mapping(crosswalk, old, data["new_codes"].split(","), data["note"], user=request.user)
            except ValidationError as exc:
                form.add_error(None, exc.messages)
            else:
                messages.success(request, _("Mapping of %(code)s saved.") % {"code": old.code})
                return redirect("compilation:crosswalk-detail", pk=crosswalk.pk)
    mappings = crosswalk.mappings.select_related("old", "new").order_by("old__order", "new__order")
    context = {"crosswalk": crosswalk, "mappings": mappings, "form": form if request.user.is_snv else None}
    return render(request, "compilation/crosswalk_detail.html", context, status=400 if form.errors else 200)
