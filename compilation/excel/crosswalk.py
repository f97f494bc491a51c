"""Reading a crosswalk workbook: one row per mapping (old code, new code, note). An I/O adapter only:
the rules live in parindex.services.import_crosswalk."""

from __future__ import annotations

from typing import IO

from .workbook import WorkbookError, open_workbook


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def read_crosswalk_rows(source: bytes | IO[bytes]) -> list[tuple[str, str, str]]:
    """The first sheet's rows; a first row whose first cell is not a code (a header) is skipped."""
    sheet = open_workbook(source).worksheets[0]
    rows = []
    for values in sheet.iter_rows(values_only=True):
        cells = [_cell(v) for v in (list(values) + [None, None, None])[:3]]
        if not any(cells):
            continue
        if not rows and not cells[0][:1].isdigit():
            continue  # the header
        rows.append((cells[0], cells[1], cells[2]))
    if not rows:
        raise WorkbookError("empty")
    return rows
