"""Starting the next cycle: the tree copied, last year's scores carried, open tasks carried over."""

import datetime as dt
from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from agencies.models import User
from compilation import figures
from parindex.models import Criterion, Cycle, Framework, FrameworkKind, Score
from parindex.services import shift_year
from remediation.assignment import start_cycle
from remediation.models import Task

pytestmark = pytest.mark.django_db


@pytest.fixture
def cycle2021(demo):
    """The demo's 2021 cycle, without the demo's own 2022 cycle (876 tree), so 2022 can be started from it."""
    Task.objects.filter(cycle__year=2022).delete()
    Cycle.objects.filter(year=2022).delete()
    Framework.objects.filter(legal_basis="876/QĐ-BNV").delete()
    return Cycle.objects.get(year=2021)


def snapshot(cycle: Cycle) -> dict:
    """What must not change in an earlier cycle."""
    return {
        "scores": sorted(
            Score.objects.filter(cycle=cycle).values_list("criterion_id", "self_score", "appraised_score")
        ),
        "frameworks": sorted(cycle.frameworks.values_list("id", flat=True)),
        "criteria": sorted(Criterion.objects.filter(framework__cycles=cycle).values_list("id", "code", "max_points")),
        "tasks": sorted(Task.objects.filter(cycle=cycle).values_list("id", "completed_on", "closed_at", "version")),
        "totals": figures.totals(figures.score_tree(cycle)).points,
    }


def test_tree_is_copied_into_new_frameworks_named_with_the_year(cycle2021):
    started = start_cycle(cycle2021, 2022)
    cycle = started.cycle
    names = sorted(cycle.frameworks.values_list("name", flat=True))
    assert "PAR Index cấp tỉnh 2022" in names
    assert not set(cycle.frameworks.all()) & set(cycle2021.frameworks.all())
    old = Criterion.objects.filter(framework__cycles=cycle2021)
    new = Criterion.objects.filter(framework__cycles=cycle)
    assert sorted(new.values_list("code", "max_points", "method")) == sorted(
        old.values_list("code", "max_points", "method")
    )
    area2 = new.get(framework__kind=FrameworkKind.PAR, code="2")
    assert area2.focal_agency.code == "stp"
    assert new.get(framework__kind=FrameworkKind.PAR, code="2.1.1").parent.parent == area2


def test_last_year_effective_score_becomes_the_previous_score(cycle2021):
    cycle = start_cycle(cycle2021, 2022).cycle
    old = Score.objects.get(cycle=cycle2021, criterion__code="1.1.2", criterion__framework__kind=FrameworkKind.PAR)
    new = Score.objects.get(cycle=cycle, criterion__code="1.1.2", criterion__framework__kind=FrameworkKind.PAR)
    assert new.previous_score == old.effective
    assert new.self_score is None and new.appraised_score is None
    tree = figures.score_tree(cycle)
    final_2021 = figures.score_tree(cycle2021, as_of=dt.date(2022, 6, 1))  # after the announcement
    assert figures.totals(tree).previous_percent == figures.totals(final_2021).percent


def test_earlier_cycle_stays_unchanged(cycle2021):
    before = snapshot(cycle2021)
    start_cycle(cycle2021, 2022, carry_tasks=True)
    assert snapshot(cycle2021) == before


def test_open_tasks_are_carried_over_linked_to_the_old_ones(cycle2021):
    open_old = Task.objects.filter(cycle=cycle2021, completed_on__isnull=True, closed_at__isnull=True)
    started = start_cycle(cycle2021, 2022, carry_tasks=True, carried_deadline=dt.date(2022, 6, 30))
    carried = Task.objects.filter(cycle=started.cycle)
    assert started.tasks_carried == open_old.count() == carried.count()
    task = carried.select_related("carried_from").first()
    assert task.carried_from.cycle == cycle2021
    assert task.deadline == dt.date(2022, 6, 30)
    assert {c.framework_id for c in task.sub_criteria.all()} <= set(
        started.cycle.frameworks.values_list("id", flat=True)
    )
    assert [c.code for c in task.sub_criteria.all()] == [c.code for c in task.carried_from.sub_criteria.all()]
    assert task.history.first().history_change_reason.endswith("2021")


