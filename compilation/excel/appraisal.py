"""Reading the Ministry's appraisal workbook: per sub-criterion its code, the appraised score and the
council's remark. An I/O adapter: the rules (round open, codes of the tree, maxima, all or nothing)
live in parindex.services.plan_appraisal / record_appraisal.

``parse_appraisal_rows`` holds the parsing rules of one row and is what any other entry point (the
API) calls on its rows, so a workbook and a JSON list are read alike.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from parindex.services import AppraisalRow

from .workbook import (
    MAX_COLUMNS,
    CellError,
    Column,
    Layout,
    WorkbookError,
    code_of_cell,
    find_header,
    open_workbook,
    parse_decimal,
    parse_text,
)

LAYOUT = Layout(
    "appraisal",
    (
        Column("code", "Mã tiêu chí", ("Mã", "Mã số", "Mã TCTP", "STT", "TT"), required=True),
        Column(
            "score",
            "Điểm thẩm định",
            ("Điểm thẩm định vòng 1", "Điểm thẩm định vòng 2", "Kết quả thẩm định", "Điểm sau thẩm định", "Điểm"),
            required=True,
        ),
        Column("remark", "Nhận xét của Hội đồng", ("Nhận xét", "Ý kiến của Hội đồng", "Ý kiến thẩm định", "Ghi chú")),
    ),
)


def _is_code(text: str) -> bool:
    return text[:1].isascii() and text[:1].isdecimal()


def parse_appraisal_rows(rows: Iterable[tuple[int, dict[str, Any]]]) -> list[AppraisalRow]:
    """(line, {"code", "score", "remark", optional "code_format"}) → AppraisalRow, every problem listed.

    A row whose code does not start with a digit (a title, an area heading in Roman
    numerals) is skipped. A code typed as a number is read as its cell shows it, and
    refused where "3.10" has become 3.1 (workbook.code_of_cell); a score may use a
    decimal comma ("0,75"); a blank score is a problem, never a zero.
    """
    out, problems = [], []
    for line, raw in rows:
        try:
            code = code_of_cell(raw.get("code"), raw.get("code_format"))
            if not _is_code(code):
                continue
            score = parse_decimal(raw.get("score"))
            if score is None:
                raise CellError(_("%(code)s has no appraised score.") % {"code": code})
            out.append(AppraisalRow(code, score, parse_text(raw.get("remark"), 5000), line))
        except CellError as exc:
            problems.append(_("Row %(n)s: %(problem)s") % {"n": line, "problem": exc.message})
    if problems:
        raise ValidationError(problems)
    return out


def read_appraisal_workbook(source: bytes | IO[bytes]) -> list[AppraisalRow]:
    """The rows below the header (Mã tiêu chí, Điểm thẩm định, Nhận xét của Hội đồng) of its sheet."""
    book = open_workbook(source)
    match = find_header(book, LAYOUT)
    if match is None or not all(k in match.positions for k in ("code", "score")):
        raise WorkbookError(
            _("No header with the columns “Mã tiêu chí” and “Điểm thẩm định” was found in the workbook.")
        )
    ws = book[match.sheet]
    width = min(max(match.positions.values()) + 1, MAX_COLUMNS)

    def rows():
        for line, cells in enumerate(ws.iter_rows(min_row=match.row + 1, max_col=width), start=match.row + 1):
            cells = list(cells) + [None] * width
            code_cell = cells[match.positions["code"]]
            raw = {k: getattr(cells[i], "value", None) for k, i in match.positions.items()}
            if raw["code"] is None:
                continue
            raw["code_format"] = getattr(code_cell, "number_format", None)
            yield line, raw

    return parse_appraisal_rows(rows())
