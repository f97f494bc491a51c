"""SNV issues an API token for a client system."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from agencies.models import Agency

from ..models import ApiScope


class IssueTokenForm(forms.Form):
    name = forms.CharField(
        label=_("Client system"), max_length=120, help_text=_("E.g. the document system (hệ thống QLVB và điều hành).")
    )
    scope = forms.ChoiceField(label=_("Scope"), choices=ApiScope.choices)
    agency = forms.ModelChoiceField(
        Agency.objects.none(),
        label=_("Agency"),
        required=False,
        help_text=_("Only for an agency's token: it reads and writes as that agency's staff."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = Agency.objects.current().by_name()

    def clean(self):
        data = super().clean()
        if data.get("scope") == ApiScope.AGENCY and not data.get("agency"):
            self.add_error("agency", _("Choose the agency the token acts for."))
        if data.get("scope") and data.get("scope") != ApiScope.AGENCY:
            data["agency"] = None
        return data
