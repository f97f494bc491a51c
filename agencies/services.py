"""Writes on agencies: deactivation and retirement (moving their tasks is ``remediation.assignment``)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from .models import Agency


@transaction.atomic
def deactivate_agency(agency: Agency, on: dt.date) -> Agency:
    """Deactivate without deleting: earlier cycles keep their tasks and reports."""
    agency.is_active = False
    agency.deactivated_on = on
    agency.save(update_fields=["is_active", "deactivated_on"])
    return agency


@transaction.atomic
def retire_agency(agency: Agency, on: dt.date, merged_into: Agency | None = None) -> Agency:
    """Deactivate an agency that was merged into another; moving its work is remediation's part."""
    agency.is_active = False
    agency.merged_into = merged_into
    agency.deactivated_on = on
    agency.save()
    return agency
