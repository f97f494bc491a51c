"""Issue 15 §2, points as provinces write them: "1 điểm", "0,5", "0.5", "1.234,5", "1 234,5"; a dash or an empty
cell is "not scored" (None, never 0); a survey-based sub-criterion marked in its method column or in Ghi chú.

The score annex is laid out as a province's: a letterhead and title merged across, "Điểm" merged over
"Tối đa / Tự đánh giá / Thẩm định", a row of column numbers, codes typed as numbers, a Ghi chú column and
a total row merged across three columns, then the signature block.
"""

from __future__ import annotations

import io
from decimal import Decimal as D
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import Workbook

from compilation.excel.workbook import CellError, parse_decimal
from parindex.models import Criterion, Method, Score

pytestmark = pytest.mark.django_db

NAME = "BỘ CHỈ SỐ CẢI CÁCH HÀNH CHÍNH CẤP TỈNH NĂM 2021"
HEADER_TOP = ["STT", "Lĩnh vực, tiêu chí, tiêu chí thành phần", "Phương pháp đánh giá", "Điểm", None, None, "Ghi chú"]
HEADER_LOW = [None, None, None, "Tối đa", "Tự đánh giá", "Thẩm định", None]
ROWS = [
    [1, "Công tác chỉ đạo, điều hành", None, "3 điểm", None, None, None],
    [1.1, "Kế hoạch cải cách hành chính", None, "2", None, None, None],
    ["1.1.1", "Ban hành kế hoạch", "Tự đánh giá", "1 điểm", "1", "0,5", None],
    ["1.1.2", "Mức độ hoàn thành kế hoạch", "Tự đánh giá", "1,00", "0.75", "—", "Chưa thẩm định"],
    [1.2, "Báo cáo cải cách hành chính", None, 1, None, None, None],
    ["1.2.1", "Số lượng báo cáo", None, "1", "-", None, "Không có báo cáo quý"],
    [2, "Thủ tục hành chính", None, "2 điểm", None, None, None],
    [2.1, "Công khai thủ tục hành chính", None, 2, None, None, None],
    ["2.1.1", "Mức độ hài lòng về công khai", None, "0,5", None, "0,25 điểm", "Điều tra XHH"],
    ["2.1.2", "Cập nhật thủ tục", "Tự đánh giá", "1,5", "1,5", "1.5", None],
    ["2.1.3", "Sự hài lòng khi giải quyết", "Điều tra xã hội học", "0", "–", None, None],
]
# What lands, cell by cell: code → (name, maximum, method, self score, appraised score).
LANDED = {
    "1": ("Công tác chỉ đạo, điều hành", D("3"), Method.SELF),
    "1.1": ("Kế hoạch cải cách hành chính", D("2"), Method.SELF),
    "1.1.1": ("Ban hành kế hoạch", D("1"), Method.SELF, D("1"), D("0.5")),
    "1.1.2": ("Mức độ hoàn thành kế hoạch", D("1"), Method.SELF, D("0.75"), None),
    "1.2": ("Báo cáo cải cách hành chính", D("1"), Method.SELF),
    "1.2.1": ("Số lượng báo cáo", D("1"), Method.SELF, None, None),
    "2": ("Thủ tục hành chính", D("2"), Method.SELF),
    "2.1": ("Công khai thủ tục hành chính", D("2"), Method.SELF),
    "2.1.1": ("Mức độ hài lòng về công khai", D("0.5"), Method.SURVEY, None, D("0.25")),
    "2.1.2": ("Cập nhật thủ tục", D("1.5"), Method.SELF, D("1.5"), D("1.5")),
    "2.1.3": ("Sự hài lòng khi giải quyết", D("0"), Method.SURVEY, None, None),
}


def score_annex(rows: list[list] | None = None) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "Phụ lục điểm"
    ws.append(["UBND TỈNH BÌNH ĐỊNH"])
    ws.append([NAME])
    ws.append(["(Kèm theo Báo cáo số 25/BC-UBND ngày 15/01/2022 của UBND tỉnh)"])
    ws.append(HEADER_TOP)
    ws.append(HEADER_LOW)
    ws.append([f"({n})" for n in range(1, 8)])
    for row in rows if rows is not None else ROWS:
        ws.append(row)
    ws.append(["Tổng cộng", None, None, "5 điểm", None, None, None])  # merged A:C, the text in A
    total = ws.max_row
    ws.append([])
    ws.append([None, "NGƯỜI LẬP BIỂU", None, None, "TM. ỦY BAN NHÂN DÂN"])
    for ref in ("A1:G1", "A2:G2", "A3:G3", "D4:F4", "A4:A5", "B4:B5", "C4:C5", "G4:G5", f"A{total}:C{total}"):
        ws.merge_cells(ref)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def landed(cycle) -> dict[str, tuple]:
    scores = {s.criterion.code: s for s in Score.objects.filter(cycle=cycle).select_related("criterion")}
    out = {}
    for node in Criterion.objects.all():
        values = (node.name, node.max_points, node.method)
        if node.code in scores:
            values += (scores[node.code].self_score, scores[node.code].appraised_score)
        out[node.code] = values
    return out


