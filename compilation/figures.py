"""The one module that computes the figures.

The dashboard, the consolidated PDF and the Excel export all call these plain
functions with a cycle and an as-of date, so they cannot drift apart. Every
function runs a fixed number of aggregate queries, whatever the data size.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db import connections
from django.db.models import Case, Count, F, FilteredRelation, IntegerField, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from agencies.models import Agency, labels_on, names_on, vietnamese_order
from parindex import recorded, scoring
from parindex.models import (
    Criterion,
    CrosswalkMapping,
    Cycle,
    FrameworkKind,
    Method,
    Result,
    Round,
    RoundKind,
    Score,
)
from remediation.effect import WonBack, won_back
from remediation.models import (
    AgencyReport,
    AssignmentRole,
    DeadlineExtension,
    ExtensionState,
    Task,
    TaskAssignment,
    by_deadline,
    claimed_q,
    summarize_statuses,
    valid_on,
)
from remediation.reports import ReportGroup, ReportState, report_group, report_state
from remediation.status import TaskStatus

from .models import BaselineScore, PredecessorBaseline

ZERO = Decimal(0)
TWO_PLACES = Decimal("0.01")


def two_places(value: Decimal | int | None) -> str | None:
    """A figure as the API prints it: a string with the two decimals the figures hold (None stays None).

    The one rounding of figures for output (half up, as scoring.percentage rounds), so another
    consumer can call it instead of formatting on its own.
    """
    if value is None:
        return None
    return str(Decimal(value).quantize(TWO_PLACES, rounding=ROUND_HALF_UP))


# --------------------------------------------------------------------------- scores


@dataclass
class ScoreRow(scoring.DerivedScore):
    """One node of the tree with its figures; areas and criteria carry sums of their leaves."""

    id: int
    code: str
    name: str
    level: str
    method: str
    parent_id: int | None
    area_code: str
    max_points: Decimal
    self_score: Decimal | None = None
    appraised_score: Decimal | None = None
    previous_score: Decimal | None = None
    estimate: Decimal | None = None
    appraised_1: Decimal | None = None
    #: False where the previous cycle has no counterpart (crosswalk): "không so sánh được"
    comparable: bool = True
    #: on the roots: the framework's ranking thresholds (data of the methodology; empty: no groups)
    groups: tuple = scoring.DEFAULT_GROUPS
    focal_agency: str = ""
    focal_agency_id: int | None = None
    #: the focal agency's full name, for documents (``focal_agency`` is the short one of the web)
    focal_agency_name: str = ""
    tasks_total: int = 0
    tasks_open: int = 0
    is_leaf: bool = True
    children: list[ScoreRow] = field(default_factory=list)

    @property
    def percent(self) -> Decimal:
        return scoring.percentage(self.effective or ZERO, self.max_points)

    @property
    def all_tasks_done(self) -> bool:
        return self.tasks_total > 0 and self.tasks_open == 0


def _task_counts_by_criterion(cycle: Cycle, as_of: dt.date) -> dict[int, tuple[int, int]]:
    """(total, open) linked tasks per sub-criterion, in one query."""
    through = Task.sub_criteria.through
    rows = (
        through.objects.filter(task__cycle=cycle, task__closed_at__isnull=True)
        .values("criterion_id")
        .annotate(
            total=Count("task_id"),
            done=Count("task_id", filter=Q(task__completed_on__isnull=False, task__completed_on__lte=as_of)),
        )
    )
    return {r["criterion_id"]: (r["total"], r["total"] - r["done"]) for r in rows}


def score_tree(cycle: Cycle, kind: str = FrameworkKind.PAR, as_of: dt.date | None = None) -> list[ScoreRow]:
    """The framework's tree for the cycle, roots first, with sums on inner nodes (4 queries)."""
    as_of = as_of or cycle.as_of()
    framework = cycle.framework_of(kind)
    if framework is None:
        return []
    # Plain rows, not model instances: building ~150 Criterion and ~100 Score
    # objects was a third of the function's time, and only these fields are read.
    nodes = list(
        Criterion.objects.filter(framework=framework)
        .order_by("order", "code")
        .values(*NODE_FIELDS, focal_short=F("focal_agency__short_name"), focal_name=F("focal_agency__name"))
    )
    scores = _score_values(cycle, framework.pk, as_of)
    counts = _task_counts_by_criterion(cycle, as_of)
    rows = {n["id"]: _row(n, scores.get(n["id"]), counts.get(n["id"], (0, 0))) for n in nodes}
    previous = previous_values(cycle, framework.pk, as_of)
    if previous is not None:
        for row in rows.values():
            row.comparable = row.id in previous
            row.previous_score = previous.get(row.id)
    roots = []
    for node in nodes:
        row = rows[node["id"]]
        if node["parent_id"]:
            parent = rows[node["parent_id"]]
            parent.children.append(row)
            parent.is_leaf = False
            row.focal_agency = row.focal_agency or parent.focal_agency
            row.focal_agency_name = row.focal_agency_name or parent.focal_agency_name
            row.focal_agency_id = row.focal_agency_id or parent.focal_agency_id
        else:
            roots.append(row)
    groups = tuple(framework.thresholds)
    for root in roots:
        _sum_children(root)
        root.groups = groups
    return roots


NODE_FIELDS = ("id", "code", "name", "level", "method", "parent_id", "max_points", "focal_agency_id")
SCORE_FIELDS = recorded.SCORE_FIELDS
_score_values = recorded.score_values
_hidden_fields = recorded.hidden_fields


def previous_values(cycle: Cycle, framework_id: int, as_of: dt.date) -> dict[int, Decimal | None] | None:
    """Last cycle's figure for each sub-criterion of this cycle's framework, through the crosswalk (3–5 queries).

    None when the cycle has no previous cycle (the stored ``previous_score`` of a baseline
    imported without a cycle of its own is used then). Same framework: the identity. Else
    each old sub-criterion's figure is shared among its new ones in proportion to their
    maxima (a split into two halves gives each half the old points), and a new one fed by
    several old ones (a merge) takes their sum. A sub-criterion absent from the result has
    no predecessor: "không so sánh được", never a number.
    """
    previous = Cycle.objects.filter(pk=cycle.previous_id).prefetch_related("frameworks").first()
    if previous is None:
        return None
    kind = next((f.kind for f in cycle.frameworks.all() if f.pk == framework_id), None)
    old_framework = previous.framework_of(kind) if kind else None
    if old_framework is None:
        return {}
    old = {
        cid: scoring.effective_score(
            r["self_score"], r["appraised_score"], r["method"], r["estimate"], r["appraised_1"]
        )
        for cid, r in _score_values(previous, old_framework.pk, as_of).items()
    }
    if old_framework.pk == framework_id:
        return dict(old)
    links = list(
        CrosswalkMapping.objects.filter(
            crosswalk__old_framework=old_framework, crosswalk__new_framework_id=framework_id, new__isnull=False
        ).values_list("old_id", "new_id", "new__max_points")
    )
    total_max: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for old_id, _new_id, new_max in links:
        total_max[old_id] += new_max
    out: dict[int, Decimal | None] = {}
    for old_id, new_id, new_max in links:
        value = old.get(old_id)
        share = (
            (value * new_max / total_max[old_id]).quantize(Decimal("0.01"))
            if value is not None and total_max[old_id]
            else None
        )
        out[new_id] = share if out.get(new_id) is None else out[new_id] + (share or ZERO)
    return out


