"""Importing a framework with its scores: the tree, the checks, idempotency and all-or-nothing."""

import copy
from decimal import Decimal as D
from pathlib import Path

import pytest
from django.utils import translation

from agencies.models import AgencyKind
from compilation.excel.importing import run_import
from parindex.models import Criterion, Framework, FrameworkKind, Level, Method, Score
from tests.data.workbooks import (
    FRAMEWORK_HEADER,
    FRAMEWORK_NAME,
    FRAMEWORK_ROWS,
    framework_with_formulas,
    handmade_framework,
    simple_framework,
    workbook_bytes,
)
from tests.factories import AgencyFactory, CriterionFactory, CycleFactory, FrameworkFactory, ScoreFactory

pytestmark = pytest.mark.django_db
DATA = Path(__file__).resolve().parent.parent / "data"
SHEET = "Bộ tiêu chí"


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def rows(**changes):
    """FRAMEWORK_ROWS with some rows replaced: {index: row or None to drop}."""
    out = copy.deepcopy(FRAMEWORK_ROWS)
    for index, row in sorted(((int(k[1:]), v) for k, v in changes.items()), reverse=True):
        if row is None:
            del out[index]
        else:
            out[index] = row
    return out


def problems(result):
    return [(p.sheet, p.row, p.column, p.message) for p in result.problems]


def snapshot():
    return (
        Framework.objects.count(),
        Criterion.objects.count(),
        Score.objects.count(),
        Score.history.count(),
        list(Criterion.objects.values_list("code", "max_points", "name").order_by("code")),
    )


def imported(cycle, data=None, **kwargs):
    result = run_import(data or simple_framework(), "framework", cycle, **kwargs)
    assert result.problems == [], problems(result)
    assert result.applied
    return result


# --------------------------------------------------------------------------- the tree


def test_import_builds_the_tree_from_codes(cycle):
    imported(cycle)
    framework = Framework.objects.get(name=FRAMEWORK_NAME)
    nodes = {c.code: c for c in Criterion.objects.filter(framework=framework).select_related("parent")}
    assert framework.kind == FrameworkKind.PAR and framework.total_points == D(5)
    assert len(nodes) == 10
    assert nodes["1"].level == Level.AREA and nodes["1"].parent is None
    assert nodes["1.2"].level == Level.CRITERION and nodes["1.2"].parent.code == "1"
    assert nodes["2.1.1"].level == Level.SUB and nodes["2.1.1"].parent.code == "2.1"
    assert nodes["2.1.1"].method == Method.SURVEY and nodes["2.1"].method == Method.SELF
    assert [c.code for c in Criterion.objects.filter(framework=framework).order_by("order")][:3] == [
        "1",
        "1.1",
        "1.1.1",
    ]


def test_import_records_scores_on_sub_criteria_and_attaches_the_framework(cycle):
    imported(cycle)
    scores = {s.criterion.code: s for s in Score.objects.filter(cycle=cycle).select_related("criterion")}
    assert set(scores) == {"1.1.1", "1.1.2", "1.2.1", "2.1.1", "2.1.2"}
    assert (scores["1.1.2"].self_score, scores["1.1.2"].appraised_score) == (D(1), D("0.5"))
    assert (scores["2.1.1"].self_score, scores["2.1.1"].appraised_score) == (None, D("0.25"))
    assert scores["2.1.2"].max_points == D("1.5")
    assert cycle.framework_of(FrameworkKind.PAR).name == FRAMEWORK_NAME


def test_handmade_annex_with_title_rows_merged_two_row_header_and_number_codes(cycle):
    result = imported(cycle, handmade_framework())
    assert result.framework_name == "BỘ CHỈ SỐ CẢI CÁCH HÀNH CHÍNH CẤP TỈNH NĂM 2022"
    framework = Framework.objects.get(name=result.framework_name)
    assert sorted(Criterion.objects.filter(framework=framework).values_list("code", flat=True)) == [
        "1", "1.1", "1.1.1", "1.1.2", "1.2", "1.2.1", "2", "2.1", "2.1.1", "2.1.2",
    ]  # fmt: skip
    score = Score.objects.get(cycle=cycle, criterion__code="1.1.2")
    assert (score.self_score, score.appraised_score, score.previous_score) == (D(1), D("0.5"), D("0.75"))


def test_file_saved_by_libreoffice_with_sum_formulas_reads_their_values(cycle):
    result = imported(cycle, (DATA / "framework_libreoffice.xlsx").read_bytes())
    framework = Framework.objects.get(name=result.framework_name)
    assert Criterion.objects.get(framework=framework, code="1").max_points == D(3)
    assert framework.total_points == D(5)


