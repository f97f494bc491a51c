from django.urls import path

from .views import evidence, reports, tasks

app_name = "remediation"
urlpatterns = [
    path("tasks/", tasks.task_list, name="task-list"),
    path("tasks/<int:pk>/", tasks.task_detail, name="task-detail"),
    path("tasks/<int:pk>/progress/", tasks.task_progress, name="task-progress"),
    path("tasks/<int:pk>/complete/", tasks.task_complete, name="task-complete"),
    path("tasks/<int:pk>/cause/", tasks.task_cause, name="task-cause"),
    path("evidence/<int:pk>/download/", evidence.evidence_download, name="evidence-download"),
    path("reports/mine/", reports.report_edit, name="report-edit"),
    path("reports/inbox/", reports.report_inbox, name="report-inbox"),
    path("reports/<int:pk>/", reports.report_detail, name="report-detail"),
    path("reports/<int:pk>/review/", reports.report_review, name="report-review"),
]
