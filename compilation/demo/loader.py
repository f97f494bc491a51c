"""The Bình Định 2021 demo: agencies, the PAR Index and SIPAS trees, scores, tasks, reports.

Idempotent: every row is found by its natural key before it is created, and
nothing that exists is changed, so a second run writes nothing.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from agencies.models import Agency, AgencyKind, Membership, MembershipRole, ProvinceRole
from compilation.demo import agencies2021 as agency_data
from compilation.demo import par2021 as par_data
from compilation.demo import par2022
from compilation.demo.loop import load_loop_states
from parindex.models import (
    ROUND_OWNERS,
    Criterion,
    Crosswalk,
    Cycle,
    Framework,
    FrameworkKind,
    Level,
    Method,
    Result,
    Round,
    RoundKind,
    Score,
)
from parindex.services import import_crosswalk
from remediation import periods
from remediation.models import AgencyReport, AssignmentRole, ProgressUpdate, ReportStatus, Task

from .gialai2025 import load_gialai2025

DEMO_PASSWORD = "demo-2021"
AS_OF = dt.date(2021, 11, 15)
SOURCE = "Báo cáo 117/BC-SNV"
# The letter of 2021 as the report cites it, its number and date blank as in the source text.
DEMO_INSTRUCTION = "Công văn số ....../UBND-KSTT ngày ...../...../2021 của Chủ tịch Ủy ban nhân dân tỉnh Bình Định"
User = get_user_model()


class DemoRefused(Exception):
    """The database holds data that is not the demo's."""


@dataclass
class Stats:
    created: dict[str, int] = field(default_factory=dict)

    def add(self, kind: str, created: bool) -> None:
        if created:
            self.created[kind] = self.created.get(kind, 0) + 1

    @property
    def total(self) -> int:
        return sum(self.created.values())


def demo_present() -> bool:
    return Framework.objects.filter(name=par_data.PAR_FRAMEWORK["name"]).exists()


def check_database_is_free(force: bool) -> None:
    """Refuse to mix the demo into a database that holds real data, unless forced."""
    if force or demo_present():
        return
    if Agency.objects.exists() or Cycle.objects.exists() or User.objects.exists():
        raise DemoRefused("The database already holds data that is not the demo's; use --force.")


@transaction.atomic
def load_demo(force: bool = False, with_2025: bool = True) -> Stats:
    """The 2021 demo, then the 2025 reorganisation and Gia Lai's 2025 cycle.

    The 2025 part retires the 2021 district committees from 01/07/2025 (and the
    departments merged in 2025). Whether an agency exists is read for a date,
    so the 2021 personas such as "quynhon" still belong to their district in
    the 2021 cycle, and the ward personas work in the 2025 cycle.
    ``with_2025=False`` stops before it (the test of an unchanged past
    compares the 2021 figures before and after).
    """
    check_database_is_free(force)
    stats = Stats()
    agencies = load_agencies(stats)
    load_users(agencies, stats)
    par, sipas = load_frameworks(agencies, stats)
    par2020 = load_framework_2020(agencies, par, stats)
    cycle2020, cycle2021 = load_cycles(par2020, par, sipas, stats)
    load_scores(cycle2020, cycle2021, par2020, par, sipas, stats)
    with periods.deferred_sync():  # hundreds of new tasks: their assignment rows in one pass
        load_tasks(cycle2021, par, agencies, stats)
    load_reports(cycle2021, agencies, stats)
    load_loop_states(cycle2021, cycle2020)  # verification, extensions, notices, backlog
    load_2022(cycle2021, par, stats)
    if with_2025:
        load_gialai2025(stats, _user)
    return stats


