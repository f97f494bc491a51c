"""Reading a crosswalk workbook: one row per mapping (old code, new code, note). An I/O adapter only:
the rules live in parindex.services.import_crosswalk."""

from __future__ import annotations

import unicodedata
from typing import IO

from django.utils.translation import gettext as _

from .workbook import CellError, WorkbookError, code_of_cell, open_workbook


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return unicodedata.normalize("NFC", str(value)).strip()


def _code_cell(cell) -> str:
    """A code as the cell shows it: an ambiguous number (3.1 for "3.10") is refused (code_of_cell)."""
    value = getattr(cell, "value", None)
    if isinstance(value, str):
        return _cell(value)
    if value is None:
        return ""
    return unicodedata.normalize("NFC", code_of_cell(value, getattr(cell, "number_format", None)))


def _is_code(text: str) -> bool:
    return text[:1].isascii() and text[:1].isdecimal()


def read_crosswalk_rows(source: bytes | IO[bytes]) -> list[tuple[str, str, str]]:
    """The first visible sheet's mapping rows, text in NFC.

    Provinces' sheets carry title blocks, a header (sometimes repeated after a page
    break) and area headings in Roman numerals; only rows whose first cell is a code
    (it starts with a digit) are mappings, wherever they stand. A hidden sheet (an
    earlier draft, a lookup list) is never read. A code typed as a number is read as
    the cell shows it, or refused where "3.10" has become 3.1 (workbook.code_of_cell).
    """
    book = open_workbook(source)
    sheets = [s for s in book.worksheets if s.sheet_state == "visible"] or book.worksheets
    rows, problems = [], []
    for number, row in enumerate(sheets[0].iter_rows(max_col=3), start=1):
        cells = (list(row) + [None, None, None])[:3]
        values = [getattr(c, "value", None) for c in cells]
        if isinstance(values[0], str) and not _is_code(_cell(values[0])):
            continue  # a title, a header, a Roman-numeral heading
        try:
            old, new = _code_cell(cells[0]), _code_cell(cells[1])
        except CellError as exc:
            problems.append(_("Row %(n)s: %(problem)s") % {"n": number, "problem": exc.message})
            continue
        if _is_code(old):
            rows.append((old, new, _cell(values[2])))
    if problems:
        raise WorkbookError(" ".join(problems))
    if not rows:
        raise WorkbookError("empty")
    return rows
