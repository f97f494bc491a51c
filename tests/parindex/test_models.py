import datetime as dt
from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from parindex.models import Cycle, Score
from tests.factories import CriterionFactory, CycleFactory, ScoreFactory

pytestmark = pytest.mark.django_db


def test_database_refuses_self_score_above_max():
    criterion = CriterionFactory(max_points=D("1"))
    with pytest.raises(IntegrityError), transaction.atomic():
        ScoreFactory(criterion=criterion, self_score=D("1.25"))
    assert Score.objects.count() == 0


def test_database_refuses_negative_appraised_score():
    with pytest.raises(IntegrityError), transaction.atomic():
        ScoreFactory(appraised_score=D("-0.25"))


def test_database_refuses_target_above_max_through_update():
    score = ScoreFactory(self_score=D("0.5"))
    with pytest.raises(IntegrityError), transaction.atomic():
        Score.objects.filter(pk=score.pk).update(target=D("2"))


def test_score_at_max_and_at_zero_are_accepted():
    ScoreFactory(self_score=D("1"), appraised_score=D("0"))
    assert Score.objects.count() == 1


def test_model_validation_names_the_field_and_limit():
    score = ScoreFactory.build(criterion=CriterionFactory(max_points=D("0.5")), self_score=D("0.75"))
    with pytest.raises(ValidationError) as info:
        score.clean()
    assert "self_score" in info.value.message_dict


def test_derived_gap_and_below_max():
    score = ScoreFactory(criterion=CriterionFactory(max_points=D("1.5")), self_score=D("1"), appraised_score=D("0.5"))
    assert score.gap == D("1.0")
    assert score.is_below_max
    assert Score.objects.below_max().count() == 1


def test_score_without_any_figure_counts_as_below_max():
    ScoreFactory(self_score=None)
    assert Score.objects.below_max().count() == 1


def test_compilation_deadline_derived_from_self_assessment_date():
    cycle = CycleFactory(self_assessment_date=dt.date(2022, 3, 31))
    assert cycle.compilation_deadline == dt.date(2022, 2, 28)


def test_compilation_deadline_override_wins():
    cycle = CycleFactory(self_assessment_date=dt.date(2022, 2, 28), compilation_deadline_override=dt.date(2022, 1, 20))
    assert cycle.compilation_deadline == dt.date(2022, 1, 20)


def test_only_one_cycle_is_current():
    CycleFactory(year=2021, is_current=True)
    with pytest.raises(IntegrityError), transaction.atomic():
        CycleFactory(year=2022, is_current=True)
    assert Cycle.current().year == 2021
