"""Agencies, users, their memberships and province-wide roles."""

from __future__ import annotations

import secrets

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import connection, models
from django.db.models import Q
from django.db.models.functions import Collate
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


def vietnamese_order(field: str) -> models.Expression | str:
    """Order by a name with Vietnamese collation on PostgreSQL.

    PostgreSQL's C.UTF-8 sorts "Đ" and accented letters after "Z"; the ICU
    collation sorts them as a Vietnamese reader expects. SQLite has no ICU,
    so it keeps its binary order there (the embedded default is for demos).
    """
    if connection.vendor == "postgresql":
        return Collate(models.F(field), "vi-x-icu")
    return field


def new_calendar_token() -> str:
    """A secret for the agency's private ICS feed; regenerating it revokes old subscriptions."""
    return secrets.token_urlsafe(32)


class AgencyKind(models.TextChoices):
    CENTRAL = "central", _("Central agency in the province")
    DEPARTMENT = "department", _("Provincial department or agency")
    DISTRICT = "district", _("District-level People's Committee")
    COMMUNE = "commune", _("Commune-level People's Committee")


class AgencyQuerySet(models.QuerySet):
    def active(self) -> AgencyQuerySet:
        return self.filter(is_active=True)

    def addressees(self) -> AgencyQuerySet:
        """The agencies the letter orders to report: central, provincial and district level.

        Communes receive copies only, so they are not chased for a report.
        """
        return self.active().filter(kind__in=[AgencyKind.CENTRAL, AgencyKind.DEPARTMENT, AgencyKind.DISTRICT])

    def by_name(self) -> AgencyQuerySet:
        return self.order_by(vietnamese_order("name"))


class Agency(models.Model):
    """An addressee of the Chairman's letter.

    Agencies are deactivated or merged, never deleted (PROTECT everywhere), so
    the tasks and reports of earlier cycles keep pointing at the agency that
    did the work.
    """

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=200)
    short_name = models.CharField(_("short name"), max_length=80, blank=True)
    kind = models.CharField(_("kind"), max_length=16, choices=AgencyKind.choices)
    parent = models.ForeignKey(
        "self", models.PROTECT, null=True, blank=True, related_name="children", verbose_name=_("parent")
    )
    is_active = models.BooleanField(_("active"), default=True)
    merged_into = models.ForeignKey(
        "self",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="merged_from",
        verbose_name=_("merged into"),
    )
    deactivated_on = models.DateField(_("deactivated on"), null=True, blank=True)
    email = models.EmailField(_("contact e-mail"), blank=True)
    calendar_token = models.CharField(
        _("calendar feed token"), max_length=64, unique=True, default=new_calendar_token, editable=False
    )
    history = HistoricalRecords(excluded_fields=["calendar_token"])

    objects = AgencyQuerySet.as_manager()

    class Meta:
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")
        ordering = ["name"]
        indexes = [models.Index(fields=["kind", "is_active"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(merged_into__isnull=True) | Q(is_active=False),
                name="agency_merged_is_inactive",
            ),
        ]

    def __str__(self) -> str:
        return self.short_name or self.name


class ProvinceRole(models.TextChoices):
    NONE = "", _("None")
    SNV = "snv", _("SNV reviewer (Department of Home Affairs)")
    CHAIRMAN_OFFICE = "chairman_office", _("Chairman's office")
    ADMIN = "admin", _("Administrator")


class User(AbstractUser):
    """A person. Agency rights come from Membership; province-wide rights from province_role."""

    full_name = models.CharField(_("full name"), max_length=150, blank=True)
    province_role = models.CharField(
        _("province-wide role"), max_length=20, choices=ProvinceRole.choices, blank=True, default=""
    )

    objects = UserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.full_name or self.username

    def get_full_name(self) -> str:
        return self.full_name or super().get_full_name() or self.username

    @property
    def is_snv(self) -> bool:
        return self.province_role in (ProvinceRole.SNV, ProvinceRole.ADMIN)

    @property
    def is_chairman_office(self) -> bool:
        return self.province_role == ProvinceRole.CHAIRMAN_OFFICE

    @property
    def sees_everything(self) -> bool:
        """SNV, administrators and the Chairman's office read every agency's data."""
        return bool(self.province_role)

    @property
    def membership(self) -> Membership | None:
        """The user's agency membership (one per user in practice), cached per instance."""
        if not hasattr(self, "_membership_cache"):
            self._membership_cache = self.memberships.select_related("agency").filter(agency__is_active=True).first()
        return self._membership_cache

    @property
    def agency(self) -> Agency | None:
        m = self.membership
        return m.agency if m else None

    @property
    def is_agency_leader(self) -> bool:
        m = self.membership
        return bool(m and m.role == MembershipRole.LEADER)


class MembershipRole(models.TextChoices):
    STAFF = "staff", _("Staff")
    LEADER = "leader", _("Leader")


class Membership(models.Model):
    user = models.ForeignKey(User, models.CASCADE, related_name="memberships", verbose_name=_("user"))
    agency = models.ForeignKey(Agency, models.PROTECT, related_name="memberships", verbose_name=_("agency"))
    role = models.CharField(_("role"), max_length=10, choices=MembershipRole.choices)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [models.UniqueConstraint(fields=["user", "agency"], name="membership_unique")]

    def __str__(self) -> str:
        return f"{self.user} – {self.agency} ({self.get_role_display()})"
