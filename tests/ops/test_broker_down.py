"""A consolidated report whose enqueue was lost is enqueued again by beat.

The broker-down path itself (issuing over HTTP while Redis is killed) runs against the real
topology in tests/ops/test_faults.py.
"""

import pytest

from compilation import tasks as report_tasks
from compilation.models import IssuedReport, IssuedReportStatus
from config.celery_app import app as celery_app

pytestmark = [pytest.mark.django_db, pytest.mark.timeout(120)]


def test_pending_report_is_generated_once_the_broker_is_back(snv, cycle, settings):
    """requeue_pending() enqueues the pending row; eager here, as without REDIS_URL."""
    celery_app.conf.task_always_eager = True
    try:
        issued = IssuedReport.objects.create(cycle=cycle, requested_by=snv, as_of=cycle.as_of(), proposals="x")
        IssuedReport.objects.filter(pk=issued.pk).update(requested_at=issued.requested_at.replace(year=2020))
        assert report_tasks.requeue_pending() == 1
    finally:
        celery_app.conf.task_always_eager = settings.CELERY_TASK_ALWAYS_EAGER
    issued.refresh_from_db()
    assert issued.status == IssuedReportStatus.DONE and issued.sha256
