"""Forms of the agencies' work; validation messages reach the user in Vietnamese."""

from __future__ import annotations

from crispy_forms.helper import FormHelper
from django import forms
from django.utils.translation import gettext_lazy as _

from agencies import clock
from agencies.files import validate_evidence


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several evidence files in one field, each checked by content."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ".pdf,.docx,.xlsx,.jpg,.jpeg,.png"}))
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        errors, cleaned = [], []
        for f in files:
            try:
                super().clean(f, initial)
                validate_evidence(f)
                cleaned.append(f)
            except forms.ValidationError as exc:
                errors.extend(exc.messages)
        if errors:
            raise forms.ValidationError(errors)
        return cleaned


DATE_WIDGET = forms.DateInput(attrs={"placeholder": "dd/mm/yyyy", "inputmode": "numeric"}, format="%d/%m/%Y")


class OwnIds:
    """A form sharing its page with others (the task page has up to seven): its fields' ids carry
    the form's own prefix ("progress_cause", "cause_cause"), so a label never focuses a field of
    another form and no id repeats; the fields' names, which the views read, are unchanged."""

    id_prefix = ""

    def __init__(self, *args, **kwargs):
        if self.id_prefix:
            kwargs.setdefault("auto_id", f"{self.id_prefix}_%s")
        super().__init__(*args, **kwargs)


class VersionedForm(OwnIds, forms.Form):
    """Carries the version the user saw, for optimistic locking."""

    version = forms.IntegerField(widget=forms.HiddenInput)


class ProgressForm(VersionedForm):
    id_prefix = "progress"
    percent = forms.IntegerField(label=_("Progress (%)"), min_value=0, max_value=100)
    note = forms.CharField(label=_("What was done"), widget=forms.Textarea(attrs={"rows": 3}), max_length=5000)
    reported_on = forms.DateField(label=_("Date"), widget=DATE_WIDGET)
    files = MultipleFileField(
        label=_("Evidence files"), help_text=_("PDF, DOCX, XLSX, JPG or PNG; several files allowed.")
    )
    cause = forms.CharField(
        label=_("Cause (nguyên nhân)"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=5000,
        help_text=_("Required while the task is overdue."),
    )

    def __init__(self, *args, cause_required: bool = False, today=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.cause_required = cause_required
        self.today = today or clock.today()
        self.fields["reported_on"].initial = self.today
        if not cause_required:
            self.fields["cause"].widget = forms.HiddenInput()
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True

    def clean_reported_on(self):
        day = self.cleaned_data["reported_on"]
        if day > self.today:
            raise forms.ValidationError(_("The date cannot be in the future."))
        return day

    def clean(self):
        data = super().clean()
        if self.cause_required and not (data.get("cause") or "").strip():
            self.add_error("cause", _("The task is overdue: state the cause (nguyên nhân)."))
        return data


class CompleteForm(VersionedForm):
    id_prefix = "complete"
    completed_on = forms.DateField(label=_("Completion date"), widget=DATE_WIDGET)
    note = forms.CharField(label=_("Result"), widget=forms.Textarea(attrs={"rows": 3}), max_length=5000)
    files = MultipleFileField(label=_("Evidence files"), help_text=_("At least one file is required."))
    cause = forms.CharField(
        label=_("Cause of the delay"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=5000,
        help_text=_("Required when the completion date is after the deadline."),
    )

    def __init__(self, *args, deadline=None, has_evidence: bool = False, today=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.deadline = deadline
        self.has_evidence = has_evidence
        self.today = today or clock.today()
        self.fields["completed_on"].initial = self.today
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True

    def clean_completed_on(self):
        day = self.cleaned_data["completed_on"]
        if day > self.today:
            raise forms.ValidationError(_("The completion date cannot be in the future."))
        return day

    def clean(self):
        data = super().clean()
        if not data.get("files") and not self.has_evidence and "files" not in self.errors:
            self.add_error("files", _("Attach at least one evidence file to mark the task done."))
        day = data.get("completed_on")
        if day and self.deadline and day > self.deadline and not (data.get("cause") or "").strip():
            self.add_error("cause", _("The task was finished after its deadline: state the cause."))
        return data


class CauseForm(VersionedForm):
    id_prefix = "cause"
    cause = forms.CharField(label=_("Cause (nguyên nhân)"), widget=forms.Textarea(attrs={"rows": 3}), max_length=5000)
    cannot_finish = forms.BooleanField(label=_("The task cannot be finished"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True


class ReportForm(VersionedForm):
    narrative = forms.CharField(
        label=_("Narrative"),
        widget=forms.Textarea(attrs={"rows": 10}),
        required=False,
        max_length=50000,
        help_text=_("Results achieved, difficulties, and proposals to the Chairman."),
    )

    def __init__(self, *args, can_submit: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.can_submit = can_submit
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True


class ReviewForm(VersionedForm):
    comment = forms.CharField(
        label=_("Comment to the agency"), widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=5000
    )

    def __init__(self, *args, action: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.action = action
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
