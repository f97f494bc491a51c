"""Excel I/O adapters: read what real government spreadsheets hold, write tables that open cleanly.

No business rule lives here. This module knows cells, headers and number
formats; importing.py decides what a row means and exporting.py what a row
holds. The sheet layouts (columns, Vietnamese headers and the header variants
found in the province's files) live here because reading and writing must
share them: that is what makes an exported workbook importable again.

Large files: workbooks are read with ``read_only=True`` and written with
``write_only=True``, so memory stays flat whatever the number of rows.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import re
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import cached_property
from typing import IO, Any, NamedTuple
from xml.sax.saxutils import escape as xml_escape

from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils import formats
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import from_excel, to_excel
from openpyxl.utils.indexed_list import IndexedList
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

# Reading limits: a sheet bigger than this is refused with a message, never half read. The data rows' limit is
# the setting EXCEL_IMPORT_MAX_ROWS (max_rows()); with the blank rows between them, this many times as many rows.
MAX_COLUMNS = 60
HEADER_SCAN_ROWS = 25
SCANNED_PER_DATA_ROW = 10
# Excel refuses (and "repairs") a cell holding more characters than this.
EXCEL_MAX_CHARS = 32_767

DATE_FORMAT = "DD/MM/YYYY"
POINTS_FORMAT = "0.00"
INTEGER_FORMAT = "0"
PERCENT_FORMAT = "0.00%"  # the value is a fraction (0.8545), shown "85,45%" in a Vietnamese Excel
# Text beginning with one of these would be taken for a formula when edited in Excel.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


class WorkbookError(Exception):
    """The file as a whole cannot be read: not a workbook, an old .xls, an empty workbook."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class CellError(ValueError):
    """One cell's value cannot be read as what its column holds."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# --------------------------------------------------------------------------- headers


def normalize(text: Any) -> str:
    """Fold a header or a name for matching: case, diacritics, "đ", punctuation and (notes) ignored.

    Government spreadsheets write the same header as "Điểm tối đa", "ĐIỂM TỐI ĐA"
    or "Diem toi da (điểm)"; all of them fold to "diem toi da".
    """
    if text is None:
        return ""
    value = unicodedata.normalize("NFKD", str(text))
    value = "".join(ch for ch in value if not unicodedata.combining(ch))
    value = value.replace("đ", "d").replace("Đ", "D").lower()
    value = re.sub(r"\([^)]*\)", " ", value)
    value = re.sub(r"[^0-9a-z]+", " ", value)
    return value.strip()


@dataclass(frozen=True)
class Column:
    """One column of a sheet layout: its key, the Vietnamese header written, and the variants read."""

    key: str
    header: str
    aliases: tuple[str, ...] = ()
    required: bool = False
    width: float = 14
    number_format: str | None = None
    wrap: bool = False

    @cached_property
    def names(self) -> tuple[str, ...]:
        return (normalize(self.header), *(normalize(a) for a in self.aliases))

    def rank(self, label: str) -> int | None:
        """How well a folded header label names this column (0 is best), or None."""
        return self.names.index(label) if label in self.names else None


@dataclass(frozen=True)
class Layout:
    """The columns an importer looks for; the order is the order written in templates."""

    name: str
    columns: tuple[Column, ...]

    @property
    def required(self) -> list[Column]:
        return [c for c in self.columns if c.required]

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)


@dataclass
class HeaderMatch:
    """Where a layout's header row was found, and which column holds each key."""

    sheet: str
    row: int
    positions: dict[str, int]
    labels: dict[str, str]
    title_lines: list[str] = field(default_factory=list)
    unused: list[str] = field(default_factory=list)  # headers of the columns the layout does not read

    def letter(self, key: str) -> str:
        return get_column_letter(self.positions[key] + 1)


def _row_labels(row: Sequence[Any]) -> list[str]:
    return [normalize(v) if isinstance(v, str) else "" for v in row]


def _candidate_labels(row: list[str], above: list[str] | None) -> list[tuple[str, ...]]:
    """The labels a column may have: its own, or with the merged group header above it.

    A two-row header such as "Điểm" merged over "Tự đánh giá | Thẩm định"
    leaves the upper cell of the second column empty in the file, and a
    vertically merged "Mã" leaves the lower cell empty.
    """
    out = []
    for i, label in enumerate(row):
        upper = above[i] if above and i < len(above) else ""
        if not label:
            out.append((upper,) if upper else ())
        elif upper:
            out.append((label, f"{upper} {label}"))
        else:
            out.append((label,))
    return out


def _assign(layout: Layout, candidates: list[tuple[str, ...]]) -> dict[str, int]:
    """Give each key the column naming it best; a column serves one key only."""
    ranked = []
    for column in layout.columns:
        for index, labels in enumerate(candidates):
            ranks = [r for r in (column.rank(label) for label in labels) if r is not None]
            if ranks:
                ranked.append((min(ranks), index, column.key))
    positions: dict[str, int] = {}
    for _rank, index, key in sorted(ranked):
        if key not in positions and index not in positions.values():
            positions[key] = index
    return positions


def _score(layout: Layout, positions: dict[str, int]) -> tuple[int, int]:
    return (sum(1 for c in layout.required if c.key in positions), len(positions))


def visible_sheets(workbook: Workbook) -> list[Any]:
    """The sheets a user sees; a hidden or "very hidden" sheet (last year's copy kept for reference) is never read."""
    return [ws for ws in workbook.worksheets if getattr(ws, "sheet_state", "visible") == "visible"]


def find_header(workbook: Workbook, layout: Layout, sheet: str | None = None) -> HeaderMatch | None:
    """Find the visible sheet and row holding the layout's header, below any title rows.

    Every visible sheet (or only ``sheet``) is scanned; the row naming most required
    columns, then most columns, wins (the first one on a tie). A row must name
    at least two columns. A header split over two rows (merged group cells)
    counts as one header ending on its lower row.
    """
    matches = find_headers(workbook, layout, sheet)
    best = None
    for match in matches:
        if best is None or _score(layout, match.positions) > _score(layout, best.positions):
            best = match
    return best


