"""Office evidence is a zip: a zip bomb renamed .docx or .xlsx is refused before it is stored."""

import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings

from agencies.files import validate_evidence
from remediation.models import Evidence, ProgressUpdate
from tests.remediation import files
from tests.remediation.test_progress import progress, task  # noqa: F401 (task is a fixture)

pytestmark = pytest.mark.django_db
MB = 1024 * 1024


def bomb(main_part: str, unpacked: int) -> bytes:
    """A valid office zip whose one extra part is ``unpacked`` bytes of zeros (a few KB packed)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(main_part, "<xml/>")
        with archive.open("xl/sharedStrings.xml", "w", force_zip64=True) as part:
            chunk = b"\0" * MB
            for _ in range(unpacked // MB):
                part.write(chunk)
    return buf.getvalue()


def many_parts(main_part: str, count: int) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(main_part, "<xml/>")
        for i in range(count):
            archive.writestr(f"customXml/item{i}.xml", "")
    return buf.getvalue()


@pytest.mark.parametrize(
    ("name", "main_part"), [("bang.xlsx", "xl/workbook.xml"), ("van-ban.docx", "word/document.xml")]
)
def test_a_zip_bomb_under_the_upload_limit_is_refused_at_the_default_unpacked_limit(name, main_part):
    data = bomb(main_part, 201 * MB)
    assert len(data) < MB  # it passes the 20 MB upload limit easily
    with pytest.raises(ValidationError, match="giải nén|unpacks"):
        validate_evidence(files.upload(name, data))


@override_settings(EVIDENCE_MAX_ZIP_ENTRIES=100)
def test_an_office_file_with_too_many_parts_is_refused():
    with pytest.raises(ValidationError):
        validate_evidence(files.upload("bang.xlsx", many_parts("xl/workbook.xml", 150)))


@override_settings(EVIDENCE_MAX_UNPACKED_BYTES=8 * MB, EVIDENCE_MAX_ZIP_ENTRIES=100)
def test_office_files_within_the_limits_are_accepted():
    assert validate_evidence(files.upload("bang.xlsx", bomb("xl/workbook.xml", 4 * MB))).endswith("sheet")
    assert validate_evidence(files.upload("bang.xlsx", many_parts("xl/workbook.xml", 50))).endswith("sheet")
    assert validate_evidence(files.upload("van-ban.docx", files.office("word/document.xml"))).endswith("document")


@override_settings(EVIDENCE_MAX_UNPACKED_BYTES=2 * MB, LANGUAGE_CODE="vi")
def test_a_zip_bomb_on_the_task_page_is_a_form_error_and_nothing_is_stored(client, staff, task):  # noqa: F811
    client.force_login(staff)
    response = progress(client, task, files=[files.upload("bang.xlsx", bomb("xl/workbook.xml", 3 * MB))])
    assert response.status_code == 400
    assert "bang.xlsx" in response.content.decode()
    assert not ProgressUpdate.objects.exists() and not Evidence.objects.exists()
