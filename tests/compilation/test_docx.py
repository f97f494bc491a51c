"""The consolidated report as DOCX (issue 16): read back with python-docx, and converted by
LibreOffice to PDF, whose page 1 is rasterised (pdftoppm) and its text read back.

The demo report is rendered once per module inside a transaction that is rolled back.
"""

from __future__ import annotations

import io
import re
import subprocess
from dataclasses import dataclass

import pytest
from django.db import transaction
from docx import Document
from docx.shared import Mm
from PIL import Image

from compilation.consolidated import document as report_services
from compilation.consolidated import word
from compilation.demo.loader import DEMO_INSTRUCTION
from parindex.models import Cycle

pytestmark = pytest.mark.django_db

PROPOSALS = "Đề nghị Chủ tịch UBND tỉnh chỉ đạo các cơ quan hoàn thành nhiệm vụ quá hạn.\nĐề nghị bổ sung kinh phí."


@dataclass
class DemoDocx:
    data: bytes
    again: bytes
    pdf_text: str

    @property
    def doc(self):
        return Document(io.BytesIO(self.data))

    @property
    def text(self) -> str:
        doc = self.doc
        parts = [p.text for p in doc.paragraphs]
        for table in doc.tables:
            for row in table.rows:
                parts.extend(cell.text for cell in row.cells)
        return "\n".join(parts)


@pytest.fixture(scope="module")
def report(django_db_setup, django_db_blocker) -> DemoDocx:
    from compilation.demo.loader import load_demo

    with django_db_blocker.unblock(), transaction.atomic():
        load_demo()
        cycle = Cycle.objects.get(year=2021)
        data = report_services.render_report(cycle, cycle.as_of(), PROPOSALS, fmt="docx")
        again = report_services.render_report(cycle, cycle.as_of(), PROPOSALS, fmt="docx")
        pdf_text = report_services.render_report(cycle, cycle.as_of(), PROPOSALS)
        transaction.set_rollback(True)
    from pypdf import PdfReader

    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf_text)).pages)
    return DemoDocx(data, again, text)


def test_the_same_report_gives_the_same_bytes(report):
    assert report.data == report.again and report.data.startswith(b"PK")


def test_a4_with_the_decrees_margins_and_the_annex_numbering_its_own_pages(report):
    sections = report.doc.sections
    assert len(sections) == 2  # body, annex
    for section in sections:
        assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
        assert [round(m.mm) for m in (section.top_margin, section.bottom_margin)] == [20, 20]
        assert [round(m.mm) for m in (section.left_margin, section.right_margin)] == [30, 15]
        assert section.different_first_page_header_footer  # no number on a first page
        assert "PAGE" in section.header._element.xml
    assert 'w:start="1"' in sections[1]._sectPr.xml


def test_times_new_roman_throughout(report):
    doc = report.doc
    assert doc.styles["Normal"].font.name == "Times New Roman"
    fonts = {r.font.name for p in doc.paragraphs for r in p.runs if r.text.strip()}
    assert fonts == {"Times New Roman"}


def test_header_blocks_subject_signer_and_citations(report):
    text = report.text
    for expected in (
        "UBND TỈNH BÌNH ĐỊNH",
        "SỞ NỘI VỤ",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "Bình Định, ngày 15 tháng 11 năm 2021",
        "BÁO CÁO",
        f"Thực hiện {DEMO_INSTRUCTION} về việc rà soát",
        "Báo cáo số 117/BC-SNV ngày 07/10/2021 của Sở Nội vụ",
        "Nguyễn Văn An",
        "Nơi nhận:",
        "Đề nghị bổ sung kinh phí.",
        "PHỤ LỤC",
        "DANH MỤC NHIỆM VỤ KHẮC PHỤC NĂM 2021",
    ):
        assert expected in text, expected
    subject = next(p.text for p in report.doc.paragraphs if p.text.startswith("Kết quả khắc phục"))
    lines = subject.split("\n")
    assert len(lines) == 2 and lines[-1].endswith("năm 2021") and "CCHC" not in subject


def test_the_same_sections_and_figures_as_the_pdf(report):
    text = report.text
    pdf_text = report.pdf_text.replace("\n", " ")
    headings = [p.text for p in report.doc.paragraphs if re.match(r"^(I|II|III|IV|V|VI)\. ", p.text)]
    assert [h.split(".")[0] for h in headings] == ["I", "II", "III", "IV", "V", "VI"]
    percents = set(re.findall(r"\d+,\d\d%", text))
    assert percents and all(p in pdf_text for p in percents)
    assert not re.search(r"\d %", text), "85,00% without a space"


def test_tables_are_12_pt_and_the_charts_are_pictures(report):
    doc = report.doc
    runs = [r for t in doc.tables[1:] for row in t.rows for c in row.cells for p in c.paragraphs for r in p.runs]
    sizes = {r.font.size.pt for r in runs if r.text.strip()}
    assert min(sizes) >= 11 and 12 in sizes  # 12 pt; Nơi nhận at 11 pt
    assert len(doc.inline_shapes) == 2
    assert all(abs(s.width - Mm(164)) < Mm(2) for s in doc.inline_shapes)


def test_a_chart_png_has_the_svgs_size_times_the_scale():
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" width="100" height="40" font-size="15">'
        '<rect x="0" y="0" width="50" height="10" fill="#c0392b"/>'
        '<text x="5" y="30" text-anchor="start" fill="#222222"><tspan x="5" dy="0">Sở Nội vụ</tspan></text></svg>'
    )
    png, width, height = word.svg_to_png(svg)
    image = Image.open(io.BytesIO(png))
    assert (width, height) == (100, 40)
    assert image.size == (100 * word.CHART_DPI_SCALE, 40 * word.CHART_DPI_SCALE)
    assert image.getpixel((10, 10)) == (192, 57, 43)


def test_libreoffice_opens_it_and_page_one_is_the_report(report, tmp_path):
    source = tmp_path / "report.docx"
    source.write_bytes(report.data)
    subprocess.run(
        ["soffice", f"-env:UserInstallation=file://{tmp_path}/lo", "--headless", "--convert-to", "pdf",
         "--outdir", str(tmp_path), str(source)],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    pdf = tmp_path / "report.pdf"
    assert pdf.exists(), "LibreOffice could not convert the DOCX"
    subprocess.run(["pdftoppm", "-r", "60", "-png", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "p")], check=True)
    page = Image.open(next(tmp_path.glob("p-*1.png")))
    assert abs(page.width / page.height - 210 / 297) < 0.01  # A4 portrait
    first = subprocess.run(["pdftotext", "-f", "1", "-l", "1", str(pdf), "-"], capture_output=True, text=True).stdout
    for expected in ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "BÁO CÁO", "I. KẾT QUẢ CHUNG"):
        assert expected in first
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True).stdout
    assert "LiberationSerif" in fonts or "TimesNewRoman" in fonts.replace(" ", "")
