"""Did the remedy work? Points won back through the crosswalk, per task, per area and in total (issue 14, §5).

The 2021 tasks are compared with the 2022 cycle's latest closed round. 2021's tree:
1.1.1 (2 pts, self 1,5), 1.1.2 (1 pt, 0,75), 1.1.3 (1 pt, 1). 2022's tree splits 1.1.1
into 1.1.1 + 1.1.2, maps 1.1.2 to 1.1.3 and drops 1.1.3; every 2022 sub-criterion
self-scores 1.
"""

import datetime as dt
import re
from decimal import Decimal as D

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import override

from compilation import figures
from parindex import services
from parindex.models import Level, Round, RoundKind, RoundOwner, Score
from remediation import effect
from tests.factories import CriterionFactory, CycleFactory, FrameworkFactory, ScoreFactory, TaskFactory

pytestmark = pytest.mark.django_db
SELF_CLOSES = dt.date(2023, 1, 15)
APPRAISAL_CLOSES = dt.date(2023, 3, 31)


def _tree(framework, leaves: dict[str, int]):
    area = CriterionFactory(framework=framework, level=Level.AREA, code="1", name="Chỉ đạo, điều hành")
    crit = CriterionFactory(framework=framework, level=Level.CRITERION, code="1.1", parent=area)
    return {
        code: CriterionFactory(framework=framework, parent=crit, code=code, max_points=p) for code, p in leaves.items()
    }


def _recorded(cycle, day: dt.date) -> None:
    """Date the history of the cycle's scores: score_values reads what was recorded by the as-of date."""
    when = timezone.make_aware(dt.datetime.combine(day, dt.time(9)))
    Score.history.filter(cycle=cycle).update(history_date=when)


@pytest.fixture
def loop(agency):
    old_fw, new_fw = FrameworkFactory(), FrameworkFactory()
    c2021 = CycleFactory(year=2021)
    c2022 = CycleFactory(year=2022, previous=c2021, reference_date=dt.date(2023, 1, 20))
    c2021.frameworks.add(old_fw)
    c2022.frameworks.add(new_fw)
    old = _tree(old_fw, {"1.1.1": 2, "1.1.2": 1, "1.1.3": 1})
    new = _tree(new_fw, {"1.1.1": 1, "1.1.2": 1, "1.1.3": 1, "1.1.4": 1})
    for code, own in (("1.1.1", "1.5"), ("1.1.2", "0.75"), ("1.1.3", "1")):
        ScoreFactory(cycle=c2021, criterion=old[code], self_score=D(own))
    for sub in new.values():
        ScoreFactory(cycle=c2022, criterion=sub, self_score=D("1"))
    _recorded(c2022, dt.date(2022, 12, 1))
    rows = [("1.1.1", "1.1.1", ""), ("1.1.1", "1.1.2", ""), ("1.1.2", "1.1.3", ""), ("1.1.3", "", "bỏ")]
    services.import_crosswalk(old_fw, new_fw, rows, user=None)
    for kind, opens, deadline in (
        (RoundKind.SELF_ASSESSMENT, dt.date(2022, 10, 1), SELF_CLOSES),
        (RoundKind.APPRAISAL_1, dt.date(2023, 3, 1), APPRAISAL_CLOSES),
    ):
        Round.objects.create(cycle=c2022, kind=kind, opens=opens, deadline=deadline, owner=RoundOwner.SNV)
    a = TaskFactory(cycle=c2021, lead_agency=agency, title="Ban hành kế hoạch CCHC")
    a.sub_criteria.set([old["1.1.1"]])
    b = TaskFactory(cycle=c2021, lead_agency=agency, title="Kiểm tra CCHC")
    b.sub_criteria.set([old["1.1.1"], old["1.1.2"]])
    c = TaskFactory(cycle=c2021, lead_agency=agency, title="Tuyên truyền")
    c.sub_criteria.set([old["1.1.3"]])
    return c2021, c2022, old, new, (a, b, c)


def test_with_no_closed_round_yet_it_says_so_instead_of_a_number(loop):
    c2021, _c2022, _old, _new, (a, _b, _c) = loop
    won = figures.points_won_back(c2021, SELF_CLOSES - dt.timedelta(days=1))
    assert not won.closed and won.won is None and won.tasks[a.pk].won is None
    assert won.areas[0].won is None
    assert won.meant == D("0.75")  # what remediation was meant to win back is known already
    with override("en"):
        assert won.state == "The 2022 cycle has no closed round yet: the points won back are not known."


def test_once_the_self_assessment_closes_each_task_shows_its_sub_criteria_through_the_crosswalk(loop):
    c2021, _c2022, _old, _new, (a, b, c) = loop
    won = figures.points_won_back(c2021, SELF_CLOSES)
    assert won.closed and won.round_kind == RoundKind.SELF_ASSESSMENT
    (split,) = won.tasks[a.pk].subs
    # 1.1.1 (2 pts) split into two one-point sub-criteria, each 1: after = 2 in 2021's points.
    assert (split.before, split.after, split.change, split.outcome) == (D("1.5"), D("2"), D("0.5"), "regained")
    assert split.mapped_to == "1.1.1, 1.1.2"
    assert [s.change for s in won.tasks[b.pk].subs] == [D("0.5"), D("0.25")]
    assert won.tasks[b.pk].won == D("0.75")
    (dropped,) = won.tasks[c.pk].subs
    assert dropped.outcome == effect.Outcome.NOT_COMPARABLE and won.tasks[c.pk].won is None
    # Per area and in total each sub-criterion counts once, although tasks a and b share 1.1.1.
    (area,) = won.areas
    assert (area.code, area.meant, area.won) == ("1", D("0.75"), D("0.75"))
    assert won.won == D("0.75")


