from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count, Sum

from agencies.models import Agency, AgencyKind, User
from parindex.models import Criterion, Cycle, Level, Score
from remediation.models import AgencyReport, ProgressUpdate, ReportStatus, Task
from remediation.status import TaskStatus
from tests.factories import AgencyFactory

pytestmark = pytest.mark.django_db


def _snapshot() -> dict:
    models = [Agency, User, Criterion, Cycle, Score, Task, ProgressUpdate, AgencyReport]
    counts = {m.__name__: m.objects.count() for m in models}
    counts["history"] = Task.history.count() + Score.history.count() + AgencyReport.history.count()
    return counts


def test_load_demo_twice_changes_nothing():
    call_command("load_demo")
    first = _snapshot()
    call_command("load_demo")
    assert _snapshot() == first


def test_demo_has_exactly_47_sub_criteria_below_max(demo):
    cycle = Cycle.objects.get(year=2021)
    below = Score.objects.filter(cycle=cycle, criterion__framework__kind="par").below_max()
    assert below.count() == 47


def test_demo_tree_points_add_up_to_100(demo):
    # Per framework: the 2021 tree keeps its 95 sub-criteria (the 876 tree of 2022 has its own 88).
    subs = Criterion.objects.filter(framework=Cycle.objects.get(year=2021).framework_of("par"), level=Level.SUB)
    assert subs.count() == 95
    assert subs.aggregate(total=Sum("max_points"))["total"] == Decimal("100")
    areas = Criterion.objects.filter(framework=subs.first().framework, level=Level.AREA)
    assert areas.count() == 8
    for area in areas:
        area_subs = subs.filter(parent__parent=area).aggregate(total=Sum("max_points"))["total"]
        assert area_subs == area.max_points, area.code
        assert area.focal_agency is not None


def test_demo_covers_the_three_addressee_groups(demo):
    kinds = dict(Agency.objects.values_list("kind").annotate(n=Count("id")))
    assert kinds[AgencyKind.DISTRICT] == 11
    assert kinds[AgencyKind.DEPARTMENT] >= 20
    assert kinds[AgencyKind.CENTRAL] >= 5


def test_demo_tasks_show_every_status_as_of_15_11_2021(demo):
    cycle = Cycle.objects.get(year=2021)
    statuses = set(Task.objects.filter(cycle=cycle).with_status(cycle.as_of()).values_list("status", flat=True))
    # Every status with a deadline; the 2021 demo has no "Thường xuyên" (ongoing) task: its tasks
    # are the dated recommendations of Report 117 (test_ongoing.py covers the ongoing status).
    assert statuses == set(TaskStatus.values) - {TaskStatus.ONGOING}
    assert 100 <= Task.objects.filter(cycle=cycle).count() <= 140
    assert not Task.objects.filter(sub_criteria__isnull=True).exists()


def test_demo_reports_in_every_state(demo):
    states = set(AgencyReport.objects.values_list("status", flat=True))
    assert states == set(ReportStatus.values)


def test_demo_users_log_in_with_the_demo_password(demo, client):
    for username in ["admin", "snv", "vp", "quynhon", "quynhon.lead", "stp"]:
        assert client.login(username=username, password="demo-2021"), username
        client.logout()
    assert User.objects.get(username="quynhon.lead").is_agency_leader
    assert User.objects.get(username="stp").agency.focal_criteria.exists()


def test_load_demo_refuses_a_database_with_other_data():
    AgencyFactory(code="real-agency")
    with pytest.raises(CommandError, match="--force"):
        call_command("load_demo")
    assert not Task.objects.exists()


def test_load_demo_never_runs_with_production_settings(settings):
    settings.ALLOW_DEMO = False
    with pytest.raises(CommandError, match="production"):
        call_command("load_demo")
    assert not Agency.objects.exists()


def test_demo_876_tree_has_the_shape_of_the_decision(demo):
    framework = Cycle.objects.get(year=2022).framework_of("par")
    nodes = Criterion.objects.filter(framework=framework)
    assert framework.legal_basis == "876/QĐ-BNV" and "minh họa" in framework.description
    assert [nodes.filter(level=level).count() for level in (Level.AREA, Level.CRITERION, Level.SUB)] == [8, 37, 88]
    subs = nodes.filter(level=Level.SUB)
    assert subs.aggregate(total=Sum("max_points"))["total"] == Decimal("100")
    assert subs.filter(method="survey").aggregate(total=Sum("max_points"))["total"] == Decimal("32")


def test_demo_2022_carries_the_open_2021_tasks_through_the_crosswalk(demo):
    from compilation.demo import par2022

    c2021, c2022 = Cycle.objects.get(year=2021), Cycle.objects.get(year=2022)
    still_open = Task.objects.filter(cycle=c2021, completed_on__isnull=True, closed_at__isnull=True)
    carried = Task.objects.filter(cycle=c2022).prefetch_related("sub_criteria", "carried_from__sub_criteria")
    assert carried.count() == still_open.count() > 0
    targets: dict[str, set[str]] = {}
    for old, new, _note in par2022.crosswalk_2021_876():
        if new:
            targets.setdefault(old, set()).add(new)
    for task in carried:
        expected = set().union(*(targets.get(c.code, set()) for c in task.carried_from.sub_criteria.all()))
        assert {c.code for c in task.sub_criteria.all()} == expected
        assert {c.framework_id for c in task.sub_criteria.all()} == {c2022.framework_of("par").pk}
