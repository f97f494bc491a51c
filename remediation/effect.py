"""Did the remedy work? The points won back by a cycle's tasks in the next cycle's results (issue 14, §5).

One computation for the task page, the dashboard and the consolidated report (which read it
through ``compilation.figures.points_won_back``). The rule (settled in the issue): each
sub-criterion a task is linked to is compared between the cycle that held the task and the
next cycle's **latest closed round**, through the crosswalk where the tree changed. With no
closed round in the next cycle yet, nothing is compared and the figure says so.

- "Closed" is a round's closing date (else its deadline) on or before the as-of date; the
  rounds that carry scores count: the self-assessment (the province's figures), appraisal
  round 1, appraisal round 2 and the announcement (the final figures). A next cycle without
  rounds (an archive, an import) counts as closed once its announced result is dated.
- The value in the cycle that held the task is its figure as recorded on the as-of date.
- Through a crosswalk, an old sub-criterion's "after" is the figure of the new ones it maps
  to, in proportion: each new one is shared among the old ones that feed it by their maxima,
  then the result is scaled back to the old maximum. The change is thus in the points of the
  cycle that held the task, and with an unchanged tree it is the plain difference.
- A sub-criterion dropped by the crosswalk, or without a figure on either side, is "not
  comparable" and adds nothing.
- Per area and in total every linked sub-criterion counts once, however many tasks link it:
  "meant to win back" is its points lost (max − figure) in the cycle that held the task,
  "won back" the sum of its changes.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q, prefetch_related_objects
from django.utils.translation import gettext_lazy as _

from parindex import scoring
from parindex.models import Criterion, CrosswalkMapping, Cycle, Level, Result, RoundKind
from parindex.recorded import rounds_of, score_values

from .models import Task

ZERO = Decimal(0)
CENT = Decimal("0.01")

# The rounds whose closing makes the next cycle's figures comparable, latest first.
SCORED_ROUNDS = (RoundKind.ANNOUNCEMENT, RoundKind.APPRAISAL_2, RoundKind.APPRAISAL_1, RoundKind.SELF_ASSESSMENT)


class Outcome:
    REGAINED = "regained"
    UNCHANGED = "unchanged"
    LOST = "lost"
    NOT_COMPARABLE = "not_comparable"


OUTCOME_LABELS = {
    Outcome.REGAINED: _("Points regained"),
    Outcome.UNCHANGED: _("Unchanged"),
    Outcome.LOST: _("Points lost again"),
    Outcome.NOT_COMPARABLE: _("Not comparable"),
}


@dataclass
class SubEffect:
    """One linked sub-criterion of the cycle that held the task, before and after."""

    id: int
    code: str
    name: str
    area_code: str
    max_points: Decimal
    before: Decimal | None
    after: Decimal | None  # in the points of the cycle that held the task
    new_codes: list[str] = field(default_factory=list)

    @property
    def mapped_to(self) -> str:
        """The next tree's codes where the crosswalk changed them ("" where the code stayed)."""
        return "" if self.new_codes in ([], [self.code]) else ", ".join(self.new_codes)

    @property
    def comparable(self) -> bool:
        return self.before is not None and self.after is not None

    @property
    def change(self) -> Decimal | None:
        return (self.after - self.before) if self.comparable else None

    @property
    def meant(self) -> Decimal:
        return scoring.gap(self.max_points, self.before)

    @property
    def outcome(self) -> str:
        change = self.change
        if change is None:
            return Outcome.NOT_COMPARABLE
        return Outcome.REGAINED if change > 0 else Outcome.LOST if change < 0 else Outcome.UNCHANGED

    @property
    def outcome_label(self) -> str:
        return str(OUTCOME_LABELS[self.outcome])


def _sum_won(subs: list[SubEffect]) -> Decimal | None:
    changes = [s.change for s in subs if s.comparable]
    return sum(changes, ZERO) if changes else None


@dataclass
class TaskEffect:
    task_id: int
    subs: list[SubEffect]

    @property
    def meant(self) -> Decimal:
        return sum((s.meant for s in self.subs), ZERO)

    @property
    def won(self) -> Decimal | None:
        return _sum_won(self.subs)


@dataclass
class AreaEffect:
    code: str
    name: str
    subs: list[SubEffect]

    @property
    def meant(self) -> Decimal:
        return sum((s.meant for s in self.subs), ZERO)

    @property
    def won(self) -> Decimal | None:
        return _sum_won(self.subs)


