"""SNV's crosswalk forms: import a workbook, correct one mapping."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from parindex.models import Framework


class CrosswalkUploadForm(forms.Form):
    old = forms.ModelChoiceField(Framework.objects.order_by("name"), label=_("Old framework"))
    new = forms.ModelChoiceField(Framework.objects.order_by("name"), label=_("New framework"))
    file = forms.FileField(
        label=_("Workbook (.xlsx)"),
        help_text=_("Columns: old code, new code (blank: none), note."),
    )

    def clean(self):
        data = super().clean()
        if data.get("old") and data.get("old") == data.get("new"):
            raise forms.ValidationError(_("Choose two different versions."))
        return data


class MappingForm(forms.Form):
    old_code = forms.CharField(label=_("Old code"), max_length=20)
    new_codes = forms.CharField(
        label=_("New codes"),
        max_length=200,
        required=False,
        help_text=_("Comma-separated; blank: none."),
    )
    note = forms.CharField(label=_("Note"), max_length=300, required=False)