@dataclass
class TrendPoint:
    year: int
    percent: Decimal | None  # None: no counterpart that year ("không so sánh được") or no figure


def criterion_trend(cycle: Cycle, criterion_id: int, as_of: dt.date, limit: int = 10) -> list[TrendPoint]:
    """A sub-criterion's result across the cycles, oldest first, followed back through the crosswalks.

    Percentages of the maximum, not points: a new version changes the maxima, and a split
    or merged sub-criterion is compared with the share of its predecessors. Each earlier
    cycle costs a few queries; there are a handful of cycles.
    """
    ids = {criterion_id}
    framework_id = Criterion.objects.filter(pk=criterion_id).values_list("framework_id", flat=True).first()
    points: list[TrendPoint] = []
    current: Cycle | None = cycle
    while current is not None and len(points) < limit:
        if ids:
            values = _score_values(current, framework_id, as_of)
            maxima = dict(Criterion.objects.filter(pk__in=ids).values_list("id", "max_points"))
            got = [values[i] for i in ids if i in values]
            effective = [
                scoring.effective_score(
                    r["self_score"], r["appraised_score"], r["method"], r["estimate"], r["appraised_1"]
                )
                for r in got
            ]
            known = [e for e in effective if e is not None]
            total_max = sum(maxima.values(), ZERO)
            points.append(TrendPoint(current.year, scoring.percentage(sum(known, ZERO), total_max) if known else None))
        else:
            points.append(TrendPoint(current.year, None))
        previous = Cycle.objects.filter(pk=current.previous_id).prefetch_related("frameworks").first()
        if previous is None:
            break
        kind = Criterion.objects.filter(pk=criterion_id).values_list("framework__kind", flat=True).first()
        old_framework = previous.framework_of(kind)
        if old_framework is None:
            ids = set()
        elif old_framework.pk != framework_id:
            ids = set(
                CrosswalkMapping.objects.filter(
                    crosswalk__old_framework=old_framework, crosswalk__new_framework_id=framework_id, new_id__in=ids
                ).values_list("old_id", flat=True)
            )
        framework_id = old_framework.pk if old_framework else framework_id
        current = previous
    return list(reversed(points))


def trend_svg_points(trend: list[TrendPoint], width: int = 240, height: int = 60) -> list[tuple[int, int, TrendPoint]]:
    """(x, y, point) for an inline SVG: 0 % at the bottom, 100 % at the top; gaps where there is no figure."""
    if not trend:
        return []
    step = width / max(len(trend) - 1, 1)
    return [
        (round(i * step), round(height - float(p.percent) * height / 100), p)
        for i, p in enumerate(trend)
        if p.percent is not None
    ]


rounds_of = recorded.rounds_of


@dataclass
class RoundState:
    kind: str
    label: str
    opens: dt.date
    deadline: dt.date
    provisional: bool
    locked: bool


@dataclass
class FigureSource:
    """Which round the figures of a page come from on a date, and whether they are final."""

    rounds: list[RoundState]
    label: str
    provisional: bool
    result: Result | None = None
    kind: str | None = None  # the round the figures come from


SOURCE_LABELS = {
    RoundKind.SELF_ASSESSMENT: gettext_lazy("self-assessment"),
    RoundKind.COMPILATION: gettext_lazy("self-assessment"),
    RoundKind.APPRAISAL_1: gettext_lazy("appraisal round 1"),
    RoundKind.EXPLANATION: gettext_lazy("appraisal round 1"),
    RoundKind.APPRAISAL_2: gettext_lazy("appraisal round 2"),
    RoundKind.ANNOUNCEMENT: gettext_lazy("announced result"),
}


def figure_source(cycle: Cycle, as_of: dt.date, kind: str = FrameworkKind.PAR) -> FigureSource | None:
    """The rounds opened by ``as_of`` (a round not yet opened is hidden) and the label of the figures:
    "tự đánh giá (dự kiến)", "thẩm định vòng 1", "kết quả công bố"… (None for a cycle without rounds)."""
    rounds = rounds_of(cycle)
    if not rounds:
        return None
    shown = sorted((r for r in rounds.values() if r.has_opened(as_of)), key=lambda r: (r.opens, r.id))
    states = [
        RoundState(
            r.kind, str(r.get_kind_display()), r.opens, r.deadline, r.is_provisional_on(as_of), r.is_locked_on(as_of)
        )
        for r in shown
    ]
    result = announced(cycle, as_of, kind)
    if result is not None:
        return FigureSource(states, str(SOURCE_LABELS[RoundKind.ANNOUNCEMENT]), False, result, RoundKind.ANNOUNCEMENT)
    latest = next((r for r in reversed(shown) if r.kind != RoundKind.ANNOUNCEMENT), None)
    if latest is None:
        return FigureSource(states, "", True)
    label = str(SOURCE_LABELS[latest.kind])
    provisional = latest.is_provisional_on(as_of)
    if provisional:
        label = _("%(round)s (provisional)") % {"round": label}
    return FigureSource(states, label, provisional, None, latest.kind)


def announced(cycle: Cycle, as_of: dt.date, kind: str = FrameworkKind.PAR) -> Result | None:
    """The announced result once its decision is dated on or before ``as_of``; never before."""
    if not hasattr(cycle, "_results_cache"):
        cycle._results_cache = {r.kind: r for r in Result.objects.filter(cycle=cycle)}
    result = cycle._results_cache.get(kind)
    return result if result is not None and result.decision_date <= as_of else None


def _row(node: dict, score: dict | None, counts: tuple[int, int]) -> ScoreRow:
    """A node (values of NODE_FIELDS and its focal agency's names) with its score values."""
    return ScoreRow(
        id=node["id"],
        code=node["code"],
        name=node["name"],
        level=node["level"],
        method=node["method"],
        parent_id=node["parent_id"],
        area_code=node["code"].split(".")[0],
        max_points=node["max_points"],
        self_score=score["self_score"] if score else None,
        appraised_score=score["appraised_score"] if score else None,
        previous_score=score["previous_score"] if score else None,
        estimate=score["estimate"] if score else None,
        appraised_1=score["appraised_1"] if score else None,
        # str(Agency): the short name, else the name.
        focal_agency=(node["focal_short"] or node["focal_name"] or "") if node["focal_agency_id"] else "",
        focal_agency_id=node["focal_agency_id"],
        focal_agency_name=(node["focal_name"] or "") if node["focal_agency_id"] else "",
        tasks_total=counts[0],
        tasks_open=counts[1],
    )


