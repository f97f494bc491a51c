"""Agency staff log progress, evidence and causes; the lead agency marks done."""

import datetime as dt

import pytest
from django.urls import reverse

from remediation.models import Evidence, ProgressUpdate, Task
from tests.factories import TaskFactory

from . import files

pytestmark = pytest.mark.django_db

AS_OF = dt.date(2021, 11, 15)


@pytest.fixture
def task(cycle, agency):
    return TaskFactory(cycle=cycle, lead_agency=agency, deadline=dt.date(2021, 12, 31))


@pytest.fixture
def overdue_task(cycle, agency):
    return TaskFactory(cycle=cycle, lead_agency=agency, deadline=dt.date(2021, 11, 1))


def progress(client, task, **data):
    payload = {"version": task.version, "percent": 50, "note": "Đã rà soát hồ sơ", "reported_on": "10/11/2021"}
    payload.update(data)
    return client.post(reverse("remediation:task-progress", args=[task.pk]), payload)


def test_staff_logs_progress_with_a_pdf(client, staff, task):
    client.force_login(staff)
    response = progress(client, task, files=[files.pdf()])
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.progress == 50 and task.version == 2
    evidence = Evidence.objects.get()
    assert evidence.original_name == "bao-cao.pdf"
    assert evidence.content_type == "application/pdf"
    assert len(evidence.sha256) == 64
    assert not evidence.file.name.endswith("bao-cao.pdf")  # stored under a generated name
    assert ProgressUpdate.objects.get().reported_on == dt.date(2021, 11, 10)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("virus.exe", files.EXE, "chỉ chấp nhận"),
        ("hoa-don.pdf", files.EXE, "không đúng là tệp PDF"),
        ("anh.png", files.PDF, "không đúng là tệp PNG"),
        ("bang.xlsx", files.office("word/document.xml"), "không đúng là tệp XLSX"),
        ("ghi-chu.txt", b"hello", "chỉ chấp nhận"),
    ],
)
def test_wrong_or_disguised_files_are_refused_and_nothing_saved(client, staff, task, name, content, message):
    client.force_login(staff)
    response = progress(client, task, files=[files.upload(name, content)])
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not ProgressUpdate.objects.exists() and not Evidence.objects.exists()
    task.refresh_from_db()
    assert task.progress == 0 and task.version == 1


def test_docx_xlsx_jpg_and_png_are_accepted(client, staff, task):
    client.force_login(staff)
    uploads = [
        files.upload("ke-hoach.docx", files.office("word/document.xml")),
        files.upload("so-lieu.xlsx", files.office("xl/workbook.xml")),
        files.upload("anh.png", files.PNG),
        files.upload("anh.jpg", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 100),
    ]
    assert progress(client, task, files=uploads).status_code == 302
    assert Evidence.objects.count() == 4


def test_file_over_the_limit_is_refused(client, staff, task, settings):
    settings.EVIDENCE_MAX_BYTES = 100
    client.force_login(staff)
    response = progress(client, task, files=[files.pdf()])
    assert response.status_code == 400
    assert "giới hạn" in response.content.decode()
    assert not Evidence.objects.exists()


@pytest.mark.parametrize("percent", ["-1", "101", "abc"])
def test_percent_outside_0_100_is_refused(client, staff, task, percent):
    client.force_login(staff)
    response = progress(client, task, percent=percent)
    assert response.status_code == 400
    assert not ProgressUpdate.objects.exists()


def test_overdue_task_requires_a_cause(client, staff, overdue_task):
    client.force_login(staff)
    response = progress(client, overdue_task, cause="")
    assert response.status_code == 400
    assert "nguyên nhân" in response.content.decode()
    assert not ProgressUpdate.objects.exists()
    assert progress(client, overdue_task, cause="Thiếu kinh phí").status_code == 302
    overdue_task.refresh_from_db()
    assert overdue_task.cause == "Thiếu kinh phí"


def test_date_in_the_future_is_refused(client, staff, task):
    client.force_login(staff)
    response = progress(client, task, reported_on="01/01/2099")
    assert response.status_code == 400
    assert "tương lai" in response.content.decode()


