"""SNV reopens one agency's entries of a round, with a reason."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from agencies.models import Agency

from .scores import DATE_WIDGET


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
