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
    assert exported.sheetnames == ["Điểm Chỉ số CCHC", "Theo dõi nhiệm vụ", "Tình hình báo cáo"]  # no SIPAS tree
    for ws in exported.worksheets:
        setup, margins = ws.page_setup, ws.page_margins
        assert (int(setup.paperSize), setup.orientation) == (9, "landscape")
        assert (round(margins.top * 2.54, 1), round(margins.bottom * 2.54, 1)) == (2.0, 2.0)
        assert (round(margins.left * 2.54, 1), round(margins.right * 2.54, 1)) == (3.0, 1.5)
        assert int(setup.scale) * 12 / 100 >= 10  # 12 pt text stays at 10 pt or more on paper
        assert not ws.sheet_properties.pageSetUpPr or not ws.sheet_properties.pageSetUpPr.fitToPage
        assert ws.oddHeader.center.text == "&P" and ws.HeaderFooter.differentFirst
        assert ws.print_title_rows == "$7:$7"  # below the issuing block and the four title lines


def test_every_sheet_is_an_annex_with_its_issuing_block_and_the_reports_reference(exported):
    for ws, number in zip(exported.worksheets, ("I", "II", "III"), strict=True):
        assert ws["A1"].value == "UBND TỈNH BÌNH ĐỊNH" and ws["A2"].value == "SỞ NỘI VỤ"
        assert ws["A2"].font.b and not ws["A1"].font.b
        assert ws["A3"].value == f"PHỤ LỤC {number}" and ws["A3"].alignment.horizontal == "center"
        assert ws["A6"].value.startswith("(Kèm theo Báo cáo số") and ws["A6"].value.endswith("của Sở Nội vụ)")
        assert ws["A6"].font.i
        merged = {str(r) for r in ws.merged_cells.ranges}
        (title,) = [r for r in ws.merged_cells.ranges if r.min_row == 3]
        assert {f"A{r}:{title.coord.split(':')[1][:-1]}{r}" for r in (3, 4, 5, 6)} <= merged, ws.title
        # centred over the columns of the first page: A4 landscape, 252 mm of text at 85 %, ~2 mm a unit
        widths = [
            ws.column_dimensions[ws.cell(row=7, column=c).column_letter].width for c in range(1, title.max_col + 2)
        ]
        assert sum(widths[: title.max_col]) <= 252 / 0.85 / 2
        assert title.max_col == ws.max_column or sum(widths) > 252 / 0.85 / 2


def test_the_table_has_borders_and_percentages_are_percent_cells(exported):
    tasks, agencies = exported["Theo dõi nhiệm vụ"], exported["Tình hình báo cáo"]
    for cell in (*tasks[7], *tasks[8]):  # the header and a data row, empty cells included
        assert cell.border.left.style == "thin" and cell.border.bottom.style == "thin", cell.coordinate
    assert tasks["D8"].value is None and tasks["D8"].border.top.style == "thin"  # no description, still boxed
    assert agencies["I7"].value == "Tỷ lệ hoàn thành"
    rates = [row[8] for row in agencies.iter_rows(min_row=8) if row[0].value is not None]
    assert rates and all(c.number_format == "0.00%" and 0 <= c.value <= 1 for c in rates)


def test_the_sipas_sheet_gives_each_component_and_the_index_as_percentages(demo):
    from compilation import figures
    from parindex.models import Cycle

    cycle = Cycle.objects.get(year=2021)
    as_of = cycle.as_of()
    out = io.BytesIO()
    export_workbook(cycle, as_of, out)
    ws = load_workbook(io.BytesIO(out.getvalue()))["Chỉ số SIPAS"]
    assert ws["A3"].value == "PHỤ LỤC IV" and [c.value for c in ws[7]][:3] == ["Mã", "Yếu tố", "Chỉ số thành phần"]
    components = figures.sipas(cycle)
    rows = list(ws.iter_rows(min_row=8))
    assert len(rows) == len(components) + 1 == 6
    for row, component in zip(rows, components, strict=False):
        assert (row[0].value, row[1].value) == (component.code, component.name)
        assert row[2].number_format == "0.00%" and round(row[2].value * 100, 2) == float(component.effective)
    overall = figures.sipas_overall(cycle, as_of)
    assert rows[-1][1].value.startswith("Chỉ số SIPAS") and rows[-1][1].font.b
    assert round(rows[-1][2].value * 100, 4) == round(float(overall["percent"]), 4)
    assert ("dự kiến" in rows[-1][1].value) == overall["provisional"]


def test_fonts_freeze_panes_and_properties(exported):
    scores, tasks = exported["Điểm Chỉ số CCHC"], exported["Theo dõi nhiệm vụ"]
    assert scores.freeze_panes == "C8" and tasks.freeze_panes == "B8"
    assert scores.print_title_cols == "$A:$B"  # repeated on every page of a wide sheet
    assert {c.font.name for c in scores[8] if c.value is not None} == {"Times New Roman"}
    assert tasks["A7"].value == "Số hiệu nhiệm vụ" and tasks["B7"].value == "Hạn chế, tồn tại"
    assert tasks["B8"].value == "Công khai chậm" and tasks["A8"].value == 1
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