def test_name_given_in_the_form_wins_over_the_title_row(cycle):
    result = imported(cycle, framework_name="PAR Index 2022 (876/QĐ-BNV)")
    assert result.framework_name == "PAR Index 2022 (876/QĐ-BNV)"
    assert Framework.objects.filter(name="PAR Index 2022 (876/QĐ-BNV)").exists()


def test_sipas_kind_is_guessed_from_the_name_and_its_total_is_not_a_sum():
    cycle = CycleFactory(year=2022)
    data = simple_framework(
        # Survey components take no self score: their figures are the survey's results.
        [["1", "Tiếp cận dịch vụ", 100, "survey", None, "82,45"], ["2", "Thủ tục hành chính", 100, "survey", None, 84]],
        title="SIPAS 2022",
    )
    imported(cycle, data)
    assert cycle.framework_of(FrameworkKind.SIPAS).name == "SIPAS 2022"


def test_focal_agency_is_set_on_areas_by_code_or_by_name(cycle):
    snv = AgencyFactory(code="snv", name="Sở Nội vụ", kind=AgencyKind.DEPARTMENT)
    vp = AgencyFactory(code="vp-ubnd", name="Văn phòng UBND tỉnh", kind=AgencyKind.DEPARTMENT)
    header = [*FRAMEWORK_HEADER, "Cơ quan đầu mối"]
    data = simple_framework(
        rows(r0=[*FRAMEWORK_ROWS[0], "SNV"], r6=[*FRAMEWORK_ROWS[6], "van phong ubnd tinh"]), header
    )
    imported(cycle, data)
    assert Criterion.objects.get(code="1").focal_agency == snv
    assert Criterion.objects.get(code="2").focal_agency == vp


# --------------------------------------------------------------------------- idempotency


def test_importing_the_same_file_again_changes_nothing(cycle):
    imported(cycle)
    before = snapshot()
    result = imported(cycle)
    assert snapshot() == before
    assert result.summary.created == {} and result.summary.updated == {}
    assert result.summary.unchanged == {"framework": 1, "criterion": 10, "score": 5}


def test_reimport_updates_scores_and_names_in_place(cycle):
    imported(cycle)
    changed = rows(r3=["1.1.2", "Mức độ hoàn thành kế hoạch năm", 1, "Tự đánh giá", 1, "0,75"])
    result = imported(cycle, simple_framework(changed))
    assert result.summary.updated == {"criterion": 1, "score": 1}
    assert Criterion.objects.get(code="1.1.2").name == "Mức độ hoàn thành kế hoạch năm"
    assert Score.objects.get(cycle=cycle, criterion__code="1.1.2").appraised_score == D("0.75")
    assert Criterion.objects.count() == 10


def test_a_file_without_score_columns_leaves_recorded_scores_alone(cycle):
    imported(cycle)
    tree_only = [row[:4] for row in FRAMEWORK_ROWS]
    imported(cycle, simple_framework(tree_only, FRAMEWORK_HEADER[:4]))
    assert Score.objects.get(cycle=cycle, criterion__code="1.1.2").appraised_score == D("0.5")


def test_dry_run_writes_nothing(cycle):
    before = snapshot()
    result = run_import(simple_framework(), "framework", cycle, dry_run=True)
    assert result.ok and not result.applied
    assert result.summary.created == {"framework": 1, "criterion": 10, "score": 5}
    assert snapshot() == before
    assert not cycle.frameworks.exists()


def test_a_raised_maximum_in_one_cycle_is_that_cycles_version_only(cycle):
    """Copy on write (issue 15): the framework is shared with 2021, so 2022 gets a version of its own."""
    imported(cycle)
    other = CycleFactory(year=2022)
    imported(other)
    bigger = rows(
        r0=["1", "Công tác chỉ đạo, điều hành", 4, None, None, None],
        r1=["1.1", "Kế hoạch cải cách hành chính", 3, None, None, None],
        r2=["1.1.1", "Ban hành kế hoạch", 2, "Tự đánh giá", 1, 1],
        r10=[None, "Tổng cộng", 6, None, None, None],
    )
    imported(other, simple_framework(bigger))
    maxima = Score.objects.filter(criterion__code="1.1.1").values_list(
        "cycle__year", "max_points", "criterion__framework"
    )
    assert {(year, points) for year, points, _f in maxima} == {(2021, D(1)), (2022, D(2))}
    assert len({f for _y, _p, f in maxima}) == 2


# --------------------------------------------------------------------------- bad input, exact problems


def test_duplicate_code_is_reported_on_the_second_row(cycle):
    body = copy.deepcopy(FRAMEWORK_ROWS)
    body.insert(4, ["1.1.1", "Trùng mã", 1, None, None, None])
    result = run_import(simple_framework(body), "framework", cycle)
    assert problems(result) == [(SHEET, 7, "A", "The code 1.1.1 is already on row 5.")]


