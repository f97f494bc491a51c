"""Small workbooks shaped like the ones the province makes by hand in Excel or LibreOffice.

Generated rather than stored, so each test shows what the file holds: title
rows with merged cells above the header, two-row headers, Vietnamese headers
in any order, codes that Excel turned into numbers, decimal commas, dates as
Excel dates or dd/mm/yyyy text, and trailing blank rows.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from typing import Any

from openpyxl import Workbook

Rows = Sequence[Sequence[Any]]


def workbook_bytes(sheets: dict[str, Rows], merges: dict[str, list[str]] | None = None) -> bytes:
    """An ordinary (not write-only) workbook, as a user's spreadsheet program would save one."""
    wb = Workbook()
    wb.remove(wb.active)
    for title, rows in sheets.items():
        ws = wb.create_sheet(title)
        for row in rows:
            ws.append(list(row))
        for ref in (merges or {}).get(title, []):
            ws.merge_cells(ref)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


# A small PAR tree: two areas, total 5 points.
#   1 (3) → 1.1 (2) → 1.1.1 (1), 1.1.2 (1);  1.2 (1) → 1.2.1 (1)
#   2 (2) → 2.1 (2) → 2.1.1 (0.5, survey), 2.1.2 (1.5)
FRAMEWORK_HEADER = ["Mã", "Tên tiêu chí", "Điểm tối đa", "Phương pháp", "Điểm tự đánh giá", "Điểm thẩm định"]
FRAMEWORK_ROWS = [
    ["1", "Công tác chỉ đạo, điều hành", 3, None, None, None],
    ["1.1", "Kế hoạch cải cách hành chính", 2, None, None, None],
    ["1.1.1", "Ban hành kế hoạch", 1, "Tự đánh giá", 1, 1],
    ["1.1.2", "Mức độ hoàn thành kế hoạch", 1, "Tự đánh giá", 1, "0,5"],
    ["1.2", "Báo cáo cải cách hành chính", 1, None, None, None],
    ["1.2.1", "Số lượng báo cáo", 1, "self", "0,75", None],
    ["2", "Thủ tục hành chính", 2, None, None, None],
    ["2.1", "Công khai thủ tục", 2, None, None, None],
    ["2.1.1", "Mức độ hài lòng", "0,5", "Điều tra XHH", None, "0.25"],
    ["2.1.2", "Cập nhật thủ tục", "1,5", "Tự đánh giá", "1,5", "1,5"],
    [None, "Tổng cộng", 5, None, None, None],
]
FRAMEWORK_NAME = "PAR Index thử nghiệm 2022"


def simple_framework(
    rows: Rows | None = None, header: Sequence[str] | None = None, title: str = FRAMEWORK_NAME
) -> bytes:
    """One sheet: a title row, the header, the rows (FRAMEWORK_ROWS by default)."""
    body = [[title], list(header or FRAMEWORK_HEADER), *(rows if rows is not None else FRAMEWORK_ROWS)]
    return workbook_bytes({"Bộ tiêu chí": body})


