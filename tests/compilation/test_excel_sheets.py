"""Which sheet an import reads: visible sheets only, said in the preview and the command, chosen by the user."""

from decimal import Decimal
from io import StringIO

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django.utils import translation

from compilation.excel.importing import run_import
from parindex.models import Framework, Score
from tests.data.workbooks import last_year_hidden_framework, two_visible_frameworks

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def private_storage(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path


def self_scores(cycle) -> dict[str, Decimal | None]:
    rows = Score.objects.filter(cycle=cycle).values_list("criterion__code", "self_score")
    return dict(rows)


@pytest.mark.parametrize("state", ["hidden", "veryHidden"])
def test_a_hidden_first_sheet_is_never_read(cycle, state):
    result = run_import(last_year_hidden_framework(state), "framework", cycle)
    assert result.applied, result.problems
    assert result.sheet == "Năm nay"
    assert result.hidden_sheets == ["Năm trước"]
    assert self_scores(cycle) == {
        "1.1.1": Decimal("1.00"),
        "1.1.2": Decimal("1.00"),
        "1.2.1": Decimal("0.75"),
        "2.1.1": None,
        "2.1.2": Decimal("1.50"),
    }


def test_naming_a_hidden_sheet_is_refused(cycle):
    with translation.override("en"):
        result = run_import(last_year_hidden_framework(), "framework", cycle, sheet="Năm trước")
    assert not result.applied
    assert [p.message for p in result.problems] == ["The sheet “Năm trước” is hidden; only visible sheets are read."]
    assert not Framework.objects.exists()


def test_two_qualifying_visible_sheets_are_not_guessed(cycle):
    result = run_import(two_visible_frameworks(), "framework", cycle)
    assert not result.applied
    assert result.sheets == ["Dự thảo", "Chính thức"]
    assert len(result.problems) == 1
    assert not Framework.objects.exists() and not Score.objects.exists()


def test_the_chosen_sheet_is_read(cycle):
    result = run_import(two_visible_frameworks(), "framework", cycle, sheet="Chính thức")
    assert result.applied, result.problems
    assert result.sheet == "Chính thức" and result.sheets == ["Dự thảo", "Chính thức"]
    assert self_scores(cycle)["1.1.1"] == Decimal("1.00")


def test_the_command_says_which_sheet_it_read(cycle, tmp_path):
    path = tmp_path / "annex.xlsx"
    path.write_bytes(last_year_hidden_framework())
    out = StringIO()
    with translation.override("en"):
        call_command("import_workbook", str(path), "--kind", "framework", "--cycle", str(cycle.year), stdout=out)
    lines = out.getvalue().splitlines()
    assert "Sheet read: Năm nay (10 rows)" in lines
    assert "Hidden sheets, not read: Năm trước" in lines
    assert self_scores(cycle)["1.1.1"] == Decimal("1.00")


def test_the_command_refuses_to_guess_between_sheets(cycle, tmp_path):
    path = tmp_path / "annex.xlsx"
    path.write_bytes(two_visible_frameworks())
    err = StringIO()
    with pytest.raises(CommandError):
        call_command(
            "import_workbook",
            str(path),
            "--kind",
            "framework",
            "--cycle",
            str(cycle.year),
            stdout=StringIO(),
            stderr=err,
        )
    assert "Dự thảo" in err.getvalue() and "Chính thức" in err.getvalue()
    assert not Score.objects.exists()


def test_the_browser_preview_offers_the_sheets_and_imports_the_chosen_one(snv, cycle):
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "vi"
    client.force_login(snv)
    form = {
        "kind": "framework",
        "cycle": cycle.pk,
        "file": SimpleUploadedFile("phu-luc.xlsx", two_visible_frameworks()),
    }
    preview_url = client.post(reverse("compilation:excel-import"), form).url
    page = client.get(preview_url)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="sheet-choice"' in html and 'value="Dự thảo"' in html and 'value="Chính thức"' in html
    token = preview_url.rstrip("/").rsplit("/", 1)[-1]
    chosen = client.post(reverse("compilation:excel-sheet", kwargs={"token": token}), {"sheet": "Chính thức"})
    assert chosen.status_code == 302 and chosen.url != preview_url
    page = client.get(chosen.url)
    assert page.context["result"].sheet == "Chính thức" and page.context["result"].ok
    assert not Score.objects.exists()  # the preview writes nothing
    assert client.post(chosen.url).status_code == 302
    assert self_scores(cycle)["1.1.1"] == Decimal("1.00")
    # the old token is gone with its file: it cannot be confirmed any more
    assert client.post(preview_url).status_code == 404
