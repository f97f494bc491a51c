"""Importing task assignments: agencies by code or name, sub-criteria codes, idempotency, all-or-nothing."""

import datetime as dt
from pathlib import Path
from unittest import mock

import pytest
from django.core.management import CommandError, ManagementUtility, call_command
from django.utils import translation

from agencies.models import AgencyKind, AgencyLink, LinkKind
from compilation.excel.importing import run_import
from remediation.models import Task
from tests.data.workbooks import TASK_HEADER, handmade_tasks, simple_framework, simple_tasks
from tests.factories import AgencyFactory, CriterionFactory, FrameworkFactory, TaskFactory

pytestmark = pytest.mark.django_db
DATA = Path(__file__).resolve().parent.parent / "data"
SHEET = "Nhiệm vụ"


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def agencies(db):
    make = AgencyFactory
    return {
        "snv": make(code="snv", name="Sở Nội vụ", kind=AgencyKind.DEPARTMENT),
        "stp": make(code="stp", name="Sở Tư pháp", kind=AgencyKind.DEPARTMENT),
        "stc": make(code="stc", name="Sở Tài chính", kind=AgencyKind.DEPARTMENT),
        "quynhon": make(code="quynhon", name="UBND thành phố Quy Nhơn", short_name="TP Quy Nhơn"),
    }


@pytest.fixture
def tree(cycle):
    result = run_import(simple_framework(), "framework", cycle)
    assert result.applied, result.problems
    return cycle


def problems(result):
    return [(p.sheet, p.row, p.column, p.message) for p in result.problems]


def task_row(
    title="Rà soát thủ tục", description="", codes="1.1.1", lead="stp", coordinating="", deadline="31/12/2021"
):
    return [title, description, codes, lead, coordinating, deadline, "Báo cáo 117/BC-SNV"]


def imported(cycle, data, **kwargs):
    result = run_import(data, "tasks", cycle, **kwargs)
    assert result.problems == [], problems(result)
    assert result.applied
    return result


def snapshot():
    return (
        Task.objects.count(),
        Task.history.count(),
        Task.sub_criteria.through.objects.count(),
        Task.coordinating_agencies.through.objects.count(),
    )


# --------------------------------------------------------------------------- reading


def test_handmade_recommendation_list(tree, agencies):
    imported(tree, handmade_tasks())
    tasks = {t.title: t for t in Task.objects.filter(cycle=tree)}
    first = tasks["Rà soát văn bản quy phạm pháp luật"]
    assert first.lead_agency == agencies["stp"] and first.deadline == dt.date(2021, 12, 31)
    assert sorted(first.sub_criteria.values_list("code", flat=True)) == ["1.1.1", "1.1.2"]
    assert set(first.coordinating_agencies.all()) == {agencies["snv"], agencies["stc"]}
    second = tasks["Kiểm soát thủ tục hành chính"]
    assert second.deadline == dt.date(2022, 3, 5)  # dd/mm/yyyy: 5 March, never 3 May
    assert sorted(second.sub_criteria.values_list("code", flat=True)) == ["1.2.1", "2.1.2"]
    third = tasks["Công khai tài chính"]
    assert third.lead_agency == agencies["stc"] and third.source_document == "KH 12/KH-UBND"
    assert set(third.coordinating_agencies.all()) == {agencies["snv"], agencies["stp"]}
    fourth = tasks["Nâng cao chỉ số hài lòng"]
    assert fourth.lead_agency == agencies["quynhon"] and fourth.deadline == dt.date(2021, 12, 31)
    assert first.source_document == "Báo cáo 117/BC-SNV"  # blank: the model's default


def test_file_saved_by_libreoffice(tree, agencies):
    result = imported(tree, (DATA / "tasks_libreoffice.xlsx").read_bytes())
    assert result.summary.created == {"task": 4}
    assert Task.objects.get(title="Kiểm soát thủ tục hành chính").deadline == dt.date(2022, 3, 5)


def test_lead_named_by_short_name_or_case_insensitive_code(tree, agencies):
    imported(tree, simple_tasks([task_row("A", lead="TP Quy Nhơn"), task_row("B", lead="STP")]))
    assert Task.objects.get(title="A").lead_agency == agencies["quynhon"]
    assert Task.objects.get(title="B").lead_agency == agencies["stp"]


def test_lead_agency_is_not_its_own_coordinator(tree, agencies):
    imported(tree, simple_tasks([task_row(coordinating="stp; snv")]))
    assert list(Task.objects.get().coordinating_agencies.all()) == [agencies["snv"]]


def test_tasks_without_sub_criteria_are_accepted(tree, agencies):
    imported(tree, simple_tasks([task_row(codes="")]))
    assert not Task.objects.get().sub_criteria.exists()


# --------------------------------------------------------------------------- idempotency and history


def test_importing_the_same_file_again_changes_nothing(tree, agencies):
    imported(tree, handmade_tasks())
    before = snapshot()
    result = imported(tree, handmade_tasks())
    assert snapshot() == before
    assert result.summary.unchanged == {"task": 4}