@dataclass
class WonBack:
    """The points won back by the tasks of ``held`` in the latest closed round of ``next_cycle``."""

    held: Cycle
    as_of: dt.date
    next_cycle: Cycle | None = None
    round_kind: str | None = None  # None: no closed round yet (or no next cycle)
    round_label: str = ""
    tasks: dict[int, TaskEffect] = field(default_factory=dict)
    areas: list[AreaEffect] = field(default_factory=list)

    @property
    def closed(self) -> bool:
        return self.round_kind is not None

    @property
    def subs(self) -> list[SubEffect]:
        return [s for a in self.areas for s in a.subs]

    @property
    def meant(self) -> Decimal:
        return sum((a.meant for a in self.areas), ZERO)

    @property
    def won(self) -> Decimal | None:
        return _sum_won(self.subs) if self.closed else None

    @property
    def state(self) -> str:
        """What to say where there is no number: "no next cycle", "no closed round yet"."""
        if self.next_cycle is None:
            return str(_("No next cycle yet: the points won back are known once its results come."))
        if not self.closed:
            return str(
                _("The %(year)s cycle has no closed round yet: the points won back are not known.")
                % {"year": self.next_cycle.year}
            )
        return ""


def next_cycle_of(cycle: Cycle) -> Cycle | None:
    """The cycle that follows ``cycle``; read once per cycle object."""
    if not hasattr(cycle, "_next_cycle_cache"):
        cycle._next_cycle_cache = Cycle.objects.filter(previous=cycle).order_by("year").first()
    return cycle._next_cycle_cache


def latest_closed_round(cycle: Cycle, as_of: dt.date) -> tuple[str | None, str]:
    """The kind and label of the cycle's latest closed scored round on ``as_of`` (None: none yet)."""
    rounds = rounds_of(cycle)
    if not rounds:
        result = Result.objects.filter(cycle=cycle, decision_date__lte=as_of).first()
        return (RoundKind.ANNOUNCEMENT, str(RoundKind.ANNOUNCEMENT.label)) if result else (None, "")
    for kind in SCORED_ROUNDS:
        r = rounds.get(kind)
        if r is not None and r.has_opened(as_of) and not r.is_provisional_on(as_of):
            return kind, str(r.get_kind_display())
    return None, ""


def _figure(row: dict | None, kind: str) -> Decimal | None:
    """A sub-criterion's figure as it stood at the end of the round ``kind``."""
    if row is None:
        return None
    appraised_2 = row["appraised_score"] if kind in (RoundKind.APPRAISAL_2, RoundKind.ANNOUNCEMENT) else None
    appraised_1 = row["appraised_1"] if kind != RoundKind.SELF_ASSESSMENT else None
    return scoring.effective_score(row["self_score"], appraised_2, row["method"], row["estimate"], appraised_1)


def _effective(row: dict | None) -> Decimal | None:
    return _figure(row, RoundKind.ANNOUNCEMENT)


def won_back(
    held: Cycle, as_of: dt.date, tasks=None, linked: dict[int, list] | None = None, figures_while_open: bool = True
) -> WonBack:
    """The points won back by ``held``'s tasks (or the given ones) in the next cycle, as of a date.

    A fixed number of queries per framework, whatever the number of tasks. ``linked`` (task id →
    its sub-criteria, as Criterion objects) stands for ``tasks`` where the caller has read them.
    With ``figures_while_open=False`` nothing more is read while the next cycle has no closed
    round: the tasks get no sub-criterion figures, for a page that then shows only ``state``.
    """
    nxt = next_cycle_of(held)
    out = WonBack(held=held, as_of=as_of, next_cycle=nxt)
    if linked is not None:  # one task's sub-criteria, already read by its page
        links = {task_id: [c.pk for c in subs] for task_id, subs in linked.items()}
    else:
        qs = Task.objects.filter(cycle=held) if tasks is None else tasks
        links = defaultdict(list)
        for task_id, criterion_id in Task.sub_criteria.through.objects.filter(task__in=qs).values_list(
            "task_id", "criterion_id"
        ):
            links[task_id].append(criterion_id)
    if nxt is not None:
        out.round_kind, out.round_label = latest_closed_round(nxt, as_of)
    if not out.closed and not figures_while_open:
        out.tasks = {task_id: TaskEffect(task_id, []) for task_id in links}
        return out
    held_frameworks = {f.pk: f for f in held.frameworks.all()}
    if linked is not None:
        nodes = {c.pk: c for subs in linked.values() for c in subs if c.framework_id in held_frameworks}
    else:
        nodes = {
            c.pk: c
            for c in Criterion.objects.filter(
                pk__in={c for ids in links.values() for c in ids}, framework__in=held_frameworks
            )
        }
    if nxt is not None:
        prefetch_related_objects([nxt], "frameworks")
    subs: dict[int, SubEffect] = {}
    for framework_id in {c.framework_id for c in nodes.values()}:
        mine = [c for c in nodes.values() if c.framework_id == framework_id]
        subs.update(_framework_effects(held, nxt, framework_id, held_frameworks[framework_id].kind, mine, out, as_of))
    for task_id, ids in links.items():
        out.tasks[task_id] = TaskEffect(task_id, sorted((subs[i] for i in ids if i in subs), key=_code_key))
    areas = {
        (a.framework_id, a.code): a
        for a in Criterion.objects.filter(
            Q(level=Level.AREA),
            framework__in={c.framework_id for c in nodes.values()},
            code__in={c.area_code for c in nodes.values()},
        ).order_by("order")
    }
    grouped: dict[tuple[int, str], list[SubEffect]] = defaultdict(list)
    for sub_id, sub in subs.items():
        grouped[(nodes[sub_id].framework_id, sub.area_code)].append(sub)
    out.areas = [
        AreaEffect(code, areas[(fw, code)].name if (fw, code) in areas else code, sorted(items, key=_code_key))
        for (fw, code), items in sorted(grouped.items(), key=lambda kv: (kv[0][0], _code_key_str(kv[0][1])))
    ]
    return out