def _sum_children(row: ScoreRow) -> None:
    """Inner nodes: the sums of their leaves; an appraisal counts where it exists."""
    if row.is_leaf:
        return
    for child in row.children:
        child.focal_agency = child.focal_agency or row.focal_agency
        child.focal_agency_id = child.focal_agency_id or row.focal_agency_id
        _sum_children(child)
    row.self_score = sum((c.self_score or ZERO for c in row.children), ZERO)
    estimates = [c.estimate for c in row.children if c.estimate is not None]
    row.estimate = sum(estimates, ZERO) if estimates else None
    row.appraised_score = sum((c.effective or ZERO for c in row.children), ZERO)
    prev = [c.previous_score for c in row.children if c.previous_score is not None]
    row.previous_score = sum(prev, ZERO) if prev else None
    row.comparable = any(c.comparable for c in row.children)
    row.tasks_total = sum(c.tasks_total for c in row.children)
    row.tasks_open = sum(c.tasks_open for c in row.children)


def leaves(tree: list[ScoreRow]) -> list[ScoreRow]:
    out: list[ScoreRow] = []
    stack = list(reversed(tree))
    while stack:
        row = stack.pop()
        if row.is_leaf:
            out.append(row)
        else:
            stack.extend(reversed(row.children))
    return out


@dataclass
class Totals:
    """The index in its two parts, each out of its own maximum, and the whole.

    ``self_points`` is the "tổng điểm tự đánh giá": the self scores of the
    self-assessed part only (survey-based sub-criteria are never self-scored).
    ``survey_points`` counts the Ministry's results and, where there is none yet,
    the province's estimates (``survey_estimated`` of them); ``survey_pending``
    survey-based sub-criteria have neither ("chưa có kết quả") and count 0.
    """

    max_points: Decimal
    points: Decimal
    self_points: Decimal
    previous_points: Decimal | None
    self_assessed_points: Decimal
    self_assessed_max: Decimal
    survey_points: Decimal
    survey_max: Decimal
    survey_estimated: int = 0
    survey_pending: int = 0
    #: the methodology's thresholds (Framework.groups); empty: the methodology has no groups
    groups: tuple = scoring.DEFAULT_GROUPS

    @property
    def percent(self) -> Decimal:
        return scoring.percentage(self.points, self.max_points)

    @property
    def self_assessed_percent(self) -> Decimal:
        return scoring.percentage(self.self_assessed_points, self.self_assessed_max)

    @property
    def survey_percent(self) -> Decimal:
        return scoring.percentage(self.survey_points, self.survey_max)

    @property
    def group(self) -> str | None:
        return scoring.ranking_group(self.percent, self.groups)

    @property
    def previous_percent(self) -> Decimal | None:
        if self.previous_points is None:
            return None
        return scoring.percentage(self.previous_points, self.max_points)

    @property
    def previous_group(self) -> str | None:
        pct = self.previous_percent
        return scoring.ranking_group(pct, self.groups) if pct is not None else None

    @property
    def lost(self) -> Decimal:
        return self.max_points - self.points


def totals(tree: list[ScoreRow]) -> Totals:
    """Overall points and percentages; survey criteria counted apart from self-assessed ones."""
    rows = leaves(tree)
    survey = [r for r in rows if r.method == Method.SURVEY]
    own = [r for r in rows if r.method != Method.SURVEY]
    prev = [r.previous_score for r in rows if r.previous_score is not None]
    return Totals(
        max_points=sum((r.max_points for r in rows), ZERO),
        points=sum((r.effective or ZERO for r in rows), ZERO),
        self_points=sum((r.self_score or ZERO for r in own), ZERO),
        previous_points=sum(prev, ZERO) if prev else None,
        self_assessed_points=sum((r.effective or ZERO for r in own), ZERO),
        self_assessed_max=sum((r.max_points for r in own), ZERO),
        survey_points=sum((r.effective or ZERO for r in survey), ZERO),
        survey_max=sum((r.max_points for r in survey), ZERO),
        survey_estimated=sum(1 for r in survey if r.is_estimate),
        survey_pending=sum(1 for r in survey if not r.has_result),
        groups=tree[0].groups if tree else scoring.DEFAULT_GROUPS,
    )


class ProjectionRule:
    """The two ways of projecting; the rule is shown next to each figure."""

    ALL_TASKS = "all_tasks"  # nếu mọi nhiệm vụ đạt
    DONE_SO_FAR = "done_so_far"  # tính theo việc đã xong


@dataclass
class Projection:
    points: Decimal
    max_points: Decimal
    gained: Decimal
    sub_criteria: int
    rule: str = ProjectionRule.DONE_SO_FAR
    groups: tuple = scoring.DEFAULT_GROUPS

    @property
    def percent(self) -> Decimal:
        return scoring.percentage(self.points, self.max_points)

    @property
    def group(self) -> str | None:
        return scoring.ranking_group(self.percent, self.groups)


def _liftable(row: ScoreRow) -> bool:
    """A self-assessed sub-criterion below max with linked tasks. Survey points come from the
    Ministry's survey: no finished task raises them, so they are never projected."""
    return row.method != Method.SURVEY and row.below_max and row.tasks_total > 0


def projected(tree: list[ScoreRow], rule: str = ProjectionRule.DONE_SO_FAR) -> Projection:
    """The score if self-assessed sub-criteria below max reached their maximum.

    ``DONE_SO_FAR``: those whose linked tasks are all done (as of the tree's date).
    ``ALL_TASKS``: those with at least one linked task, as if every task succeeds.
    """
    rows = [r for r in leaves(tree) if _liftable(r)]
    if rule == ProjectionRule.DONE_SO_FAR:
        rows = [r for r in rows if r.all_tasks_done]
    gained = sum((r.gap for r in rows), ZERO)
    base = totals(tree)
    return Projection(base.points + gained, base.max_points, gained, len(rows), rule, base.groups)


def projections(tree: list[ScoreRow]) -> dict[str, Projection]:
    """Both projections, by rule."""
    return {rule: projected(tree, rule) for rule in (ProjectionRule.ALL_TASKS, ProjectionRule.DONE_SO_FAR)}


def below_max(
    tree: list[ScoreRow], area: str | None = None, focal_agency_id: int | None = None, no_task: bool = False
) -> list[ScoreRow]:
    """The sub-criteria below max, optionally of one area, one focal agency, or without any task."""
    rows = [r for r in leaves(tree) if r.below_max]
    if area:
        rows = [r for r in rows if r.area_code == area]
    if focal_agency_id:
        rows = [r for r in rows if r.focal_agency_id == focal_agency_id]
    if no_task:
        rows = [r for r in rows if r.tasks_total == 0]
    return rows