def handmade_framework() -> bytes:
    """The same tree as an official annex looks: letterhead and title rows, a two-row header with
    merged cells, codes typed as numbers, decimal commas, columns in another order, trailing blanks."""
    rows = [
        ["UBND TỈNH BÌNH ĐỊNH", None, None, None, None, None, None],
        ["BỘ CHỈ SỐ CẢI CÁCH HÀNH CHÍNH CẤP TỈNH NĂM 2022", None, None, None, None, None, None],
        [None] * 7,
        ["STT", "Lĩnh vực/Tiêu chí/Tiêu chí thành phần", "Phương pháp đánh giá", "ĐIỂM TỐI ĐA", "Điểm", None, None],
        [None, None, None, None, "Tự chấm", "Thẩm định", "Năm trước"],
        [1, "Công tác chỉ đạo, điều hành", None, 3, None, None, None],
        [1.1, "Kế hoạch cải cách hành chính", None, 2, None, None, None],
        ["1.1.1", "Ban hành kế hoạch", "Tự đánh giá", 1, 1, 1, 1],
        ["1.1.2", "Mức độ hoàn thành kế hoạch", "Tự đánh giá", 1, 1, "0,5", "0,75"],
        [1.2, "Báo cáo cải cách hành chính", None, 1, None, None, None],
        ["1.2.1.", "Số lượng báo cáo", "tự đánh giá", 1, "0,75", None, None],
        [2, "Thủ tục hành chính", None, 2, None, None, None],
        [2.1, "Công khai thủ tục", None, 2, None, None, None],
        ["2.1.1", "Mức độ hài lòng", "Điều tra xã hội học", "0,5", None, 0.25, None],
        ["2.1.2", "Cập nhật thủ tục", "TỰ ĐÁNH GIÁ", 1.5, 1.5, 1.5, 1],
        [None, "TỔNG CỘNG", None, 5, None, None, None],
        [None] * 7,
        ["  ", None, None, None, None, None, None],
    ]
    merges = ["A1:C1", "A2:G2", "A4:A5", "B4:B5", "C4:C5", "D4:D5", "E4:G4"]
    return workbook_bytes({"Phụ lục": rows}, {"Phụ lục": merges})


TASK_HEADER = [
    "Tên nhiệm vụ",
    "Mô tả",
    "Mã tiêu chí thành phần",
    "Cơ quan chủ trì",
    "Cơ quan phối hợp",
    "Hạn hoàn thành",
    "Văn bản nguồn",
]


def simple_tasks(rows: Rows, header: Sequence[str] | None = None) -> bytes:
    return workbook_bytes({"Nhiệm vụ": [list(header or TASK_HEADER), *rows]})


def handmade_tasks() -> bytes:
    """A recommendation list: title rows, headers in another order under other names, agencies by code,
    by name, without diacritics and as "Ủy ban nhân dân ...", dates as dates and as dd/mm/yyyy text."""
    rows = [
        ["DANH MỤC NHIỆM VỤ KHẮC PHỤC THEO BÁO CÁO SỐ 117/BC-SNV", None, None, None, None, None, None],
        ["(Kèm theo Công văn của UBND tỉnh)", None, None, None, None, None, None],
        ["STT", "Thời hạn", "Đơn vị chủ trì", "Nội dung nhiệm vụ", "Tiêu chí thành phần", "Đơn vị phối hợp", "Căn cứ"],
        [1, dt.datetime(2021, 12, 31), "stp", "Rà soát văn bản quy phạm pháp luật", "1.1.1, 1.1.2", "snv; stc", None],
        [2, "05/03/2022", "Sở Tư pháp", "Kiểm soát thủ tục hành chính", "2.1.2;1.2.1", None, "Báo cáo 117/BC-SNV"],
        [3, "31/12/2021", "So Tai chinh", "Công khai tài chính", None, "Sở Nội vụ, Sở Tư pháp", "KH 12/KH-UBND"],
        [4, 44561, "Ủy ban nhân dân thành phố Quy Nhơn", "Nâng cao chỉ số hài lòng", 2.1, None, None],
        [None] * 7,
        [None] * 7,
    ]
    rows[6][4] = "2.1.2"  # Excel keeps "2.1.2" as text; a lone "2.1" would have become a number
    return workbook_bytes({"Danh mục": rows}, {"Danh mục": ["A1:G1", "A2:G2"]})