def snv_client(snv) -> Client:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(snv)
    return client


@pytest.fixture(autouse=True)
def private_storage(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path


def test_the_score_annex_lands_cell_by_cell_through_the_browser(snv, cycle):
    client = snv_client(snv)
    form = {"kind": "framework", "cycle": cycle.pk, "file": SimpleUploadedFile("phu-luc-diem.xlsx", score_annex())}
    url = client.post(reverse("compilation:excel-import"), form).url
    page = client.get(url)
    result = page.context["result"]
    assert not result.problems and result.rows == 11 and result.framework_name == NAME
    assert "Ghi chú" not in result.unused_columns  # read: it marks the survey
    client.post(url)
    assert landed(cycle) == LANDED
    # Not scored is None, never 0: the dashes and blanks left no figure.
    assert Score.objects.filter(cycle=cycle, self_score=0).count() == 0


def test_the_score_annex_lands_the_same_through_the_command(cycle, tmp_path: Path):
    path = tmp_path / "phu-luc-diem.xlsx"
    path.write_bytes(score_annex())
    out = io.StringIO()
    call_command("import_workbook", str(path), kind="framework", cycle=cycle.year, stdout=out, stderr=io.StringIO())
    assert "Phụ lục điểm (11 rows)" in out.getvalue()
    assert landed(cycle) == LANDED


def test_a_method_and_a_note_that_disagree_are_a_problem_at_the_note(cycle, tmp_path: Path):
    rows = [list(r) for r in ROWS]
    rows[9] = ["2.1.2", "Cập nhật thủ tục", "Tự đánh giá", "1,5", None, "1,5", "Điều tra xã hội học"]
    path = tmp_path / "phu-luc-diem.xlsx"
    path.write_bytes(score_annex(rows))
    err = io.StringIO()
    with pytest.raises(CommandError, match="1 problem; nothing was written"):
        call_command("import_workbook", str(path), kind="framework", cycle=cycle.year, stdout=io.StringIO(), stderr=err)
    assert "row 16, column G (Ghi chú): The method says self-assessed, but the note says survey" in err.getvalue()
    assert Criterion.objects.count() == 0


def test_a_self_score_on_a_sub_criterion_the_note_marks_as_survey_is_refused(cycle, tmp_path: Path):
    rows = [list(r) for r in ROWS]
    rows[8] = ["2.1.1", "Mức độ hài lòng về công khai", None, "0,5", "0,5", "0,25", "Điều tra XHH"]
    path = tmp_path / "phu-luc-diem.xlsx"
    path.write_bytes(score_annex(rows))
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_workbook", str(path), kind="framework", cycle=cycle.year, stdout=io.StringIO(), stderr=err)
    assert "row 15, column E (Tự đánh giá): This sub-criterion is assessed by sociological survey" in err.getvalue()
    assert Score.objects.count() == 0


# --------------------------------------------------------------------------- the points reader


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1 điểm", D("1")),
        ("1 ĐIỂM", D("1")),
        ("0,5 điểm", D("0.5")),
        ("2,75đ", D("2.75")),
        ("0,5", D("0.5")),
        ("0.5", D("0.5")),
        ("1.234,5", D("1234.5")),
        ("1 234,5", D("1234.5")),
        ("1\u00a0234,5", D("1234.5")),
        ("1,234.5", D("1234.5")),
        ("12.345.678", D("12345678")),
        ("-", None),
        ("–", None),
        ("—", None),
        ("", None),
        ("  ", None),
        (None, None),
        (0, D("0")),
    ],
)
def test_points_as_provinces_write_them(text, expected):
    assert parse_decimal(text) == expected