def load_agencies(stats: Stats) -> dict[str, Agency]:
    groups = [
        (agency_data.DISTRICTS, AgencyKind.DISTRICT),
        (agency_data.DEPARTMENTS, AgencyKind.DEPARTMENT),
        (agency_data.CENTRAL, AgencyKind.CENTRAL),
    ]
    agencies: dict[str, Agency] = {}
    for rows, kind in groups:
        for code, name, short in rows:
            agencies[code], created = Agency.objects.get_or_create(
                code=code,
                defaults={"name": name, "short_name": short, "kind": kind, "email": f"{code}@binhdinh.gov.vn"},
            )
            stats.add("agency", created)
    for code, name, parent in agency_data.COMMUNES:
        agencies[code], created = Agency.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "kind": AgencyKind.COMMUNE,
                "parent": agencies[parent],
                "email": f"{code}@binhdinh.gov.vn",
            },
        )
        stats.add("agency", created)
    return agencies


_HASH: list[str] = []


def _demo_hash() -> str:
    """Hash the shared demo password once: PBKDF2 per user would take most of the load time."""
    if not _HASH:
        _HASH.append(make_password(DEMO_PASSWORD))
    return _HASH[0]


def _user(username: str, full_name: str, stats: Stats, role: str = "") -> User:
    user, created = User.objects.get_or_create(
        username=username,
        defaults={
            "full_name": full_name,
            "province_role": role,
            "email": f"{username}@binhdinh.gov.vn",
            "is_staff": role == ProvinceRole.ADMIN,
            "is_superuser": role == ProvinceRole.ADMIN,
        },
    )
    if created:
        user.password = _demo_hash()
        user.save(update_fields=["password"])
    stats.add("user", created)
    return user


def load_users(agencies: dict[str, Agency], stats: Stats) -> None:
    """admin, snv, vp and one staff user per agency named by its code; quynhon.lead leads Quy Nhơn."""
    _user("admin", "Quản trị hệ thống", stats, ProvinceRole.ADMIN)
    _user("snv", "Nguyễn Thị Hồng (Sở Nội vụ)", stats, ProvinceRole.SNV)
    _user("vp", "Trần Văn Minh (Văn phòng UBND tỉnh)", stats, ProvinceRole.CHAIRMAN_OFFICE)
    members = [(code, f"Chuyên viên {a.short_name or a.name}", MembershipRole.STAFF) for code, a in agencies.items()]
    members.append(("quynhon.lead", "Lê Văn Hùng (Chủ tịch UBND TP Quy Nhơn)", MembershipRole.LEADER))
    for username, full_name, role in members:
        user = _user(username, full_name, stats)
        agency = agencies[username.split(".")[0]]
        _, created = Membership.objects.get_or_create(user=user, agency=agency, defaults={"role": role})
        stats.add("membership", created)


def _framework(spec: dict, kind: str, total: Decimal, stats: Stats) -> Framework:
    framework, created = Framework.objects.get_or_create(
        name=spec["name"],
        defaults={
            "kind": kind,
            "legal_basis": spec["legal_basis"],
            "description": spec["description"],
            "total_points": total,
            **{k: spec[k] for k in ("decision_date", "first_year", "last_year") if k in spec},
        },
    )
    stats.add("framework", created)
    return framework


def _node(framework: Framework, stats: Stats, order: int, **fields) -> Criterion:
    node, created = Criterion.objects.get_or_create(
        framework=framework, code=fields.pop("code"), defaults={"order": order, **fields}
    )
    stats.add("criterion", created)
    return node


def load_frameworks(agencies: dict[str, Agency], stats: Stats) -> tuple[Framework, Framework]:
    par = _framework(par_data.PAR_FRAMEWORK, FrameworkKind.PAR, Decimal(100), stats)
    _build_tree(par, agencies, stats)
    sipas = _framework(par_data.SIPAS_FRAMEWORK, FrameworkKind.SIPAS, Decimal(100), stats)
    for i, (code, name, max_points, _s21, _s20) in enumerate(par_data.SIPAS_COMPONENTS, start=1):
        _node(sipas, stats, i, code=code, name=name, level=Level.AREA, max_points=max_points, method=Method.SURVEY)
    return par, sipas


