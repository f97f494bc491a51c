"""Writes on agencies: periods, names, links, deactivation (moving their work is ``remediation.restructuring``)."""

from __future__ import annotations

import datetime as dt
import unicodedata

from django.db import transaction
from django.utils.translation import gettext as _

from .models import Agency, AgencyLink, AgencyName, LinkKind


class AgencyChangeError(Exception):
    """A change that cannot be applied; the message is shown to the user."""


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", (text or "").strip())


def _end_period(agency: Agency, on: dt.date) -> None:
    """The agency exists until the day before ``on``; nothing else about it changes.

    Only the period's end is written: every as-of figure before ``on`` reads the
    agency exactly as before (the 15/11/2021 addressees stay 39 when Sở Du lịch
    is deactivated from 01/12/2021), and from ``on`` every reader of a date
    finds it gone, with no flag to flip when the day comes.
    Ending it again on the same day is a no-op, so a re-applied change is idempotent.
    """
    last = on - dt.timedelta(days=1)
    if agency.valid_from is not None and last < agency.valid_from:
        raise AgencyChangeError(_("The date is before the agency existed."))
    if agency.valid_to is not None and agency.valid_to < last:
        raise AgencyChangeError(_("The agency no longer exists on that date."))
    agency.valid_to = last


@transaction.atomic
def deactivate_agency(agency: Agency, on: dt.date, *, reason: str = "") -> Agency:
    """Deactivate from ``on`` without deleting: earlier cycles keep their tasks, reports and figures."""
    agency = Agency.objects.select_for_update().get(pk=agency.pk)
    _end_period(agency, on)
    agency._change_reason = reason or _("Deactivated from %(date)s") % {"date": on.strftime("%d/%m/%Y")}
    agency.save()
    return agency


@transaction.atomic
def retire_agency(agency: Agency, on: dt.date, *, reason: str = "") -> Agency:
    """End an agency's period because it was merged or split (its successors are its links, ``link()``);
    moving its work is remediation's part."""
    agency = Agency.objects.select_for_update().get(pk=agency.pk)
    _end_period(agency, on)
    agency._change_reason = reason or _("Retired from %(date)s") % {"date": on.strftime("%d/%m/%Y")}
    agency.save()
    return agency


@transaction.atomic
def create_agency(
    *, code: str, name: str, kind: str, valid_from: dt.date | None, short_name: str = "", email: str = ""
) -> Agency:
    code, name = _nfc(code), _nfc(name)
    if Agency.objects.filter(code=code).exists():
        raise AgencyChangeError(_("An agency with this code already exists."))
    agency = Agency(
        code=code, name=name, short_name=_nfc(short_name), kind=kind, valid_from=valid_from, email=email or ""
    )
    agency._change_reason = _("Created")
    agency.save()
    return agency


@transaction.atomic
def rename_agency(agency: Agency, *, name: str, on: dt.date, short_name: str | None = None) -> Agency:
    """A new name from ``on``; the old one is kept with its period, so earlier pages show it."""
    agency = Agency.objects.select_for_update().get(pk=agency.pk)
    name = _nfc(name)
    if not name:
        raise AgencyChangeError(_("Give the new name."))
    if name == agency.name and (short_name is None or _nfc(short_name) == agency.short_name):
        raise AgencyChangeError(_("The new name is the same as the current one."))
    if not agency.exists_on(on):
        raise AgencyChangeError(_("The agency does not exist on that date."))
    last = agency.names.order_by("-valid_to").first()
    if last is not None and last.valid_to >= on:
        raise AgencyChangeError(_("The agency was already renamed on or after that date."))
    start = last.valid_to + dt.timedelta(days=1) if last else agency.valid_from
    AgencyName.objects.create(
        agency=agency, name=agency.name, short_name=agency.short_name, valid_from=start, valid_to=on - dt.timedelta(1)
    )
    agency.name = name
    if short_name is not None:
        agency.short_name = _nfc(short_name)
    agency._change_reason = _("Renamed from %(date)s") % {"date": on.strftime("%d/%m/%Y")}
    agency.save()
    return agency


def link(predecessor: Agency, successor: Agency, kind: LinkKind | str, on: dt.date, note: str = "") -> AgencyLink:
    """Record that ``successor`` continues (part of) ``predecessor``'s work from ``on``."""
    if predecessor.pk == successor.pk:
        raise AgencyChangeError(_("An agency cannot succeed itself."))
    obj, _created = AgencyLink.objects.get_or_create(
        predecessor=predecessor, successor=successor, kind=kind, effective_on=on, defaults={"note": note}
    )
    return obj
