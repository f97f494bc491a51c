"""Agencies, users, their memberships and province-wide roles."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import connection, models
from django.db.models import Q
from django.db.models.functions import Collate
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from . import clock


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
    WARD = "ward", _("Ward-level People's Committee")
    SPECIAL_ZONE = "special_zone", _("Special zone People's Committee")


# The kinds the 2021 letter orders to report (central, provincial and district
# level; communes received copies only). A cycle's own setting overrides it;
# this is only the default of the first cycle.
REPORTING_KINDS_2021 = (AgencyKind.CENTRAL, AgencyKind.DEPARTMENT, AgencyKind.DISTRICT)
# Two-tier local government from 01/07/2025: no district level.
REPORTING_KINDS_2025 = (
    AgencyKind.CENTRAL,
    AgencyKind.DEPARTMENT,
    AgencyKind.COMMUNE,
    AgencyKind.WARD,
    AgencyKind.SPECIAL_ZONE,
)


def existing_on(day: dt.date, prefix: str = "") -> Q:
    """The condition "the agency exists on ``day``": inside its period.

    ``valid_to`` is the last day the agency exists. The period is the only
    answer: there is no cached "active" flag, so a retired district still
    exists on every day of 2021 (its 2021 users see the 2021 cycle as it was).
    """
    return (Q(**{f"{prefix}valid_from__isnull": True}) | Q(**{f"{prefix}valid_from__lte": day})) & (
        Q(**{f"{prefix}valid_to__isnull": True}) | Q(**{f"{prefix}valid_to__gte": day})
    )


class AgencyQuerySet(models.QuerySet):
    def current(self) -> AgencyQuerySet:
        """The agencies existing on the clock's today (not a cached flag)."""
        return self.as_of(clock.today())

    def as_of(self, day: dt.date) -> AgencyQuerySet:
        """The agencies as they stood on ``day``: a change effective later never alters it."""
        return self.filter(existing_on(day))

    def addressees(self, kinds: Iterable[str] | None = None, as_of: dt.date | None = None) -> AgencyQuerySet:
        """The agencies ordered to report: those of the cycle's reporting kinds existing on ``as_of``.

        ``kinds`` is the cycle's setting (``Cycle.reporting_kinds``); without it,
        the 2021 letter's kinds. Without ``as_of``, the clock's today.
        """
        kinds = list(kinds) if kinds is not None else list(REPORTING_KINDS_2021)
        return self.as_of(as_of or clock.today()).filter(kind__in=kinds)

    def by_name(self) -> AgencyQuerySet:
        return self.order_by(vietnamese_order("name"))


