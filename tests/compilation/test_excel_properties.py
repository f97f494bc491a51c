"""Property tests: malformed workbooks always give a clear error and write nothing, never a crash.

Each strategy starts from a valid workbook and breaks it in one way that must
be refused (wrong types, a missing column, a duplicate code, a missing parent,
maxima not adding up, huge strings, formulas, empty sheets, bytes that are not
a workbook). The example counts are kept moderate so the suite stays fast.
"""

import copy
import datetime as dt
import os
import string
from decimal import Decimal as D

import pytest
from django.utils import translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agencies.models import AgencyKind
from compilation.excel.importing import run_import
from parindex.models import Criterion, Framework, Score
from remediation.models import Task
from tests.data.workbooks import (
    FRAMEWORK_HEADER,
    FRAMEWORK_ROWS,
    TASK_HEADER,
    simple_framework,
    simple_tasks,
    workbook_bytes,
)
from tests.factories import AgencyFactory, CycleFactory

pytestmark = pytest.mark.django_db
# EXCEL_PROPERTY_EXAMPLES=500 runs a deeper search locally; CI keeps the default.
PROPERTY = settings(
    max_examples=int(os.environ.get("EXCEL_PROPERTY_EXAMPLES", "25")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
LEAVES = [i for i, row in enumerate(FRAMEWORK_ROWS) if row[0] and row[0].count(".") == 2]
PARENTS = [i for i, row in enumerate(FRAMEWORK_ROWS) if row[0] and row[0].count(".") < 2]
CODED = LEAVES + PARENTS
NOT_A_NUMBER = st.one_of(
    st.text(alphabet=string.ascii_letters + "đươăâêôĐƯƠ", min_size=1, max_size=30),
    st.booleans(),
    st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2030, 1, 1)),
    st.sampled_from(["#REF!", "#N/A", "#DIV/0!", "#VALUE!"]),
)
HUGE = st.integers(min_value=501, max_value=40_000).map(lambda n: "Tiêu chí rất dài " * (n // 17 + 1))
FORMULA = st.sampled_from(["=SUM(C3:C5)", "=1/0", "=A1", '=HYPERLINK("http://x")', "=NOW()"])


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def snapshot() -> tuple:
    return (
        Framework.objects.count(),
        list(Criterion.objects.values_list("code", "name", "max_points", "method", "parent_id").order_by("pk")),
        list(Score.objects.values_list("criterion_id", "self_score", "appraised_score").order_by("pk")),
        Score.history.count(),
        Task.objects.count(),
        Task.history.count(),
    )


def assert_refused(data: bytes, kind: str, cycle) -> None:
    """Clear problems, nothing written, and no exception on the way."""
    before = snapshot()
    result = run_import(data, kind, cycle)
    assert result.problems, "a malformed workbook was accepted"
    assert all(str(p.message).strip() for p in result.problems)
    assert not result.applied
    assert snapshot() == before


def rows_copy() -> list[list]:
    return copy.deepcopy(FRAMEWORK_ROWS)


# --------------------------------------------------------------------------- frameworks


@PROPERTY
@given(index=st.sampled_from(LEAVES), column=st.sampled_from([2, 4, 5]), value=NOT_A_NUMBER)
def test_wrong_types_in_number_columns(cycle, index, column, value):
    rows = rows_copy()
    rows[index][column] = value
    assert_refused(simple_framework(rows), "framework", cycle)


@PROPERTY
@given(column=st.sampled_from([0, 1, 2]), shuffle=st.randoms(use_true_random=False))
def test_missing_required_column(cycle, column, shuffle):
    order = [i for i in range(len(FRAMEWORK_HEADER)) if i != column]
    shuffle.shuffle(order)
    header = [FRAMEWORK_HEADER[i] for i in order]
    rows = [[row[i] for i in order] for row in FRAMEWORK_ROWS]
    assert_refused(simple_framework(rows, header), "framework", cycle)


@PROPERTY
@given(source=st.sampled_from(CODED), position=st.integers(min_value=0, max_value=len(FRAMEWORK_ROWS)))
def test_duplicate_codes(cycle, source, position):
    rows = rows_copy()
    rows.insert(position, list(rows[source]))
    assert_refused(simple_framework(rows), "framework", cycle)


@PROPERTY
@given(index=st.sampled_from(PARENTS))
def test_sub_criterion_whose_parent_is_missing(cycle, index):
    rows = rows_copy()
    del rows[index]
    assert_refused(simple_framework(rows), "framework", cycle)


@PROPERTY
@given(
    index=st.sampled_from(CODED + [len(FRAMEWORK_ROWS) - 1]),
    delta=st.integers(min_value=-20, max_value=20).filter(bool).map(lambda n: D(n) / 4),
)
def test_maxima_not_adding_up(cycle, index, delta):
    rows = rows_copy()
    rows[index][2] = str(D(str(rows[index][2]).replace(",", ".")) + delta).replace(".", ",")
    assert_refused(simple_framework(rows), "framework", cycle)


@PROPERTY
@given(index=st.sampled_from(CODED), text=HUGE)
def test_huge_strings(cycle, index, text):
    rows = rows_copy()
    rows[index][1] = text
    assert_refused(simple_framework(rows), "framework", cycle)


@PROPERTY
@given(index=st.sampled_from(CODED), column=st.sampled_from([1, 2]), formula=FORMULA)
def test_formulas_in_required_cells(cycle, index, column, formula):
    rows = rows_copy()
    rows[index][column] = formula
    assert_refused(simple_framework(rows), "framework", cycle)


@PROPERTY
@given(
    sheets=st.lists(
        st.lists(st.lists(st.sampled_from([None, "", "  "]), max_size=5), max_size=8),
        min_size=1,
        max_size=3,
    ),
    kind=st.sampled_from(["framework", "tasks"]),
)
def test_empty_sheets(cycle, sheets, kind):
    data = workbook_bytes({f"Trang {i}": rows for i, rows in enumerate(sheets, start=1)})
    assert_refused(data, kind, cycle)


@PROPERTY
@given(data=st.binary(max_size=2000), kind=st.sampled_from(["framework", "tasks"]))
def test_bytes_that_are_not_a_workbook(cycle, data, kind):
    assert_refused(data, kind, cycle)


@PROPERTY
@given(cut=st.integers(min_value=0, max_value=10_000))
def test_truncated_workbooks(cycle, cut):
    valid = simple_framework()
    assert_refused(valid[: min(cut, len(valid) - 1)], "framework", cycle)


@PROPERTY
@given(
    scores=st.lists(st.integers(min_value=0, max_value=4).map(lambda n: D(n) / 4), min_size=5, max_size=5),
)
def test_valid_scores_import_and_a_second_import_changes_nothing(cycle, scores):
    rows = rows_copy()
    for index, value in zip(LEAVES, scores, strict=True):
        limit = D(str(rows[index][2]).replace(",", "."))
        column = 5 if rows[index][3] == "Điều tra XHH" else 4  # a survey row takes no self score
        rows[index][column] = str(min(value, limit)).replace(".", ",")
    data = simple_framework(rows)
    assert run_import(data, "framework", cycle).applied
    before = snapshot()
    again = run_import(data, "framework", cycle)
    assert again.applied and again.summary.created == {} and again.summary.updated == {}
    assert snapshot() == before


# --------------------------------------------------------------------------- task assignments


@pytest.fixture
def task_cycle(db):
    cycle = CycleFactory(year=2021)
    assert run_import(simple_framework(), "framework", cycle).applied
    AgencyFactory(code="stp", name="Sở Tư pháp", kind=AgencyKind.DEPARTMENT)
    AgencyFactory(code="snv", name="Sở Nội vụ", kind=AgencyKind.DEPARTMENT)
    return cycle


def task_rows(n: int = 3) -> list[list]:
    return [
        [f"Nhiệm vụ {i}", "Mô tả", "1.1.1; 2.1.2", "stp", "snv", "31/12/2021", "Báo cáo 117/BC-SNV"] for i in range(n)
    ]


BAD_TASK_CELLS = st.one_of(
    st.tuples(st.just(0), st.one_of(HUGE.map(lambda s: s[:400] + "x" * 300), st.just(""), FORMULA)),
    st.tuples(st.just(2), st.sampled_from(["9.9.9", "1.1", "1", "abc", "1.1.1; 7.7"])),
    st.tuples(st.just(3), st.one_of(st.text(alphabet="xyzwq", min_size=1, max_size=20), st.just(""), FORMULA)),
    st.tuples(st.just(4), st.text(alphabet="xyzwq", min_size=1, max_size=20)),
    st.tuples(
        st.just(5),
        st.one_of(
            st.booleans(),
            st.integers(min_value=-5000, max_value=30000),
            st.sampled_from(["31/02/2021", "2021/12/31", "tháng 12", "", "12/31/2021", "#N/A"]),
            FORMULA,
        ),
    ),
)


@PROPERTY
@given(row=st.integers(min_value=0, max_value=2), bad=BAD_TASK_CELLS)
def test_malformed_task_rows(task_cycle, row, bad):
    rows = task_rows()
    column, value = bad
    rows[row][column] = value
    assert_refused(simple_tasks(rows), "tasks", task_cycle)


@PROPERTY
@given(column=st.sampled_from([0, 3, 5]))
def test_task_sheet_missing_a_required_column(task_cycle, column):
    header = [h for i, h in enumerate(TASK_HEADER) if i != column]
    rows = [[v for i, v in enumerate(r) if i != column] for r in task_rows()]
    assert_refused(simple_tasks(rows, header), "tasks", task_cycle)


@PROPERTY
@given(source=st.integers(min_value=0, max_value=2), position=st.integers(min_value=0, max_value=3))
def test_task_listed_twice(task_cycle, source, position):
    rows = task_rows()
    rows.insert(position, list(rows[source]))
    assert_refused(simple_tasks(rows), "tasks", task_cycle)
