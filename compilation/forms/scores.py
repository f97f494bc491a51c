"""Forms of SNV's workspace: a sub-criterion's scores and the start of the next cycle."""

from __future__ import annotations

import unicodedata
from decimal import Decimal

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Layout, Row, Submit
from django import forms
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from agencies.models import AgencyKind
from parindex.models import ESTIMATE_SURVEY_ONLY, SURVEY_NO_SELF_SCORE, Criterion, Cycle, Method, Score
from parindex.services import shift_year

from ..templatetags.snv_tags import format_points

DATE_WIDGET = forms.DateInput(attrs={"placeholder": "dd/mm/yyyy", "inputmode": "numeric"}, format="%d/%m/%Y")


class ScoreField(forms.DecimalField):
    """A score typed either way: "0,5" (Vietnamese decimal comma) or "0.5".

    Django's localized parsing would read "0,5" as 5 in English (the comma is
    the thousands separator there) and "0.5" as 5 in Vietnamese. Scores never
    reach a thousand, so both separators are taken as the decimal point.
    """

    widget = forms.TextInput

    def __init__(self, **kwargs):
        kwargs.setdefault("max_digits", 7)
        kwargs.setdefault("decimal_places", 2)
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)
        self.widget.attrs.update({"inputmode": "decimal", "autocomplete": "off", "class": "text-end"})

    def to_python(self, value):
        if isinstance(value, str):
            value = value.strip().replace(" ", "").replace(",", ".")
        return super().to_python(value)

    def prepare_value(self, value):
        return format_points(value) if isinstance(value, Decimal) else value


def _label(field: str):
    return capfirst(Score._meta.get_field(field).verbose_name)


class ScoreForm(forms.Form):
    """The figures of one sub-criterion in one cycle, each checked against its maximum."""

    self_score = ScoreField(label=_label("self_score"))
    estimate = ScoreField(label=_label("estimate"))
    evidence_note = forms.CharField(
        label=_label("evidence_note"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 2})
    )
    appraised_1 = ScoreField(label=_label("appraised_1"))
    council_remark = forms.CharField(
        label=_label("council_remark"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 2})
    )
    explanation = forms.CharField(
        label=_label("explanation"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 2})
    )
    appraised_score = ScoreField(label=_label("appraised_score"))
    council_remark_2 = forms.CharField(
        label=_label("council_remark_2"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 2})
    )
    previous_score = ScoreField(label=_label("previous_score"))
    target = ScoreField(label=_label("target"))
    note = forms.CharField(
        label=_label("note"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 2})
    )
    reason = forms.CharField(
        label=_("Reason for the change"),
        required=False,
        max_length=300,
        help_text=_("Kept in the history, e.g. 'Ministry appraisal of 20/04/2022'."),
    )

    def __init__(self, *args, criterion: Criterion, **kwargs):
        super().__init__(*args, **kwargs)
        self.max_points = criterion.max_points
        self.is_survey = criterion.method == Method.SURVEY
        for name in ("self_score", "estimate", "appraised_1", "appraised_score", "target"):
            self.fields[name].help_text = _("0 to %(max)s") % {"max": format_points(self.max_points)}
        # A survey-based sub-criterion has no self score, a self-assessed one no estimate;
        # the field that does not apply is shown disabled, with the reason.
        if self.is_survey:
            self.fields["self_score"].disabled = True
            self.fields["self_score"].help_text = SURVEY_NO_SELF_SCORE
            self.fields["appraised_score"].label = _("Ministry's survey result")
        else:
            self.fields["estimate"].disabled = True
            self.fields["estimate"].help_text = ESTIMATE_SURVEY_ONLY
        self.helper = FormHelper()
        self.helper.form_method = "post"
        self.helper.form_id = "score-form"
        self.helper.layout = Layout(
            Row(
                Column("self_score", css_class="col-6 col-md"),
                Column("estimate", css_class="col-6 col-md"),
                Column("appraised_score", css_class="col-6 col-md"),
                Column("previous_score", css_class="col-6 col-md"),
                Column("target", css_class="col-6 col-md"),
            ),
            "evidence_note",
            Row(Column("appraised_1", css_class="col-6 col-md-3"), Column("council_remark", css_class="col-md-9")),
            "explanation",
            "council_remark_2",
            "note",
            "reason",
            Submit("save", _("Save scores")),
        )

    def _in_range(self, name: str, upper: Decimal | None) -> Decimal | None:
        value = self.cleaned_data.get(name)
        if value is not None and (value < 0 or (upper is not None and value > upper)):
            limit = format_points(upper) if upper is not None else "—"
            raise forms.ValidationError(_("The score must be between 0 and %(max)s.") % {"max": limit})
        return value

    def clean_self_score(self):
        # A disabled field ignores what is posted; this refuses a crafted request with the reason.
        if self.is_survey and self.data.get(self.add_prefix("self_score"), "").strip():
            raise forms.ValidationError(SURVEY_NO_SELF_SCORE)
        return None if self.is_survey else self._in_range("self_score", self.max_points)

    def clean_estimate(self):
        if not self.is_survey and self.data.get(self.add_prefix("estimate"), "").strip():
            raise forms.ValidationError(ESTIMATE_SURVEY_ONLY)
        return self._in_range("estimate", self.max_points) if self.is_survey else None

    def clean_appraised_1(self):
        return self._in_range("appraised_1", self.max_points)

    def clean_appraised_score(self):
        return self._in_range("appraised_score", self.max_points)

    def clean_target(self):
        return self._in_range("target", self.max_points)

    def clean_previous_score(self):
        # Last year's maximum may have been different (a new decision), so only the floor holds.
        return self._in_range("previous_score", None)


