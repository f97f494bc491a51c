"""The reminder schedule: which step of a deadline is due on a date (pure functions)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from parindex.models import Cycle

# --- The schedule: pure functions -------------------------------------------------------


@dataclass(frozen=True)
class Steps:
    """The latest due step for the regular recipients and for the escalation, if any."""

    regular: dt.date | None
    escalation: dt.date | None
    overdue: bool


def steps_for(deadline: dt.date, as_of: dt.date, cycle: Cycle) -> Steps:
    """Where ``as_of`` falls in a deadline's schedule (calendar days, weekends included).

    Before or on the deadline: the step of the smallest offset d with
    ``deadline - d <= as_of``. After it: overdue steps every
    ``overdue_step_days`` from the day after the deadline, and escalation
    steps from ``escalation_days`` late on the same rhythm.
    """
    if as_of <= deadline:
        due = [d for d in cycle.offsets if deadline - dt.timedelta(days=d) <= as_of]
        regular = deadline - dt.timedelta(days=min(due)) if due else None
        return Steps(regular, None, overdue=False)
    late = (as_of - deadline).days
    step = cycle.overdue_step_days
    regular = deadline + dt.timedelta(days=1 + ((late - 1) // step * step if step else 0))
    start = max(cycle.escalation_days, 1)
    escalation = None
    if late >= start:
        escalation = deadline + dt.timedelta(days=start + ((late - start) // step * step if step else 0))
    return Steps(regular, escalation, overdue=True)


def is_escalated(deadline: dt.date, step: dt.date, cycle: Cycle) -> bool:
    return (step - deadline).days >= max(cycle.escalation_days, 1)
