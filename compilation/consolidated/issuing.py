"""Issuing and archiving the consolidated report.

The request creates an ``IssuedReport`` row and ``compilation.tasks`` enqueues its
generation after commit; generation claims the row with a conditional update (so a
redelivered message renders nothing twice), renders, stores the bytes in private
storage with their SHA-256, and marks the row done. The stored file is never
regenerated, so it downloads byte for byte whatever changes later.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging

from django.core.files.base import ContentFile
from django.db.models import Q

from agencies import clock

from ..models import IssuedReport, IssuedReportStatus
from . import document

log = logging.getLogger(__name__)

#: A report still "running" after this long was orphaned by a dead worker and may be claimed again.
STALE_AFTER = dt.timedelta(minutes=15)

# ----------------------------------------------------------------- issuing and archive


def pending_ids(older_than: dt.timedelta) -> list[int]:
    """The reports still pending after ``older_than``: their first enqueue failed or was lost."""
    cutoff = clock.now() - older_than
    return list(
        IssuedReport.objects.filter(status=IssuedReportStatus.PENDING, requested_at__lt=cutoff).values_list(
            "id", flat=True
        )
    )


def _claim(issued_id: int) -> bool:
    """Move the row to "running" only if nobody else has: exactly one render per report."""
    stale = clock.now() - STALE_AFTER
    return bool(
        IssuedReport.objects.filter(pk=issued_id)
        .filter(Q(status=IssuedReportStatus.PENDING) | Q(status=IssuedReportStatus.RUNNING, requested_at__lt=stale))
        .update(status=IssuedReportStatus.RUNNING)
    )


def _store(issued: IssuedReport, data: bytes) -> None:
    """Archive the bytes once; the row keeps their size and SHA-256 for later downloads."""
    issued.file.save(f"bao-cao-{issued.cycle.year}.pdf", ContentFile(data), save=False)
    issued.size = len(data)
    issued.sha256 = hashlib.sha256(data).hexdigest()
    issued.status = IssuedReportStatus.DONE
    issued.finished_at = clock.now()
    issued.error = ""
    issued.save(update_fields=["file", "size", "sha256", "status", "finished_at", "error"])


def generate_report(issued_id: int) -> IssuedReport:
    """Render, store and archive one issued report; a failure is recorded, not raised."""
    if not _claim(issued_id):
        return IssuedReport.objects.get(pk=issued_id)
    issued = IssuedReport.objects.select_related("cycle", "cycle__previous").get(pk=issued_id)
    try:
        _store(issued, document.render_report(issued.cycle, issued.as_of, issued.proposals))
    except Exception as exc:  # the page must show the failure instead of spinning forever
        log.exception("Consolidated report %s failed", issued_id)
        issued.status = IssuedReportStatus.FAILED
        issued.error = f"{exc.__class__.__name__}: {exc}"[:2000]
        issued.finished_at = clock.now()
        issued.save(update_fields=["status", "error", "finished_at"])
    return issued