def test_sub_criterion_whose_parent_is_missing(cycle):
    result = run_import(
        simple_framework(rows(r4=None, r5=["1.3.1", "Mồ côi", 1, None, None, None])), "framework", cycle
    )
    assert problems(result) == [
        (SHEET, 3, "C", "The maximum 3 of 1 is not the sum of its parts' maxima (2)."),
        (SHEET, 7, "A", "The parent 1.3 of 1.3.1 is not in the sheet."),
    ]


def test_parent_maximum_not_the_sum_of_its_parts(cycle):
    result = run_import(
        simple_framework(rows(r2=["1.1.1", "Ban hành kế hoạch", "1,25", None, 1, 1])), "framework", cycle
    )
    assert problems(result) == [(SHEET, 4, "C", "The maximum 2 of 1.1 is not the sum of its parts' maxima (2.25).")]


def test_areas_not_adding_up_to_the_total_row(cycle):
    result = run_import(simple_framework(rows(r10=[None, "Tổng cộng", 100, None, None, None])), "framework", cycle)
    assert problems(result) == [(SHEET, 13, "C", "The areas add up to 5 points, but the framework's total is 100.")]


def test_par_framework_without_a_total_row_must_add_up_to_100(cycle):
    result = run_import(simple_framework(rows(r10=None)), "framework", cycle)
    assert problems(result) == [(SHEET, None, "", "The areas add up to 5 points, but the framework's total is 100.")]


def test_score_above_its_maximum_is_refused_before_the_database_would(cycle):
    result = run_import(
        simple_framework(rows(r2=["1.1.1", "Ban hành kế hoạch", 1, None, "1,25", "-0,5"])), "framework", cycle
    )
    assert problems(result) == [
        (SHEET, 5, "E", "The score 1.25 is outside 0 to 1."),
        (SHEET, 5, "F", "The score -0.5 is outside 0 to 1."),
    ]


def test_wrong_types_in_cells(cycle):
    data = simple_framework(rows(r2=["1.1.1", "Ban hành kế hoạch", "một", "tự làm", True, "#N/A"]))
    result = run_import(data, "framework", cycle)
    assert problems(result) == [
        (SHEET, 5, "C", "“một” is not a number."),
        (SHEET, 5, "D", "“tự làm” is not a method; write “Tự đánh giá” (self-assessed) or “Điều tra XHH” (survey)."),
        (SHEET, 5, "E", "The cell holds TRUE/FALSE where a value was expected."),
        (SHEET, 5, "F", "The cell holds the error #N/A."),
    ]


def test_codes_that_are_not_codes(cycle):
    data = simple_framework(
        rows(r4=["A.1", "Phần A", 1, None, None, None], r5=[None, "Không có mã", 1, None, None, None])
    )
    result = run_import(data, "framework", cycle)
    assert problems(result) == [
        (SHEET, 7, "A", "“A.1” is not a criterion code such as 3, 3.2 or 3.2.1."),  # "I" is area 1
        (SHEET, 8, "A", "The code is missing."),
    ]


def test_huge_name_is_refused(cycle):
    result = run_import(simple_framework(rows(r2=["1.1.1", "x" * 501, 1, None, 1, 1])), "framework", cycle)
    assert problems(result) == [(SHEET, 5, "B", "The text is 501 characters long; at most 500 are allowed.")]


def test_missing_required_column(cycle):
    header = ["Mã", "Tên tiêu chí", "Ghi chú"]
    result = run_import(simple_framework([["1", "A", 1]], header), "framework", cycle)
    assert problems(result) == [(SHEET, 2, "", "The required column “Điểm tối đa” is missing from the header row.")]


def test_sheet_without_any_header(cycle):
    result = run_import(workbook_bytes({"Trang 1": [["Báo cáo"], [1, 2, 3]]}), "framework", cycle)
    assert problems(result) == [
        ("", None, "", "No header row was found. The sheet needs the columns: Mã, Tên tiêu chí, Điểm tối đa.")
    ]


def test_header_without_rows(cycle):
    result = run_import(simple_framework([]), "framework", cycle)
    assert problems(result) == [(SHEET, None, "", "The sheet has no criteria below its header row.")]


def test_bytes_that_are_not_a_workbook(cycle):
    result = run_import(b"%PDF-1.7 not a spreadsheet", "framework", cycle)
    assert problems(result) == [("", None, "", "The file is not an Excel workbook (.xlsx).")]


def test_framework_without_a_name(cycle):
    body = [FRAMEWORK_HEADER, *FRAMEWORK_ROWS]
    result = run_import(workbook_bytes({SHEET: body}), "framework", cycle)
    assert problems(result) == [
        (SHEET, None, "", "The framework has no name: give one, or write it in a title row above the header.")
    ]


