"""The score tree's query count stays flat as cycles, history and criteria grow (issue 12, part 5)."""

import datetime as dt
from decimal import Decimal as D

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from compilation import figures
from parindex import services
from parindex.models import ROUND_OWNERS, FrameworkKind, Level, Round, RoundKind
from tests.factories import CriterionFactory, CycleFactory, FrameworkFactory, ScoreFactory

pytestmark = pytest.mark.django_db


def _chain(first_year: int, leaves: int):
    """Five cycles, each on its own framework version linked by a crosswalk, with rounds and a history."""
    previous, cycles = None, []
    old_nodes = None
    for year in range(first_year, first_year + 5):
        framework = FrameworkFactory(kind=FrameworkKind.PAR)
        cycle = CycleFactory(year=year, previous=previous)
        cycle.frameworks.add(framework)
        area = CriterionFactory(framework=framework, level=Level.AREA, code="1", max_points=leaves)
        crit = CriterionFactory(framework=framework, level=Level.CRITERION, code="1.1", parent=area, max_points=leaves)
        nodes = [
            CriterionFactory(framework=framework, parent=crit, code=f"1.1.{i}", max_points=1) for i in range(leaves)
        ]
        Round.objects.create(
            cycle=cycle,
            kind=RoundKind.APPRAISAL_2,
            opens=dt.date(year, 1, 1),
            deadline=dt.date(year + 1, 12, 31),
            owner=ROUND_OWNERS[RoundKind.APPRAISAL_2],
        )
        for node in nodes:
            ScoreFactory(cycle=cycle, criterion=node, self_score=D("0.5"))
            services.update_score(cycle, node, user=None, self_score=D("0.75"))  # a second history record
        if old_nodes:
            rows = [(o.code, n.code, "") for o, n in zip(old_nodes, nodes, strict=True)]
            services.import_crosswalk(old_nodes[0].framework, framework, rows, user=None)
        previous, old_nodes = cycle, nodes
        cycles.append(cycle)
    return cycles[-1]


def _today():
    """The history records are dated now: read them as of today, taken when asked (a module
    imported before local midnight would otherwise read yesterday)."""
    return timezone.localdate()


def _queries(cycle) -> int:
    cycle = type(cycle).objects.get(pk=cycle.pk)  # no caches carried over
    with CaptureQueriesContext(connection) as captured:
        tree = figures.score_tree(cycle, FrameworkKind.PAR, _today())
        figures.totals(tree)
    return len(captured)


def test_score_tree_with_five_cycles_of_history_runs_the_same_queries_for_3_or_30_sub_criteria(
    django_assert_max_num_queries,
):
    small, large = _chain(2001, 3), _chain(2011, 30)
    assert _queries(small) == _queries(large)
    with django_assert_max_num_queries(12):
        figures.score_tree(type(large).objects.get(pk=large.pk), FrameworkKind.PAR, _today())
    row = figures.leaves(figures.score_tree(large, FrameworkKind.PAR, _today()))[0]
    assert row.previous_score == D("0.75") and row.comparable
