"""Framework versions and the crosswalk: previous year, change and carried tasks follow it (issue 12, part 3)."""

from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import override

from compilation import figures
from parindex import services
from parindex.models import CrosswalkMapping, Cycle, FrameworkKind, Level
from tests.factories import CriterionFactory, CycleFactory, FrameworkFactory, ScoreFactory

pytestmark = pytest.mark.django_db


def _tree(framework, leaves: dict[str, int]):
    area = CriterionFactory(framework=framework, level=Level.AREA, code="1", max_points=sum(leaves.values()))
    crit = CriterionFactory(
        framework=framework, level=Level.CRITERION, code="1.1", parent=area, max_points=sum(leaves.values())
    )
    return {
        code: CriterionFactory(framework=framework, parent=crit, code=code, max_points=points)
        for code, points in leaves.items()
    }


@pytest.fixture
def versions(db):
    """2021 on an old tree (1.1.1 2 pts, 1.1.2 1 pt, 1.1.3 1 pt); 2022 on a new one where 1.1.1 is split
    into 1.1.1 + 1.1.2 (1 pt each), 1.1.2 becomes 1.1.3, 1.1.3 is dropped and 1.1.4 is new."""
    old_fw, new_fw = FrameworkFactory(kind=FrameworkKind.PAR), FrameworkFactory(kind=FrameworkKind.PAR)
    c2021 = CycleFactory(year=2021)
    c2022 = CycleFactory(year=2022, previous=c2021)
    c2021.frameworks.add(old_fw)
    c2022.frameworks.add(new_fw)
    old = _tree(old_fw, {"1.1.1": 2, "1.1.2": 1, "1.1.3": 1})
    new = _tree(new_fw, {"1.1.1": 1, "1.1.2": 1, "1.1.3": 1, "1.1.4": 1})
    ScoreFactory(cycle=c2021, criterion=old["1.1.1"], self_score=D("1.5"))
    ScoreFactory(cycle=c2021, criterion=old["1.1.2"], self_score=D("0.75"))
    ScoreFactory(cycle=c2021, criterion=old["1.1.3"], self_score=D("1"))
    for code in new:
        ScoreFactory(cycle=c2022, criterion=new[code], self_score=D("1"), previous_score=D("0.25"))
    rows = [("1.1.1", "1.1.1", "tách"), ("1.1.1", "1.1.2", "tách"), ("1.1.2", "1.1.3", ""), ("1.1.3", "", "bỏ")]
    services.import_crosswalk(old_fw, new_fw, rows, user=None)
    return c2021, c2022, old, new


def _by_code(cycle: Cycle) -> dict:
    return {r.code: r for r in figures.leaves(figures.score_tree(cycle))}


def test_split_sub_criterion_shares_the_old_points_by_maximum(versions):
    _c2021, c2022, _old, _new = versions
    rows = _by_code(c2022)
    assert (rows["1.1.1"].previous_score, rows["1.1.2"].previous_score) == (D("0.75"), D("0.75"))
    assert rows["1.1.3"].previous_score == D("0.75") and rows["1.1.3"].change == D("0.25")


def test_new_sub_criterion_without_predecessor_is_not_comparable_never_a_number(client, snv, versions):
    _c2021, c2022, _old, new = versions
    row = _by_code(c2022)["1.1.4"]
    assert not row.comparable and row.previous_score is None and row.change is None  # the stored 0.25 is not read
    client.force_login(snv)
    with override("en"):
        tree = client.get(reverse("compilation:score-tree"), {"cycle": 2022}).content.decode()
        detail = client.get(reverse("compilation:criterion-detail", args=[2022, new["1.1.4"].pk])).content.decode()
    assert "không so sánh được" in tree and "không so sánh được" in detail


def test_dropped_sub_criterion_has_no_successor(versions):
    _c2021, _c2022, old, _new = versions
    assert list(CrosswalkMapping.objects.filter(old=old["1.1.3"]).values_list("new", flat=True)) == [None]


def test_import_refuses_unknown_codes_and_writes_nothing(versions):
    _c2021, c2022, old, new = versions
    before = CrosswalkMapping.objects.count()
    with pytest.raises(ValidationError):
        services.import_crosswalk(old["1.1.1"].framework, new["1.1.1"].framework, [("9.9.9", "1.1.1", "")], user=None)
    assert CrosswalkMapping.objects.count() == before


