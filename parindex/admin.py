from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Criterion, Cycle, Framework, Score


@admin.register(Framework)
class FrameworkAdmin(SimpleHistoryAdmin):
    list_display = ["name", "kind", "legal_basis", "total_points"]
    list_filter = ["kind"]


@admin.register(Criterion)
class CriterionAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "framework", "level", "max_points", "method", "focal_agency"]
    list_filter = ["framework", "level", "method"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["parent", "focal_agency"]
    list_select_related = ["framework", "focal_agency"]


@admin.register(Cycle)
class CycleAdmin(SimpleHistoryAdmin):
    list_display = ["year", "name", "is_current", "report_deadline", "self_assessment_date"]
    readonly_fields = ["compilation_deadline"]


@admin.register(Score)
class ScoreAdmin(SimpleHistoryAdmin):
    list_display = ["cycle", "criterion", "max_points", "self_score", "appraised_score", "previous_score"]
    list_filter = ["cycle", "criterion__framework"]
    search_fields = ["criterion__code", "criterion__name"]
    list_select_related = ["cycle", "criterion"]
    readonly_fields = ["max_points"]
