"""Replacing a copied tree (issue 12): after "start next cycle", the Ministry's new tree takes the copy's place."""

from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import translation

from compilation.excel.importing import run_import
from parindex.models import Crosswalk, Framework, Score
from remediation.assignment import start_cycle
from remediation.models import Task
from tests.data.workbooks import NEW_TREE_NAME, crosswalk_to_new_tree, new_tree, simple_framework
from tests.factories import AgencyFactory, TaskFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def started(cycle):
    """2021 on the small tree with two open tasks; 2022 started from it, tree copied, tasks carried."""
    assert run_import(simple_framework(), "framework", cycle).applied
    agency = AgencyFactory()
    framework = cycle.frameworks.get()
    split = TaskFactory(cycle=cycle, title="Hoàn thiện kế hoạch", lead_agency=agency)
    split.sub_criteria.set(framework.criteria.filter(code__in=["1.1.2"]))
    dropped = TaskFactory(cycle=cycle, title="Cập nhật thủ tục", lead_agency=agency)
    dropped.sub_criteria.set(framework.criteria.filter(code__in=["2.1.2", "1.2.1"]))
    result = start_cycle(cycle, 2022, carry_tasks=True, make_current=False)
    assert result.tasks_carried == 2
    return result.cycle


def codes(task_title, cycle):
    task = Task.objects.get(cycle=cycle, title=task_title)
    return sorted(task.sub_criteria.values_list("framework__name", "code"))


def test_the_preview_lists_what_is_replaced_and_each_relinked_task(started):
    with translation.override("en"):
        result = run_import(new_tree(), "framework", started, dry_run=True, crosswalk=crosswalk_to_new_tree())
    assert result.ok, [str(p) for p in result.problems]
    copy = started.frameworks.get()
    assert result.replaces == copy.name and result.framework_name == NEW_TREE_NAME
    relinks = {r["title"]: (r["old"], r["new"]) for r in result.relinks}
    assert relinks == {
        "Hoàn thiện kế hoạch": (["1.1.2"], ["1.1.2", "1.1.3"]),
        "Cập nhật thủ tục": (["1.2.1", "2.1.2"], ["1.1.3"]),
    }
    assert not Framework.objects.filter(name=NEW_TREE_NAME).exists()
    assert list(started.frameworks.all()) == [copy]


def test_the_replacement_relinks_through_the_crosswalk_in_one_step(started):
    copy = started.frameworks.get()
    previous = started.previous.frameworks.get()
    result = run_import(new_tree(), "framework", started, crosswalk=crosswalk_to_new_tree())
    assert result.applied, [str(p) for p in result.problems]
    assert [f.name for f in started.frameworks.all()] == [NEW_TREE_NAME]
    assert codes("Hoàn thiện kế hoạch", started) == [(NEW_TREE_NAME, "1.1.2"), (NEW_TREE_NAME, "1.1.3")]
    assert codes("Cập nhật thủ tục", started) == [(NEW_TREE_NAME, "1.1.3")]
    assert codes("Hoàn thiện kế hoạch", started.previous) == [(previous.name, "1.1.2")]  # 2021 untouched
    assert not Score.objects.filter(cycle=started, criterion__framework=copy).exists()
    assert Score.objects.filter(cycle=started, criterion__framework__name=NEW_TREE_NAME).count() == 5
    crosswalk = Crosswalk.objects.get(old_framework=previous, new_framework__name=NEW_TREE_NAME)
    assert crosswalk.mappings.filter(new__isnull=True).get().old.code == "2.1.2"
    task = Task.objects.get(cycle=started, title="Cập nhật thủ tục")
    assert task.history.count() >= 2  # the re-link is recorded on the task's history


def test_linked_tasks_without_a_crosswalk_refuse_the_replacement(started):
    copy = started.frameworks.get()
    with translation.override("en"):
        result = run_import(new_tree(), "framework", started)
    assert not result.applied
    assert len(result.problems) == 1 and "crosswalk" in result.problems[0].message
    assert list(started.frameworks.all()) == [copy]
    assert not Framework.objects.filter(name=NEW_TREE_NAME).exists()


def test_once_the_self_assessment_round_has_entries_the_tree_stays(started):
    copy = started.frameworks.get()
    score = Score.objects.filter(cycle=started, criterion__code="1.1.1").get()
    score.self_score = Decimal("1")
    score.save()
    with translation.override("en"):
        result = run_import(new_tree(), "framework", started, crosswalk=crosswalk_to_new_tree())
    assert not result.applied
    assert [p.message for p in result.problems] == [
        f"Cycle 2022 already has entries of its self-assessment round on the tree “{copy.name}”, so the tree can "
        "no longer be replaced; import under that framework's name to update it."
    ]
    assert codes("Hoàn thiện kế hoạch", started) == [(copy.name, "1.1.2")]


def test_the_command_replaces_the_tree_and_prints_the_relinks(started, tmp_path: Path):
    tree, crosswalk = tmp_path / "tree.xlsx", tmp_path / "crosswalk.xlsx"
    tree.write_bytes(new_tree())
    crosswalk.write_bytes(crosswalk_to_new_tree())
    out = StringIO()
    with translation.override("en"):
        call_command(
            "import_workbook",
            str(tree),
            "--kind",
            "framework",
            "--cycle",
            "2022",
            "--crosswalk",
            str(crosswalk),
            stdout=out,
        )
    text = out.getvalue()
    assert "Replaces the cycle's tree:" in text and "1.1.2 → 1.1.2, 1.1.3" in text
    assert [f.name for f in started.frameworks.all()] == [NEW_TREE_NAME]


def test_the_browser_previews_and_replaces_with_the_crosswalk_uploaded_beside(started, snv, settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path
    client = Client()
    client.force_login(snv)
    form = {
        "kind": "framework",
        "cycle": started.pk,
        "file": SimpleUploadedFile("bo-chi-so-moi.xlsx", new_tree()),
        "crosswalk": SimpleUploadedFile("doi-chieu.xlsx", crosswalk_to_new_tree()),
    }
    preview = client.post(reverse("compilation:excel-import"), form)
    assert preview.status_code == 302
    page = client.get(preview.url)
    html = page.content.decode()
    assert 'id="tree-replacement"' in html and 'id="relinks"' in html
    assert html.count("<tr data-number=") == 2
    copy = started.frameworks.get()
    assert list(started.frameworks.all()) == [copy]  # the preview wrote nothing
    assert client.post(preview.url).status_code == 302
    assert [f.name for f in started.frameworks.all()] == [NEW_TREE_NAME]
    assert codes("Cập nhật thủ tục", started) == [(NEW_TREE_NAME, "1.1.3")]
    assert not list(tmp_path.rglob("*.xlsx"))  # both uploads are dropped once imported
