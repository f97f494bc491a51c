from django.urls import path

from .views import api_tokens, consolidated, crosswalks, cycles, dashboard, excel, home, restructuring, rounds, scores

app_name = "compilation"
urlpatterns = [
    path("", home.home, name="home"),
    # SNV's compilation: dashboard, scores, cycles.
    path("dashboard/", dashboard.dashboard, name="dashboard"),
    path("dashboard/agencies/", dashboard.agencies, name="agencies"),
    path("scores/", scores.score_tree, name="score-tree"),
    path("scores/<int:year>/<int:pk>/", scores.criterion_detail, name="criterion-detail"),
    path("scores/<int:year>/<int:pk>/evidence/", scores.score_evidence_upload, name="score-evidence-upload"),
    path("scores/evidence/<int:pk>/", scores.score_evidence_download, name="score-evidence-download"),
    path("cycles/", cycles.cycle_list, name="cycle-list"),
    path("cycles/new/", cycles.cycle_start, name="cycle-start"),
    path("cycles/<int:year>/settings/", cycles.cycle_settings, name="cycle-settings"),
    # Agencies over time: create, rename, deactivate, merge, split, transfer (SNV).
    path("agencies/", restructuring.agency_list, name="agency-manage"),
    path("agencies/new/", restructuring.agency_create, name="agency-create"),
    path("agencies/<int:pk>/rename/", restructuring.agency_rename, name="agency-rename"),
    path("agencies/<int:pk>/deactivate/", restructuring.agency_deactivate, name="agency-deactivate"),
    path("agencies/restructure/<slug:kind>/", restructuring.restructure, name="agency-restructure"),
    path("scores/baselines/import/", restructuring.baseline_import, name="baseline-import"),
    path("rounds/", rounds.round_list, name="round-list"),
    path("crosswalks/", crosswalks.crosswalk_list, name="crosswalk-list"),
    path("crosswalks/<int:pk>/", crosswalks.crosswalk_detail, name="crosswalk-detail"),
    path("rounds/<int:pk>/reopen/", rounds.round_reopen, name="round-reopen"),
    path("rounds/<int:pk>/appraisal/", rounds.appraisal_import, name="appraisal-import"),
    path("rounds/<int:pk>/dates/", rounds.round_dates, name="round-dates"),
    path("rounds/results/<int:year>/<slug:kind>/", rounds.result_record, name="result-record"),
    path("rounds/<int:pk>/<slug:action>/", rounds.round_submit, name="round-submit"),
    # The consolidated report for the Chairman: issue, follow, download.
    path("consolidated-report/", consolidated.report_list, name="report-list"),
    path("consolidated-report/issue/", consolidated.report_issue, name="report-issue"),
    path("consolidated-report/<int:pk>/", consolidated.report_detail, name="report-detail"),
    path("consolidated-report/<int:pk>/status/", consolidated.report_status, name="report-status"),
    path("consolidated-report/<int:pk>/download/", consolidated.report_download, name="report-download"),
    # Excel in and out.
    path("excel/", excel.excel_home, name="excel-home"),
    path("excel/import/", excel.import_upload, name="excel-import"),
    path("excel/import/<slug:token>/", excel.import_preview, name="excel-preview"),
    path("excel/import/<slug:token>/sheet/", excel.import_sheet, name="excel-sheet"),
    path("excel/import/<slug:token>/alias/", excel.import_alias, name="excel-alias"),
    path("excel/import/<slug:token>/cancel/", excel.import_cancel, name="excel-cancel"),
    path("excel/export/", excel.export_download, name="excel-export"),
    path("excel/template/<slug:kind>.xlsx", excel.template_download, name="excel-template"),
    # The JSON API's client tokens: SNV issues and revokes them (the API itself is under /api/v1/).
    path("api-tokens/", api_tokens.token_list, name="api-tokens"),
    path("api-tokens/<int:pk>/revoke/", api_tokens.token_revoke, name="api-token-revoke"),
]
