from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from agencies import views as agency_views
from agencies.forms import LoginForm

urlpatterns = [
    path("", agency_views.home, name="home"),
    path("healthz", agency_views.healthz, name="healthz"),
    path(
        "login/",
        auth_views.LoginView.as_view(template_name="registration/login.html", authentication_form=LoginForm),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    # Agency work: tasks, progress, evidence, agency reports (issue 3).
    path("", include("remediation.urls")),
    # SNV: task assignment (issue 4).
    path("", include("remediation.urls_manage")),
    # Reminders: notifications and calendar feeds (issue 5).
    path("", include("remediation.urls_notifications")),
    # SNV: scores, dashboard, cycles (issue 4).
    path("", include("parindex.urls")),
    # The consolidated PDF report (issue 6).
    path("", include("parindex.urls_report")),
    # Excel import and export (issue 7).
    path("", include("parindex.urls_excel")),
]