def framework_with_formulas() -> bytes:
    """The hand-made annex with parents' maxima and the total as =SUM(...) formulas, as people write them.

    Saved by openpyxl the formulas have no cached value; tests/data/framework_libreoffice.xlsx is this
    workbook opened and saved again by LibreOffice Calc 7.4, which stores each formula's value:
    ``libreoffice --headless --convert-to xlsx --outdir tests/data <file>`` (then renamed).
    tests/data/tasks_libreoffice.xlsx is handmade_tasks() saved the same way.
    """
    wb_rows = {
        6: "=D7+D10",  # area 1 = 1.1 + 1.2
        7: "=SUM(D8:D9)",
        10: "=D11",
        12: "=D13",
        13: "=SUM(D14:D15)",
        16: "=D6+D12",
    }
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(handmade_framework()))
    ws = wb["Phụ lục"]
    for row, formula in wb_rows.items():
        ws.cell(row=row, column=4, value=formula)
    ws.cell(row=14, column=4, value=0.5)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def workbook_with_states(sheets: dict[str, tuple[Rows, str]]) -> bytes:
    """Sheets with their state as the user left them: "visible", "hidden" or "veryHidden"."""
    wb = Workbook()
    wb.remove(wb.active)
    for title, (rows, state) in sheets.items():
        ws = wb.create_sheet(title)
        for row in rows:
            ws.append(list(row))
        ws.sheet_state = state
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def last_year_hidden_framework(state: str = "hidden") -> bytes:
    """As provinces keep it: last year's copy first (hidden, for reference), this year's visible after it.
    Last year's self scores are all zero, so a score landing from the wrong sheet shows at once."""
    old_rows = [[*r[:4], 0 if r[4] is not None else None, r[5]] for r in FRAMEWORK_ROWS]
    old = [[FRAMEWORK_NAME], FRAMEWORK_HEADER, *old_rows]
    new = [[FRAMEWORK_NAME], FRAMEWORK_HEADER, *FRAMEWORK_ROWS]
    return workbook_with_states({"Năm trước": (old, state), "Năm nay": (new, "visible")})


def two_visible_frameworks() -> bytes:
    """Two visible sheets with the same columns (a draft and the final): the importer must not guess."""
    draft_rows = [[*r[:4], 0 if r[4] is not None else None, r[5]] for r in FRAMEWORK_ROWS]
    return workbook_with_states(
        {
            "Dự thảo": ([[FRAMEWORK_NAME], FRAMEWORK_HEADER, *draft_rows], "visible"),
            "Chính thức": ([[FRAMEWORK_NAME], FRAMEWORK_HEADER, *FRAMEWORK_ROWS], "visible"),
        }
    )


# The Ministry's new tree for the first cycle under a new methodology: renumbered, one sub-criterion split.
#   1 (3) → 1.1 (3) → 1.1.1 (1), 1.1.2 (1), 1.1.3 (1);  2 (2) → 2.1 (2) → 2.1.1 (1, survey), 2.1.2 (1)
NEW_TREE_NAME = "Bộ chỉ số mới của Bộ Nội vụ"
NEW_TREE_ROWS = [
    ["1", "Công tác chỉ đạo, điều hành cải cách hành chính", 3, None],
    ["1.1", "Kế hoạch và báo cáo", 3, None],
    ["1.1.1", "Ban hành kế hoạch năm", 1, "Tự đánh giá"],
    ["1.1.2", "Thực hiện kế hoạch", 1, "Tự đánh giá"],
    ["1.1.3", "Báo cáo định kỳ", 1, "Tự đánh giá"],
    ["2", "Cải cách thủ tục hành chính", 2, None],
    ["2.1", "Công khai, giải quyết thủ tục", 2, None],
    ["2.1.1", "Mức độ hài lòng của người dân", 1, "Điều tra XHH"],
    ["2.1.2", "Số hóa hồ sơ", 1, "Tự đánh giá"],
    [None, "Tổng cộng", 5, None],
]


def new_tree() -> bytes:
    return simple_framework(NEW_TREE_ROWS, header=FRAMEWORK_HEADER[:4], title=NEW_TREE_NAME)


def crosswalk_to_new_tree(rows: Rows | None = None) -> bytes:
    """Old code, new code, note: as SNV types it, a title row and a header above the mappings."""
    body = rows or [
        ["1.1.1", "1.1.1", ""],
        ["1.1.2", "1.1.2", "Tách"],
        ["1.1.2", "1.1.3", "Tách"],
        ["1.2.1", "1.1.3", ""],
        ["2.1.1", "2.1.1", ""],
        ["2.1.2", None, "Bỏ"],
    ]
    return workbook_bytes({"Đối chiếu": [["BẢNG ĐỐI CHIẾU MÃ"], ["Mã cũ", "Mã mới", "Ghi chú"], *body]})