def test_reimport_updates_the_task_keyed_by_title_and_lead(tree, agencies):
    imported(tree, simple_tasks([task_row(codes="1.1.1", coordinating="snv")]))
    task = Task.objects.get()
    Task.objects.filter(pk=task.pk).update(progress=60, cause="Thiếu kinh phí")
    result = imported(tree, simple_tasks([task_row(codes="1.1.2; 2.1.2", coordinating="stc", deadline="15/01/2022")]))
    assert result.summary.updated == {"task": 1}
    task.refresh_from_db()
    assert task.deadline == dt.date(2022, 1, 15) and task.version == 2
    assert sorted(task.sub_criteria.values_list("code", flat=True)) == ["1.1.2", "2.1.2"]
    assert list(task.coordinating_agencies.all()) == [agencies["stc"]]
    assert (task.progress, task.cause) == (60, "Thiếu kinh phí")  # the agency's own fields are left alone
    assert Task.objects.count() == 1


def test_same_title_under_another_lead_is_another_task(tree, agencies):
    imported(tree, simple_tasks([task_row(lead="stp")]))
    imported(tree, simple_tasks([task_row(lead="stc")]))
    assert Task.objects.count() == 2


def test_imported_tasks_have_history_with_their_links(tree, agencies):
    imported(tree, simple_tasks([task_row(codes="1.1.1, 1.1.2", coordinating="snv")]))
    record = Task.objects.get().history.get()
    assert record.history_type == "+" and record.history_change_reason == "Excel import"
    assert sorted(r.criterion.code for r in record.sub_criteria.all()) == ["1.1.1", "1.1.2"]
    assert [r.agency.code for r in record.coordinating_agencies.all()] == ["snv"]


def test_dry_run_writes_nothing(tree, agencies):
    before = snapshot()
    result = run_import(handmade_tasks(), "tasks", tree, dry_run=True)
    assert result.ok and not result.applied and result.summary.created == {"task": 4}
    assert snapshot() == before


# --------------------------------------------------------------------------- bad input, exact problems


def test_unknown_and_ambiguous_agencies(tree, agencies):
    AgencyFactory(code="sxd-1", name="Sở Xây dựng", kind=AgencyKind.DEPARTMENT)
    AgencyFactory(code="sxd-2", name="Sở Xây Dựng", kind=AgencyKind.DEPARTMENT)
    data = simple_tasks([task_row(lead="Sở Không Có"), task_row("B", lead="So Xay dung", coordinating="snv; Sở Ma")])
    result = run_import(data, "tasks", tree)
    assert problems(result) == [
        (SHEET, 2, "D", "No agency has the code or name “Sở Không Có”."),
        (
            SHEET,
            3,
            "D",
            "“So Xay dung” matches several agencies: Sở Xây dựng (sxd-1); Sở Xây Dựng (sxd-2). "
            "Write the agency's code instead.",
        ),
        (SHEET, 3, "E", "No agency has the code or name “Sở Ma”."),
    ]


def test_exact_name_wins_over_a_match_without_diacritics(tree, agencies):
    AgencyFactory(code="x-hoaian", name="UBND huyện Hoài Ân")
    AgencyFactory(code="x-hoaian2", name="UBND huyện Hoài An")
    imported(tree, simple_tasks([task_row(lead="UBND huyện Hoài Ân")]))
    assert Task.objects.get().lead_agency.code == "x-hoaian"


def test_merged_agency_is_refused_with_its_successor(tree, agencies):
    old = AgencyFactory(code="old", name="Sở Cũ", valid_to=dt.date(2000, 12, 31))
    AgencyLink.objects.create(
        predecessor=old, successor=agencies["snv"], kind=LinkKind.MERGE, effective_on=dt.date(2001, 1, 1)
    )
    result = run_import(simple_tasks([task_row(lead="old")]), "tasks", tree)
    assert problems(result) == [
        (SHEET, 2, "D", "The agency “old” was merged into “Sở Nội vụ”; assign the task to that agency.")
    ]


def test_unknown_codes_and_codes_of_inner_criteria(tree, agencies):
    result = run_import(simple_tasks([task_row(codes="9.9.9; 1.1; 1.1.1")]), "tasks", tree)
    assert problems(result) == [
        (SHEET, 2, "C", "These codes are not in the cycle's PAR Index framework: 9.9.9."),
        (SHEET, 2, "C", "These codes are not sub-criteria (they have parts of their own): 1.1."),
    ]


def test_codes_need_a_par_framework_in_the_cycle(cycle, agencies):
    result = run_import(simple_tasks([task_row()]), "tasks", cycle)
    assert problems(result) == [
        (SHEET, 2, "C", "Cycle 2021 has no PAR Index framework yet; import the framework first.")
    ]


