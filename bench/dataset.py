"""Benchmark datasets: a province or the whole country, written with bulk_create in batches.

    from bench.dataset import generate
    figures = generate("national", using="default")              # 2,000 agencies, 100,000 tasks, 1,000,000 updates
    figures = generate("national", updates=False)                 # the same without progress updates
    figures = generate("province")                                # 60 agencies, 1,000 tasks, 10,000 updates

The data is deterministic (one seeded generator) and shaped like the Bình Định
2021 cycle: a PAR framework of 8 areas, 43 criteria and 95 sub-criteria (47
below max), focal agencies per area, deadlines from June 2021 to March 2022,
about a third of the tasks done, and agency reports in every state. Every
agency has one staff user and one leader named by its code; there are SNV
reviewers (``bench-snv-N``) and a Chairman's office user. Agency codes start
with ``bench-``, so a dataset never mixes with the demo's. History tables get
no rows: bulk_create bypasses django-simple-history, which a benchmark wants.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.db import transaction

from agencies.models import Agency, AgencyKind, Membership, MembershipRole, ProvinceRole, User
from parindex.models import Criterion, Cycle, Framework, FrameworkKind, Level, Method, Score
from remediation.models import AgencyReport, AssignmentRole, ProgressUpdate, ReportStatus, Task, TaskAssignment

SCALES = {
    "province": {"agencies": 60, "tasks": 1_000, "updates": 10_000, "snv": 3},
    "national": {"agencies": 2_000, "tasks": 100_000, "updates": 1_000_000, "snv": 5},
}
SUB_CRITERIA, CRITERIA, AREAS, BELOW_MAX = 95, 43, 8, 47
BATCH = 5_000
PASSWORD = "demo-2021"
# One in twenty agencies of each kind pattern: central, departments, districts, and communes (copies only).
KIND_PATTERN = (
    [AgencyKind.CENTRAL] + [AgencyKind.DEPARTMENT] * 7 + [AgencyKind.DISTRICT] * 10 + [AgencyKind.COMMUNE] * 2
)
FIRST_DEADLINE, LAST_DEADLINE = dt.date(2021, 6, 1), dt.date(2022, 3, 31)
AS_OF = dt.date(2021, 11, 8)  # the demo's "what would have gone out that day"


class DatasetExists(Exception):
    """The database already holds a benchmark dataset."""


def generate(scale: str, using: str = "default", *, updates: bool = True, seed: int = 2021) -> dict:
    """Write one dataset into the database ``using`` and return what was written (counts, ids, seconds)."""
    if scale not in SCALES:
        raise ValueError(f"scale must be one of {sorted(SCALES)}")
    if Agency.objects.using(using).filter(code__startswith="bench-").exists():
        raise DatasetExists("This database already holds a benchmark dataset.")
    spec, rng, started = SCALES[scale], random.Random(seed), time.perf_counter()
    with transaction.atomic(using=using):
        agencies = _agencies(using, spec["agencies"])
        staff = _users(using, agencies, spec["snv"])
        framework, subs, areas = _framework(using, agencies)
        cycle = _cycle(using, framework)
        _scores(using, cycle, subs)
        tasks, coordinating = _tasks(using, rng, cycle, agencies, subs, spec["tasks"])
        reports = _reports(using, rng, cycle, agencies, staff)
    n_updates = _updates(using, rng, tasks, staff, spec["updates"]) if updates else 0
    return {
        "scale": scale,
        "agencies": len(agencies),
        "users": len(staff) * 2 + spec["snv"] + 1,
        "sub_criteria": len(subs),
        "areas": len(areas),
        "tasks": len(tasks),
        "coordinating_links": coordinating,
        "reports": reports,
        "updates": n_updates,
        "cycle_id": cycle.pk,
        "framework_id": framework.pk,
        "as_of": AS_OF.isoformat(),
        "seconds": round(time.perf_counter() - started, 1),
    }


def _agencies(using: str, n: int) -> list[Agency]:
    rows = [
        Agency(
            code=f"bench-{i:05d}",
            name=f"Cơ quan thử nghiệm {i:05d}",
            short_name=f"CQ {i:05d}",
            kind=KIND_PATTERN[i % len(KIND_PATTERN)],
            email=f"bench-{i:05d}@example.vn",
        )
        for i in range(n)
    ]
    return Agency.objects.using(using).bulk_create(rows, batch_size=BATCH)


def _users(using: str, agencies: list[Agency], n_snv: int) -> dict[int, User]:
    """One staff user and one leader per agency; returns agency id → staff user."""
    password = make_password(PASSWORD)  # hashed once: PBKDF2 per user would dominate

    def user(username: str, full_name: str, role: str = "") -> User:
        return User(
            username=username,
            full_name=full_name,
            email=f"{username}@example.vn",
            password=password,
            province_role=role,
        )

    people = [user(f"bench-snv-{i}", f"Chuyên viên SNV {i}", ProvinceRole.SNV) for i in range(n_snv)]
    people.append(user("bench-vp", "Văn phòng UBND", ProvinceRole.CHAIRMAN_OFFICE))
    for a in agencies:
        people += [user(a.code, f"Chuyên viên {a.short_name}"), user(f"{a.code}.lead", f"Lãnh đạo {a.short_name}")]
    created = User.objects.using(using).bulk_create(people, batch_size=BATCH)
    by_name = {u.username: u for u in created}
    memberships = [
        Membership(user=by_name[name], agency=a, role=role)
        for a in agencies
        for name, role in ((a.code, MembershipRole.STAFF), (f"{a.code}.lead", MembershipRole.LEADER))
    ]
    Membership.objects.using(using).bulk_create(memberships, batch_size=BATCH)
    return {a.pk: by_name[a.code] for a in agencies}


def _framework(using: str, agencies: list[Agency]) -> tuple[Framework, list[Criterion], list[Criterion]]:
    """8 areas → 43 criteria → 95 sub-criteria (90 worth 1 point, 5 worth 2: 100 in all)."""
    db = Criterion.objects.using(using)
    framework = Framework.objects.using(using).create(
        name=f"PAR Index benchmark {time.time_ns()}", kind=FrameworkKind.PAR, legal_basis="1149/QĐ-BNV"
    )
    departments = [a for a in agencies if a.kind == AgencyKind.DEPARTMENT] or agencies
    points = [Decimal(2) if i < 5 else Decimal(1) for i in range(SUB_CRITERIA)]
    area_max = [
        sum((points[s] for s in range(SUB_CRITERIA) if s % CRITERIA % AREAS == a), Decimal(0)) for a in range(AREAS)
    ]
    areas = db.bulk_create(
        Criterion(
            framework=framework,
            level=Level.AREA,
            code=str(a + 1),
            name=f"Lĩnh vực {a + 1}",
            max_points=area_max[a],
            order=a,
            focal_agency=departments[a % len(departments)],
        )
        for a in range(AREAS)
    )
    criteria = db.bulk_create(
        Criterion(
            framework=framework,
            level=Level.CRITERION,
            parent=areas[c % AREAS],
            code=f"{c % AREAS + 1}.{c // AREAS + 1}",
            name=f"Tiêu chí {c}",
            max_points=sum((points[s] for s in range(SUB_CRITERIA) if s % CRITERIA == c), Decimal(0)),
            order=100 + c,
        )
        for c in range(CRITERIA)
    )
    subs = db.bulk_create(
        Criterion(
            framework=framework,
            level=Level.SUB,
            parent=criteria[s % CRITERIA],
            code=f"{criteria[s % CRITERIA].code}.{s // CRITERIA + 1}",
            name=f"Tiêu chí thành phần {s}",
            max_points=points[s],
            order=1000 + s,
            method=Method.SURVEY if s % 10 == 9 else Method.SELF,
        )
        for s in range(SUB_CRITERIA)
    )
    return framework, subs, areas


def _cycle(using: str, framework: Framework) -> Cycle:
    db = Cycle.objects.using(using)
    cycle, _ = db.get_or_create(
        year=2021,
        defaults={
            "name": "Chu kỳ 2021 (benchmark)",
            "is_current": not db.filter(is_current=True).exists(),
            "report_deadline": dt.date(2021, 11, 15),
            "task_completion_target": dt.date(2021, 12, 31),
            "self_assessment_date": dt.date(2022, 2, 28),
        },
    )
    cycle.frameworks.add(framework)
    return cycle


def _scores(using: str, cycle: Cycle, subs: list[Criterion]) -> None:
    """The first 47 sub-criteria below max (half a point short), the rest at max."""
    Score.objects.using(using).bulk_create(
        Score(
            cycle=cycle,
            criterion=s,
            max_points=s.max_points,
            self_score=s.max_points - Decimal("0.5") if i < BELOW_MAX else s.max_points,
        )
        for i, s in enumerate(subs)
    )


def _task(rng: random.Random, cycle: Cycle, lead: Agency, n: int) -> Task:
    span = (LAST_DEADLINE - FIRST_DEADLINE).days
    deadline = FIRST_DEADLINE + dt.timedelta(days=rng.randrange(span + 1))
    done = rng.random() < 0.35
    completed = deadline - dt.timedelta(days=rng.randrange(0, 15)) if done else None
    return Task(
        cycle=cycle,
        title=f"Nhiệm vụ khắc phục số {n:06d}",
        lead_agency=lead,
        deadline=deadline,
        completed_on=completed,
        progress=100 if done else rng.choice([0, 0, 20, 40, 60, 80]),
    )


def _tasks(
    using: str, rng: random.Random, cycle: Cycle, agencies: list[Agency], subs: list[Criterion], n: int
) -> tuple[list[Task], int]:
    """Tasks led by non-commune agencies, one sub-criterion each (weighted to the weak ones), 0–2 coordinators."""
    leads = [a for a in agencies if a.kind != AgencyKind.COMMUNE]
    tasks: list[Task] = []
    links = 0
    for start in range(0, n, BATCH):
        batch = [_task(rng, cycle, rng.choice(leads), i) for i in range(start, min(start + BATCH, n))]
        batch = Task.objects.using(using).bulk_create(batch)
        subs_through = Task.sub_criteria.through
        coord_through = Task.coordinating_agencies.through
        sub_rows = [
            subs_through(task_id=t.pk, criterion_id=subs[rng.randrange(BELOW_MAX + 10) % SUB_CRITERIA].pk)
            for t in batch
        ]
        coord_rows = [
            coord_through(task_id=t.pk, agency_id=a.pk)
            for t in batch
            for a in {rng.choice(leads) for _ in range(rng.choice([0, 1, 1, 2]))}
            if a.pk != t.lead_agency_id
        ]
        subs_through.objects.using(using).bulk_create(sub_rows, batch_size=BATCH)
        coord_through.objects.using(using).bulk_create(coord_rows, batch_size=BATCH)
        TaskAssignment.objects.using(using).bulk_create(
            [
                TaskAssignment(task_id=r.task_id, agency_id=r.agency_id, role=AssignmentRole.COORDINATOR)
                for r in coord_rows
            ],
            batch_size=BATCH,
        )
        links += len(coord_rows)
        tasks += batch
    return tasks, links


def _reports(using: str, rng: random.Random, cycle: Cycle, agencies: list[Agency], staff: dict[int, User]) -> int:
    """Reports of the addressees in every state; about one in five has none."""
    states = [ReportStatus.ACCEPTED, ReportStatus.SUBMITTED, ReportStatus.RETURNED, ReportStatus.DRAFT, None]
    rows = []
    for a in agencies:
        state = rng.choice(states)
        if a.kind == AgencyKind.COMMUNE or state is None:
            continue
        submitted = state != ReportStatus.DRAFT
        rows.append(
            AgencyReport(
                cycle=cycle,
                agency=a,
                status=state,
                narrative="Báo cáo kết quả khắc phục.",
                submitted_by=staff[a.pk] if submitted else None,
            )
        )
    return len(AgencyReport.objects.using(using).bulk_create(rows, batch_size=BATCH))


def _updates(using: str, rng: random.Random, tasks: list[Task], staff: dict[int, User], n: int) -> int:
    """Progress updates spread over the tasks, written in batches (own transactions: 1,000,000 rows)."""
    written = 0
    while written < n:
        batch = []
        for _ in range(min(BATCH * 4, n - written)):
            task = tasks[rng.randrange(len(tasks))]
            batch.append(
                ProgressUpdate(
                    task=task,
                    author=staff[task.lead_agency_id],
                    agency_id=task.lead_agency_id,
                    reported_on=task.deadline - dt.timedelta(days=rng.randrange(1, 60)),
                    percent=rng.choice([10, 20, 40, 60, 80, 100]),
                    note="Đã triển khai thực hiện.",
                )
            )
        ProgressUpdate.objects.using(using).bulk_create(batch, batch_size=BATCH)
        written += len(batch)
    return written
