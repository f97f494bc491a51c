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


# --- Reminders: claims whose digests were lost with the broker ----------------------------------

D = dt.date(2021, 11, 15)


@pytest.fixture
def reminder_cycle(db):
    from tests.factories import CycleFactory

    return CycleFactory(report_deadline=dt.date(2022, 6, 30), self_assessment_date=dt.date(2022, 9, 30))


@pytest.fixture
def lost_sweep(reminder_cycle, agency, staff, leader, django_capture_on_commit_callbacks, eager_celery):
    """A sweep whose claims committed but whose digests never ran: the broker lost them."""
    from remediation import tasks
    from tests.factories import TaskFactory

    staff.email, leader.email = "quynhon@example.vn", "quynhon.lead@example.vn"
    staff.save(), leader.save()
    TaskFactory(cycle=reminder_cycle, lead_agency=agency, deadline=D, title="Rà soát thủ tục hành chính")
    with django_capture_on_commit_callbacks(execute=False):
        result = tasks.send_due_reminders(as_of=D + dt.timedelta(days=8), cycle=reminder_cycle)  # escalated
    assert result.recipients == 2  # the lead agency's staff and its leader
    return result


def _age_claims(minutes: int) -> None:
    from remediation.models import Reminder

    Reminder.objects.update(claimed_at=timezone.now() - dt.timedelta(minutes=minutes))


def test_stale_claims_are_sent_by_the_next_retry_not_the_next_day(
    lost_sweep, settings, mailoutbox, django_capture_on_commit_callbacks
):
    from remediation import tasks
    from remediation.models import Reminder, ReminderState

    settings.REMINDER_STALE_CLAIM_SECONDS = 600
    _age_claims(11)
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.retry_stale_claims() == 2
    assert sorted(m.to[0] for m in mailoutbox) == ["quynhon.lead@example.vn", "quynhon@example.vn"]
    assert set(Reminder.objects.values_list("state", flat=True)) == {ReminderState.SENT}


def test_a_second_retry_sends_nothing_again(lost_sweep, settings, mailoutbox, django_capture_on_commit_callbacks):
    from remediation import tasks

    settings.REMINDER_STALE_CLAIM_SECONDS = 600
    _age_claims(11)
    with django_capture_on_commit_callbacks(execute=True):
        tasks.retry_stale_claims()
    _age_claims(60)
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.retry_stale_claims() == 0
    assert len(mailoutbox) == 2


def test_claims_within_the_window_are_left_to_their_digests(lost_sweep, settings, mailoutbox):
    from remediation import tasks
    from remediation.models import Reminder, ReminderState

    settings.REMINDER_STALE_CLAIM_SECONDS = 600
    _age_claims(2)
    assert tasks.retry_stale_claims() == 0
    assert set(Reminder.objects.values_list("state", flat=True)) == {ReminderState.CLAIMED}
    assert mailoutbox == []


def test_the_lost_digest_arriving_late_sends_nothing_after_a_retry(
    lost_sweep, settings, mailoutbox, django_capture_on_commit_callbacks
):
    """The old run's digest, redelivered after the retry took its claims over, finds no row of its token."""
    from remediation import tasks

    settings.REMINDER_STALE_CLAIM_SECONDS = 600
    _age_claims(11)
    with django_capture_on_commit_callbacks(execute=True):
        tasks.retry_stale_claims()
    late = [
        tasks.send_reminder_digest.delay(r, str(lost_sweep.token), D.isoformat()).get()
        for r in lost_sweep.recipient_ids
    ]
    assert [outcome["state"] for outcome in late] == ["nothing", "nothing"]
    assert len(mailoutbox) == 2


def test_beat_retries_stale_claims_every_few_minutes(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["reminders-retry-stale-claims"]
    assert entry["task"] == "remediation.retry_stale_claims" and entry["schedule"] <= 600