def _framework_effects(held, nxt, framework_id, kind, mine, out: WonBack, as_of) -> dict[int, SubEffect]:
    before = score_values(held, framework_id, as_of, criteria=[c.pk for c in mine])
    effects = {
        c.pk: SubEffect(c.pk, c.code, c.name, c.area_code, c.max_points, _effective(before.get(c.pk)), None, [])
        for c in mine
    }
    new_framework = nxt.framework_of(kind) if nxt is not None else None
    if not out.closed or new_framework is None:
        return effects
    if new_framework.pk == framework_id:
        after = score_values(nxt, new_framework.pk, as_of, criteria=[c.pk for c in mine])
        for c in mine:
            effects[c.pk].after = _figure(after.get(c.pk), out.round_kind)
            effects[c.pk].new_codes = [c.code]
        return effects
    rows = list(
        CrosswalkMapping.objects.filter(
            crosswalk__old_framework_id=framework_id, crosswalk__new_framework=new_framework, new__isnull=False
        ).values_list("old_id", "old__max_points", "new_id", "new__code", "new__max_points")
    )
    after = score_values(
        nxt, new_framework.pk, as_of, criteria={new_id for old_id, _m, new_id, _c, _n in rows if old_id in effects}
    )
    feeders: dict[int, Decimal] = defaultdict(lambda: ZERO)  # new id → the maxima of the old ones feeding it
    for _old_id, old_max, new_id, _code, _new_max in rows:
        feeders[new_id] += old_max
    got: dict[int, list[tuple[Decimal | None, Decimal]]] = defaultdict(list)
    for old_id, old_max, new_id, code, new_max in rows:
        if old_id not in effects:
            continue
        weight = old_max / feeders[new_id] if feeders[new_id] else ZERO
        got[old_id].append((_scaled(_figure(after.get(new_id), out.round_kind), weight), new_max * weight))
        effects[old_id].new_codes.append(code)
    for old_id, parts in got.items():
        values = [v for v, _m in parts]
        total_max = sum((m for _v, m in parts), ZERO)
        if any(v is None for v in values) or not total_max:
            continue
        sub = effects[old_id]
        sub.after = (sum(values, ZERO) * sub.max_points / total_max).quantize(CENT)
    return effects


def _scaled(value: Decimal | None, weight: Decimal) -> Decimal | None:
    return None if value is None else value * weight


def _code_key_str(code: str) -> tuple:
    return tuple(int(p) if p.isdecimal() else 0 for p in code.split("."))


def _code_key(sub: SubEffect) -> tuple:
    return _code_key_str(sub.code)


def task_won_back(task: Task, subs: list | None = None) -> tuple[WonBack, TaskEffect | None]:
    """What happened to a task's sub-criteria in the next cycle, for its page.

    A task carried into the next cycle shows its origin's: what the work of the earlier cycle
    did to this cycle's results (until this cycle has a next one of its own, or where the
    carried copy links no sub-criterion). The as-of date is the next cycle's today, where
    the results are read.
    """
    origin = task
    has_subs = bool(subs) if subs is not None else task.sub_criteria.exists()
    if task.carried_from_id and (not has_subs or next_cycle_of(task.cycle) is None):
        origin = task.carried_from
    nxt = next_cycle_of(origin.cycle)
    as_of = nxt.as_of() if nxt is not None else origin.cycle.as_of()
    if origin is task and subs is not None:
        effect = won_back(origin.cycle, as_of, linked={task.pk: subs} if subs else {}, figures_while_open=False)
    else:
        effect = won_back(origin.cycle, as_of, tasks=Task.objects.filter(pk=origin.pk), figures_while_open=False)
    return effect, effect.tasks.get(origin.pk)
