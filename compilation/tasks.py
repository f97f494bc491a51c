"""Celery tasks of the compilation, and the two calls that enqueue them.

Thin: they take ids and call ``consolidated.issuing``. Only this module enqueues,
so the imports run one way (tasks → consolidated).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from celery import shared_task
from django.db import transaction

from agencies.models import User
from parindex.models import Cycle

from .consolidated import issuing
from .excel import runs
from .models import IssuedReport


def issue_report(cycle: Cycle, user: User, as_of: dt.date, proposals: str, file_format: str = "pdf") -> IssuedReport:
    """Record the request and enqueue its generation once the row is committed."""
    with transaction.atomic():
        issued = IssuedReport.objects.create(
            cycle=cycle, requested_by=user, as_of=as_of, proposals=proposals, file_format=file_format
        )
        issued_id = issued.pk
        # robust: with the broker down the request still succeeds; the row stays pending and
        # requeue_pending() (beat, every few minutes) enqueues it once the broker is back.
        transaction.on_commit(lambda: generate_issued_report.delay(issued_id), robust=True)
    return issued


def requeue_pending(older_than: dt.timedelta = dt.timedelta(seconds=60)) -> int:
    """Enqueue again the reports still pending (their first enqueue failed or was lost) and those
    still running long after their claim (their worker died); the claim keeps it to one render."""
    ids = issuing.pending_ids(older_than)
    for issued_id in ids:
        generate_issued_report.delay(issued_id)
    return len(ids)


@shared_task(acks_late=True)
def generate_issued_report(issued_id: int) -> str:
    """Render and archive an issued consolidated report; returns its final status.

    Takes the id, not the object: the row is committed before this is enqueued
    (transaction.on_commit), and the service claims it so a redelivery is harmless.
    """
    return issuing.generate_report(issued_id).status


@shared_task(name="compilation.requeue_pending_reports")
def requeue_pending_reports() -> int:
    """Beat: re-enqueue reports never picked up (e.g. Redis was down) or orphaned by a dead worker."""
    return requeue_pending()


def enqueue_import(run_id: int, path: str) -> None:
    """Read a large upload in a worker once the run's row is committed."""
    transaction.on_commit(lambda: parse_import.delay(run_id, path), robust=True)


@shared_task(acks_late=True, name="compilation.parse_import")
def parse_import(run_id: int, path: str) -> str:
    """Preview or import one large workbook; the page polls its ImportRun."""
    return runs.execute_run(run_id, Path(path)).status