def find_headers(workbook: Workbook, layout: Layout, sheet: str | None = None) -> list[HeaderMatch]:
    """Each visible sheet's best header row for the layout (sheets without one are left out), in sheet order."""
    found = []
    for ws in visible_sheets(workbook):
        if sheet and ws.title != sheet:
            continue
        match = _sheet_header(ws, layout)
        if match is not None:
            found.append(match)
    return found


def _sheet_header(ws: Any, layout: Layout) -> HeaderMatch | None:
    best: tuple[tuple[int, int], HeaderMatch] | None = None
    rows = list(ws.iter_rows(max_row=HEADER_SCAN_ROWS, max_col=MAX_COLUMNS, values_only=True))
    above: list[str] | None = None
    for number, raw in enumerate(rows, start=1):
        labels = _row_labels(raw)
        for two_rows in (False, True):
            if two_rows and above is None:
                continue
            positions = _assign(layout, _candidate_labels(labels, above if two_rows else None))
            score = _score(layout, positions)
            if score[1] >= 2 and (best is None or score > best[0]):
                titles = [_title_text(r) for r in rows[: number - 1 - two_rows]]
                upper = rows[number - 2] if two_rows else ()
                texts = {k: _header_text(_at(raw, i), _at(upper, i)) for k, i in positions.items()}
                used = set(positions.values())
                width = max(len(raw), len(upper))
                unused = [_header_text(_at(raw, i), _at(upper, i)) for i in range(width) if i not in used]
                match = HeaderMatch(
                    ws.title, number, positions, texts, [t for t in titles if t], [u for u in unused if u]
                )
                best = (score, match)
        above = labels if any(labels) else None
    return best[1] if best else None


def _at(row: Sequence[Any], index: int) -> Any:
    return row[index] if index < len(row) else None


def _header_text(value: Any, upper: Any) -> str:
    """The header as the user wrote it, for problem messages."""
    parts = [str(v).strip() for v in (upper, value) if v is not None and str(v).strip()]
    return " ".join(parts)


def _title_text(row: Sequence[Any]) -> str:
    """The first text of a title row (merged title cells keep their text in the first cell)."""
    return next((str(v).strip() for v in row if isinstance(v, str) and v.strip()), "")


# --------------------------------------------------------------------------- reading


def open_workbook(source: bytes | IO[bytes]) -> Workbook:
    """Open an .xlsx for streaming reads, turning every way a file can be wrong into one message.

    ``data_only`` gives the value Excel or LibreOffice saved for a formula
    (a total written as =SUM(...)), never the formula text.
    """
    data = source if isinstance(source, bytes) else source.read()
    if not data:
        raise WorkbookError(_("The file is empty."))
    if data[:8] == CFB_MAGIC:
        raise WorkbookError(_compound_file_message(data))
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise WorkbookError(_("The file is not an Excel workbook (.xlsx)."))
    if b"opendocument.spreadsheet" in data[:200]:
        raise WorkbookError(_("This is an OpenDocument (.ods) file. Save it as an Excel Workbook (.xlsx)."))
    _check_unpacked(data)
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for damaged files; all mean the same to a user
        raise WorkbookError(_("The workbook cannot be read; it may be damaged or protected.")) from exc
    if not workbook.worksheets:
        raise WorkbookError(_("The workbook has no worksheet."))
    return workbook


# An OLE compound file (CFB): an old .xls, or an .xlsx that Excel encrypted with a password to open.
CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# The streams naming what a compound file holds, as its directory writes them (UTF-16LE).
ENCRYPTED_STREAMS = tuple(name.encode("utf-16le") for name in ("EncryptedPackage", "EncryptionInfo"))
XLS_STREAMS = tuple(name.encode("utf-16le") for name in ("Workbook", "Book"))


def _compound_file_message(data: bytes) -> str:
    """A password-protected workbook and an old .xls are both compound files; each gets its own advice.

    The names of a compound file's streams are in its directory sectors, in UTF-16LE; looking for
    them in the bytes needs no OLE parser, and a name found is enough to tell the two apart.
    """
    if any(name in data for name in ENCRYPTED_STREAMS):
        return _(
            "The file is protected with a password: remove the password (in Excel: File › Info › Protect "
            "Workbook › Encrypt with Password, clear it) and save it again as .xlsx."
        )
    if any(name in data for name in XLS_STREAMS):
        return _("This is an old Excel 97-2003 (.xls) file. Save it as an Excel Workbook (.xlsx).")
    return _("The file is not an Excel workbook (.xlsx).")


def _check_unpacked(data: bytes) -> None:
    """Refuse a workbook whose parts unpack past EXCEL_IMPORT_MAX_UNPACKED_BYTES, from the zip's directory,
    before openpyxl parses a sheet (agencies.files.unpacked_size: the evidence uploads' check)."""
    from agencies.files import unpacked_size

    size = unpacked_size(io.BytesIO(data))
    if size is None:
        raise WorkbookError(_("The workbook cannot be read; it may be damaged or protected."))
    limit = settings.EXCEL_IMPORT_MAX_UNPACKED_BYTES
    if size[0] > limit:
        raise WorkbookError(
            _(
                "The workbook unpacks to %(size)s; at most %(limit)s can be imported. Delete the sheets, images "
                "or formatting that are not needed, or split the file, and save it again."
            )
            % {"size": filesizeformat(size[0]), "limit": filesizeformat(limit)}
        )


def max_rows() -> int:
    """The most data rows a sheet may have (the setting EXCEL_IMPORT_MAX_ROWS)."""
    return settings.EXCEL_IMPORT_MAX_ROWS


