"""Illustrative demo data: a PAR Index tree shaped like 876/QĐ-BNV (2022–2030) and its crosswalk from 2021.

The tree is an illustration (minh họa) with the shape 876/QĐ-BNV gives for provinces: 8 areas,
37 criteria, 88 sub-criteria, 100 points of which 32 by sociological survey, groups A ≥ 90 %,
B 80 to < 90 %, C 70 to < 80 %. It is NOT the annex of the decision: the real tree is imported
from the Ministry's workbook. It is derived from the illustrative 2021 tree (par2021) the way a
new decision changes a tree, so the crosswalk has every case:

- most sub-criteria are kept (renumbered: criteria are merged);
- a few are split in two (SPLIT), a few dropped (DROPPED), one is new (NEW);
- points are rescaled so the survey part is 32 and the self-assessed part 68.

``framework_876(stats)`` creates the framework (get-or-create, idempotent); the 2025 cycle of
the agencies issue reuses it. ``crosswalk_2021_876()`` gives the (old code, new code, note) rows.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from functools import cache

from agencies.models import Agency
from parindex.models import Criterion, Framework, FrameworkKind, Level, Method

from . import par2021

D = Decimal
FRAMEWORK_876 = {
    "name": "PAR Index cấp tỉnh 876/QĐ-BNV (minh họa)",
    "legal_basis": "876/QĐ-BNV",
    "decision_date": dt.date(2022, 11, 10),
    "first_year": 2022,
    "last_year": 2030,
    "groups": [["A", 90], ["B", 80], ["C", 70]],
    "description": (
        "Bộ tiêu chí minh họa dùng cho dữ liệu mẫu, theo cấu trúc của Quyết định số 876/QĐ-BNV "
        "ngày 10/11/2022 của Bộ Nội vụ (giai đoạn 2022–2030): 8 lĩnh vực, 37 tiêu chí, 88 tiêu chí "
        "thành phần, tổng 100 điểm, trong đó 32 điểm qua điều tra xã hội học. Đây không phải là nội "
        "dung nguyên văn Phụ lục của Quyết định; bộ tiêu chí chính thức được nhập từ tệp bảng tính "
        "do Bộ Nội vụ ban hành."
    ),
}
SURVEY_POINTS = D(32)
SELF_POINTS = D(68)

AREA_NAMES = {
    "1": "Công tác chỉ đạo, điều hành cải cách hành chính",
    "2": "Cải cách thể chế",
    "3": "Cải cách thủ tục hành chính",
    "4": "Cải cách tổ chức bộ máy hành chính nhà nước",
    "5": "Cải cách chế độ công vụ",
    "6": "Cải cách tài chính công",
    "7": "Xây dựng và phát triển Chính quyền điện tử, Chính quyền số",
    "8": "Tác động của cải cách hành chính đến người dân, tổ chức và phát triển kinh tế - xã hội của tỉnh",
}
# 2021 criterion → the 2021 criterion it is merged into (43 criteria become 37 with DROPPED's 7.3).
MERGED = {"1.2": "1.1", "3.6": "3.5", "4.4": "4.3", "5.3": "5.2", "6.4": "6.3"}
DROPPED = {
    "1.2.2",
    "1.4.2",
    "1.5.3",
    "2.2.1",
    "3.4.2",
    "4.1.3",
    "4.5.2",
    "5.6.1",
    "6.1.3",
    "7.1.1",
    "7.3.1",
}
SPLIT = {
    "2.1.2": ("xây dựng, ban hành", "tổ chức thực hiện"),
    "3.4.1": ("giải quyết đúng hạn", "xin lỗi khi trễ hạn"),
    "7.2.1": ("cung cấp dịch vụ", "tỷ lệ hồ sơ trực tuyến"),
}
# New in 876: (2021 criterion it joins, name, 2021-scale points, method). It has no predecessor.
NEW = [("7.2", "Số hóa hồ sơ, kết quả giải quyết thủ tục hành chính", D(1), Method.SELF)]


def _quarter(value: Decimal) -> Decimal:
    return (value * 4).quantize(D(1), rounding=ROUND_HALF_UP) / 4


def _rescale(leaves: list[dict], method: str, target: Decimal) -> None:
    """Scale the leaves of one method to ``target`` points, at quarter points; the rounding rest
    goes to the largest leaves a quarter at a time."""
    part = [leaf for leaf in leaves if leaf["method"] == method]
    factor = target / sum((leaf["max"] for leaf in part), D(0))
    for leaf in part:
        leaf["max"] = max(D("0.25"), _quarter(leaf["max"] * factor))
    rest = target - sum((leaf["max"] for leaf in part), D(0))
    step = D("0.25") if rest > 0 else D("-0.25")
    for leaf in sorted(part, key=lambda x: (-x["max"], x["old"] or "")) * 4:
        if rest == 0:
            break
        leaf["max"] += step
        rest -= step


@cache
def tree_876() -> tuple[tuple[dict, ...], tuple[tuple[str, str | None, str], ...]]:
    """The areas (each with criteria and leaves) and the crosswalk rows, derived once from par2021."""
    areas, crosswalk, leaves = [], [], []
    for area in par2021.PAR_TREE:
        groups: dict[str, list[dict]] = {}
        names: dict[str, str] = {}
        for crit in area["criteria"]:
            home = MERGED.get(crit["code"], crit["code"])
            names.setdefault(home, crit["name"])
            if home != crit["code"]:
                names[home] = f"{names[home]}; {crit['name'][0].lower()}{crit['name'][1:]}"
            for code, name, max_points, method in crit["subs"]:
                if code in DROPPED:
                    crosswalk.append((code, None, "Bỏ trong bộ tiêu chí mới"))
                    continue
                parts = SPLIT.get(code)
                if parts:
                    for suffix in parts:
                        groups.setdefault(home, []).append(
                            {"old": code, "name": f"{name} – {suffix}", "max": max_points / 2, "method": method}
                        )
                else:
                    groups.setdefault(home, []).append({"old": code, "name": name, "max": max_points, "method": method})
        for home, name, max_points, method in NEW:
            if home in groups:
                groups[home].append({"old": None, "name": name, "max": max_points, "method": method})
        criteria = [{"name": names[home], "leaves": kids} for home, kids in groups.items() if kids]
        areas.append(
            {"code": area["code"], "name": AREA_NAMES[area["code"]], "focal": area["focal"], "criteria": criteria}
        )
        leaves.extend(leaf for crit in criteria for leaf in crit["leaves"])
    _rescale(leaves, Method.SURVEY, SURVEY_POINTS)
    _rescale(leaves, Method.SELF, SELF_POINTS)
    for area in areas:
        for i, crit in enumerate(area["criteria"], start=1):
            crit["code"] = f"{area['code']}.{i}"
            for j, leaf in enumerate(crit["leaves"], start=1):
                leaf["code"] = f"{crit['code']}.{j}"
                if leaf["old"]:
                    note = "Tách từ tiêu chí cũ" if leaf["old"] in SPLIT else "Giữ nguyên nội dung, đánh số lại"
                    crosswalk.append((leaf["old"], leaf["code"], note))
            crit["max"] = sum((leaf["max"] for leaf in crit["leaves"]), D(0))
        area["max"] = sum((crit["max"] for crit in area["criteria"]), D(0))
    return tuple(areas), tuple(sorted(crosswalk, key=lambda r: (_key(r[0]), _key(r[1] or ""))))


def _key(code: str) -> tuple[int, ...]:
    return tuple(int(p) if p.isascii() and p.isdecimal() else 0 for p in code.split("."))


def crosswalk_2021_876() -> tuple[tuple[str, str | None, str], ...]:
    """(2021 code, 876 code or None for a dropped one, note): one row per mapping, splits twice."""
    return tree_876()[1]


def new_codes_without_predecessor() -> list[str]:
    mapped = {new for _old, new, _note in crosswalk_2021_876() if new}
    return [
        leaf["code"] for a in tree_876()[0] for c in a["criteria"] for leaf in c["leaves"] if leaf["code"] not in mapped
    ]


def framework_876(stats) -> Framework:
    """The illustrative 876/QĐ-BNV framework and its tree, found by natural keys before creating anything.

    ``stats`` is the demo loader's Stats (anything with ``add(kind, created)``).
    """
    spec = FRAMEWORK_876
    framework, created = Framework.objects.get_or_create(
        name=spec["name"],
        defaults={
            "kind": FrameworkKind.PAR,
            "total_points": D(100),
            **{
                k: spec[k] for k in ("legal_basis", "decision_date", "first_year", "last_year", "groups", "description")
            },
        },
    )
    stats.add("framework", created)
    existing = {c.code: c for c in Criterion.objects.filter(framework=framework)}
    focal = {a.code: a for a in Agency.objects.filter(code__in=[a["focal"].lower() for a in tree_876()[0]])}
    order = 0
    for area in tree_876()[0]:
        order += 1
        area_node = _node(
            framework,
            existing,
            stats,
            order,
            area["code"],
            area["name"],
            Level.AREA,
            area["max"],
            focal_agency=focal.get(area["focal"].lower()),
        )
        for crit in area["criteria"]:
            order += 1
            survey = all(leaf["method"] == Method.SURVEY for leaf in crit["leaves"])
            crit_node = _node(
                framework,
                existing,
                stats,
                order,
                crit["code"],
                crit["name"],
                Level.CRITERION,
                crit["max"],
                parent=area_node,
                method=Method.SURVEY if survey else Method.SELF,
            )
            for leaf in crit["leaves"]:
                order += 1
                _node(
                    framework,
                    existing,
                    stats,
                    order,
                    leaf["code"],
                    leaf["name"],
                    Level.SUB,
                    leaf["max"],
                    parent=crit_node,
                    method=leaf["method"],
                )
    return framework


def _node(framework, existing, stats, order, code, name, level, max_points, **fields) -> Criterion:
    if code in existing:
        return existing[code]
    node = Criterion.objects.create(
        framework=framework, code=code, name=name, level=level, max_points=max_points, order=order, **fields
    )
    stats.add("criterion", True)
    return node
