"""The Excel adapter: reading what hand-made sheets hold, writing tables that open cleanly."""

import datetime as dt
import io
from decimal import Decimal as D

import pytest
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from compilation.excel import workbook as excel
from compilation.excel.workbook import FRAMEWORK_LAYOUT, TASK_LAYOUT, CellError, Column, Row, Sheet, WorkbookError
from tests.data.workbooks import handmade_framework, handmade_tasks, workbook_bytes


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


# --------------------------------------------------------------------------- headers


@pytest.mark.parametrize(
    "text",
    ["Điểm tối đa", "ĐIỂM TỐI ĐA", "diem toi da", "  Điểm   tối đa (điểm) ", "Điểm tối đa*"],
)
def test_headers_match_ignoring_case_diacritics_spacing_and_notes(text):
    assert excel.normalize(text) == "diem toi da"


def test_d_with_stroke_folds_to_d():
    assert excel.normalize("Đơn vị đầu mối") == "don vi dau moi"


def test_header_found_below_title_rows_and_merged_two_row_header():
    wb = excel.open_workbook(handmade_framework())
    match = excel.find_header(wb, FRAMEWORK_LAYOUT)
    assert match.sheet == "Phụ lục"
    assert match.row == 5  # the lower row of the two-row header
    assert match.positions == {
        "code": 0,
        "name": 1,
        "method": 2,
        "max_points": 3,
        "self_score": 4,
        "appraised_score": 5,
        "previous_score": 6,
    }
    assert match.title_lines == ["UBND TỈNH BÌNH ĐỊNH", "BỘ CHỈ SỐ CẢI CÁCH HÀNH CHÍNH CẤP TỈNH NĂM 2022"]
    assert match.labels["self_score"] == "Điểm Tự chấm"


def test_task_headers_in_any_order_under_other_names():
    wb = excel.open_workbook(handmade_tasks())
    match = excel.find_header(wb, TASK_LAYOUT)
    assert match.row == 3
    assert match.positions == {
        "deadline": 1,
        "lead_agency": 2,
        "title": 3,
        "codes": 4,
        "coordinating": 5,
        "source_document": 6,
    }


def test_specific_header_wins_over_generic_one():
    """ "STT" (a row counter) and "Mã" both name codes; the better name is taken."""
    data = workbook_bytes({"S": [["STT", "Mã", "Tên tiêu chí", "Điểm tối đa"]]})
    match = excel.find_header(excel.open_workbook(data), FRAMEWORK_LAYOUT)
    assert match.positions["code"] == 1


def test_no_header_when_no_row_names_two_columns():
    data = workbook_bytes({"S": [["Báo cáo"], ["Mã"], [1]]})
    assert excel.find_header(excel.open_workbook(data), FRAMEWORK_LAYOUT) is None


def test_trailing_blank_rows_are_skipped():
    data = workbook_bytes({"S": [["Mã", "Tên", "Điểm tối đa"], ["1", "A", 1], [None, None], ["  ", ""], [None]]})
    wb = excel.open_workbook(data)
    rows = list(excel.data_rows(wb, excel.find_header(wb, FRAMEWORK_LAYOUT)))
    assert [number for number, _values in rows] == [2]


# --------------------------------------------------------------------------- files


def test_old_xls_file_is_named():
    with pytest.raises(WorkbookError, match=r"\.xls"):
        excel.open_workbook(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100)


@pytest.mark.parametrize("data", [b"", b"name,max\n1,2\n", b"PK\x03\x04 broken zip"])
def test_non_workbook_bytes_raise_a_clear_error(data):
    with pytest.raises(WorkbookError) as info:
        excel.open_workbook(data)
    assert info.value.message


# --------------------------------------------------------------------------- cells


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("0,5", D("0.5")),
        ("0.25", D("0.25")),
        ("1.234,5", D("1234.5")),
        ("1 điểm", D("1")),
        ("-", None),
        (" 1 ", D("1")),
        (1, D("1")),
        (0.1 + 0.2, D("0.30")),
        (14.5, D("14.50")),
        ("", None),
        (None, None),
    ],
)
def test_decimals_from_numbers_and_decimal_commas(value, expected):
    assert excel.parse_decimal(value) == expected


@pytest.mark.parametrize("value", ["abc", "1.23,5", True, "#REF!", dt.date(2021, 1, 1), "0,333", "nan", "inf"])
def test_bad_numbers_are_refused(value):
    with pytest.raises(CellError):
        excel.parse_decimal(value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("05/03/2022", dt.date(2022, 3, 5)),
        ("5/3/2022", dt.date(2022, 3, 5)),
        ("31-12-2021", dt.date(2021, 12, 31)),
        ("2021-12-31", dt.date(2021, 12, 31)),
        ("15/11/2021 00:00:00", dt.date(2021, 11, 15)),
        (dt.datetime(2021, 12, 31, 0, 0), dt.date(2021, 12, 31)),
        (44561, dt.date(2021, 12, 31)),
        (None, None),
    ],
)
def test_dates_are_day_first_or_excel_dates(value, expected):
    assert excel.parse_date(value) == expected


