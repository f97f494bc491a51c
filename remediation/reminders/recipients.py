"""Who receives what: the directory of recipients and the keys of reminded items."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db.models import Count, Exists, OuterRef, Q

from agencies import clock
from agencies.models import Membership, MembershipRole, ProvinceRole, existing_on, people
from parindex.models import Criterion, Cycle, Level, Round, RoundKind, RoundOwner, RoundSubmission, Score

from ..models import ReminderKind, Task

User = get_user_model()


# --- Who receives what ------------------------------------------------------------------


@dataclass
class Directory:
    """Recipients by agency, read once per sweep (one query), not once per task."""

    staff: dict[int, list[int]] = field(default_factory=dict)
    leaders: dict[int, list[int]] = field(default_factory=dict)
    snv: list[int] = field(default_factory=list)

    @classmethod
    def load(cls, day: dt.date | None = None) -> Directory:
        """``day``: the sweep's as-of date (the clock's today when not given)."""
        directory = cls()
        # Reminders for a retired agency stop: only memberships of agencies existing today are read.
        rows = (
            Membership.objects.filter(people("user__"))
            .filter(existing_on(day or clock.today(), "agency__"))
            .order_by("user_id")
        )
        for agency_id, user_id, role in rows.values_list("agency_id", "user_id", "role"):
            target = directory.leaders if role == MembershipRole.LEADER else directory.staff
            target.setdefault(agency_id, []).append(user_id)
        snv = User.objects.filter(people(), province_role=ProvinceRole.SNV).order_by("pk")
        directory.snv = list(snv.values_list("pk", flat=True))
        return directory

    def regular(self, agency_id: int) -> list[int]:
        """An agency's staff; its leaders when it has no staff, so nobody is left unreminded."""
        return self.staff.get(agency_id) or self.leaders.get(agency_id, [])

    def members(self, agency_id: int) -> list[int]:
        return self.staff.get(agency_id, []) + self.leaders.get(agency_id, [])

    def escalation(self, agency_id: int) -> list[int]:
        return self.leaders.get(agency_id, []) + self.snv


KINDS = {
    "task": (ReminderKind.TASK_DUE, ReminderKind.TASK_OVERDUE),
    "report": (ReminderKind.REPORT_DUE, ReminderKind.REPORT_OVERDUE),
    "compilation": (ReminderKind.COMPILATION_DUE, ReminderKind.COMPILATION_DUE),
    "round": (ReminderKind.ROUND_DUE, ReminderKind.ROUND_DUE),
}


def task_key(task_id: int) -> str:
    return f"task:{task_id}"


def report_key(cycle_id: int, agency_id: int) -> str:
    return f"report:{cycle_id}:{agency_id}"


def compilation_key(cycle_id: int, area_id: int) -> str:
    return f"compilation:{cycle_id}:{area_id}"


def areas_needing_compilation(cycle: Cycle, as_of: dt.date) -> dict[int, int]:
    """Area id → sub-criteria below max that still have an open task or no task at all (one query)."""
    tasks = Task.objects.filter(cycle=cycle, sub_criteria=OuterRef("criterion"))
    rows = (
        Score.objects.filter(cycle=cycle, criterion__level=Level.SUB, criterion__parent__parent__isnull=False)
        .below_max()
        .filter(Q(Exists(tasks.open(as_of))) | ~Q(Exists(tasks)))
        .values_list("criterion__parent__parent_id")
        .annotate(n=Count("id"))
    )
    return dict(rows)


def round_key(round_id: int, agency_id: int | None) -> str:
    return f"round:{round_id}:{agency_id or 0}"


@dataclass(frozen=True)
class RoundDue:
    """A round whose deadline the sweep reminds of: a focal agency with its area still to do, or SNV."""

    round: Round
    agency_id: int | None  # None: SNV's own item (a round SNV enters for the Ministry)
    pending: int  # sub-criteria still to explain (explanation round); 0 where it does not apply


def rounds_needing_reminder(cycle: Cycle, as_of: dt.date) -> list[RoundDue]:
    """The rounds open on ``as_of`` and not past their deadline nor closed, with who still has work (4 queries).

    Self-assessment: each focal agency whose area is not submitted. Explanation: each focal
    agency with a sub-criterion appraised below its self score and no explanation yet. The
    rounds SNV enters (its compilation, the Ministry's appraisals): SNV, until the round closes.
    After the deadline nothing is reminded: the entries are locked.
    """
    rounds = [
        r
        for r in Round.objects.filter(cycle=cycle, opens__lte=as_of, deadline__gte=as_of).order_by("deadline", "id")
        if not r.is_closed_on(as_of) and r.kind != RoundKind.ANNOUNCEMENT
    ]
    if not rounds:
        return []
    focal = list(
        Criterion.objects.filter(framework__cycles=cycle, level=Level.AREA, focal_agency__isnull=False)
        .values_list("focal_agency_id", flat=True)
        .distinct()
    )
    submitted = set(
        RoundSubmission.objects.filter(round__in=rounds, submitted_at__isnull=False).values_list(
            "round_id", "agency_id"
        )
    )
    to_explain = dict(
        Score.objects.filter(cycle=cycle, explanation="")
        .to_explain()
        .values_list("criterion__parent__parent__focal_agency_id")
        .annotate(n=Count("id"))
    )
    out = []
    for r in rounds:
        if r.owner != RoundOwner.FOCAL:
            out.append(RoundDue(r, None, 0))
        elif r.kind == RoundKind.EXPLANATION:
            out += [RoundDue(r, a, to_explain[a]) for a in sorted(focal) if to_explain.get(a)]
        else:
            out += [RoundDue(r, a, 0) for a in sorted(focal) if (r.pk, a) not in submitted]
    return out
