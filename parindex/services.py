"""Writes on the index: score edits and starting the next cycle.

Views, management commands and imports call these, so each rule exists once.
Every write runs in ``transaction.atomic()`` and leaves a history record with
who made it (``_history_user``) and why (``_change_reason``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from agencies.models import User

from .models import Criterion, Cycle, Framework, Score

SCORE_FIELDS = ("self_score", "estimate", "appraised_score", "previous_score", "target", "note")

# Fields of a cycle carried unchanged into the next one: the document settings
# and the reminder rhythm rarely change from one year to the next.
CARRIED_CYCLE_FIELDS = (
    "governing_body",
    "issuing_body",
    "place",
    "report_subject",
    "signer_title",
    "signer_name",
    "recipients",
    "reminder_offsets",
    "overdue_step_days",
    "escalation_days",
    "reporting_kinds",
)


# --------------------------------------------------------------------------- scores


@transaction.atomic
def update_score(cycle: Cycle, criterion: Criterion, *, user: User | None, reason: str = "", **values) -> Score:
    """Set some of a sub-criterion's figures for a cycle, creating its score row on first edit.

    The row is locked first, so two officers saving the same sub-criterion at
    once are applied one after the other, never interleaved field by field.
    The maximum is copied from the criterion again on every save: the database
    CHECK constraints compare against that copy.
    """
    unknown = set(values) - set(SCORE_FIELDS)
    if unknown:
        raise ValueError(f"Not score fields: {sorted(unknown)}")
    if criterion.children.exists():
        raise ValidationError(_("Only sub-criteria carry scores; the totals above them are computed."))
    Score.objects.get_or_create(cycle=cycle, criterion=criterion, defaults={"max_points": criterion.max_points})
    score = Score.objects.select_for_update().select_related("criterion").get(cycle=cycle, criterion=criterion)
    for name, value in values.items():
        setattr(score, name, value if name != "note" else (value or ""))
    score.max_points = criterion.max_points
    score.method = criterion.method
    score.clean()
    score._history_user = user
    score._change_reason = reason
    score.save()
    return score


# --------------------------------------------------------------------------- next cycle


@dataclass
class StartedCycle:
    """What start_cycle() did, for the confirmation message."""

    cycle: Cycle
    frameworks_copied: int
    criteria_copied: int
    scores_carried: int
    #: old criterion id → the new cycle's criterion, for whatever follows the tree (carried tasks)
    mapping: dict[int, Criterion]
    tasks_carried: int = 0


def shift_year(day: dt.date | None, years: int) -> dt.date | None:
    """The same calendar day ``years`` later; 29/02 becomes 28/02 in a common year."""
    if day is None:
        return None
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


@transaction.atomic
def start_cycle(
    previous: Cycle,
    year: int,
    *,
    name: str = "",
    report_deadline: dt.date | None = None,
    task_completion_target: dt.date | None = None,
    self_assessment_date: dt.date | None = None,
    copy_frameworks: bool = True,
    make_current: bool = True,
    user: User | None = None,
) -> StartedCycle:
    """Start ``year``'s cycle from ``previous``: its tree and its scores as last year's.

    Frameworks are **copied** by default: new Framework rows named with the new
    year, holding a copy of the tree. A tree is edited during a cycle (a
    maximum corrected, a sub-criterion split after a new decision), and with a
    shared tree such an edit would silently rewrite the scores and totals of
    every earlier cycle. A copy keeps earlier cycles readable and unchanged; an
    importer can later replace the copy with the Ministry's new tree. With
    ``copy_frameworks=False`` the new cycle reuses the same Framework rows (as
    the demo's 2020 and 2021 cycles do), for a year whose tree is known to be
    identical and will not be edited.

    Every sub-criterion gets a score row whose previous-year score is last
    cycle's effective score (appraised, else self). Carrying open tasks over is
    remediation's part (``remediation.assignment.start_cycle``), which follows
    the returned ``mapping``. Dates default to the previous cycle's dates shifted by the years between.
    """
    if Cycle.objects.filter(year=year).exists():
        raise ValidationError({"year": _("A cycle for this year already exists.")})
    if year <= previous.year:
        raise ValidationError({"year": _("The new cycle must come after the cycle it starts from.")})
    cycle = _new_cycle(previous, year, name, report_deadline, task_completion_target, self_assessment_date, user)
    if make_current:
        _make_current(cycle, user)
    mapping, frameworks_copied = _frameworks_for(cycle, previous, copy_frameworks)
    scores = _carry_scores(cycle, previous, mapping)
    return StartedCycle(cycle, frameworks_copied, len(mapping) if copy_frameworks else 0, scores, mapping)


def _new_cycle(
    previous: Cycle,
    year: int,
    name: str,
    report_deadline: dt.date | None,
    task_completion_target: dt.date | None,
    self_assessment_date: dt.date | None,
    user: User | None,
) -> Cycle:
    years = year - previous.year
    cycle = Cycle(
        year=year,
        name=name or _("Cycle %(year)s") % {"year": year},
        previous=previous,
        report_deadline=report_deadline or shift_year(previous.report_deadline, years),
        task_completion_target=task_completion_target or shift_year(previous.task_completion_target, years),
        self_assessment_date=self_assessment_date or shift_year(previous.self_assessment_date, years),
        **{f: getattr(previous, f) for f in CARRIED_CYCLE_FIELDS},
    )
    cycle._history_user = user
    cycle._change_reason = _("Started from %(cycle)s") % {"cycle": previous.name}
    cycle.save()
    return cycle


def _make_current(cycle: Cycle, user: User | None) -> None:
    """Move the 'current' flag; saved one by one so each cycle's history shows the change."""
    for other in Cycle.objects.filter(is_current=True).exclude(pk=cycle.pk):
        other.is_current = False
        other._history_user = user
        other._change_reason = _("Cycle %(year)s became current") % {"year": cycle.year}
        other.save(update_fields=["is_current"])
    cycle.is_current = True
    cycle.save(update_fields=["is_current"])


def _frameworks_for(cycle: Cycle, previous: Cycle, copy: bool) -> tuple[dict[int, Criterion], int]:
    """Attach the frameworks to the new cycle; return old criterion id → the new cycle's criterion."""
    mapping: dict[int, Criterion] = {}
    copied = 0
    for framework in previous.frameworks.all():
        if copy:
            framework, nodes = _copy_framework(framework, previous.year, cycle.year)
            copied += 1
        else:
            nodes = {n.id: n for n in framework.criteria.all()}
        cycle.frameworks.add(framework)
        mapping.update(nodes)
    return mapping, copied


def _framework_name(framework: Framework, old_year: int, new_year: int) -> str:
    base = framework.name.replace(str(old_year), str(new_year))
    if base == framework.name:
        base = f"{framework.name} ({new_year})"
    name, n = base, 2
    while Framework.objects.filter(name=name).exists():
        name, n = f"{base} [{n}]", n + 1
    return name


def _copy_framework(framework: Framework, old_year: int, new_year: int) -> tuple[Framework, dict[int, Criterion]]:
    """A new framework with a copy of the tree, parents created before their children."""
    copy = Framework.objects.create(
        name=_framework_name(framework, old_year, new_year),
        kind=framework.kind,
        legal_basis=framework.legal_basis,
        description=framework.description,
        total_points=framework.total_points,
    )
    pending = list(framework.criteria.order_by("order", "id"))
    mapping: dict[int, Criterion] = {}
    while pending:
        ready = [n for n in pending if n.parent_id is None or n.parent_id in mapping]
        if not ready:
            raise ValueError("The criteria tree has a cycle or an orphan.")
        fresh = [_copied_node(copy, n, mapping) for n in ready]
        for old, new in zip(ready, Criterion.objects.bulk_create(fresh), strict=True):
            mapping[old.id] = new
        pending = [n for n in pending if n.id not in mapping]
    return copy, mapping


def _copied_node(framework: Framework, node: Criterion, mapping: dict[int, Criterion]) -> Criterion:
    return Criterion(
        framework=framework,
        parent=mapping[node.parent_id] if node.parent_id else None,
        level=node.level,
        code=node.code,
        name=node.name,
        max_points=node.max_points,
        method=node.method,
        order=node.order,
        focal_agency_id=node.focal_agency_id,
    )


def _carry_scores(cycle: Cycle, previous: Cycle, mapping: dict[int, Criterion]) -> int:
    """One score row per scored node of the new tree, last cycle's effective score as previous."""
    old = {s.criterion_id: s for s in Score.objects.filter(cycle=previous, criterion_id__in=mapping)}
    parents = {n.parent_id for n in mapping.values() if n.parent_id}
    rows = []
    for old_id, node in mapping.items():
        if node.id in parents:
            continue
        before = old.get(old_id)
        effective: Decimal | None = before.effective if before else None
        rows.append(
            Score(cycle=cycle, criterion=node, max_points=node.max_points, method=node.method, previous_score=effective)
        )
    bulk_create_with_history(rows, Score, batch_size=500)
    return sum(1 for r in rows if r.previous_score is not None)
