"""A notice for every state change, in-app and once in the daily e-mail (issue 14, §3)."""

import datetime as dt

import pytest
from django.core import mail
from django.urls import reverse

from config.celery_app import app as celery_app
from remediation import assignment, services, tasks
from remediation.models import Notification
from remediation.notices import NoticeKind
from remediation.reminders import events
from tests.factories import TaskFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def eager(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


@pytest.fixture
def staff(staff):
    """The agency's staff with an address (the leader has none: in-app only)."""
    staff.email = "quynhon@example.vn"
    staff.save()
    return staff


def test_assigning_a_task_notifies_every_member_of_the_lead_agency(cycle, agency, staff, leader, snv):
    (task,) = assignment.create_tasks(
        cycle, lead_agencies=[agency], title="Rà soát", deadline=dt.date(2021, 12, 31), user=snv
    )
    notices = Notification.objects.filter(kind=NoticeKind.TASK_ASSIGNED)
    assert {n.recipient for n in notices} == {staff, leader}
    assert all(n.url == reverse("remediation:task-detail", args=[task.pk]) for n in notices)


def test_returning_a_report_notifies_the_agency_with_the_comment(cycle, agency, staff, leader, snv):
    report = services.report_for(cycle, agency)
    services.submit_report(report.pk, leader, narrative="Báo cáo")
    services.review_report(report.pk, snv, accept=False, comment="Bổ sung số liệu")
    notice = Notification.objects.get(recipient=staff, kind=NoticeKind.REPORT_RETURNED)
    assert notice.body == "Bổ sung số liệu" and notice.url == reverse("remediation:report-edit")


def test_accepting_a_report_notifies_the_agency(cycle, agency, staff, leader, snv):
    report = services.report_for(cycle, agency)
    services.submit_report(report.pk, leader, narrative="Báo cáo")
    services.review_report(report.pk, snv, accept=True, comment="")
    assert Notification.objects.filter(recipient=leader, kind=NoticeKind.REPORT_ACCEPTED).count() == 1


def test_a_rolled_back_change_notifies_nobody(cycle, agency, staff, snv):
    task = TaskFactory(cycle=cycle, lead_agency=agency)
    with pytest.raises(Exception):  # noqa: B017 -- the stale version refuses the edit
        assignment.edit_task(task, user=snv, deadline=dt.date(2022, 1, 31), expected_version=task.version + 5)
    assert not Notification.objects.filter(kind=NoticeKind.DEADLINE_CHANGED).exists()


def test_the_daily_email_sends_each_notice_once(eager, django_capture_on_commit_callbacks, cycle, agency, staff, snv):
    assignment.create_tasks(cycle, lead_agencies=[agency], title="Rà soát", deadline=dt.date(2021, 12, 31), user=snv)
    with django_capture_on_commit_callbacks(execute=True):
        tasks.send_notice_digests()
    assert [m.to for m in mail.outbox] == [[staff.email]]
    assert "Rà soát" in mail.outbox[0].body
    with django_capture_on_commit_callbacks(execute=True):
        second = tasks.send_notice_digests()
    assert second.notices == 0 and len(mail.outbox) == 1
    assert Notification.objects.get(recipient=staff).emailed_at is not None


def test_a_failed_mail_releases_the_claim_for_the_next_run(
    eager, django_capture_on_commit_callbacks, monkeypatch, cycle, agency, staff, snv
):
    assignment.create_tasks(cycle, lead_agencies=[agency], title="Rà soát", deadline=dt.date(2021, 12, 31), user=snv)
    monkeypatch.setattr(events, "deliver", lambda message: "SMTPServerDisconnected: down")
    with django_capture_on_commit_callbacks(execute=True):
        tasks.send_notice_digests()
    notice = Notification.objects.get(recipient=staff)
    assert notice.emailed_at is None and notice.email_token is None
    monkeypatch.undo()
    with django_capture_on_commit_callbacks(execute=True):
        tasks.send_notice_digests()
    assert len(mail.outbox) == 1


def test_reminder_notices_are_not_emailed_again_by_the_notice_digest(eager, staff):
    Notification.objects.create(recipient=staff, kind="task_due", title="Sắp đến hạn", url="/")
    assert events.claim_notices().notices == 0


def test_the_notification_list_names_the_kind_of_a_state_change(client, cycle, agency, staff, snv):
    assignment.create_tasks(cycle, lead_agencies=[agency], title="Rà soát", deadline=dt.date(2021, 12, 31), user=snv)
    client.force_login(staff)
    page = client.get(reverse("remediation:notification-list")).content.decode()
    assert str(NoticeKind.TASK_ASSIGNED.label) in page and "task_assigned" not in page


def _claimed_long_ago(minutes: int = 30) -> None:
    from django.utils import timezone

    Notification.objects.filter(email_claimed_at__isnull=False).update(
        email_claimed_at=timezone.now() - dt.timedelta(minutes=minutes)
    )


def test_a_failed_mail_is_retried_by_beat_and_delivered_exactly_once(
    eager, django_capture_on_commit_callbacks, monkeypatch, cycle, agency, staff, snv
):
    assignment.create_tasks(cycle, lead_agencies=[agency], title="Rà soát", deadline=dt.date(2021, 12, 31), user=snv)
    monkeypatch.setattr(events, "deliver", lambda message: "SMTPServerDisconnected: down")
    with django_capture_on_commit_callbacks(execute=True):
        tasks.send_notice_digests()
    assert not mail.outbox
    monkeypatch.undo()
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.retry_stale_claims() == 0  # within the stale window: not yet
    _claimed_long_ago()
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.retry_stale_claims() == 1
    assert [m.to for m in mail.outbox] == [[staff.email]]
    _claimed_long_ago()
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.retry_stale_claims() == 0  # sent: never again
        assert tasks.send_notice_digests().notices == 0
    assert len(mail.outbox) == 1


def test_a_lost_claim_is_taken_over_and_a_late_mail_of_the_old_run_sends_nothing(
    eager, django_capture_on_commit_callbacks, cycle, agency, staff, snv
):
    """The claim committed but its mail never ran (the broker went down): beat sends it once."""
    assignment.create_tasks(cycle, lead_agencies=[agency], title="Rà soát", deadline=dt.date(2021, 12, 31), user=snv)
    lost = events.claim_notices()  # claimed, nothing enqueued
    assert lost.recipient_ids == [staff.pk]
    _claimed_long_ago()
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.retry_stale_claims() == 1
    assert len(mail.outbox) == 1
    assert tasks.send_notice_digest(staff.pk, str(lost.token)) == "nothing"  # the old run's mail, late
    assert len(mail.outbox) == 1
    assert Notification.objects.get(recipient=staff).emailed_at is not None


def test_notices_never_claimed_wait_for_the_daily_run(eager, cycle, agency, staff, snv):
    assignment.create_tasks(cycle, lead_agencies=[agency], title="Rà soát", deadline=dt.date(2021, 12, 31), user=snv)
    assert events.take_over_notice_claims(dt.timedelta(0)).notices == 0


def test_api_service_accounts_get_no_notice_and_never_stand_in_for_an_agencys_people(cycle, agency, leader, snv):
    """An agency token's account is a staff member of its agency (it reads like one), but nobody to notify:
    the notices go to the people, and the reminders of an agency whose only staff is that account go
    to its leader, as for an agency without staff."""
    from compilation.api.tokens import issue_token
    from remediation.reminders import Directory

    agency_token = issue_token(name="Cổng dịch vụ công", scope="agency", agency=agency, by=snv).token
    province_token = issue_token(name="Hệ thống báo cáo", scope="snv_write", agency=None, by=snv).token
    assert agency_token.user.is_service_account and province_token.user.is_service_account
    assignment.create_tasks(cycle, lead_agencies=[agency], title="Rà soát", deadline=dt.date(2021, 12, 31), user=snv)
    assert {n.recipient for n in Notification.objects.filter(kind=NoticeKind.TASK_ASSIGNED)} == {leader}
    directory = Directory.load()
    assert directory.regular(agency.pk) == [leader.pk]
    assert directory.snv == [snv.pk]
