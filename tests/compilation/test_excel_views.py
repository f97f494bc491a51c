"""The Excel pages: who may import and export what, the preview before the import, the downloads."""

import io

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from compilation.excel.workbook import FRAMEWORK_LAYOUT, TASK_LAYOUT
from parindex.models import Criterion, Framework
from remediation.models import Task
from tests.data.workbooks import FRAMEWORK_NAME, simple_framework, simple_tasks
from tests.factories import AgencyFactory, TaskFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def private_storage(settings, tmp_path):
    """Uploads waiting for confirmation go to a folder of the test's own."""
    settings.PRIVATE_MEDIA_ROOT = tmp_path


def client_for(user) -> Client:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # English pages: the app ignores Accept-Language
    client.force_login(user)
    return client


def upload(client, data: bytes, kind="framework", cycle=None, name="bo-tieu-chi.xlsx", **extra):
    form = {"kind": kind, "cycle": cycle.pk, "file": SimpleUploadedFile(name, data), **extra}
    return client.post(reverse("compilation:excel-import"), form)


def sheets(response) -> dict[str, list[tuple]]:
    body = b"".join(response.streaming_content)
    wb = load_workbook(io.BytesIO(body), read_only=True)
    return {ws.title: list(ws.iter_rows(values_only=True)) for ws in wb.worksheets}


# --------------------------------------------------------------------------- permissions


@pytest.mark.parametrize("name", ["compilation:excel-import", "compilation:excel-export", "compilation:excel-home"])
def test_anonymous_users_are_sent_to_the_login_page(client, name):
    response = client.post(reverse(name)) if name == "compilation:excel-import" else client.get(reverse(name))
    assert response.status_code == 302 and reverse("login") in response.url


def test_agency_user_gets_404_on_every_import_page(staff, cycle):
    client = client_for(staff)
    assert upload(client, simple_framework(), cycle=cycle).status_code == 404
    assert client.get(reverse("compilation:excel-template", kwargs={"kind": "framework"})).status_code == 404
    assert client.get(reverse("compilation:excel-preview", kwargs={"token": "a" * 32})).status_code == 404
    assert client.post(reverse("compilation:excel-cancel", kwargs={"token": "a" * 32})).status_code == 404
    assert Framework.objects.count() == 0


def test_chairman_office_exports_but_cannot_import(chairman_office, cycle):
    client = client_for(chairman_office)
    assert upload(client, simple_framework(), cycle=cycle).status_code == 404
    response = client.get(reverse("compilation:excel-export"), {"cycle": cycle.pk})
    assert response.status_code == 200
    assert list(sheets(response)) == ["Theo dõi nhiệm vụ", "Tình hình báo cáo"]  # no framework yet


def test_user_without_agency_or_role_gets_404(cycle):
    client = client_for(UserFactory(username="nobody"))
    assert client.get(reverse("compilation:excel-home")).status_code == 404
    assert client.get(reverse("compilation:excel-export"), {"cycle": cycle.pk}).status_code == 404


def test_agency_export_holds_only_its_own_tasks(staff, agency, other_agency, cycle):
    TaskFactory(cycle=cycle, title="Chủ trì", lead_agency=agency)
    TaskFactory(cycle=cycle, title="Phối hợp", lead_agency=other_agency).coordinating_agencies.add(agency)
    TaskFactory(cycle=cycle, title="Của cơ quan khác", lead_agency=other_agency)
    response = client_for(staff).get(reverse("compilation:excel-export"), {"cycle": cycle.pk})
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith('filename="theo-doi-2021-quynhon-2021-11-15.xlsx"')
    content = sheets(response)
    assert list(content) == ["Theo dõi nhiệm vụ"]
    rows = content["Theo dõi nhiệm vụ"][3:]
    assert sorted(r[2] for r in rows) == ["Chủ trì", "Phối hợp"]  # after the task number and the shortcoming


def test_agency_home_offers_only_the_export_of_its_tasks(staff, cycle):
    response = client_for(staff).get(reverse("compilation:excel-home"))
    assert response.status_code == 200
    assert b"Export my tasks" in response.content
    assert reverse("compilation:excel-import").encode() not in response.content


def test_nav_links_by_role(snv, staff, cycle):
    assert b'href="/excel/">Excel<' in client_for(snv).get(reverse("compilation:home")).content
    assert b"Export my tasks" in client_for(staff).get(reverse("compilation:home")).content


# --------------------------------------------------------------------------- import: preview, then confirm


def test_upload_shows_a_preview_and_writes_nothing(snv, cycle):
    client = client_for(snv)
    response = upload(client, simple_framework(), cycle=cycle)
    assert response.status_code == 302
    preview = client.get(response.url)
    assert preview.status_code == 200
    assert b"No problem found" in preview.content and FRAMEWORK_NAME.encode() in preview.content
    assert Framework.objects.count() == 0