@pytest.mark.parametrize("text", ["1.23,5", "1,2,3", "một điểm", "1.234", "0,333", "1 điểm 5", "- -1"])
def test_points_that_cannot_be_read_one_way_only_are_refused(text):
    with pytest.raises(CellError):
        parse_decimal(text)


def vietnamese(value: D, space: str = ".") -> str:
    """A number as an official types it: thousands grouped by "." (or a space), decimal comma."""
    whole, fraction = f"{value:.2f}".split(".")
    groups = []
    while len(whole) > 3:
        whole, groups = whole[:-3], [whole[-3:], *groups]
    return space.join([whole, *groups]) + "," + fraction


TWO_PLACES = st.decimals(min_value=0, max_value=D("999999999.99"), places=2, allow_nan=False, allow_infinity=False)


@given(TWO_PLACES)
def test_any_two_place_number_written_vietnamese_style_reads_back_equal(value):
    assert parse_decimal(vietnamese(value)) == value
    assert parse_decimal(vietnamese(value, " ")) == value
    assert parse_decimal(vietnamese(value) + " điểm") == value


@given(TWO_PLACES)
def test_any_two_place_number_written_english_style_reads_back_equal(value):
    assert parse_decimal(f"{value:,.2f}") == value
    assert parse_decimal(f"{value:.2f}") == value


@given(TWO_PLACES, st.sampled_from(["-", "–", "—", " - ", ""]))
def test_not_scored_is_never_zero(value, dash):
    assert parse_decimal(dash) is None
    assert parse_decimal(vietnamese(value)) is not None


def assert_lands_as_the_tree(snv, cycle, rows: list[list]) -> None:
    """The annex with these rows, previewed and confirmed in the browser as SNV: 11 rows, no problem, LANDED."""
    client = snv_client(snv)
    form = {"kind": "framework", "cycle": cycle.pk, "file": SimpleUploadedFile("annex.xlsx", score_annex(rows))}
    url = client.post(reverse("compilation:excel-import"), form).url
    result = client.get(url).context["result"]
    assert not result.problems and result.rows == 11
    client.post(url)
    assert landed(cycle) == LANDED


def test_areas_numbered_in_roman_numerals_and_codes_with_a_final_dot_land_as_the_tree(snv, cycle):
    """An annex numbers its areas I, II … and writes "1.1." for a criterion: the same tree lands."""
    roman = {1: "I", 2: "II"}
    rows = [[roman.get(r[0], r[0]) if isinstance(r[0], int) else r[0], *r[1:]] for r in ROWS]
    rows = [[f"{r[0]}." if isinstance(r[0], float) else r[0], *r[1:]] for r in rows]  # 1.1 → "1.1."
    assert [r[0] for r in rows[:3]] == ["I", "1.1.", "1.1.1"]
    assert_lands_as_the_tree(snv, cycle, rows)


@pytest.mark.parametrize(("text", "number"), [("I", 1), ("IV", 4), ("VIII", 8), ("ix", 9), ("XII", 12)])
def test_roman_numerals_read_as_numbers(text, number):
    from compilation.excel.workbook import parse_code, roman

    assert roman(text) == number and roman(parse_code(f"{text}.")) == number


@pytest.mark.parametrize("text", ["IIII", "VX", "IC", "MI", "", "1.1"])
def test_what_is_no_roman_numeral_stays_as_written(text):
    from compilation.excel.workbook import roman

    assert roman(text) is None


def test_subtotal_rows_of_the_areas_are_skipped_and_the_total_still_checks(snv, cycle):
    """'Cộng lĩnh vực I' under area 1 and 'Tổng điểm lĩnh vực II' under area 2 are sums, not criteria;
    'Công tác …' (an area's name, with a plain o) is never taken for one."""
    rows = list(ROWS)
    rows.insert(6, [None, "Cộng lĩnh vực I", None, "3", None, None, None])
    rows.append([None, "Tổng điểm lĩnh vực II", None, "2", None, None, None])
    assert_lands_as_the_tree(snv, cycle, rows)


def test_cong_is_a_subtotal_and_cong_tac_is_not():
    from compilation.excel.importing import is_subtotal, is_total

    assert not is_subtotal("", "Công tác chỉ đạo, điều hành") and not is_total("", "Công tác chỉ đạo, điều hành")
    assert is_subtotal("", "Cộng") and is_subtotal("", "CỘNG LĨNH VỰC I") and is_subtotal("", "Tổng mục 2")
    assert is_total("", "Tổng cộng") and is_total("", "TỔNG SỐ") and not is_total("", "Tổng điểm lĩnh vực II")