def test_the_latest_closed_round_counts_not_a_round_still_open(loop):
    c2021, c2022, _old, new, (_a, b, _c) = loop
    score = Score.objects.get(cycle=c2022, criterion=new["1.1.3"])
    score.appraised_1 = D("0.5")
    score.save()
    _recorded(c2022, dt.date(2023, 3, 20))
    during = figures.points_won_back(c2021, APPRAISAL_CLOSES - dt.timedelta(days=1))
    assert during.round_kind == RoundKind.SELF_ASSESSMENT
    assert [s.change for s in during.tasks[b.pk].subs] == [D("0.5"), D("0.25")]
    after = figures.points_won_back(c2021, APPRAISAL_CLOSES)
    assert after.round_kind == RoundKind.APPRAISAL_1
    assert [s.outcome for s in after.tasks[b.pk].subs] == ["regained", "lost"]
    assert after.won == D("0.5") - D("0.25")


def test_on_the_same_tree_it_is_the_plain_difference(agency):
    fw = FrameworkFactory()
    c2021 = CycleFactory(year=2021)
    c2022 = CycleFactory(year=2022, previous=c2021)
    c2021.frameworks.add(fw)
    c2022.frameworks.add(fw)
    (sub,) = _tree(fw, {"1.1.1": 1}).values()
    ScoreFactory(cycle=c2021, criterion=sub, self_score=D("0.25"))
    ScoreFactory(cycle=c2022, criterion=sub, self_score=D("0.75"), appraised_score=D("0.5"))
    task = TaskFactory(cycle=c2021, lead_agency=agency)
    task.sub_criteria.set([sub])
    assert not figures.points_won_back(c2021, dt.date(2023, 6, 1)).closed  # no round, no announced result
    from parindex.models import Result

    Result.objects.create(
        cycle=c2022, kind="par", decision="1/QĐ-BNV", decision_date=dt.date(2023, 5, 25), percent=80, rank=1, out_of=63
    )
    won = figures.points_won_back(c2021, dt.date(2023, 6, 1))
    assert won.closed and won.tasks[task.pk].won == D("0.25")  # the appraisal (0,5) counts, not the self score


def test_no_next_cycle_is_a_state_too(agency):
    cycle = CycleFactory(year=2030)
    won = figures.points_won_back(cycle, dt.date(2030, 12, 31))
    assert won.next_cycle is None and not won.closed and won.won is None
    assert figures.remediation_effect(cycle, dt.date(2030, 12, 31)) is None  # no previous cycle either


def test_the_task_page_shows_what_happened_to_its_sub_criteria(client, loop, staff):
    _c2021, c2022, _old, _new, (_a, b, c) = loop
    client.force_login(staff)
    page = client.get(reverse("remediation:task-detail", args=[b.pk])).content.decode()
    card = page[page.index('id="won-back"') :]
    assert 'data-closed="1"' in page
    assert re.findall(r'data-outcome="(\w+)"', card) == ["regained", "regained"]
    assert 'data-won="0.75"' in card
    dropped = client.get(reverse("remediation:task-detail", args=[c.pk])).content.decode()
    assert 'data-outcome="not_comparable"' in dropped


def test_a_carried_task_shows_its_origin_and_before_a_closed_round_the_state(client, loop, staff):
    _c2021, c2022, _old, _new, (a, _b, _c) = loop
    carried = TaskFactory(cycle=c2022, lead_agency=a.lead_agency, carried_from=a)
    client.force_login(staff)
    page = client.get(reverse("remediation:task-detail", args=[carried.pk])).content.decode()
    assert 'data-outcome="regained"' in page and 'data-won="0.50"' in page
    c2022.reference_date = SELF_CLOSES - dt.timedelta(days=1)
    c2022.save()
    page = client.get(reverse("remediation:task-detail", args=[carried.pk])).content.decode()
    assert 'data-closed="0"' in page and 'id="won-back-state"' in page and "data-outcome" not in page


def test_the_dashboard_shows_per_area_meant_and_won_back(client, loop, snv):
    _c2021, _c2022, *_ = loop
    client.force_login(snv)
    url = reverse("compilation:dashboard")
    page = client.get(url, {"cycle": 2022, "as_of": "15/01/2023"}).content.decode()
    card = page[page.index('id="won-back"') :]
    assert 'data-closed="1"' in card[:200]
    assert 'data-area="1"' in card and 'data-meant="0.75"' in card and 'data-won="0.75"' in card
    before = client.get(url, {"cycle": 2022, "as_of": "14/01/2023"}).content.decode()
    assert 'id="won-back-state"' in before and 'data-won="0.75"' not in before


def test_the_consolidated_report_reads_the_same_figure(loop):
    from compilation.consolidated import document

    _c2021, c2022, *_ = loop
    context = document.report_context(c2022, SELF_CLOSES, "")
    assert context["won_back"].won == figures.remediation_effect(c2022, SELF_CLOSES).won == D("0.75")
    html = " ".join(document.pdf.render_html(document.TEMPLATE, context).split())
    assert "đã lấy lại 0,75 điểm" in html and "lĩnh vực 1: 0,75/0,75" in html
