"""SNV imports a Report 117 annex as a province lays it out, in a real browser.

The annex has the letterhead, the "(Kèm theo …)" line, merged headers, the "(1) (2) …" row, a
Roman heading, officials' spellings, a group and a list in one cell, and one name nobody has:
the preview names it with its row and "did you mean …"; SNV saves the alias from there, the
same upload is read again without the error, and the import lands every task as written.
"""

import os
from pathlib import Path

import pytest

from agencies.models import AgencyAlias
from remediation.models import Task
from tests.data.workbooks import REPORT117_HEADER, workbook_bytes

from .conftest import DESKTOP, PHONE, login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SHOTS = Path(os.environ.get("SNV_SCREENSHOTS", "/tmp/shots_snv"))
HEADER = REPORT117_HEADER
TASKS = [
    # (shortcoming, task, code, lead as written, coordinating as written, deadline as written)
    ("Kế hoạch CCHC ban hành chậm", "Ban hành kế hoạch CCHC năm đúng hạn", "TCTP 1.1.1", "Sở Tư Pháp",
     "Sở KH&ĐT, VP UBND tỉnh", "Quý IV/2021"),
    ("Chưa công khai đầy đủ thủ tục", "Công khai đầy đủ thủ tục hành chính", "1.1.2", "Sở Tư pháp tỉnh",
     "Sở Nội vụ", "15/12/2021"),
    ("Bộ phận một cửa chưa kiện toàn", "Kiện toàn bộ phận một cửa cấp huyện", "1.1.1", "UBND TP. Quy Nhơn",
     "UBND các huyện, thị xã, thành phố", "Trước 31/12/2021"),
]  # fmt: skip


def annex() -> bytes:
    rows = [
        ["UBND TỈNH BÌNH ĐỊNH", None, None, None, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"],
        ["SỞ NỘI VỤ", None, None, None, "Độc lập - Tự do - Hạnh phúc"],
        ["PHỤ LỤC"],
        ["DANH MỤC NHIỆM VỤ KHẮC PHỤC HẠN CHẾ CHỈ SỐ CCHC NĂM 2020"],
        ["(Kèm theo Báo cáo số 117/BC-SNV ngày 07/10/2021 của Sở Nội vụ)"],
        HEADER,
        [f"({i})" for i in range(1, 10)],
        ["I", "CÔNG TÁC CHỈ ĐẠO, ĐIỀU HÀNH"],
    ]
    for n, (shortcoming, task, code, lead, coordinating, deadline) in enumerate(TASKS, start=1):
        rows.append([n, shortcoming, task, code, lead, coordinating, deadline, "Báo cáo", None])
    rows += [[None] * 9, ["Nơi nhận:", None, None, None, None, None, "GIÁM ĐỐC"]]
    merges = ["A1:D1", "E1:I1", "A2:D2", "E2:I2", "A3:I3", "A4:I4", "A5:I5", "B8:I8"]
    return workbook_bytes({"Phụ lục": rows}, {"Phụ lục": merges})


@pytest.fixture
def demo_live(transactional_db, live_server):
    from compilation.demo.loader import load_demo

    load_demo(with_2025=False)
    return live_server.url


def test_snv_imports_a_report_117_annex_saving_an_officials_spelling_as_an_alias(page, demo_live, tmp_path):
    base = demo_live
    path = tmp_path / "phu-luc-117.xlsx"
    path.write_bytes(annex())
    login(page, base, "snv")
    page.goto(f"{base}/excel/")
    page.select_option("select[name=kind]", "tasks")
    page.set_input_files("input[type=file][name=file]", str(path))
    page.click("main form [type=submit] >> nth=0")
    page.wait_for_selector("text=Sở Tư pháp tỉnh")
    main = page.inner_text("main")
    assert "Phụ lục (3 dòng)" in main and "STT; Sản phẩm; Ghi chú" in main  # the sheet, its rows, unused columns
    assert "UBND các huyện, thị xã, thành phố → 11 cơ quan, đơn vị" in main
    assert "Không có cơ quan, đơn vị nào có mã hoặc tên “Sở Tư pháp tỉnh”." in main
    SHOTS.mkdir(parents=True, exist_ok=True)
    for size in (DESKTOP, PHONE):
        page.set_viewport_size(size)
        page.screenshot(path=str(SHOTS / f"import_preview_{size['width']}.png"), full_page=True)
        assert page.evaluate("document.documentElement.scrollWidth") <= size["width"] + 1
    page.set_viewport_size(DESKTOP)
    assert not Task.objects.filter(title=TASKS[0][1]).exists()  # nothing written by a preview

    page.click("button:has-text('Lưu thành tên gọi khác của “Sở Tư pháp”')")
    page.wait_for_selector("text=Không phát hiện lỗi")
    assert AgencyAlias.objects.get().agency.code == "stp"
    assert "thêm mới 3" in page.inner_text("main")
    page.click("button:has-text('Xác nhận nhập dữ liệu')")
    page.wait_for_load_state("networkidle")

    landed = {t.title: t for t in Task.objects.filter(title__in=[t[1] for t in TASKS])}
    assert len(landed) == 3
    first, second, third = (landed[t[1]] for t in TASKS)
    assert (first.lead_agency.code, second.lead_agency.code, third.lead_agency.code) == ("stp", "stp", "quynhon")
    assert first.shortcoming == TASKS[0][0] and str(first.deadline) == "2021-12-31"
    assert {a.code for a in first.coordinating_agencies.all()} == {"skhdt", "vp-ubnd"}
    assert third.coordinating_agencies.count() == 10  # the eleven districts, less the lead