def load_framework_2020(agencies: dict[str, Agency], par2021: Framework, stats: Stats) -> Framework:
    """2020's own version (1150/QĐ-BNV), illustrated with the 2021 tree's shape, and its crosswalk to 2021."""
    par2020 = _framework(par_data.PAR_FRAMEWORK_2020, FrameworkKind.PAR, Decimal(100), stats)
    _build_tree(par2020, agencies, stats)
    if not Crosswalk.objects.filter(old_framework=par2020, new_framework=par2021).exists():
        codes = Criterion.objects.filter(framework=par2020, level=Level.SUB).values_list("code", flat=True)
        import_crosswalk(par2020, par2021, [(c, c, "") for c in codes], user=None)
        stats.add("crosswalk", True)
    return par2020


def _build_tree(par: Framework, agencies: dict[str, Agency], stats: Stats) -> None:
    order = 0
    for area in par_data.PAR_TREE:
        order += 1
        area_node = _node(
            par,
            stats,
            order,
            code=area["code"],
            name=area["name"],
            level=Level.AREA,
            max_points=area["max"],
            focal_agency=agencies[area["focal"].lower()],
        )
        for crit in area["criteria"]:
            order += 1
            subs = crit["subs"]
            crit_node = _node(
                par,
                stats,
                order,
                code=crit["code"],
                name=crit["name"],
                level=Level.CRITERION,
                parent=area_node,
                max_points=sum((s[2] for s in subs), Decimal(0)),
                method=Method.SURVEY if all(s[3] == "survey" for s in subs) else Method.SELF,
            )
            for code, name, max_points, method in subs:
                order += 1
                _node(
                    par,
                    stats,
                    order,
                    code=code,
                    name=name,
                    level=Level.SUB,
                    parent=crit_node,
                    max_points=max_points,
                    method=method,
                )


def load_cycles(par2020: Framework, par: Framework, sipas: Framework, stats: Stats) -> tuple[Cycle, Cycle]:
    c2020, created = Cycle.objects.get_or_create(
        year=2020,
        defaults={
            "name": "Kỳ đánh giá 2020",
            "report_deadline": dt.date(2020, 11, 15),
            "task_completion_target": dt.date(2020, 12, 31),
            "self_assessment_date": dt.date(2021, 2, 26),
            "reference_date": dt.date(2021, 2, 26),
        },
    )
    stats.add("cycle", created)
    c2021, created = Cycle.objects.get_or_create(
        year=2021,
        defaults={
            "name": "Kỳ đánh giá 2021 – khắc phục theo Báo cáo 117/BC-SNV",
            "previous": c2020,
            "is_current": True,
            "report_deadline": dt.date(2021, 11, 15),
            "task_completion_target": dt.date(2021, 12, 31),
            "self_assessment_date": dt.date(2022, 2, 28),
            "reference_date": AS_OF,
            # The document settings the report needs before it can be issued. The letter's own
            # number and date are blank in the source text (../shared/letter-2021.txt: "Số:
            # /UBND-KSTT", "ngày tháng năm 2021"), so the demo leaves them as dotted blanks, the
            # way a form marks what is to be filled in, rather than invent a number: SNV enters
            # the real one in the cycle's settings.
            "report_number": "/BC-SNV",
            "signer_name": "Nguyễn Văn An",
            "instruction_reference": DEMO_INSTRUCTION,
            "basis_reference": "Báo cáo số 117/BC-SNV ngày 07/10/2021 của Sở Nội vụ",
        },
    )
    stats.add("cycle", created)
    if created or not c2021.frameworks.exists():
        c2021.frameworks.add(par, sipas)
        c2020.frameworks.add(par2020, sipas)
    return c2020, c2021


def _score(cycle: Cycle, node: Criterion, stats: Stats, **values) -> tuple[Score, bool]:
    score, created = Score.objects.get_or_create(
        cycle=cycle, criterion=node, defaults={"max_points": node.max_points, **values}
    )
    stats.add("score", created)
    return score, created


