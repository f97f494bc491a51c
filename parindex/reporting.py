"""The one module that computes the figures.

The dashboard, the consolidated PDF and the Excel export all call these plain
functions with a cycle and an as-of date, so they cannot drift apart. Every
function runs a fixed number of aggregate queries, whatever the data size.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agencies.models import Agency
from remediation.models import AgencyReport, ReportStatus, Task
from remediation.status import TaskStatus

from . import scoring
from .models import Criterion, Cycle, FrameworkKind, Method, Score

ZERO = Decimal(0)


# --------------------------------------------------------------------------- scores


@dataclass
class ScoreRow:
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
    focal_agency: str = ""
    focal_agency_id: int | None = None
    tasks_total: int = 0
    tasks_open: int = 0
    is_leaf: bool = True
    children: list[ScoreRow] = field(default_factory=list)

    @property
    def effective(self) -> Decimal | None:
        return scoring.effective_score(self.self_score, self.appraised_score)

    @property
    def gap(self) -> Decimal:
        return scoring.gap(self.max_points, self.effective)

    @property
    def below_max(self) -> bool:
        return self.gap > 0

    @property
    def change(self) -> Decimal | None:
        if self.effective is None or self.previous_score is None:
            return None
        return self.effective - self.previous_score

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
    """The framework's tree for the cycle, roots first, with sums on inner nodes (3 queries)."""
    as_of = as_of or cycle.as_of()
    framework = cycle.framework_of(kind)
    if framework is None:
        return []
    nodes = list(Criterion.objects.filter(framework=framework).select_related("focal_agency").order_by("order", "code"))
    scores = {s.criterion_id: s for s in Score.objects.filter(cycle=cycle, criterion__framework=framework)}
    counts = _task_counts_by_criterion(cycle, as_of)
    rows = {n.id: _row(n, scores.get(n.id), counts.get(n.id, (0, 0))) for n in nodes}
    roots = []
    for node in nodes:
        row = rows[node.id]
        if node.parent_id:
            parent = rows[node.parent_id]
            parent.children.append(row)
            parent.is_leaf = False
            row.focal_agency = row.focal_agency or parent.focal_agency
            row.focal_agency_id = row.focal_agency_id or parent.focal_agency_id
        else:
            roots.append(row)
    for root in roots:
        _sum_children(root)
    return roots


def _row(node: Criterion, score: Score | None, counts: tuple[int, int]) -> ScoreRow:
    return ScoreRow(
        id=node.id,
        code=node.code,
        name=node.name,
        level=node.level,
        method=node.method,
        parent_id=node.parent_id,
        area_code=node.area_code,
        max_points=node.max_points,
        self_score=score.self_score if score else None,
        appraised_score=score.appraised_score if score else None,
        previous_score=score.previous_score if score else None,
        focal_agency=str(node.focal_agency) if node.focal_agency else "",
        focal_agency_id=node.focal_agency_id,
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
    row.appraised_score = sum((c.effective or ZERO for c in row.children), ZERO)
    prev = [c.previous_score for c in row.children if c.previous_score is not None]
    row.previous_score = sum(prev, ZERO) if prev else None
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
    max_points: Decimal
    points: Decimal
    self_points: Decimal
    previous_points: Decimal | None
    self_assessed_points: Decimal
    self_assessed_max: Decimal
    survey_points: Decimal
    survey_max: Decimal

    @property
    def percent(self) -> Decimal:
        return scoring.percentage(self.points, self.max_points)

    @property
    def group(self) -> str:
        return scoring.ranking_group(self.percent)

    @property
    def previous_percent(self) -> Decimal | None:
        if self.previous_points is None:
            return None
        return scoring.percentage(self.previous_points, self.max_points)

    @property
    def previous_group(self) -> str | None:
        pct = self.previous_percent
        return scoring.ranking_group(pct) if pct is not None else None

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
        self_points=sum((r.self_score or ZERO for r in rows), ZERO),
        previous_points=sum(prev, ZERO) if prev else None,
        self_assessed_points=sum((r.effective or ZERO for r in own), ZERO),
        self_assessed_max=sum((r.max_points for r in own), ZERO),
        survey_points=sum((r.effective or ZERO for r in survey), ZERO),
        survey_max=sum((r.max_points for r in survey), ZERO),
    )


@dataclass
class Projection:
    points: Decimal
    max_points: Decimal
    gained: Decimal
    sub_criteria: int

    @property
    def percent(self) -> Decimal:
        return scoring.percentage(self.points, self.max_points)

    @property
    def group(self) -> str:
        return scoring.ranking_group(self.percent)


