"""The report page: every task's result, causes written right there, confirmation and a receipt (issue 14, §4)."""

import datetime as dt

import pytest
from django.urls import reverse

from remediation.models import AgencyReport, Notification, ReportStatus
from remediation.notices import NoticeKind
from tests.factories import TaskFactory

pytestmark = pytest.mark.django_db
EDIT = reverse("remediation:report-edit")
CAUSES = reverse("remediation:report-causes")
NARRATIVE = "Đơn vị đã khắc phục các tồn tại."


@pytest.fixture
def overdue(cycle, agency):
    return TaskFactory(cycle=cycle, lead_agency=agency, deadline=dt.date(2021, 11, 1), title="Rà soát TTHC")


@pytest.fixture
def not_yet_due(cycle, agency):
    return TaskFactory(cycle=cycle, lead_agency=agency, deadline=dt.date(2021, 12, 31), title="Số hóa hồ sơ")


def test_the_page_lists_every_task_with_a_cause_field_only_where_one_is_required(client, staff, overdue, not_yet_due):
    client.force_login(staff)
    page = client.get(EDIT).content.decode()
    assert "Rà soát TTHC" in page and "Số hóa hồ sơ" in page
    assert f'name="cause_{overdue.pk}"' in page
    assert f'name="cause_{not_yet_due.pk}"' not in page


def test_causes_written_on_the_report_page_are_saved_to_the_tasks_with_history(client, staff, overdue):
    client.force_login(staff)
    response = client.post(
        CAUSES, {f"cause_{overdue.pk}": "Chờ hướng dẫn của Bộ", f"version_{overdue.pk}": overdue.version}
    )
    assert response.status_code == 302
    overdue.refresh_from_db()
    assert overdue.cause == "Chờ hướng dẫn của Bộ" and overdue.version == 2
    assert overdue.history.filter(history_change_reason="cause (report page)", history_user=staff).exists()


def test_a_stale_cause_is_refused_not_overwritten(client, staff, overdue):
    client.force_login(staff)
    response = client.post(CAUSES, {f"cause_{overdue.pk}": "Nguyên nhân", f"version_{overdue.pk}": 99})
    assert response.status_code == 409
    overdue.refresh_from_db()
    assert overdue.cause == ""


def test_another_agency_cannot_write_causes_of_our_tasks(client, other_user, overdue):
    client.force_login(other_user)
    client.post(CAUSES, {f"cause_{overdue.pk}": "x", f"version_{overdue.pk}": overdue.version})
    overdue.refresh_from_db()
    assert overdue.cause == ""


def test_submission_is_refused_while_a_cause_is_missing(client, leader, overdue):
    client.force_login(leader)
    client.get(EDIT)
    response = client.post(EDIT, {"version": 1, "narrative": NARRATIVE, "submit": "1"})
    assert response.status_code == 400
    assert "Rà soát TTHC" in response.content.decode()
    assert AgencyReport.objects.get().status == ReportStatus.DRAFT


def test_submitting_asks_for_confirmation_first(client, leader, not_yet_due):
    client.force_login(leader)
    client.get(EDIT)
    response = client.post(EDIT, {"version": 1, "narrative": NARRATIVE, "submit": "1"})
    assert response.status_code == 200 and 'id="confirm-submit"' in response.content.decode()
    assert AgencyReport.objects.get().status == ReportStatus.DRAFT


def test_confirmed_submission_returns_a_receipt_that_snvs_inbox_shows(client, leader, snv, not_yet_due):
    client.force_login(leader)
    client.get(EDIT)
    response = client.post(EDIT, {"version": 1, "narrative": NARRATIVE, "submit": "1", "confirm": "1"}, follow=True)
    report = AgencyReport.objects.get()
    assert report.status == ReportStatus.SUBMITTED and report.receipt_number
    page = response.content.decode()
    assert report.receipt_number in page and 'id="receipt"' in page
    notice = Notification.objects.get(recipient=snv, kind=NoticeKind.REPORT_SUBMITTED)
    assert report.receipt_number in notice.title
    client.force_login(snv)
    assert report.receipt_number in client.get(reverse("remediation:report-inbox")).content.decode()


def test_a_resubmission_gets_a_new_receipt(client, leader, snv, not_yet_due):
    from remediation import services

    report = services.report_for(not_yet_due.cycle, not_yet_due.lead_agency)
    first = services.submit_report(report.pk, leader, narrative=NARRATIVE).receipt_number
    services.review_report(report.pk, snv, accept=False, comment="Bổ sung số liệu")
    second = services.submit_report(report.pk, leader).receipt_number
    assert first != second


# --- the leader's home: "việc cần làm ngay" ------------------------------------------------


def test_home_leads_with_what_to_do_now(client, leader, snv, overdue, not_yet_due, settings):
    from remediation import extensions, verification

    settings.CLOCK_PIN = "2021-11-15"
    done = TaskFactory(
        cycle=overdue.cycle,
        lead_agency=overdue.lead_agency,
        completed_on=dt.date(2021, 11, 5),
        title="Ban hành quy chế",
    )
    verification.send_back_completion(done.pk, snv, reason="Thiếu văn bản")
    ext = extensions.request_extension(not_yet_due.pk, leader, proposed=dt.date(2022, 1, 31), reason="Chờ kinh phí")
    extensions.decide_extension(ext.pk, snv, approve=False, comment="Không đủ căn cứ")
    client.force_login(leader)
    page = client.get(reverse("compilation:home")).content.decode()
    act_now = page[page.index('id="act-now"') : page.index("status-counts")]
    assert 'data-act="report"' in act_now
    assert 'data-act="no-cause"' in act_now and "Rà soát TTHC" in act_now
    assert 'data-act="sent-back"' in act_now and "Thiếu văn bản" in act_now
    assert 'data-act="extension"' in act_now and "Không đủ căn cứ" in act_now


def test_an_overdue_task_with_a_cause_leaves_the_to_do_list(client, leader, overdue):
    overdue.cause = "Chờ hướng dẫn"
    overdue.save()
    client.force_login(leader)
    page = client.get(reverse("compilation:home")).content.decode()
    assert 'data-act="no-cause"' not in page
