"""Frameworks (PAR Index, SIPAS), their criteria trees, cycles and scores.

The tree changes by ministerial decision, so it is data imported per cycle,
never code.
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from agencies import clock
from agencies.files import private_storage
from agencies.models import REPORTING_KINDS_2021, Agency, Province

from . import scoring

SCORE = {"max_digits": 7, "decimal_places": 2}


class FrameworkKind(models.TextChoices):
    PAR = "par", _("PAR Index")
    SIPAS = "sipas", _("SIPAS")


def default_groups() -> list:
    """The A/B/C thresholds in force until now (876/QĐ-BNV states them; earlier versions may not)."""
    return [[group, int(percent)] for group, percent in scoring.DEFAULT_GROUPS]


class Framework(models.Model):
    """One version of a methodology: its legal basis, the years it applies to, its grouping.

    ``groups`` holds the ranking thresholds as data, e.g. ``[["A", 90], ["B", 80], ["C", 70]]``
    (group, lowest percentage), best first; an empty list means the methodology has no
    groups, and no page shows one.
    """

    name = models.CharField(_("name"), max_length=200, unique=True)
    kind = models.CharField(_("kind"), max_length=8, choices=FrameworkKind.choices)
    legal_basis = models.CharField(_("legal basis"), max_length=120, blank=True, help_text=_("e.g. 876/QĐ-BNV"))
    decision_date = models.DateField(_("date of the decision"), null=True, blank=True)
    first_year = models.PositiveSmallIntegerField(_("applies from year"), null=True, blank=True)
    last_year = models.PositiveSmallIntegerField(_("applies until year"), null=True, blank=True)
    groups = models.JSONField(
        _("ranking groups"),
        default=default_groups,
        blank=True,
        help_text=_('Group and lowest percentage, best first, e.g. [["A", 90], ["B", 80]]; empty: no groups.'),
    )
    description = models.TextField(_("description"), blank=True)
    total_points = models.DecimalField(_("total points"), default=Decimal(100), **SCORE)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("framework")
        verbose_name_plural = _("frameworks")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def thresholds(self) -> list[tuple[str, Decimal]]:
        return scoring.thresholds(self.groups)

    def applies_to(self, year: int) -> bool:
        return (self.first_year is None or year >= self.first_year) and (
            self.last_year is None or year <= self.last_year
        )


class Level(models.TextChoices):
    AREA = "area", _("Area")
    CRITERION = "criterion", _("Criterion")
    SUB = "sub", _("Sub-criterion")


class Method(models.TextChoices):
    SELF = "self", _("Self-assessed")
    SURVEY = "survey", _("Sociological survey")


class CriterionQuerySet(models.QuerySet):
    def leaves(self) -> CriterionQuerySet:
        """The scored nodes: sub-criteria, or SIPAS components that have no children."""
        return self.filter(children__isnull=True)

    def areas(self) -> CriterionQuerySet:
        return self.filter(level=Level.AREA)


class Criterion(models.Model):
    """A node of the tree: area → criterion → sub-criterion, coded like 3, 3.2, 3.2.1."""

    framework = models.ForeignKey(Framework, models.CASCADE, related_name="criteria", verbose_name=_("framework"))
    parent = models.ForeignKey(
        "self", models.CASCADE, null=True, blank=True, related_name="children", verbose_name=_("parent")
    )
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    code = models.CharField(_("code"), max_length=20)
    name = models.CharField(_("name"), max_length=500)
    max_points = models.DecimalField(_("max points"), **SCORE)
    method = models.CharField(_("method"), max_length=8, choices=Method.choices, default=Method.SELF)
    order = models.PositiveIntegerField(_("order"), default=0)
    focal_agency = models.ForeignKey(
        Agency,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="focal_criteria",
        verbose_name=_("focal agency"),
        help_text=_("Set on areas: the agency that keeps the area's scores and evidence."),
    )

    objects = CriterionQuerySet.as_manager()

    class Meta:
        verbose_name = _("criterion")
        verbose_name_plural = _("criteria")
        ordering = ["framework", "order"]
        constraints = [
            models.UniqueConstraint(fields=["framework", "code"], name="criterion_code_unique"),
            models.CheckConstraint(condition=Q(max_points__gte=0), name="criterion_max_nonnegative"),
        ]
        indexes = [models.Index(fields=["framework", "level", "order"])]

    def __str__(self) -> str:
        return f"{self.code}. {self.name}"

    @property
    def area_code(self) -> str:
        return self.code.split(".")[0]


def default_reporting_kinds() -> list[str]:
    """The 2021 letter's addressees: central agencies, provincial departments, district People's Committees."""
    return [str(k) for k in REPORTING_KINDS_2021]


REPORT_SUBJECT = (
    "Kết quả khắc phục tồn tại, hạn chế liên quan đến Chỉ số cải cách hành chính "
    "và Chỉ số hài lòng về sự phục vụ hành chính"
)
RECIPIENTS = "- Ủy ban nhân dân tỉnh (để báo cáo);\n- Chủ tịch, các Phó Chủ tịch UBND tỉnh;\n- Lưu: VT, CCHC."


class Cycle(models.Model):
    """One year's campaign: its frameworks, the document settings and its key dates."""

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    name = models.CharField(_("name"), max_length=200)
    frameworks = models.ManyToManyField(Framework, related_name="cycles", verbose_name=_("frameworks"))
    previous = models.ForeignKey(
        "self", models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("previous cycle")
    )
    is_current = models.BooleanField(_("current cycle"), default=False)
    governing_body = models.CharField(_("governing body"), max_length=120, default="UBND TỈNH BÌNH ĐỊNH")
    issuing_body = models.CharField(_("issuing body"), max_length=120, default="SỞ NỘI VỤ")
    place = models.CharField(_("place on documents"), max_length=80, default="Bình Định")
    reporting_kinds = models.JSONField(
        _("kinds of agency that report"),
        default=default_reporting_kinds,
        help_text=_("The kinds of agency ordered to report in this cycle; carried to the next cycle."),
    )
    report_deadline = models.DateField(_("agency report deadline"))
    task_completion_target = models.DateField(_("task completion target"))
    self_assessment_date = models.DateField(_("self-assessment sent to the Ministry"), null=True, blank=True)
    compilation_deadline_override = models.DateField(
        _("compilation deadline (override)"),
        null=True,
        blank=True,
        help_text=_("Leave blank to use the self-assessment date minus one calendar month."),
    )
    reference_date = models.DateField(
        _("statuses evaluated as of"),
        null=True,
        blank=True,
        help_text=_("For archived or demo cycles; leave blank to evaluate as of today."),
    )
    # Consolidated report (Decree 30/2020 format): number, subject, signer, recipients, citations.
    # Blank defaults: compilation.consolidated.document.issue_blockers() refuses to issue until set.
    report_number = models.CharField(
        _("report number"),
        max_length=40,
        blank=True,
        help_text=_('E.g. "125/BC-SNV"; leave the number blank ("/BC-SNV") for the records office.'),
    )
    report_subject = models.CharField(
        _("report subject"),
        max_length=300,
        default=REPORT_SUBJECT,
        help_text=_("Without abbreviations; the cycle's year is added when missing."),
    )
    signer_title = models.CharField(_("signer's title"), max_length=120, default="KT. GIÁM ĐỐC\nPHÓ GIÁM ĐỐC")
    signer_name = models.CharField(_("signer's name"), max_length=120, blank=True)
    recipients = models.TextField(
        _("recipients (Nơi nhận)"),
        default=RECIPIENTS,
        help_text=_("One line each; the groups of agencies that report are added from the cycle's reporting kinds."),
    )
    instruction_reference = models.CharField(
        _("instructing document"),
        max_length=300,
        blank=True,
        help_text=_("Cited in the opening, e.g. the Chairman's official letter by number and date."),
    )
    basis_reference = models.CharField(
        _("basis document"),
        max_length=300,
        blank=True,
        help_text=_("Cited in the opening, e.g. SNV's report by number and date."),
    )
    # Reminders: days before a deadline, the step while overdue, and when to escalate.
    reminder_offsets = models.CharField(
        _("reminder days before the deadline"),
        max_length=40,
        default="7,3,1,0",
        help_text=_("Comma-separated calendar days, 0 is the deadline day."),
    )
    overdue_step_days = models.PositiveSmallIntegerField(_("overdue reminder every (days)"), default=3)
    escalation_days = models.PositiveSmallIntegerField(_("escalate after (days overdue)"), default=7)
    # Issue 14: where set, the focal agency of the task's first linked area verifies completions.
    focal_agencies_verify = models.BooleanField(_("focal agencies verify completions"), default=False)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("cycle")
        verbose_name_plural = _("cycles")
        ordering = ["-year"]
        constraints = [
            models.UniqueConstraint(fields=["is_current"], condition=Q(is_current=True), name="cycle_single_current"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def compilation_deadline(self) -> dt.date | None:
        """SNV's compilation is due one calendar month before the self-assessment goes out."""
        if self.compilation_deadline_override:
            return self.compilation_deadline_override
        if self.self_assessment_date:
            return scoring.one_month_before(self.self_assessment_date)
        return None

    @property
    def offsets(self) -> list[int]:
        """The reminder offsets as integers, largest first; bad entries are ignored."""
        days = {int(x) for x in self.reminder_offsets.replace(" ", "").split(",") if x.isascii() and x.isdecimal()}
        return sorted(days, reverse=True)

    def as_of(self) -> dt.date:
        return self.reference_date or clock.today(self)

    @property
    def province(self) -> Province | None:
        """The province as it stood at the cycle's report deadline (cached per instance)."""
        if not hasattr(self, "_province_cache"):
            self._province_cache = Province.objects.as_of(self.report_deadline)
        return self._province_cache

    @property
    def document_governing_body(self) -> str:
        """The governing body printed on documents: the province's of the cycle's period, else the setting."""
        province = self.province
        return province.governing_body if province else self.governing_body

    @property
    def document_place(self) -> str:
        province = self.province
        return province.place if province else self.place

    def today(self) -> dt.date:
        """Today for acts in this cycle (the demo pins it to the cycle's reference date)."""
        return clock.today(self)

    def framework_of(self, kind: str) -> Framework | None:
        return next((f for f in self.frameworks.all() if f.kind == kind), None)

    @classmethod
    def current(cls) -> Cycle | None:
        return cls.objects.filter(is_current=True).first() or cls.objects.order_by("-year").first()


class ScoreQuerySet(models.QuerySet):
    def to_explain(self) -> ScoreQuerySet:
        """Appraised in round 1 below the self score: the explanation round's sub-criteria (giải trình)."""
        return self.filter(appraised_1__isnull=False, self_score__isnull=False, appraised_1__lt=F("self_score"))

    def of_focal_agency(self, agency_id: int) -> ScoreQuerySet:
        """Sub-criteria of the areas the agency is focal for (area → criterion → sub-criterion)."""
        return self.filter(criterion__parent__parent__focal_agency_id=agency_id)

    def below_max(self) -> ScoreQuerySet:
        """Effective score below the maximum: the same rule as ``scoring.DerivedScore.below_max``.

        Self-assessed: the appraisal, else the self score; a missing self score counts
        (nothing scored loses every point). Survey-based: the Ministry's result
        (``appraised_score``), else the province's own estimate; with neither the
        sub-criterion has no result yet ("chưa có kết quả") and is NOT counted.
        """
        no_appraisal = Q(appraised_score__isnull=True, appraised_1__isnull=True)
        return self.filter(
            Q(appraised_score__isnull=False, appraised_score__lt=F("max_points"))
            | Q(appraised_score__isnull=True, appraised_1__isnull=False, appraised_1__lt=F("max_points"))
            | (no_appraisal & Q(method=Method.SELF) & (Q(self_score__isnull=True) | Q(self_score__lt=F("max_points"))))
            | (no_appraisal & Q(method=Method.SURVEY, estimate__isnull=False, estimate__lt=F("max_points")))
        )


def score_range(field: str) -> Q:
    return Q(**{f"{field}__isnull": True}) | (Q(**{f"{field}__gte": 0}) & Q(**{f"{field}__lte": F("max_points")}))


class Score(scoring.DerivedScore, models.Model):
    """The scores of one scored criterion in one cycle.

    ``max_points`` and ``method`` are copies of the criterion's, kept in step by
    save() and by the import service, so that the database itself refuses a
    score below 0 or above the maximum, and a self score on a survey-based
    sub-criterion (a CHECK cannot look at another table).

    A survey-based sub-criterion (điều tra xã hội học) is not self-scored: its
    points are the Ministry's survey result, held in ``appraised_score``. The
    province may keep its own estimate (``estimate``, e.g. from an internal
    survey); it is stored apart so that it is never shown as the Ministry's.
    """

    cycle = models.ForeignKey(Cycle, models.CASCADE, related_name="scores", verbose_name=_("cycle"))
    criterion = models.ForeignKey(Criterion, models.CASCADE, related_name="scores", verbose_name=_("criterion"))
    max_points = models.DecimalField(_("max points"), **SCORE)
    method = models.CharField(_("method"), max_length=8, choices=Method.choices, default=Method.SELF)
    self_score = models.DecimalField(_("self score"), null=True, blank=True, **SCORE)
    estimate = models.DecimalField(
        _("province's estimate"),
        null=True,
        blank=True,
        help_text=_("Survey-based sub-criteria only: the province's own estimate until the Ministry's result."),
        **SCORE,
    )
    evidence_note = models.TextField(
        _("explanation where evidence is missing"),
        blank=True,
        help_text=_("Self-assessment: how the score was reached where there is no evidence document."),
    )
    appraised_1 = models.DecimalField(_("appraised score, round 1"), null=True, blank=True, **SCORE)
    council_remark = models.TextField(_("the appraisal council's remark"), blank=True)
    explanation = models.TextField(
        _("explanation (giải trình)"), blank=True, help_text=_("Where the round-1 appraisal is below the self score.")
    )
    appraised_score = models.DecimalField(_("appraised score"), null=True, blank=True, **SCORE)
    council_remark_2 = models.TextField(_("the appraisal council's remark, round 2"), blank=True)
    previous_score = models.DecimalField(_("previous year's score"), null=True, blank=True, **SCORE)
    target = models.DecimalField(_("target"), null=True, blank=True, **SCORE)
    note = models.TextField(_("note"), blank=True)
    history = HistoricalRecords()

    objects = ScoreQuerySet.as_manager()

    class Meta:
        verbose_name = _("score")
        verbose_name_plural = _("scores")
        constraints = [
            models.UniqueConstraint(fields=["cycle", "criterion"], name="score_unique"),
            models.CheckConstraint(condition=score_range("self_score"), name="score_self_in_range"),
            models.CheckConstraint(condition=score_range("appraised_score"), name="score_appraised_in_range"),
            models.CheckConstraint(condition=score_range("target"), name="score_target_in_range"),
            models.CheckConstraint(condition=score_range("estimate"), name="score_estimate_in_range"),
            models.CheckConstraint(condition=score_range("appraised_1"), name="score_appraised_1_in_range"),
            models.CheckConstraint(
                condition=Q(self_score__isnull=True) | Q(method=Method.SELF), name="score_survey_no_self_score"
            ),
            models.CheckConstraint(
                condition=Q(estimate__isnull=True) | Q(method=Method.SURVEY), name="score_estimate_survey_only"
            ),
            models.CheckConstraint(
                condition=Q(previous_score__isnull=True) | Q(previous_score__gte=0), name="score_previous_nonneg"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.cycle.year} {self.criterion.code}"

    def save(self, *args, **kwargs):
        if self.criterion_id:
            if self.max_points is None:
                self.max_points = self.criterion.max_points
            self.method = self.criterion.method
        super().save(*args, **kwargs)

    def clean(self) -> None:
        limit = self.criterion.max_points if self.criterion_id else self.max_points
        method = self.criterion.method if self.criterion_id else self.method
        for field in ("self_score", "estimate", "appraised_1", "appraised_score", "target"):
            value = getattr(self, field)
            if value is not None and (value < 0 or (limit is not None and value > limit)):
                raise ValidationError({field: _("The score must be between 0 and %(max)s.") % {"max": limit}})
        if method == Method.SURVEY and self.self_score is not None:
            raise ValidationError({"self_score": SURVEY_NO_SELF_SCORE})
        if method != Method.SURVEY and self.estimate is not None:
            raise ValidationError({"estimate": ESTIMATE_SURVEY_ONLY})


SURVEY_NO_SELF_SCORE = _(
    "This sub-criterion is assessed by sociological survey: it has no self score. Its points come from the "
    "Ministry's survey result; the province's own estimate goes in the estimate field."
)
ESTIMATE_SURVEY_ONLY = _("Only survey-based sub-criteria take an estimate; enter the self score instead.")


# --------------------------------------------------------------------------- rounds


class RoundKind(models.TextChoices):
    SELF_ASSESSMENT = "self_assessment", _("Self-assessment")
    COMPILATION = "compilation", _("SNV's compilation and submission")
    APPRAISAL_1 = "appraisal_1", _("Appraisal, round 1")
    EXPLANATION = "explanation", _("Explanation")
    APPRAISAL_2 = "appraisal_2", _("Appraisal, round 2")
    ANNOUNCEMENT = "announcement", _("Announcement")


class RoundOwner(models.TextChoices):
    FOCAL = "focal", _("Focal agencies")
    SNV = "snv", _("Department of Home Affairs")
    MINISTRY = "ministry", _("Ministry of Home Affairs (entered by SNV)")


ROUND_OWNERS = {
    RoundKind.SELF_ASSESSMENT: RoundOwner.FOCAL,
    RoundKind.COMPILATION: RoundOwner.SNV,
    RoundKind.APPRAISAL_1: RoundOwner.MINISTRY,
    RoundKind.EXPLANATION: RoundOwner.FOCAL,
    RoundKind.APPRAISAL_2: RoundOwner.MINISTRY,
    RoundKind.ANNOUNCEMENT: RoundOwner.MINISTRY,
}

# Which Score fields each round writes. The values live on Score, one column per round,
# not in a table of round entries: a sub-criterion has exactly one value per round, the
# database CHECKs each column against the copied maximum, and simple_history already keeps
# every change with who, when and why, which is what "as recorded at D" reads. A separate
# entries table would hold the same facts twice and cost a join on every page.
ROUND_FIELDS = {
    RoundKind.SELF_ASSESSMENT: ("self_score", "estimate", "evidence_note"),
    RoundKind.APPRAISAL_1: ("appraised_1", "council_remark"),
    RoundKind.EXPLANATION: ("explanation",),
    RoundKind.APPRAISAL_2: ("appraised_score", "council_remark_2"),
}
FIELD_ROUND = {field: kind for kind, fields in ROUND_FIELDS.items() for field in fields}


class Round(models.Model):
    """One round of a cycle's scoring, with its dates, its owner and its lock.

    Entries lock by themselves after the deadline: the beat task stamps ``locked_at``
    (for the record), and every write checks the same date rule (``is_locked_on``), so a
    write the day after the deadline is refused even before the task has run.
    """

    cycle = models.ForeignKey(Cycle, models.CASCADE, related_name="rounds", verbose_name=_("cycle"))
    kind = models.CharField(_("round"), max_length=20, choices=RoundKind.choices)
    opens = models.DateField(_("opens"))
    deadline = models.DateField(_("deadline"))
    owner = models.CharField(_("owner"), max_length=10, choices=RoundOwner.choices)
    closed_on = models.DateField(
        _("closed on"), null=True, blank=True, help_text=_("Until then the round's figures are provisional.")
    )
    locked_at = models.DateTimeField(_("locked at"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("round")
        verbose_name_plural = _("rounds")
        ordering = ["cycle", "opens", "id"]
        constraints = [
            models.UniqueConstraint(fields=["cycle", "kind"], name="round_unique_kind"),
            models.CheckConstraint(condition=Q(deadline__gte=F("opens")), name="round_deadline_after_opening"),
        ]

    def __str__(self) -> str:
        return f"{self.cycle.year} {self.get_kind_display()}"

    def has_opened(self, day: dt.date) -> bool:
        return day >= self.opens

    def is_locked_on(self, day: dt.date) -> bool:
        return day > self.deadline

    def is_closed_on(self, day: dt.date) -> bool:
        """SNV has closed the round (its figures are final) by ``day``."""
        return self.closed_on is not None and day >= self.closed_on

    def is_provisional_on(self, day: dt.date) -> bool:
        """Figures are provisional until the round closes (its closing date, else its deadline)."""
        return day < (self.closed_on or self.deadline)


class RoundSubmission(models.Model):
    """A focal agency's submission of its area in a round; withdrawing it reopens the entries to edit."""

    round = models.ForeignKey(Round, models.CASCADE, related_name="submissions", verbose_name=_("round"))
    agency = models.ForeignKey(Agency, models.PROTECT, related_name="+", verbose_name=_("agency"))
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        "agencies.User", models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("submitted by")
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("round submission")
        verbose_name_plural = _("round submissions")
        constraints = [models.UniqueConstraint(fields=["round", "agency"], name="round_submission_unique")]

    @property
    def is_submitted(self) -> bool:
        return self.submitted_at is not None


class RoundReopening(models.Model):
    """SNV reopens one agency's entries of a locked round, with a reason: who, when, why, until when."""

    round = models.ForeignKey(Round, models.CASCADE, related_name="reopenings", verbose_name=_("round"))
    agency = models.ForeignKey(Agency, models.PROTECT, related_name="+", verbose_name=_("agency"))
    reopened_by = models.ForeignKey("agencies.User", models.PROTECT, related_name="+", verbose_name=_("reopened by"))
    reopened_at = models.DateTimeField(_("reopened at"))
    until = models.DateField(_("open until"))
    reason = models.TextField(_("reason"))

    class Meta:
        verbose_name = _("reopening")
        verbose_name_plural = _("reopenings")
        ordering = ["-reopened_at"]
        constraints = [models.CheckConstraint(condition=~Q(reason=""), name="reopening_has_reason")]


class Result(models.Model):
    """The announced result of a cycle for one framework: decision, percentage, rank among N, group."""

    cycle = models.ForeignKey(Cycle, models.CASCADE, related_name="results", verbose_name=_("cycle"))
    kind = models.CharField(_("kind"), max_length=8, choices=FrameworkKind.choices)
    decision = models.CharField(_("decision"), max_length=120)
    decision_date = models.DateField(_("date of the decision"))
    percent = models.DecimalField(_("overall result (%)"), **SCORE)
    rank = models.PositiveSmallIntegerField(_("rank"))
    out_of = models.PositiveSmallIntegerField(
        _("among"), help_text=_("Number of provinces ranked: 63 before the 2025 reorganisation, 34 after.")
    )
    group = models.CharField(
        _("group"), max_length=10, blank=True, help_text=_("Only where the methodology has groups.")
    )
    components = models.JSONField(_("components (%)"), default=dict, blank=True, help_text=_("SIPAS: code → percent."))
    note = models.CharField(_("note"), max_length=300, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("announced result")
        verbose_name_plural = _("announced results")
        constraints = [
            models.UniqueConstraint(fields=["cycle", "kind"], name="result_unique_kind"),
            models.CheckConstraint(condition=Q(rank__gte=1) & Q(rank__lte=F("out_of")), name="result_rank_in_range"),
        ]


# --------------------------------------------------------------------------- crosswalk


class Crosswalk(models.Model):
    """How the sub-criteria of one framework version map onto the next one's.

    "Previous year", "change", the trend and carried-over tasks follow it; between two
    cycles on the same framework the mapping is the identity and no crosswalk is needed.
    """

    old_framework = models.ForeignKey(
        Framework, models.CASCADE, related_name="crosswalks_out", verbose_name=_("old framework")
    )
    new_framework = models.ForeignKey(
        Framework, models.CASCADE, related_name="crosswalks_in", verbose_name=_("new framework")
    )
    note = models.TextField(_("note"), blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("crosswalk")
        verbose_name_plural = _("crosswalks")
        constraints = [
            models.UniqueConstraint(fields=["old_framework", "new_framework"], name="crosswalk_unique"),
            models.CheckConstraint(condition=~Q(old_framework=F("new_framework")), name="crosswalk_two_versions"),
        ]

    def __str__(self) -> str:
        return f"{self.old_framework} → {self.new_framework}"


class CrosswalkMapping(models.Model):
    """One old sub-criterion → one new sub-criterion, or → none (dropped); a split has several rows."""

    crosswalk = models.ForeignKey(Crosswalk, models.CASCADE, related_name="mappings", verbose_name=_("crosswalk"))
    old = models.ForeignKey(Criterion, models.CASCADE, related_name="+", verbose_name=_("old sub-criterion"))
    new = models.ForeignKey(
        Criterion, models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("new sub-criterion")
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("crosswalk mapping")
        verbose_name_plural = _("crosswalk mappings")
        constraints = [
            models.UniqueConstraint(fields=["crosswalk", "old", "new"], name="crosswalk_mapping_unique"),
            models.UniqueConstraint(
                fields=["crosswalk", "old"], condition=Q(new__isnull=True), name="crosswalk_mapping_one_drop"
            ),
        ]


def score_evidence_path(instance: ScoreEvidence, filename: str) -> str:
    """A generated name, never the uploader's (which may hold paths or scripts)."""
    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"score-evidence/{instance.score.cycle_id}/{uuid.uuid4().hex}.{ext}"


class ScoreEvidence(models.Model):
    """A document (tài liệu kiểm chứng) behind a self score, or added with an explanation.

    Stored like task evidence: private storage, content checked (agencies.files), a
    generated name; written only through parindex.services.add_score_evidence, which
    applies the round's rules.
    """

    score = models.ForeignKey(Score, models.CASCADE, related_name="evidence", verbose_name=_("score"))
    round_kind = models.CharField(_("round"), max_length=20, choices=RoundKind.choices)
    file = models.FileField(_("file"), upload_to=score_evidence_path, storage=private_storage, max_length=200)
    original_name = models.CharField(_("original name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=120)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey("agencies.User", models.PROTECT, related_name="+", verbose_name=_("uploaded by"))
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("score evidence")
        verbose_name_plural = _("score evidence")
        ordering = ["-uploaded_at"]

    def __str__(self) -> str:
        return self.original_name