def tasks_by_criterion(cycle: Cycle, as_of: dt.date, criterion_ids: list[int]) -> dict[int, list[Task]]:
    """Linked tasks with their status for a set of sub-criteria (one query)."""
    through = Task.sub_criteria.through
    links = through.objects.filter(criterion_id__in=criterion_ids, task__cycle=cycle).values_list(
        "criterion_id", "task_id"
    )
    link_list = list(links)
    tasks = {
        t.id: t
        for t in Task.objects.filter(id__in={t for _c, t in link_list}).with_status(as_of).select_related("lead_agency")
    }
    out: dict[int, list[Task]] = defaultdict(list)
    for criterion_id, task_id in link_list:
        out[criterion_id].append(tasks[task_id])
    for items in out.values():
        items.sort(key=lambda t: (t.deadline is None, t.deadline or dt.date.max, t.id))
    return out


@dataclass
class AreaRow:
    code: str
    name: str
    focal_agency: str
    max_points: Decimal
    points: Decimal
    below_max: int
    tasks_open: int

    @property
    def lost(self) -> Decimal:
        return self.max_points - self.points

    @property
    def percent(self) -> Decimal:
        return scoring.percentage(self.points, self.max_points)


def area_table(tree: list[ScoreRow]) -> list[AreaRow]:
    """Areas with points lost, sub-criteria below max and tasks open."""
    out = []
    for area in tree:
        rows = leaves([area])
        out.append(
            AreaRow(
                code=area.code,
                name=area.name,
                focal_agency=area.focal_agency,
                max_points=area.max_points,
                points=sum((r.effective or ZERO for r in rows), ZERO),
                below_max=sum(1 for r in rows if r.below_max),
                tasks_open=area.tasks_open,
            )
        )
    return out


@dataclass
class AreaCell:
    year: int
    percent: Decimal | None  # None with comparable: no figure recorded that year
    comparable: bool  # False: none of the area's sub-criteria maps back to that year's tree


@dataclass
class AreaHistoryRow:
    """One area of the cycle's tree with its percentage in each cycle, oldest first."""

    code: str
    name: str
    cells: list[AreaCell]


@dataclass
class AreaHistory:
    years: list[int]
    rows: list[AreaHistoryRow]

    def __bool__(self) -> bool:
        return len(self.years) > 1


def _cycle_chain(cycle: Cycle, limit: int) -> list[Cycle]:
    """The cycle and its predecessors, newest first, from one query (a handful of cycles)."""
    by_id = {c.pk: c for c in Cycle.objects.prefetch_related("frameworks")}
    chain, current = [], by_id.get(cycle.pk, cycle)
    while current is not None and len(chain) < limit and current not in chain:
        chain.append(current)
        current = by_id.get(current.previous_id)
    return chain


def _values_of_cycles(chain: list[Cycle], framework_ids: set[int], as_of: dt.date) -> dict[tuple[int, int], Decimal]:
    """(cycle id, sub-criterion id) → effective figure as recorded at ``as_of``, for all cycles at once
    (3 queries whatever the number of cycles): the same reading as _score_values, batched."""
    rounds: dict[int, dict[str, Round]] = defaultdict(dict)
    for r in Round.objects.filter(cycle__in=chain):
        rounds[r.cycle_id][r.kind] = r
    with_rounds = [c.pk for c in chain if rounds.get(c.pk)]
    plain = [c.pk for c in chain if not rounds.get(c.pk)]
    fields = ("cycle_id", "criterion_id", "method", *SCORE_FIELDS)
    rows = (
        list(Score.objects.filter(cycle__in=plain, criterion__framework__in=framework_ids).values(*fields))
        if plain
        else []
    )
    if with_rounds:
        records = (
            Score.history.filter(
                cycle__in=with_rounds,
                criterion__framework__in=framework_ids,
                history_date__lt=_local_midnight_after(as_of),
            )
            .latest_of_each()
            .values("history_type", *fields)
        )
        hidden = {cycle_id: _hidden_fields(rounds[cycle_id], as_of) for cycle_id in with_rounds}
        for row in records:
            if row["history_type"] == "-":
                continue
            for name in hidden[row["cycle_id"]]:
                row[name] = None
            rows.append(row)
    out = {}
    for r in rows:
        value = scoring.effective_score(
            r["self_score"], r["appraised_score"], r["method"], r["estimate"], r["appraised_1"]
        )
        if value is not None:
            out[(r["cycle_id"], r["criterion_id"])] = value
    return out


def area_history(cycle: Cycle, as_of: dt.date, kind: str = FrameworkKind.PAR, limit: int = 6) -> AreaHistory:
    """Each area's percentage over the cycles, followed back through the crosswalks (7 queries, however
    many cycles and criteria).

    An area of this cycle's tree is compared, in an earlier cycle, with the sub-criteria that
    its own sub-criteria map back to (the identity on the same framework version); where none
    maps back the area is "không so sánh được" that year, never a number. Percentages, not
    points: the maxima change between versions.
    """
    if cycle.previous_id is None:  # one cycle: nothing to compare, no query
        return AreaHistory([], [])
    chain = _cycle_chain(cycle, limit)
    frameworks = {c.pk: c.framework_of(kind) for c in chain}
    if frameworks.get(chain[0].pk) is None:
        return AreaHistory([], [])
    framework_ids = {f.pk for f in frameworks.values() if f is not None}
    nodes = {
        n["id"]: n
        for n in Criterion.objects.filter(framework__in=framework_ids).values(
            "id", "code", "name", "parent_id", "framework_id", "max_points", "order"
        )
    }
    parents = {n["parent_id"] for n in nodes.values() if n["parent_id"]}
    links: dict[tuple[int, int], dict[int, set[int]]] = defaultdict(lambda: defaultdict(set))
    for old_fw, new_fw, old_id, new_id in CrosswalkMapping.objects.filter(
        crosswalk__old_framework__in=framework_ids, crosswalk__new_framework__in=framework_ids, new__isnull=False
    ).values_list("crosswalk__old_framework_id", "crosswalk__new_framework_id", "old_id", "new_id"):
        links[(old_fw, new_fw)][new_id].add(old_id)
    values = _values_of_cycles(chain, framework_ids, as_of)
    current_fw = frameworks[chain[0].pk]
    areas = sorted(
        (n for n in nodes.values() if n["framework_id"] == current_fw.pk and n["parent_id"] is None),
        key=lambda n: (n["order"], n["code"]),
    )
    rows = []
    for area in areas:
        ids = _leaves_under(area["id"], nodes, parents)
        cells: list[AreaCell] = []
        framework = current_fw
        for step, past in enumerate(chain):
            past_fw = frameworks[past.pk]
            if step and (past_fw is None or past_fw.pk != framework.pk):
                mapped = links.get((past_fw.pk, framework.pk), {}) if past_fw else {}
                ids = {old for new in ids for old in mapped.get(new, ())}
                framework = past_fw or framework
            cells.append(AreaCell(past.year, _percent_of(past.pk, ids, nodes, values), bool(ids)))
        rows.append(AreaHistoryRow(area["code"], area["name"], list(reversed(cells))))
    return AreaHistory([c.year for c in reversed(chain)], rows)


