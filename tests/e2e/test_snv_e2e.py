"""SNV compiles the scores and steers the tasks in a real browser; the Chairman's office only reads."""

import os
import re
from pathlib import Path

import pytest

from remediation.models import Task

from .conftest import DESKTOP, PHONE, login, logout

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
SNV_SHOTS = Path(os.environ.get("SNV_SCREENSHOTS", "/tmp/shots_snv"))


@pytest.fixture
def demo_live(transactional_db, live_server):
    from compilation.demo.loader import load_demo

    load_demo(with_2025=False)
    return live_server.url


def snap(page, name: str, width: int) -> Path:
    """A full-page screenshot at a given width, for a person to look at."""
    SNV_SHOTS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": width, "height": DESKTOP["height"] if width > 500 else PHONE["height"]})
    path = SNV_SHOTS / f"{name}_{width}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def test_snv_filters_below_max_assigns_to_two_districts_and_follows_the_overdue_figure(page, demo_live):
    base = demo_live
    login(page, base, "snv")

    page.goto(f"{base}/scores/")
    page.check("#score-filters input[name=below]")
    page.click("#score-filters button[type=submit]")
    assert re.match(r"^47\b", page.inner_text("#match-count"))
    assert page.locator("#score-tree tr.level-sub").count() == 47
    for width in (1280, 390):
        snap(page, "score_tree", width)
    page.set_viewport_size(DESKTOP)

    page.check("#score-filters input[name=no_task]")
    page.click("#score-filters button[type=submit]")
    first = page.locator("#score-tree tr.level-sub").first
    code = first.get_attribute("data-code")
    first.locator("td.name a").first.click()
    assert page.locator("h1").inner_text().startswith(f"{code}.")
    assert page.locator("#criterion-tasks tbody tr").inner_text().strip() != ""

    page.click("#assign-task")
    page.fill("#task-form input[name=title]", "Bổ sung quy trình nội bộ theo Báo cáo 117")
    page.fill("#task-form input[name=deadline]", "20/12/2021")
    page.check("#lead-agencies-box label:has-text('TP Quy Nhơn')")
    page.check("#lead-agencies-box label:has-text('TX An Nhơn')")
    page.click("#task-form input[type=submit][name=assign]")

    assert "2" in page.inner_text(".alert-success")
    assert page.locator("h1").inner_text().startswith(f"{code}.")
    rows = page.locator("#criterion-tasks tbody tr")
    assert rows.count() == 2
    created = Task.objects.filter(title="Bổ sung quy trình nội bộ theo Báo cáo 117")
    assert sorted(created.values_list("lead_agency__code", flat=True)) == ["annhon", "quynhon"]
    assert all(t.sub_criteria.get().code == code for t in created)

    page.goto(f"{base}/dashboard/")
    overdue = page.locator("#fig-overdue a")
    assert overdue.get_attribute("href") == "/tasks/?status=overdue"
    for width in (1280, 390):
        snap(page, "dashboard", width)
    page.set_viewport_size(DESKTOP)
    (ROOT / "docs" / "img").mkdir(exist_ok=True)
    page.screenshot(path=str(ROOT / "docs" / "img" / "dashboard.png"), full_page=True)
    overdue.click()
    page.wait_for_url(f"{base}/tasks/?status=overdue")


def test_chairman_office_reads_the_dashboard_and_finds_no_edit_control(page, demo_live):
    base = demo_live
    login(page, base, "vp")
    page.goto(f"{base}/dashboard/")
    main = page.locator("main")
    assert main.locator("#fig-overdue").count() == 1
    assert main.locator("a[href*='/manage/']").count() == 0
    assert main.locator("form[method=post]").count() == 0
    assert page.locator("nav a[href*='/manage/']").count() == 0

    page.goto(f"{base}/scores/?below=on")
    assert page.locator("#score-tree .edit-link").count() == 0
    page.locator("#score-tree tr.level-sub td.name a").first.click()
    assert page.locator("#score-form").count() == 0
    assert page.locator("#assign-task").count() == 0
    logout(page)