def formula_cells(data: bytes, sheet: str, cells: set[tuple[int, int]]) -> set[tuple[int, int]]:
    """Which of the (row, 1-based column) cells hold a formula whose value the file does not store.

    Excel and LibreOffice store each formula's last value, but files written
    by other programs often do not: such a cell reads as empty, and the user
    deserves to know why.
    """
    if not cells:
        return set()
    workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    try:
        rows = workbook[sheet].iter_rows(
            min_row=min(r for r, _c in cells), max_row=max(r for r, _c in cells), max_col=MAX_COLUMNS
        )
        found = set()
        for row in rows:
            for cell in row:
                key = (getattr(cell, "row", None), getattr(cell, "column", None))
                if key in cells and cell.data_type == "f":
                    found.add(key)
        return found
    finally:
        workbook.close()


def data_rows(workbook: Workbook, match: HeaderMatch) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield (row number, {key: raw value}) for each non-blank row below the header.

    Blank rows (trailing ones, or gaps) are skipped. Raises WorkbookError when
    the sheet is larger than the limits, before anything is written. The rows are
    counted as they stream: the sheet's declared dimension (``<dimension ref=…>``,
    which a file can get wrong either way) is dropped first, so rows past it are
    read and counted too, and a dimension claiming a million rows yields no padding.
    """
    ws = workbook[match.sheet]
    if hasattr(ws, "reset_dimensions"):  # read-only sheets: iter_rows would stop at the declared last row
        ws.reset_dimensions()
    width = max(match.positions.values()) + 1
    yielded, limit = 0, max_rows()
    rows = ws.iter_rows(min_row=match.row + 1, max_col=min(width, MAX_COLUMNS), values_only=True)
    for number, raw in enumerate(rows, start=match.row + 1):
        if number - match.row > limit * SCANNED_PER_DATA_ROW:
            raise WorkbookError(_("The sheet has more than %(n)s rows.") % {"n": limit * SCANNED_PER_DATA_ROW})
        if is_footer(raw):
            break  # "Nơi nhận:", "NGƯỜI LẬP BIỂU", a date line: the signature block, not data
        values = {k: _at(raw, i) for k, i in match.positions.items()}
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in values.values()):
            continue
        if is_column_numbers(values.values()):
            continue  # the "(1) (2) (3) …" row under a header
        yielded += 1
        if yielded > limit:
            raise WorkbookError(
                _("The sheet has more than %(n)s data rows, the most an import reads; split it into several files.")
                % {"n": formats.number_format(limit, force_grouping=True)}
            )
        yield number, values


FOOTER_STARTS = ("noi nhan", "ghi chu", "nguoi lap", "nguoi lap bieu", "giam doc", "tm uy ban", "kt giam doc")
DATE_LINE_RE = re.compile(r"\bngay\s+\S*\s*thang\s+\S*\s*nam\s+\d{4}")
COLUMN_NUMBER_RE = re.compile(r"^\(\s*\d{1,2}\s*\)$")


def is_footer(raw: Sequence[Any]) -> bool:
    """The row opens the notes or signature block below a table: one or two texts (never a data row's
    three or more cells), the first of them "Nơi nhận:", "Ghi chú:", "NGƯỜI LẬP BIỂU" or a date line."""
    cells = [v for v in raw if v is not None and not (isinstance(v, str) and not v.strip())]
    if not cells or len(cells) > 2 or not all(isinstance(v, str) for v in cells):
        return False
    first = cells[0]
    folded = normalize(first)
    return folded.startswith(FOOTER_STARTS) or bool(DATE_LINE_RE.search(folded))


def is_column_numbers(values: Iterable[Any]) -> bool:
    """A row of column numbers "(1) (2) (3)" under a header; two cells at least."""
    cells = [v for v in values if v is not None and not (isinstance(v, str) and not v.strip())]
    return len(cells) >= 2 and all(isinstance(v, str) and COLUMN_NUMBER_RE.match(v.strip()) for v in cells)


def _refuse_errors_and_booleans(value: Any) -> None:
    if isinstance(value, str) and value.strip() in ERROR_CODES:
        raise CellError(_("The cell holds the error %(error)s.") % {"error": value.strip()})
    if isinstance(value, bool):
        raise CellError(_("The cell holds TRUE/FALSE where a value was expected."))


def parse_text(value: Any, max_length: int = EXCEL_MAX_CHARS) -> str:
    """Any cell as trimmed text; numbers keep their digits (12 not 12.0)."""
    if value is None:
        return ""
    _refuse_errors_and_booleans(value)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, dt.datetime | dt.date):
        value = value.strftime("%d/%m/%Y")
    # NFC: a title saved decomposed (NFD, by some Mac and web tools) is the same title, stored and compared once.
    text = unicodedata.normalize("NFC", str(value).replace("\r\n", "\n"))
    text = re.sub(r"[ \t\u00a0]+", " ", text).strip()
    if len(text) > max_length:
        raise CellError(
            _("The text is %(n)s characters long; at most %(max)s are allowed.")
            % {
                "n": len(text),
                "max": max_length,
            }
        )
    return text


ROMAN_RE = re.compile(r"^(X{0,3})(IX|IV|V?I{0,3})$")
ROMAN_VALUES = {"I": 1, "V": 5, "X": 10}


def roman(text: str) -> int | None:
    """A Roman numeral's value, "VIII" → 8 (I to XXXIX: an annex's areas, a quarter); None for other text."""
    text = text.strip().upper()
    if not text or not ROMAN_RE.match(text):
        return None
    total = 0
    for i, letter in enumerate(text):
        value = ROMAN_VALUES[letter]
        total += -value if i + 1 < len(text) and ROMAN_VALUES[text[i + 1]] > value else value
    return total


def parse_code(value: Any) -> str:
    """A criterion code such as "3.2.1". Excel turns "3.2" into the number 3.2; read it back as text.
    "1." and "1.1." lose their final dot. (An area numbered "I" is read as area 1 by the framework
    import only: elsewhere a Roman numeral is a heading, e.g. in the Ministry's appraisal sheet.)"""
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = format(Decimal(repr(value)).normalize(), "f")
    return parse_text(value, 40).rstrip(".").replace(" ", "")


_FIXED_DECIMALS = re.compile(r"^[#,0]*0\.(0+)$")


def code_of_cell(value: Any, number_format: str | None) -> str:
    """A code read as the cell shows it, for the imports that read cells (crosswalk, appraisal).

    Excel stores "3.10" typed into a General cell as the number 3.1: then "3.1" and
    "3.10" cannot be told apart, and a guess would map the wrong criterion. A number
    with a fraction is therefore read through its number format when that format fixes
    the decimals ("0.00" shows 3.10), and refused otherwise with a message saying how
    to fix the sheet. Whole numbers ("3") and text cells are never ambiguous.
    """
    if isinstance(value, float) and not value.is_integer():
        fixed = _FIXED_DECIMALS.match((number_format or "").split(";")[0].strip())
        if fixed is None:
            raise CellError(
                _(
                    "The code %(value)s is stored as a number, so 3.1 and 3.10 cannot be told apart. "
                    "Format the code column as Text and type the codes again."
                )
                % {"value": value}
            )
        return f"{value:.{len(fixed.group(1))}f}"
    return parse_code(value)


# "Not scored" as annexes write it: a dash of any kind in the cell (an empty cell is None too).
NOT_SCORED = {"-", "–", "—", "−", "--"}
# The unit officials write after points: "1 điểm", "0,5đ" (folded: no marks, "đ" as "d").
POINTS_UNIT_RE = re.compile(r"\s*(?:diem|d)\.?$")
GROUPED_RE = {".": re.compile(r"^\d{1,3}(?:\.\d{3})+$"), ",": re.compile(r"^\d{1,3}(?:,\d{3})+$")}


def parse_decimal(value: Any, places: int = 2) -> Decimal | None:
    """Points as provinces write them; blank or a dash ("-", "–", "—") is None, "not scored", never 0.

    A number cell, or text: "0,5" and "0.5", "1 điểm", "1.234,5" and "1 234,5" (Vietnamese grouping),
    "1,234.5". With both marks the last one is the decimal mark and the other must group by threes; a
    lone "," or "." is the decimal mark, several of the same mark group thousands ("1.234.567").
    Anything else is refused, never guessed: "1.234" is 1,234 points in one reading and 1.234 (three
    decimals, refused) in the other, and so refused with the decimals' message.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    _refuse_errors_and_booleans(value)
    if isinstance(value, dt.date | dt.datetime | dt.time):
        raise CellError(_("A date was found where a number was expected."))
    if isinstance(value, float):
        number = Decimal(repr(value))
    elif isinstance(value, int | Decimal):
        number = Decimal(value)
    else:
        text = _number_text(str(value))
        if text is None:
            return None
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise CellError(_("“%(value)s” is not a number.") % {"value": str(value)[:50]}) from None
    if not number.is_finite():
        raise CellError(_("“%(value)s” is not a number.") % {"value": str(value)[:50]})
    return _quantize(number, places, value)


def _number_text(raw: str) -> str | None:
    """The digits of a points text with "." as the decimal mark, or None for a dash; the text unchanged
    when it is no number (Decimal refuses it with the message)."""
    text = unicodedata.normalize("NFC", raw).strip()
    if text in NOT_SCORED:
        return None
    text = POINTS_UNIT_RE.sub("", normalize_marks(text).lower()).strip()
    text = re.sub(r"[\s\u00a0\u202f]+", "", text)  # "1 234,5": spaces (plain, non-breaking, narrow) group
    sign = ""
    if not text:  # "đ" alone, "điểm" alone: no number
        return raw
    if text[0] in "-−+":
        sign, text = ("-" if text[0] != "+" else ""), text[1:]
    if "," in text and "." in text:
        decimal_mark = "," if text.rindex(",") > text.rindex(".") else "."
        group_mark = "." if decimal_mark == "," else ","
        whole, _sep, fraction = text.rpartition(decimal_mark)
        if not GROUPED_RE[group_mark].match(whole):
            return raw
        text = f"{whole.replace(group_mark, '')}.{fraction}"
    elif text.count(",") > 1 or text.count(".") > 1:
        mark = "," if "," in text else "."
        if not GROUPED_RE[mark].match(text):
            return raw
        text = text.replace(mark, "")
    else:
        text = text.replace(",", ".")
    if not re.fullmatch(r"\d+(\.\d+)?|\.\d+", text):
        return raw
    return sign + text


def normalize_marks(text: str) -> str:
    """Text without diacritics, "đ" as "d"; case kept (for units written after a number)."""
    value = "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))
    return value.replace("đ", "d").replace("Đ", "D")


def _quantize(number: Decimal, places: int, original: Any) -> Decimal:
    """Round float noise (0.30000000000000004) away, but refuse a real third decimal."""
    step = Decimal(1).scaleb(-places)
    rounded = number.quantize(step) if abs(number) < Decimal("1e12") else number
    if abs(rounded - number) > Decimal("1e-9"):
        raise CellError(_("%(value)s has more than %(places)s decimals.") % {"value": original, "places": places})
    return rounded


DATE_PATTERNS = (
    re.compile(r"^(?P<d>\d{1,2})[/.\-](?P<m>\d{1,2})[/.\-](?P<y>\d{4})$"),
    re.compile(r"^(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})$"),
)


def parse_date(value: Any, epoch: dt.datetime | None = None) -> dt.date | None:
    """A date from a date cell, an Excel serial number, or dd/mm/yyyy text; never mm/dd.

    Years outside 1990-2100 are refused: they come from a number typed into a
    date column (2021 is 13/07/1905 as a serial), not from a real deadline.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    day = _read_date(value, epoch)
    if not 1990 <= day.year <= 2100:
        raise CellError(_("%(value)s is not a plausible date.") % {"value": day.strftime("%d/%m/%Y")})
    return day


def _read_date(value: Any, epoch: dt.datetime | None) -> dt.date:
    _refuse_errors_and_booleans(value)
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int | float):
        if not 1 <= value < 2958466:
            raise CellError(_("%(value)s is not a date.") % {"value": value})
        converted = from_excel(value, epoch) if epoch else from_excel(value)
        return converted.date() if isinstance(converted, dt.datetime) else converted
    text = str(value).strip().split(" ")[0]
    for pattern in DATE_PATTERNS:
        found = pattern.match(text)
        if found:
            try:
                return dt.date(int(found["y"]), int(found["m"]), int(found["d"]))
            except ValueError:
                break
    raise CellError(_("“%(value)s” is not a date in the form dd/mm/yyyy.") % {"value": str(value)[:50]})