def _leaves_under(root_id: int, nodes: dict[int, dict], parents: set[int]) -> set[int]:
    children: dict[int, list[int]] = defaultdict(list)
    for n in nodes.values():
        if n["parent_id"]:
            children[n["parent_id"]].append(n["id"])
    out, stack = set(), [root_id]
    while stack:
        node = stack.pop()
        if node in parents:
            stack.extend(children[node])
        else:
            out.add(node)
    return out


def _percent_of(cycle_id: int, ids: set[int], nodes: dict[int, dict], values: dict) -> Decimal | None:
    if not ids:
        return None
    known = [values[(cycle_id, i)] for i in ids if (cycle_id, i) in values]
    if not known:
        return None
    return scoring.percentage(sum(known, ZERO), sum((nodes[i]["max_points"] for i in ids), ZERO))


# --------------------------------------------------------------------------- tasks


def cycle_task_counts(cycle: Cycle, as_of: dt.date) -> dict[str, int]:
    return Task.objects.filter(cycle=cycle).status_counts(as_of)


@dataclass
class AgencyRow:
    agency_id: int
    name: str
    kind: str
    total: int
    done_on_time: int
    done_late: int
    overdue: int
    report_state: str = "not_started"
    report_group: str = "missing"
    is_addressee: bool = True
    ongoing: int = 0

    @property
    def done(self) -> int:
        return self.done_on_time + self.done_late

    @property
    def open(self) -> int:
        return self.total - self.done

    @property
    def completion_rate(self) -> Decimal:
        """Done out of the tasks that can be finished: an open "Thường xuyên" task has no date to finish by,
        so it is left out of the denominator (it is reported on, not completed); once done it counts."""
        finishable = self.total - self.ongoing
        return scoring.percentage(Decimal(self.done), Decimal(finishable)) if finishable else ZERO


def agency_table(cycle: Cycle, as_of: dt.date, everyone: bool = False) -> list[AgencyRow]:
    """Every addressee with its led tasks by outcome and its report state, ranked best first.

    Ranking: completion rate (descending), then overdue count (ascending), then name.
    With ``everyone``, every agency existing on ``as_of`` too (the agency list's kind
    filter: communes that neither report nor lead a task are still listed).
    """
    return _agency_table(cycle, as_of, _report_facts(cycle), everyone)


def _grouped_by_lead(cycle: Cycle, as_of: dt.date):
    """The cycle's tasks (closed ones left out) grouped by ``lead_on``, the lead agency on
    ``as_of``, and by their derived status: a task count and a claim count per group.

    The lead comes through a LEFT JOIN on the lead assignment valid that day (one lead a day:
    the periods never overlap; a task without one groups under None), not a correlated
    subquery: PostgreSQL then hashes the groups instead of sorting 100,000 subquery results
    (national scale: 256 ms → 134 ms for the same counts, docs/performance.md). Grouping by the
    status, rather than counting each status with a FILTER, compiles the status expression once
    instead of once per status (issue 18 §2: the ORM's compilation was most of the CPU).
    """
    on_that_day = Q(assignments__role=AssignmentRole.LEAD) & valid_on(as_of, "assignments__")
    grouped = (
        Task.objects.filter(cycle=cycle, closed_at__isnull=True)
        .annotate(lead_row=FilteredRelation("assignments", condition=on_that_day))
        .with_status(as_of)
        .values("status", lead_on=F("lead_row__agency_id"))
        .annotate(n=Count("id"), claimed=Count("id", filter=claimed_q(as_of)))
        .order_by()
    )
    return _plain_rows(grouped)


#: The per-agency outcome counts, by the derived status they count.
_OUTCOMES = {
    TaskStatus.DONE_ON_TIME: "on_time",
    TaskStatus.DONE_LATE: "late",
    TaskStatus.OVERDUE: "overdue",
    TaskStatus.ONGOING: "ongoing",
}


def _outcomes_by_lead(rows: list[dict]) -> dict[int | None, dict[str, int]]:
    """Per lead agency: its tasks in all and its on-time, late, overdue and ongoing ones."""
    per_agency: dict[int | None, dict[str, int]] = {}
    for r in rows:
        counts = per_agency.setdefault(r["lead_on"], {"total": 0, **dict.fromkeys(_OUTCOMES.values(), 0)})
        counts["total"] += r["n"]
        if r["status"] in _OUTCOMES:
            counts[_OUTCOMES[r["status"]]] += r["n"]
    return per_agency


def _agency_table(
    cycle: Cycle, as_of: dt.date, reports: dict[int, tuple[str, str]], everyone: bool = False
) -> list[AgencyRow]:
    # The derived status of with_status(): against the deadline in force (extensions).
    counts = _outcomes_by_lead(_grouped_by_lead(cycle, as_of))
    return _agency_rows(cycle, as_of, counts, reports, everyone)


def addressees(cycle: Cycle, as_of: dt.date):
    """The agencies ordered to report in the cycle: its reporting kinds, as they stood on ``as_of``."""
    return Agency.objects.addressees(cycle.reporting_kinds, as_of)


def _agency_rows(
    cycle: Cycle,
    as_of: dt.date,
    counts: dict[int, dict],
    reports: dict[int, tuple[str, str]],
    everyone: bool = False,
) -> list[AgencyRow]:
    """Rows for the agencies leading tasks on ``as_of`` and the addressees then, under the names they bore then."""
    wanted = set(_addressee_ids(cycle, as_of))
    shown = Q(id__in=[k for k in counts if k is not None]) | Q(id__in=wanted)
    if everyone:
        shown |= Q(id__in=Agency.objects.as_of(as_of).values("id"))
    agencies = Agency.objects.filter(shown)
    found = list(agencies.values_list("id", "name", "kind"))
    earlier = names_on([pk for pk, _name, _kind in found], as_of)
    rows = []
    none = {"total": 0, "on_time": 0, "late": 0, "overdue": 0, "ongoing": 0}
    for pk, name, kind in found:
        c = counts.get(pk, none)
        row = AgencyRow(pk, earlier.get(pk, name), kind, c["total"], c["on_time"], c["late"], c["overdue"])
        row.ongoing = c["ongoing"]
        row.report_state, row.report_group = reports.get(pk, _NO_REPORT)
        row.is_addressee = pk in wanted
        rows.append(row)
    rows.sort(key=lambda r: (-r.completion_rate, r.overdue, r.name))
    return rows


def unfinished_tasks(cycle: Cycle, as_of: dt.date, agency: Agency | None = None):
    """Open tasks with the cause the agency gave (the letter demands one), most overdue first."""
    qs = Task.objects.filter(cycle=cycle).open(as_of).with_status(as_of).with_relations()
    if agency is not None:
        qs = qs.led_by(agency, as_of)
    return qs.with_lead_on(as_of).order_by(by_deadline(), "lead_name_on", "id")


