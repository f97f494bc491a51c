"""The 2025 demo: Bình Định into Gia Lai, districts split into wards and communes; the 2021 past unchanged."""

import dataclasses
import datetime as dt
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader

from agencies.models import Agency, AgencyKind, AgencyLink, LinkKind, User
from compilation import figures
from compilation.consolidated import document
from compilation.demo.loader import load_demo
from compilation.excel.exporting import export_workbook
from parindex.models import Cycle
from remediation.access import visible_reports, visible_tasks
from remediation.models import AssignmentRole, Task, TaskAssignment

NOV_15 = dt.date(2021, 11, 15)


def _figures_2021() -> dict:
    cycle = Cycle.objects.get(year=2021)
    data = figures.dashboard(cycle, NOV_15)
    dashboard = {f.name: getattr(data, f.name) for f in dataclasses.fields(data) if f.name != "cycle"}
    pdf_text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(document.render_report(cycle, NOV_15))).pages)
    out = io.BytesIO()
    export_workbook(cycle, NOV_15, out)
    book = load_workbook(io.BytesIO(out.getvalue()))
    cells = {ws.title: [[c.value for c in row] for row in ws.iter_rows()] for ws in book.worksheets}
    return {"dashboard": dashboard, "pdf": pdf_text, "workbook": cells}


def test_2021_figures_as_of_15_11_2021_are_identical_after_the_2025_reorganisation(db):
    load_demo(with_2025=False)
    before = _figures_2021()
    open_2021 = Task.objects.filter(cycle__year=2021, completed_on__isnull=True, closed_at__isnull=True).count()
    load_demo()
    assert Agency.objects.get(code="quynhon").valid_to == dt.date(2025, 6, 30)
    assert Task.objects.filter(cycle__year=2025).count() == open_2021 > 0  # the split was applied to open tasks
    after = _figures_2021()
    assert after["dashboard"] == before["dashboard"]
    assert after["pdf"] == before["pdf"]
    assert after["workbook"] == before["workbook"]
    assert before["dashboard"]["headline"].reports.addressees == 39
    assert "UBND TỈNH BÌNH ĐỊNH" in after["pdf"]


@pytest.fixture
def demo2025(db):
    return load_demo()


def test_2025_cycle_has_no_district_level_and_wards_lead_the_moved_tasks(demo2025):
    cycle = Cycle.objects.get(year=2025)
    leads = set(Task.objects.filter(cycle=cycle).values_list("lead_agency__kind", flat=True))
    assert AgencyKind.DISTRICT not in leads and AgencyKind.WARD in leads
    assert not figures.addressees(cycle, dt.date(2025, 11, 15)).filter(kind=AgencyKind.DISTRICT).exists()
    assert figures.addressees(cycle, dt.date(2025, 11, 15)).filter(code="p-quynhon").exists()
    carried = Task.objects.filter(cycle=cycle).select_related("carried_from__lead_agency")
    assert all(t.carried_from is not None for t in carried)
    # each task keeps its origin: the 2021 task was led by the district until 30/06/2025
    one = carried.filter(lead_agency__code="p-quynhon").first()
    assert one.carried_from.lead_agency.code == "p-quynhon"
    first_lead = TaskAssignment.objects.filter(task=one.carried_from, role=AssignmentRole.LEAD).order_by("pk").first()
    assert (first_lead.agency.code, first_lead.valid_to) == ("quynhon", dt.date(2025, 6, 30))
    assert AgencyLink.objects.filter(predecessor__code="quynhon", kind=LinkKind.SPLIT).count() == 5
    assert cycle.document_governing_body == "UBND TỈNH GIA LAI"
    assert [f.legal_basis for f in cycle.frameworks.all()] == ["876/QĐ-BNV"]


def test_a_ward_user_logs_in_and_sees_its_tasks_and_report(client, demo2025):
    ward_user = User.objects.get(username="p-quynhon")
    cycle = Cycle.objects.get(year=2025)
    own = Task.objects.filter(cycle=cycle, lead_agency__code="p-quynhon")
    assert own.exists() and set(own) <= set(visible_tasks(ward_user))
    assert visible_reports(ward_user).filter(cycle=cycle, agency__code="p-quynhon").exists()
    assert client.login(username="p-quynhon", password="demo-2021")
    page = client.get(reverse("remediation:task-list"), {"cycle": 2025})
    assert page.status_code == 200 and own.first().title in page.content.decode()


def test_the_retired_district_user_no_longer_sees_the_moved_tasks(demo2025):
    district_user = User.objects.get(username="quynhon")
    moved = Task.objects.filter(cycle__year=2025, lead_agency__code="p-quynhon")
    assert not set(moved) & set(visible_tasks(district_user))


def test_loading_the_2025_demo_twice_changes_nothing(demo2025):
    tasks = Task.objects.count()
    again = load_demo()
    assert again.total == 0 and Task.objects.count() == tasks


def test_the_2021_district_user_still_works_in_the_2021_cycle_after_the_default_demo(client, demo2025):
    district_user = User.objects.get(username="quynhon")
    cycle2021 = Cycle.objects.get(year=2021)
    assert district_user.agency.code == "quynhon"
    own_2021 = Task.objects.filter(cycle=cycle2021, lead_agency__code="quynhon")
    assert own_2021.exists() and set(own_2021) <= set(visible_tasks(district_user))
    assert client.login(username="quynhon", password="demo-2021")
    home = client.get(reverse("compilation:home"))
    assert home.status_code == 200 and home.context["cycle"] == cycle2021
    assert home.context["counts"]["total"] == visible_tasks(district_user).filter(cycle=cycle2021).count() > 0


def test_each_persona_lands_in_the_latest_cycle_its_agency_exists_in(client, demo2025):
    assert client.login(username="p-quynhon", password="demo-2021")
    assert client.get(reverse("compilation:home")).context["cycle"].year == 2025
    page = client.get(reverse("remediation:task-list"))
    assert page.context["cycle"].year == 2025
    assert Task.objects.filter(cycle__year=2025, lead_agency__code="p-quynhon").first().title in page.content.decode()
    client.logout()
    assert client.login(username="snv", password="demo-2021")
    assert client.get(reverse("compilation:home")).context["cycle"] == Cycle.current()