def test_existing_criteria_missing_from_the_file_are_not_deleted(cycle):
    imported(cycle)
    smaller = rows(r9=None, r8=None, r7=None, r6=None, r10=[None, "Tổng cộng", 3, None, None, None])
    result = run_import(simple_framework(smaller), "framework", cycle)
    assert problems(result) == [
        (
            SHEET,
            None,
            "",
            f"The framework “{FRAMEWORK_NAME}” also has criteria that are not in the file (2, 2.1, 2.1.1, 2.1.2); "
            "an import never deletes criteria. Add them to the file, or import under a new framework name.",
        )
    ]
    assert Criterion.objects.count() == 10


def test_lowered_maximum_in_another_cycle_leaves_the_recorded_scores_alone(cycle):
    """Copy on write (issue 15): 2021's scores stay within 2021's maxima; 2022 gets its own version."""
    imported(cycle)
    other = CycleFactory(year=2022)
    lowered = rows(
        r0=["1", "Công tác chỉ đạo, điều hành", "2,5", None, None, None],
        r1=["1.1", "Kế hoạch cải cách hành chính", "1,5", None, None, None],
        r2=["1.1.1", "Ban hành kế hoạch", "0,5", "Tự đánh giá", "0,5", "0,5"],
        r10=[None, "Tổng cộng", "4,5", None, None, None],
    )
    result = imported(other, simple_framework(lowered))
    assert result.copied_from == FRAMEWORK_NAME
    assert Criterion.objects.get(framework__name=FRAMEWORK_NAME, code="1.1.1").max_points == D(1)
    assert Criterion.objects.get(framework__cycles=other, code="1.1.1").max_points == D("0.5")


def test_framework_name_already_used_by_the_other_kind(cycle):
    FrameworkFactory(name=FRAMEWORK_NAME, kind=FrameworkKind.SIPAS)
    result = run_import(simple_framework(), "framework", cycle, framework_kind=FrameworkKind.PAR)
    assert problems(result) == [(SHEET, None, "", f"A framework named “{FRAMEWORK_NAME}” already exists as SIPAS.")]


def test_cycle_already_scored_on_another_par_framework(cycle):
    """Issue 12's rule: once the self-assessment round has entries on the cycle's tree, it is not replaced."""
    other = FrameworkFactory(name="PAR cũ")
    cycle.frameworks.add(other)
    ScoreFactory(cycle=cycle, criterion=CriterionFactory(framework=other, max_points=1), self_score=D("0.5"))
    result = run_import(simple_framework(), "framework", cycle)
    assert problems(result) == [
        (
            SHEET,
            None,
            "",
            "Cycle 2021 already has entries of its self-assessment round on the tree “PAR cũ”, so the tree can no "
            "longer be replaced; import under that framework's name to update it.",
        )
    ]


def test_an_unused_framework_of_the_same_kind_is_replaced(cycle):
    unused = FrameworkFactory(name="PAR nhập nhầm")
    cycle.frameworks.add(unused)
    imported(cycle)
    assert list(cycle.frameworks.values_list("name", flat=True)) == [FRAMEWORK_NAME]


def test_ambiguous_focal_agency_name(cycle):
    AgencyFactory(code="a1", name="Sở Nội vụ", kind=AgencyKind.DEPARTMENT)
    AgencyFactory(code="a2", name="Sở Nội Vụ", kind=AgencyKind.DEPARTMENT)
    header = [*FRAMEWORK_HEADER, "Cơ quan đầu mối"]
    result = run_import(simple_framework(rows(r0=[*FRAMEWORK_ROWS[0], "So Noi vu"]), header), "framework", cycle)
    assert problems(result) == [
        (
            SHEET,
            3,
            "G",
            "“So Noi vu” matches several agencies: Sở Nội vụ (a1); Sở Nội Vụ (a2). Write the agency's code instead.",
        )
    ]


def test_a_file_with_problems_writes_nothing_at_all(cycle):
    before = snapshot()
    run_import(simple_framework(rows(r9=["2.1.2", "Cập nhật", "1,5", None, 9, None])), "framework", cycle)
    assert snapshot() == before
    assert not cycle.frameworks.exists()


def test_formulas_without_a_stored_result_are_named(cycle):
    """A file written by a program that stores no formula results (here openpyxl): the cells read as empty."""
    result = run_import(framework_with_formulas(), "framework", cycle)
    message = (
        "The cell holds a formula whose result the file does not store; open the file in Excel or LibreOffice "
        "and save it again, or type the value."
    )
    assert problems(result) == [("Phụ lục", row, "D", message) for row in (6, 7, 10, 12, 13, 16)]