def test_tasks_are_not_carried_unless_asked(cycle2021):
    assert start_cycle(cycle2021, 2022).tasks_carried == 0
    assert not Task.objects.filter(cycle__year=2022).exists()


def test_task_of_a_merged_agency_goes_to_its_successor(cycle2021):
    from agencies.models import Agency, AgencyLink, LinkKind

    task = Task.objects.filter(cycle=cycle2021, completed_on__isnull=True).select_related("lead_agency").first()
    source = task.lead_agency
    target = Agency.objects.exclude(pk=source.pk).filter(kind=source.kind).first()
    Agency.objects.filter(pk=source.pk).update(valid_to=dt.date(2021, 12, 31))
    AgencyLink.objects.create(
        predecessor=source, successor=target, kind=LinkKind.MERGE, effective_on=dt.date(2022, 1, 1)
    )
    started = start_cycle(cycle2021, 2022, carry_tasks=True)
    assert Task.objects.get(cycle=started.cycle, carried_from=task).lead_agency == target


def test_new_cycle_becomes_current_and_dates_shift_by_a_year(cycle2021):
    cycle = start_cycle(cycle2021, 2022).cycle
    cycle2021.refresh_from_db()
    assert cycle.is_current and not cycle2021.is_current
    assert cycle.report_deadline == dt.date(2022, 11, 15)
    assert cycle.compilation_deadline == dt.date(2023, 1, 28)
    assert cycle.previous == cycle2021
    assert cycle.reference_date is None


def test_frameworks_can_be_reused_instead_of_copied(cycle2021):
    before = Framework.objects.count()  # the demo's 2020 and 2021 PAR versions and SIPAS
    started = start_cycle(cycle2021, 2022, copy_frameworks=False)
    assert set(started.cycle.frameworks.all()) == set(cycle2021.frameworks.all())
    assert Framework.objects.count() == before
    assert Score.objects.filter(cycle=started.cycle).count() == Score.objects.filter(cycle=cycle2021).count()


def test_a_year_that_exists_or_lies_before_is_refused(cycle2021):
    with pytest.raises(ValidationError):
        start_cycle(cycle2021, 2021)
    with pytest.raises(ValidationError):
        start_cycle(cycle2021, 2020)


def test_shift_year_clamps_29_february():
    assert shift_year(dt.date(2024, 2, 29), 1) == dt.date(2025, 2, 28)


def test_snv_starts_the_cycle_from_the_form(client, cycle2021):
    snv = User.objects.get(username="snv")
    client.force_login(snv)
    assert client.get(reverse("compilation:cycle-start")).status_code == 200
    response = client.post(
        reverse("compilation:cycle-start"),
        {
            "previous": cycle2021.pk,
            "year": "2022",
            "report_deadline": "15/11/2022",
            "task_completion_target": "31/12/2022",
            "self_assessment_date": "27/02/2023",
            "copy_frameworks": "on",
            "carry_tasks": "on",
            "make_current": "on",
        },
    )
    assert response.status_code == 302
    cycle = Cycle.objects.get(year=2022)
    assert cycle.self_assessment_date == dt.date(2023, 2, 27)
    assert Task.objects.filter(cycle=cycle).exists()
    assert cycle.history.first().history_user == snv
    assert Score.objects.filter(cycle=cycle, previous_score=D("0.5")).exists()


def test_form_refuses_an_existing_year(client, cycle2021):
    client.force_login(User.objects.get(username="snv"))
    response = client.post(reverse("compilation:cycle-start"), {"previous": cycle2021.pk, "year": "2021"})
    assert response.status_code == 200 and "year" in response.context["form"].errors


@pytest.mark.parametrize("username", ["vp", "quynhon"])
def test_only_snv_starts_a_cycle(client, cycle2021, username):
    client.force_login(User.objects.get(username=username))
    assert client.get(reverse("compilation:cycle-start")).status_code == 404
