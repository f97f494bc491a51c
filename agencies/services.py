"""Writes that touch several agencies' rows: deactivation and merging."""

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
def merge_agency(source: Agency, target: Agency, on: dt.date) -> int:
    """Merge ``source`` into ``target`` (e.g. the 2025 abolition of the district level).

    The source's open tasks in cycles that are still running move to the target
    (their history records the move); finished work and closed cycles keep the
    source's name. Members move to the target. Returns the number of tasks moved.
    """
    from remediation.models import Task

    if source.pk == target.pk:
        raise ValueError("An agency cannot be merged into itself.")
    moved = 0
    for task in Task.objects.filter(lead_agency=source, completed_on__isnull=True, closed_at__isnull=True):
        task.lead_agency = target
        task._change_reason = f"merge {source.code} -> {target.code}"
        task.save()
        moved += 1
    for membership in source.memberships.all():
        if not target.memberships.filter(user=membership.user).exists():
            membership.agency = target
            membership.save()
    source.is_active = False
    source.merged_into = target
    source.deactivated_on = on
    source.save()
    return moved
