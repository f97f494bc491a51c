"""Issuing and archiving the consolidated report.

The request creates an ``IssuedReport`` row and ``compilation.tasks`` enqueues its
generation after commit; generation claims the row with a conditional update (so a
redelivered message renders nothing twice; a row "running" long after its claim lost its
worker, and beat enqueues it again, to be claimed again the same way), renders, stores the bytes in private
storage with their SHA-256, and marks the row done. The stored file is never
regenerated, so it downloads byte for byte whatever changes later.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import logging

from django.conf import settings
from django.core.files.base import ContentFile
from django.db.models import Q
from django.http import FileResponse, Http404
from django.utils import timezone

from agencies import clock

from ..models import IssuedReport, IssuedReportStatus
from . import document

log = logging.getLogger(__name__)


def stale_after() -> dt.timedelta:
    """How long after its claim a "running" report counts as orphaned by a dead worker (killed
    mid-render while the broker lost its message). Beat then enqueues it again and it may be claimed
    again. Far longer than any render (seconds, docs/performance.md), so a live render is not taken over.
    """
    return dt.timedelta(seconds=settings.REPORT_STUCK_AFTER_SECONDS)


# ----------------------------------------------------------------- issuing and archive


# Staleness is elapsed wall time (a worker's death), so it reads the real clock like requested_at
# (auto_now_add) does, never the demo's pinned date.


def _stale_running(now: dt.datetime) -> Q:
    stale = now - stale_after()
    # started_at is empty on rows claimed before it existed: their request time stands in.
    return Q(status=IssuedReportStatus.RUNNING) & (
        Q(started_at__lt=stale) | Q(started_at__isnull=True, requested_at__lt=stale)
    )


def pending_ids(older_than: dt.timedelta) -> list[int]:
    """The reports to enqueue again: pending after ``older_than`` (their enqueue failed or was
    lost), or running past ``stale_after()`` since their claim (their worker died)."""
    now = timezone.now()
    stuck = Q(status=IssuedReportStatus.PENDING, requested_at__lt=now - older_than) | _stale_running(now)
    return list(IssuedReport.objects.filter(stuck).order_by("requested_at").values_list("id", flat=True))


def is_stuck(issued: IssuedReport) -> bool:
    """For the page: a report running past ``stale_after()`` (beat is about to enqueue it again)."""
    since = issued.waiting_since()
    return issued.status == IssuedReportStatus.RUNNING and since is not None and timezone.now() - since > stale_after()


def _claim(issued_id: int) -> dt.datetime | None:
    """Move the row to "running" only if nobody holds it: exactly one render per report.

    A conditional update: of two workers given the same row (a redelivery, or beat's re-queue of a
    stuck one), one changes the row and the other changes nothing and stops. Returns the claim's
    time, which the store checks, so a render that outlived its claim cannot store over another.
    """
    now = timezone.now()
    claimed = (
        IssuedReport.objects.filter(pk=issued_id)
        .filter(Q(status=IssuedReportStatus.PENDING) | _stale_running(now))
        .update(status=IssuedReportStatus.RUNNING, started_at=now)
    )
    return now if claimed else None


def _store(issued: IssuedReport, data: bytes, claimed_at: dt.datetime) -> bool:
    """Archive the bytes once, if the claim still holds; the row keeps their size and SHA-256."""
    issued.file.save(f"bao-cao-{issued.cycle.year}.{issued.file_format}", ContentFile(data), save=False)
    done = IssuedReport.objects.filter(pk=issued.pk, status=IssuedReportStatus.RUNNING, started_at=claimed_at).update(
        file=issued.file.name,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        status=IssuedReportStatus.DONE,
        finished_at=clock.now(),
        error="",
    )
    if not done:  # another worker claimed the row after ours went stale: its file is the archive
        issued.file.delete(save=False)
    issued.refresh_from_db()
    return bool(done)


def generate_report(issued_id: int) -> IssuedReport:
    """Render, store and archive one issued report; a failure is recorded, not raised."""
    claimed_at = _claim(issued_id)
    if claimed_at is None:
        return IssuedReport.objects.get(pk=issued_id)
    issued = IssuedReport.objects.select_related("cycle", "cycle__previous").get(pk=issued_id)
    try:
        _store(
            issued,
            document.render_report(issued.cycle, issued.as_of, issued.proposals, fmt=issued.file_format),
            claimed_at,
        )
    except Exception as exc:  # the page must show the failure instead of spinning forever
        log.exception("Consolidated report %s failed", issued_id)
        IssuedReport.objects.filter(pk=issued_id, status=IssuedReportStatus.RUNNING, started_at=claimed_at).update(
            status=IssuedReportStatus.FAILED, error=f"{exc.__class__.__name__}: {exc}"[:2000], finished_at=clock.now()
        )
        issued.refresh_from_db()
    return issued


def archived_response(issued: IssuedReport):
    """The archived file (PDF or DOCX) as issued, checked against its recorded SHA-256; 404 when not issued,
    missing or altered (the page and the API download through here)."""
    if issued.status != IssuedReportStatus.DONE or not issued.file:
        raise Http404
    try:
        data = issued.file.open("rb").read()
    except FileNotFoundError as exc:
        log.error("Issued report %s: file %s is missing", issued.pk, issued.file.name)
        raise Http404 from exc
    finally:
        issued.file.close()
    if hashlib.sha256(data).hexdigest() != issued.sha256:
        log.error("Issued report %s: file %s does not match its SHA-256", issued.pk, issued.file.name)
        raise Http404
    fmt = issued.file_format
    filename = f"bao-cao-{issued.cycle.year}-{issued.as_of:%Y%m%d}-{issued.pk}.{fmt}"
    content_type = document.CONTENT_TYPES[fmt]
    response = FileResponse(io.BytesIO(data), as_attachment=True, filename=filename, content_type=content_type)
    response["ETag"] = f'"{issued.sha256}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
