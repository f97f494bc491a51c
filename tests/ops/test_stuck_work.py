"""Nothing stuck after a crash: a consolidated report orphaned "running" by a dead worker is
enqueued again by beat, claimed again by exactly one worker, and its page shows how long it waited.

(The reminders' stale claims: tests/ops/test_faults.py, with a Redis of the test's own.)
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from compilation import tasks as report_tasks
from compilation.consolidated import issuing
from compilation.models import IssuedReport, IssuedReportStatus
from config.celery_app import app as celery_app

pytestmark = [pytest.mark.django_db, pytest.mark.timeout(120)]


@pytest.fixture
def eager_celery(settings):
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = settings.CELERY_TASK_ALWAYS_EAGER


@pytest.fixture(autouse=True)
def remove_report_files(db):
    yield
    for issued in IssuedReport.objects.exclude(file=""):
        issued.file.delete(save=False)


def orphaned(cycle, user, minutes_ago: int) -> IssuedReport:
    """A report a worker claimed ``minutes_ago`` and then died rendering (the broker lost the message)."""
    issued = IssuedReport.objects.create(cycle=cycle, requested_by=user, as_of=cycle.as_of(), proposals="Đề xuất.")
    claimed = timezone.now() - dt.timedelta(minutes=minutes_ago)
    IssuedReport.objects.filter(pk=issued.pk).update(
        status=IssuedReportStatus.RUNNING, started_at=claimed, requested_at=claimed
    )
    return IssuedReport.objects.get(pk=issued.pk)


def test_beat_enqueues_a_report_running_past_the_timeout_and_it_is_issued(snv, cycle, eager_celery, settings):
    settings.REPORT_STUCK_AFTER_SECONDS = 600
    issued = orphaned(cycle, snv, minutes_ago=11)
    assert report_tasks.requeue_pending_reports() == 1
    issued.refresh_from_db()
    assert issued.status == IssuedReportStatus.DONE and issued.sha256 and issued.file


def test_a_report_running_within_the_timeout_is_left_to_its_worker(snv, cycle, eager_celery, settings):
    settings.REPORT_STUCK_AFTER_SECONDS = 600
    issued = orphaned(cycle, snv, minutes_ago=2)
    assert report_tasks.requeue_pending_reports() == 0
    assert issuing.generate_report(issued.pk).status == IssuedReportStatus.RUNNING  # a redelivery renders nothing
    issued.refresh_from_db()
    assert issued.status == IssuedReportStatus.RUNNING and not issued.file


def test_two_workers_never_both_claim_a_stuck_report(snv, cycle, settings):
    settings.REPORT_STUCK_AFTER_SECONDS = 600
    issued = orphaned(cycle, snv, minutes_ago=30)
    first, second = issuing._claim(issued.pk), issuing._claim(issued.pk)
    assert first is not None and second is None


def test_a_render_that_outlived_its_claim_does_not_store_over_the_new_one(snv, cycle, settings):
    settings.REPORT_STUCK_AFTER_SECONDS = 600
    issued = orphaned(cycle, snv, minutes_ago=30)
    old_claim = issued.started_at  # the dead (or hung) worker's claim
    new_claim = issuing._claim(issued.pk)
    assert issuing._store(IssuedReport.objects.get(pk=issued.pk), b"%PDF-1.4 new", new_claim) is True
    stored = IssuedReport.objects.get(pk=issued.pk)
    assert issuing._store(IssuedReport.objects.get(pk=issued.pk), b"%PDF-1.4 late", old_claim) is False
    issued.refresh_from_db()
    assert (issued.file.name, issued.sha256, issued.file.open("rb").read()) == (
        stored.file.name,
        stored.sha256,
        b"%PDF-1.4 new",
    )


def test_the_page_of_a_stuck_report_shows_how_long_it_has_waited(client, snv, cycle, settings):
    settings.REPORT_STUCK_AFTER_SECONDS = 600
    issued = orphaned(cycle, snv, minutes_ago=42)
    client.force_login(snv)
    html = client.get(reverse("compilation:report-detail", args=[issued.pk])).content.decode()
    assert 'id="report-stuck"' in html and "42" in html
    fragment = client.get(reverse("compilation:report-status", args=[issued.pk])).content.decode()
    assert 'id="report-stuck"' in fragment and "42" in fragment


def test_the_page_of_a_fresh_report_does_not_call_it_stuck(client, snv, cycle, settings):
    settings.REPORT_STUCK_AFTER_SECONDS = 600
    issued = orphaned(cycle, snv, minutes_ago=1)
    client.force_login(snv)
    html = client.get(reverse("compilation:report-detail", args=[issued.pk])).content.decode()
    assert 'id="report-stuck"' not in html
