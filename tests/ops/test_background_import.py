"""Long work off the web workers: with a broker, a large upload is read by a Celery worker while its
page polls; without one (the embedded default) the request reads it, as before.

The broker is the test's list: ``parse_import.delay`` records the message, and the test plays the
worker by running the task itself, so it can check what the request did and did not do.
"""

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from compilation import tasks
from compilation.excel import runs
from compilation.models import ImportRun, ImportRunStatus
from compilation.views import excel as excel_views
from config.celery_app import app as celery_app
from parindex.models import Criterion, Framework
from tests.data.workbooks import simple_framework

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def private_storage(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path


@pytest.fixture
def broker(monkeypatch, settings, django_capture_on_commit_callbacks):
    """A broker and no worker: messages are recorded; ``work()`` runs them as a worker would."""
    queued: list[tuple[int, str]] = []
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    settings.EXCEL_BACKGROUND_MIN_BYTES = 0
    monkeypatch.setattr(tasks.parse_import, "delay", lambda run_id, path: queued.append((run_id, path)))

    class Broker:
        messages = queued

        @staticmethod
        def work() -> None:
            while queued:
                tasks.parse_import(*queued.pop(0))

    yield Broker
    celery_app.conf.task_always_eager = previous


@pytest.fixture
def client(snv, django_capture_on_commit_callbacks):
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(snv)
    return client


def upload(client, cycle) -> str:
    form = {"kind": "framework", "cycle": cycle.pk, "file": SimpleUploadedFile("bo.xlsx", simple_framework())}
    return client.post(reverse("compilation:excel-import"), form).url


def refuse_parsing_in_the_request(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("the web request parsed the upload")

    monkeypatch.setattr(excel_views, "run_import", refuse)


def test_a_large_upload_is_read_by_a_worker_not_by_the_request(
    client, cycle, broker, monkeypatch, django_capture_on_commit_callbacks
):
    preview_url = upload(client, cycle)
    refuse_parsing_in_the_request(monkeypatch)
    with django_capture_on_commit_callbacks(execute=True):
        page = client.get(preview_url)
    assert page.status_code == 200 and b'id="import-status"' in page.content and b"No problem found" not in page.content
    assert len(broker.messages) == 1
    broker.work()
    poll = client.get(preview_url, HTTP_HX_REQUEST="true")
    assert poll.status_code == 204 and poll["HX-Refresh"] == "true"
    preview = client.get(preview_url)
    assert b"No problem found" in preview.content and Framework.objects.count() == 0


def test_a_reload_while_it_is_read_enqueues_nothing_twice(client, cycle, broker, django_capture_on_commit_callbacks):
    preview_url = upload(client, cycle)
    with django_capture_on_commit_callbacks(execute=True):
        client.get(preview_url)
        client.get(preview_url)
        client.get(preview_url, HTTP_HX_REQUEST="true")
    assert len(broker.messages) == 1 and ImportRun.objects.count() == 1


def test_confirming_a_large_upload_imports_it_in_the_worker_once(
    client, cycle, broker, monkeypatch, django_capture_on_commit_callbacks
):
    preview_url = upload(client, cycle)
    with django_capture_on_commit_callbacks(execute=True):
        client.get(preview_url)
    broker.work()
    refuse_parsing_in_the_request(monkeypatch)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(preview_url)
    assert response.status_code == 302 and response.url == preview_url + "?confirm=1"
    assert Criterion.objects.count() == 0  # nothing written by the request
    run_id, path = broker.messages[0]
    broker.work()
    tasks.parse_import(run_id, path)  # a redelivery of the same message: the claim refuses it
    assert Criterion.objects.count() == 10
    done = client.get(preview_url + "?confirm=1", follow=True)
    assert done.redirect_chain[-1][0] == reverse("compilation:excel-home") and b"was imported" in done.content


def test_the_worker_confirms_from_the_previews_read_without_parsing_the_file_again(
    client, cycle, broker, django_capture_on_commit_callbacks
):
    """The preview's worker keeps its read beside the upload; the import's worker applies it: the upload,
    overwritten in between with bytes that are no workbook, is not parsed again."""
    preview_url = upload(client, cycle)
    with django_capture_on_commit_callbacks(execute=True):
        client.get(preview_url)
    broker.work()
    token = preview_url.rstrip("/").rsplit("/", 1)[-1]
    stored = settings.PRIVATE_MEDIA_ROOT / "excel-imports" / f"{token}.xlsx"
    assert runs.read_parsed(stored)["kind"] == "framework"
    stored.write_bytes(b"not a workbook any more")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(preview_url)
    broker.work()
    assert ImportRun.objects.get(confirm=True).result["applied"] is True
    assert sorted(Criterion.objects.values_list("code", flat=True)) == [
        "1", "1.1", "1.1.1", "1.1.2", "1.2", "1.2.1", "2", "2.1", "2.1.1", "2.1.2"
    ]  # fmt: skip


def test_a_run_that_fails_in_the_worker_says_so_and_stops_polling(
    client, cycle, broker, monkeypatch, django_capture_on_commit_callbacks
):
    preview_url = upload(client, cycle)
    with django_capture_on_commit_callbacks(execute=True):
        client.get(preview_url)

    def broken(*args, **kwargs):
        raise MemoryError("out of memory")

    monkeypatch.setattr(runs, "run_import", broken)
    broker.work()
    assert ImportRun.objects.get().status == ImportRunStatus.FAILED
    page = client.get(preview_url).content.decode()
    assert "MemoryError" in page and "hx-trigger" not in page


def test_without_a_broker_the_request_reads_the_upload_itself(client, cycle, settings):
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True  # the embedded default: no REDIS_URL
    settings.EXCEL_BACKGROUND_MIN_BYTES = 0
    try:
        preview = client.get(upload(client, cycle))
    finally:
        celery_app.conf.task_always_eager = previous
    assert b"No problem found" in preview.content and not ImportRun.objects.exists()


def test_with_a_broker_a_small_upload_is_still_read_in_the_request(client, cycle, settings):
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    settings.EXCEL_BACKGROUND_MIN_BYTES = 10 * 1024 * 1024
    try:
        preview = client.get(upload(client, cycle))
    finally:
        celery_app.conf.task_always_eager = previous
    assert b"No problem found" in preview.content and not ImportRun.objects.exists()


def test_a_get_never_starts_an_import(client, cycle, settings):
    """``?confirm=1`` only follows an import that a POST started; without one it is a 404 and nothing is written."""
    preview_url = upload(client, cycle)
    assert client.get(preview_url + "?confirm=1").status_code == 404
    assert Criterion.objects.count() == 0 and not ImportRun.objects.exists()