class StartCycleForm(forms.Form):
    """SNV starts next year's cycle from an earlier one (parindex.services.start_cycle)."""

    previous = forms.ModelChoiceField(queryset=Cycle.objects.order_by("-year"), label=_("Start from"), empty_label=None)
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    name = forms.CharField(
        label=_("Name"), max_length=200, required=False, help_text=_("Leave blank for the default name “Cycle YEAR”.")
    )
    report_deadline = forms.DateField(label=_("Agency report deadline"), required=False, widget=DATE_WIDGET)
    task_completion_target = forms.DateField(label=_("Task completion target"), required=False, widget=DATE_WIDGET)
    self_assessment_date = forms.DateField(
        label=_("Self-assessment sent to the Ministry"), required=False, widget=DATE_WIDGET
    )
    copy_frameworks = forms.BooleanField(
        label=_("Copy the criteria trees"),
        required=False,
        initial=True,
        help_text=_("Recommended: later edits of the new tree leave earlier cycles unchanged."),
    )
    # Checked by default (issue 16): an unfinished task stays an obligation in the next cycle.
    carry_tasks = forms.BooleanField(label=_("Carry open tasks over"), required=False, initial=True)
    carried_deadline = forms.DateField(
        label=_("Deadline of carried tasks"),
        required=False,
        widget=DATE_WIDGET,
        help_text=_("Leave blank to use the new task completion target."),
    )
    make_current = forms.BooleanField(label=_("Make it the current cycle"), required=False, initial=True)
    reporting_kinds = forms.MultipleChoiceField(
        label=_("Kinds of agency that report"),
        choices=AgencyKind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Leave all unticked to keep the previous cycle's setting."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        latest = Cycle.objects.order_by("-year").first()
        if latest is not None:
            self.fields["previous"].initial = latest.pk
            self.fields["year"].initial = latest.year + 1
            self.fields["reporting_kinds"].initial = latest.reporting_kinds
            for name in ("report_deadline", "task_completion_target", "self_assessment_date"):
                self.fields[name].initial = shift_year(getattr(latest, name), 1)
        self.helper = FormHelper()
        self.helper.form_method = "post"
        self.helper.add_input(Submit("start", _("Start the cycle")))

    def clean(self):
        data = super().clean()
        previous, year = data.get("previous"), data.get("year")
        if year is not None and Cycle.objects.filter(year=year).exists():
            self.add_error("year", _("A cycle for this year already exists."))
        elif previous is not None and year is not None and year <= previous.year:
            self.add_error("year", _("The new cycle must come after the cycle it starts from."))
        return data


class LoopSettingsForm(forms.Form):
    """SNV's per-cycle settings of closing the loop (parindex.services.update_loop_settings)."""

    focal_agencies_verify = forms.BooleanField(
        label=_("Focal agencies verify completions"),
        required=False,
        help_text=_(
            "Where ticked, the focal agency of the area a task lists first verifies its completion; otherwise SNV does."
        ),
    )
    reminder_offsets = forms.CharField(
        label=_("Reminder days before the deadline"),
        max_length=40,
        help_text=_("Comma-separated calendar days, 0 is the deadline day; the calendar's alarms follow them."),
    )
    overdue_step_days = forms.IntegerField(label=_("Overdue reminder every (days)"), min_value=1, max_value=90)
    escalation_days = forms.IntegerField(label=_("Escalate after (days overdue)"), min_value=1, max_value=90)
    reason = forms.CharField(label=_("Reason for the change"), max_length=300, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_method = "post"
        self.helper.form_id = "cycle-settings-form"
        self.helper.add_input(Submit("save", _("Save the settings")))

    def clean_reason(self) -> str:
        return unicodedata.normalize("NFC", self.cleaned_data["reason"]).strip()