_local_midnight_after = recorded.local_midnight_after


def status_over_time(cycle: Cycle, as_of: dt.date, weeks: int = 8) -> list[dict]:
    """Done / overdue / open counts at weekly points up to as_of, in one aggregate query.

    Each task is put in three small buckets: the first weekly point at which it
    existed, was done, and was past its deadline. The query groups by those
    (at most (weeks + 1)³ groups, whatever the number of tasks) and the points
    are counted here. Three CASEs per row cost less than the 3 × weeks filtered
    counts they replace (2.3× faster on 100,000 tasks on PostgreSQL).

    A task counts from the day it was created. Rows created after as_of were
    entered after the fact (an archived cycle, an import, the demo): their
    creation date says nothing about when the task existed, so they count at
    every point. (The earlier rule, "deadline in the report year", let a task
    created in October appear in September's column of a running cycle.)
    Creation is compared with the local midnight after each day, not through
    created_at__date, whose cast runs per row (a Python function on SQLite).
    """
    days = [as_of - dt.timedelta(weeks=w) for w in range(weeks - 1, -1, -1)]
    backfilled = When(created_at__gte=_local_midnight_after(as_of), then=Value(0))
    grouped = (
        Task.objects.filter(cycle=cycle, closed_at__isnull=True)
        .annotate(
            existed_from=_first_point("created_at__lt", [_local_midnight_after(d) for d in days], backfilled),
            done_from=_first_point("completed_on__lte", days),
            overdue_from=_first_point("deadline__lt", days),
        )
        .values("existed_from", "done_from", "overdue_from")
        .annotate(n=Count("id"))
    )
    series = [{"date": day, "done": 0, "overdue": 0, "open": 0} for day in days]
    for row in _plain_rows(grouped):
        for i in range(row["existed_from"], weeks):
            key = "done" if row["done_from"] <= i else "overdue" if row["overdue_from"] <= i else "open"
            series[i][key] += row["n"]
    return series


def _first_point(lookup: str, bounds: list, *first: When) -> Case:
    """The index of the first bound the row meets (``weeks`` when none): a small integer to group by."""
    whens = [*first, *(When(**{lookup: bound}, then=Value(i)) for i, bound in enumerate(bounds))]
    return Case(*whens, default=Value(len(bounds)), output_field=IntegerField())


# --------------------------------------------------------------------------- reports


_NO_REPORT = (ReportState.NOT_STARTED, ReportGroup.MISSING)


def _report_facts(cycle: Cycle) -> dict[int, tuple[str, str]]:
    """(state, group) per agency id that has a report, in one query."""
    reports = AgencyReport.objects.filter(cycle=cycle).only("agency_id", "status", "submitted_at")
    deadline = cycle.report_deadline
    return {r.agency_id: (report_state(r, deadline), report_group(r, deadline)) for r in reports}


def report_states(cycle: Cycle, as_of: dt.date) -> dict[int, str]:
    """Report state per agency id (agencies without a report are absent: not started)."""
    del as_of  # states are what the records say; kept for a uniform signature
    return {agency_id: state for agency_id, (state, _group) in _report_facts(cycle).items()}


def report_groups(cycle: Cycle, as_of: dt.date) -> dict[int, str]:
    """Report group per addressee id, every addressee present (two queries)."""
    facts = _report_facts(cycle)
    return {a: facts.get(a, _NO_REPORT)[1] for a in _addressee_ids(cycle, as_of)}


def report_state_counts(cycle: Cycle, as_of: dt.date) -> dict[str, int]:
    """Addressees per report state, every state present: the inbox's filter chips."""
    return _state_counts(_report_facts(cycle), _addressee_ids(cycle, as_of))


def _addressee_ids(cycle: Cycle, as_of: dt.date) -> list[int]:
    """The addressees as they stood on ``as_of``: a later deactivation or merger never changes them."""
    return list(addressees(cycle, as_of).values_list("id", flat=True))


def _state_counts(facts: dict[int, tuple[str, str]], addressees: list[int]) -> dict[str, int]:
    counts = dict.fromkeys(ReportState.LABELS, 0)
    for agency_id in addressees:
        counts[facts.get(agency_id, _NO_REPORT)[0]] += 1
    return counts


@dataclass
class ReportCounts:
    addressees: int
    submitted: int
    late: int
    missing: int
    accepted: int
    returned: int


def report_counts(cycle: Cycle, as_of: dt.date) -> ReportCounts:
    """Submitted on time, submitted late, accepted and missing: the states' own counts (report_group).

    A returned report counts as missing until it is submitted again. Groups and
    states come from the same rows (report_group), so the dashboard's links to
    the agency list always find as many agencies as the figure says.
    """
    return _report_counts(_report_facts(cycle), _addressee_ids(cycle, as_of))


def _report_counts(facts: dict[int, tuple[str, str]], addressees: list[int]) -> ReportCounts:
    states = [facts.get(a, _NO_REPORT)[0] for a in addressees]
    groups = [facts.get(a, _NO_REPORT)[1] for a in addressees]
    return ReportCounts(
        addressees=len(addressees),
        submitted=groups.count(ReportGroup.SUBMITTED),
        late=groups.count(ReportGroup.LATE),
        missing=groups.count(ReportGroup.MISSING),
        accepted=states.count(ReportState.ACCEPTED),
        returned=states.count(ReportState.RETURNED),
    )


# --------------------------------------------------------------------------- headline


@dataclass
class Headline:
    as_of: dt.date
    tasks: dict[str, int]
    reports: ReportCounts
    totals: Totals | None
    projection: Projection | None
    projection_all: Projection | None
    days_to_report_deadline: int
    days_to_compilation_deadline: int | None
    below_max: int


def headline(cycle: Cycle, as_of: dt.date) -> Headline:
    """The dashboard's headline figures (and the PDF's summary)."""
    return headline_of_tree(cycle, as_of, score_tree(cycle, FrameworkKind.PAR, as_of))


def headline_of_tree(
    cycle: Cycle,
    as_of: dt.date,
    tree: list[ScoreRow],
    reports: ReportCounts | None = None,
    tasks: dict[str, int] | None = None,
) -> Headline:
    """headline() for a PAR tree (and report and task counts) already computed, so a page builds each once."""
    compilation = cycle.compilation_deadline
    return Headline(
        as_of=as_of,
        tasks=tasks if tasks is not None else cycle_task_counts(cycle, as_of),
        reports=reports or report_counts(cycle, as_of),
        totals=totals(tree) if tree else None,
        projection=projected(tree) if tree else None,
        projection_all=projected(tree, ProjectionRule.ALL_TASKS) if tree else None,
        days_to_report_deadline=(cycle.report_deadline - as_of).days,
        days_to_compilation_deadline=(compilation - as_of).days if compilation else None,
        below_max=len(below_max(tree)),
    )


def sipas(cycle: Cycle) -> list[ScoreRow]:
    """SIPAS components with their scores (percentages)."""
    return leaves(score_tree(cycle, FrameworkKind.SIPAS))


