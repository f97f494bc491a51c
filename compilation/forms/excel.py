"""Forms of the Excel pages: upload a workbook to import, choose what to export."""

from __future__ import annotations

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from parindex.models import Cycle, FrameworkKind

from ..excel.importing import ImportKind

IMPORT_MAX_BYTES = getattr(settings, "EXCEL_IMPORT_MAX_BYTES", 10 * 1024 * 1024)
DATE_WIDGET = forms.DateInput(attrs={"placeholder": "dd/mm/yyyy", "inputmode": "numeric"}, format="%d/%m/%Y")


class CycleChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Cycle) -> str:
        return f"{obj.year} – {obj.name}"


class ImportForm(forms.Form):
    """What to import, into which cycle; the file's content is checked by the import service."""

    kind = forms.ChoiceField(label=_("What the workbook holds"), choices=ImportKind.choices)
    cycle = CycleChoiceField(label=_("Cycle"), queryset=Cycle.objects.order_by("-year"), empty_label=None)
    file = forms.FileField(
        label=_("Workbook (.xlsx)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.xlsm"}),
    )
    framework_name = forms.CharField(
        label=_("Framework name"),
        max_length=200,
        required=False,
        help_text=_("For a framework: leave blank to take the name from the title row above the header."),
    )
    framework_kind = forms.ChoiceField(
        label=_("Framework kind"),
        choices=[("", _("Detect (as stored, else from the name)")), *FrameworkKind.choices],
        required=False,
    )
    crosswalk = forms.FileField(
        label=_("Crosswalk from last year's tree (.xlsx)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}),
        help_text=_(
            "Only to replace the tree that “start next cycle” copied by the Ministry's new one: old code, new code, "
            "note; the cycle's tasks are re-linked through it."
        ),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        current = Cycle.current()
        if current:
            self.fields["cycle"].initial = current.pk
        self.fields["file"].help_text = _("An Excel or LibreOffice workbook saved as .xlsx; at most %(mb)s MB.") % {
            "mb": IMPORT_MAX_BYTES // (1024 * 1024)
        }
        self.helper = FormHelper()
        self.helper.form_action = "compilation:excel-import"
        self.helper.add_input(Submit("preview", _("Check and preview")))

    def clean_file(self):
        return self._checked(self.cleaned_data["file"])

    def clean_crosswalk(self):
        upload = self.cleaned_data.get("crosswalk")
        return self._checked(upload) if upload else None

    @staticmethod
    def _checked(upload):
        name = (upload.name or "").lower()
        if name.endswith(".xls") or name.endswith(".ods"):
            raise forms.ValidationError(_("Save the file as an Excel Workbook (.xlsx) first."))
        if upload.size > IMPORT_MAX_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(mb)s MB.") % {"mb": IMPORT_MAX_BYTES // (1024 * 1024)}
            )
        return upload


class ExportForm(forms.Form):
    """The cycle and the date the statuses are evaluated at (the cycle's own date when blank)."""

    cycle = CycleChoiceField(label=_("Cycle"), queryset=Cycle.objects.order_by("-year"), empty_label=None)
    as_of = forms.DateField(
        label=_("Statuses as of"),
        required=False,
        input_formats=["%d/%m/%Y"],
        widget=DATE_WIDGET,
        help_text=_("dd/mm/yyyy; blank for the cycle's reference date or today."),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        current = Cycle.current()
        if current:
            self.fields["cycle"].initial = current.pk
        self.helper = FormHelper()
        self.helper.form_method = "get"
        self.helper.form_action = "compilation:excel-export"
        self.helper.add_input(Submit("export", _("Download the workbook")))