@pytest.mark.parametrize("value", ["31/02/2021", "12/31/2021", "tháng 12", 2021, "01/01/1900", True])
def test_bad_dates_are_refused(value):
    with pytest.raises(CellError):
        excel.parse_date(value)


@pytest.mark.parametrize(("value", "expected"), [(3, "3"), (3.2, "3.2"), ("3.2.1.", "3.2.1"), (" 3.2 ", "3.2")])
def test_codes_typed_as_numbers_read_back_as_text(value, expected):
    assert excel.parse_code(value) == expected


def test_text_longer_than_allowed_is_refused():
    with pytest.raises(CellError, match="301 characters"):
        excel.parse_text("x" * 301, 300)


# --------------------------------------------------------------------------- writing

COLUMNS = (
    Column("text", "Văn bản", width=30),
    Column("day", "Ngày", width=12, number_format=excel.DATE_FORMAT),
    Column("points", "Điểm", width=9, number_format=excel.POINTS_FORMAT),
)


def _written(rows, title_lines=()) -> bytes:
    out = io.BytesIO()
    excel.write_workbook([Sheet("Bảng", COLUMNS, rows, title_lines)], out)
    return out.getvalue()


def test_written_sheet_has_frozen_header_filter_widths_and_formats():
    data = _written([["a", dt.date(2021, 11, 15), D("0.5")], Row(["b", None, D("1")], strong=True)], ["Tiêu đề"])
    ws = load_workbook(io.BytesIO(data))["Bảng"]
    assert ws.freeze_panes == "A3"
    assert ws.auto_filter.ref == "A2:C4"
    assert [ws.column_dimensions[c].width for c in "ABC"] == [30, 12, 9]
    assert ws["B3"].number_format == "DD/MM/YYYY"
    assert ws["B3"].value == dt.datetime(2021, 11, 15)
    assert ws["C3"].number_format == "0.00"
    assert ws["A4"].font.b and ws["A2"].font.b
    assert ws["A1"].value == "Tiêu đề"


@pytest.mark.parametrize("text", ["=SUM(A1:A3)", "+84 912", "-1", "@cmd", '=HYPERLINK("http://x")'])
def test_formula_looking_text_is_written_as_text(text):
    ws = load_workbook(io.BytesIO(_written([[text, None, None]])))["Bảng"]
    cell = ws["A2"]
    assert cell.value == text
    assert cell.data_type == "s"
    assert cell.quotePrefix


def test_control_characters_are_dropped_and_long_text_is_cut_to_one_cell():
    ws = load_workbook(io.BytesIO(_written([["a\x00b\x1fc", None, None], ["x" * 40000, None, None]])))["Bảng"]
    assert ws["A2"].value == "abc"
    assert len(ws["A3"].value) == excel.EXCEL_MAX_CHARS


def test_long_sheet_titles_are_shortened_for_excel():
    assert (
        excel.safe_sheet_title("Theo dõi: nhiệm vụ [2021] / các cơ quan và đơn vị") == "Theo dõi- nhiệm vụ -2021- - các"
    )


SAMPLE = [
    ["=1+1", dt.date(2021, 2, 28), D("0.25")],
    Row(["Lĩnh vực", None, D("10")], strong=True),
    ["  khoảng trắng  ", dt.date(2022, 1, 1), 3],
    ['@a & <b> "c"', None, 1.5],
]


def _cells(data: bytes) -> list[tuple]:
    ws = load_workbook(io.BytesIO(data))["Bảng"]
    return [
        (
            c.coordinate,
            c.value,
            c.data_type,
            c.number_format,
            bool(c.font.b),
            bool(c.quotePrefix),
            ws.row_dimensions[c.row].height,
        )
        for row in ws.iter_rows(min_row=2)
        for c in row
        if c.value is not None
    ]


def test_rows_written_through_openpyxl_itself_give_the_same_cells(monkeypatch):
    """The fast row path and openpyxl's own (used when lxml is installed) write the same workbook."""
    fast = _written(SAMPLE)
    prepare = excel._prepare

    def without_raw(workbook, sheet):
        ws, header_row = prepare(workbook, sheet)
        ws.raw = None
        return ws, header_row

    monkeypatch.setattr(excel, "_prepare", without_raw)
    assert _cells(_written(SAMPLE)) == _cells(fast)


@settings(max_examples=60, deadline=None)
@given(text=st.text(min_size=1, max_size=200))
def test_any_text_is_read_back_as_written(text):
    ws = load_workbook(io.BytesIO(_written([[text, None, None]])))["Bảng"]
    expected = excel.clean_text(text)
    assert (ws["A2"].value or "") == expected
    assert ws["A2"].value is None or ws["A2"].data_type == "s"


def test_data_rows_take_the_writers_fast_path():
    """openpyxl through lxml (installed for python-docx) would skip RowXml and cost 10x the CPU:
    the settings turn it off before openpyxl is first imported (config/settings/base.py)."""
    import openpyxl.xml
    from openpyxl import Workbook

    assert openpyxl.xml.LXML is False
    workbook = Workbook(write_only=True)
    ws, _header = excel._prepare(workbook, excel.Sheet("x", [excel.Column("a", "A")], iter(())))
    assert callable(ws.raw)
    workbook.save(io.BytesIO())
