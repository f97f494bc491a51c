from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RemediationConfig(AppConfig):
    name = "remediation"
    verbose_name = _("Remediation")

    def ready(self) -> None:
        from . import signals  # noqa: F401  (connects the reminder cancellation receivers)
