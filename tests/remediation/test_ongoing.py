"""Issue 15 §2, "Thường xuyên": a standing task has no deadline and the status "ongoing".

The rule, decided here and held by these tests:
- an open task with no deadline is ONGOING, in Python and in SQL alike; it is never due soon nor
  overdue, gets no deadline reminder and no calendar event, and cannot ask for an extension;
- completed, it is done on time: there was no date to miss;
- it is counted apart: ``tasks["ongoing"]`` in the headline (and so on the dashboard and in the
  PDF), inside "open" (it is not done) but not in "overdue";
- an agency's completion rate leaves open ongoing tasks out of its denominator: they are reported on
  with the agency report at the cycle's report deadline, not finished by a date, so they neither
  raise nor lower the rate; once done they count as done;
- the Excel export writes "Thường xuyên" in the deadline column and a re-import reads it back as
  ongoing, changing nothing; carrying a task to the next cycle keeps it ongoing.
"""

import datetime as dt
import io
import re

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation
from icalendar import Calendar
from openpyxl.styles import Alignment, Font
from pypdf import PdfReader

from agencies.models import AgencyKind
from compilation import figures
from compilation.api import tokens
from compilation.consolidated import document
from compilation.excel.exporting import export_workbook
from compilation.excel.importing import run_import
from compilation.excel.workbook import ONGOING, parse_deadline
from compilation.models import ApiScope
from config.celery_app import app as celery_app
from remediation import extensions, services, tasks
from remediation.assignment import carry_open_tasks
from remediation.models import Notification, Reminder, Task
from remediation.status import TaskStatus, task_status
from tests.factories import AgencyFactory, AgencyReportFactory, CycleFactory, TaskFactory

pytestmark = pytest.mark.django_db

AS_OF = dt.date(2021, 11, 15)  # CycleFactory's reference date and report deadline


@pytest.fixture
def eager_celery():
    """Run the digests in-process, as tests/remediation/test_reminders.py does."""
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


@pytest.fixture
def ongoing(cycle, agency):
    return TaskFactory(cycle=cycle, lead_agency=agency, deadline=None, title="Tuyên truyền cải cách hành chính")


# ----------------------------------------------------------------- the status


@pytest.mark.parametrize(
    ("as_of", "completed_on", "progress", "expected"),
    [
        (dt.date(2021, 1, 1), None, 0, TaskStatus.ONGOING),
        (dt.date(2030, 1, 1), None, 60, TaskStatus.ONGOING),  # years on: still not overdue
        (dt.date(2021, 11, 20), dt.date(2021, 11, 20), 100, TaskStatus.DONE_ON_TIME),
        (dt.date(2021, 11, 10), dt.date(2021, 11, 20), 100, TaskStatus.ONGOING),  # completed after the as-of date
    ],
)
def test_a_task_without_deadline_is_ongoing_until_done(as_of, completed_on, progress, expected):
    assert task_status(None, completed_on, as_of, progress) == expected


def test_sql_status_of_an_ongoing_task_matches_python(ongoing):
    done = TaskFactory(cycle=ongoing.cycle, lead_agency=ongoing.lead_agency, deadline=None, completed_on=AS_OF)
    for task, expected in ((ongoing, TaskStatus.ONGOING), (done, TaskStatus.DONE_ON_TIME)):
        assert Task.objects.with_status(AS_OF).get(pk=task.pk).status == expected == task.status_on(AS_OF)
    assert list(Task.objects.overdue(dt.date(2030, 1, 1))) == []
    assert list(Task.objects.due_within(3650, AS_OF)) == []
    assert list(Task.objects.ongoing(AS_OF)) == [ongoing]
    assert ongoing.days_left(AS_OF) is None


def test_ongoing_tasks_sort_after_the_dated_ones(ongoing):
    dated = TaskFactory(cycle=ongoing.cycle, lead_agency=ongoing.lead_agency, deadline=dt.date(2022, 6, 30))
    assert list(Task.objects.filter(cycle=ongoing.cycle)) == [dated, ongoing]


