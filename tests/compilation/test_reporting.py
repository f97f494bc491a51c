"""The reporting module against small hand-computed cases."""

import datetime as dt
from decimal import Decimal as D

import pytest
from django.utils import timezone

from agencies.models import AgencyKind
from compilation import figures
from parindex.models import Cycle, FrameworkKind, Level, Method
from parindex.scoring import RankingGroup
from remediation import reports
from remediation.models import ReportStatus, Task
from tests.factories import (
    AgencyFactory,
    AgencyReportFactory,
    CriterionFactory,
    CycleFactory,
    FrameworkFactory,
    ScoreFactory,
    TaskFactory,
)

pytestmark = pytest.mark.django_db
AS_OF = dt.date(2021, 11, 15)


def build_tree(cycle, subs: list[tuple[str, str, str, str | None, str | None]], focal=None):
    """A one-area PAR tree: subs are (code, max, method, self, appraised); returns {code: Criterion}."""
    framework = FrameworkFactory(kind=FrameworkKind.PAR)
    cycle.frameworks.add(framework)
    area = CriterionFactory(
        framework=framework, level=Level.AREA, code="1", max_points=sum(D(s[1]) for s in subs), focal_agency=focal
    )
    crit = CriterionFactory(
        framework=framework, level=Level.CRITERION, code="1.1", parent=area, max_points=area.max_points
    )
    nodes = {}
    for code, max_points, method, self_score, appraised in subs:
        node = CriterionFactory(framework=framework, parent=crit, code=code, max_points=D(max_points), method=method)
        ScoreFactory(
            cycle=cycle,
            criterion=node,
            self_score=D(self_score) if self_score is not None else None,
            appraised_score=D(appraised) if appraised is not None else None,
        )
        nodes[code] = node
    return nodes


@pytest.mark.parametrize(
    ("points", "group"),
    [("90", RankingGroup.A), ("89.99", RankingGroup.B), ("80", RankingGroup.B), ("79.99", RankingGroup.C)],
)
def test_ranking_group_boundaries_from_the_tree(points, group):
    cycle = CycleFactory()
    build_tree(cycle, [("1.1.1", "100", Method.SELF, points, None)])
    totals = figures.totals(figures.score_tree(cycle, as_of=AS_OF))
    assert totals.percent == D(points).quantize(D("0.01"))
    assert totals.group == group


def test_seventy_percent_is_group_c_and_below_is_under_c():
    cycle = CycleFactory()
    build_tree(cycle, [("1.1.1", "10", Method.SELF, "7", None), ("1.1.2", "10", Method.SELF, "6.99", None)])
    tree = figures.score_tree(cycle, as_of=AS_OF)
    assert figures.totals(tree).percent == D("69.95")
    assert figures.totals(tree).group == RankingGroup.BELOW_C


def test_appraised_score_replaces_self_score_and_a_missing_one_falls_back():
    cycle = CycleFactory()
    build_tree(
        cycle,
        [("1.1.1", "2", Method.SELF, "2", "1.5"), ("1.1.2", "1", Method.SELF, "0.75", None)],
    )
    tree = figures.score_tree(cycle, as_of=AS_OF)
    totals = figures.totals(tree)
    assert totals.points == D("2.25")
    assert totals.self_points == D("2.75")
    assert [r.code for r in figures.below_max(tree)] == ["1.1.1", "1.1.2"]


def test_a_sub_criterion_without_any_score_loses_everything():
    cycle = CycleFactory()
    build_tree(cycle, [("1.1.1", "1", Method.SELF, None, None), ("1.1.2", "1", Method.SELF, "1", None)])
    tree = figures.score_tree(cycle, as_of=AS_OF)
    assert figures.totals(tree).points == D("1")
    assert [r.gap for r in figures.below_max(tree)] == [D("1")]


def test_survey_criteria_are_counted_apart_from_self_assessed_ones():
    cycle = CycleFactory()
    build_tree(
        cycle,
        [("1.1.1", "3", Method.SELF, "2", "2.5"), ("1.1.2", "2", Method.SURVEY, None, "1.25")],
    )
    totals = figures.totals(figures.score_tree(cycle, as_of=AS_OF))
    assert (totals.self_assessed_points, totals.self_assessed_max) == (D("2.5"), D("3"))
    assert (totals.survey_points, totals.survey_max) == (D("1.25"), D("2"))
    assert totals.points == D("3.75")


def test_inner_nodes_sum_their_leaves():
    cycle = CycleFactory()
    build_tree(cycle, [("1.1.1", "2", Method.SELF, "1", None), ("1.1.2", "1", Method.SELF, "0.5", "0.25")])
    area = figures.score_tree(cycle, as_of=AS_OF)[0]
    assert area.effective == D("1.25")
    assert area.children[0].gap == D("1.75")


