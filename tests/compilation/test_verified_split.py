"""Verified and claimed completions apart, the same figures on the dashboard, in the PDF and in Excel (issue 14)."""

import datetime as dt
import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from compilation import figures
from compilation.consolidated import document
from compilation.excel.exporting import task_sheet
from tests.factories import AgencyFactory, TaskFactory

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


def test_the_pdf_states_the_same_split_and_the_original_deadline(split):
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(document.render_report(split, AS_OF))).pages)
    text = " ".join(text.split())
    assert "đã được xác nhận 1, chờ xác nhận 2" in text
    assert "hạn ban đầu 30/11/2021" in text
