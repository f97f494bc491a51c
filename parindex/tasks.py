"""Celery tasks of the index: thin, they call a service."""

from __future__ import annotations

from celery import shared_task

from . import services


@shared_task(name="parindex.lock_due_rounds")
def lock_due_rounds() -> int:
    """Lock the rounds whose deadline has passed (beat, daily)."""
    return services.lock_due_rounds()