def test_projection_lifts_only_sub_criteria_whose_tasks_are_all_done():
    cycle = CycleFactory()
    nodes = build_tree(
        cycle,
        [
            ("1.1.1", "4", Method.SELF, "3", None),  # all tasks done → lifted by 1
            ("1.1.2", "4", Method.SELF, "3", None),  # one task still open → not lifted
            ("1.1.3", "2", Method.SELF, "1", None),  # no task → not lifted
        ],
    )
    done = {"completed_on": dt.date(2021, 11, 1), "deadline": dt.date(2021, 11, 10), "progress": 100}
    TaskFactory(cycle=cycle, **done).sub_criteria.add(nodes["1.1.1"])
    TaskFactory(cycle=cycle, **done).sub_criteria.add(nodes["1.1.1"])
    TaskFactory(cycle=cycle, **done).sub_criteria.add(nodes["1.1.2"])
    TaskFactory(cycle=cycle).sub_criteria.add(nodes["1.1.2"])
    tree = figures.score_tree(cycle, as_of=AS_OF)
    projection = figures.projected(tree)
    assert projection.gained == D("1")
    assert projection.sub_criteria == 1
    assert projection.points == D("8")
    assert projection.percent == D("80.00")
    assert projection.group == RankingGroup.B
    assert figures.totals(tree).group == RankingGroup.C


def test_projection_ignores_closed_tasks_and_completion_after_as_of():
    cycle = CycleFactory()
    nodes = build_tree(cycle, [("1.1.1", "1", Method.SELF, "0", None), ("1.1.2", "1", Method.SELF, "0", None)])
    TaskFactory(cycle=cycle, closed_at=timezone.now()).sub_criteria.add(nodes["1.1.1"])
    TaskFactory(cycle=cycle, completed_on=dt.date(2021, 11, 20)).sub_criteria.add(nodes["1.1.2"])
    projection = figures.projected(figures.score_tree(cycle, as_of=AS_OF))
    assert projection.gained == D("0")


def test_below_max_filters_by_area_focal_agency_and_missing_task():
    focal = AgencyFactory(code="stp", kind=AgencyKind.DEPARTMENT)
    cycle = CycleFactory()
    nodes = build_tree(
        cycle, [("1.1.1", "1", Method.SELF, "0.5", None), ("1.1.2", "1", Method.SELF, "0", None)], focal=focal
    )
    TaskFactory(cycle=cycle).sub_criteria.add(nodes["1.1.1"])
    tree = figures.score_tree(cycle, as_of=AS_OF)
    assert len(figures.below_max(tree, area="1")) == 2
    assert figures.below_max(tree, area="2") == []
    assert len(figures.below_max(tree, focal_agency_id=focal.pk)) == 2
    assert [r.code for r in figures.below_max(tree, no_task=True)] == ["1.1.2"]


def test_report_groups_agree_with_the_counts():
    cycle = CycleFactory()
    on_time = timezone.make_aware(dt.datetime(2021, 11, 14, 10))
    late = timezone.make_aware(dt.datetime(2021, 11, 16, 10))
    cases = {
        "a": (ReportStatus.SUBMITTED, on_time),
        "b": (ReportStatus.SUBMITTED, late),
        "c": (ReportStatus.ACCEPTED, late),
        "d": (ReportStatus.ACCEPTED, on_time),
        "e": (ReportStatus.RETURNED, on_time),
        "f": (ReportStatus.DRAFT, None),
    }
    agencies = {}
    for code, (status, submitted_at) in cases.items():
        agencies[code] = AgencyFactory(code=code, kind=AgencyKind.DEPARTMENT)
        AgencyReportFactory(cycle=cycle, agency=agencies[code], status=status, submitted_at=submitted_at)
    agencies["g"] = AgencyFactory(code="g", kind=AgencyKind.DISTRICT)  # no report at all
    AgencyFactory(code="commune", kind=AgencyKind.COMMUNE)  # receives copies only: not counted
    counts = figures.report_counts(cycle, AS_OF)
    groups = figures.report_groups(cycle, AS_OF)
    # Each group is the state of the same name: an accepted report counts once, as accepted.
    assert (counts.addressees, counts.submitted, counts.late, counts.accepted, counts.missing) == (7, 1, 1, 2, 3)
    assert counts.returned == 1
    assert groups[agencies["c"].pk] == groups[agencies["d"].pk] == reports.ReportGroup.ACCEPTED
    assert sum(1 for g in groups.values() if g == reports.ReportGroup.MISSING) == counts.missing
    states = figures.report_state_counts(cycle, AS_OF)
    assert states["not_started"] == 1 and states["accepted"] == 2 and sum(states.values()) == 7
    assert states["submitted_on_time"] == counts.submitted and states["submitted_late"] == counts.late


