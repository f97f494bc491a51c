"""A Report 117 annex names the shortcoming beside each task: its columns need A4 landscape.

The body stays A4 portrait (Decree 30/2020); the annex turns landscape only when a task
carries its shortcoming, keeps the decree's margins, numbers its own pages from page 2
(in one process and when laid out in parallel runs), and the DOCX does the same.
"""

from __future__ import annotations

import io
import subprocess

import pytest
from docx import Document
from docx.enum.section import WD_ORIENT
from docx.shared import Mm
from pypdf import PdfReader

from compilation.consolidated import document as report_services
from compilation.consolidated import word
from parindex.models import Cycle
from remediation.models import Task

PORTRAIT, LANDSCAPE = (595, 842), (842, 595)
SHORTCOMING = "Chưa ban hành đầy đủ quy trình nội bộ giải quyết thủ tục hành chính"


def _sizes(data: bytes) -> list[tuple[int, int]]:
    return [
        (round(float(p.mediabox.width)), round(float(p.mediabox.height))) for p in PdfReader(io.BytesIO(data)).pages
    ]


def _annex_start(data: bytes) -> int:
    pages = [p.extract_text() for p in PdfReader(io.BytesIO(data)).pages]
    return next(i for i, text in enumerate(pages) if "DANH MỤC NHIỆM VỤ KHẮC PHỤC" in text)


@pytest.fixture
def cycle_with_shortcomings(demo):
    cycle = Cycle.objects.get(year=2021)
    tasks = list(Task.objects.filter(cycle=cycle).order_by("number")[:3])
    Task.objects.filter(pk__in=[t.pk for t in tasks]).update(shortcoming=SHORTCOMING)
    return cycle


def test_without_shortcomings_the_whole_report_is_portrait(demo):
    cycle = Cycle.objects.get(year=2021)
    context = report_services.report_context(cycle, cycle.as_of(), "Đề nghị.")
    assert context["annex_landscape"] is False
    assert set(_sizes(report_services.render_pdf(context)[0])) == {PORTRAIT}


@pytest.mark.parametrize("parallel", [False, True], ids=["one-process", "parallel-runs"])
def test_the_annex_turns_landscape_with_its_shortcoming_column(
    cycle_with_shortcomings, parallel, monkeypatch, tmp_path
):
    cycle = cycle_with_shortcomings
    context = report_services.report_context(cycle, cycle.as_of(), "Đề nghị.")
    assert context["annex_landscape"] is True
    if parallel:
        monkeypatch.setattr(report_services, "PARALLEL_FROM", 0)
    data = report_services.render_pdf(context)[0]
    sizes = _sizes(data)
    start = _annex_start(data)
    assert set(sizes[:start]) == {PORTRAIT}, "the body stays A4 portrait"
    assert set(sizes[start:]) == {LANDSCAPE}
    assert len(sizes) - start >= 2, "the demo's annex runs over two pages at least"

    reader = PdfReader(io.BytesIO(data))
    first, second = reader.pages[start].extract_text(), reader.pages[start + 1].extract_text()
    annex = " ".join(" ".join(p.extract_text() for p in reader.pages[start:]).split())
    assert "TT Hạn chế, tồn tại Nhiệm vụ, giải pháp khắc phục" in " ".join(first.split())
    assert annex.count("Chưa ban hành đầy đủ") == 3, "each of the three tasks shows its shortcoming"
    assert not first.rstrip().endswith("\n1"), "the annex's first page carries no number"
    assert second.rstrip().endswith("\n2"), "the annex numbers its own pages from 2"

    if not parallel:  # look at it: the first annex page as a PNG, landscape
        pdf_path = tmp_path / "report.pdf"
        pdf_path.write_bytes(data)
        png = tmp_path / "annex"
        n = start + 1
        subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", str(n), "-l", str(n), pdf_path, png], check=True)
        from PIL import Image

        (image_path,) = tmp_path.glob("annex*.png")
        with Image.open(image_path) as image:
            assert image.width > image.height
        (tmp_path.parent / "annex_landscape.png").write_bytes(image_path.read_bytes())  # to look at


def test_the_docx_annex_section_is_landscape_with_the_decrees_margins(cycle_with_shortcomings):
    cycle = cycle_with_shortcomings
    context = report_services.report_context(cycle, cycle.as_of(), "Đề nghị.")
    doc = Document(io.BytesIO(word.render_docx(context)))
    body, annex = doc.sections[0], doc.sections[-1]

    def mm(*lengths):
        return tuple(round(x.mm) for x in lengths)

    assert body.orientation == WD_ORIENT.PORTRAIT and mm(body.page_width, body.page_height) == (210, 297)
    assert annex.orientation == WD_ORIENT.LANDSCAPE and mm(annex.page_width, annex.page_height) == (297, 210)
    assert mm(annex.left_margin, annex.right_margin, annex.top_margin, annex.bottom_margin) == (30, 15, 20, 20)
    table = doc.tables[-1]
    assert [c.text for c in table.rows[0].cells][:2] == ["TT", "Hạn chế, tồn tại"]
    assert sum(SHORTCOMING in row.cells[1].text for row in table.rows) == 3
    width = sum(col.width for col in table.columns)
    assert Mm(word.LANDSCAPE_TEXT_WIDTH_MM) - Mm(1) <= width <= Mm(word.LANDSCAPE_TEXT_WIDTH_MM) + Mm(1)