def test_snv_corrects_one_mapping(versions):
    _c2021, c2022, old, new = versions
    crosswalk = CrosswalkMapping.objects.filter(old=old["1.1.3"]).first().crosswalk
    services.set_mapping(crosswalk, old["1.1.3"], ["1.1.4"], "gộp", user=None)
    assert _by_code(c2022)["1.1.4"].previous_score == D("1")


def test_same_framework_is_the_identity_and_a_baseline_without_cycle_keeps_its_stored_previous(db):
    fw = FrameworkFactory(kind=FrameworkKind.PAR)
    base = CycleFactory(year=2020)
    leaf = _tree(fw, {"1.1.1": 1})["1.1.1"]
    ScoreFactory(cycle=base, criterion=leaf, self_score=D("0.5"), previous_score=D("0.25"))
    base.frameworks.add(fw)
    assert _by_code(base)["1.1.1"].previous_score == D("0.25")  # no previous cycle: the stored baseline
    nxt = CycleFactory(year=2021, previous=base)
    nxt.frameworks.add(fw)
    ScoreFactory(cycle=nxt, criterion=leaf, self_score=D("1"), previous_score=D("0.1"))
    assert _by_code(nxt)["1.1.1"].previous_score == D("0.5")


def test_demo_2022_compares_with_2021_through_the_crosswalk(demo):
    from compilation.demo import par2022

    c2022 = Cycle.objects.get(year=2022)
    rows = _by_code(c2022)
    fresh = par2022.new_codes_without_predecessor()
    assert fresh and all(not rows[code].comparable for code in fresh)
    comparable = [r for r in rows.values() if r.comparable]
    assert len(comparable) == 88 - len(fresh)
    assert all(r.previous_score is not None for r in comparable)


def test_grouping_thresholds_are_data_of_the_framework(db):
    from parindex import scoring

    assert scoring.ranking_group(D("85"), scoring.thresholds([["A", 90], ["B", 80]])) == "B"
    assert scoring.ranking_group(D("85"), scoring.thresholds([["A", 95], ["B", 88]])) == scoring.RankingGroup.BELOW_C
    assert scoring.ranking_group(D("85"), scoring.thresholds([])) is None
    fw = FrameworkFactory(kind=FrameworkKind.PAR, groups=[])
    cycle = CycleFactory(year=2021)
    cycle.frameworks.add(fw)
    leaf = _tree(fw, {"1.1.1": 1})["1.1.1"]
    ScoreFactory(cycle=cycle, criterion=leaf, self_score=D("1"))
    assert figures.totals(figures.score_tree(cycle)).group is None  # a methodology without groups shows none


def test_snv_imports_a_crosswalk_workbook_and_corrects_a_row_in_the_browser(client, snv, versions):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.data.workbooks import workbook_bytes

    _c2021, c2022, old, new = versions
    data = workbook_bytes({"Bảng": [["Mã cũ", "Mã mới", "Ghi chú"], ["1.1.1", "1.1.1", ""], ["1.1.2", "1.1.3", ""]]})
    client.force_login(snv)
    upload = SimpleUploadedFile("cw.xlsx", data)
    form = {"old": old["1.1.1"].framework_id, "new": new["1.1.1"].framework_id, "file": upload}
    response = client.post(reverse("compilation:crosswalk-list"), form)
    assert response.status_code == 302
    assert CrosswalkMapping.objects.filter(old=old["1.1.1"]).count() == 1  # the file replaced the split
    detail = response.url
    client.post(detail, {"old_code": "1.1.2", "new_codes": "1.1.3, 1.1.4", "note": "tách"})
    assert sorted(CrosswalkMapping.objects.filter(old=old["1.1.2"]).values_list("new__code", flat=True)) == [
        "1.1.3",
        "1.1.4",
    ]
    assert "1.1.4" in client.get(detail).content.decode()


