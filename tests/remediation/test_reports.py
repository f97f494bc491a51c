"""The agency's report: staff draft, the leader submits, SNV accepts or returns."""

import datetime as dt

import pytest
from django.urls import reverse

from remediation.models import AgencyReport, ReportStatus
from tests.factories import AgencyReportFactory, TaskFactory

pytestmark = pytest.mark.django_db

EDIT = reverse("remediation:report-edit")


def save(client, version=1, submit=False, narrative="Đơn vị đã khắc phục các tồn tại."):
    data = {"version": version, "narrative": narrative}
    if submit:
        data["submit"] = "1"
        data["confirm"] = "1"  # the confirmation step (issue 14) is tested in test_report_page.py
    return client.post(EDIT, data)


def test_staff_drafts_the_report(client, staff, cycle):
    client.force_login(staff)
    assert client.get(EDIT).status_code == 200
    assert save(client).status_code == 302
    report = AgencyReport.objects.get()
    assert report.status == ReportStatus.DRAFT and report.narrative.startswith("Đơn vị")


def test_staff_cannot_submit(client, staff, cycle):
    client.force_login(staff)
    client.get(EDIT)
    response = save(client, submit=True)
    assert response.status_code == 403
    assert "Chỉ lãnh đạo" in response.content.decode()
    assert AgencyReport.objects.get().status == ReportStatus.DRAFT


def test_leader_submits_and_tasks_are_frozen(client, leader, cycle, agency):
    TaskFactory(cycle=cycle, lead_agency=agency, title="Nhiệm vụ A")
    client.force_login(leader)
    client.get(EDIT)
    assert save(client, submit=True).status_code == 302
    report = AgencyReport.objects.get()
    assert report.status == ReportStatus.SUBMITTED and report.submitted_by == leader
    assert [t["title"] for t in report.snapshot["tasks"]] == ["Nhiệm vụ A"]


def test_report_submitted_twice_is_refused(client, leader, cycle):
    client.force_login(leader)
    client.get(EDIT)
    save(client, submit=True)
    response = save(client, version=2, submit=True)
    assert response.status_code == 400
    assert "đã được gửi" in response.content.decode()
    assert AgencyReport.objects.get().version == 2


def test_submitted_report_is_read_only(client, staff, leader, cycle):
    client.force_login(leader)
    client.get(EDIT)
    save(client, submit=True)
    client.force_login(staff)
    response = save(client, version=2, narrative="Sửa sau khi gửi")
    assert response.status_code == 400
    assert AgencyReport.objects.get().narrative == "Đơn vị đã khắc phục các tồn tại."


def test_submit_requires_causes_of_overdue_tasks(client, leader, cycle, agency):
    TaskFactory(cycle=cycle, lead_agency=agency, title="Quá hạn chưa giải trình", deadline=dt.date(2021, 11, 1))
    client.force_login(leader)
    client.get(EDIT)
    response = save(client, submit=True)
    assert response.status_code == 400
    assert "Quá hạn chưa giải trình" in response.content.decode()
    assert AgencyReport.objects.get().status == ReportStatus.DRAFT


def test_empty_narrative_cannot_be_submitted(client, leader, cycle):
    client.force_login(leader)
    client.get(EDIT)
    assert save(client, submit=True, narrative="  ").status_code == 400


def test_snv_returns_with_comment_and_agency_sees_it(client, snv, staff, cycle, agency):
    report = AgencyReportFactory(cycle=cycle, agency=agency, status=ReportStatus.SUBMITTED, narrative="x")
    client.force_login(snv)
    url = reverse("remediation:report-review", args=[report.pk])
    assert client.post(url, {"version": 1, "comment": "", "return": "1"}).status_code == 400
    assert client.post(url, {"version": 1, "comment": "Bổ sung nguyên nhân", "return": "1"}).status_code == 302
    report.refresh_from_db()
    assert report.status == ReportStatus.RETURNED and report.reviewed_by == snv
    client.force_login(staff)
    assert "Bổ sung nguyên nhân" in client.get(EDIT).content.decode()
    assert save(client, version=2, narrative="Đã bổ sung").status_code == 302  # editable again


def test_snv_accepts(client, snv, cycle, agency):
    report = AgencyReportFactory(cycle=cycle, agency=agency, status=ReportStatus.SUBMITTED, narrative="x")
    client.force_login(snv)
    client.post(reverse("remediation:report-review", args=[report.pk]), {"version": 1, "accept": "1"})
    report.refresh_from_db()
    assert report.status == ReportStatus.ACCEPTED


def test_chairman_office_cannot_review(client, chairman_office, cycle, agency):
    report = AgencyReportFactory(cycle=cycle, agency=agency, status=ReportStatus.SUBMITTED, narrative="x")
    client.force_login(chairman_office)
    response = client.post(reverse("remediation:report-review", args=[report.pk]), {"version": 1, "accept": "1"})
    assert response.status_code == 404
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED


def test_inbox_shows_every_state(client, demo):
    from agencies.models import User

    client.force_login(User.objects.get(username="snv"))
    body = client.get(reverse("remediation:report-inbox")).content.decode()
    for label in ["Chưa báo cáo", "Đang dự thảo", "Đã gửi đúng hạn", "Bị trả lại", "Đã tiếp nhận"]:
        assert label in body
    filtered = client.get(reverse("remediation:report-inbox") + "?state=returned").content.decode()
    assert "Đã tiếp nhận</span></td>" not in filtered


def test_late_submission_is_flagged(client, snv, cycle, agency):
    from django.utils import timezone

    late = timezone.make_aware(dt.datetime(2021, 11, 16, 9, 0))
    AgencyReportFactory(cycle=cycle, agency=agency, status=ReportStatus.SUBMITTED, submitted_at=late, narrative="x")
    client.force_login(snv)
    assert (
        "Đã gửi quá hạn" in client.get(reverse("remediation:report-inbox") + "?state=submitted_late").content.decode()
    )
