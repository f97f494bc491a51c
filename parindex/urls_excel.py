"""Excel import and export (issue 7)."""

from django.urls import path

from . import views_excel

app_name = "excel"
urlpatterns = [
    path("excel/", views_excel.excel_home, name="home"),
    path("excel/import/", views_excel.import_upload, name="import"),
    path("excel/import/<slug:token>/", views_excel.import_preview, name="preview"),
    path("excel/import/<slug:token>/cancel/", views_excel.import_cancel, name="cancel"),
    path("excel/export/", views_excel.export_download, name="export"),
    path("excel/template/<slug:kind>.xlsx", views_excel.template_download, name="template"),
]