def test_the_demo_dashboard_card_equals_its_state_breakdown():
    """The card "Submitted on time" once said 15 beside a breakdown "Submitted on time: 8"."""
    from compilation.demo.loader import load_demo

    load_demo()
    cycle = Cycle.objects.get(year=2021)
    data = figures.dashboard(cycle, cycle.as_of())
    assert data.headline.reports.submitted == data.report_states["submitted_on_time"]
    assert data.headline.reports.late == data.report_states["submitted_late"]
    assert data.headline.reports.accepted == data.report_states["accepted"]
    parts = data.headline.reports
    assert parts.submitted + parts.late + parts.accepted + parts.missing == parts.addressees


def test_agency_table_ranks_by_completion_then_overdue():
    cycle = CycleFactory()
    a, b, c = (AgencyFactory(code=x, name=f"Cơ quan {x}", kind=AgencyKind.DEPARTMENT) for x in "abc")
    TaskFactory(cycle=cycle, lead_agency=a, completed_on=dt.date(2021, 11, 1), deadline=dt.date(2021, 11, 2))
    TaskFactory(cycle=cycle, lead_agency=b, deadline=dt.date(2021, 11, 1))  # overdue
    TaskFactory(cycle=cycle, lead_agency=c, deadline=dt.date(2021, 12, 1))  # open, not overdue
    rows = figures.agency_table(cycle, AS_OF)
    assert [r.name for r in rows] == ["Cơ quan a", "Cơ quan c", "Cơ quan b"]
    assert rows[0].completion_rate == D("100.00") and rows[2].overdue == 1


def test_status_over_time_counts_a_task_from_its_creation_day():
    cycle = CycleFactory()
    early = TaskFactory(cycle=cycle, deadline=dt.date(2021, 11, 10))
    late = TaskFactory(cycle=cycle, deadline=dt.date(2021, 12, 31))
    Task.objects.filter(pk=early.pk).update(created_at=timezone.make_aware(dt.datetime(2021, 10, 1, 9)))
    Task.objects.filter(pk=late.pk).update(created_at=timezone.make_aware(dt.datetime(2021, 11, 12, 9)))
    series = figures.status_over_time(cycle, AS_OF, weeks=2)
    assert series[0] == {"date": dt.date(2021, 11, 8), "done": 0, "overdue": 0, "open": 1}
    assert series[1] == {"date": AS_OF, "done": 0, "overdue": 1, "open": 1}


def test_status_over_time_counts_backfilled_tasks_at_every_point():
    """Rows entered after as_of (an archived cycle, the demo) say nothing about when the task began."""
    cycle = CycleFactory()
    TaskFactory(cycle=cycle, deadline=dt.date(2021, 11, 10), completed_on=dt.date(2021, 11, 5))
    series = figures.status_over_time(cycle, AS_OF, weeks=3)
    assert [(p["open"], p["done"]) for p in series] == [(1, 0), (0, 1), (0, 1)]


def test_dashboard_bundles_the_same_figures_as_the_single_functions(demo):
    cycle = Cycle.objects.get(year=2021)  # the demo also holds 2020 (own framework) and 2022
    as_of = cycle.as_of()
    data = figures.dashboard(cycle, as_of)
    assert data.headline.below_max == 47
    assert data.no_task == 5
    assert data.headline.tasks == figures.cycle_task_counts(cycle, as_of)
    assert data.headline.reports == figures.report_counts(cycle, as_of)
    assert [a.code for a in data.areas] == [str(i) for i in range(1, 9)]
    assert sum(r.total for r in data.agencies) == data.headline.tasks["total"]
    assert sum(data.report_states.values()) == data.headline.reports.addressees
    assert data.over_time == figures.status_over_time(cycle, as_of)
    assert data.agencies == figures.agency_table(cycle, as_of)
    assert data.headline == figures.headline(cycle, as_of)


def test_dashboard_single_scan_agrees_with_the_single_functions_over_time():
    """Tasks created at different days, some closed: the merged scan counts as the three functions do."""
    cycle = CycleFactory()
    agencies = [AgencyFactory(code=f"x{i}", kind=AgencyKind.DISTRICT) for i in range(3)]
    for i in range(30):
        task = TaskFactory(
            cycle=cycle,
            lead_agency=agencies[i % 3],
            deadline=AS_OF + dt.timedelta(days=i - 20),
            completed_on=AS_OF - dt.timedelta(days=i % 9) if i % 4 == 0 else None,
            progress=i % 2 * 40,
            closed_at=timezone.now() if i == 7 else None,
        )
        created = timezone.make_aware(dt.datetime(2021, 9, 1, 8) + dt.timedelta(days=2 * i))
        Task.objects.filter(pk=task.pk).update(created_at=created)
    data = figures.dashboard(cycle, AS_OF)
    assert data.over_time == figures.status_over_time(cycle, AS_OF)
    assert data.headline.tasks == figures.cycle_task_counts(cycle, AS_OF)
    assert data.agencies == figures.agency_table(cycle, AS_OF)
