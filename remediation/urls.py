from django.urls import path

from .views import evidence, loop, manage, notifications, reports, tasks

app_name = "remediation"
urlpatterns = [
    # Agency work: tasks, progress, evidence.
    path("tasks/", tasks.task_list, name="task-list"),
    path("tasks/<int:pk>/", tasks.task_detail, name="task-detail"),
    path("tasks/<int:pk>/updates/", tasks.task_updates, name="task-updates"),
    path("tasks/<int:pk>/history/", tasks.task_history, name="task-history"),
    path("tasks/<int:pk>/progress/", tasks.task_progress, name="task-progress"),
    path("tasks/<int:pk>/complete/", tasks.task_complete, name="task-complete"),
    path("tasks/<int:pk>/cause/", tasks.task_cause, name="task-cause"),
    # Closing the loop: verification of completions, deadline extensions.
    path("tasks/<int:pk>/verify/", loop.task_verify, name="task-verify"),
    path("tasks/<int:pk>/send-back/", loop.task_send_back, name="task-send-back"),
    path("tasks/<int:pk>/extension/", loop.extension_request, name="extension-request"),
    path("extensions/<int:pk>/decide/", loop.extension_decide, name="extension-decide"),
    path("manage/tasks/<int:pk>/priority/", loop.task_priority, name="task-priority"),
    path("evidence/<int:pk>/download/", evidence.evidence_download, name="evidence-download"),
    # Agency reports to the Chairman, and SNV's inbox of them.
    path("reports/mine/", reports.report_edit, name="report-edit"),
    path("reports/mine/causes/", reports.report_causes, name="report-causes"),
    path("reports/inbox/", reports.report_inbox, name="report-inbox"),
    path("reports/<int:pk>/", reports.report_detail, name="report-detail"),
    path("reports/<int:pk>/review/", reports.report_review, name="report-review"),
    # SNV: assigning and managing tasks.
    path("manage/tasks/", manage.task_list, name="manage-task-list"),
    path("manage/tasks/new/", manage.task_create, name="manage-task-create"),
    path("manage/tasks/bulk/", manage.task_bulk, name="manage-task-bulk"),
    path("manage/tasks/<int:pk>/edit/", manage.task_edit, name="manage-task-edit"),
    path("manage/tasks/<int:pk>/close/", manage.task_close, name="manage-task-close"),
    path("manage/tasks/<int:pk>/reopen/", manage.task_reopen, name="manage-task-reopen"),
    # Notifications and calendar feeds.
    path("notifications/", notifications.notification_list, name="notification-list"),
    path("notifications/<int:pk>/open/", notifications.notification_open, name="notification-open"),
    path("notifications/read-all/", notifications.notification_read_all, name="notification-read-all"),
    path("calendar/regenerate/", notifications.calendar_regenerate, name="calendar-regenerate"),
    path("calendar/<str:token>.ics", notifications.calendar_feed, name="calendar-feed"),
]