def test_confirming_the_preview_imports_the_file(snv, cycle):
    client = client_for(snv)
    preview_url = upload(client, simple_framework(), cycle=cycle).url
    response = client.post(preview_url, follow=True)
    assert response.redirect_chain[-1][0] == reverse("compilation:excel-home")
    assert b"was imported" in response.content
    assert Criterion.objects.count() == 10
    assert client.get(preview_url).status_code == 404  # the upload is gone once imported


def test_a_file_with_problems_lists_them_and_cannot_be_confirmed(snv, cycle):
    client = client_for(snv)
    preview_url = upload(
        client, simple_tasks([["A", "", "9.9.9", "không có", "", "31/12/2021", ""]]), "tasks", cycle
    ).url
    preview = client.get(preview_url)
    assert b"The workbook has 2 problems" in preview.content
    assert b"No agency has the code or name" in preview.content
    assert b"Confirm the import" not in preview.content
    confirm = client.post(preview_url)
    assert confirm.status_code == 200 and b"The workbook has 2 problems" in confirm.content
    assert Task.objects.count() == 0


def test_bytes_that_are_not_a_workbook_never_give_a_server_error(snv, cycle):
    client = client_for(snv)
    preview = client.get(upload(client, b"\x00\x01 garbage", cycle=cycle, name="x.xlsx").url)
    assert preview.status_code == 200 and b"The file is not an Excel workbook" in preview.content


def test_old_xls_files_are_refused_by_the_form(snv, cycle):
    response = upload(client_for(snv), b"whatever", cycle=cycle, name="bang-diem.xls")
    assert response.status_code == 400 and b"Save the file as an Excel Workbook" in response.content


def test_another_sessions_token_is_not_found(snv, cycle):
    preview_url = upload(client_for(snv), simple_framework(), cycle=cycle).url
    other_snv = UserFactory(username="snv2", province_role="snv")
    assert client_for(other_snv).get(preview_url).status_code == 404
    assert client_for(other_snv).post(preview_url).status_code == 404
    assert Framework.objects.count() == 0


def test_cancel_drops_the_upload(snv, cycle):
    client = client_for(snv)
    preview_url = upload(client, simple_framework(), cycle=cycle).url
    token = preview_url.rstrip("/").rsplit("/", 1)[-1]
    assert client.post(reverse("compilation:excel-cancel", kwargs={"token": token})).status_code == 302
    assert client.get(preview_url).status_code == 404


# --------------------------------------------------------------------------- downloads


@pytest.mark.parametrize(("kind", "layout"), [("framework", FRAMEWORK_LAYOUT), ("tasks", TASK_LAYOUT)])
def test_templates_carry_the_import_headers(snv, kind, layout):
    response = client_for(snv).get(reverse("compilation:excel-template", kwargs={"kind": kind}))
    assert response.status_code == 200
    first = next(iter(sheets(response).values()))
    assert list(first[0]) == [c.header for c in layout.columns]


def test_unknown_template_is_not_found(snv):
    assert client_for(snv).get(reverse("compilation:excel-template", kwargs={"kind": "scores"})).status_code == 404


def test_export_as_of_a_given_date(snv, cycle, agency):
    TaskFactory(cycle=cycle, lead_agency=agency, title="Trễ hạn")
    response = client_for(snv).get(reverse("compilation:excel-export"), {"cycle": cycle.pk, "as_of": "05/01/2022"})
    rows = sheets(response)["Theo dõi nhiệm vụ"]
    header = next(i for i, row in enumerate(rows) if row[0] == "Số hiệu nhiệm vụ")  # under the annex's title block
    assert "Trạng thái tính đến ngày 05/01/2022" in [row[0] for row in rows[:header]]
    task = rows[header + 1]
    assert task[9] == "Quá hạn" and task[12] == 5  # status and days overdue, after number and shortcoming


def test_bad_export_date_is_a_form_error_not_a_server_error(snv, cycle):
    response = client_for(snv).get(reverse("compilation:excel-export"), {"cycle": cycle.pk, "as_of": "31/02/2022"})
    assert response.status_code == 400


def test_export_query_count_does_not_grow_with_the_tasks(snv, cycle, django_assert_max_num_queries):
    lead = AgencyFactory(code="lead")
    client = client_for(snv)
    for n in (5, 60):
        for i in range(n):
            TaskFactory(cycle=cycle, lead_agency=lead, title=f"{n}-{i}").coordinating_agencies.add(lead)
        with django_assert_max_num_queries(25):
            assert client.get(reverse("compilation:excel-export"), {"cycle": cycle.pk}).status_code == 200