def sipas_overall(cycle: Cycle, as_of: dt.date) -> dict | None:
    """The SIPAS index as a whole: the announced result and rank once its decision is dated by
    ``as_of``; before that the mean of the components, labelled provisional (none: None).
    The consolidated report and the tracking workbook both print this one figure."""
    result = announced(cycle, as_of, FrameworkKind.SIPAS)
    if result is not None:
        return {"percent": result.percent, "result": result, "provisional": False}
    values = [r.effective for r in sipas(cycle) if r.effective is not None]
    if not values:
        return None
    mean = sum(values, ZERO) / len(values)
    return {"percent": mean, "result": None, "provisional": True}


# --------------------------------------------------------------------------- dashboard


@dataclass
class DashboardData:
    """Everything the SNV dashboard shows, computed here so the page only renders it."""

    cycle: Cycle
    as_of: dt.date
    headline: Headline
    report_states: dict[str, int]
    no_task: int
    agencies: list[AgencyRow]
    areas: list[AreaRow]
    over_time: list[dict]
    backlog: list = field(default_factory=list)  # issue 14: open tasks carried from earlier cycles
    won_back: WonBack | None = None  # issue 14: the previous cycle's tasks in this cycle's results
    area_history: AreaHistory | None = None  # each area's percentage over the cycles (crosswalk)

    @property
    def ranked(self) -> list[AgencyRow]:
        """Agencies that lead at least one task, best first (agency_table's order)."""
        return [r for r in self.agencies if r.total]

    @property
    def idle_addressees(self) -> int:
        """Addressees leading no task at all: not ranked, but worth knowing."""
        return sum(1 for r in self.agencies if not r.total and r.is_addressee)


def dashboard(cycle: Cycle, as_of: dt.date, weeks: int = 8) -> DashboardData:
    """The dashboard's figures in a fixed number of queries (about a dozen), whatever the data size.

    The same figures as headline(), agency_table() and status_over_time(), but
    the task counts of headline() and agency_table() come from one scan of the
    cycle's tasks (_task_scan): at national scale (100,000 tasks) each scan is
    a large part of the page's time. The tests hold the results equal to those
    of the single functions.
    """
    tree = score_tree(cycle, FrameworkKind.PAR, as_of)
    facts, addressee_ids = _report_facts(cycle), _addressee_ids(cycle, as_of)
    per_agency, tasks = _task_scan(cycle, as_of)
    headline = headline_of_tree(cycle, as_of, tree, _report_counts(facts, addressee_ids), tasks)
    return DashboardData(
        cycle=cycle,
        as_of=as_of,
        headline=headline,
        report_states=_state_counts(facts, addressee_ids),
        no_task=len(below_max(tree, no_task=True)),
        agencies=_agency_rows(cycle, as_of, per_agency, facts),
        areas=area_table(tree),
        over_time=status_over_time(cycle, as_of, weeks),
        backlog=backlog(cycle, as_of),
        won_back=remediation_effect(cycle, as_of),
        area_history=area_history(cycle, as_of),
    )


