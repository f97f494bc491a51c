"""The digest through a real SMTP server on loopback (aiosmtpd), and an SMTP outage."""

import datetime as dt
from email import message_from_bytes, policy

import pytest
from django.utils import translation
from django.utils.translation import ngettext

from config.celery_app import app as celery_app
from remediation import tasks
from remediation.models import Notification, Reminder, ReminderState
from tests.factories import CycleFactory, TaskFactory

pytestmark = [pytest.mark.topology, pytest.mark.django_db, pytest.mark.timeout(120)]

D = dt.date(2021, 11, 15)


@pytest.fixture(autouse=True)
def eager_celery():
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


@pytest.fixture
def due(agency, staff, leader, other_user):
    """Two tasks of Quy Nhơn due in 3 days; An Nhơn coordinates one of them."""
    for user in (staff, leader, other_user):
        user.email = f"{user.username}@binhdinh.gov.vn"
        user.save()
    cycle = CycleFactory(report_deadline=dt.date(2022, 6, 30), self_assessment_date=dt.date(2022, 9, 30))
    first = TaskFactory(cycle=cycle, lead_agency=agency, deadline=D, title="Công bố, công khai thủ tục hành chính")
    first.coordinating_agencies.add(other_user.agency)
    TaskFactory(cycle=cycle, lead_agency=agency, deadline=D, title="Số hóa hồ sơ, kết quả giải quyết TTHC")
    return first


def sweep(capture, as_of: dt.date):
    with capture(execute=True):
        return tasks.send_due_reminders(as_of=as_of)


def parsed(envelope):
    return message_from_bytes(envelope.content, policy=policy.default)


def test_digest_reaches_a_real_smtp_server_in_vietnamese(
    due, smtp_server, smtp_settings, django_capture_on_commit_callbacks
):
    smtp_server.start()
    sweep(django_capture_on_commit_callbacks, D - dt.timedelta(days=3))
    by_rcpt = {env.rcpt_tos[0]: parsed(env) for env in smtp_server.inbox.envelopes}
    assert set(by_rcpt) == {"quynhon@binhdinh.gov.vn", "annhon@binhdinh.gov.vn"}
    message = by_rcpt["quynhon@binhdinh.gov.vn"]
    with translation.override("vi"):
        expected = ngettext(
            "[PAR Tracker] Reminder of %(date)s: %(counter)s item needs your attention",
            "[PAR Tracker] Reminder of %(date)s: %(counter)s items need your attention",
            2,
        ) % {"date": "12/11/2021", "counter": 2}
    # Django folds a long encoded Subject right after "Subject:", so the unfolded value starts with a space.
    assert message["Subject"].strip() == expected  # the Vietnamese catalogue's subject, decoded
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert "Công bố, công khai thủ tục hành chính" in text and "Số hóa hồ sơ" in text
    assert "Sắp đến hạn" in text and "15/11/2021" in text  # status and deadline, Vietnamese style
    assert f"http://127.0.0.1:8000/tasks/{due.pk}/" in text
    assert f'href="http://127.0.0.1:8000/tasks/{due.pk}/"' in html and 'lang="vi"' in html


def test_smtp_down_loses_nothing_and_sends_once_when_back(
    due, staff, smtp_server, smtp_settings, django_capture_on_commit_callbacks
):
    as_of = D - dt.timedelta(days=3)
    sweep(django_capture_on_commit_callbacks, as_of)  # nothing listens on the port: refused
    failed = Reminder.objects.filter(state=ReminderState.FAILED)
    assert failed.count() == Reminder.objects.count() == 3
    assert all(r.attempts == 1 and r.last_error for r in failed)
    assert Notification.objects.filter(recipient=staff).count() == 2  # the in-app list does not wait

    smtp_server.start()
    rerun = sweep(django_capture_on_commit_callbacks, as_of)
    assert (rerun.reminders, rerun.recipients) == (3, 2)
    assert len(smtp_server.inbox.envelopes) == 2  # one digest per recipient
    assert set(Reminder.objects.values_list("state", "attempts")) == {(ReminderState.SENT, 2)}

    again = sweep(django_capture_on_commit_callbacks, as_of)
    assert again.reminders == 0 and len(smtp_server.inbox.envelopes) == 2
    assert Notification.objects.filter(recipient=staff).count() == 2