# The 2021 rounds: self-assessment from Report 117 until mid-January, SNV's compilation due
# 28/01/2022 (one month before the self-assessment goes to the Ministry on 28/02/2022), the
# Ministry's appraisal in two rounds with an explanation between, the announcement 25/05/2022.
ROUNDS_2021 = {
    RoundKind.SELF_ASSESSMENT: (dt.date(2021, 10, 7), dt.date(2022, 1, 15)),
    RoundKind.COMPILATION: (dt.date(2022, 1, 16), dt.date(2022, 1, 28)),
    RoundKind.APPRAISAL_1: (dt.date(2022, 3, 1), dt.date(2022, 3, 31)),
    RoundKind.EXPLANATION: (dt.date(2022, 4, 1), dt.date(2022, 4, 10)),
    RoundKind.APPRAISAL_2: (dt.date(2022, 4, 11), dt.date(2022, 4, 30)),
    RoundKind.ANNOUNCEMENT: (dt.date(2022, 5, 25), dt.date(2022, 5, 25)),
}
# When each 2021 value was recorded (history dates): the province's figures before the
# letter's deadline, the appraisals in 2022.
RECORDED_2021 = {"+": dt.datetime(2021, 11, 1, 9, 0), "appraisal_1": dt.datetime(2022, 3, 25, 9, 0)}
RECORDED_2021["appraisal_2"] = dt.datetime(2022, 4, 28, 9, 0)


def load_rounds(cycle: Cycle, dates: dict[str, tuple[dt.date, dt.date]], stats: Stats) -> None:
    for kind, (opens, deadline) in dates.items():
        _, created = Round.objects.get_or_create(
            cycle=cycle, kind=kind, defaults={"opens": opens, "deadline": deadline, "owner": ROUND_OWNERS[kind]}
        )
        stats.add("round", created)


def _record_appraisals(score: Score, appraised: Decimal | None) -> None:
    """Round 1 then round 2 of the Ministry's appraisal, each its own history record, dated later."""
    if appraised is None:
        return
    for name, reason in (("appraised_1", "appraisal_1"), ("appraised_score", "appraisal_2")):
        setattr(score, name, appraised)
        score._change_reason = reason
        score.save(update_fields=[name])


def _date_history(cycle: Cycle, recorded: dict[str, dt.datetime]) -> None:
    """Give the demo's history records the dates the values were recorded on, not the load time."""
    history = Score.history.filter(cycle=cycle)
    for key, when in recorded.items():
        rows = history.filter(history_type="+") if key == "+" else history.filter(history_change_reason=key)
        rows.update(history_date=timezone.make_aware(when))


def load_scores(c2020: Cycle, c2021: Cycle, par2020: Framework, par: Framework, sipas: Framework, stats: Stats) -> None:
    """2021 scores with exactly the letter's 47 sub-criteria below max; 2020 as previous year.

    Survey-based sub-criteria are never self-scored: in 2021 the province holds its own
    estimate (the Ministry's result comes with the appraisal); 2020 holds the announced
    results only. The 2021 appraisals are recorded in 2022 (history), so as of 15/11/2021
    only the provisional self-assessment shows.
    """
    load_rounds(c2021, ROUNDS_2021, stats)
    created_any = False
    nodes2020 = {c.code: c for c in Criterion.objects.filter(framework=par2020, level=Level.SUB)}
    for node in Criterion.objects.filter(framework=par, level=Level.SUB):
        below = par_data.BELOW_MAX_2021.get(node.code)
        prev = below[2] if below else par_data.PREVIOUS_BELOW_MAX_2020.get(node.code, node.max_points)
        self_score, appraised = (below[0], below[1]) if below else (node.max_points, node.max_points)
        survey = node.method == Method.SURVEY
        _score(c2020, nodes2020[node.code], stats, appraised_score=prev, **({} if survey else {"self_score": prev}))
        own = {"estimate": self_score} if survey else {"self_score": self_score}
        score, created = _score(c2021, node, stats, previous_score=prev, **own)
        if created:
            _record_appraisals(score, appraised)
            created_any = True
    components = {c[0]: c for c in par_data.SIPAS_COMPONENTS}
    for node in Criterion.objects.filter(framework=sipas):
        _code, _name, _max, s21, s20 = components[node.code]
        _score(c2020, node, stats, appraised_score=s20)
        _score(c2021, node, stats, estimate=s21, previous_score=s20)
    if created_any:
        _date_history(c2021, RECORDED_2021)
    load_results(c2020, c2021, stats)


