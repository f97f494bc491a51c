"""Importing a predecessor province's announced results as a baseline of its own (not a Cycle)."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction

from agencies.models import Province, User

from .excel.baselines import read_baseline
from .excel.importing import Problem
from .models import BaselineScore, PredecessorBaseline


@dataclass
class BaselineImport:
    baseline: PredecessorBaseline | None
    problems: list[Problem] = field(default_factory=list)


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", (text or "").strip())


@transaction.atomic
def import_baseline(
    data: bytes,
    *,
    successor: Province,
    province_name: str,
    year: int,
    framework_name: str,
    legal_basis: str = "",
    announced_percent: Decimal | None = None,
    rank: str = "",
    user: User | None = None,
) -> BaselineImport:
    """Read the workbook, then write the baseline and its scores in one transaction (nothing on any problem).

    A second import of the same province and year replaces its scores; the
    baseline's own history records the change.
    """
    rows, problems = read_baseline(data)
    if problems:
        return BaselineImport(None, problems)
    baseline, _created = PredecessorBaseline.objects.update_or_create(
        successor=successor,
        province_name=_nfc(province_name),
        year=year,
        defaults={
            "framework_name": _nfc(framework_name),
            "legal_basis": _nfc(legal_basis),
            "announced_percent": announced_percent,
            "rank": _nfc(rank),
            "imported_by": user,
        },
    )
    baseline.scores.all().delete()
    BaselineScore.objects.bulk_create(
        [
            BaselineScore(
                baseline=baseline, code=r.code, name=_nfc(r.name), max_points=r.max_points, announced=r.announced,
                order=r.order,
            )
            for r in rows
        ]
    )  # fmt: skip
    return BaselineImport(baseline)
