"""Deadline extensions: asked by the lead agency, decided by SNV, the original deadline kept (issue 14, §2)."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from remediation import assignment, extensions
from remediation.models import DeadlineExtension, ExtensionState, Notification, Task
from remediation.notices import NoticeKind
from tests.factories import TaskFactory

pytestmark = pytest.mark.django_db
D = dt.date


@pytest.fixture
def task(cycle, agency):
    return TaskFactory(cycle=cycle, lead_agency=agency, deadline=D(2021, 11, 10))


def _approve_on(settings, day, task, user, proposed, deadline=None):
    settings.CLOCK_PIN = day.isoformat()
    ext = extensions.request_extension(task.pk, user[0], proposed=proposed, reason="Chờ ý kiến của Bộ")
    return extensions.decide_extension(ext.pk, user[1], approve=True, comment="Đồng ý", deadline=deadline)


def test_approval_moves_the_deadline_and_keeps_the_original(settings, task, leader, snv, staff):
    _approve_on(settings, D(2021, 11, 5), task, (leader, snv), D(2021, 12, 15))
    task.refresh_from_db()
    assert (task.original_deadline, task.deadline) == (D(2021, 11, 10), D(2021, 12, 15))
    assert Notification.objects.filter(recipient=staff, kind=NoticeKind.EXTENSION_DECIDED).count() == 1


def test_overdue_is_computed_against_the_approved_deadline(settings, task, leader, snv):
    _approve_on(settings, D(2021, 11, 5), task, (leader, snv), D(2021, 12, 15))
    task.refresh_from_db()
    assert task.status_on(D(2021, 11, 15)) != "overdue"
    assert not Task.objects.filter(pk=task.pk).overdue(D(2021, 11, 15)).exists()
    assert Task.objects.filter(pk=task.pk).with_status(D(2021, 11, 15)).get().status == "not_yet_due"
    assert Task.objects.filter(pk=task.pk).status_counts(D(2021, 11, 15))["overdue"] == 0


def test_an_extension_never_rewrites_an_earlier_as_of(settings, task, leader, snv):
    """Decided on 20/11: on 15/11 the task was overdue against 10/11, and stays so when looked at again."""
    _approve_on(settings, D(2021, 11, 20), task, (leader, snv), D(2021, 12, 15))
    task.refresh_from_db()
    assert task.status_on(D(2021, 11, 15)) == "overdue"
    assert Task.objects.filter(pk=task.pk).status_counts(D(2021, 11, 15))["overdue"] == 1
    assert Task.objects.filter(pk=task.pk).overdue(D(2021, 11, 15)).exists()
    assert task.status_on(D(2021, 11, 21)) != "overdue"


def test_done_on_time_is_judged_against_the_deadline_in_force_on_the_completion_date(settings, task, leader, snv):
    _approve_on(settings, D(2021, 11, 5), task, (leader, snv), D(2021, 12, 15))
    Task.objects.filter(pk=task.pk).update(completed_on=D(2021, 12, 1))
    task.refresh_from_db()
    assert task.status_on(D(2021, 12, 31)) == "done_on_time"
    assert Task.objects.filter(pk=task.pk).with_status(D(2021, 12, 31)).get().status == "done_on_time"


def test_an_extension_approved_after_the_completion_does_not_make_it_on_time(settings, task, leader, snv):
    _approve_on(settings, D(2021, 11, 20), task, (leader, snv), D(2021, 12, 15))
    Task.objects.filter(pk=task.pk).update(completed_on=D(2021, 11, 12))
    task.refresh_from_db()
    assert task.status_on(D(2021, 12, 31)) == "done_late"
    assert Task.objects.filter(pk=task.pk).with_status(D(2021, 12, 31)).get().status == "done_late"


def test_snv_may_shorten_the_date_asked(settings, task, leader, snv):
    ext = _approve_on(settings, D(2021, 11, 5), task, (leader, snv), D(2021, 12, 31), deadline=D(2021, 12, 1))
    assert ext.approved_deadline == D(2021, 12, 1)
    task.refresh_from_db()
    assert task.deadline == D(2021, 12, 1)


def test_a_refusal_needs_a_comment_and_leaves_the_deadline(task, leader, snv):
    ext = extensions.request_extension(task.pk, leader, proposed=D(2021, 12, 15), reason="Thiếu kinh phí")
    with pytest.raises(ValidationError):
        extensions.decide_extension(ext.pk, snv, approve=False, comment="")
    extensions.decide_extension(ext.pk, snv, approve=False, comment="Không có căn cứ")
    task.refresh_from_db()
    assert task.deadline == D(2021, 11, 10) and task.original_deadline is None
    assert DeadlineExtension.objects.get().state == ExtensionState.REFUSED


def test_only_the_lead_agency_requests_and_only_snv_decides(task, other_user, leader, staff):
    with pytest.raises(PermissionDenied):
        extensions.request_extension(task.pk, other_user, proposed=D(2021, 12, 15), reason="x")
    ext = extensions.request_extension(task.pk, staff, proposed=D(2021, 12, 15), reason="x")
    with pytest.raises(PermissionDenied):
        extensions.decide_extension(ext.pk, leader, approve=True)


def test_a_second_request_waits_for_the_first(task, staff):
    extensions.request_extension(task.pk, staff, proposed=D(2021, 12, 15), reason="x")
    with pytest.raises(ValidationError):
        extensions.request_extension(task.pk, staff, proposed=D(2021, 12, 20), reason="y")


def test_a_task_extended_twice_is_flagged_and_keeps_its_first_deadline(settings, client, task, leader, snv):
    _approve_on(settings, D(2021, 11, 5), task, (leader, snv), D(2021, 11, 30))
    task.refresh_from_db()
    _approve_on(settings, D(2021, 11, 8), task, (leader, snv), D(2021, 12, 20))
    task.refresh_from_db()
    assert (task.original_deadline, task.deadline, extensions.times_extended(task)) == (
        D(2021, 11, 10),
        D(2021, 12, 20),
        2,
    )
    client.force_login(leader)
    page = client.get(reverse("remediation:task-detail", args=[task.pk])).content.decode()
    assert "10/11/2021" in page and "20/12/2021" in page and "data-original-deadline" in page


def test_snvs_own_deadline_edit_keeps_the_original_and_notifies(task, snv, staff):
    assignment.edit_task(task, user=snv, deadline=D(2021, 12, 1))
    task.refresh_from_db()
    assert task.original_deadline == D(2021, 11, 10)
    assert Notification.objects.filter(recipient=staff, kind=NoticeKind.DEADLINE_CHANGED).count() == 1


def test_bulk_deadline_change_keeps_the_original(task, snv):
    assignment.bulk_change([task.pk], user=snv, reason="Lùi hạn chung", deadline=D(2021, 12, 5))
    task.refresh_from_db()
    assert (task.original_deadline, task.deadline) == (D(2021, 11, 10), D(2021, 12, 5))


# --- pages -------------------------------------------------------------------------------


def test_the_agency_requests_from_the_task_page_and_snv_decides_from_the_inbox(client, task, leader, snv):
    client.force_login(leader)
    url = reverse("remediation:extension-request", args=[task.pk])
    assert client.post(url, {"proposed_deadline": "15/12/2021", "reason": "Chờ ý kiến"}).status_code == 302
    ext = DeadlineExtension.objects.get()
    assert ext.proposed_deadline == D(2021, 12, 15)
    client.force_login(snv)
    inbox = client.get(reverse("remediation:report-inbox")).content.decode()
    assert 'data-count="extensions">1<' in inbox
    decided = client.post(
        reverse("remediation:extension-decide", args=[ext.pk]), {"back": "inbox", "approve": "1", "comment": ""}
    )
    assert decided.status_code == 302 and decided["Location"] == reverse("remediation:report-inbox")
    task.refresh_from_db()
    assert task.deadline == D(2021, 12, 15)


def test_an_earlier_proposed_date_is_a_form_error(client, task, leader):
    client.force_login(leader)
    url = reverse("remediation:extension-request", args=[task.pk])
    assert client.post(url, {"proposed_deadline": "01/11/2021", "reason": "x"}).status_code == 400
    assert not DeadlineExtension.objects.exists()


def test_an_agency_cannot_decide(client, task, staff, leader):
    ext = extensions.request_extension(task.pk, staff, proposed=D(2021, 12, 15), reason="x")
    client.force_login(leader)
    assert client.post(reverse("remediation:extension-decide", args=[ext.pk]), {"approve": "1"}).status_code == 404
