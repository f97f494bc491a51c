"""Celery tasks of parindex: thin wrappers that take ids and call a service."""

from __future__ import annotations

from celery import shared_task

from . import report_services


@shared_task(acks_late=True)
def generate_issued_report(issued_id: int) -> str:
    """Render and archive an issued consolidated report; returns its final status.

    Takes the id, not the object: the row is committed before this is enqueued
    (transaction.on_commit), and the service claims it so a redelivery is harmless.
    """
    return report_services.generate_report(issued_id).status


@shared_task(name="parindex.requeue_pending_reports")
def requeue_pending_reports() -> int:
    """Beat: re-enqueue reports whose generation was never picked up (e.g. Redis was down)."""
    return report_services.requeue_pending()
