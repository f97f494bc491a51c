"""SNV reopens one agency's entries of a round, with a reason."""

from __future__ import annotations

import unicodedata
from decimal import Decimal, InvalidOperation

from django import forms
from django.utils.translation import gettext_lazy as _

from agencies.models import Agency

from .scores import DATE_WIDGET, ScoreField


class ReopenForm(forms.Form):
    agency = forms.ModelChoiceField(queryset=Agency.objects.none(), label=_("Focal agency"))
    until = forms.DateField(label=_("Open until"), widget=DATE_WIDGET)
    reason = forms.CharField(label=_("Reason"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, agencies, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = agencies


class AppraisalUploadForm(forms.Form):
    file = forms.FileField(
        label=_("The Ministry's appraisal workbook (.xlsx)"),
        help_text=_("Columns: sub-criterion code, appraised score, the council's remark."),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.xlsm"}),
    )


class RoundDatesForm(forms.Form):
    """SNV sets a round's dates or closes it; the reason goes into the round's history."""

    opens = forms.DateField(label=_("opens"), widget=DATE_WIDGET)
    deadline = forms.DateField(label=_("deadline"), widget=DATE_WIDGET)
    closed_on = forms.DateField(
        label=_("closed on"),
        required=False,
        widget=DATE_WIDGET,
        help_text=_("Until then the round's figures are provisional."),
    )
    reason = forms.CharField(label=_("Reason for the change"), max_length=300)


class ResultForm(forms.Form):
    """The Ministry's announced result of a cycle (PAR Index or SIPAS)."""

    decision = forms.CharField(label=_("decision"), max_length=120, help_text=_("e.g. 641/QĐ-BNV"))
    decision_date = forms.DateField(label=_("date of the decision"), widget=DATE_WIDGET)
    percent = ScoreField(label=_("overall result (%)"), required=True)
    rank = forms.IntegerField(label=_("rank"), min_value=1, max_value=100)
    out_of = forms.IntegerField(
        label=_("among"),
        min_value=1,
        max_value=100,
        initial=63,
        help_text=_("Number of provinces ranked: 63 before the 2025 reorganisation, 34 after."),
    )
    group = forms.CharField(label=_("group"), max_length=10, required=False)
    components = forms.CharField(
        label=_("components (%)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("SIPAS: one component a line, code and percentage, e.g. 1: 82,50."),
    )
    note = forms.CharField(label=_("note"), max_length=300, required=False)

    def clean_components(self) -> dict[str, Decimal]:
        out = {}
        for line in self.cleaned_data.get("components", "").splitlines():
            if not line.strip():
                continue
            code, sep, value = line.partition(":")
            try:
                if not sep:
                    raise InvalidOperation
                out[unicodedata.normalize("NFC", code.strip())] = Decimal(value.strip().replace(",", "."))
            except InvalidOperation:
                raise forms.ValidationError(
                    _("Write each component as its code, a colon and its percentage: “%(line)s”.")
                    % {"line": line.strip()[:50]}
                ) from None
        return out
