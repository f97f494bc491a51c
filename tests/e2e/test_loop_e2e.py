"""Closing the loop in a real browser (issue 14, §7): claim → sent back → answered → verified;
extension requested → approved from SNV's inbox → the task shows both dates."""

import datetime as dt

import pytest

from remediation.models import DeadlineExtension, ExtensionState, Task
from remediation.status import TaskStatus

from ..remediation import files
from .conftest import login, logout, shot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo_live(transactional_db, live_server):
    from compilation.demo.loader import load_demo

    load_demo(with_2025=False)
    return live_server.url


def _free_quynhon_tasks():
    """Quy Nhơn's open tasks due on or after 15/11/2021 that the demo gave no loop state."""
    as_of = dt.date(2021, 11, 15)
    return (
        Task.objects.filter(lead_agency__code="quynhon", cycle__year=2021, completed_on__isnull=True)
        .filter(deadline__gte=as_of, sent_back_at__isnull=True, extensions__isnull=True, carried_from__isnull=True)
        .with_status(as_of)
        .exclude(status=TaskStatus.OVERDUE)
        .order_by("number")
    )


def _mark_done(page, base, task, pdf_path, note):
    page.goto(f"{base}/tasks/{task.pk}/")
    page.fill("#mark-done input[name=completed_on]", "15/11/2021")
    page.fill("#mark-done textarea[name=note]", note)
    page.set_input_files("#mark-done input[name=files]", str(pdf_path))
    page.click("#mark-done button[type=submit]")
    page.wait_for_selector("[data-claim=awaiting]")


def test_claim_sent_back_answered_verified_and_an_extension_approved(page, demo_live, tmp_path):
    base = demo_live
    pdf_path = tmp_path / "quyet-dinh.pdf"
    pdf_path.write_bytes(files.PDF)
    claim, extend = list(_free_quynhon_tasks()[:2])

    login(page, base, "quynhon.lead")
    _mark_done(page, base, claim, pdf_path, "Đã ban hành quy chế.")
    logout(page)

    login(page, base, "snv")
    page.goto(f"{base}/reports/inbox/")
    page.click(f"#awaiting-verification a[href^='/tasks/{claim.pk}/']")
    page.fill("#verify form[action$='/send-back/'] textarea[name=reason]", "Thiếu quyết định ban hành kèm theo.")
    page.click("#verify form[action$='/send-back/'] button")
    page.wait_for_selector(".alert-success")
    assert Task.objects.get(pk=claim.pk).completed_on is None
    logout(page)

    login(page, base, "quynhon.lead")
    page.goto(f"{base}/tasks/{claim.pk}/")
    assert "Thiếu quyết định ban hành" in page.inner_text("#sent-back")
    _mark_done(page, base, claim, pdf_path, "Đã bổ sung quyết định ban hành.")
    page.goto(f"{base}/tasks/{extend.pk}/")
    page.fill("#extensions input[name=proposed_deadline]", "31/01/2022")
    page.fill("#extensions textarea[name=reason]", "Chờ hướng dẫn của Bộ Nội vụ.")
    page.click("#extensions button[type=submit]")
    page.wait_for_selector(".alert-success")
    logout(page)

    login(page, base, "snv")
    page.goto(f"{base}/reports/inbox/")
    shot(page, "snv-inbox-loop-desktop")
    page.click(f"#awaiting-verification a[href^='/tasks/{claim.pk}/']")
    page.click("#verify form[action$='/verify/'] button")
    page.wait_for_selector(".alert-success")
    assert Task.objects.get(pk=claim.pk).verified_on is not None
    ext = DeadlineExtension.objects.get(task=extend, state=ExtensionState.PENDING)
    page.goto(f"{base}/reports/inbox/")
    page.click(f"#extension-requests form[action$='/extensions/{ext.pk}/decide/'] button[name=approve]")
    page.wait_for_selector(".alert-success")
    logout(page)

    login(page, base, "quynhon.lead")
    page.goto(f"{base}/tasks/{extend.pk}/")
    original = Task.objects.get(pk=extend.pk).original_deadline
    shown = page.inner_text("[data-original-deadline]")
    assert original.strftime("%d/%m/%Y") in shown
    assert "31/01/2022" in page.inner_text("dl")
    shot(page, "agency-task-extended-desktop")