def test_sub_criterion_trend_follows_the_crosswalk_and_marks_a_new_one_not_comparable(client, snv, versions):
    _c2021, c2022, old, new = versions
    trend = figures.criterion_trend(c2022, new["1.1.3"].pk, c2022.as_of())
    assert [(p.year, p.percent) for p in trend] == [(2021, D("75.00")), (2022, D("100.00"))]
    split = figures.criterion_trend(c2022, new["1.1.1"].pk, c2022.as_of())
    assert split[0].percent == D("75.00")  # 1.5 of 2 points on the old, unsplit sub-criterion
    assert figures.criterion_trend(c2022, new["1.1.4"].pk, c2022.as_of())[0].percent is None
    client.force_login(snv)
    html = client.get(reverse("compilation:criterion-detail", args=[2022, new["1.1.3"].pk])).content.decode()
    assert '<svg id="trend"' in html and "<polyline" in html


def test_crosswalk_reader_takes_a_province_s_sheet_as_it_is_made():
    """A hidden draft sheet first, a title block, a header repeated after a page break,
    a Roman-numeral area heading and an NFD note: only the mapping rows are read, in NFC."""
    import io
    import unicodedata

    from openpyxl import Workbook

    from compilation.excel.crosswalk import read_crosswalk_rows

    book = Workbook()
    draft = book.active
    draft.title = "Nháp"
    draft.append(["9.9.9", "9.9.9", "bản nháp cũ"])
    draft.sheet_state = "hidden"
    sheet = book.create_sheet("Đối chiếu")
    sheet.append(["BẢNG ĐỐI CHIẾU TIÊU CHÍ THÀNH PHẦN 2021 – 2022"])
    sheet.merge_cells("A1:C1")
    sheet.append(["Mã cũ", "Mã mới", "Ghi chú"])
    sheet.append(["I", "Công tác chỉ đạo, điều hành", None])
    sheet.append(["1.1.1", "1.1.1", unicodedata.normalize("NFD", "Giữ nguyên")])
    sheet.append(["Mã cũ", "Mã mới", "Ghi chú"])
    sheet.append(["1.1.2", None, "Bỏ"])
    data = io.BytesIO()
    book.save(data)
    rows = read_crosswalk_rows(data.getvalue())
    assert rows == [("1.1.1", "1.1.1", "Giữ nguyên"), ("1.1.2", "", "Bỏ")]
    assert rows[0][2] == unicodedata.normalize("NFC", "Giữ nguyên")


def _numeric_code_book(number_format: str | None) -> bytes:
    """A SIPAS-like crosswalk whose codes were typed into number cells: "3.10" is stored as 3.1."""
    import io

    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["Mã cũ", "Mã mới", "Ghi chú"])
    sheet.append([3.1, 3.1, "số"])
    sheet.append([3, "3.2", "số nguyên"])
    if number_format:
        for cell in ("A2", "B2"):
            sheet[cell].number_format = number_format
    data = io.BytesIO()
    book.save(data)
    return data.getvalue()


def test_crosswalk_reader_refuses_a_code_stored_as_an_ambiguous_number():
    from compilation.excel.crosswalk import read_crosswalk_rows
    from compilation.excel.workbook import WorkbookError

    with override("en"), pytest.raises(WorkbookError) as caught:
        read_crosswalk_rows(_numeric_code_book(None))  # General: 3.1 may have been typed 3.10
    assert "Row 2" in caught.value.message and "3.1 and 3.10 cannot be told apart" in caught.value.message


def test_crosswalk_reader_reads_a_numeric_code_as_its_number_format_shows_it():
    from compilation.excel.crosswalk import read_crosswalk_rows

    assert read_crosswalk_rows(_numeric_code_book("0.00")) == [("3.10", "3.10", "số"), ("3", "3.2", "số nguyên")]


def test_the_crosswalk_page_says_why_an_ambiguous_numeric_code_is_refused(client, snv, versions):
    from django.core.files.uploadedfile import SimpleUploadedFile

    _c2021, _c2022, old, new = versions
    before = CrosswalkMapping.objects.count()
    client.force_login(snv)
    upload = SimpleUploadedFile("cw.xlsx", _numeric_code_book(None))
    form = {"old": old["1.1.1"].framework_id, "new": new["1.1.1"].framework_id, "file": upload}
    response = client.post(reverse("compilation:crosswalk-list"), form)
    assert response.status_code == 400
    assert "3.1" in response.content.decode()
    assert CrosswalkMapping.objects.count() == before
