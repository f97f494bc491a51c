"""The form SNV fills in to issue the consolidated report."""

from __future__ import annotations

import datetime as dt
import unicodedata

from django import forms
from django.utils.translation import gettext_lazy as _

from agencies import clock

PROPOSALS_MAX = 20_000


class IssueReportForm(forms.Form):
    """As-of date (dd/mm/yyyy, default the cycle's) and the proposals of section VI."""

    as_of = forms.DateField(
        label=_("Figures as of"),
        widget=forms.DateInput(format="%d/%m/%Y", attrs={"placeholder": "dd/mm/yyyy", "inputmode": "numeric"}),
        help_text=_("Statuses and counts are evaluated on this date; it is also the date printed on the report."),
    )
    proposals = forms.CharField(
        label=_("Proposals and recommendations (section VI)"),
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=PROPOSALS_MAX,
        help_text=_("Written in Vietnamese, as it appears in the report; each line becomes a paragraph."),
    )

    file_format = forms.ChoiceField(
        label=_("Format"),
        choices=[("pdf", _("PDF (to sign)")), ("docx", _("DOCX (to edit before signing)"))],
        initial="pdf",
        required=False,
    )

    def __init__(self, *args, today: dt.date | None = None, blockers: list[str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today or clock.today()
        self.blockers = blockers or []

    def clean_file_format(self) -> str:
        return self.cleaned_data.get("file_format") or "pdf"

    def clean(self):
        """The cycle's document settings must be complete (document.issue_blockers)."""
        cleaned = super().clean()
        for problem in self.blockers:
            self.add_error(None, problem)
        return cleaned

    def clean_as_of(self) -> dt.date:
        """A report cannot describe a day that has not come yet: statuses would be guesses."""
        as_of = self.cleaned_data["as_of"]
        if as_of > self.today:
            raise forms.ValidationError(_("The as-of date cannot be in the future."))
        return as_of

    def clean_proposals(self) -> str:
        text = unicodedata.normalize("NFC", self.cleaned_data["proposals"].replace("\r\n", "\n")).strip()
        if not text:
            raise forms.ValidationError(_("Write the proposals before issuing."))
        return text
