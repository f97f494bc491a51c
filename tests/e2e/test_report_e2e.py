"""The consolidated report in a real browser: SNV issues it, the Chairman's office downloads it."""

import hashlib
import os
from pathlib import Path

import pytest

from compilation.consolidated import issuing
from compilation.models import IssuedReport
from config.celery_app import app as celery_app

from .conftest import login, logout

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SHOTS = Path(os.environ.get("REPORT_SCREENSHOTS", "/tmp/shots_report"))


@pytest.fixture
def demo_live(transactional_db, live_server):
    from compilation.demo.loader import load_demo

    load_demo(with_2025=False)
    return live_server.url


@pytest.fixture
def eager_celery():
    """The live server runs in this process: with REDIS_URL set, run the task here instead of a broker."""
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


def snap(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_snv_issues_and_the_chairmans_office_downloads_the_same_pdf(page, demo_live, eager_celery, tmp_path):
    base = demo_live
    login(page, base, "snv")
    page.click("nav .dropdown-toggle:has-text('Báo cáo')")  # the Reports menu
    page.click("nav a[href='/consolidated-report/']")
    assert page.input_value("#id_as_of") == "15/11/2021"
    page.fill("#id_proposals", "Đề nghị Chủ tịch UBND tỉnh chỉ đạo hoàn thành các nhiệm vụ quá hạn.")
    snap(page, "report_list_snv")
    page.click("form[action$='/consolidated-report/issue/'] button[type=submit]")
    page.wait_for_selector("#report-status a[href$='/download/']", timeout=60_000)
    snap(page, "report_detail_done")
    issued = IssuedReport.objects.get()
    assert issued.requested_by.username == "snv"
    logout(page)

    login(page, base, "vp")
    page.click("nav .dropdown-toggle:has-text('Báo cáo')")  # the Reports menu
    page.click("nav a[href='/consolidated-report/']")
    assert page.locator("form[action$='/consolidated-report/issue/']").count() == 0
    snap(page, "report_list_vp")
    with page.expect_download() as info:
        page.click(f"a[href='/consolidated-report/{issued.pk}/download/']")
    path = tmp_path / "report.pdf"
    info.value.save_as(path)
    data = path.read_bytes()
    assert data.startswith(b"%PDF-")
    assert hashlib.sha256(data).hexdigest() == issued.sha256
    issued.file.delete(save=False)


def test_the_detail_page_polls_until_the_worker_has_finished(page, demo_live, monkeypatch):
    """No worker runs here: the page spins, then the task runs and htmx swaps in the download."""

    monkeypatch.setattr("compilation.tasks.generate_issued_report.delay", lambda pk: None)
    login(page, demo_live, "snv")
    page.goto(f"{demo_live}/consolidated-report/")
    page.fill("#id_proposals", "Đề xuất.")
    page.click("form[action$='/consolidated-report/issue/'] button[type=submit]")
    page.wait_for_selector("#report-status .spinner-border")
    snap(page, "report_detail_pending")
    issued = issuing.generate_report(IssuedReport.objects.get().pk)
    page.wait_for_selector("#report-status a[href$='/download/']", timeout=20_000)
    assert issued.sha256 in page.inner_text("#report-status")
    issued.file.delete(save=False)
