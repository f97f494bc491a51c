"""Reading a crosswalk workbook: one row per mapping (old code, new code, note). An I/O adapter only:
the rules live in parindex.services.import_crosswalk."""

from __future__ import annotations

import unicodedata
from typing import IO

from .workbook import WorkbookError, open_workbook


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return unicodedata.normalize("NFC", str(value)).strip()


def _is_code(text: str) -> bool:
    return text[:1].isascii() and text[:1].isdecimal()


def read_crosswalk_rows(source: bytes | IO[bytes]) -> list[tuple[str, str, str]]:
    """The first visible sheet's mapping rows, text in NFC.

    Provinces' sheets carry title blocks, a header (sometimes repeated after a page
    break) and area headings in Roman numerals; only rows whose first cell is a code
    (it starts with a digit) are mappings, wherever they stand. A hidden sheet (an
    earlier draft, a lookup list) is never read.
    """
    book = open_workbook(source)
    sheets = [s for s in book.worksheets if s.sheet_state == "visible"] or book.worksheets
    rows = []
    for values in sheets[0].iter_rows(values_only=True):
        cells = [_cell(v) for v in (list(values) + [None, None, None])[:3]]
        if _is_code(cells[0]):
            rows.append((cells[0], cells[1], cells[2]))
    if not rows:
        raise WorkbookError("empty")
    return rows
