"""Verified and claimed completions apart, the same figures on the dashboard, in the PDF and in Excel (issue 14)."""

import datetime as dt
import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from compilation import figures
from compilation.consolidated import document
from compilation.excel.exporting import task_sheet
from tests.factories import AgencyFactory, CycleFactory, TaskFactory

pytestmark = pytest.mark.django_db
AS_OF = dt.date(2021, 11, 15)


@pytest.fixture
def split(cycle):
    cycle.is_current = True
    cycle.save()
    lead = AgencyFactory(code="stc", name="Sở Tài chính")
    TaskFactory(cycle=cycle, lead_agency=lead, completed_on=dt.date(2021, 11, 1), verified_on=dt.date(2021, 11, 3))
    TaskFactory(cycle=cycle, lead_agency=lead, completed_on=dt.date(2021, 11, 5))  # claimed
    TaskFactory(cycle=cycle, lead_agency=lead, completed_on=dt.date(2021, 11, 6), verified_on=dt.date(2021, 11, 20))
    TaskFactory(cycle=cycle, lead_agency=lead, deadline=dt.date(2021, 12, 20), original_deadline=dt.date(2021, 11, 30))
    return cycle


def test_the_headline_counts_verified_and_claimed_apart(split):
    tasks = figures.headline(split, AS_OF).tasks
    assert (tasks["done"], tasks["verified"], tasks["claimed"]) == (3, 1, 2)


def test_the_dashboards_one_scan_gives_the_same_split(split):
    assert figures.dashboard(split, AS_OF).headline.tasks == figures.cycle_task_counts(split, AS_OF)


def test_the_dashboard_shows_the_split(client, snv, split):
    client.force_login(snv)
    page = client.get(reverse("compilation:dashboard")).content.decode()
    verified = page[page.index('id="fig-verified"') :][:400]
    claimed = page[page.index('id="fig-claimed"') :][:400]
    assert '<div class="figure">1</div>' in verified and '<div class="figure">2</div>' in claimed


def test_the_excel_tracking_table_shows_verification_and_the_original_deadline(split):
    sheet = task_sheet(split, AS_OF)
    headers = [c.header for c in sheet.columns]
    rows = list(sheet.rows)
    column = headers.index("Xác nhận hoàn thành")
    marks = [r[column] for r in rows]
    assert marks.count("Đã xác nhận") == 1 and marks.count("Chờ xác nhận") == 2
    originals = [r[headers.index("Hạn ban đầu")] for r in rows]
    assert dt.date(2021, 11, 30) in originals


def test_the_excel_tracking_table_counts_the_approved_extensions(split, leader, snv, settings):
    from remediation import extensions

    task = TaskFactory(cycle=split, lead_agency=leader.agency, deadline=dt.date(2021, 11, 20), title="Gia hạn hai lần")
    settings.CLOCK_PIN = "2021-11-10"
    for proposed in (dt.date(2021, 12, 1), dt.date(2021, 12, 20)):
        ext = extensions.request_extension(task.pk, leader, proposed=proposed, reason="Chờ hướng dẫn")
        extensions.decide_extension(ext.pk, snv, approve=True)
    sheet = task_sheet(split, AS_OF)
    headers = [c.header for c in sheet.columns]
    row = next(r for r in sheet.rows if r[headers.index("Tên nhiệm vụ")] == "Gia hạn hai lần")
    assert row[headers.index("Số lần gia hạn")] == 2
    assert row[headers.index("Hạn ban đầu")] == dt.date(2021, 11, 20)


def test_the_pdf_states_the_same_split_and_the_original_deadline(split):
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(document.render_report(split, AS_OF))).pages)
    text = " ".join(text.split())
    assert "đã được xác nhận 1, chờ xác nhận 2" in text
    assert "hạn ban đầu 30/11/2021" in text


def test_the_dashboard_and_the_pdf_list_the_backlog_by_age(client, snv, split):
    old_cycle = CycleFactory(year=2020, report_deadline=dt.date(2020, 11, 15), reference_date=dt.date(2021, 2, 26))
    lead = AgencyFactory(code="annhon", name="UBND thị xã An Nhơn")
    origin = TaskFactory(cycle=old_cycle, lead_agency=lead, deadline=dt.date(2020, 12, 31), title="Số hóa hồ sơ 2020")
    TaskFactory(cycle=split, lead_agency=lead, carried_from=origin, is_priority=True, title="Số hóa hồ sơ")
    assert [(t.title, t.since) for t in figures.backlog(split, AS_OF)] == [("Số hóa hồ sơ", 2020)]
    client.force_login(snv)
    page = client.get(reverse("compilation:dashboard")).content.decode()
    assert 'id="backlog"' in page and "Số hóa hồ sơ" in page
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(document.render_report(split, AS_OF))).pages)
    text = " ".join(text.split())
    assert "tồn đọng từ năm 2020, Sở Nội vụ đề nghị ưu tiên" in text
