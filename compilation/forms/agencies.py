"""SNV's forms for agencies over time: create, rename, deactivate, merge, split and transfer."""

from __future__ import annotations

import unicodedata

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.utils.translation import gettext_lazy as _

from agencies.models import Agency, AgencyKind, LinkKind, Province
from agencies.params import ModelMultipleIdsField

DATE_WIDGET = forms.DateInput(attrs={"placeholder": "dd/mm/yyyy", "inputmode": "numeric"}, format="%d/%m/%Y")
# What each restructuring kind asks of SNV: how many sources and successors.
RESTRUCTURING_KINDS = {
    LinkKind.MERGE: _("Merge agencies into one"),
    LinkKind.SPLIT: _("Split an agency among successors"),
    LinkKind.TRANSFER: _("Transfer a function (some tasks) to another agency"),
}


def _nfc(value: str) -> str:
    return unicodedata.normalize("NFC", (value or "").strip())


def _helper(label: str) -> FormHelper:
    helper = FormHelper()
    helper.add_input(Submit("submit", label))
    return helper


class AgencyChoiceField(ModelMultipleIdsField):
    def label_from_instance(self, obj: Agency) -> str:
        return f"{obj.name} ({obj.get_kind_display()})"


class AgencyCreateForm(forms.Form):
    code = forms.SlugField(label=_("Code"), max_length=32, help_text=_("Letters, digits and hyphens, e.g. p-quynhon."))
    name = forms.CharField(label=_("Name"), max_length=200)
    short_name = forms.CharField(label=_("Short name"), max_length=80, required=False)
    kind = forms.ChoiceField(label=_("Kind"), choices=AgencyKind.choices)
    valid_from = forms.DateField(label=_("Exists from"), required=False, widget=DATE_WIDGET)
    email = forms.EmailField(label=_("Contact e-mail"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(_("Create"))

    def clean_name(self) -> str:
        return _nfc(self.cleaned_data["name"])

    def clean_code(self) -> str:
        code = self.cleaned_data["code"]
        if Agency.objects.filter(code=code).exists():
            raise forms.ValidationError(_("An agency with this code already exists."))
        return code


class AgencyRenameForm(forms.Form):
    name = forms.CharField(label=_("New name"), max_length=200)
    short_name = forms.CharField(label=_("New short name"), max_length=80, required=False)
    effective_on = forms.DateField(label=_("Effective on"), widget=DATE_WIDGET)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(_("Rename"))

    def clean_name(self) -> str:
        return _nfc(self.cleaned_data["name"])


class AgencyDeactivateForm(forms.Form):
    effective_on = forms.DateField(
        label=_("No longer exists from"), widget=DATE_WIDGET, help_text=_("Figures before this date are unchanged.")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(_("Deactivate"))


class RestructuringForm(forms.Form):
    """The first step of a merge, split or transfer: who changes, into whom, from when."""

    sources = AgencyChoiceField(label=_("Agencies that change"), queryset=Agency.objects.none())
    successors = AgencyChoiceField(label=_("Successors"), queryset=Agency.objects.none())
    effective_on = forms.DateField(label=_("Effective on"), widget=DATE_WIDGET)
    note = forms.CharField(label=_("Basis (decision, resolution)"), max_length=300, required=False)

    def __init__(self, *args, kind: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind = kind
        agencies = Agency.objects.filter(valid_to__isnull=True).by_name()
        self.fields["sources"].queryset = agencies
        self.fields["successors"].queryset = agencies
        for name in ("sources", "successors"):
            self.fields[name].widget.attrs["size"] = 12
        self.helper = _helper(_("Preview"))
        self.helper.form_tag = False

    def clean(self):
        data = super().clean()
        sources, successors = data.get("sources"), data.get("successors")
        if sources is None or successors is None:
            return data
        if set(sources) & set(successors):
            raise forms.ValidationError(_("An agency cannot be its own successor."))
        if self.kind == LinkKind.SPLIT and (len(sources) != 1 or len(successors) < 2):
            raise forms.ValidationError(_("A split divides one agency among two or more successors."))
        if self.kind in (LinkKind.MERGE, LinkKind.TRANSFER) and len(successors) != 1:
            raise forms.ValidationError(_("A merge or a transfer has exactly one successor."))
        if self.kind == LinkKind.TRANSFER and len(sources) != 1:
            raise forms.ValidationError(_("A transfer moves tasks from one agency."))
        return data


class BaselineImportForm(forms.Form):
    """A predecessor province's announced results of one year, from its framework workbook."""

    successor = forms.ModelChoiceField(label=_("Merged province"), queryset=Province.objects.none())
    province_name = forms.CharField(label=_("Predecessor province"), max_length=120)
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    framework_name = forms.CharField(label=_("Framework"), max_length=200)
    legal_basis = forms.CharField(label=_("Legal basis"), max_length=120, required=False)
    announced_percent = forms.DecimalField(
        label=_("Announced result (%)"), max_digits=5, decimal_places=2, min_value=0, max_value=100, required=False
    )
    rank = forms.CharField(label=_("Rank"), max_length=20, required=False)
    file = forms.FileField(label=_("Framework workbook (.xlsx)"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["successor"].queryset = Province.objects.all()
        self.helper = _helper(_("Import"))
        self.helper.form_enctype = "multipart/form-data"