class Agency(models.Model):
    """An addressee of the Chairman's letter.

    Agencies are deactivated or merged, never deleted (PROTECT everywhere), so
    the tasks and reports of earlier cycles keep pointing at the agency that
    did the work. Whether an agency exists is a question of a date: its period
    (``valid_from``..``valid_to``); who continues its work is its successor
    links (``AgencyLink``, read by ``successor_on``), the one carrying rule.
    """

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=200)
    short_name = models.CharField(_("short name"), max_length=80, blank=True)
    kind = models.CharField(_("kind"), max_length=16, choices=AgencyKind.choices)
    parent = models.ForeignKey(
        "self", models.PROTECT, null=True, blank=True, related_name="children", verbose_name=_("parent")
    )
    # The period the agency exists, both ends included; blank = open. Every
    # question "does it exist?" reads it for a date (the cycle's as-of date or the clock).
    valid_from = models.DateField(_("exists from"), null=True, blank=True)
    valid_to = models.DateField(_("exists until"), null=True, blank=True)
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
        indexes = [models.Index(fields=["kind", "valid_to"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_from__isnull=True)
                | Q(valid_to__isnull=True)
                | Q(valid_to__gte=models.F("valid_from")),
                name="agency_period_ordered",
            ),
        ]

    def __str__(self) -> str:
        return self.short_name or self.name

    def exists_on(self, day: dt.date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (self.valid_to is None or self.valid_to >= day)

    def successor_on(self, day: dt.date) -> Agency:
        """Who carries this agency's work on ``day``: itself while it exists, else its successor then.

        The one carrying rule (a new cycle's carried tasks, the import's hint):
        follow the merge, split and rename links effective by ``day`` (for a
        split, its first link: the main successor) until an agency that exists
        on ``day``. A transfer of a function never retires the agency, so it is
        not followed. Without a link, the agency itself.
        """
        agency, seen = self, {self.pk}
        while not agency.exists_on(day):
            link = (
                agency.successor_links.filter(effective_on__lte=day, kind__in=RETIRING_LINKS)
                .select_related("successor")
                .order_by("effective_on", "id")
                .first()
            )
            if link is None or link.successor_id in seen:
                break
            agency = link.successor
            seen.add(agency.pk)
        return agency

    def name_on(self, day: dt.date) -> str:
        """The name the agency bore on ``day`` (its current name outside every recorded period)."""
        for period in self.names.all():
            if period.covers(day):
                return period.name
        return self.name


def names_on(agency_ids: Iterable[int], day: dt.date) -> dict[int, str]:
    """Earlier names valid on ``day`` per agency id, in one query (agencies absent: current name)."""
    rows = AgencyName.objects.filter(agency_id__in=list(agency_ids)).filter(
        Q(valid_from__isnull=True) | Q(valid_from__lte=day), valid_to__gte=day
    )
    return dict(rows.values_list("agency_id", "name"))


def labels_on(agency_ids: Iterable[int], day: dt.date) -> dict[int, str]:
    """As names_on(), but the short name where the period had one (str(agency) of that period)."""
    rows = AgencyName.objects.filter(agency_id__in=list(agency_ids)).filter(
        Q(valid_from__isnull=True) | Q(valid_from__lte=day), valid_to__gte=day
    )
    return {pk: short or name for pk, name, short in rows.values_list("agency_id", "name", "short_name")}


class AgencyName(models.Model):
    """A name an agency bore in an earlier period, so a 2021 page shows the 2021 name.

    The current name stays on ``Agency.name``; a rename writes the old name here
    with the period it was borne (``valid_to`` = the day before the rename).
    """

    agency = models.ForeignKey(Agency, models.CASCADE, related_name="names", verbose_name=_("agency"))
    name = models.CharField(_("name"), max_length=200)
    short_name = models.CharField(_("short name"), max_length=80, blank=True)
    valid_from = models.DateField(_("from"), null=True, blank=True)
    valid_to = models.DateField(_("until"))

    class Meta:
        verbose_name = _("earlier name")
        verbose_name_plural = _("earlier names")
        ordering = ["agency", "valid_to"]
        indexes = [models.Index(fields=["agency", "valid_to"])]

    def __str__(self) -> str:
        return self.name

    def covers(self, day: dt.date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and self.valid_to >= day


class AgencyAlias(models.Model):
    """Another name officials write for an agency, saved by SNV from an import's "did you mean …".

    ``normalized`` is the name in the importer's folded form
    (``compilation.excel.importing.fold_name`` without marks), so one written
    name points at one agency only; ``text`` keeps it as it was written.
    """

    text = models.CharField(_("name as written"), max_length=200)
    normalized = models.CharField(_("normalised name"), max_length=200, unique=True)
    agency = models.ForeignKey(Agency, models.CASCADE, related_name="aliases", verbose_name=_("agency"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("saved by")
    )
    created_at = models.DateTimeField(_("saved at"), default=timezone.now)

    class Meta:
        verbose_name = _("other name of an agency")
        verbose_name_plural = _("other names of agencies")
        ordering = ["agency", "text"]

    def __str__(self) -> str:
        return f"{self.text} → {self.agency}"


class LinkKind(models.TextChoices):
    MERGE = "merge", _("Merge (many into one)")
    SPLIT = "split", _("Split (one into many)")
    RENAME = "rename", _("Rename")
    TRANSFER = "transfer", _("Transfer of a function")


RETIRING_LINKS = (LinkKind.MERGE, LinkKind.SPLIT, LinkKind.RENAME)


class AgencyLink(models.Model):
    """A predecessor and a successor, with the kind of change and the day it took effect."""

    predecessor = models.ForeignKey(
        Agency, models.PROTECT, related_name="successor_links", verbose_name=_("predecessor")
    )
    successor = models.ForeignKey(Agency, models.PROTECT, related_name="predecessor_links", verbose_name=_("successor"))
    kind = models.CharField(_("kind"), max_length=10, choices=LinkKind.choices)
    effective_on = models.DateField(_("effective on"))
    note = models.CharField(_("note"), max_length=300, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("agency link")
        verbose_name_plural = _("agency links")
        ordering = ["effective_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["predecessor", "successor", "kind", "effective_on"], name="agency_link_unique"
            ),
            models.CheckConstraint(condition=~Q(predecessor=models.F("successor")), name="agency_link_not_self"),
        ]

    def __str__(self) -> str:
        return f"{self.predecessor} → {self.successor} ({self.get_kind_display()}, {self.effective_on:%d/%m/%Y})"


class ProvinceQuerySet(models.QuerySet):
    def as_of(self, day: dt.date) -> Province | None:
        """The province as it stood on ``day`` (its name, governing body and place on documents)."""
        return (
            self.filter(Q(valid_from__isnull=True) | Q(valid_from__lte=day))
            .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=day))
            .order_by("-valid_from")
            .first()
        )


class Province(models.Model):
    """One period of the province the installation serves (Bình Định until 30/06/2025, then Gia Lai).

    Documents print the governing body and place of the period their cycle
    falls in, so nobody retypes them per cycle.
    """

    name = models.CharField(_("name"), max_length=120)
    governing_body = models.CharField(_("governing body"), max_length=120, help_text=_("E.g. UBND TỈNH BÌNH ĐỊNH."))
    place = models.CharField(_("place on documents"), max_length=80)
    seat = models.CharField(_("seat"), max_length=120, blank=True)
    valid_from = models.DateField(_("from"), null=True, blank=True)
    valid_to = models.DateField(_("until"), null=True, blank=True)
    predecessors = models.ManyToManyField(
        "self", symmetrical=False, blank=True, related_name="successors", verbose_name=_("predecessor provinces")
    )
    history = HistoricalRecords(m2m_fields=[predecessors])

    objects = ProvinceQuerySet.as_manager()

    class Meta:
        verbose_name = _("province period")
        verbose_name_plural = _("province periods")
        ordering = ["valid_from", "id"]

    def __str__(self) -> str:
        return self.name


class ProvinceRole(models.TextChoices):
    NONE = "", _("None")
    SNV = "snv", _("SNV reviewer (Department of Home Affairs)")
    CHAIRMAN_OFFICE = "chairman_office", _("Chairman's office")
    ADMIN = "admin", _("Administrator")


def people(prefix: str = "") -> Q:
    """Active people, not the API's service accounts: who receives notices, reminders and e-mails.

    ``prefix`` reaches the user through a relation, e.g. ``people("user__")`` on memberships.
    """
    return Q(**{f"{prefix}is_active": True, f"{prefix}is_service_account": False})


class User(AbstractUser):
    """A person. Agency rights come from Membership; province-wide rights from province_role."""

    full_name = models.CharField(_("full name"), max_length=150, blank=True)
    province_role = models.CharField(
        _("province-wide role"), max_length=20, choices=ProvinceRole.choices, blank=True, default=""
    )
    # An API token's account (compilation.api.tokens): it reads and writes like its role, but it
    # is nobody to remind or notify, and it never stands in for an agency's people.
    is_service_account = models.BooleanField(_("service account"), default=False, editable=False)

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
        """The user's agency membership, cached per instance: one whose agency exists today, else the latest.

        A district retired on 30/06/2025 keeps its users: they read the cycles in
        which it existed (2021) as they were. A user given a membership of the
        successor as well works for the successor from the day it exists.
        """
        if not hasattr(self, "_membership_cache"):
            rows = list(self.memberships.select_related("agency").order_by("pk"))
            today = clock.today()
            existing = [m for m in rows if m.agency.exists_on(today)]
            latest = sorted(rows, key=lambda m: m.agency.valid_to or dt.date.max, reverse=True)
            self._membership_cache = (existing or latest or [None])[0]
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
