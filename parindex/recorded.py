"""The scores as recorded on a date: what every as-of figure reads (the dashboard, the PDF, Excel,
"previous year", the trend and the points won back by remediation).

A cycle without rounds (an archive, an import) shows what is stored. With rounds, the
values come from the history as it stood at the end of the day, and the values of a
round not yet opened on that day are hidden.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from .models import FIELD_ROUND, Round, Score

SCORE_FIELDS = ("self_score", "estimate", "appraised_1", "appraised_score", "previous_score")


def local_midnight_after(day: dt.date) -> dt.datetime:
    """The first instant of the next day in the project's time zone (Asia/Ho_Chi_Minh)."""
    return timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min))


def rounds_of(cycle) -> dict[str, Round]:
    """The cycle's rounds by kind, read once per cycle object."""
    if not hasattr(cycle, "_rounds_cache"):
        cycle._rounds_cache = {r.kind: r for r in Round.objects.filter(cycle=cycle)}
    return cycle._rounds_cache


def score_values(cycle, framework_id: int, as_of: dt.date, criteria=None) -> dict[int, dict]:
    """Each sub-criterion's values as recorded at the end of ``as_of``, per round (1–2 queries).

    On 15/11/2021 the 2021 cycle shows its provisional self-assessment only, although its
    appraisals were entered in 2022. ``criteria`` (ids) limits the reading to those
    sub-criteria, as one task's page needs.
    """
    rounds = rounds_of(cycle)
    only = {} if criteria is None else {"criterion_id__in": list(criteria)}
    if not rounds:
        rows = Score.objects.filter(cycle=cycle, criterion__framework=framework_id, **only).values(
            "criterion_id", "method", *SCORE_FIELDS
        )
        return {r["criterion_id"]: r for r in rows}
    records = (
        Score.history.filter(
            cycle=cycle, criterion__framework=framework_id, history_date__lt=local_midnight_after(as_of), **only
        )
        .latest_of_each()
        .order_by("history_date", "history_id")
        .values("criterion_id", "history_type", "method", *SCORE_FIELDS)
    )
    values = {r["criterion_id"]: r for r in records}  # the latest record wins on a tie of dates
    hidden = hidden_fields(rounds, as_of)
    out = {}
    for criterion_id, row in values.items():
        if row["history_type"] == "-":
            continue
        for name in hidden:
            row[name] = None
        out[criterion_id] = row
    return out


def hidden_fields(rounds: dict[str, Round], as_of: dt.date) -> list[str]:
    """The score fields of the rounds not yet opened on ``as_of``: never shown as of that day."""
    return [
        f
        for f, kind in FIELD_ROUND.items()
        if f in SCORE_FIELDS and kind in rounds and not rounds[kind].has_opened(as_of)
    ]
