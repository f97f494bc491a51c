"""Re-imports match a task on a stable key: its number when the file has one, else NFC title and lead, never bytes."""

import importlib
import unicodedata

import pytest
from django.apps import apps
from django.utils import translation

from compilation.excel.importing import run_import
from remediation.models import Task
from tests.data.workbooks import TASK_HEADER, simple_tasks
from tests.factories import AgencyFactory, TaskFactory

pytestmark = pytest.mark.django_db
TITLES = ["Rà soát thủ tục hành chính", "Kiểm tra công vụ ở cấp huyện", "Số hóa hồ sơ một cửa"]
NUMBERED_HEADER = ["Số hiệu nhiệm vụ", *TASK_HEADER]


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


@pytest.fixture
def stp(db):
    return AgencyFactory(code="stp", name="Sở Tư pháp")


def rows(titles, lead="stp"):
    return [[t, "", "", lead, "", "31/12/2021", "Báo cáo 117/BC-SNV"] for t in titles]


def imported(cycle, data):
    with translation.override("en"):
        result = run_import(data, "tasks", cycle)
    assert result.problems == [], [str(p) for p in result.problems]
    return result


def test_decomposed_titles_match_the_tasks_already_imported(cycle, stp):
    assert nfd(TITLES[0]) != TITLES[0]  # the test means something only if NFD differs in bytes
    imported(cycle, simple_tasks(rows(TITLES)))
    result = imported(cycle, simple_tasks(rows([nfd(t) for t in TITLES])))
    assert Task.objects.filter(cycle=cycle).count() == 3
    assert result.summary.unchanged == {"task": 3} and not result.summary.created


def test_titles_are_stored_in_nfc(cycle, stp):
    imported(cycle, simple_tasks(rows([nfd(TITLES[0])])))
    assert Task.objects.get().title == TITLES[0]


def test_a_task_stored_decomposed_is_matched_not_duplicated(cycle, stp):
    TaskFactory(cycle=cycle, title=nfd(TITLES[1]), lead_agency=stp)
    imported(cycle, simple_tasks(rows([TITLES[1].upper().replace("  ", " ")])))
    assert Task.objects.filter(cycle=cycle).count() == 1


def test_the_number_column_updates_that_task_and_may_correct_its_title(cycle, stp):
    task = TaskFactory(cycle=cycle, title="Rà soat thủ tuc", lead_agency=stp)
    data = simple_tasks([[task.number, *rows([TITLES[0]])[0]]], header=NUMBERED_HEADER)
    result = imported(cycle, data)
    task.refresh_from_db()
    assert task.title == TITLES[0] and Task.objects.count() == 1
    assert result.summary.updated == {"task": 1}


def test_a_number_with_another_lead_agency_is_a_row_error(cycle, stp):
    other = AgencyFactory(code="stc", name="Sở Tài chính")
    task = TaskFactory(cycle=cycle, title=TITLES[0], lead_agency=other)
    with translation.override("en"):
        result = run_import(
            simple_tasks([[task.number, *rows([TITLES[0]])[0]]], header=NUMBERED_HEADER), "tasks", cycle
        )
    assert not result.applied
    assert [(p.row, p.column) for p in result.problems] == [(2, "E")]
    task.refresh_from_db()
    assert task.lead_agency == other


def test_the_same_number_twice_in_the_file_is_a_row_error(cycle, stp):
    task = TaskFactory(cycle=cycle, title=TITLES[0], lead_agency=stp)
    data = simple_tasks([[task.number, *r] for r in rows(TITLES[:2])], header=NUMBERED_HEADER)
    with translation.override("en"):
        result = run_import(data, "tasks", cycle)
    assert [(p.row, p.column) for p in result.problems] == [(3, "A")]
    assert Task.objects.count() == 1


def test_a_row_number_column_stt_is_never_taken_for_a_task_number(cycle, stp):
    first = TaskFactory(cycle=cycle, title="Nhiệm vụ có sẵn", lead_agency=stp)
    imported(cycle, simple_tasks([[first.number, *rows([TITLES[2]])[0]]], header=["STT", *TASK_HEADER]))
    first.refresh_from_db()
    assert first.title == "Nhiệm vụ có sẵn" and Task.objects.count() == 2


def test_the_data_migration_normalises_current_rows_and_leaves_history(cycle, stp):
    task = TaskFactory(cycle=cycle, title=nfd(TITLES[0]), description=nfd("Mô tả"), lead_agency=stp)
    migration = importlib.import_module("remediation.migrations.0010_tasks_text_to_nfc")
    migration.to_nfc(apps, None)
    task.refresh_from_db()
    assert task.title == TITLES[0] and task.description == "Mô tả"
    assert task.history.earliest().title == nfd(TITLES[0])