DEADLINE_PATTERNS = (
    # "ngày 15 tháng 11 năm 2021"
    (re.compile(r"^ngay\s+(?P<d>\d{1,2})\s+thang\s+(?P<m>\d{1,2})\s+nam\s+(?P<y>\d{4})$"), "day"),
    # "Quý IV/2021", "Quý 4 năm 2021"
    (re.compile(r"^quy\s+(?P<q>iv|iii|ii|i|[1-4])\s*(?:/|nam|-)\s*(?P<y>\d{4})$"), "quarter"),
    # "Tháng 12/2021", "tháng 12 năm 2021"
    (re.compile(r"^thang\s+(?P<m>\d{1,2})\s*(?:/|nam|-)\s*(?P<y>\d{4})$"), "month"),
    # "Năm 2021"
    (re.compile(r"^nam\s+(?P<y>\d{4})$"), "year"),
)


class Ongoing:
    """What parse_deadline reads "Thường xuyên" as: a standing task with no deadline (Task.deadline None).

    A marker, not None, so a required deadline column can tell "ongoing" from a blank cell.
    """

    def __repr__(self) -> str:
        return "ONGOING"

    def __str__(self) -> str:
        return ONGOING_TEXT


ONGOING = Ongoing()
ONGOING_TEXT = "Thường xuyên"  # as annexes write it; the export writes it back so a re-import round-trips