def test_codes_of_another_framework_are_unknown(tree, agencies):
    CriterionFactory(framework=FrameworkFactory(name="Khác"), code="7.1.1")
    result = run_import(simple_tasks([task_row(codes="7.1.1")]), "tasks", tree)
    assert problems(result) == [(SHEET, 2, "C", "These codes are not in the cycle's PAR Index framework: 7.1.1.")]


def test_required_values_wrong_dates_and_huge_titles(tree, agencies):
    data = simple_tasks(
        [
            task_row(title="", lead="", deadline=""),
            task_row("B", deadline="31/02/2021"),
            task_row("C", deadline="12/31/2021"),
            task_row("x" * 301),
        ]
    )
    result = run_import(data, "tasks", tree)
    assert problems(result) == [
        (SHEET, 2, "A", "This value is required."),
        (SHEET, 2, "D", "This value is required."),
        (SHEET, 2, "F", "This value is required."),
        (SHEET, 3, "F", "“31/02/2021” is not a date in the form dd/mm/yyyy."),
        (SHEET, 4, "F", "“12/31/2021” is not a date in the form dd/mm/yyyy."),
        (SHEET, 5, "A", "The text is 301 characters long; at most 300 are allowed."),
    ]


def test_the_same_task_twice_in_the_file(tree, agencies):
    result = run_import(simple_tasks([task_row(), task_row(deadline="01/12/2021")]), "tasks", tree)
    assert problems(result) == [(SHEET, 3, "A", "The same task (title and lead agency) is already on row 2.")]


def test_existing_duplicates_cannot_be_told_apart(tree, agencies):
    for _ in range(2):
        TaskFactory(cycle=tree, title="Rà soát thủ tục", lead_agency=agencies["stp"])
    result = run_import(simple_tasks([task_row()]), "tasks", tree)
    assert problems(result) == [
        (
            SHEET,
            2,
            "A",
            "2 tasks of this cycle already have this title and lead agency; "
            "the import cannot tell which one to update.",
        )
    ]


def test_missing_required_columns(tree, agencies):
    header = [h for h in TASK_HEADER if h not in ("Cơ quan chủ trì", "Hạn hoàn thành")]
    result = run_import(simple_tasks([["A", "", "1.1.1", "", "Báo cáo"]], header), "tasks", tree)
    assert problems(result) == [
        (SHEET, 1, "", "The required column “Cơ quan chủ trì” is missing from the header row."),
        (SHEET, 1, "", "The required column “Hạn hoàn thành” is missing from the header row."),
    ]


def test_one_bad_row_among_many_writes_nothing(tree, agencies):
    before = snapshot()
    rows = [task_row(f"Nhiệm vụ {i}") for i in range(50)] + [task_row("Hỏng", lead="không có")]
    result = run_import(simple_tasks(rows), "tasks", tree)
    assert len(result.problems) == 1 and not result.applied
    assert snapshot() == before


# --------------------------------------------------------------------------- the command


def test_command_imports_and_reports(tree, agencies, tmp_path, capsys):
    path = tmp_path / "tasks.xlsx"
    path.write_bytes(handmade_tasks())
    call_command("import_workbook", str(path), "--kind", "tasks", "--cycle", "2021")
    assert Task.objects.count() == 4
    assert "Imported." in capsys.readouterr().out


def test_command_dry_run_writes_nothing(tree, agencies, tmp_path, capsys):
    path = tmp_path / "tasks.xlsx"
    path.write_bytes(handmade_tasks())
    call_command("import_workbook", str(path), "--kind", "tasks", "--cycle", "2021", "--dry-run")
    assert Task.objects.count() == 0
    assert "Dry run: nothing was written." in capsys.readouterr().out


def test_command_fails_with_the_problems_and_writes_nothing(tree, agencies, tmp_path, capsys):
    path = tmp_path / "tasks.xlsx"
    path.write_bytes(simple_tasks([task_row(lead="không có")]))
    with pytest.raises(CommandError, match="1 problem; nothing was written."):
        call_command("import_workbook", str(path), "--kind", "tasks", "--cycle", "2021")
    err = capsys.readouterr().err
    assert "sheet “Nhiệm vụ”, row 2, column D (Cơ quan chủ trì): No agency has the code or name “không có”." in err
    assert Task.objects.count() == 0


def test_command_exits_non_zero_without_traceback(tree, tmp_path, capsys):
    """Run as from a shell: exit status 1, the problem on stderr, no Python traceback."""
    path = tmp_path / "not.xlsx"
    path.write_bytes(b"not a workbook")
    argv = ["manage.py", "import_workbook", str(path), "--kind", "tasks", "--cycle", "2021"]
    # run_from_argv closes every connection when done; the test's transaction needs its own.
    with mock.patch("django.core.management.base.connections.close_all"), pytest.raises(SystemExit) as info:
        ManagementUtility(argv).execute()
    assert info.value.code == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert "The file is not an Excel workbook (.xlsx)." in err and "nothing was written" in err
