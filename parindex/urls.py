from django.urls import path

from .views import cycles, dashboard, scores

app_name = "parindex"
urlpatterns = [
    path("dashboard/", dashboard.dashboard, name="dashboard"),
    path("dashboard/agencies/", dashboard.agencies, name="agencies"),
    path("scores/", scores.score_tree, name="score-tree"),
    path("scores/<int:year>/<int:pk>/", scores.criterion_detail, name="criterion-detail"),
    path("cycles/", cycles.cycle_list, name="cycle-list"),
    path("cycles/new/", cycles.cycle_start, name="cycle-start"),
]
