"""Django's admin for administrators only, at the path of ``settings.ADMIN_URL``.

Anyone who is not an active staff user gets a 404 from every admin URL, the admin's own login
page included: the admin cannot be found by probing, and administrators log in through the
site's login page (``/login/``), which the login throttling guards. Installed in place of
``django.contrib.admin`` (``AdminConfig.default_site``), so every ``admin.site.register`` lands here.
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig as DjangoAdminConfig
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

# django-axes ships no Vietnamese catalogue: its model and field names are listed here so that
# makemessages keeps them in locale/vi and the admin shows them in Vietnamese (issue 16, §3).
AXES_NAMES = (
    gettext_noop("access attempt"),
    gettext_noop("access attempts"),
    gettext_noop("access failure"),
    gettext_noop("access failures"),
    gettext_noop("access log"),
    gettext_noop("access logs"),
    gettext_noop("access attempt expiration"),
    gettext_noop("access attempt expirations"),
    gettext_noop("Axes"),
    gettext_noop("User Agent"),
    gettext_noop("IP Address"),
    gettext_noop("Username"),
    gettext_noop("HTTP Accept"),
    gettext_noop("Path"),
    gettext_noop("Attempt Time"),
    gettext_noop("Access lock out"),
    gettext_noop("GET Data"),
    gettext_noop("POST Data"),
    gettext_noop("Failed Logins"),
    gettext_noop("Expires At"),
    gettext_noop("Logout Time"),
)


def _is_administrator(request) -> bool:
    user = getattr(request, "user", None)
    return bool(user and user.is_active and user.is_staff)


class AdministratorsOnlyAdminSite(admin.AdminSite):
    site_header = _("PAR Tracker administration")
    site_title = _("PAR Tracker administration")
    index_title = _("Administration")

    def admin_view(self, view, cacheable=False):
        inner = super().admin_view(view, cacheable)

        def view_for_administrators(request, *args, **kwargs):
            if not _is_administrator(request):
                raise Http404
            return inner(request, *args, **kwargs)

        view_for_administrators.admin_site = self
        return view_for_administrators

    def login(self, request, extra_context=None):
        if not _is_administrator(request):
            raise Http404
        return super().login(request, extra_context)


class AdminConfig(DjangoAdminConfig):
    default_site = "config.admin_site.AdministratorsOnlyAdminSite"
