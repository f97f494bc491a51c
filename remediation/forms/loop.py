"""Forms of closing the loop: verifying completions and deciding deadline extensions."""

from __future__ import annotations

from crispy_forms.helper import FormHelper
from django import forms
from django.utils.translation import gettext_lazy as _

from .manage import DATE_WIDGET
from .work import OwnIds, VersionedForm


def _helper() -> FormHelper:
    helper = FormHelper()
    helper.form_tag = False
    helper.disable_csrf = True
    return helper


class VerifyForm(VersionedForm):
    id_prefix = "verify"
    note = forms.CharField(
        label=_("Verifier's comment"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper()


class SendBackForm(VersionedForm):
    id_prefix = "send_back"
    reason = forms.CharField(label=_("Why it is sent back"), max_length=5000, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper()


class ExtensionRequestForm(OwnIds, forms.Form):
    id_prefix = "extension"
    proposed_deadline = forms.DateField(label=_("Proposed deadline"), widget=DATE_WIDGET)
    reason = forms.CharField(label=_("Reason"), max_length=5000, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper()


class ExtensionDecisionForm(OwnIds, forms.Form):
    id_prefix = "decision"
    deadline = forms.DateField(
        label=_("Approved deadline"),
        required=False,
        widget=DATE_WIDGET,
        help_text=_("Leave empty to approve the date asked; give an earlier one to shorten it."),
    )
    comment = forms.CharField(
        label=_("Comment"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper()
