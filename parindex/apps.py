from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ParindexConfig(AppConfig):
    name = "parindex"
    verbose_name = _("PAR Index and SIPAS")
