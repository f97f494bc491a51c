"""The 2025 reorganisation as demo data: Bình Định merged into the new Gia Lai, two-tier local government.

Facts (domain.md §5): from 01/07/2025 Bình Định is part of the new Gia Lai
province, seat at Quy Nhơn; the district level is abolished; communes and
wards were merged; provincial departments were merged too.

ILLUSTRATIVE DATA: the department mergers below follow the national pattern
of 2025 (planning into finance, environment into agriculture, transport into
construction, information into science, labour into home affairs, tourism into
culture) with an illustrative date, not a confirmed decision of the province;
the new wards and communes and the task each receives are illustrative too
(a few per former district, named after it), not the official list. Every
record created here says "minh họa" (illustrative) in its note.

Everything goes through the same services as the pages (agencies.services,
remediation.restructuring), on the real effective dates, so the 2021 figures
as of 15/11/2021 are unchanged (tests/compilation/test_gialai2025.py).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from agencies import services as agency_services
from agencies.models import (
    REPORTING_KINDS_2025,
    Agency,
    AgencyKind,
    LinkKind,
    Membership,
    MembershipRole,
    Province,
    User,
)
from parindex.models import Cycle
from remediation import restructuring
from remediation.models import AgencyReport, ReportStatus

from .par2022 import framework_876

ILLUSTRATIVE = "minh họa (illustrative)"
PROVINCE_MERGER = dt.date(2025, 7, 1)
DEPARTMENT_MERGER = dt.date(2025, 3, 1)  # illustrative date

PROVINCE_PERIODS = [
    # name, governing body, place on documents, seat, from, until
    ("Bình Định", "UBND TỈNH BÌNH ĐỊNH", "Bình Định", "Quy Nhơn", None, dt.date(2025, 6, 30)),
    ("Gia Lai", "UBND TỈNH GIA LAI", "Gia Lai", "Quy Nhơn", PROVINCE_MERGER, None),
]

# (merged departments, the department that continues, its new name or None): illustrative.
DEPARTMENT_MERGERS = [
    (["skhdt"], "stc", None),
    (["stnmt"], "snnptnt", ("Sở Nông nghiệp và Môi trường", "Sở NN&MT")),
    (["sgtvt"], "sxd", None),
    (["stttt"], "skhcn", None),
    (["sldtbxh"], "snv", None),
    (["sdl"], "svhtt", ("Sở Văn hóa, Thể thao và Du lịch", "Sở VH,TT&DL")),
]

# Former district -> its illustrative successors (code, name, kind); the first is the main one.
SUCCESSORS = {
    "quynhon": [
        ("p-quynhon", "UBND phường Quy Nhơn", AgencyKind.WARD),
        ("p-quynhon-dong", "UBND phường Quy Nhơn Đông", AgencyKind.WARD),
        ("p-quynhon-tay", "UBND phường Quy Nhơn Tây", AgencyKind.WARD),
        ("p-quynhon-nam", "UBND phường Quy Nhơn Nam", AgencyKind.WARD),
        ("p-quynhon-bac", "UBND phường Quy Nhơn Bắc", AgencyKind.WARD),
    ],
    "annhon": [
        ("p-annhon", "UBND phường An Nhơn", AgencyKind.WARD),
        ("p-binhdinh", "UBND phường Bình Định", AgencyKind.WARD),
    ],
    "hoainhon": [
        ("p-hoainhon", "UBND phường Hoài Nhơn", AgencyKind.WARD),
        ("p-tamquan", "UBND phường Tam Quan", AgencyKind.WARD),
    ],
    "anlao": [("x-anlao", "UBND xã An Lão", AgencyKind.COMMUNE), ("x-anhoa", "UBND xã An Hòa", AgencyKind.COMMUNE)],
    "hoaian": [
        ("x-hoaian", "UBND xã Hoài Ân", AgencyKind.COMMUNE),
        ("x-hoaian-bac", "UBND xã Hoài Ân Bắc", AgencyKind.COMMUNE),
    ],
    "phumy": [
        ("x-phumy", "UBND xã Phù Mỹ", AgencyKind.COMMUNE),
        ("x-phumy-nam", "UBND xã Phù Mỹ Nam", AgencyKind.COMMUNE),
    ],
    "phucat": [
        ("x-phucat", "UBND xã Phù Cát", AgencyKind.COMMUNE),
        ("x-ngomay", "UBND xã Ngô Mây", AgencyKind.COMMUNE),
    ],
    "tayson": [
        ("x-tayson", "UBND xã Tây Sơn", AgencyKind.COMMUNE),
        ("x-phuphong", "UBND xã Phú Phong", AgencyKind.COMMUNE),
    ],
    "tuyphuoc": [
        ("x-tuyphuoc", "UBND xã Tuy Phước", AgencyKind.COMMUNE),
        ("x-tuyphuoc-bac", "UBND xã Tuy Phước Bắc", AgencyKind.COMMUNE),
    ],
    "vancanh": [
        ("x-vancanh", "UBND xã Vân Canh", AgencyKind.COMMUNE),
        ("x-canhvinh", "UBND xã Canh Vinh", AgencyKind.COMMUNE),
    ],
    "vinhthanh": [
        ("x-vinhthanh", "UBND xã Vĩnh Thạnh", AgencyKind.COMMUNE),
        ("x-vinhthinh", "UBND xã Vĩnh Thịnh", AgencyKind.COMMUNE),
    ],
}


def load_gialai2025(stats, make_user: Callable[..., User]) -> Cycle:
    """The 2025 map and cycle; idempotent (a second run finds every step done and changes nothing).

    ``make_user(username, full_name, stats)`` is the loader's user maker (the demo password).
    """
    load_province(stats)
    merge_departments(stats)
    split_districts(stats)
    cycle = load_cycle2025(stats)
    load_ward_users(cycle, stats, make_user)
    return cycle


def load_province(stats) -> None:
    for name, governing, place, seat, start, end in PROVINCE_PERIODS:
        _obj, created = Province.objects.get_or_create(
            name=name,
            valid_from=start,
            defaults={"governing_body": governing, "place": place, "seat": seat, "valid_to": end},
        )
        stats.add("province period", created)


def merge_departments(stats) -> None:
    for merged, continuing, new_name in DEPARTMENT_MERGERS:
        sources = list(Agency.objects.filter(code__in=merged, valid_to__isnull=True))
        if not sources:
            continue  # done on an earlier run
        target = Agency.objects.get(code=continuing)
        plan = restructuring.Plan(LinkKind.MERGE, sources, [target], DEPARTMENT_MERGER, note=ILLUSTRATIVE)
        restructuring.apply(plan, user=None, memberships=_same_role(plan), when_due=False)
        if new_name:
            agency_services.rename_agency(target, name=new_name[0], short_name=new_name[1], on=DEPARTMENT_MERGER)
        stats.add("merger", True)


def _same_role(plan: restructuring.Plan) -> dict[int, int | None]:
    """SNV's confirmation, as the demo gives it: every member of a merged agency joins its main successor."""
    return {m.user_id: plan.successors[0].pk for m in Membership.objects.filter(agency__in=plan.sources)}


