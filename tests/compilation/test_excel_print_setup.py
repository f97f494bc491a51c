"""The exported workbook prints as an annex: A4 landscape, the decree's margins, a readable scale, page numbers."""

import datetime as dt
import io
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from openpyxl import load_workbook

from compilation.excel.exporting import export_workbook
from compilation.excel.importing import run_import
from tests.data.workbooks import simple_framework
from tests.factories import AgencyFactory, TaskFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def data(cycle) -> bytes:
    assert run_import(simple_framework(), "framework", cycle).applied
    TaskFactory(cycle=cycle, lead_agency=AgencyFactory(), title="Rà soát thủ tục", shortcoming="Công khai chậm")
    out = io.BytesIO()
    export_workbook(cycle, dt.date(2021, 11, 15), out)
    return out.getvalue()


@pytest.fixture
def exported(data):
    return load_workbook(io.BytesIO(data))


def test_every_sheet_is_set_up_for_a4_landscape_with_the_decrees_margins(exported):
    assert exported.sheetnames == ["Điểm Chỉ số CCHC", "Theo dõi nhiệm vụ", "Tình hình báo cáo"]
    for ws in exported.worksheets:
        setup, margins = ws.page_setup, ws.page_margins
        assert (int(setup.paperSize), setup.orientation) == (9, "landscape")
        assert (round(margins.top * 2.54, 1), round(margins.bottom * 2.54, 1)) == (2.0, 2.0)
        assert (round(margins.left * 2.54, 1), round(margins.right * 2.54, 1)) == (3.0, 1.5)
        assert int(setup.scale) * 12 / 100 >= 10  # 12 pt text stays at 10 pt or more on paper
        assert not ws.sheet_properties.pageSetUpPr or not ws.sheet_properties.pageSetUpPr.fitToPage
        assert ws.oddHeader.center.text == "&P" and ws.HeaderFooter.differentFirst
        assert ws.print_title_rows == "$3:$3"


def test_fonts_freeze_panes_and_properties(exported):
    scores, tasks = exported["Điểm Chỉ số CCHC"], exported["Theo dõi nhiệm vụ"]
    assert scores.freeze_panes == "C4" and tasks.freeze_panes == "B4"
    assert scores.print_title_cols == "$A:$B"  # repeated on every page of a wide sheet
    assert {c.font.name for c in scores[4] if c.value is not None} == {"Times New Roman"}
    assert tasks["A3"].value == "Số hiệu nhiệm vụ" and tasks["B3"].value == "Hạn chế, tồn tại"
    assert tasks["B4"].value == "Công khai chậm" and tasks["A4"].value == 1
    assert exported.properties.creator == "Sở Nội vụ" and exported.properties.title.startswith("Theo dõi nhiệm vụ")


def test_page_one_renders_on_a4_landscape_through_libreoffice(data, tmp_path):
    """The first page, as LibreOffice prints it, to PDF then PNG (kept in PRINT_PNG_DIR to be looked at)."""
    soffice, pdftoppm = shutil.which("soffice"), shutil.which("pdftoppm")
    assert soffice and pdftoppm, "LibreOffice and poppler-utils are needed"
    source = tmp_path / "theo-doi.xlsx"
    source.write_bytes(data)
    subprocess.run(
        [soffice, f"-env:UserInstallation=file://{tmp_path}/lo", "--headless", "--convert-to", "pdf",
         "--outdir", str(tmp_path), str(source)],
        check=True, capture_output=True, timeout=240,
    )  # fmt: skip
    pdf = tmp_path / "theo-doi.pdf"
    info = subprocess.run(["pdfinfo", str(pdf)], check=True, capture_output=True, text=True).stdout
    size = next(line for line in info.splitlines() if line.startswith("Page size"))
    width, height = (float(v) for v in size.split(":")[1].split("pts")[0].split(" x "))
    assert (round(width), round(height)) == (842, 595)  # A4 landscape, in points
    target = Path(os.environ.get("PRINT_PNG_DIR", tmp_path))
    subprocess.run([pdftoppm, "-png", "-r", "60", "-f", "1", "-l", "2", str(pdf), str(target / "page")], check=True)
    assert (target / "page-1.png").stat().st_size > 1000