def _plain_rows(queryset) -> list[dict]:
    """A values() queryset's rows without Django's per-value converters.

    The counts come back as integers from both databases anyway; converting
    34 columns × 2,000 agencies one value at a time cost tens of milliseconds.
    """
    sql, params = queryset.query.sql_with_params()
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(sql, params)
        names = [c[0] for c in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _task_scan(cycle: Cycle, as_of: dt.date) -> tuple[dict[int, dict], dict[str, int]]:
    """One GROUP BY lead agency and status over the cycle's tasks (closed ones left out): per-agency
    outcome counts and the cycle's counts per status (task_counts' shape), summed over the groups."""
    rows = _grouped_by_lead(cycle, as_of)
    by_status = dict.fromkeys((s.value for s in TaskStatus), 0)
    for r in rows:
        by_status[r["status"]] += r["n"]
    tasks = summarize_statuses(by_status, sum(r["claimed"] for r in rows))
    return _outcomes_by_lead(rows), tasks


# --------------------------------------------------------------------------- tracking table (Excel export)


@dataclass
class TrackingRow:
    """One line of the task tracking table, as plain values."""

    id: int
    title: str
    description: str
    codes: list[str]
    lead_agency: str
    coordinating: list[str]
    deadline: dt.date | None  # None: "Thường xuyên" (ongoing)
    source_document: str
    status: str
    progress: int
    completed_on: dt.date | None
    cause: str
    days_overdue: int | None
    # Issue 14: the first deadline where it moved, whether a completion was verified by as_of.
    original_deadline: dt.date | None = None
    verification: str = ""  # VERIFIED, CLAIMED or "" (not done as of the date)
    backlog_since: int | None = None
    times_extended: int = 0
    shortcoming: str = ""
    number: int | None = None  # the task's stable number in its cycle (the web page, the PDF and Excel show it)


VERIFIED, CLAIMED = "verified", "claimed"
TRACKING_FIELDS = (
    "id",
    "title",
    "description",
    "lead_name_on",
    "deadline",
    "source_document",
    "status",
    "progress",
    "completed_on",
    "cause",
    "original_deadline",
    "verified_on",
    "since",
    "extended",
    "number",
    "shortcoming",
)


def times_extended():
    """Approved extensions of the task, as a subquery (no join, so the streamed rows are not multiplied)."""
    approved = (
        DeadlineExtension.objects.filter(task=OuterRef("pk"), state=ExtensionState.APPROVED)
        .order_by()
        .values("task")
        .annotate(n=Count("id"))
        .values("n")
    )
    return Coalesce(Subquery(approved), 0)


def backlog_year():
    """The cycle year of a task's earliest predecessor (three carries deep), in SQL."""
    return Coalesce(
        "carried_from__carried_from__carried_from__cycle__year",
        "carried_from__carried_from__cycle__year",
        "carried_from__cycle__year",
    )


def backlog(cycle: Cycle, as_of: dt.date) -> list[Task]:
    """Open tasks carried from an earlier cycle, oldest backlog first, SNV's priorities first within a year."""
    return list(
        Task.objects.filter(cycle=cycle, carried_from__isnull=False)
        .open(as_of)
        .with_status(as_of)
        .annotate(since=backlog_year())
        .select_related("lead_agency")
        .order_by("since", "-is_priority", by_deadline(), "id")
    )


def tracking_table(cycle: Cycle, as_of: dt.date, agency: Agency | None = None):
    """Every task not closed, with its status as of a date, by deadline then lead agency: the tracking table.

    Closed tasks are left out, as in every count of this module. An agency sees
    only the tasks it leads or coordinates. Three queries whatever the size, as
    plain values rather than model instances: the sub-criteria codes and the
    coordinating agencies of all the tasks first (a few distinct strings,
    shared), then the rows through a server-side cursor, so 100,000 tasks
    stream in a few seconds. A completion after as_of is not shown: on that
    date the task was still open.
    """
    qs = Task.objects.filter(cycle=cycle).not_closed()
    if agency is not None:
        qs = qs.for_agency(agency, as_of)
    codes, partners = _tracking_links(qs, as_of)
    earlier = _earlier_names(as_of)
    rows = (
        qs.with_lead_on(as_of)
        .order_by(by_deadline(), vietnamese_order("lead_name_on"), "id")
        .with_status(as_of)
        .annotate(since=backlog_year(), extended=times_extended())
    )
    for *row, lead_id in rows.values_list(*TRACKING_FIELDS, "lead_on").iterator(chunk_size=5000):
        if lead_id in earlier:
            row[3] = earlier[lead_id]
        yield _tracking_row(tuple(row), codes.get(row[0], []), partners.get(row[0], []), as_of)


def earlier_labels(as_of: dt.date) -> dict[int, str]:
    """Short names (else names) valid on ``as_of`` of the agencies renamed since: documents print those."""
    return labels_on(Agency.objects.filter(names__valid_to__gte=as_of).values_list("id", flat=True), as_of)


def _earlier_names(as_of: dt.date) -> dict[int, str]:
    """Names valid on ``as_of`` of the agencies renamed since (a short list: renames are rare)."""
    return names_on(Agency.objects.filter(names__valid_to__gte=as_of).values_list("id", flat=True), as_of)


def earlier_names(as_of: dt.date) -> dict[int, str]:
    """Full names valid on ``as_of`` of the agencies renamed since: documents print full names."""
    return _earlier_names(as_of)


def _tracking_links(tasks, as_of: dt.date) -> tuple[dict[int, list[str]], dict[int, list[str]]]:
    """Codes and coordinating agencies' names per task id; each distinct string is stored once."""
    shared: dict[str, str] = {}
    codes: dict[int, list[str]] = defaultdict(list)
    partners: dict[int, list[str]] = defaultdict(list)
    subs = Task.sub_criteria.through.objects.filter(task__in=tasks).values_list("task_id", "criterion__code")
    for task_id, code in subs.iterator(chunk_size=20000):
        codes[task_id].append(shared.setdefault(code, code))
    earlier = _earlier_names(as_of)
    agencies = TaskAssignment.objects.filter(valid_on(as_of), task__in=tasks, role=AssignmentRole.COORDINATOR)
    for task_id, agency_id, name in agencies.values_list("task_id", "agency_id", "agency__name").iterator(
        chunk_size=20000
    ):
        name = earlier.get(agency_id, name)
        partners[task_id].append(shared.setdefault(name, name))
    return codes, partners


def _tracking_row(row: tuple, codes: list[str], partners: list[str], as_of: dt.date) -> TrackingRow:
    task_id, title, description, lead, deadline, source, status, progress, completed_on, cause, *extra = row
    original, verified_on, since, extended, number, shortcoming = extra
    done = completed_on is not None and completed_on <= as_of
    verification = (VERIFIED if verified_on and verified_on <= as_of else CLAIMED) if done else ""
    return TrackingRow(
        id=task_id,
        title=title,
        description=description,
        codes=sorted(codes, key=lambda c: tuple(int(p) if p.isascii() and p.isdecimal() else 0 for p in c.split("."))),
        lead_agency=lead,
        coordinating=sorted(partners),
        deadline=deadline,
        source_document=source,
        status=status,
        progress=progress,
        completed_on=completed_on if completed_on and completed_on <= as_of else None,
        cause=cause,
        days_overdue=(as_of - deadline).days if status == TaskStatus.OVERDUE else None,
        original_deadline=original if original and original != deadline else None,
        verification=verification,
        backlog_since=since,
        times_extended=extended,
        number=number,
        shortcoming=shortcoming,
    )


# --------------------------------------------------------------------------- predecessor baselines


@dataclass
class BaselineColumn:
    """One predecessor province's announced result of the year before, area by area."""

    province: str
    year: int
    framework: str
    percent: Decimal | None
    rank: str
    areas: dict[str, tuple[Decimal, Decimal | None]]  # area code -> (max points, announced points)


@dataclass
class BaselineTable:
    """The columns (one per predecessor) and, per area code, each column's (max, announced) or None."""

    columns: list[BaselineColumn]
    rows: list[tuple[str, list[tuple[Decimal, Decimal | None] | None]]]

    def __bool__(self) -> bool:
        return bool(self.columns)


def predecessor_baselines(cycle: Cycle) -> BaselineTable:
    """The baselines of the year before the cycle, for the province the cycle belongs to: one column each.

    Side by side only: the predecessors were scored under their own trees, so
    no combined figure is computed (two queries).
    """
    province = cycle.province
    if province is None:
        return BaselineTable([], [])
    baselines = list(PredecessorBaseline.objects.filter(successor=province, year=cycle.year - 1))
    areas: dict[int, dict[str, tuple[Decimal, Decimal | None]]] = defaultdict(dict)
    leaves: dict[tuple[int, str], list[Decimal]] = defaultdict(list)
    rows = BaselineScore.objects.filter(baseline__in=baselines).order_by("baseline_id", "order")
    for baseline_id, code, max_points, announced in rows.values_list("baseline_id", "code", "max_points", "announced"):
        if "." not in code:
            areas[baseline_id][code] = (max_points, announced)
        elif code.count(".") == 2 and announced is not None:
            leaves[(baseline_id, code.split(".")[0])].append(announced)
    for baseline_id, by_code in areas.items():  # an area row left blank: the sum of its own leaves
        for code, (max_points, announced) in by_code.items():
            if announced is None and leaves.get((baseline_id, code)):
                by_code[code] = (max_points, sum(leaves[(baseline_id, code)], ZERO))
    columns = [
        BaselineColumn(b.province_name, b.year, b.framework_name, b.announced_percent, b.rank, areas[b.pk])
        for b in baselines
    ]
    codes = sorted(
        {code for c in columns for code in c.areas}, key=lambda c: int(c) if c.isascii() and c.isdecimal() else 0
    )
    return BaselineTable(columns, [(code, [c.areas.get(code) for c in columns]) for code in codes])


# --------------------------------------------------------------------------- did the remedy work?


def points_won_back(held: Cycle, as_of: dt.date) -> WonBack:
    """The points the tasks of ``held`` won back in the next cycle's latest closed round, per task,
    per area and in total, through the crosswalk; "no closed round yet" is a state, not a number.

    The rule is remediation.effect.won_back (the task page reads it there too: the app below
    cannot import this one); the dashboard, the PDF and Excel take it from here.
    """
    return won_back(held, as_of)


def remediation_effect(cycle: Cycle, as_of: dt.date) -> WonBack | None:
    """What this cycle's results say of the previous cycle's remediation (None: no previous cycle)."""
    previous = Cycle.objects.filter(pk=cycle.previous_id).prefetch_related("frameworks").first()
    return points_won_back(previous, as_of) if previous is not None else None
