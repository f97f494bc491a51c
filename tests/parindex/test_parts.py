"""The two parts of the index: self-assessed and survey-based sub-criteria (issue 12, part 1)."""

from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.translation import override

from agencies.models import AgencyKind
from compilation import figures
from compilation.forms.scores import ScoreForm
from parindex import services
from parindex.models import SURVEY_NO_SELF_SCORE, Cycle, FrameworkKind, Level, Method, Score
from tests.factories import AgencyFactory, CriterionFactory, CycleFactory, FrameworkFactory, ScoreFactory, TaskFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def parts(db):
    """One area of 4 points: two self-assessed leaves (1 point each) and two survey leaves (1 point each)."""
    cycle = CycleFactory()
    framework = FrameworkFactory(kind=FrameworkKind.PAR)
    cycle.frameworks.add(framework)
    focal = AgencyFactory(code="snv", kind=AgencyKind.DEPARTMENT)
    area = CriterionFactory(framework=framework, level=Level.AREA, code="1", max_points=4, focal_agency=focal)
    crit = CriterionFactory(framework=framework, level=Level.CRITERION, code="1.1", parent=area, max_points=4)
    leaves = {}
    for i, method in enumerate((Method.SELF, Method.SELF, Method.SURVEY, Method.SURVEY), start=1):
        leaves[i] = CriterionFactory(framework=framework, parent=crit, code=f"1.1.{i}", method=method, max_points=1)
    return cycle, leaves


def test_score_copies_the_method_of_its_criterion(parts):
    cycle, leaves = parts
    assert ScoreFactory(cycle=cycle, criterion=leaves[3]).method == Method.SURVEY
    assert ScoreFactory(cycle=cycle, criterion=leaves[1]).method == Method.SELF


def test_database_refuses_a_self_score_on_a_survey_sub_criterion(parts):
    cycle, leaves = parts
    score = ScoreFactory(cycle=cycle, criterion=leaves[3])
    with pytest.raises(IntegrityError), transaction.atomic():
        Score.objects.filter(pk=score.pk).update(self_score=D("0.5"))


def test_database_refuses_an_estimate_on_a_self_assessed_sub_criterion(parts):
    cycle, leaves = parts
    score = ScoreFactory(cycle=cycle, criterion=leaves[1])
    with pytest.raises(IntegrityError), transaction.atomic():
        Score.objects.filter(pk=score.pk).update(estimate=D("0.5"))


def test_service_refuses_a_self_score_on_a_survey_sub_criterion(parts):
    cycle, leaves = parts
    with pytest.raises(ValidationError) as exc:
        services.update_score(cycle, leaves[3], user=None, self_score=D("0.5"))
    assert exc.value.message_dict["self_score"] == [str(SURVEY_NO_SELF_SCORE)]


def test_form_says_why_a_survey_sub_criterion_has_no_self_score_in_vietnamese(parts):
    _cycle, leaves = parts
    with override("vi"):
        form = ScoreForm({"self_score": "0,5", "estimate": "", "appraised_score": ""}, criterion=leaves[3])
        assert not form.is_valid()
        # The message in the active language (Vietnamese once the lead regenerates the catalogue).
        assert form.errors["self_score"] == [str(SURVEY_NO_SELF_SCORE)]
    assert form.fields["self_score"].disabled


def test_estimate_is_stored_apart_from_the_result_and_shown_labelled(client, snv, parts):
    cycle, leaves = parts
    services.update_score(cycle, leaves[3], user=snv, estimate=D("0.75"))
    score = Score.objects.get(cycle=cycle, criterion=leaves[3])
    assert (score.estimate, score.appraised_score, score.self_score) == (D("0.75"), None, None)
    assert score.is_estimate and score.effective == D("0.75")
    client.force_login(snv)
    page = client.get(reverse("compilation:criterion-detail", args=[cycle.year, leaves[3].pk]))
    html = page.content.decode()
    assert 'id="estimate"' in html and "ước tính</span>" in html
    services.update_score(cycle, leaves[3], user=snv, appraised_score=D("0.5"))
    score.refresh_from_db()
    assert score.effective == D("0.5") and not score.is_estimate and score.estimate == D("0.75")


def _fill(cycle: Cycle, leaves) -> None:
    ScoreFactory(cycle=cycle, criterion=leaves[1], self_score=D("0.5"))
    ScoreFactory(cycle=cycle, criterion=leaves[2], self_score=D("1"), appraised_score=D("0.75"))
    ScoreFactory(cycle=cycle, criterion=leaves[3], estimate=D("0.25"))
    ScoreFactory(cycle=cycle, criterion=leaves[4])  # survey, neither result nor estimate


def test_totals_per_part_equal_the_sums_of_their_leaves(parts):
    cycle, leaves = parts
    _fill(cycle, leaves)
    t = figures.totals(figures.score_tree(cycle))
    assert (t.self_assessed_points, t.self_assessed_max) == (D("1.25"), D("2"))
    assert (t.survey_points, t.survey_max) == (D("0.25"), D("2"))
    assert (t.points, t.max_points) == (D("1.5"), D("4"))
    # "tổng điểm tự đánh giá": self scores of the self-assessed part only.
    assert t.self_points == D("1.5")
    assert (t.survey_estimated, t.survey_pending) == (1, 1)


def test_survey_without_result_or_estimate_is_not_below_max(parts):
    cycle, leaves = parts
    _fill(cycle, leaves)
    tree = figures.score_tree(cycle)
    below = sorted(r.code for r in figures.below_max(tree))
    assert below == ["1.1.1", "1.1.2", "1.1.3"]
    queryset = Score.objects.filter(cycle=cycle).below_max()
    assert sorted(queryset.values_list("criterion__code", flat=True)) == below


def test_projection_never_raises_a_survey_sub_criterion(parts):
    cycle, leaves = parts
    _fill(cycle, leaves)
    done = TaskFactory(cycle=cycle, completed_on=cycle.as_of(), progress=100)
    done.sub_criteria.add(leaves[1], leaves[3])
    open_task = TaskFactory(cycle=cycle)
    open_task.sub_criteria.add(leaves[2])
    projections = figures.projections(figures.score_tree(cycle))
    so_far, every = projections[figures.ProjectionRule.DONE_SO_FAR], projections[figures.ProjectionRule.ALL_TASKS]
    assert (so_far.gained, so_far.sub_criteria) == (D("0.5"), 1)  # 1.1.1 only; 1.1.3 is survey
    assert (every.gained, every.sub_criteria) == (D("0.75"), 2)  # 1.1.1 and 1.1.2


def test_score_tree_shows_both_projections_with_their_rule(client, snv, parts):
    cycle, leaves = parts
    _fill(cycle, leaves)
    client.force_login(snv)
    with override("en"):
        html = client.get(reverse("compilation:score-tree")).content.decode()
    assert 'id="projection-all_tasks"' in html and 'id="projection-done_so_far"' in html
    assert "Dự kiến nếu mọi nhiệm vụ đạt" in html and "Dự kiến tính theo việc đã xong" in html
    assert html.count("điểm điều tra xã hội học không thay đổi") == 2
    assert "chưa có kết quả" in html


def test_demo_2021_survey_sub_criteria_hold_estimates_not_self_scores(demo):
    cycle = Cycle.objects.get(year=2021)
    survey = Score.objects.filter(cycle=cycle, criterion__framework__kind="par", method=Method.SURVEY)
    assert survey.exists()
    assert not survey.filter(self_score__isnull=False).exists()
    assert not survey.filter(estimate__isnull=True).exists()
