import datetime as dt
from decimal import Decimal as D

import pytest

from parindex import scoring


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (dt.date(2022, 2, 28), dt.date(2022, 1, 28)),
        (dt.date(2022, 3, 31), dt.date(2022, 2, 28)),
        (dt.date(2024, 3, 31), dt.date(2024, 2, 29)),
        (dt.date(2024, 3, 29), dt.date(2024, 2, 29)),
        (dt.date(2023, 3, 29), dt.date(2023, 2, 28)),
        (dt.date(2022, 1, 15), dt.date(2021, 12, 15)),
        (dt.date(2022, 5, 31), dt.date(2022, 4, 30)),
        (dt.date(2100, 3, 31), dt.date(2100, 2, 28)),
        (dt.date(2000, 3, 31), dt.date(2000, 2, 29)),
    ],
)
def test_one_month_before_clamps_to_month_end(day, expected):
    assert scoring.one_month_before(day) == expected


@pytest.mark.parametrize(
    ("percent", "group"),
    [
        (D("100"), "A"),
        (D("90.00"), "A"),
        (D("89.99"), "B"),
        (D("80.00"), "B"),
        (D("79.99"), "C"),
        (D("70.00"), "C"),
        (D("69.99"), "below_c"),
        (D("0"), "below_c"),
    ],
)
def test_ranking_group_boundaries(percent, group):
    assert scoring.ranking_group(percent) == group


def test_appraised_score_replaces_self_score():
    assert scoring.effective_score(D("1"), D("0.5")) == D("0.5")
    assert scoring.effective_score(D("1"), None) == D("1")


def test_missing_score_loses_all_points():
    assert scoring.gap(D("1.5"), None) == D("1.5")


def test_percentage_rounds_half_up_to_two_places():
    assert scoring.percentage(D("85.125"), D("100")) == D("85.13")
    assert scoring.percentage(D("1"), D("0")) == D("0.00")
