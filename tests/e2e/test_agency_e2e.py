"""Agency staff and leader, then SNV, in a real browser on the demo."""

import pytest

from agencies.models import User
from parindex.models import Cycle
from remediation.models import AgencyReport, Evidence, ReportStatus, Task
from remediation.status import TaskStatus

from ..remediation import files
from .conftest import PHONE, login, logout, shot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo_live(transactional_db, live_server):
    from compilation.demo.loader import load_demo

    load_demo(with_2025=False)
    return live_server.url


def quynhon_tasks(status):
    """Quy Nhơn's 2021 tasks (the demo also holds 2020 tasks carried into 2021, issue 14)."""
    cycle = Cycle.objects.get(year=2021)
    return (
        Task.objects.filter(cycle=cycle, lead_agency__code="quynhon").with_status(cycle.as_of()).filter(status=status)
    )


def test_agency_logs_progress_marks_done_and_reports_through_snv(page, demo_live, tmp_path):
    base = demo_live
    pdf_path = tmp_path / "bien-ban.pdf"
    pdf_path.write_bytes(files.PDF)
    first = quynhon_tasks(TaskStatus.OVERDUE).first()
    second = quynhon_tasks(TaskStatus.DUE_SOON).first()

    login(page, base, "quynhon")
    page.goto(f"{base}/tasks/")
    assert page.locator("h1").inner_text() == "Nhiệm vụ của đơn vị"
    shot(page, "agency-task-list-desktop")
    page.click(f"a[href='/tasks/{first.pk}/']")
    page.fill("#log-progress input[name=percent]", "90")
    page.fill("#log-progress textarea[name=note]", "Đã hoàn thiện hồ sơ, chờ ký ban hành.")
    page.fill("#log-progress input[name=reported_on]", "15/11/2021")
    page.set_input_files("#log-progress input[name=files]", str(pdf_path))
    page.click("#log-progress button[type=submit]")
    assert "Đã lưu tiến độ" in page.inner_text(".alert-success")
    assert page.locator("a:has-text('bien-ban.pdf')").count() == 1
    shot(page, "agency-task-detail-desktop")

    page.goto(f"{base}/tasks/{second.pk}/")
    page.fill("#mark-done input[name=completed_on]", "15/11/2021")
    page.fill("#mark-done textarea[name=note]", "Đã ban hành văn bản.")
    page.set_input_files("#mark-done input[name=files]", str(pdf_path))
    page.click("#mark-done button[type=submit]")
    assert "hoàn thành" in page.inner_text(".alert-success")
    logout(page)

    login(page, base, "quynhon.lead")
    page.goto(f"{base}/reports/mine/")
    page.fill("textarea[name=narrative]", "UBND thành phố Quy Nhơn báo cáo kết quả khắc phục.")
    page.click("button[name=submit]")
    page.click("#confirm-submit button[name=confirm]")
    assert "đã được gửi" in page.inner_text(".alert-success")
    logout(page)

    login(page, base, "snv")
    page.goto(f"{base}/reports/inbox/")
    page.click("tr:has-text('UBND thành phố Quy Nhơn') a")
    page.fill("textarea[name=comment]", "Đề nghị bổ sung số liệu kiểm chứng tiêu chí 3.6.1.")
    page.click("button[name=return]")
    assert "trả lại" in page.inner_text(".alert-success")
    logout(page)

    login(page, base, "quynhon")
    page.goto(f"{base}/reports/mine/")
    assert "bổ sung số liệu kiểm chứng" in page.inner_text(".reviewer-comment")
    shot(page, "agency-report-returned-desktop")
    page.set_viewport_size(PHONE)
    shot(page, "agency-report-returned-phone")
    page.goto(f"{base}/tasks/")
    shot(page, "agency-task-list-phone")
    page.goto(f"{base}/tasks/{first.pk}/")
    shot(page, "agency-task-detail-phone")

    assert Evidence.objects.filter(task=first, original_name="bien-ban.pdf").exists()
    assert Task.objects.get(pk=second.pk).completed_on is not None
    report = AgencyReport.objects.get(agency__code="quynhon")
    assert report.status == ReportStatus.RETURNED
    assert report.submitted_by == User.objects.get(username="quynhon.lead")