def test_mark_done_requires_evidence(client, staff, task):
    client.force_login(staff)
    url = reverse("remediation:task-complete", args=[task.pk])
    response = client.post(url, {"version": 1, "completed_on": "12/11/2021", "note": "Xong"})
    assert response.status_code == 400
    assert "ít nhất một tệp" in response.content.decode()
    task.refresh_from_db()
    assert task.completed_on is None
    response = client.post(url, {"version": 1, "completed_on": "12/11/2021", "note": "Xong", "files": [files.pdf()]})
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.completed_on == dt.date(2021, 11, 12) and task.progress == 100
    assert task.status_on(AS_OF) == "done_on_time"


def test_mark_done_after_the_deadline_requires_a_cause(client, staff, overdue_task):
    client.force_login(staff)
    url = reverse("remediation:task-complete", args=[overdue_task.pk])
    data = {"version": 1, "completed_on": "12/11/2021", "note": "Xong", "files": [files.pdf()]}
    response = client.post(url, data)
    assert response.status_code == 400
    assert not Evidence.objects.exists()
    data["files"] = [files.pdf()]
    data["cause"] = "Chờ ý kiến của Sở Tài chính"
    assert client.post(url, data).status_code == 302
    overdue_task.refresh_from_db()
    assert overdue_task.status_on(AS_OF) == "done_late"


def test_completion_before_the_task_existed_is_refused(client, staff, task):
    client.force_login(staff)
    url = reverse("remediation:task-complete", args=[task.pk])
    response = client.post(url, {"version": 1, "completed_on": "01/01/2020", "note": "x", "files": [files.pdf()]})
    assert response.status_code == 400
    assert "trước khi nhiệm vụ" in response.content.decode()


def test_coordinating_agency_logs_progress_but_cannot_mark_done(client, other_user, task, other_agency):
    task.coordinating_agencies.add(other_agency)
    client.force_login(other_user)
    assert progress(client, task, files=[files.pdf()]).status_code == 302
    url = reverse("remediation:task-complete", args=[task.pk])
    response = client.post(url, {"version": 2, "completed_on": "12/11/2021", "note": "x", "files": [files.pdf()]})
    assert response.status_code == 404
    task.refresh_from_db()
    assert task.completed_on is None
    assert "chỉ cơ quan chủ trì" in client.get(reverse("remediation:task-detail", args=[task.pk])).content.decode()


def test_lead_declares_task_cannot_be_finished_with_cause(client, staff, task):
    client.force_login(staff)
    url = reverse("remediation:task-cause", args=[task.pk])
    assert client.post(url, {"version": 1, "cause": "", "cannot_finish": "on"}).status_code == 400
    assert client.post(url, {"version": 1, "cause": "Vướng quy định", "cannot_finish": "on"}).status_code == 302
    task.refresh_from_db()
    assert task.cannot_finish and task.cause == "Vướng quy định"


def test_second_save_of_a_stale_form_is_refused_with_what_changed(client, staff, leader, task):
    client.force_login(leader)
    assert progress(client, task, percent=30).status_code == 302  # leader saves first (version 1 -> 2)
    client.force_login(staff)
    response = progress(client, task, percent=70, version=1)  # staff's form still says version 1
    body = response.content.decode()
    assert response.status_code == 409
    assert "Người khác đã lưu" in body
    assert "30" in body  # what changed: progress 0 -> 30
    task.refresh_from_db()
    assert task.progress == 30 and ProgressUpdate.objects.count() == 1


def test_history_keeps_every_change_with_who(client, staff, task):
    client.force_login(staff)
    progress(client, task, percent=20)
    task.refresh_from_db()
    progress(client, task, percent=40)
    records = list(task.history.order_by("history_date"))
    assert [r.progress for r in records] == [0, 20, 40]
    assert records[-1].history_user == staff
    page = client.get(reverse("remediation:task-detail", args=[task.pk])).content.decode()
    assert "Lịch sử thay đổi" in page


def test_task_page_shows_sub_criteria_with_max_and_score(client, demo):
    from agencies.models import User

    quynhon = User.objects.get(username="quynhon")
    task = Task.objects.filter(lead_agency__code="quynhon").first()
    client.force_login(quynhon)
    body = client.get(reverse("remediation:task-detail", args=[task.pk])).content.decode()
    code = task.sub_criteria.first().code
    assert code in body and "Tiêu chí thành phần" in body