def projected(tree: list[ScoreRow]) -> Projection:
    """The score if every sub-criterion below max whose tasks are all done reached its max."""
    rows = leaves(tree)
    lifted = [r for r in rows if r.below_max and r.all_tasks_done]
    gained = sum((r.gap for r in lifted), ZERO)
    base = totals(tree)
    return Projection(base.points + gained, base.max_points, gained, len(lifted))


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
        items.sort(key=lambda t: (t.deadline, t.id))
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


# --------------------------------------------------------------------------- tasks


def task_counts(tasks, as_of: dt.date) -> dict[str, int]:
    """Counts per derived status plus the total, in one aggregate query."""
    annotated = tasks.not_closed().with_status(as_of)
    agg = annotated.aggregate(total=Count("id"), **{s.value: Count("id", filter=Q(status=s.value)) for s in TaskStatus})
    agg["done"] = agg[TaskStatus.DONE_ON_TIME] + agg[TaskStatus.DONE_LATE]
    agg["open"] = agg["total"] - agg["done"]
    return agg


def cycle_task_counts(cycle: Cycle, as_of: dt.date) -> dict[str, int]:
    return task_counts(Task.objects.filter(cycle=cycle), as_of)


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

    @property
    def done(self) -> int:
        return self.done_on_time + self.done_late

    @property
    def open(self) -> int:
        return self.total - self.done

    @property
    def completion_rate(self) -> Decimal:
        return scoring.percentage(Decimal(self.done), Decimal(self.total)) if self.total else ZERO


def agency_table(cycle: Cycle, as_of: dt.date) -> list[AgencyRow]:
    """Every addressee with its led tasks by outcome and its report state, ranked best first.

    Ranking: completion rate (descending), then overdue count (ascending), then name.
    """
    done = Q(completed_on__isnull=False, completed_on__lte=as_of)
    open_ = Q(completed_on__isnull=True) | Q(completed_on__gt=as_of)
    counts = {
        r["lead_agency_id"]: r
        for r in Task.objects.filter(cycle=cycle, closed_at__isnull=True)
        .values("lead_agency_id")
        .annotate(
            total=Count("id"),
            on_time=Count("id", filter=done & Q(completed_on__lte=F("deadline"))),
            late=Count("id", filter=done & Q(completed_on__gt=F("deadline"))),
            overdue=Count("id", filter=open_ & Q(deadline__lt=as_of)),
        )
    }
    states = report_states(cycle, as_of)
    agencies = Agency.objects.filter(Q(id__in=counts.keys()) | Q(id__in=Agency.objects.addressees().values("id")))
    rows = []
    for agency in agencies.only("id", "name", "short_name", "kind"):
        c = counts.get(agency.id, {"total": 0, "on_time": 0, "late": 0, "overdue": 0})
        rows.append(AgencyRow(agency.id, agency.name, agency.kind, c["total"], c["on_time"], c["late"], c["overdue"]))
        rows[-1].report_state = states.get(agency.id, ReportState.NOT_STARTED)
    rows.sort(key=lambda r: (-r.completion_rate, r.overdue, r.name))
    return rows


def unfinished_tasks(cycle: Cycle, as_of: dt.date, agency: Agency | None = None):
    """Open tasks with the cause the agency gave (the letter demands one), most overdue first."""
    qs = Task.objects.filter(cycle=cycle).open(as_of).with_status(as_of).with_relations()
    if agency is not None:
        qs = qs.filter(lead_agency=agency)
    return qs.order_by("deadline", "lead_agency__name", "id")


def status_over_time(cycle: Cycle, as_of: dt.date, weeks: int = 8) -> list[dict]:
    """Done / overdue / open counts at weekly points up to as_of, in one aggregate query."""
    days = [as_of - dt.timedelta(weeks=w) for w in range(weeks - 1, -1, -1)]
    aggs = {}
    for i, day in enumerate(days):
        done = Q(completed_on__isnull=False, completed_on__lte=day)
        existed = Q(created_at__date__lte=day) | Q(deadline__gte=cycle.report_deadline.replace(month=1, day=1))
        aggs[f"done{i}"] = Count("id", filter=existed & done)
        aggs[f"overdue{i}"] = Count("id", filter=existed & ~done & Q(deadline__lt=day))
        aggs[f"open{i}"] = Count("id", filter=existed & ~done & Q(deadline__gte=day))
    agg = Task.objects.filter(cycle=cycle, closed_at__isnull=True).aggregate(**aggs)
    return [
        {"date": day, "done": agg[f"done{i}"], "overdue": agg[f"overdue{i}"], "open": agg[f"open{i}"]}
        for i, day in enumerate(days)
    ]


