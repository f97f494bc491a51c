"""The dashboard's areas over the years: through the crosswalk, "not comparable" where nothing maps
back, and a flat query count as cycles grow (issue 12, §3 and §5)."""

import datetime as dt
import re
from decimal import Decimal as D

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from compilation import figures
from parindex import services
from parindex.models import Cycle, FrameworkKind, Level
from tests.factories import CriterionFactory, CycleFactory, FrameworkFactory, ScoreFactory

pytestmark = pytest.mark.django_db


def _tree(framework, areas: dict[str, int]):
    """Areas coded 1, 2… each with one criterion and ``n`` one-point sub-criteria; returns code → leaf."""
    out = {}
    for a, n in areas.items():
        area = CriterionFactory(framework=framework, level=Level.AREA, code=a, name=f"Lĩnh vực {a}", max_points=n)
        crit = CriterionFactory(framework=framework, level=Level.CRITERION, code=f"{a}.1", parent=area, max_points=n)
        for i in range(1, n + 1):
            out[f"{a}.1.{i}"] = CriterionFactory(framework=framework, parent=crit, code=f"{a}.1.{i}", max_points=1)
    return out


def _cycle(year: int, previous, areas: dict[str, int], scores: dict[str, str]):
    framework = FrameworkFactory(kind=FrameworkKind.PAR, name=f"PAR {year}")
    cycle = CycleFactory(year=year, previous=previous)
    cycle.frameworks.add(framework)
    leaves = _tree(framework, areas)
    for code, value in scores.items():
        ScoreFactory(cycle=cycle, criterion=leaves[code], self_score=D(value))
    return cycle, framework, leaves


def test_an_area_is_compared_through_the_crosswalk_and_a_new_area_is_not_comparable():
    old, old_fw, _old = _cycle(2021, None, {"1": 2, "2": 1}, {"1.1.1": "1", "1.1.2": "0.5", "2.1.1": "0"})
    new, new_fw, _new = _cycle(2022, old, {"1": 2, "3": 1}, {"1.1.1": "1", "1.1.2": "1", "3.1.1": "0.25"})
    # 1.1.1 → 1.1.1 and 1.1.2 dropped; 2.1.1 dropped: the new area 3 has no predecessor.
    services.import_crosswalk(old_fw, new_fw, [("1.1.1", "1.1.1", ""), ("1.1.2", "", ""), ("2.1.1", "", "")], user=None)

    history = figures.area_history(Cycle.objects.get(pk=new.pk), new.as_of())

    assert history.years == [2021, 2022]
    rows = {r.code: r for r in history.rows}
    assert set(rows) == {"1", "3"}
    # 2021: area 1 seen through its one mapped sub-criterion (1.1.1 = 1 of 1 point), not the dropped one.
    assert [(c.year, c.percent, c.comparable) for c in rows["1"].cells] == [
        (2021, D("100.00"), True),
        (2022, D("100.00"), True),
    ]
    assert rows["3"].cells[0].comparable is False and rows["3"].cells[0].percent is None
    assert rows["3"].cells[1].percent == D("25.00")


def test_a_split_sub_criterion_counts_its_old_figure_in_each_new_area_it_feeds():
    old, old_fw, _old = _cycle(2021, None, {"1": 1}, {"1.1.1": "0.5"})
    new, new_fw, _new = _cycle(2022, old, {"1": 1, "2": 1}, {"1.1.1": "1", "2.1.1": "1"})
    services.import_crosswalk(old_fw, new_fw, [("1.1.1", "1.1.1", ""), ("1.1.1", "2.1.1", "")], user=None)

    rows = {r.code: r for r in figures.area_history(new, new.as_of()).rows}

    assert rows["1"].cells[0].percent == D("50.00")
    assert rows["2"].cells[0].percent == D("50.00") and rows["2"].cells[0].comparable


def _chain(first_year: int, cycles: int, leaves: int):
    previous = old_fw = None
    for year in range(first_year, first_year + cycles):
        cycle, framework, nodes = _cycle(year, previous, {"1": leaves, "2": 1}, dict.fromkeys(["2.1.1"], "0.5"))
        for node in list(nodes.values())[:leaves]:
            services.update_score(cycle, node, user=None, self_score=D("0.75"))
        if old_fw is not None:
            rows = [(code, code, "") for code in nodes]
            services.import_crosswalk(old_fw, framework, rows, user=None)
        previous, old_fw = cycle, framework
    return previous


def _queries(cycle) -> tuple[int, figures.AreaHistory]:
    cycle = Cycle.objects.get(pk=cycle.pk)
    with CaptureQueriesContext(connection) as captured:
        history = figures.area_history(cycle, cycle.as_of())
    return len(captured), history


def test_area_history_runs_the_same_queries_for_two_or_five_cycles_and_3_or_30_sub_criteria():
    few, few_history = _queries(_chain(2001, 2, 3))
    many, many_history = _queries(_chain(2011, 5, 30))
    assert few == many
    assert many_history.years == [2011, 2012, 2013, 2014, 2015]
    area_1 = next(r for r in many_history.rows if r.code == "1")
    assert [c.percent for c in area_1.cells] == [D("75.00")] * 5


def test_the_dashboard_shows_the_areas_over_the_years_with_not_comparable(client, snv):
    old, old_fw, _old = _cycle(2021, None, {"1": 1}, {"1.1.1": "1"})
    new, new_fw, _new = _cycle(2022, old, {"1": 1, "3": 1}, {"1.1.1": "0.5"})
    services.import_crosswalk(old_fw, new_fw, [("1.1.1", "1.1.1", "")], user=None)
    client.force_login(snv)

    page = client.get(reverse("compilation:dashboard"), {"cycle": 2022}).content.decode()

    assert 'id="area-history"' in page
    assert page.count('data-not-comparable="1"') == 1  # area 3 in 2021
    cells = [(y, re.sub(r"\s", "", v)) for y, v in re.findall(r'data-year="(\d+)">([^<]*)<', page)]
    assert ("2021", "100,00%") in cells and ("2022", "50,00%") in cells, cells


def test_demo_area_history_agrees_with_the_area_table_and_hides_2021_appraisals_on_15_11_2021(demo):
    cycle = Cycle.objects.get(year=2021)
    as_of = dt.date(2021, 11, 15)
    history = figures.area_history(cycle, as_of)
    table = {a.code: a.percent for a in figures.area_table(figures.score_tree(cycle, FrameworkKind.PAR, as_of))}
    assert history.years[-2:] == [2020, 2021]
    # The 2021 column is the dashboard's own area table: provisional self-assessment, no appraisal.
    assert {r.code: r.cells[-1].percent for r in history.rows} == table
    later = figures.area_history(Cycle.objects.get(year=2022), dt.date(2023, 1, 10))
    assert later.years[-3:] == [2020, 2021, 2022]
    assert all(r.cells[-2].comparable for r in later.rows)  # every 2022 area has 2021 predecessors
