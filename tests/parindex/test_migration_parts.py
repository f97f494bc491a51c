"""Migration 0003: the method is copied onto scores, a survey self score becomes the province's estimate."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("parindex", "0002_move_issuedreport_to_compilation")]
AFTER = [("parindex", "0004_score_survey_constraints")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def test_survey_self_scores_become_estimates_and_self_scores_stay():
    apps = _migrate(BEFORE)
    Framework = apps.get_model("parindex", "Framework")
    Criterion = apps.get_model("parindex", "Criterion")
    Cycle = apps.get_model("parindex", "Cycle")
    Score = apps.get_model("parindex", "Score")
    framework = Framework.objects.create(name="PAR 2021 (migration)", kind="par")
    cycle = Cycle.objects.create(
        year=2031, name="Kỳ 2031", report_deadline=dt.date(2031, 11, 15), task_completion_target=dt.date(2031, 12, 31)
    )
    own = Criterion.objects.create(framework=framework, level="sub", code="1.1.1", name="a", max_points=1)
    survey = Criterion.objects.create(
        framework=framework, level="sub", code="1.1.2", name="b", max_points=1, method="survey"
    )
    Score.objects.create(cycle=cycle, criterion=own, max_points=1, self_score=D("0.5"))
    Score.objects.create(cycle=cycle, criterion=survey, max_points=1, self_score=D("0.75"), appraised_score=D("1"))
    apps = _migrate(AFTER)
    Score = apps.get_model("parindex", "Score")
    rows = {
        s.criterion.code: (s.method, s.self_score, s.estimate, s.appraised_score)
        for s in Score.objects.select_related("criterion")
    }
    assert rows == {
        "1.1.1": ("self", D("0.5"), None, None),
        "1.1.2": ("survey", None, D("0.75"), D("1")),
    }
    _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