# --------------------------------------------------------------------------- reports


class ReportState:
    """What SNV's inbox shows for an agency's report, derived as of a date."""

    NOT_STARTED = "not_started"
    DRAFT = "draft"
    SUBMITTED_ON_TIME = "submitted_on_time"
    SUBMITTED_LATE = "submitted_late"
    RETURNED = "returned"
    ACCEPTED = "accepted"

    LABELS = {
        NOT_STARTED: _("Not started"),
        DRAFT: _("Draft"),
        SUBMITTED_ON_TIME: _("Submitted on time"),
        SUBMITTED_LATE: _("Submitted late"),
        RETURNED: _("Returned"),
        ACCEPTED: _("Accepted"),
    }
    BADGES = {
        NOT_STARTED: "text-bg-light border",
        DRAFT: "text-bg-secondary",
        SUBMITTED_ON_TIME: "text-bg-success",
        SUBMITTED_LATE: "text-bg-warning",
        RETURNED: "text-bg-danger",
        ACCEPTED: "text-bg-primary",
    }


def report_state(report: AgencyReport | None, deadline: dt.date) -> str:
    if report is None:
        return ReportState.NOT_STARTED
    if report.status == ReportStatus.SUBMITTED:
        late = report.submitted_at and timezone.localdate(report.submitted_at) > deadline
        return ReportState.SUBMITTED_LATE if late else ReportState.SUBMITTED_ON_TIME
    return {
        ReportStatus.DRAFT: ReportState.DRAFT,
        ReportStatus.RETURNED: ReportState.RETURNED,
        ReportStatus.ACCEPTED: ReportState.ACCEPTED,
    }[report.status]


def report_states(cycle: Cycle, as_of: dt.date) -> dict[int, str]:
    """Report state per agency id (agencies without a report are absent: not started)."""
    del as_of  # states are what the records say; kept for a uniform signature
    reports = AgencyReport.objects.filter(cycle=cycle).only("agency_id", "status", "submitted_at")
    return {r.agency_id: report_state(r, cycle.report_deadline) for r in reports}


@dataclass
class ReportCounts:
    addressees: int
    submitted: int
    late: int
    missing: int
    accepted: int
    returned: int


def report_counts(cycle: Cycle, as_of: dt.date) -> ReportCounts:
    """Submitted (on time, incl. accepted), late (submitted after the deadline) and missing.

    A returned report counts as missing until it is submitted again.
    """
    addressees = set(Agency.objects.addressees().values_list("id", flat=True))
    states = report_states(cycle, as_of)
    relevant = [states.get(a, ReportState.NOT_STARTED) for a in addressees]
    reports = AgencyReport.objects.filter(cycle=cycle, agency_id__in=addressees, status=ReportStatus.ACCEPTED)
    late_accepted = reports.filter(submitted_at__date__gt=cycle.report_deadline).count()
    late = relevant.count(ReportState.SUBMITTED_LATE) + late_accepted
    accepted = relevant.count(ReportState.ACCEPTED)
    submitted = relevant.count(ReportState.SUBMITTED_ON_TIME) + accepted - late_accepted
    return ReportCounts(
        addressees=len(addressees),
        submitted=submitted,
        late=late,
        missing=len(addressees) - submitted - late,
        accepted=accepted,
        returned=relevant.count(ReportState.RETURNED),
    )


# --------------------------------------------------------------------------- headline


@dataclass
class Headline:
    as_of: dt.date
    tasks: dict[str, int]
    reports: ReportCounts
    totals: Totals | None
    projection: Projection | None
    days_to_report_deadline: int
    days_to_compilation_deadline: int | None
    below_max: int


def headline(cycle: Cycle, as_of: dt.date) -> Headline:
    """The dashboard's headline figures (and the PDF's summary)."""
    tree = score_tree(cycle, FrameworkKind.PAR, as_of)
    compilation = cycle.compilation_deadline
    return Headline(
        as_of=as_of,
        tasks=cycle_task_counts(cycle, as_of),
        reports=report_counts(cycle, as_of),
        totals=totals(tree) if tree else None,
        projection=projected(tree) if tree else None,
        days_to_report_deadline=(cycle.report_deadline - as_of).days,
        days_to_compilation_deadline=(compilation - as_of).days if compilation else None,
        below_max=len(below_max(tree)),
    )


def sipas(cycle: Cycle) -> list[ScoreRow]:
    """SIPAS components with their scores (percentages)."""
    return leaves(score_tree(cycle, FrameworkKind.SIPAS))
