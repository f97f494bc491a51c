from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import AgencyReport, DeadlineExtension, Evidence, ProgressUpdate, Task


@admin.register(Task)
class TaskAdmin(SimpleHistoryAdmin):
    list_display = ["title", "cycle", "lead_agency", "deadline", "progress", "completed_on"]
    list_filter = ["cycle", "lead_agency__kind"]
    search_fields = ["title", "description"]
    autocomplete_fields = ["lead_agency", "coordinating_agencies", "sub_criteria", "carried_from"]
    list_select_related = ["cycle", "lead_agency"]
    readonly_fields = ["version", "created_at", "updated_at"]


@admin.register(ProgressUpdate)
class ProgressUpdateAdmin(admin.ModelAdmin):
    list_display = ["task", "author", "percent", "reported_on", "created_at"]
    list_select_related = ["task", "author"]
    raw_id_fields = ["task"]

    def has_delete_permission(self, request, obj=None):
        return False  # history is never deleted


@admin.register(Evidence)
class EvidenceAdmin(admin.ModelAdmin):
    list_display = ["original_name", "task", "size", "uploaded_by", "uploaded_at"]
    raw_id_fields = ["task", "progress_update"]
    readonly_fields = ["sha256", "size", "content_type"]

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AgencyReport)
class AgencyReportAdmin(SimpleHistoryAdmin):
    list_display = ["agency", "cycle", "status", "submitted_at"]
    list_filter = ["cycle", "status"]
    autocomplete_fields = ["agency"]


# --- Reminders and notifications (issue 5) ---
from .models import Notification, Reminder  # noqa: E402


@admin.register(Reminder)
class ReminderAdmin(admin.ModelAdmin):
    """What was sent, to whom, when, and any failure; read-only, since the sweep owns the rows."""

    list_display = [
        "recipient",
        "kind",
        "item_key",
        "deadline",
        "due_date",
        "escalated",
        "state",
        "attempts",
        "claimed_at",
        "sent_at",
        "last_error",
    ]
    list_filter = ["state", "kind", "escalated", "cycle"]
    search_fields = ["recipient__username", "recipient__email", "item_key", "last_error"]
    date_hierarchy = "claimed_at"
    list_select_related = ["recipient"]
    raw_id_fields = ["recipient", "task", "agency"]
    readonly_fields = [f.name for f in Reminder._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["recipient", "kind", "title", "created_at", "read_at"]
    list_filter = ["kind"]
    search_fields = ["recipient__username", "title"]
    list_select_related = ["recipient"]
    raw_id_fields = ["recipient"]


@admin.register(DeadlineExtension)
class DeadlineExtensionAdmin(SimpleHistoryAdmin):
    """Read here, decided in SNV's inbox (the service keeps the original deadline and notifies)."""

    list_display = ["task", "state", "proposed_deadline", "approved_deadline", "requested_at", "decided_on"]
    list_filter = ["state"]
    raw_id_fields = ["task"]
    readonly_fields = [f.name for f in DeadlineExtension._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