# The columns of a Report 117 annex as provinces head them (issue 15, §2), in their order.
REPORT117_HEADER = [
    "STT",
    "Hạn chế, tồn tại",
    "Nhiệm vụ, giải pháp khắc phục",
    "Mã tiêu chí thành phần",
    "Cơ quan chủ trì",
    "Cơ quan phối hợp",
    "Thời gian hoàn thành",
    "Sản phẩm",
    "Ghi chú",
]


def report_117_annex() -> bytes:
    """A Report 117 annex as the province sends it (written from issue 15 §2, not from the importer):
    a letterhead and title block of merged rows, the annex's own columns ("Hạn chế, tồn tại", "Nhiệm vụ, giải pháp
    khắc phục", "Cơ quan chủ trì", "Cơ quan phối hợp", "Thời gian hoàn thành", "Sản phẩm", "Ghi chú") with
    "Mã tiêu chí thành phần", the "(1) (2) …" row, Roman-numeral group headings, deadlines written
    as officials write them, then the notes and signature block."""
    header = REPORT117_HEADER
    rows = [
        ["UBND TỈNH BÌNH ĐỊNH", None, None, None, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", None, None, None, None],
        ["SỞ NỘI VỤ", None, None, None, "Độc lập - Tự do - Hạnh phúc", None, None, None, None],
        ["PHỤ LỤC", None, None, None, None, None, None, None, None],
        ["DANH MỤC NHIỆM VỤ KHẮC PHỤC HẠN CHẾ CHỈ SỐ CCHC NĂM 2020", None, None, None, None, None, None, None, None],
        ["(Kèm theo Báo cáo số 117/BC-SNV ngày 15/11/2021 của Sở Nội vụ)", None, None, None, None, None, None, None],
        header,
        ["(1)", "(2)", "(3)", "(4)", "(5)", "(6)", "(7)", "(8)", "(9)"],
        ["I", "CÔNG TÁC CHỈ ĐẠO, ĐIỀU HÀNH", None, None, None, None, None, None, None],
        [
            1,
            "Kế hoạch CCHC ban hành chậm",
            "Ban hành kế hoạch CCHC năm đúng hạn",
            "TCTP 1.1.1",
            "stp",
            "snv",
            "Quý IV/2021",
            "Kế hoạch",
            None,
        ],
        [
            2,
            "Chưa hoàn thành 100% kế hoạch",
            "Hoàn thành các nhiệm vụ của kế hoạch",
            "1.1.2",
            "Sở Tư pháp",
            None,
            "ngày 15 tháng 11 năm 2021",
            "Báo cáo",
            "Điều tra XHH",
        ],
        ["II", "THỦ TỤC HÀNH CHÍNH", None, None, None, None, None, None, None],
        [
            3,
            "Cập nhật thủ tục chậm",
            "Cập nhật thủ tục trên cổng",
            "2.1.2",
            "stc",
            "stp",
            "Trước 31/12/2021",
            None,
            None,
        ],
        [None] * 9,
        ["Ghi chú: các cơ quan báo cáo kết quả về Sở Nội vụ", None, None, None, None, None, None, None, None],
        ["Nơi nhận:", None, None, None, None, None, "GIÁM ĐỐC", None, None],
        ["- Như trên;", None, None, None, None, None, None, None, None],
        [None, None, None, None, None, None, "Quy Nhơn, ngày 15 tháng 11 năm 2021", None, None],
        [None, None, None, None, None, None, "NGƯỜI LẬP BIỂU", None, None],
    ]
    merges = ["A1:D1", "E1:I1", "A2:D2", "A3:I3", "A4:I4", "A5:I5", "B8:I8", "B11:I11"]
    return workbook_bytes({"Phụ lục": rows}, {"Phụ lục": merges})
