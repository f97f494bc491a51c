from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView

from . import views

app_name = "api"
urlpatterns = [
    path("cycles/", views.CycleList.as_view(), name="cycle-list"),
    path("cycles/<int:year>/", views.CycleDetail.as_view(), name="cycle-detail"),
    path("cycles/<int:year>/scores/", views.Scores.as_view(), name="scores"),
    path("cycles/<int:year>/figures/", views.Figures.as_view(), name="figures"),
    path("cycles/<int:year>/appraisal/", views.Appraisal.as_view(), name="appraisal"),
    path("frameworks/", views.FrameworkList.as_view(), name="framework-list"),
    path("frameworks/<int:pk>/", views.FrameworkDetail.as_view(), name="framework-detail"),
    path("agencies/", views.AgencyList.as_view(), name="agency-list"),
    path("tasks/", views.TaskList.as_view(), name="task-list"),
    path("tasks/<int:pk>/", views.TaskDetail.as_view(), name="task-detail"),
    path("tasks/<int:pk>/progress/", views.TaskProgress.as_view(), name="task-progress"),
    path("evidence/<int:pk>/download/", views.EvidenceDownload.as_view(), name="evidence-download"),
    path("reports/", views.AgencyReportList.as_view(), name="report-list"),
    path("reports/<int:pk>/", views.AgencyReportDetail.as_view(), name="report-detail"),
    path("issued-reports/", views.IssuedReportList.as_view(), name="issued-report-list"),
    path("issued-reports/<int:pk>/download/", views.IssuedReportDownload.as_view(), name="issued-report-download"),
    # The description: OpenAPI 3 (JSON/YAML) and readable pages, assets vendored by drf-spectacular-sidecar.
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="api:schema"), name="redoc"),
]
