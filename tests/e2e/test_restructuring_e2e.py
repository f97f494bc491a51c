"""SNV splits a district among its successor communes in a real browser; the past stays as it was.

Tried as a new user would: create the two communes, split the district with a
preview, choose where one task goes and where the district's user goes, confirm;
then the 2021 figures as of 15/11/2021 read the same, and the district's staff,
now members of a successor, log in and find the moved tasks led by it.
"""

import os
from pathlib import Path

import pytest

from agencies.models import Agency, AgencyLink, LinkKind, Membership
from remediation.models import Task

from .conftest import DESKTOP, PHONE, login, logout

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SHOTS = Path(os.environ.get("SNV_SCREENSHOTS", "/tmp/shots_snv"))
COMMUNES = [("x-anlao", "UBND xã An Lão (minh họa)"), ("x-anvinh", "UBND xã An Vinh (minh họa)")]


@pytest.fixture
def demo_live(transactional_db, live_server):
    from compilation.demo.loader import load_demo

    load_demo(with_2025=False)
    return live_server.url


def _figures_2021(page, base: str) -> str:
    """The dashboard's 2021 figures as of 15/11/2021, less the cycle switcher (it lists the new cycle)."""
    page.goto(f"{base}/dashboard/?cycle=2021&as_of=15/11/2021")
    return page.evaluate(
        "() => { const m = document.querySelector('main').cloneNode(true);"
        " m.querySelectorAll('select, form').forEach(e => e.remove());"
        " return m.textContent.replace(/\\s+/g, ' '); }"
    )


def _snap(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    for size in (DESKTOP, PHONE):
        page.set_viewport_size(size)
        page.screenshot(path=str(SHOTS / f"{name}_{size['width']}.png"), full_page=True)
        assert page.evaluate("document.documentElement.scrollWidth") <= size["width"] + 1, name
    page.set_viewport_size(DESKTOP)


def test_snv_splits_a_district_in_the_browser_and_the_2021_figures_stay(page, demo_live):
    base = demo_live
    district = Agency.objects.get(code="anlao")
    login(page, base, "snv")
    before = _figures_2021(page, base)
    assert "An Lão" in before

    # The 2025 cycle, started in the browser: communes and wards report, districts no longer.
    page.goto(f"{base}/cycles/new/")
    page.select_option("select[name=previous]", label="Kỳ đánh giá 2022 – Bộ tiêu chí 876/QĐ-BNV (minh họa)")
    page.fill("input[name=year]", "2025")
    page.fill("input[name=report_deadline]", "15/11/2025")
    page.fill("input[name=task_completion_target]", "31/12/2025")
    page.fill("input[name=self_assessment_date]", "15/12/2025")
    for kind in ("central", "department", "commune", "ward"):
        page.check(f"input[name=reporting_kinds][value={kind}]")
    page.uncheck("input[name=reporting_kinds][value=district]")
    page.click("main form [type=submit]")
    page.wait_for_url(f"{base}/scores/?cycle=2025")
    open_before = list(
        Task.objects.filter(
            cycle__year=2025, lead_agency=district, completed_on__isnull=True, closed_at__isnull=True
        ).order_by("number")
    )
    assert len(open_before) >= 2, "An Lão's open tasks are carried into 2025"

    for code, name in COMMUNES:
        page.goto(f"{base}/agencies/new/")
        page.fill("input[name=code]", code)
        page.fill("input[name=name]", name)
        page.select_option("select[name=kind]", "commune")
        page.fill("input[name=valid_from]", "01/07/2025")
        page.click("main form [type=submit]")
        page.wait_for_url(f"{base}/agencies/")
    first, second = (Agency.objects.get(code=code) for code, _ in COMMUNES)

    page.goto(f"{base}/agencies/restructure/split/")
    page.select_option("select[name=sources]", str(district.pk))
    page.select_option("select[name=successors]", [str(first.pk), str(second.pk)])
    page.fill("input[name=effective_on]", "01/07/2025")
    page.fill("input[name=note]", "Nghị quyết sắp xếp đơn vị hành chính cấp xã (minh họa)")
    page.click("main form [type=submit]")
    page.wait_for_selector("text=Xem trước")
    assert page.locator("#scheduled-note").count() == 0  # 01/07/2025 is past: applied on confirm
    for task in open_before:
        assert page.locator(f"text={task.title}").count() >= 1
    _snap(page, "split_preview")

    moved_to_second = open_before[-1]
    page.uncheck(f"#t{moved_to_second.pk}-{first.pk}")
    page.check(f"#t{moved_to_second.pk}-{second.pk}")
    district_user = Membership.objects.get(agency=district).user
    page.select_option(f"#member-{district_user.pk}", str(first.pk))
    page.click("button:has-text('Xác nhận và thực hiện')")
    page.wait_for_url(f"{base}/agencies/?all=1")
    assert "Đã thực hiện" in page.inner_text("main")

    assert AgencyLink.objects.filter(predecessor=district, kind=LinkKind.SPLIT).count() == 2
    leads = dict(Task.objects.filter(pk__in=[t.pk for t in open_before]).values_list("pk", "lead_agency_id"))
    assert leads[moved_to_second.pk] == second.pk
    assert all(leads[t.pk] == first.pk for t in open_before[:-1])
    assert Membership.objects.filter(user=district_user, agency=first).exists()

    assert _figures_2021(page, base) == before, "the 2021 figures as of 15/11/2021 changed after the split"

    page.goto(f"{base}/dashboard/agencies/?cycle=2025")
    ranking = page.inner_text("main")
    assert first.name in ranking and second.name in ranking and district.name not in ranking

    logout(page)
    login(page, base, district_user.username)
    page.goto(f"{base}/tasks/")
    listed = page.inner_text("main")
    for task in open_before[:-1]:
        assert task.title in listed
    assert moved_to_second.title not in listed  # it went to the other commune
    page.click(f"text={open_before[0].title}")
    assert first.name in page.inner_text("main")
    _snap(page, "commune_task")
