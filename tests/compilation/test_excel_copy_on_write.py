"""An import touches only the cycle it names: a framework shared between cycles is copied on write."""

from decimal import Decimal

import pytest
from django.utils import translation

from compilation.excel.importing import run_import
from parindex.models import Criterion, Crosswalk, Framework, Score
from parindex.services import start_cycle
from remediation.models import Task
from tests.data.workbooks import FRAMEWORK_NAME, FRAMEWORK_ROWS, simple_framework
from tests.factories import AgencyFactory, TaskFactory

pytestmark = pytest.mark.django_db


def renamed_rows():
    """This year's file: one criterion renamed and one self score changed."""
    rows = [list(r) for r in FRAMEWORK_ROWS]
    rows[2][1] = "Ban hành kế hoạch CCHC năm"  # 1.1.1
    rows[2][4] = "0,5"
    return rows


@pytest.fixture
def shared(cycle):
    """2021 imported, then 2022 started on the same Framework rows (copy_frameworks=False)."""
    result = run_import(simple_framework(), "framework", cycle)
    assert result.applied, result.problems
    started = start_cycle(cycle, 2022, copy_frameworks=False, make_current=False)
    return cycle, started.cycle


def names(cycle) -> dict[str, str]:
    framework = cycle.frameworks.get()
    return dict(Criterion.objects.filter(framework=framework).values_list("code", "name"))


def test_importing_into_one_cycle_leaves_the_other_cycles_tree_alone(shared):
    old_cycle, new_cycle = shared
    before = names(old_cycle)
    old_scores = list(Score.objects.filter(cycle=old_cycle).order_by("id").values())
    result = run_import(simple_framework(renamed_rows()), "framework", new_cycle)
    assert result.applied, result.problems
    assert names(old_cycle) == before and before["1.1.1"] == "Ban hành kế hoạch"
    assert list(Score.objects.filter(cycle=old_cycle).order_by("id").values()) == old_scores
    assert old_cycle.frameworks.get().name == FRAMEWORK_NAME
    new = new_cycle.frameworks.get()
    assert new.name == f"{FRAMEWORK_NAME} (2022)"
    assert names(new_cycle)["1.1.1"] == "Ban hành kế hoạch CCHC năm"
    moved = Score.objects.get(cycle=new_cycle, criterion__code="1.1.1")
    assert moved.criterion.framework == new and moved.self_score == Decimal("0.50")
    assert not Score.objects.filter(cycle=new_cycle, criterion__framework__name=FRAMEWORK_NAME).exists()
    crosswalk = Crosswalk.objects.get(old_framework__name=FRAMEWORK_NAME, new_framework=new)
    assert crosswalk.mappings.count() == 5  # the five sub-criteria, each onto its own code


def test_the_preview_says_the_framework_is_shared_and_writes_nothing(shared):
    old_cycle, new_cycle = shared
    frameworks = Framework.objects.count()
    with translation.override("en"):
        result = run_import(simple_framework(renamed_rows()), "framework", new_cycle, dry_run=True)
    assert result.ok and not result.applied
    assert result.shared_with == [2021] and result.copied_from == FRAMEWORK_NAME
    assert result.framework_name == f"{FRAMEWORK_NAME} (2022)"
    assert result.summary.created["framework"] == 1 and result.summary.created["criterion"] == 10
    assert Framework.objects.count() == frameworks


def test_the_cycles_task_links_follow_onto_its_version(shared):
    old_cycle, new_cycle = shared
    agency = AgencyFactory()
    old_node = Criterion.objects.get(framework__name=FRAMEWORK_NAME, code="1.1.1")
    mine = TaskFactory(cycle=new_cycle, lead_agency=agency)
    theirs = TaskFactory(cycle=old_cycle, lead_agency=agency)
    mine.sub_criteria.add(old_node)
    theirs.sub_criteria.add(old_node)
    assert run_import(simple_framework(renamed_rows()), "framework", new_cycle).applied
    assert list(Task.objects.get(pk=mine.pk).sub_criteria.values_list("framework__name", "code")) == [
        (f"{FRAMEWORK_NAME} (2022)", "1.1.1")
    ]
    assert list(Task.objects.get(pk=theirs.pk).sub_criteria.all()) == [old_node]


def test_a_second_import_updates_the_cycles_own_version(shared):
    _old_cycle, new_cycle = shared
    assert run_import(simple_framework(renamed_rows()), "framework", new_cycle).applied
    rows = renamed_rows()
    rows[3][1] = "Mức độ hoàn thành kế hoạch CCHC"
    result = run_import(simple_framework(rows), "framework", new_cycle)
    assert result.applied and not result.copied_from
    assert Framework.objects.count() == 2
    assert names(new_cycle)["1.1.2"] == "Mức độ hoàn thành kế hoạch CCHC"


def test_scores_only_need_no_copy(shared):
    _old_cycle, new_cycle = shared
    rows = [list(r) for r in FRAMEWORK_ROWS]
    rows[2][4] = "0,5"
    result = run_import(simple_framework(rows), "framework", new_cycle)
    assert result.applied and not result.copied_from and result.shared_with == [2021]
    assert Framework.objects.count() == 1
