"""Issuing, following and downloading the consolidated report in the browser; the archive.

A small cycle (two sub-criteria, three tasks) keeps each render well under a second;
the demo's full report is tested in test_pdf.py.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from agencies.models import AgencyKind
from compilation.consolidated import document as report_services
from compilation.consolidated import issuing
from compilation.models import IssuedReport, IssuedReportStatus
from config.celery_app import app as celery_app
from parindex.models import Cycle, FrameworkKind, Level, Score
from remediation.models import Task

from ..factories import AgencyFactory, CriterionFactory, FrameworkFactory, ScoreFactory, TaskFactory

AS_OF = dt.date(2021, 11, 15)
PROPOSALS = "Đề nghị các cơ quan hoàn thành nhiệm vụ quá hạn trước ngày 31/12/2021."


@pytest.fixture
def eager_celery():
    """REDIS_URL is set in CI, so tasks would go to a broker nobody reads: run them here."""
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


@pytest.fixture(autouse=True)
def remove_report_files(db):
    """Issued PDFs land in the shared private storage; leave nothing behind."""
    yield
    for issued in IssuedReport.objects.exclude(file=""):
        issued.file.delete(save=False)


@pytest.fixture
def small_cycle(cycle, agency) -> Cycle:
    """A cycle with a PAR tree of one area and two sub-criteria (one below max) and three tasks."""
    par = FrameworkFactory(kind=FrameworkKind.PAR)
    cycle.frameworks.add(par)
    focal = AgencyFactory(code="snv-agency", name="Sở Nội vụ", kind=AgencyKind.DEPARTMENT)
    area = CriterionFactory(framework=par, level=Level.AREA, code="1", max_points=Decimal(2), focal_agency=focal)
    subs = [
        CriterionFactory(framework=par, parent=area, code=f"1.{i}", max_points=Decimal(1), name=f"Tiêu chí {i}")
        for i in (1, 2)
    ]
    ScoreFactory(cycle=cycle, criterion=subs[0], self_score=Decimal("0.5"))
    ScoreFactory(cycle=cycle, criterion=subs[1], self_score=Decimal(1))
    for i, done in enumerate([dt.date(2021, 11, 1), None, None]):
        task = TaskFactory(cycle=cycle, lead_agency=agency, deadline=dt.date(2021, 11, 10 + i * 10), completed_on=done)
        task.sub_criteria.add(subs[0])
    return cycle


def issue(client: Client, cycle: Cycle, **data) -> object:
    payload = {"cycle": str(cycle.year), "as_of": "15/11/2021", "proposals": PROPOSALS, **data}
    return client.post(reverse("compilation:report-issue"), payload)


def done_report(cycle: Cycle, user) -> IssuedReport:
    issued = IssuedReport.objects.create(cycle=cycle, requested_by=user, as_of=AS_OF, proposals=PROPOSALS)
    return issuing.generate_report(issued.pk)


# ----------------------------------------------------------------- issuing


def test_snv_issues_a_report_that_is_archived_with_its_hash(
    client, snv, small_cycle, eager_celery, django_capture_on_commit_callbacks
):
    client.force_login(snv)
    with django_capture_on_commit_callbacks(execute=True):
        response = issue(client, small_cycle)
    issued = IssuedReport.objects.get()
    assert response.status_code == 302 and response.url == reverse("compilation:report-detail", args=[issued.pk])
    data = issued.file.open("rb").read()
    issued.file.close()
    assert data.startswith(b"%PDF-")
    assert issued.status == IssuedReportStatus.DONE
    assert (issued.requested_by, issued.as_of, issued.proposals) == (snv, AS_OF, PROPOSALS)
    assert (issued.sha256, issued.size) == (hashlib.sha256(data).hexdigest(), len(data))


def test_issuing_enqueues_the_task_only_after_commit(
    client, snv, small_cycle, monkeypatch, django_capture_on_commit_callbacks
):
    sent = []
    monkeypatch.setattr("compilation.tasks.generate_issued_report.delay", sent.append)
    client.force_login(snv)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        issue(client, small_cycle)
    assert sent == [] and len(callbacks) == 1
    callbacks[0]()
    assert sent == [IssuedReport.objects.get().pk]


def test_the_as_of_date_is_read_day_first(client, snv, small_cycle, monkeypatch):
    monkeypatch.setattr("compilation.tasks.generate_issued_report.delay", lambda pk: None)
    client.force_login(snv)
    issue(client, small_cycle, as_of="05/03/2021")
    assert IssuedReport.objects.get().as_of == dt.date(2021, 3, 5)


def test_an_as_of_date_in_the_future_is_refused(client, snv, small_cycle):
    client.force_login(snv)
    response = issue(client, small_cycle, as_of="01/01/2999")
    assert response.status_code == 400
    assert not IssuedReport.objects.exists()


def test_proposals_are_required(client, snv, small_cycle):
    client.force_login(snv)
    assert issue(client, small_cycle, proposals="   ").status_code == 400
    assert not IssuedReport.objects.exists()


def test_issuing_requires_post(client, snv, small_cycle):
    client.force_login(snv)
    assert client.get(reverse("compilation:report-issue")).status_code == 405


def test_issuing_requires_the_csrf_token(snv, small_cycle):
    client = Client(enforce_csrf_checks=True)
    client.force_login(snv)
    assert issue(client, small_cycle).status_code == 403
    assert not IssuedReport.objects.exists()


def test_the_chairmans_office_cannot_issue(client, chairman_office, small_cycle):
    client.force_login(chairman_office)
    assert issue(client, small_cycle).status_code == 403
    assert not IssuedReport.objects.exists()


def test_an_agency_user_cannot_issue(client, staff, small_cycle):
    client.force_login(staff)
    assert issue(client, small_cycle).status_code == 404
    assert not IssuedReport.objects.exists()


# ----------------------------------------------------------------- task


def test_a_second_run_of_the_task_renders_nothing(snv, small_cycle, monkeypatch):
    issued = done_report(small_cycle, snv)
    calls = []
    monkeypatch.setattr(report_services, "render_report", lambda *a, **k: calls.append(a) or b"%PDF-")
    again = issuing.generate_report(issued.pk)
    assert calls == [] and again.sha256 == issued.sha256


def test_a_failed_render_is_recorded_and_shown(client, snv, small_cycle, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("no space left on device")

    monkeypatch.setattr(report_services, "render_report", broken)
    issued = IssuedReport.objects.create(cycle=small_cycle, requested_by=snv, as_of=AS_OF)
    issuing.generate_report(issued.pk)
    issued.refresh_from_db()
    assert issued.status == IssuedReportStatus.FAILED and "no space left" in issued.error
    client.force_login(snv)
    assert (
        "no space left on device" in client.get(reverse("compilation:report-detail", args=[issued.pk])).content.decode()
    )


# ----------------------------------------------------------------- progress page


def test_the_page_polls_while_the_report_is_generated(client, snv, small_cycle):
    issued = IssuedReport.objects.create(cycle=small_cycle, requested_by=snv, as_of=AS_OF)
    client.force_login(snv)
    html = client.get(reverse("compilation:report-detail", args=[issued.pk])).content.decode()
    assert 'hx-trigger="every 2s"' in html
    assert reverse("compilation:report-status", args=[issued.pk]) in html
    assert "vendor/htmx-2.0.11/htmx.min.js" in html


def test_the_status_fragment_offers_the_download_and_stops_polling(client, snv, small_cycle):
    issued = done_report(small_cycle, snv)
    client.force_login(snv)
    html = client.get(reverse("compilation:report-status", args=[issued.pk])).content.decode()
    assert reverse("compilation:report-download", args=[issued.pk]) in html
    assert "hx-trigger" not in html
    assert issued.sha256 in html


# ----------------------------------------------------------------- downloads and permissions


def test_the_chairmans_office_downloads_the_archived_pdf(client, snv, chairman_office, small_cycle):
    issued = done_report(small_cycle, snv)
    client.force_login(chairman_office)
    response = client.get(reverse("compilation:report-download", args=[issued.pk]))
    body = b"".join(response.streaming_content)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert hashlib.sha256(body).hexdigest() == issued.sha256


@pytest.mark.parametrize("name", ["list", "detail", "status", "download"])
def test_an_agency_user_gets_404(client, snv, staff, small_cycle, name):
    issued = done_report(small_cycle, snv)
    client.force_login(staff)
    url = (
        reverse("compilation:report-list")
        if name == "list"
        else reverse(f"compilation:report-{name}", args=[issued.pk])
    )
    assert client.get(url).status_code == 404


def test_an_anonymous_visitor_is_sent_to_the_login_page(client, snv, small_cycle):
    issued = done_report(small_cycle, snv)
    response = client.get(reverse("compilation:report-download", args=[issued.pk]))
    assert response.status_code == 302 and reverse("login") in response.url


def test_the_list_shows_the_archive_to_the_chairmans_office_without_the_form(client, snv, chairman_office, small_cycle):
    issued = done_report(small_cycle, snv)
    client.force_login(chairman_office)
    html = client.get(reverse("compilation:report-list")).content.decode()
    assert reverse("compilation:report-download", args=[issued.pk]) in html
    assert reverse("compilation:report-issue") not in html


def test_the_nav_link_shows_for_snv_and_the_chairmans_office_only(client, snv, chairman_office, staff, small_cycle):
    link = reverse("compilation:report-list")
    for user, shown in [(snv, True), (chairman_office, True), (staff, False)]:
        client.force_login(user)
        assert (f'href="{link}"' in client.get(reverse("compilation:home")).content.decode()) is shown


def test_an_archived_report_downloads_unchanged_after_the_data_changes(client, snv, small_cycle):
    issued = done_report(small_cycle, snv)
    client.force_login(snv)
    before = b"".join(client.get(reverse("compilation:report-download", args=[issued.pk])).streaming_content)
    Task.objects.filter(cycle=small_cycle, completed_on__isnull=True).update(completed_on=dt.date(2021, 11, 14))
    Score.objects.filter(cycle=small_cycle).update(appraised_score=Decimal("0.25"))
    assert report_services.render_report(small_cycle, AS_OF, PROPOSALS) != before  # the data did change the report
    after = b"".join(client.get(reverse("compilation:report-download", args=[issued.pk])).streaming_content)
    assert after == before


def test_a_tampered_archive_file_is_not_served(client, snv, small_cycle):
    issued = done_report(small_cycle, snv)
    with open(issued.file.path, "ab") as handle:
        handle.write(b"tampered")
    client.force_login(snv)
    assert client.get(reverse("compilation:report-download", args=[issued.pk])).status_code == 404


# ----------------------------------------------------------------- command


def test_the_command_renders_the_same_pdf_as_the_issued_one(snv, small_cycle, tmp_path):
    issued = done_report(small_cycle, snv)
    out = tmp_path / "report.pdf"
    call_command(
        "render_report", "--cycle", "2021", "--as-of", "15/11/2021", "--proposals", PROPOSALS,
        "--output", str(out), stdout=io.StringIO(),
    )  # fmt: skip
    assert hashlib.sha256(out.read_bytes()).hexdigest() == issued.sha256


# ----------------------------------------------------------------- issue 16: refusals and DOCX


def test_issuing_is_refused_while_the_signer_is_not_named(client, snv, small_cycle, monkeypatch):
    monkeypatch.setattr("compilation.tasks.generate_issued_report.delay", lambda pk: None)
    Cycle.objects.filter(pk=small_cycle.pk).update(signer_name="", instruction_reference="")
    client.force_login(snv)
    page = client.get(reverse("compilation:report-list"), {"cycle": "2021"})
    assert 'id="issue-blockers"' in page.content.decode()
    response = issue(client, small_cycle)
    assert response.status_code == 400 and not IssuedReport.objects.exists()
    body = response.content.decode()
    assert "Chưa có họ tên người ký" in body  # translated in locale/vi (issue 16)


def test_the_command_refuses_without_proposals_or_signer(small_cycle, tmp_path):
    out = tmp_path / "r.pdf"
    with pytest.raises(CommandError, match="Section VI"):
        call_command("render_report", "--cycle", "2021", "--output", str(out), stdout=io.StringIO())
    Cycle.objects.filter(pk=small_cycle.pk).update(signer_name="")
    with pytest.raises(CommandError, match="cannot be issued"):
        call_command("render_report", "--cycle", "2021", "--proposals", PROPOSALS, "--output", str(out))
    assert not out.exists()


def test_snv_issues_a_docx_archived_like_the_pdf_and_the_command_gives_the_same_bytes(
    client, snv, small_cycle, eager_celery, django_capture_on_commit_callbacks, tmp_path
):
    client.force_login(snv)
    with django_capture_on_commit_callbacks(execute=True):
        issue(client, small_cycle, file_format="docx")
    issued = IssuedReport.objects.get()
    assert issued.status == IssuedReportStatus.DONE and issued.file_format == "docx"
    response = client.get(reverse("compilation:report-download", args=[issued.pk]))
    data = b"".join(response.streaming_content)
    assert response["Content-Type"] == report_services.CONTENT_TYPES["docx"]
    assert response["Content-Disposition"].endswith('.docx"')
    assert data.startswith(b"PK") and hashlib.sha256(data).hexdigest() == issued.sha256
    out = tmp_path / "report.docx"
    call_command(
        "render_report", "--cycle", "2021", "--as-of", "15/11/2021", "--proposals", PROPOSALS,
        "--format", "docx", "--output", str(out), stdout=io.StringIO(),
    )  # fmt: skip
    assert out.read_bytes() == data