def load_results(c2020: Cycle, c2021: Cycle, stats: Stats) -> None:
    """The announced results (illustrative figures): 2020 on 24/06/2021, 2021 on 25/05/2022."""
    from compilation import figures

    for cycle, decision, day, rank in (
        (c2020, "641/QĐ-BNV", dt.date(2021, 6, 24), 33),
        (c2021, "…/QĐ-BNV (minh họa)", dt.date(2022, 5, 25), 31),
    ):
        if Result.objects.filter(cycle=cycle, kind=FrameworkKind.PAR).exists():
            continue
        totals = figures.totals(figures.score_tree(cycle, FrameworkKind.PAR, dt.date(2099, 12, 31)))
        Result.objects.create(
            cycle=cycle,
            kind=FrameworkKind.PAR,
            decision=decision,
            decision_date=day,
            percent=totals.percent,
            rank=rank,
            out_of=63,
            group=totals.group or "",
            note="Số liệu minh họa, không phải kết quả chính thức.",
        )
        stats.add("result", True)


TASK_TEMPLATES = [
    ("Khắc phục hạn chế tại tiêu chí {code}: {name}", "focal"),
    ("Rà soát, bổ sung tài liệu kiểm chứng tiêu chí {code}", "district"),
    ("Xây dựng giải pháp nâng điểm tiêu chí {code} năm 2022", "department"),
]

# Sub-criteria below max that are left without a task, so SNV's "no task yet" filter has work.
UNTASKED = 5


def _task_plan(rng: random.Random, sub: Criterion, focal: Agency, agencies: dict[str, Agency]) -> list[dict]:
    districts = [agencies[c] for c, _n, _s in agency_data.DISTRICTS]
    departments = [agencies[c] for c, _n, _s in agency_data.DEPARTMENTS + agency_data.CENTRAL]
    plan = []
    for template, kind in TASK_TEMPLATES:
        lead = {"focal": focal, "district": rng.choice(districts), "department": rng.choice(departments)}[kind]
        coordinating = rng.sample([a for a in districts + departments if a != lead], k=rng.randint(0, 2))
        plan.append(
            {"title": template.format(code=sub.code, name=sub.name[:120]), "lead": lead, "coordinating": coordinating}
        )
    return plan


def _task_dates(rng: random.Random) -> tuple[dt.date, dt.date | None, int]:
    """A deadline, a completion date and a progress giving a realistic mix as of 15/11/2021."""
    roll = rng.random()
    deadline = AS_OF + dt.timedelta(days=rng.randint(-30, 46))
    if roll < 0.35:  # done: on time mostly, some late
        done = (
            deadline - dt.timedelta(days=rng.randint(0, 10))
            if rng.random() < 0.75
            else deadline + dt.timedelta(days=rng.randint(1, 6))
        )
        return deadline, min(done, AS_OF), 100
    return deadline, None, rng.choice([0, 0, 20, 30, 50, 60, 80])


def load_tasks(cycle: Cycle, par: Framework, agencies: dict[str, Agency], stats: Stats) -> None:
    subs = list(
        Criterion.objects.filter(framework=par, level=Level.SUB, code__in=par_data.BELOW_MAX_2021)
        .select_related("parent__parent__focal_agency")
        .order_by("order")
    )
    staff = {m.agency_id: m.user for m in Membership.objects.filter(role=MembershipRole.STAFF)}
    for sub in subs[:-UNTASKED]:
        # One generator per sub-criterion: a second run draws the same values
        # whatever the first run created, so the loader stays idempotent.
        rng = random.Random(f"2021-{sub.code}")
        for spec in _task_plan(rng, sub, sub.parent.parent.focal_agency, agencies):
            deadline, done, progress = _task_dates(rng)
            # Found by the agency that led it from the start (its first lead assignment):
            # after the 2025 split the cache names a ward, and the task must not be made again.
            found = Task.objects.filter(
                cycle=cycle,
                title=spec["title"],
                assignments__agency=spec["lead"],
                assignments__role=AssignmentRole.LEAD,
                assignments__valid_from__isnull=True,
            ).first()
            task, created = (
                (found, False)
                if found
                else Task.objects.get_or_create(
                    cycle=cycle,
                    title=spec["title"],
                    lead_agency=spec["lead"],
                    defaults={
                        "description": f"Theo kiến nghị tại {SOURCE}: khắc phục tồn tại, hạn chế "
                        f"của tiêu chí {sub.code} ({sub.name}).",
                        "source_document": SOURCE,
                        "deadline": deadline,
                        "completed_on": done,
                        "progress": progress,
                    },
                )
            )
            stats.add("task", created)
            if created:
                task.sub_criteria.add(sub)
                task.coordinating_agencies.add(*spec["coordinating"])
                _add_updates(rng, task, staff[spec["lead"].pk], stats)


