"""Reading a predecessor province's framework workbook of one year: codes, names, maxima, announced points.

The same header finder, row reader and problems as the framework import
(importing.py), so a workbook the import accepts is read here the same way.
The announced points are the appraised column ("Điểm thẩm định"), which is
what the Ministry announced.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

from . import workbook as excel
from .importing import CODE_RE, Problem, Problems, RowReader, _locate, _rows
from .workbook import FRAMEWORK_LAYOUT, WorkbookError


@dataclass
class BaselineRow:
    code: str
    name: str
    max_points: Decimal
    announced: Decimal | None
    order: int


def read_baseline(data: bytes) -> tuple[list[BaselineRow], list[Problem]]:
    """The rows of the workbook's framework sheet, or the problems that stop the import."""
    problems = Problems()
    try:
        book = excel.open_workbook(data)
    except WorkbookError as exc:
        return [], [Problem(exc.message)]
    rows: list[BaselineRow] = []
    try:
        match = _locate(book, FRAMEWORK_LAYOUT, problems, None)
        if match is None:
            return [], list(problems)
        if "appraised_score" not in match.positions:
            problems.add(_("The workbook has no column of announced (appraised) points, “Điểm thẩm định”."), match)
            return [], list(problems)
        for number, values in _rows(book, match, problems):
            reader = RowReader(match, number, values, problems, book.epoch)
            code, name = reader.code("code"), reader.text("name", 500, required=True)
            if not code or not CODE_RE.match(code):
                continue  # a total or a note line: the baseline keeps the tree's rows only
            max_points = reader.decimal("max_points", required=True)
            if max_points is None:
                continue
            rows.append(BaselineRow(code, name, max_points, reader.decimal("appraised_score"), len(rows) + 1))
    finally:
        book.close()
    if not rows and not problems:
        problems.add(_("The sheet has no criteria below its header row."), match)
    return rows, list(problems)