def parse_deadline(value: Any, epoch: dt.datetime | None = None) -> dt.date | Ongoing | None:
    """A deadline as annexes write it, each read as its last day: a date cell, "15/11/2021",
    "ngày 15 tháng 11 năm 2021", "Trước 31/12/2021", "Quý IV/2021", "Tháng 12/2021", "Năm 2021";
    "Thường xuyên" (any case, accents or not, with a trailing stop) is ONGOING: no deadline."""
    if not isinstance(value, str):
        return parse_date(value, epoch)
    text = unicodedata.normalize("NFC", value).strip()
    folded = "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))
    folded = re.sub(r"\s*/\s*", "/", " ".join(folded.replace("đ", "d").replace("Đ", "D").lower().split()))
    if folded.rstrip(".;") == "thuong xuyen":
        return ONGOING
    folded = re.sub(r"^(truoc ngay|cham nhat ngay|truoc|cham nhat|han|trong)\s+", "", folded).rstrip(".")
    folded = re.sub(r"^ngay\s+(?=\d{1,2}/)", "", folded)
    for pattern, kind in DEADLINE_PATTERNS:
        found = pattern.match(folded)
        if found:
            return _last_day(kind, found, text)
    return parse_date(folded if DATE_PATTERNS[0].match(folded) else value, epoch)