def _add_updates(rng: random.Random, task: Task, author, stats: Stats) -> None:
    steps = [p for p in (20, 50, 80, 100) if p <= task.progress] if task.progress else []
    start = task.deadline - dt.timedelta(days=40)
    for i, percent in enumerate(steps):
        day = min(start + dt.timedelta(days=10 * (i + 1)), task.completed_on or AS_OF, AS_OF)
        update = ProgressUpdate.objects.create(
            task=task,
            author=author,
            agency=task.lead_agency,
            reported_on=day,
            percent=percent,
            note=rng.choice(
                [
                    "Đã ban hành văn bản chỉ đạo triển khai.",
                    "Đã tổ chức rà soát, tổng hợp số liệu.",
                    "Đã hoàn thiện dự thảo và lấy ý kiến các đơn vị.",
                    "Đã gửi báo cáo kết quả về Sở Nội vụ.",
                ]
            ),
        )
        ProgressUpdate.objects.filter(pk=update.pk).update(
            created_at=timezone.make_aware(dt.datetime.combine(day, dt.time(9, 30)))
        )
        stats.add("progress_update", True)
    if task.completed_on is None and task.deadline < AS_OF:
        Task.objects.filter(pk=task.pk).update(
            cause=rng.choice(
                [
                    "Chưa bố trí được kinh phí thực hiện.",
                    "Thiếu nhân sự chuyên trách.",
                    "Phụ thuộc hướng dẫn của bộ, ngành Trung ương.",
                ]
            )
        )


REPORT_STATES = [ReportStatus.ACCEPTED, ReportStatus.SUBMITTED, ReportStatus.RETURNED, ReportStatus.DRAFT, None]


def load_reports(cycle: Cycle, agencies: dict[str, Agency], stats: Stats) -> None:
    """Reports in every state; about one agency in five has not started."""
    reviewer = User.objects.get(username="snv")
    codes = [c for c, _n, _s in agency_data.DISTRICTS + agency_data.DEPARTMENTS + agency_data.CENTRAL]
    for i, code in enumerate(codes):
        state = REPORT_STATES[i % len(REPORT_STATES)] if code != "quynhon" else ReportStatus.DRAFT
        if state is None:
            continue
        agency = agencies[code]
        submitted = state != ReportStatus.DRAFT
        submitted_at = timezone.make_aware(dt.datetime(2021, 11, 8 + i % 7, 15, 0)) if submitted else None
        _, created = AgencyReport.objects.get_or_create(
            cycle=cycle,
            agency=agency,
            defaults={
                "status": state,
                "narrative": f"{agency.name} báo cáo kết quả khắc phục các tồn tại, hạn chế theo {SOURCE}.",
                "submitted_at": submitted_at,
                "submitted_by": User.objects.filter(username=code).first() if submitted else None,
                "reviewer_comment": "Đề nghị bổ sung nguyên nhân các nhiệm vụ chưa hoàn thành."
                if state == ReportStatus.RETURNED
                else "",
                "reviewed_by": reviewer if state in (ReportStatus.RETURNED, ReportStatus.ACCEPTED) else None,
            },
        )
        stats.add("report", created)


# --------------------------------------------------------------------------- 2022 under 876/QĐ-BNV

