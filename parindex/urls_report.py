"""The consolidated PDF report for the Chairman (issue 6): issue, follow, download."""

from django.urls import path

from . import views_report

app_name = "report"
urlpatterns = [
    path("consolidated-report/", views_report.report_list, name="list"),
    path("consolidated-report/issue/", views_report.report_issue, name="issue"),
    path("consolidated-report/<int:pk>/", views_report.report_detail, name="detail"),
    path("consolidated-report/<int:pk>/status/", views_report.report_status, name="status"),
    path("consolidated-report/<int:pk>/download/", views_report.report_download, name="download"),
]
