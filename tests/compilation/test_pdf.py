"""The consolidated PDF of the Bình Định demo: contents, figures, format and fonts, read from the PDF itself.

The demo report is rendered once per module (a few seconds) inside a transaction that
is rolled back, and every test reads that one PDF.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import translation
from django.utils.formats import number_format
from fontTools.ttLib import TTFont
from PIL import Image
from pypdf import PdfReader
from pypdf.generic import DictionaryObject, IndirectObject

from compilation import figures
from compilation.consolidated import document as report_services
from compilation.consolidated import pdf
from compilation.demo.loader import DEMO_INSTRUCTION
from parindex import scoring
from parindex.models import Cycle, FrameworkKind

# Marks the module's tests as database users, so pytest-django creates the test database
# that the module-scoped fixture below fills (and rolls back).
pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
PROPOSALS = "Đề nghị Chủ tịch UBND tỉnh chỉ đạo các cơ quan hoàn thành nhiệm vụ quá hạn.\nĐề nghị bổ sung kinh phí."
SHIPPED_FACES = {"Liberation-Serif", "Liberation-Serif-Bold", "Liberation-Serif-Italic", "Liberation-Serif-Bold-Italic"}
HEADINGS = [
    "I. KẾT QUẢ CHUNG",
    "II. CÁC TIÊU CHÍ THÀNH PHẦN CHƯA ĐẠT ĐIỂM TỐI ĐA",
    "III. KẾT QUẢ THỰC HIỆN CỦA CÁC CƠ QUAN, ĐƠN VỊ, ĐỊA PHƯƠNG",
    "IV. NHIỆM VỤ CHƯA HOÀN THÀNH VÀ NGUYÊN NHÂN",
    "V. CHỈ SỐ HÀI LÒNG VỀ SỰ PHỤC VỤ HÀNH CHÍNH (SIPAS)",
    "VI. ĐỀ XUẤT, KIẾN NGHỊ",
    "PHỤ LỤC",
    "DANH MỤC NHIỆM VỤ KHẮC PHỤC NĂM 2021",
]


@dataclass
class DemoReport:
    data: bytes
    command_data: bytes
    html: str
    headline: figures.Headline
    below_max_codes: list[str]
    as_of: dt.date
    parallel: bytes = b""  # the same report laid out in parallel processes (issue 16, §6)

    @property
    def reader(self) -> PdfReader:
        return PdfReader(io.BytesIO(self.data))

    @property
    def pages(self) -> list[str]:
        return [page.extract_text() for page in self.reader.pages]

    @property
    def text(self) -> str:
        return "\n".join(self.pages)


@pytest.fixture(scope="module")
def report(django_db_setup, django_db_blocker, tmp_path_factory) -> DemoReport:
    """The demo loaded, the PDF rendered by the service and by the command, then all rolled back."""
    from compilation.demo.loader import load_demo

    out = tmp_path_factory.mktemp("pdf") / "report.pdf"
    with django_db_blocker.unblock(), transaction.atomic():
        load_demo()
        cycle = Cycle.objects.get(year=2021)
        as_of = cycle.as_of()
        context = report_services.report_context(cycle, as_of, PROPOSALS)
        result = DemoReport(
            data=report_services.render_report(cycle, as_of, PROPOSALS),
            command_data=b"",
            html=pdf.render_html(report_services.TEMPLATE, context),
            headline=figures.headline(cycle, as_of),
            below_max_codes=[r.code for r in figures.below_max(figures.score_tree(cycle, FrameworkKind.PAR))],
            as_of=as_of,
        )
        call_command("render_report", "--cycle", "2021", "--as-of", f"{as_of:%d/%m/%Y}", "--output", str(out),
                     "--proposals", PROPOSALS, stdout=io.StringIO())  # fmt: skip
        result.command_data = out.read_bytes()
        threshold, report_services.PARALLEL_FROM = report_services.PARALLEL_FROM, 0
        try:
            result.parallel = report_services.render_pdf(context)[0]
        finally:
            report_services.PARALLEL_FROM = threshold
        transaction.set_rollback(True)
    return result


def section(text: str, start: str, end: str) -> str:
    return text[text.index(start) : text.index(end)]


def vi(value, places: int = 2) -> str:
    with translation.override("vi"):
        return number_format(value, decimal_pos=places)


# ----------------------------------------------------------------- contents


def test_text_holds_the_national_title_and_motto(report):
    first = report.pages[0]
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in first
    assert "Độc lập - Tự do - Hạnh phúc" in first


def test_header_holds_bodies_number_and_padded_date_line(report):
    first = report.pages[0]
    assert first.index("UBND TỈNH BÌNH ĐỊNH") < first.index("SỞ NỘI VỤ") < first.index("Số:")
    assert "/BC-SNV" in first
    assert "Bình Định, ngày 15 tháng 11 năm 2021" in first
    assert "BÁO CÁO\nKết quả khắc phục tồn tại, hạn chế" in first


def test_text_holds_every_section_heading_in_order(report):
    text = report.text
    positions = [text.index(heading) for heading in HEADINGS]
    assert positions == sorted(positions)


def test_section_two_lists_the_47_codes_below_max(report):
    body = section(report.text, HEADINGS[1], HEADINGS[2])
    assert len(report.below_max_codes) == 47
    found = [code for code in report.below_max_codes if re.search(rf"(?m)^{re.escape(code)} ", body)]
    assert found == report.below_max_codes
    assert "Tổng số 47 tiêu chí thành phần chưa đạt điểm tối đa" in body


def test_score_figures_equal_the_dashboard_headline(report):
    totals, projection = report.headline.totals, report.headline.projection
    text = report.text.replace("\n", " ")
    assert f"đạt {vi(totals.points)}/{vi(totals.max_points)} điểm ({scoring.percent_text(totals.percent)})" in text
    assert f"Năm 2020 đạt {vi(totals.previous_points)} điểm" in text
    every = report.headline.projection_all
    assert "nếu mọi nhiệm vụ đạt (" in text and "tính theo việc đã xong (" in text
    assert f"khắc phục đạt điểm tối đa) là {vi(every.points)} điểm ({scoring.percent_text(every.percent)})" in text
    assert (
        f"nhiệm vụ đã hoàn thành) là {vi(projection.points)} điểm ({scoring.percent_text(projection.percent)})" in text
    )
    assert f"Có {report.headline.below_max} tiêu chí thành phần chưa đạt điểm tối đa, bị mất {vi(totals.lost)}" in text


def test_task_and_report_counts_equal_the_dashboard_headline(report):
    tasks, reports = report.headline.tasks, report.headline.reports
    text = report.text.replace("\n", " ")
    assert (
        f"Tổng số nhiệm vụ khắc phục: {tasks['total']}; đã hoàn thành {tasks['done']} "
        f"(đúng hạn {tasks['done_on_time']}, quá hạn {tasks['done_late']}; "
        f"đã được xác nhận {tasks['verified']}, chờ xác nhận {tasks['claimed']}); chưa hoàn thành {tasks['open']}, "
        f"trong đó quá hạn {tasks['overdue']}."
    ) in text
    assert (
        f"Có {reports.addressees} cơ quan, đơn vị, địa phương phải báo cáo kết quả (hạn ngày 15/11/2021), "
        f"trong đó: đã gửi đúng hạn {reports.submitted}; đã gửi quá hạn {reports.late}; "
        f"bị trả lại {reports.returned}; đã tiếp nhận {reports.accepted}; "
        f"chưa gửi báo cáo {reports.missing - reports.returned}."
    ) in text


def test_signer_citations_full_names_and_annex_subtitle(report):
    text = report.text.replace("\n", " ")
    assert "Nguyễn Văn An" in section(report.text, HEADINGS[5], HEADINGS[6])
    assert f"Thực hiện {DEMO_INSTRUCTION} về việc rà soát" in text
    assert "Báo cáo số 117/BC-SNV ngày 07/10/2021 của Sở Nội vụ" in text
    # The number is blank for the records office, so the day is blank as well.
    assert re.search(r"\(Kèm theo Báo cáo số +/BC-SNV ngày +tháng +năm 2021 của Sở Nội vụ\)", text)
    assert "H. Tuy Phước" not in text and "TX " not in text
    assert not re.search(r"\d %", text), "no space before the per cent sign"
    assert "…" not in text, "no label is cut"
    assert "Ủy ban nhân dân các huyện, thị xã, thành phố;" in text  # Nơi nhận from the reporting kinds


def test_issuing_is_refused_until_the_signer_is_named(report):
    cycle = Cycle(year=2030, name="x", report_deadline=AS_OF_ANY, task_completion_target=AS_OF_ANY)
    with translation.override("en"):
        problems = report_services.issue_blockers(cycle)
    assert any("signer" in str(p) for p in problems) and len(problems) == 4
    with pytest.raises(report_services.NotReady):
        report_services.render_report(cycle, AS_OF_ANY, "x")


AS_OF_ANY = dt.date(2030, 11, 15)


def test_sipas_and_proposals_are_printed(report):
    body = section(report.text, HEADINGS[4], HEADINGS[6])
    assert "Tiếp cận dịch vụ" in body and "82,45" in body
    assert "Đề nghị bổ sung kinh phí." in body


def test_closing_holds_signature_and_recipients_ending_with_luu(report):
    body = section(report.text, HEADINGS[5], HEADINGS[6])
    assert "KT. GIÁM ĐỐC\nPHÓ GIÁM ĐỐC" in body
    recipients = body[body.index("Nơi nhận:") :].splitlines()
    assert recipients[1].startswith("- ")
    assert any(line.startswith("- Lưu: VT") for line in recipients)


def test_annex_lists_every_task_of_the_cycle(report):
    annex = report.text[report.text.index(HEADINGS[6]) :]
    assert annex.count("Cơ quan chủ trì:") >= 1
    numbers = {int(n) for n in re.findall(r"(?m)^(\d+) ", annex)}
    assert set(range(1, report.headline.tasks["total"] + 1)) <= numbers


# ----------------------------------------------------------------- format


def test_pages_are_a4_portrait(report):
    for page in report.reader.pages:
        assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (595, 842)


def test_page_numbers_start_on_page_two(report):
    pages = report.pages
    assert not pages[0].rstrip().endswith("\n1")
    assert pages[1].rstrip().endswith("\n2")
    assert pages[2].rstrip().endswith("\n3")


def test_command_writes_the_same_bytes_as_the_service(report):
    assert report.command_data == report.data


def test_date_line_pads_days_below_ten_and_months_one_and_two():
    assert report_services.document_date("Bình Định", dt.date(2021, 10, 7)) == "Bình Định, ngày 07 tháng 10 năm 2021"
    assert report_services.long_date(dt.date(2022, 2, 5)) == "ngày 05 tháng 02 năm 2022"
    assert report_services.long_date(dt.date(2021, 3, 15)) == "ngày 15 tháng 3 năm 2021"


def test_recipients_always_end_with_luu():
    assert report_services.recipient_lines("- UBND tỉnh (b/c);\n- Lưu: VT, CCHC.")[-1] == "- Lưu: VT, CCHC."
    assert report_services.recipient_lines("- UBND tỉnh (b/c);")[-1] == "- Lưu: VT."


# ----------------------------------------------------------------- fonts


def pdf_fonts(data: bytes) -> list[DictionaryObject]:
    """Every font dictionary of the PDF, wherever it hangs (pages, charts' form XObjects)."""
    reader = PdfReader(io.BytesIO(data))
    fonts = []
    for number in range(1, int(reader.trailer["/Size"])):
        try:
            obj = reader.get_object(IndirectObject(number, 0, reader))
        except Exception:  # free or compressed-away entries
            continue
        if isinstance(obj, DictionaryObject) and obj.get("/Type") == "/Font":
            fonts.append(obj)
    return fonts


def embedded_faces(data: bytes) -> dict[str, bool]:
    """BaseFont without the subset tag → whether its descriptor embeds a font file."""
    faces = {}
    for font in pdf_fonts(data):
        base = str(font["/BaseFont"]).lstrip("/").split("+", 1)[-1]
        descendants = font.get("/DescendantFonts")
        target = descendants[0].get_object() if descendants else font
        descriptor = target.get("/FontDescriptor")
        descriptor = descriptor.get_object() if descriptor else {}
        faces[base] = any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3"))
    return faces


def test_only_the_shipped_faces_are_embedded(report):
    faces = embedded_faces(report.data)
    assert set(faces) == SHIPPED_FACES
    assert all(faces.values())


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.chars: set[str] = set()
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        self._skip += tag in ("style", "title")

    def handle_endtag(self, tag):
        self._skip -= tag in ("style", "title")

    def handle_data(self, data):
        if not self._skip:
            self.chars.update(data)


def test_every_character_of_the_report_has_a_glyph_in_the_shipped_font(report):
    parser = _Text()
    parser.feed(report.html)
    for face in pdf.font_paths().values():
        cmap = TTFont(face).getBestCmap()
        missing = {c for c in parser.chars if not c.isspace() and ord(c) not in cmap}
        assert not missing, f"{face.name} lacks {sorted(missing)}"


FONT_CHECK = textwrap.dedent(
    """
    import os, sys
    sys.path.insert(0, {root!r})
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
    os.environ["DATABASE_URL"] = "sqlite:///:memory:"
    import django
    django.setup()
    from django.template.loader import render_to_string
    from compilation.consolidated import pdf
    css = render_to_string("pdf/report.css", {{"fonts": pdf.font_urls(), "font_family": pdf.FONT_FAMILY}})
    body = "<p>Độc lập - Tự do - Hạnh phúc: ỹ ặ ữ ơ ư đ</p><p><b>Đậm</b> <i>nghiêng</i> <b><i>cả hai</i></b></p>"
    sys.stdout.buffer.write(pdf.html_to_pdf(f"<html><head><style>{{css}}</style></head><body>{{body}}</body></html>"))
    """
)


def test_the_shipped_fonts_work_on_a_host_without_any_font(tmp_path):
    """Fontconfig told to know no font at all: the PDF must still come out in the shipped faces."""
    config = tmp_path / "fonts.conf"
    config.write_text('<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd"><fontconfig></fontconfig>')
    env = {"FONTCONFIG_FILE": str(config), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-c", FONT_CHECK.format(root=str(ROOT))], env=env, capture_output=True, check=True
    )
    faces = embedded_faces(result.stdout)
    assert set(faces) == SHIPPED_FACES
    text = PdfReader(io.BytesIO(result.stdout)).pages[0].extract_text()
    assert "Độc lập - Tự do - Hạnh phúc: ỹ ặ ữ ơ ư đ" in text


# ----------------------------------------------------------------- picture


def test_page_one_renders_to_an_a4_png_with_ink(report, tmp_path):
    source = tmp_path / "report.pdf"
    source.write_bytes(report.data)
    subprocess.run(["pdftoppm", "-png", "-r", "50", "-f", "1", "-l", "1", "-singlefile", source, tmp_path / "p1"],
                   check=True)  # fmt: skip
    with Image.open(tmp_path / "p1.png") as image:
        width, height = image.size
        assert abs(width - 413.4) < 1 and abs(height - 584.6) < 1  # A4 (210 × 297 mm) at 50 dpi
        grey = image.convert("L")
        dark = sum(grey.histogram()[:128])
    assert dark > 2_000  # text was drawn, not a blank page


def test_pdf_as_of_15_11_2021_shows_provisional_self_assessment_and_no_appraisal_or_result(report):
    text = report.text.replace("\n", " ")
    assert "Số liệu: dự kiến (tự đánh giá), tính đến ngày 15/11/2021." in text
    assert "Kết quả công bố" not in text and "thẩm định vòng" not in text


def test_the_report_says_the_points_won_back_are_not_known_before_a_closed_round(report):
    """Issue 14, §5: the 2020 tasks in 2021's results; on 15/11/2021 no 2021 round has closed."""
    text = " ".join(report.text.split())
    assert "Hiệu quả khắc phục của các nhiệm vụ năm 2020" in text
    assert "chưa xác định được số điểm đã lấy lại" in text


# ----------------------------------------------------------------- parallel layout (issue 16, §6)


def test_the_parallel_layout_prints_the_same_pages_and_numbers(report):
    """Body and annex runs laid out in separate processes, joined, the annex numbered by stamping:
    every page reads as in the one-process layout, page numbers included."""

    def pages(data: bytes) -> list[str]:
        return [" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(data)).pages]

    assert report.parallel and report.parallel != report.data
    assert pages(report.parallel) == pages(report.data)
    annex = [i for i, text in enumerate(pages(report.data)) if text.startswith("PHỤ LỤC")][0]
    later = pages(report.parallel)[annex + 1 :]
    assert [t.split()[-1] for t in later] == [str(n) for n in range(2, len(later) + 2)]


def test_chunks_laid_out_in_turn_read_as_one_document():
    """A process lays its share of the annex out in chunks, one at a time (memory, issue 16 §6):
    a chunk's unfilled last page is carried into the next chunk, so no page is left half empty
    and the pages read exactly as the one-document layout's."""

    def table(rows: range) -> str:
        cells = "".join(
            (f"{pdf.ROW_MARK}<tr><td colspan='2'>Cơ quan chủ trì: Đơn vị {n // 25}</td></tr>" if n % 25 == 0 else "")
            + f"{pdf.ROW_MARK}<tr><td>{n}</td><td>Nhiệm vụ số {n} khắc phục hạn chế của tiêu chí</td></tr>"
            for n in rows
        )  # fmt: skip
        return (
            "<!doctype html><html lang='vi'><head><meta charset='utf-8'><style>@page { size: A4; margin: 20mm }"
            " html { font-size: 13pt } tr { page-break-inside: avoid } body { margin: 0 }"
            " table { width: 100%; table-layout: fixed; margin: 2pt 0 10pt }</style></head><body><table>"
            "<colgroup><col style='width:15mm'><col></colgroup>"  # as the annex: widths not set by content
            f"<thead><tr><th>TT</th><th>Nhiệm vụ</th></tr></thead><tbody>{cells}</tbody></table></body></html>"
        )

    def pages(data: bytes) -> list[str]:
        return [" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(data)).pages]

    whole = pages(pdf.html_to_pdf(table(range(150))))
    chunked = pages(pdf.render_in_turn([table(range(0, 50)), table(range(50, 100)), table(range(100, 150))]))
    assert len(whole) >= 4
    assert chunked == whole
    # Without the carry, each chunk would end on a page of its own (the check can fail):
    apart = pages(pdf.merge([pdf.html_to_pdf(table(range(a, a + 50))) for a in (0, 50, 100)]))
    assert apart != whole


def test_annex_runs_are_cut_where_the_lead_agency_changes():
    rows = [{"agency": a} for a in "AAABBBBCCD"]
    runs = report_services.annex_runs(rows, 2)
    assert [len(r) for r in runs] == [3, 7] or [len(r) for r in runs] == [7, 3]
    assert sum(runs, []) == rows
    assert {r["agency"] for r in runs[0]}.isdisjoint({r["agency"] for r in runs[1]})
    assert report_services.annex_runs([{"agency": "A"}] * 5, 2) == [[{"agency": "A"}] * 5]
