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


def _is_administrator(request) -> bool:
    user = getattr(request, "user", None)
    return bool(user and user.is_active and user.is_staff)


class AdministratorsOnlyAdminSite(admin.AdminSite):
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