def split_districts(stats) -> None:
    """Each district ends on 30/06/2025; its open tasks go round its successors (the first one leads)."""
    for district_code, successors in SUCCESSORS.items():
        wards = [_successor(code, name, kind, stats) for code, name, kind in successors]
        district = Agency.objects.filter(code=district_code, valid_to__isnull=True).first()
        if district is None:
            continue  # split on an earlier run
        communes = list(Agency.objects.filter(parent=district, valid_to__isnull=True))
        plan = restructuring.Plan(LinkKind.SPLIT, [district], wards, PROVINCE_MERGER, note=ILLUSTRATIVE)
        moves = restructuring.preview(plan).lead_moves
        plan.choices = {m.task.pk: [wards[i % len(wards)].pk] for i, m in enumerate(moves)}
        restructuring.apply(plan, user=None, when_due=False)
        for commune in communes:  # the old communes and wards merged into the new ones
            merge = restructuring.Plan(LinkKind.MERGE, [commune], [wards[0]], PROVINCE_MERGER, note=ILLUSTRATIVE)
            restructuring.apply(merge, user=None, when_due=False)
        stats.add("split", True)


def _successor(code: str, name: str, kind: str, stats) -> Agency:
    agency = Agency.objects.filter(code=code).first()
    stats.add("agency", agency is None)
    if agency is None:
        agency = agency_services.create_agency(
            code=code, name=name, kind=kind, valid_from=PROVINCE_MERGER, email=f"{code}@gialai.gov.vn"
        )
    return agency


def load_cycle2025(stats) -> Cycle:
    """The 2025 cycle of Gia Lai: central agencies, departments, communes and wards report; no district level."""
    previous = Cycle.objects.filter(year__lt=2025).order_by("-year").first()
    cycle, created = Cycle.objects.get_or_create(
        year=2025,
        defaults={
            "name": "Kỳ đánh giá 2025 – tỉnh Gia Lai (minh họa)",
            "previous": previous,
            "reporting_kinds": [str(k) for k in REPORTING_KINDS_2025],
            "report_deadline": dt.date(2025, 11, 15),
            "task_completion_target": dt.date(2025, 12, 31),
            "self_assessment_date": dt.date(2026, 2, 27),
            "reference_date": dt.date(2025, 11, 15),
            "governing_body": "UBND TỈNH GIA LAI",
            "place": "Gia Lai",
            # The addressee groups of "Nơi nhận" come from the reporting kinds above.
            "recipients": "- Ủy ban nhân dân tỉnh (để báo cáo);\n- Chủ tịch, các Phó Chủ tịch UBND tỉnh;\n- Lưu: VT, CCHC.",
        },
    )
    stats.add("cycle", created)
    if created:
        _attach_framework_876(cycle, stats)
        carried = restructuring.carry_latest_open_tasks(cycle, dt.date(2025, 12, 31))
        stats.created["task"] = stats.created.get("task", 0) + carried
    return cycle


def _attach_framework_876(cycle: Cycle, stats) -> None:
    """The illustrative 876/QĐ-BNV tree (2022–2030) that the methodology work builds (par2022)."""
    cycle.frameworks.add(framework_876(stats))


def load_ward_users(cycle: Cycle, stats, make_user: Callable[..., User]) -> None:
    """A staff user and a leader for phường Quy Nhơn (password as the other demo users), and its draft report."""
    ward = Agency.objects.get(code="p-quynhon")
    for username, full_name, role in (
        ("p-quynhon", "Chuyên viên UBND phường Quy Nhơn", MembershipRole.STAFF),
        ("p-quynhon.lead", "Chủ tịch UBND phường Quy Nhơn (minh họa)", MembershipRole.LEADER),
    ):
        user = make_user(username, full_name, stats)
        _m, created = Membership.objects.get_or_create(user=user, agency=ward, defaults={"role": role})
        stats.add("membership", created)
    _r, created = AgencyReport.objects.get_or_create(
        cycle=cycle,
        agency=ward,
        defaults={"status": ReportStatus.DRAFT, "narrative": "UBND phường Quy Nhơn báo cáo kết quả (minh họa)."},
    )
    stats.add("report", created)
