"""What the compilation publishes and keeps: the consolidated reports as issued."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from agencies.files import private_storage
from parindex.models import Cycle


class IssuedReportStatus(models.TextChoices):
    PENDING = "pending", _("Queued")
    RUNNING = "running", _("Generating")
    DONE = "done", _("Issued")
    FAILED = "failed", _("Failed")


def issued_report_path(instance: IssuedReport, filename: str) -> str:
    return f"reports/{instance.cycle.year}/{instance.pk or 'new'}-{filename}"


def report_storage():
    return private_storage()


class IssuedReport(models.Model):
    """A consolidated report as issued: archived, downloadable byte for byte later."""

    cycle = models.ForeignKey(Cycle, models.PROTECT, related_name="issued_reports", verbose_name=_("cycle"))
    status = models.CharField(
        _("status"), max_length=10, choices=IssuedReportStatus.choices, default=IssuedReportStatus.PENDING
    )
    as_of = models.DateField(_("figures as of"))
    proposals = models.TextField(_("proposals"), blank=True)
    #: "pdf" (the signed original's layout) or "docx" (for the office to edit before signing)
    file_format = models.CharField(_("format"), max_length=4, choices=[("pdf", "PDF"), ("docx", "DOCX")], default="pdf")
    requested_by = models.ForeignKey("agencies.User", models.PROTECT, related_name="+", verbose_name=_("issued by"))
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    # When the render was last claimed: a row "running" long past it lost its worker (agencies' clock).
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    file = models.FileField(_("file"), upload_to=issued_report_path, storage=report_storage, blank=True)
    size = models.PositiveBigIntegerField(_("size (bytes)"), null=True, blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("issued report")
        verbose_name_plural = _("issued reports")
        ordering = ["-requested_at"]

    def __str__(self) -> str:
        return f"{self.cycle} – {self.requested_at:%d/%m/%Y %H:%M}"

    def waiting_since(self):
        """When the row last moved on: its claim if running, its request if pending, else None."""
        if self.status == IssuedReportStatus.RUNNING:
            return self.started_at or self.requested_at
        if self.status == IssuedReportStatus.PENDING:
            return self.requested_at
        return None


class ImportRunStatus(models.TextChoices):
    PENDING = "pending", _("Queued")
    RUNNING = "running", _("Reading the workbook")
    DONE = "done", _("Read")
    FAILED = "failed", _("Failed")


class ImportRun(models.Model):
    """A large workbook's preview (``confirm`` false) or import (true), read by a Celery worker.

    The web request only records this row and enqueues it (compilation.excel.runs); the page
    polls until the worker stores the result, so no request parses a large upload itself.
    """

    token = models.CharField(_("upload"), max_length=64)
    confirm = models.BooleanField(_("import (not only preview)"), default=False)
    kind = models.CharField(_("kind"), max_length=20)
    cycle = models.ForeignKey(Cycle, models.CASCADE, related_name="+", verbose_name=_("cycle"))
    requested_by = models.ForeignKey("agencies.User", models.CASCADE, related_name="+", verbose_name=_("by"))
    framework_name = models.CharField(_("framework name"), max_length=200, blank=True)
    framework_kind = models.CharField(_("framework kind"), max_length=20, blank=True)
    sheet = models.CharField(_("sheet"), max_length=100, blank=True)
    language = models.CharField(_("language"), max_length=10, default="vi")
    status = models.CharField(
        _("status"), max_length=10, choices=ImportRunStatus.choices, default=ImportRunStatus.PENDING
    )
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    result = models.JSONField(_("result"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("import run")
        verbose_name_plural = _("import runs")
        constraints = [models.UniqueConstraint(fields=["token", "confirm"], name="import_run_once_per_upload")]

    def __str__(self) -> str:
        return f"{self.token[:8]} ({self.kind})"


class PredecessorBaseline(models.Model):
    """A predecessor province's announced results of one year, imported from that year's framework workbook.

    A record of its own, not a Cycle (``Cycle.year`` is unique and belongs to
    the province's own cycles). The score page of the merged province's first
    cycle shows each baseline beside the others, never an invented combined
    figure.
    """

    successor = models.ForeignKey(
        "agencies.Province", models.PROTECT, related_name="baselines", verbose_name=_("merged province")
    )
    province_name = models.CharField(_("predecessor province"), max_length=120)
    year = models.PositiveSmallIntegerField(_("year"))
    framework_name = models.CharField(_("framework"), max_length=200)
    legal_basis = models.CharField(_("legal basis"), max_length=120, blank=True)
    announced_percent = models.DecimalField(
        _("announced result (%)"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    rank = models.CharField(_("rank"), max_length=20, blank=True, help_text=_("E.g. 39/63."))
    imported_by = models.ForeignKey(
        "agencies.User", models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("imported by")
    )
    imported_at = models.DateTimeField(_("imported at"), auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("predecessor baseline")
        verbose_name_plural = _("predecessor baselines")
        ordering = ["year", "province_name"]
        constraints = [
            models.UniqueConstraint(fields=["successor", "province_name", "year"], name="baseline_once_per_year"),
        ]

    def __str__(self) -> str:
        return f"{self.province_name} {self.year}"


class BaselineScore(models.Model):
    """One node of the predecessor's tree with its announced (appraised) points."""

    baseline = models.ForeignKey(PredecessorBaseline, models.CASCADE, related_name="scores", verbose_name=_("baseline"))
    code = models.CharField(_("code"), max_length=20)
    name = models.CharField(_("name"), max_length=500)
    max_points = models.DecimalField(_("max points"), max_digits=6, decimal_places=2)
    announced = models.DecimalField(_("announced points"), max_digits=6, decimal_places=2, null=True, blank=True)
    order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("baseline score")
        verbose_name_plural = _("baseline scores")
        ordering = ["baseline", "order"]
        constraints = [models.UniqueConstraint(fields=["baseline", "code"], name="baseline_score_code_unique")]

    def __str__(self) -> str:
        return f"{self.code} {self.announced}"


class ApiScope(models.TextChoices):
    PROVINCE_READ = "province_read", _("Province-wide, read only")
    SNV_WRITE = "snv_write", _("SNV: read, and write the Ministry's appraisal results")
    AGENCY = "agency", _("One agency: read and write as its staff")


class ApiToken(models.Model):
    """A client system's key to the JSON API (compilation/api), issued and revoked by SNV.

    Only the SHA-256 of the secret is kept: the secret is shown once, when it is issued.
    The token acts through its own service account (``user``, no password), so the API reads
    through exactly the QuerySets of the pages: an agency token's account is a staff member
    of its agency, a province token's reads like the Chairman's office, an SNV token's is an
    SNV reviewer. Revoking deactivates that account too; nothing is deleted.
    """

    name = models.CharField(_("client system"), max_length=120)
    scope = models.CharField(_("scope"), max_length=16, choices=ApiScope.choices)
    agency = models.ForeignKey(
        "agencies.Agency", models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("agency")
    )
    user = models.OneToOneField(
        "agencies.User", models.PROTECT, related_name="api_token", verbose_name=_("service account")
    )
    prefix = models.CharField(
        _("prefix"), max_length=12, help_text=_("The secret's first characters, to tell tokens apart.")
    )
    key_hash = models.CharField(_("SHA-256 of the secret"), max_length=64, unique=True)
    created_by = models.ForeignKey("agencies.User", models.PROTECT, related_name="+", verbose_name=_("issued by"))
    created_at = models.DateTimeField(_("issued at"))
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        "agencies.User", models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("revoked by")
    )
    history = HistoricalRecords(excluded_fields=["last_used_at"])

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(scope="agency", agency__isnull=False)
                | (~models.Q(scope="agency") & models.Q(agency__isnull=True)),
                name="api_token_agency_scope",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