# ----------------------------------------------------------------- the counts


def test_counts_keep_ongoing_apart_and_out_of_the_completion_rate(cycle, agency, ongoing):
    """Three tasks of one agency: one done on time, one overdue, one ongoing. The ongoing one is in
    "open", not in "overdue"; the rate is 1 done of the 2 that have a date (50,00%), not 1 of 3."""
    TaskFactory(cycle=cycle, lead_agency=agency, deadline=dt.date(2021, 11, 1), completed_on=dt.date(2021, 10, 30))
    TaskFactory(cycle=cycle, lead_agency=agency, deadline=dt.date(2021, 11, 1))
    counts = figures.headline(cycle, AS_OF).tasks
    assert (counts["total"], counts["ongoing"], counts["overdue"], counts["done_on_time"], counts["open"]) == (
        3,
        1,
        1,
        1,
        2,
    )
    assert Task.objects.filter(cycle=cycle).status_counts(AS_OF) == counts
    row = next(r for r in figures.agency_table(cycle, AS_OF) if r.agency_id == agency.pk)
    assert (row.total, row.ongoing, row.overdue, str(row.completion_rate)) == (3, 1, 1, "50.00")
    scan_rows, scan_counts = figures._task_scan(cycle, AS_OF)
    assert scan_counts == counts and scan_rows[agency.pk]["ongoing"] == 1


def test_the_dashboard_shows_the_ongoing_card(client, snv, cycle, ongoing):
    client.force_login(snv)
    body = client.get(reverse("compilation:dashboard"), {"cycle": cycle.year}).content.decode()
    card = re.search(r'id="fig-ongoing">\s*<a class="[^"]*" href="([^"]+)">\s*<div class="figure">(\d+)</div>'
                     r'<div class="label">([^<]+)</div>', body)  # fmt: skip
    assert card is not None
    assert card.group(2) == "1" and card.group(3) == "Thường xuyên"
    assert "status=ongoing" in card.group(1)


# ----------------------------------------------------------------- the pages


def test_the_task_list_and_page_show_thuong_xuyen(client, staff, ongoing):
    client.force_login(staff)
    listed = client.get(reverse("remediation:task-list"), {"cycle": ongoing.cycle.year}).content.decode()
    assert "Thời hạn: Thường xuyên" in listed
    assert '<span class="badge text-bg-light border">Thường xuyên</span>' in listed
    filtered = client.get(reverse("remediation:task-list"), {"cycle": ongoing.cycle.year, "status": "ongoing"})
    assert [t.pk for t in filtered.context["page"]] == [ongoing.pk]
    page = client.get(reverse("remediation:task-detail", args=[ongoing.pk])).content.decode()
    # The deadline line: "Thường xuyên" and why, with no "N ngày nữa" / "quá hạn N ngày" after it.
    deadline = re.search(r'<dd class="col-7 col-sm-8">(Thường xuyên <span[^>]*data-ongoing>[^<]*</span>)</dd>', page)
    assert deadline is not None
    assert "không có thời hạn: báo cáo cùng báo cáo của cơ quan, đơn vị" in deadline.group(1)
    assert 'action="' + reverse("remediation:extension-request", args=[ongoing.pk]) not in page


