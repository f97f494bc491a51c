"""Scoring rules as pure functions: no database, no Django models.

Everything here is derived, never stored: gaps, percentages, ranking groups and
the compilation deadline.
"""

from __future__ import annotations

import calendar
import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

HUNDRED = Decimal("100")


class RankingGroup:
    A = "A"
    B = "B"
    C = "C"
    BELOW_C = "below_c"


SURVEY = "survey"  # parindex.models.Method.SURVEY (this module imports no models)


def effective_score(
    self_score: Decimal | None,
    appraised: Decimal | None,
    method: str = "self",
    estimate: Decimal | None = None,
    appraised_1: Decimal | None = None,
) -> Decimal | None:
    """The figure that counts: the latest appraisal (round 2, else round 1) or survey result.

    Before any, a self-assessed sub-criterion counts its self score; a survey-based
    one, which is never self-scored, counts the province's own estimate, if any.
    """
    if appraised is not None:
        return appraised
    if appraised_1 is not None:
        return appraised_1
    return estimate if method == SURVEY else self_score


def gap(max_points: Decimal, score: Decimal | None) -> Decimal:
    """Points lost on a criterion; a missing score loses everything."""
    return max_points - (score if score is not None else Decimal(0))


# ---- The one rounding place (docs/glossary.md, "Numbers and dates"). Points and percentages
# round half-up once, to two decimals, here; the web, the PDF, the DOCX, Excel and e-mails
# print what these functions give, so "66,67%" is the same figure everywhere.
PLACES = Decimal("0.01")


def round_half_up(value: Decimal | int | float | str, places: Decimal = PLACES) -> Decimal:
    """Half-up to two decimals (2.675 → 2.68, 66.665 → 66.67), whatever the Decimal context."""
    return Decimal(str(value)).quantize(places, rounding=ROUND_HALF_UP)


def percentage(points: Decimal, max_points: Decimal) -> Decimal:
    """Points as a percentage of the maximum, to two decimals (0 when there is no maximum)."""
    if not max_points:
        return Decimal("0.00")
    return round_half_up(Decimal(points) * HUNDRED / Decimal(max_points))


def ratio_percent(part: int | Decimal, whole: int | Decimal) -> Decimal:
    """``part`` of ``whole`` as a percentage (a completion rate): 2 of 3 → 66.67."""
    return percentage(Decimal(part), Decimal(whole))


def _decimal_text(value: Decimal, separator: str) -> str:
    text = format(round_half_up(value), "f")
    whole, _, fraction = text.lstrip("-").partition(".")
    groups = []
    while len(whole) > 3:
        whole, groups = whole[:-3], [whole[-3:], *groups]
    whole = ".".join([whole, *groups]) if separator == "," else ",".join([whole, *groups])
    return ("-" if text.startswith("-") else "") + whole + separator + fraction


def points_text(value: Decimal | int | float | str, separator: str = ",") -> str:
    """Points as printed: two decimals, decimal comma in Vietnamese ("8,75", "10,00")."""
    return _decimal_text(Decimal(str(value)), separator)


def percent_text(value: Decimal | int | float | str, separator: str = ",") -> str:
    """A percentage as printed: two decimals, no space before the sign ("85,00%")."""
    return _decimal_text(Decimal(str(value)), separator) + "%"


# The thresholds of 876/QĐ-BNV: A ≥ 90 %, B 80 % to < 90 %, C 70 % to < 80 %. Each framework
# holds its own (Framework.groups); this is only the default of a new one.
DEFAULT_GROUPS: tuple[tuple[str, Decimal], ...] = (
    (RankingGroup.A, Decimal(90)),
    (RankingGroup.B, Decimal(80)),
    (RankingGroup.C, Decimal(70)),
)


def thresholds(groups: list | None) -> list[tuple[str, Decimal]]:
    """A framework's stored groups ([["A", 90], …]) as (group, lowest percentage), best first."""
    pairs = [(str(g), Decimal(str(p))) for g, p in (groups or [])]
    return sorted(pairs, key=lambda pair: -pair[1])


def ranking_group(percent: Decimal, groups: list[tuple[str, Decimal]] | tuple = DEFAULT_GROUPS) -> str | None:
    """The first group whose lowest percentage the result reaches; below them all: under the last.

    ``groups`` are the methodology's thresholds (data, never code); with none the
    methodology has no groups and the result is None.
    """
    if not groups:
        return None
    for group, lowest in groups:
        if percent >= lowest:
            return group
    return RankingGroup.BELOW_C


class DerivedScore:
    """Figures derived from ``max_points``, ``method``, ``self_score``, ``estimate``,
    ``appraised_score`` and ``previous_score``.

    Shared by the Score model and the reporting module's ScoreRow, so the rule for
    "below max" exists once (ScoreQuerySet.below_max is its SQL twin).
    """

    max_points: Decimal
    method: str
    self_score: Decimal | None
    estimate: Decimal | None
    appraised_score: Decimal | None
    appraised_1: Decimal | None
    previous_score: Decimal | None

    @property
    def is_survey(self) -> bool:
        return self.method == SURVEY

    @property
    def effective(self) -> Decimal | None:
        return effective_score(self.self_score, self.appraised_score, self.method, self.estimate, self.appraised_1)

    @property
    def is_estimate(self) -> bool:
        """The figure that counts is the province's estimate, not the Ministry's result."""
        no_result = self.appraised_score is None and self.appraised_1 is None
        return self.is_survey and no_result and self.estimate is not None

    @property
    def has_result(self) -> bool:
        """False for a survey-based sub-criterion with neither result nor estimate: "chưa có kết quả"."""
        return not self.is_survey or self.effective is not None

    @property
    def gap(self) -> Decimal:
        return gap(self.max_points, self.effective)

    @property
    def below_max(self) -> bool:
        """Below its maximum; a survey-based sub-criterion without any figure is not (no result yet)."""
        return self.has_result and self.gap > 0

    is_below_max = below_max

    @property
    def change(self) -> Decimal | None:
        if self.effective is None or self.previous_score is None:
            return None
        return self.effective - self.previous_score


def one_month_before(day: dt.date) -> dt.date:
    """The same day one calendar month earlier, clamped to the month's end.

    31/03 → 28/02 (29/02 in a leap year); 28/02/2022 → 28/01/2022.
    """
    year, month = (day.year - 1, 12) if day.month == 1 else (day.year, day.month - 1)
    last = calendar.monthrange(year, month)[1]
    return dt.date(year, month, min(day.day, last))