def _last_day(kind: str, found: re.Match, text: str) -> dt.date:
    year = int(found["y"])
    try:
        if kind == "day":
            day = dt.date(year, int(found["m"]), int(found["d"]))
        elif kind == "year":
            day = dt.date(year, 12, 31)
        else:
            month = int(found["m"]) if kind == "month" else 3 * (roman(found["q"]) or int(found["q"]))
            if not 1 <= month <= 12:
                raise ValueError(month)
            following = dt.date(year + month // 12, month % 12 + 1, 1)
            day = following - dt.timedelta(days=1)
    except ValueError:
        raise CellError(_("“%(value)s” is not a date.") % {"value": text[:50]}) from None
    if not 1990 <= day.year <= 2100:
        raise CellError(_("%(value)s is not a plausible date.") % {"value": day.strftime("%d/%m/%Y")})
    return day


# --------------------------------------------------------------------------- writing


class Row(NamedTuple):
    """A row to write; ``strong`` rows (areas, totals) are written in bold."""

    values: Sequence[Any]
    strong: bool = False


@dataclass
class Sheet:
    """One sheet to write: a title, optional title lines above the header, columns and a row generator."""

    title: str
    columns: Sequence[Column]
    rows: Iterable[Sequence[Any] | Row]
    title_lines: Sequence[str] = ()
    frozen_columns: int = 0  # the columns kept in view when scrolling right (the code and the name)
    # The issuing block above the title, as an annex carries it: ("UBND TỈNH …", "SỞ NỘI VỤ"),
    # each line centred over the first columns; the title lines are then centred over the table.
    letterhead: Sequence[str] = ()


# Print-ready annexes: Times New Roman (Liberation Serif where it is not installed), 12 pt, as documents use.
FONT_NAME, FONT_SIZE = "Times New Roman", 12
BODY_FONT = Font(name=FONT_NAME, size=FONT_SIZE)
HEADER_FONT = Font(name=FONT_NAME, size=FONT_SIZE, bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
HEADER_ALIGN = Alignment(wrap_text=True, vertical="center", horizontal="center")
TITLE_FONT = Font(name=FONT_NAME, bold=True, size=13)
NOTE_FONT = Font(name=FONT_NAME, italic=True, size=13)  # "(Kèm theo Báo cáo số …)"
STRONG_FONT = Font(name=FONT_NAME, size=FONT_SIZE, bold=True)
CENTRED = Alignment(horizontal="center", vertical="center", wrap_text=True)
THIN = Side(style="thin", color="000000")
GRID = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)  # every cell of the table, header included
LETTERHEAD_WIDTH = 40  # the issuing block spans the first columns up to about this width
# A4 landscape with the margins of Decree 30/2020/NĐ-CP (top and bottom 2 cm, left 3 cm, right 1.5 cm), in inches;
# a fixed scale that keeps 12 pt text at 10 pt or more on paper: a wide sheet runs onto more pages, never shrinks.
PAPER_A4 = 9
MARGINS = {"top": 2 / 2.54, "bottom": 2 / 2.54, "left": 3 / 2.54, "right": 1.5 / 2.54, "header": 1 / 2.54}
PRINT_SCALE = 85
# What one A4 landscape page holds at PRINT_SCALE, in column-width units (about 2 mm each in
# Times New Roman 12): the title lines are centred over these columns, so the first page shows
# them whole even when the table runs onto further pages to the right.
PAGE_WIDTH_UNITS = (297 - 30 - 15) / (PRINT_SCALE / 100) / 2.0
WRAP = Alignment(wrap_text=True)  # bottom-aligned like the unwrapped cells beside it
LINE_HEIGHT = 15.0  # points per line of 11 pt text


NOT_XML_RE = re.compile("[\ud800-\udfff\ufffe\uffff]")


def clean_text(value: str) -> str:
    """Drop the characters an .xlsx cannot hold (control characters, non-characters) and cut to one cell."""
    return NOT_XML_RE.sub("", ILLEGAL_CHARACTERS_RE.sub("", value))[:EXCEL_MAX_CHARS]


def row_height(values: Sequence[Any], columns: Sequence[Column], header: bool = False) -> float | None:
    """The height a row needs for its wrapped text, or None for one line.

    Excel and LibreOffice keep the default height for rows written without
    one, so wrapped text would be cut off; the estimate takes a character per
    unit of column width, which errs on the generous side for Vietnamese text.
    """
    lines = 1
    for value, column in zip(values, columns, strict=False):
        if (column.wrap or header) and isinstance(value, str) and value:
            per_line = max(int(column.width * (0.85 if header else 1.1)), 1)
            needed = sum(max(math.ceil(len(part) / per_line), 1) for part in value.split("\n"))
            lines = max(lines, needed)
    return LINE_HEIGHT * min(lines, 15) if lines > 1 else None


class StreamingSheet(WriteOnlyWorksheet):
    """openpyxl's write-only sheet, with a fast path for data rows.

    openpyxl builds an element tree for every cell and serialises it through a
    generic namespace-aware writer: about 20 µs a cell, half a minute for the
    100,000-row task table. Data rows hold only text, numbers and dates, so
    they are written as ready-made SpreadsheetML (RowXml), with style ids
    taken from openpyxl's own style table; title and header rows still go
    through openpyxl. When openpyxl writes through lxml (if installed), the
    stream takes no raw text: ``raw`` stays None and rows go the ordinary way.
    """

    raw: Callable[[str], Any] | None = None

    def _write_rows(self):
        try:
            xf = self._writer.xf.send(True)
        except StopIteration:
            self._already_saved()
        raw = getattr(xf, "_file", None)  # et_xmlfile's writer: a plain text write function
        self.raw = raw if callable(raw) else None
        with xf.element("sheetData"):
            row_idx = 1
            try:
                while True:
                    row = yield
                    if isinstance(row, RowXml.Text):
                        self.raw(row)
                    else:
                        self._writer.write_row(xf, self._values_to_row(row, row_idx), row_idx)
                    row_idx += 1
            except GeneratorExit:
                pass
        self._writer.xf.send(None)

    def append_xml(self, xml: str) -> None:
        """Append one row already written as SpreadsheetML (only once ``raw`` is known to work)."""
        self._rows.send(RowXml.Text(xml))


XML_ENTITIES = {"\r": "&#13;"}  # a bare carriage return would be read back as a line feed


class RowXml:
    """Builds the SpreadsheetML of a data row: text as inline strings, never formulas."""

    class Text(str):
        """A row's XML, told apart from a list of values by its type."""

    def __init__(self, ws: WriteOnlyWorksheet, columns: Sequence[Column]) -> None:
        self.ws, self.columns = ws, columns
        self.letters = [get_column_letter(i) for i in range(1, len(columns) + 1)]
        self.styles: dict[tuple, str] = {}
        self.epoch = ws.parent.epoch

    def style(self, number_format: str | None = None, wrap: bool = False, quote: bool = False, bold: bool = False):
        """The ` s="N"` attribute of a style, registered once in the workbook's style table."""
        key = (number_format, wrap, quote, bold)
        if key not in self.styles:
            cell = WriteOnlyCell(self.ws)
            cell.border = GRID
            if number_format:
                cell.number_format = number_format
            if wrap:
                cell.alignment = WRAP
            if quote:
                cell.quotePrefix = True
            if bold:
                cell.font = STRONG_FONT
            self.styles[key] = f' s="{cell.style_id}"' if cell.style_id else ""
        return self.styles[key]

    def build(self, number: int, values: Sequence[Any], strong: bool, height: float | None) -> Text:
        size = f' ht="{height}" customHeight="1"' if height else ""
        parts = [f'<row r="{number}"{size}>']
        padded = list(values) + [None] * (len(self.columns) - len(values))
        for letter, value, column in zip(self.letters, padded, self.columns, strict=False):
            if value is not None and value != "":
                parts.append(self.cell(f"{letter}{number}", value, column, strong))
            else:  # an empty cell of the table keeps its borders
                parts.append(f'<c r="{letter}{number}"{self.style(wrap=column.wrap, bold=strong)}/>')
        parts.append("</row>")
        return self.Text("".join(parts))

    def cell(self, ref: str, value: Any, column: Column, strong: bool) -> str:
        if isinstance(value, dt.date):
            serial = to_excel(value, self.epoch)
            return f'<c r="{ref}"{self.style(DATE_FORMAT, bold=strong)}><v>{serial}</v></c>'
        if isinstance(value, int | float | Decimal) and not isinstance(value, bool) and math.isfinite(value):
            number = format(value, "f") if isinstance(value, Decimal) else repr(value)
            return f'<c r="{ref}"{self.style(column.number_format, bold=strong)}><v>{number}</v></c>'
        text = clean_text(str(value))
        quote = text.startswith(FORMULA_PREFIXES)
        space = ' xml:space="preserve"' if text != text.strip() else ""
        style = self.style(wrap=column.wrap, quote=quote, bold=strong)
        return f'<c r="{ref}" t="inlineStr"{style}><is><t{space}>{xml_escape(text, XML_ENTITIES)}</t></is></c>'


def _cell(ws: Any, value: Any, column: Column, strong: bool) -> Any:
    """A value for openpyxl's own path (titles, headers, or when lxml is in use): text stays text, in the grid."""
    if isinstance(value, str):
        value = clean_text(value)
    cell = WriteOnlyCell(ws, value)
    if isinstance(value, str):
        cell.data_type = "s"  # "=SUM(A1)" stays the text the user typed
        cell.quotePrefix = value.startswith(FORMULA_PREFIXES)
    elif isinstance(value, dt.date):
        cell.number_format = DATE_FORMAT
    elif column.number_format and isinstance(value, int | float | Decimal):
        cell.number_format = column.number_format
    cell.border = GRID
    if strong:
        cell.font = STRONG_FONT
    if column.wrap:
        cell.alignment = WRAP
    return cell


def _header_cell(ws: Any, text: str) -> WriteOnlyCell:
    cell = WriteOnlyCell(ws, clean_text(text))
    cell.data_type = "s"
    cell.font, cell.fill, cell.alignment, cell.border = HEADER_FONT, HEADER_FILL, HEADER_ALIGN, GRID
    return cell


def _prepare(workbook: Workbook, sheet: Sheet) -> tuple[StreamingSheet, int]:
    """Create the sheet with what write-only mode needs before the first row: freeze, widths, page setup,
    then the issuing block and the title lines (merged and centred), and the header row."""
    ws = StreamingSheet(parent=workbook, title=safe_sheet_title(sheet.title))
    workbook._add_sheet(ws)
    header_row = len(sheet.letterhead) + len(sheet.title_lines) + 1
    for index, column in enumerate(sheet.columns, start=1):
        ws.column_dimensions[get_column_letter(index)].width = column.width
    ws.freeze_panes = f"{get_column_letter(sheet.frozen_columns + 1)}{header_row + 1}"
    _print_setup(ws)
    ws.print_title_rows = f"{header_row}:{header_row}"
    if sheet.frozen_columns:  # a wide sheet runs onto more pages: each repeats the code and the name
        ws.print_title_cols = f"A:{get_column_letter(sheet.frozen_columns)}"
    ws.row_dimensions[header_row].height = row_height([c.header for c in sheet.columns], sheet.columns, header=True)
    last, width = 0, 0.0
    for column in sheet.columns:  # the columns of the first page
        if last and width + column.width > PAGE_WIDTH_UNITS:
            break
        last, width = last + 1, width + column.width
    last = get_column_letter(last)
    span, width = 0, 0.0
    for column in sheet.columns:  # the issuing block: the first columns, about LETTERHEAD_WIDTH wide
        span, width = span + 1, width + column.width
        if width >= LETTERHEAD_WIDTH:
            break
    row = 0
    for index, line in enumerate(sheet.letterhead):
        row += 1
        font = STRONG_FONT if index else BODY_FONT  # "UBND TỈNH …" regular, "SỞ NỘI VỤ" bold
        ws.append([_title_cell(ws, line, font)])
        if span > 1:
            ws.merged_cells.add(f"A{row}:{get_column_letter(span)}{row}")
    for line in sheet.title_lines:
        row += 1
        font = NOTE_FONT if line.startswith("(") else TITLE_FONT
        ws.append([_title_cell(ws, line, font, centred=bool(sheet.letterhead))])
        if sheet.letterhead and len(sheet.columns) > 1:
            ws.merged_cells.add(f"A{row}:{last}{row}")
            ws.row_dimensions[row].height = LINE_HEIGHT * 1.3
    ws.append([_header_cell(ws, c.header) for c in sheet.columns])
    return ws, header_row


def _title_cell(ws: Any, text: str, font: Font, centred: bool = True) -> WriteOnlyCell:
    cell = WriteOnlyCell(ws, clean_text(text))
    cell.data_type, cell.font = "s", font
    if centred:
        cell.alignment = CENTRED
    return cell


def _print_setup(ws: Any) -> None:
    """A4 landscape, the decree's margins, a readable fixed scale, page numbers centred at the top from page 2."""
    ws.page_setup.paperSize = PAPER_A4
    ws.page_setup.orientation = "landscape"
    ws.page_setup.scale = PRINT_SCALE
    for side, inches in MARGINS.items():
        setattr(ws.page_margins, side, round(inches, 3))
    ws.print_options.horizontalCentered = True
    ws.HeaderFooter.differentFirst = True
    ws.oddHeader.center.text = "&P"
    ws.oddHeader.center.font = f"{FONT_NAME},Regular"
    ws.oddHeader.center.size = FONT_SIZE


def write_sheet(workbook: Workbook, sheet: Sheet) -> int:
    """Stream one sheet: title lines, a frozen and filtered header row, widths and formats.

    The filter range is known only once the rows are written. Returns the
    number of data rows.
    """
    ws, header_row = _prepare(workbook, sheet)
    builder = RowXml(ws, sheet.columns) if ws.raw else None
    count = 0
    for item in sheet.rows:
        values, strong = (item.values, item.strong) if isinstance(item, Row) else (item, False)
        number = header_row + count + 1
        height = row_height(values, sheet.columns)
        if builder is not None:
            ws.append_xml(builder.build(number, values, strong, height))
        else:
            if height:
                ws.row_dimensions[number].height = height
            ws.append([_cell(ws, v, c, strong) for v, c in zip(values, sheet.columns, strict=False)])
        count += 1
    last = get_column_letter(len(sheet.columns))
    ws.auto_filter.ref = f"A{header_row}:{last}{header_row + count}"
    return count


def safe_sheet_title(title: str) -> str:
    """Excel refuses sheet titles over 31 characters or holding []:*?/\\."""
    return re.sub(r"[\[\]:*?/\\]", "-", title)[:31] or "Sheet"


def write_workbook(
    sheets: Iterable[Sheet], target: str | IO[bytes], title: str = "", author: str = ""
) -> dict[str, int]:
    """Write the sheets into one workbook at ``target`` (a path or a binary file); rows per sheet."""
    workbook = Workbook(write_only=True)
    workbook._fonts = IndexedList([BODY_FONT])  # the default font of every cell without its own
    workbook.properties.title = title or None
    workbook.properties.creator = author or None
    counts = {sheet.title: write_sheet(workbook, sheet) for sheet in sheets}
    workbook.save(target)
    return counts


# --------------------------------------------------------------------------- the province's layouts

FRAMEWORK_LAYOUT = Layout(
    "framework",
    (
        Column(
            "code",
            "Mã",
            ("Mã số", "Mã tiêu chí", "Mã chỉ số", "Số TT", "STT", "TT", "Code"),
            required=True,
            width=9,
        ),
        Column(
            "name",
            "Tên tiêu chí",
            (
                "Tên",
                "Tiêu chí",
                "Nội dung",
                "Lĩnh vực/Tiêu chí/Tiêu chí thành phần",
                "Lĩnh vực, tiêu chí, tiêu chí thành phần",
                "Tên lĩnh vực, tiêu chí",
                "Name",
            ),
            required=True,
            width=60,
            wrap=True,
        ),
        Column(
            "max_points",
            "Điểm tối đa",
            ("Tối đa", "Điểm chuẩn", "Thang điểm", "Điểm tối đa được chấm", "Max points", "Max"),
            required=True,
            width=10,
            number_format=POINTS_FORMAT,
        ),
        Column("method", "Phương pháp", ("Phương pháp đánh giá", "Hình thức đánh giá", "Method"), width=14, wrap=True),
        Column(
            "self_score",
            "Điểm tự đánh giá",
            ("Tự đánh giá", "Điểm tự chấm", "Tự chấm", "Tự chấm điểm", "Điểm tỉnh tự đánh giá", "Self score"),
            width=11,
            number_format=POINTS_FORMAT,
        ),
        Column(
            "estimate",
            "Điểm ước tính của tỉnh",
            ("Ước tính", "Điểm ước tính", "Tỉnh ước tính", "Estimate"),
            width=11,
            number_format=POINTS_FORMAT,
        ),
        Column(
            "appraised_score",
            "Điểm thẩm định",
            ("Thẩm định", "Điểm sau thẩm định", "Điểm Bộ Nội vụ thẩm định", "Appraised score"),
            width=11,
            number_format=POINTS_FORMAT,
        ),
        Column(
            "previous_score",
            "Điểm năm trước",
            ("Năm trước", "Điểm năm trước liền kề", "Previous score", "Previous year's score"),
            width=11,
            number_format=POINTS_FORMAT,
        ),
        Column(
            "focal_agency",
            "Cơ quan đầu mối",
            ("Đơn vị đầu mối", "Đầu mối", "Cơ quan chủ trì lĩnh vực", "Focal agency"),
            width=24,
            wrap=True,
        ),
        # Read for one thing: "Điều tra XHH" there marks a survey-based sub-criterion (importing.survey_note).
        Column("note", "Ghi chú", ("Ghi chú khác", "Note", "Notes"), width=24, wrap=True),
    ),
)

TASK_LAYOUT = Layout(
    "tasks",
    (
        # The stable task number (Task.number) that the export writes: a re-import updates that task.
        # Never "STT": a hand-made annex numbers its rows 1, 2, 3 in that column, which identify nothing.
        Column(
            "number",
            "Số hiệu nhiệm vụ",
            ("Số hiệu", "Mã nhiệm vụ", "Số nhiệm vụ", "Mã định danh nhiệm vụ", "Task number", "Import id"),
            width=9,
            number_format=INTEGER_FORMAT,
        ),
        Column(
            "shortcoming",
            "Hạn chế, tồn tại",
            ("Hạn chế", "Tồn tại, hạn chế", "Hạn chế, tồn tại, yếu kém", "Tồn tại", "Shortcoming"),
            width=40,
            wrap=True,
        ),
        Column(
            "title",
            "Tên nhiệm vụ",
            (
                "Nhiệm vụ",
                "Nội dung nhiệm vụ",
                "Nhiệm vụ, giải pháp",
                "Tên nhiệm vụ, giải pháp",
                "Nhiệm vụ, giải pháp khắc phục",
                "Giải pháp khắc phục",
                "Title",
            ),
            required=True,
            width=50,
            wrap=True,
        ),
        Column("description", "Mô tả", ("Nội dung", "Nội dung chi tiết", "Mô tả chi tiết", "Description"), width=50),
        Column(
            "codes",
            "Mã tiêu chí thành phần",
            ("Tiêu chí thành phần", "Mã tiêu chí", "Tiêu chí", "Mã TCTP", "Sub-criteria", "Codes"),
            width=14,
        ),
        Column(
            "lead_agency",
            "Cơ quan chủ trì",
            ("Đơn vị chủ trì", "Chủ trì", "Cơ quan thực hiện", "Đơn vị thực hiện", "Lead agency"),
            required=True,
            width=28,
            wrap=True,
        ),
        Column(
            "coordinating",
            "Cơ quan phối hợp",
            ("Đơn vị phối hợp", "Phối hợp", "Coordinating agencies"),
            width=28,
            wrap=True,
        ),
        Column(
            "deadline",
            "Hạn hoàn thành",
            ("Thời hạn", "Thời hạn hoàn thành", "Hạn", "Thời gian hoàn thành", "Deadline"),
            required=True,
            width=12,
            number_format=DATE_FORMAT,
        ),
        Column(
            "source_document",
            "Văn bản nguồn",
            ("Nguồn", "Căn cứ", "Văn bản", "Văn bản giao nhiệm vụ", "Source document"),
            width=22,
        ),
    ),
)