def test_snv_creates_an_ongoing_task_from_the_form(client, snv, cycle, agency, staff):
    client.force_login(snv)
    url = reverse("remediation:manage-task-create")
    data = {"cycle": "2021", "title": "Duy trì ISO", "source_document": "Báo cáo 117/BC-SNV",
            "lead_agencies": [agency.pk]}  # fmt: skip
    neither = client.post(url, data)
    assert neither.status_code == 200 and not Task.objects.exists()
    assert "Đề nghị nhập thời hạn, hoặc chọn “Thường xuyên (không có thời hạn)”." in neither.content.decode()
    both = client.post(url, {**data, "deadline": "31/12/2021", "ongoing": "on"})
    assert both.status_code == 200 and not Task.objects.exists()
    assert "Nhiệm vụ thường xuyên không có thời hạn" in both.content.decode()
    created = client.post(url, {**data, "ongoing": "on"})
    assert created.status_code == 302
    task = Task.objects.get(title="Duy trì ISO")
    assert task.deadline is None and task.lead_agency == agency
    notice = Notification.objects.get(recipient=staff, title__contains="Duy trì ISO")
    assert notice.title.endswith("Thường xuyên")  # "New task: …, deadline Thường xuyên", not a date


def test_snv_turns_a_dated_task_into_an_ongoing_one_and_back(client, snv, cycle, agency):
    task = TaskFactory(cycle=cycle, lead_agency=agency, deadline=dt.date(2021, 12, 31), title="Rà soát")
    client.force_login(snv)
    url = reverse("remediation:manage-task-edit", args=[task.pk])
    form = client.get(url).context["form"]
    assert form.initial["ongoing"] is False
    data = {"title": "Rà soát", "source_document": "Báo cáo 117/BC-SNV", "lead_agency": agency.pk,
            "version": task.version, "ongoing": "on", "reason": "Nhiệm vụ thường xuyên"}  # fmt: skip
    assert client.post(url, data).status_code == 302
    task.refresh_from_db()
    assert task.deadline is None and task.original_deadline == dt.date(2021, 12, 31)
    assert client.get(url).context["form"].initial["ongoing"] is True


# ----------------------------------------------------------------- reminders, calendar, extensions


def test_no_reminder_before_or_after_for_an_ongoing_task(
    cycle, ongoing, staff, eager_celery, django_capture_on_commit_callbacks
):
    cycle.report_deadline = dt.date(2022, 6, 30)  # far away: only task reminders could be due
    cycle.save()
    staff.email = "quynhon@example.vn"
    staff.save()
    for day in (dt.date(2021, 1, 1), AS_OF, dt.date(2021, 12, 31), dt.date(2023, 3, 1)):
        with django_capture_on_commit_callbacks(execute=True):
            tasks.send_due_reminders(as_of=day, cycle=cycle)
    assert not Reminder.objects.filter(task=ongoing).exists()


def test_the_report_reminder_names_the_ongoing_tasks(
    cycle, agency, staff, ongoing, eager_celery, django_capture_on_commit_callbacks
):
    """Reported at the cycle's report deadline: the agency's report reminder counts its ongoing tasks."""
    staff.email = "quynhon@example.vn"
    staff.save()
    with translation.override("vi"), django_capture_on_commit_callbacks(execute=True):
        tasks.send_due_reminders(as_of=AS_OF - dt.timedelta(days=3), cycle=cycle)
    titles = list(Notification.objects.filter(recipient=staff).values_list("title", flat=True))
    assert any("kèm 1 nhiệm vụ thường xuyên cần báo cáo" in t for t in titles), titles


def test_the_calendar_has_no_event_for_an_ongoing_task(client, agency, ongoing):
    ongoing.cycle.is_current = True
    ongoing.cycle.save()
    dated = TaskFactory(cycle=ongoing.cycle, lead_agency=agency, deadline=dt.date(2021, 12, 20))
    response = client.get(reverse("remediation:calendar-feed", args=[agency.calendar_token]))
    uids = {str(e["UID"]) for e in Calendar.from_ical(response.content).walk("VEVENT")}
    assert f"task-{dated.pk}@partracker" in uids and f"task-{ongoing.pk}@partracker" not in uids


def test_an_ongoing_task_cannot_ask_for_an_extension(staff, ongoing):
    with translation.override("vi"), pytest.raises(ValidationError) as caught:
        extensions.request_extension(ongoing.pk, staff, proposed=dt.date(2022, 1, 31), reason="Chờ kinh phí")
    assert "không có thời hạn nên không gia hạn được" in caught.value.messages[0]
    assert not ongoing.extensions.exists()