AS_OF_2022 = dt.date(2023, 1, 10)
ROUNDS_2022 = {
    RoundKind.SELF_ASSESSMENT: (dt.date(2022, 11, 15), dt.date(2023, 1, 15)),
    RoundKind.COMPILATION: (dt.date(2023, 1, 16), dt.date(2023, 1, 28)),
    RoundKind.APPRAISAL_1: (dt.date(2023, 3, 1), dt.date(2023, 3, 31)),
    RoundKind.EXPLANATION: (dt.date(2023, 4, 1), dt.date(2023, 4, 10)),
    RoundKind.APPRAISAL_2: (dt.date(2023, 4, 11), dt.date(2023, 4, 30)),
    RoundKind.ANNOUNCEMENT: (dt.date(2023, 5, 31), dt.date(2023, 5, 31)),
}
CARRIED_DEADLINE_2022 = dt.date(2022, 6, 30)


def load_2022(c2021: Cycle, par2021: Framework, stats: Stats) -> Cycle:
    """The 2022 cycle under the illustrative 876 tree: self-assessment in progress, 2021's open tasks carried."""
    framework = par2022.framework_876(stats)
    cycle, created = Cycle.objects.get_or_create(
        year=2022,
        defaults={
            "name": "Kỳ đánh giá 2022 – Bộ tiêu chí 876/QĐ-BNV (minh họa)",
            "previous": c2021,
            "report_deadline": dt.date(2022, 11, 15),
            "task_completion_target": dt.date(2022, 12, 31),
            "self_assessment_date": dt.date(2023, 2, 28),
            "reference_date": AS_OF_2022,
        },
    )
    stats.add("cycle", created)
    if created:
        cycle.frameworks.add(framework)
    load_rounds(cycle, ROUNDS_2022, stats)
    if not Crosswalk.objects.filter(old_framework=par2021, new_framework=framework).exists():
        rows = [(old, new or "", note) for old, new, note in par2022.crosswalk_2021_876()]
        import_crosswalk(par2021, framework, rows, user=None)
        stats.add("crosswalk", True)
    _scores_2022(cycle, framework, stats)
    if created:
        _date_history(cycle, {"+": dt.datetime(2022, 12, 15, 9, 0)})
    if created:
        _carry_2021_tasks(cycle, c2021, par2021, framework, stats)
    return cycle


def _scores_2022(cycle: Cycle, framework: Framework, stats: Stats) -> None:
    """Self scores partly entered (the round is open), the province's estimates for some survey leaves."""
    for node in Criterion.objects.filter(framework=framework, level=Level.SUB).order_by("order"):
        rng = random.Random(f"2022-{node.code}")
        roll, lost = rng.random(), Decimal("0.25") * rng.randint(1, 2)
        value = node.max_points if roll < 0.7 else max(Decimal(0), node.max_points - lost) if roll < 0.9 else None
        if node.method == Method.SURVEY:
            _score(cycle, node, stats, estimate=value if rng.random() < 0.5 else None)
        else:
            _score(cycle, node, stats, self_score=value)


def _carry_2021_tasks(cycle: Cycle, c2021: Cycle, par2021: Framework, framework: Framework, stats: Stats) -> None:
    """2021's open tasks into 2022 through the crosswalk: a split sub-criterion links both successors."""
    from remediation.assignment import carry_open_tasks

    old = {c.code: c for c in Criterion.objects.filter(framework=par2021, level=Level.SUB)}
    new = {c.code: c for c in Criterion.objects.filter(framework=framework, level=Level.SUB)}
    targets: dict[int, list[Criterion]] = {}
    for old_code, new_code, _note in par2022.crosswalk_2021_876():
        if new_code:
            targets.setdefault(old[old_code].id, []).append(new[new_code])
    carried = carry_open_tasks(cycle, c2021, {k: v[0] for k, v in targets.items()}, CARRIED_DEADLINE_2022, None)
    stats.created["task_carried"] = carried
    for task in Task.objects.filter(cycle=cycle).prefetch_related("carried_from__sub_criteria"):
        extra = [c for o in task.carried_from.sub_criteria.all() for c in targets.get(o.id, [])[1:]]
        if extra:
            task.sub_criteria.add(*extra)
