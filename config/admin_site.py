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
    gettext_noop("Form Data"),
    gettext_noop("Meta Data"),
    gettext_noop("Account locked: too many login attempts. Please try again later."),
    gettext_noop("Account locked: too many login attempts. Contact an admin to unlock your account."),
)
# django-simple-history ships none either: the strings of its admin history pages (the history
# list, a version's page, the revert button), so that no English fragment is left in history.
HISTORY_NAMES = (
    gettext_noop("View history: %s"),
    gettext_noop("Change history: %s"),
    gettext_noop('The %(name)s "%(obj)s" was changed successfully.'),
    gettext_noop("You may edit it again below"),
    gettext_noop("View %s"),
    gettext_noop("Revert %s"),
    gettext_noop("Created"),
    gettext_noop("Changed"),
    gettext_noop("Deleted"),
    gettext_noop("Choose a date from the list below to revert to a previous version of this object."),
    gettext_noop("This object doesn't have a change history."),
    gettext_noop("Home"),
    gettext_noop("History"),
    gettext_noop("View %(verbose_name)s"),
    gettext_noop("Revert %(verbose_name)s"),
    gettext_noop("Press the 'Revert' button below to revert to this version of the object."),
    gettext_noop("Press the 'Change History' button below to edit the history."),
    gettext_noop("Object"),
    gettext_noop("Date/time"),
    gettext_noop("Comment"),
    gettext_noop("Changed by"),
    gettext_noop("Change reason"),
    gettext_noop("None"),
    gettext_noop("Revert"),
    gettext_noop("Change History"),
    gettext_noop("Close"),
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