def test_carrying_to_the_next_cycle_keeps_it_ongoing(cycle, ongoing):
    dated = TaskFactory(cycle=cycle, lead_agency=ongoing.lead_agency, deadline=dt.date(2021, 12, 31))
    following = CycleFactory(year=2022, report_deadline=dt.date(2022, 11, 15))
    assert carry_open_tasks(following, cycle, {}, dt.date(2022, 12, 31), None) == 2
    carried = {t.carried_from_id: t.deadline for t in Task.objects.filter(cycle=following)}
    assert carried == {ongoing.pk: None, dated.pk: dt.date(2022, 12, 31)}


# ----------------------------------------------------------------- Excel in and out


@pytest.mark.parametrize("text", ["Thường xuyên", "THƯỜNG XUYÊN", "thường xuyên.", "Thuong xuyen"])
def test_the_deadline_reader_reads_thuong_xuyen_as_ongoing(text):
    assert parse_deadline(text) is ONGOING


def annex_with_an_ongoing_row() -> bytes:
    """A Report 117 annex as a province lays it out: letterhead and title merged above, the annex's
    columns, the "(1) (2) …" row, a group heading, one dated row and one "Thường xuyên" row, then
    "Nơi nhận:" and the signer."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Phụ lục"
    sheet.append(["UBND TỈNH BÌNH ĐỊNH", None, None, None, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"])
    sheet.append(["SỞ NỘI VỤ", None, None, None, "Độc lập - Tự do - Hạnh phúc"])
    sheet.append(["PHỤ LỤC: NHIỆM VỤ KHẮC PHỤC HẠN CHẾ, TỒN TẠI CHỈ SỐ CCHC NĂM 2020"])
    sheet.append(["(Kèm theo Báo cáo số 117/BC-SNV ngày 07/10/2021 của Sở Nội vụ)"])
    for row in (1, 2):
        sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=4)
        sheet.merge_cells(start_row=row, start_column=5, end_row=row, end_column=8)
    for row in (3, 4):
        sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=8)
        sheet.cell(row, 1).alignment = Alignment(horizontal="center")
        sheet.cell(row, 1).font = Font(bold=True)
    sheet.append(["STT", "Hạn chế, tồn tại", "Nhiệm vụ, giải pháp khắc phục", "Cơ quan chủ trì", "Cơ quan phối hợp",
                  "Thời gian hoàn thành", "Sản phẩm", "Ghi chú"])  # fmt: skip
    sheet.append([f"({n})" for n in range(1, 9)])
    sheet.append(["I", "CÔNG TÁC CHỈ ĐẠO, ĐIỀU HÀNH"])
    sheet.merge_cells(start_row=7, start_column=2, end_row=7, end_column=8)
    sheet.append([1, "Kế hoạch CCHC ban hành chậm", "Ban hành kế hoạch CCHC đúng hạn", "Sở Tư pháp", "Sở Nội vụ",
                  "Quý IV/2021", "Kế hoạch", None])  # fmt: skip
    sheet.append([2, "Tuyên truyền CCHC chưa thường xuyên", "Tuyên truyền CCHC trên cổng thông tin", "Sở Tư pháp",
                  None, "Thường xuyên", "Tin bài", "Báo cáo cùng báo cáo định kỳ"])  # fmt: skip
    sheet.append([])
    sheet.append(["Nơi nhận:", None, None, None, None, "GIÁM ĐỐC"])
    sheet.append(["- UBND tỉnh;"])
    sheet.append(["- Lưu: VT, CCHC."])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.fixture
def departments(cycle):
    return {code: AgencyFactory(code=code, name=name, kind=AgencyKind.DEPARTMENT)
            for code, name in (("stp", "Sở Tư pháp"), ("snv", "Sở Nội vụ"))}  # fmt: skip


def test_the_annex_row_lands_as_ongoing_and_the_export_round_trips(cycle, departments):
    result = run_import(annex_with_an_ongoing_row(), "tasks", cycle)
    assert result.applied and result.problems == [], [str(p) for p in result.problems]
    landed = [(t.title, t.shortcoming, t.lead_agency.code, t.deadline, t.status_on(AS_OF))
              for t in Task.objects.filter(cycle=cycle).order_by("number")]  # fmt: skip
    assert landed == [
        ("Ban hành kế hoạch CCHC đúng hạn", "Kế hoạch CCHC ban hành chậm", "stp", dt.date(2021, 12, 31),
         TaskStatus.NOT_YET_DUE),
        ("Tuyên truyền CCHC trên cổng thông tin", "Tuyên truyền CCHC chưa thường xuyên", "stp", None,
         TaskStatus.ONGOING),
    ]  # fmt: skip

    out = io.BytesIO()
    export_workbook(cycle, AS_OF, out)
    book = openpyxl.load_workbook(io.BytesIO(out.getvalue()))
    sheet = next(s for s in book.worksheets if any(c.value == "Tuyên truyền CCHC trên cổng thông tin"
                                                   for row in s.iter_rows() for c in row))  # fmt: skip
    cells = {c.value: c for row in sheet.iter_rows() for c in row if isinstance(c.value, str)}
    title_row = cells["Tuyên truyền CCHC trên cổng thông tin"].row
    values = [c.value for c in sheet[title_row]]
    assert "Thường xuyên" in values  # the deadline column, and the status column too
    dated_row = cells["Ban hành kế hoạch CCHC đúng hạn"].row
    assert dt.datetime(2021, 12, 31) in [c.value for c in sheet[dated_row]]

    before = list(Task.objects.filter(cycle=cycle).order_by("pk").values_list("pk", "deadline", "version"))
    again = run_import(out.getvalue(), "tasks", cycle, sheet=sheet.title)
    assert again.applied and again.problems == [], [str(p) for p in again.problems]
    assert again.summary.created == {} and again.summary.updated == {}
    assert list(Task.objects.filter(cycle=cycle).order_by("pk").values_list("pk", "deadline", "version")) == before


# ----------------------------------------------------------------- the PDF and the API


def test_the_pdf_annex_shows_thuong_xuyen(cycle, agency, ongoing):
    cycle.reporting_kinds = [AgencyKind.DISTRICT]
    cycle.save()
    TaskFactory(cycle=cycle, lead_agency=agency, deadline=dt.date(2021, 11, 1), title="Số hóa hồ sơ")
    data = document.render_report(cycle, AS_OF, "Đề nghị tiếp tục thực hiện.")
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    annex = text[text.index("PHỤ LỤC") :]
    row = annex[annex.index("Tuyên truyền cải cách hành chính") :][:200]
    assert "Thường xuyên" in row
    summary = " ".join(text[text.index("2. Tình hình thực hiện") :].split())[:700]
    assert "trong đó quá hạn 1; thực hiện thường xuyên" in summary


def test_the_api_lists_it_with_a_null_deadline_and_the_ongoing_status(client, snv, cycle, ongoing):
    token = tokens.issue_token(name="Hệ thống QLVB", scope=ApiScope.PROVINCE_READ, agency=None, by=snv)
    body = client.get(f"/api/v1/tasks/?cycle={cycle.year}&status=ongoing",
                      HTTP_AUTHORIZATION=f"Bearer {token.secret}").json()  # fmt: skip
    [item] = body["results"]
    assert item["id"] == ongoing.pk and item["status"] == "ongoing"
    assert item["deadline_approved"] is None and item["deadline_in_force"] is None
    assert item["deadline_original"] is None
    schema = client.get(reverse("api:schema") + "?format=json").json()
    task = schema["components"]["schemas"]["Task"]["properties"]
    assert task["deadline_in_force"].get("nullable") is True
    status = schema["components"]["schemas"][task["status"]["allOf"][0]["$ref"].rsplit("/", 1)[1]]
    assert "ongoing" in status["enum"]


def test_the_agency_report_lists_the_ongoing_task_with_thuong_xuyen(client, staff, cycle, ongoing):
    """Reported at the cycle's report deadline: the agency's report carries it, its deadline "Thường xuyên"."""
    cycle.is_current = True
    cycle.save()
    client.force_login(staff)
    page = client.get(reverse("remediation:report-edit")).content.decode()
    row = page[page.index(ongoing.title) :][:600]
    assert "Thời hạn: Thường xuyên" in row


def test_the_submitted_report_freezes_it_without_a_deadline(client, leader, cycle, agency, ongoing):
    cycle.is_current = True
    cycle.save()
    report = AgencyReportFactory(cycle=cycle, agency=agency)
    services.submit_report(report.pk, leader, narrative="Đã triển khai.")
    report.refresh_from_db()
    [frozen] = report.snapshot["tasks"]
    assert (frozen["title"], frozen["deadline"], frozen["status"]) == (ongoing.title, None, "ongoing")
    client.force_login(leader)
    page = client.get(reverse("remediation:report-edit")).content.decode()
    assert "Thời hạn: Thường xuyên" in page[page.index(ongoing.title) :][:600]


def test_an_ongoing_task_finished_needs_no_cause_and_is_done_on_time(cycle, leader, ongoing):
    from . import files

    services.complete_task(
        ongoing.pk, leader, completed_on=dt.date(2021, 11, 10), note="Đã đăng 12 tin bài", files=[files.pdf()]
    )
    ongoing.refresh_from_db()
    assert ongoing.completed_on == dt.date(2021, 11, 10) and ongoing.cause == ""
    assert Task.objects.with_status(AS_OF).get(pk=ongoing.pk).status == TaskStatus.DONE_ON_TIME
    counts = figures.headline(cycle, AS_OF).tasks
    assert (counts["done_on_time"], counts["ongoing"], counts["open"]) == (1, 0, 0)
    row = next(r for r in figures.agency_table(cycle, AS_OF) if r.agency_id == ongoing.lead_agency_id)
    assert str(row.completion_rate) == "100.00"


def test_the_command_imports_the_ongoing_row_the_same(cycle, departments, tmp_path):
    path = tmp_path / "phu-luc-117.xlsx"
    path.write_bytes(annex_with_an_ongoing_row())
    call_command("import_workbook", str(path), "--kind", "tasks", "--cycle", str(cycle.year), stdout=io.StringIO())
    landed = dict(Task.objects.filter(cycle=cycle).values_list("title", "deadline"))
    assert landed == {
        "Ban hành kế hoạch CCHC đúng hạn": dt.date(2021, 12, 31),
        "Tuyên truyền CCHC trên cổng thông tin": None,
    }


def test_snv_imports_the_ongoing_row_through_the_browser(client, snv, cycle, departments, settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path
    client.force_login(snv)
    upload = SimpleUploadedFile("phu-luc-117.xlsx", annex_with_an_ongoing_row())
    preview = client.post(reverse("compilation:excel-import"), {"kind": "tasks", "cycle": cycle.pk, "file": upload})
    assert preview.status_code == 302 and not Task.objects.exists()  # the preview writes nothing
    page = client.get(preview.url).content.decode()  # each deadline written as text, with the date understood
    assert 'data-text="Quý IV/2021" data-date="31/12/2021"' in page
    assert 'data-text="Thường xuyên" data-date=""' in page and "thường xuyên, không có thời hạn" in page
    assert client.post(preview.url).status_code == 302
    assert dict(Task.objects.filter(cycle=cycle).values_list("title", "deadline")) == {
        "Ban hành kế hoạch CCHC đúng hạn": dt.date(2021, 12, 31),
        "Tuyên truyền CCHC trên cổng thông tin": None,
    }
