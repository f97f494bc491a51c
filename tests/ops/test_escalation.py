"""Crafted requests: staff cannot raise their rights or touch another agency's data."""

import pytest
from django.urls import reverse

from agencies.models import ProvinceRole, User
from parindex.models import Score
from remediation.models import AgencyReport, ReportStatus, Task
from tests.factories import AgencyReportFactory, CriterionFactory, ScoreFactory, TaskFactory

pytestmark = pytest.mark.django_db


def test_hidden_and_extra_fields_cannot_reassign_or_finish_a_task(client, staff, agency, other_agency, cycle):
    task = TaskFactory(cycle=cycle, lead_agency=agency)
    client.force_login(staff)
    client.post(
        reverse("remediation:task-progress", args=[task.pk]),
        {
            "version": 1,
            "percent": 20,
            "note": "x",
            "reported_on": "10/11/2021",
            "lead_agency": other_agency.pk,
            "completed_on": "10/11/2021",
            "cycle": 999,
            "progress": 100,
        },
    )
    task.refresh_from_db()
    assert (task.lead_agency, task.completed_on, task.progress) == (agency, None, 20)


def test_a_task_id_of_another_agency_is_not_found(client, staff, other_agency, cycle):
    foreign = TaskFactory(cycle=cycle, lead_agency=other_agency)
    client.force_login(staff)
    for name in ("remediation:task-progress", "remediation:task-complete", "remediation:task-cause"):
        response = client.post(
            reverse(name, args=[foreign.pk]),
            {"version": 1, "percent": 10, "note": "x", "reported_on": "10/11/2021", "cause": "x"},
        )
        assert response.status_code == 404
    foreign.refresh_from_db()
    assert foreign.version == 1 and foreign.progress == 0


def test_staff_cannot_set_their_report_status(client, staff, agency, cycle):
    client.force_login(staff)
    client.get(reverse("remediation:report-edit"))
    client.post(
        reverse("remediation:report-edit"), {"version": 1, "narrative": "x", "status": "accepted", "reviewed_by": 1}
    )
    report = AgencyReport.objects.get(agency=agency)
    assert report.status == ReportStatus.DRAFT and report.reviewed_by is None


def test_staff_cannot_review_even_their_own_report(client, leader, agency, cycle):
    report = AgencyReportFactory(cycle=cycle, agency=agency, status=ReportStatus.SUBMITTED, narrative="x")
    client.force_login(leader)
    response = client.post(reverse("remediation:report-review", args=[report.pk]), {"version": 1, "accept": "1"})
    assert response.status_code == 404
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED


def test_staff_cannot_edit_a_score(client, staff, cycle):
    score = ScoreFactory(cycle=cycle, criterion=CriterionFactory(), self_score=0)
    client.force_login(staff)
    url = reverse("compilation:criterion-detail", args=[cycle.year, score.criterion.pk])
    response = client.post(url, {"self_score": "1", "appraised_score": "1", "note": "x"})
    assert response.status_code == 404
    assert Score.objects.get(pk=score.pk).self_score == 0


def test_staff_cannot_reach_the_admin_or_change_roles(client, staff):
    client.force_login(staff)
    url = reverse("admin:agencies_user_change", args=[staff.pk])
    response = client.post(url, {"username": "quynhon", "province_role": ProvinceRole.SNV, "is_superuser": "on"})
    assert response.status_code == 404  # the admin is for administrators only (config/admin_site.py)
    staff.refresh_from_db()
    assert staff.province_role == "" and not staff.is_superuser and not staff.is_staff


def test_staff_cannot_assign_tasks(client, staff, agency, cycle):
    client.force_login(staff)
    response = client.post(
        reverse("remediation:manage-task-create"),
        {"title": "x", "lead_agencies": [agency.pk], "deadline": "31/12/2021"},
    )
    assert response.status_code == 404
    assert not Task.objects.filter(title="x").exists()
    assert User.objects.get(pk=staff.pk).province_role == ""
