"""Import services: a framework with its scores, and task assignments, from the province's spreadsheets.

Each import runs parse → validate → preview → apply. Every problem is
collected with its sheet, row and column before anything is written; the
apply step runs in ONE transaction, so a file is loaded whole or not at all.
Imports are idempotent: criteria are keyed by framework + code, scores by
cycle + criterion, tasks by their stable number when the file has the column,
else by cycle + title + lead agency with the title in NFC and case-folded (never
raw bytes), so loading the same file again updates rows and never duplicates them. A dry run plans and writes
nothing.

The browser (compilation.views.excel) and ``manage.py import_workbook`` both call
``run_import``; the logic exists once.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.db import DatabaseError, IntegrityError, models, transaction
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.utils import column_index_from_string, get_column_letter

from agencies import clock
from agencies.models import Agency, AgencyAlias, AgencyKind
from parindex.models import (
    SURVEY_NO_SELF_SCORE,
    Criterion,
    Crosswalk,
    CrosswalkMapping,
    Cycle,
    Framework,
    FrameworkKind,
    Level,
    Method,
    Score,
)
from parindex.services import copy_source, import_crosswalk
from parindex.services import tree_replacement_refusal as replacement_refusal
from remediation.assignment import plan_tree_relinks, replace_cycle_tree
from remediation.models import Task
from remediation.periods import sync_assignments

from . import workbook as excel
from .crosswalk import read_crosswalk_rows
from .workbook import FRAMEWORK_LAYOUT, TASK_LAYOUT, CellError, HeaderMatch, Layout, WorkbookError

CHANGE_REASON = "Excel import"
MAX_SCORE = Decimal("99999.99")  # DecimalField(max_digits=7, decimal_places=2)
LEVELS = {1: Level.AREA, 2: Level.CRITERION, 3: Level.SUB}
SUB_PREFIX_RE = re.compile(r"^\s*(TCTP|tiêu chí thành phần|tiêu chí)\s*", re.IGNORECASE)  # "TCTP 1.1.2" is 1.1.2
CODE_RE = re.compile(r"^\d{1,3}(\.\d{1,3}){0,2}$")
METHODS = {
    "tu danh gia": Method.SELF,
    "tu cham": Method.SELF,
    "tu cham diem": Method.SELF,
    "self": Method.SELF,
    "self assessed": Method.SELF,
    "self assessment": Method.SELF,
    "dieu tra xhh": Method.SURVEY,
    "dieu tra xa hoi hoc": Method.SURVEY,
    "dieu tra": Method.SURVEY,
    "xhh": Method.SURVEY,
    "survey": Method.SURVEY,
    "sociological survey": Method.SURVEY,
}
SCORE_KEYS = ("self_score", "estimate", "appraised_score", "previous_score")


class ReplacementRefused(DatabaseError):
    """The tree can no longer be replaced (found inside the import's transaction): the whole file rolls back."""


class ImportKind(models.TextChoices):
    FRAMEWORK = "framework", gettext_lazy("Framework with scores")
    TASKS = "tasks", gettext_lazy("Task assignments")


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the file, where it is: sheet, row, column letter and the header there."""

    message: str
    sheet: str = ""
    row: int | None = None
    column: str = ""
    header: str = ""

    def __str__(self) -> str:
        where = []
        if self.sheet:
            where.append(_("sheet “%(sheet)s”") % {"sheet": self.sheet})
        if self.row:
            where.append(_("row %(row)s") % {"row": self.row})
        if self.column:
            label = f"{self.column} ({self.header})" if self.header else self.column
            where.append(_("column %(column)s") % {"column": label})
        return f"{', '.join(where)}: {self.message}" if where else self.message

    @property
    def sort_key(self) -> tuple:
        return (self.sheet, self.row or 0, self.column.rjust(3))


@dataclass
class Summary:
    """What the import creates, updates and leaves unchanged, per kind of row."""

    created: Counter = field(default_factory=Counter)
    updated: Counter = field(default_factory=Counter)
    unchanged: Counter = field(default_factory=Counter)

    def count(self, what: str, created: bool, changed: bool) -> None:
        bucket = self.created if created else self.updated if changed else self.unchanged
        bucket[what] += 1

    def lines(self) -> list[str]:
        names = {
            "framework": _("frameworks"),
            "criterion": _("criteria"),
            "score": _("scores"),
            "task": _("tasks"),
        }
        out = []
        for key, label in names.items():
            figures = (self.created[key], self.updated[key], self.unchanged[key])
            if any(figures):
                out.append(
                    _("%(what)s: %(created)s new, %(updated)s updated, %(unchanged)s unchanged")
                    % {"what": label, "created": figures[0], "updated": figures[1], "unchanged": figures[2]}
                )
        return out


@dataclass
class ImportResult:
    kind: str
    dry_run: bool
    problems: list[Problem] = field(default_factory=list)
    summary: Summary = field(default_factory=Summary)
    sheet: str = ""
    rows: int = 0
    framework_name: str = ""
    framework_kind: str = ""
    applied: bool = False
    sheets: list[str] = field(default_factory=list)  # the visible sheets that hold the import's columns
    unused_columns: list[str] = field(default_factory=list)  # headers of the sheet's columns not imported
    # Copy on write: the years of the other cycles sharing the named framework, which keep it unchanged
    # while this cycle gets a new version (named ``framework_name``); empty when nothing is shared.
    shared_with: list[int] = field(default_factory=list)
    copied_from: str = ""
    # Replacing a copied tree: the framework replaced, and each linked task with its old and new codes.
    replaces: str = ""
    relinks: list[dict] = field(default_factory=list)
    hidden_sheets: list[str] = field(default_factory=list)  # never read
    parsed: dict | None = field(default=None, repr=False)  # the read of the file, for the confirmation (parse once)
    # Agency names no agency has, each once: {"text", "rows", "suggestions": [{"id", "name"}]} ("did you mean …").
    unknown_agencies: list[dict] = field(default_factory=list)
    # Groups named in the file, expanded in the cycle: {"text", "count", "rows"}.
    agency_groups: list[dict] = field(default_factory=list)
    # Deadlines written as text ("Quý IV/2021", "Trước 31/12/2021", "Thường xuyên"), each once, with the
    # date understood (dd/mm/yyyy, or "" for ongoing) and its rows: {"text", "date", "rows", "row_count"}.
    deadlines: list[dict] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


class Problems(list):
    """The problems found so far, each placed at its cell when there is one."""

    def add(self, message: str, match: HeaderMatch | None = None, row: int | None = None, key: str = "") -> None:
        placed = match is not None and row is not None and key in match.positions
        column = match.letter(key) if placed else ""
        header = match.labels.get(key, "") if placed else ""
        self.append(Problem(message, match.sheet if match else "", row, column, header))


# --------------------------------------------------------------------------- reading cells


class RowReader:
    """Reads one row's cells; a cell that cannot be read becomes a problem at its address."""

    def __init__(self, match: HeaderMatch, number: int, values: dict[str, Any], problems: Problems, epoch) -> None:
        self.match, self.number, self.values, self.problems, self.epoch = match, number, values, problems, epoch

    def has(self, key: str) -> bool:
        return key in self.match.positions

    def problem(self, key: str, message: str) -> None:
        self.problems.add(message, self.match, self.number, key)

    def read(self, key: str, parse: Callable[[Any], Any], required: bool) -> Any:
        if not self.has(key):
            return None
        try:
            value = parse(self.values.get(key))
        except CellError as exc:
            self.problem(key, exc.message)
            return None
        if required and value in (None, ""):
            self.problem(key, _("This value is required."))
        return value

    def text(self, key: str, max_length: int = excel.EXCEL_MAX_CHARS, required: bool = False) -> str:
        return self.read(key, lambda v: excel.parse_text(v, max_length), required) or ""

    def decimal(self, key: str, required: bool = False) -> Decimal | None:
        return self.read(key, excel.parse_decimal, required)

    def date(self, key: str, required: bool = False) -> dt.date | None:
        return self.read(key, lambda v: excel.parse_date(v, self.epoch), required)

    def code(self, key: str) -> str:
        return self.read(key, excel.parse_code, False) or ""


def _locate(
    workbook: Workbook, layout: Layout, problems: Problems, sheet: str | None, result: ImportResult | None = None
) -> HeaderMatch | None:
    """The header of the layout on the one visible sheet to read, or a problem saying why none is read.

    ``workbook`` is an openpyxl workbook, or a SheetSource: the recording of a first read, or its replay.

    Hidden sheets are never read (a copy of last year's scores kept for
    reference must not land in this year). When several visible sheets hold
    the required columns and none was chosen, nothing is guessed: the preview
    lists them and the user chooses.
    """
    result = result if result is not None else ImportResult(kind=layout.name, dry_run=True)
    if isinstance(workbook, SheetSource):
        return workbook.locate(layout, problems, sheet, result)
    hidden = [ws.title for ws in workbook.worksheets if ws not in excel.visible_sheets(workbook)]
    result.hidden_sheets = hidden
    if sheet and sheet in hidden:
        problems.add(_("The sheet “%(sheet)s” is hidden; only visible sheets are read.") % {"sheet": sheet})
        return None
    if sheet and sheet not in workbook.sheetnames:
        problems.add(_("The workbook has no sheet named “%(sheet)s”.") % {"sheet": sheet})
        return None
    matches = excel.find_headers(workbook, layout)
    complete = [m for m in matches if all(c.key in m.positions for c in layout.required)]
    result.sheets = [m.sheet for m in complete]
    if sheet:
        match = next((m for m in matches if m.sheet == sheet), None)
    elif len(complete) > 1:
        message = _("Several visible sheets hold the columns of this import: %(sheets)s. Choose the sheet to read.")
        problems.add(message % {"sheets": ", ".join(f"“{m.sheet}”" for m in complete)})
        return None
    else:
        match = complete[0] if complete else excel.find_header(workbook, layout)
    expected = ", ".join(c.header for c in layout.required)
    if match is None:
        problems.add(_("No header row was found. The sheet needs the columns: %(columns)s.") % {"columns": expected})
        return None
    for column in layout.required:
        if column.key not in match.positions:
            problems.append(
                Problem(
                    _("The required column “%(column)s” is missing from the header row.") % {"column": column.header},
                    match.sheet,
                    match.row,
                )
            )
    result.unused_columns = match.unused
    return None if any(c.key not in match.positions for c in layout.required) else match


def _rows(workbook: Workbook, match: HeaderMatch, problems: Problems) -> Iterable[tuple[int, dict[str, Any]]]:
    """The data rows; a sheet past the size limits becomes one problem."""
    if isinstance(workbook, SheetSource):
        yield from workbook.rows(match, problems)
        return
    try:
        yield from excel.data_rows(workbook, match)
    except WorkbookError as exc:
        problems.add(exc.message, match)


# --------------------------------------------------------------------------- parse once


class SheetSource:
    """What an import reads of a workbook, the same for a first read and for its replay: where the header is
    (with the problems and the sheets found on the way), the data rows, and the crosswalk given with it.

    The preview records its read (RecordedSource) as plain data kept beside the upload; the confirmation
    replays it (ReplayedSource) and never parses the workbook again. Planning against the database runs
    again on confirmation, so what is written is checked against the database as it is then.
    """

    FORMAT = 1

    def __init__(self, record: dict) -> None:
        self.record = record
        self.epoch = dt.datetime.fromisoformat(record["epoch"])

    @classmethod
    def fits(cls, record: Any, kind: str, sheet: str, crosswalk: bool) -> bool:
        """Whether a kept record is of this import: this format, the same kind, sheet and presence of a crosswalk."""
        wanted = {"format": cls.FORMAT, "kind": kind, "sheet": sheet, "with_crosswalk": crosswalk}
        return isinstance(record, dict) and all(record.get(k) == v for k, v in wanted.items())


class RecordedSource(SheetSource):
    """The first read of the workbook, recorded as it goes."""

    def __init__(self, workbook: Workbook, kind: str, sheet: str, crosswalk: bytes | None) -> None:
        super().__init__(
            {
                "format": self.FORMAT,
                "kind": kind,
                "sheet": sheet,
                "with_crosswalk": crosswalk is not None,
                "epoch": workbook.epoch.isoformat(),
                "located": None,
                "rows": [],
                "rows_problem": None,
            }
        )
        self.workbook = workbook

    def locate(self, layout, problems, sheet, result):
        before = len(problems)
        match = _locate(self.workbook, layout, problems, sheet, result)
        self.record["located"] = {
            "match": None if match is None else {**match.__dict__},
            "problems": [p.__dict__ for p in problems[before:]],
            **{key: list(getattr(result, key)) for key in ("hidden_sheets", "sheets", "unused_columns")},
        }
        return match

    def rows(self, match, problems):
        kept = self.record["rows"]
        try:
            for number, values in excel.data_rows(self.workbook, match):
                kept.append([number, {key: _cell_to_data(value) for key, value in values.items()}])
                yield number, values
        except WorkbookError as exc:  # past the limits: one problem, as _rows makes it
            self.record["rows_problem"] = exc.message
            problems.add(exc.message, match)

    def crosswalk(self, data: bytes | None, problems: Problems) -> list[tuple[str, str, str]] | None:
        before = len(problems)
        rows = _crosswalk_rows(data, problems)
        self.record["crosswalk"] = None if rows is None else [list(r) for r in rows]
        self.record["crosswalk_problems"] = [p.__dict__ for p in problems[before:]]
        return rows


class ReplayedSource(SheetSource):
    """The recorded read, replayed: the same problems, sheets, header and rows, without the file."""

    def locate(self, layout, problems, sheet, result):
        located = self.record["located"]
        problems.extend(Problem(**p) for p in located["problems"])
        for key in ("hidden_sheets", "sheets", "unused_columns"):
            setattr(result, key, list(located[key]))
        match = located["match"]
        return None if match is None else HeaderMatch(**match)

    def rows(self, match, problems):
        for number, values in self.record["rows"]:
            yield number, {key: _cell_from_data(value) for key, value in values.items()}
        if self.record["rows_problem"]:
            problems.add(self.record["rows_problem"], match)

    def crosswalk(self, data: bytes | None, problems: Problems) -> list[tuple[str, str, str]] | None:
        problems.extend(Problem(**p) for p in self.record.get("crosswalk_problems", []))
        rows = self.record.get("crosswalk")
        return None if rows is None else [tuple(r) for r in rows]


# A cell's value as JSON: dates and times tagged, everything else (text, numbers, booleans, None) as it is.
CELL_TYPES = (
    ("datetime", dt.datetime, dt.datetime.isoformat, dt.datetime.fromisoformat),
    ("date", dt.date, dt.date.isoformat, dt.date.fromisoformat),
    ("time", dt.time, dt.time.isoformat, dt.time.fromisoformat),
    ("timedelta", dt.timedelta, dt.timedelta.total_seconds, lambda v: dt.timedelta(seconds=v)),
)


def _cell_to_data(value: Any) -> Any:
    for name, kind, encode, _decode in CELL_TYPES:
        if isinstance(value, kind):
            return {"type": name, "value": encode(value)}
    if isinstance(value, Decimal):
        return {"type": "decimal", "value": str(value)}
    return value


def _cell_from_data(value: Any) -> Any:
    if not isinstance(value, dict):
        return value
    if value["type"] == "decimal":
        return Decimal(value["value"])
    decode = next(d for name, _k, _e, d in CELL_TYPES if name == value["type"])
    return decode(value["value"])


# --------------------------------------------------------------------------- agencies


# Abbreviations officials write in agency names, on the folded text (no marks, "&" and "." as spaces).
ABBREVIATIONS = (
    (r"uy ban nhan dan", "ubnd"),
    (r"tp", "thanh pho"),
    (r"tx", "thi xa"),
    (r"vp", "van phong"),
    (r"kh (?:va )?dt", "ke hoach va dau tu"),
    (r"gd (?:va )?dt", "giao duc va dao tao"),
    (r"tn (?:va )?mt", "tai nguyen va moi truong"),
    (r"nn (?:va )?ptnt", "nong nghiep va phat trien nong thon"),
    (r"ld tb xh|ldtbxh", "lao dong thuong binh va xa hoi"),
    (r"tt tt|tttt", "thong tin va truyen thong"),
    (r"vh tt dl|vhttdl", "van hoa the thao va du lich"),
    (r"gtvt", "giao thong van tai"),
    (r"kh (?:va )?cn|khcn", "khoa hoc va cong nghe"),
)
ABBREVIATION_RES = tuple((re.compile(rf"\b(?:{short})\b"), long) for short, long in ABBREVIATIONS)


def fold_name(text: str, strip_marks: bool) -> str:
    """Compare agency names as people write them: "Ủy ban nhân dân" is "UBND", spacing and case ignored.

    Without marks, the abbreviations too ("UBND TP. Quy Nhơn" is "UBND thành phố Quy Nhơn", "Sở KH&ĐT" is
    "Sở Kế hoạch và Đầu tư"), and a leading "UBND" is dropped ("Thành phố Quy Nhơn"). Several agencies
    folding alike are never guessed between: the caller refuses the name as ambiguous.
    """
    if not strip_marks:
        value = " ".join(unicodedata.normalize("NFC", text).casefold().split())
        for long in ("ủy ban nhân dân", "uỷ ban nhân dân"):
            value = value.replace(long, "ubnd")
        return value
    value = excel.normalize(text)
    for pattern, long in ABBREVIATION_RES:
        value = pattern.sub(long, value)
    return value.removeprefix("ubnd ")


# Groups officials write in place of a list: each expands to the agencies of its kinds in the import's cycle
# (those existing on the cycle's as-of date, of the kinds the cycle's reporting kinds include). The one table
# of groups: written names, folded by fold_name on load, → kinds.
AGENCY_GROUPS = {
    name: kinds
    for names, kinds in (
        (
            ("Các sở, ban, ngành", "Các sở, ban, ngành tỉnh", "Các sở, ban, ngành thuộc tỉnh", "Sở, ban, ngành"),
            (AgencyKind.DEPARTMENT,),
        ),
        (
            (
                "UBND các huyện, thị xã, thành phố",
                "UBND các huyện, thị xã, thành phố thuộc tỉnh",
                "UBND cấp huyện",
                "UBND các huyện, thị xã, TP",
            ),
            (AgencyKind.DISTRICT,),
        ),
        (
            ("UBND các xã, phường", "UBND các xã, phường, thị trấn", "UBND cấp xã", "UBND các xã, phường, đặc khu"),
            (AgencyKind.COMMUNE, AgencyKind.WARD, AgencyKind.SPECIAL_ZONE),
        ),
        (
            ("Các cơ quan Trung ương trên địa bàn tỉnh", "Các cơ quan Trung ương đóng trên địa bàn tỉnh"),
            (AgencyKind.CENTRAL,),
        ),
    )
    for name in names
}
# Between the names of a list in one cell: line breaks and semicolons always; commas and "và" only where
# the text on both sides is a name (a group such as "UBND các huyện, thị xã, thành phố" or an agency
# such as "Sở Kế hoạch và Đầu tư" holds them).
LIST_BREAK_RE = re.compile(r"[;\n\r]+")
LIST_JOIN_RE = re.compile(r"(,|\s+và\s+|\s+va\s+)", re.IGNORECASE)
LIST_BULLET_RE = re.compile(r"^[\s\-–+•*.]+|[\s.,]+$")
LIST_SPAN = 12  # the most commas or "và" one name holds
UNKNOWN_LISTED, UNKNOWN_SUGGESTED, ROWS_LISTED = 200, 50, 30  # what the preview lists of unknown names and groups


class UnknownAgency(CellError):
    """No agency has this name: the preview asks "did you mean …" and SNV can save it as an alias."""

    def __init__(self, message: str, text: str) -> None:
        super().__init__(message)
        self.text = text


@dataclass(frozen=True)
class AgencyGroup:
    """A group named in a cell, with the agencies it expands to in the cycle."""

    text: str
    agencies: tuple[Agency, ...]


class AgencyIndex:
    """Finds an agency by code, by name (current or earlier) or by an alias SNV saved; only an unambiguous
    match is accepted, and an unknown name is an error, never a guess."""

    def __init__(self, day: dt.date | None = None, kinds: Iterable[str] | None = None) -> None:
        # Existence is a question of a date: the cycle's as-of date where the import has one.
        self.day = day or clock.today()
        self.kinds = set(kinds) if kinds is not None else None  # the cycle's reporting kinds, for groups
        self.by_code: dict[str, Agency] = {}
        self.by_name: dict[bool, dict[str, list[Agency]]] = {False: defaultdict(list), True: defaultdict(list)}
        self.agencies = list(Agency.objects.order_by("pk").prefetch_related("names"))
        # Earlier names count too: a 2021 annex writes the 2021 name of an agency renamed since.
        for agency in self.agencies:
            self.by_code[agency.code.casefold()] = agency
            written = [agency.name, agency.short_name] + [n for e in agency.names.all() for n in (e.name, e.short_name)]
            for strip in (False, True):
                names = {fold_name(n, strip) for n in written if n}
                for name in names:
                    self.by_name[strip][name].append(agency)
        by_pk = {a.pk: a for a in self.agencies}
        self.aliases = {n: by_pk[pk] for n, pk in AgencyAlias.objects.values_list("normalized", "agency_id")}
        self.groups = {fold_name(name, True): kinds for name, kinds in AGENCY_GROUPS.items()}

    def find(self, text: str) -> Agency:
        """The agency named by ``text``; CellError says why none (or several) matched."""
        if text.casefold() in self.by_code:
            return self._usable(self.by_code[text.casefold()], text)
        for strip in (False, True):
            found = self.by_name[strip].get(fold_name(text, strip), [])
            active = [a for a in found if a.exists_on(self.day)]
            if len(active) == 1:
                return active[0]
            if len(active) > 1:
                names = "; ".join(f"{a.name} ({a.code})" for a in active[:5])
                raise CellError(
                    _("“%(text)s” matches several agencies: %(names)s. Write the agency's code instead.")
                    % {"text": text, "names": names}
                )
            if found:
                return self._usable(found[0], text)
        alias = self.aliases.get(fold_name(text, True))
        if alias is not None:
            return self._usable(alias, text)
        raise UnknownAgency(_("No agency has the code or name “%(text)s”.") % {"text": text[:100]}, text[:200])

    def knows(self, text: str) -> bool:
        """Whether ``text`` names a group, or an agency (existing or not, ambiguous or not): a piece of a list."""
        folded = fold_name(text, True)
        return bool(folded) and (
            folded in self.groups
            or text.casefold() in self.by_code
            or bool(self.by_name[True].get(folded))
            or folded in self.aliases
        )

    def group(self, text: str) -> AgencyGroup | None:
        """The group ``text`` names, expanded in the cycle; None when it names none. CellError when it is empty."""
        kinds = self.groups.get(fold_name(text, True))
        if kinds is None:
            return None
        kinds = [k for k in kinds if self.kinds is None or k in self.kinds]
        members = tuple(a for a in self.agencies if a.kind in kinds and a.exists_on(self.day))
        if not members:
            raise CellError(
                _("No agency of the group “%(text)s” reports in this cycle (as of %(day)s).")
                % {"text": text, "day": formats.date_format(self.day, "SHORT_DATE_FORMAT")}
            )
        return AgencyGroup(text, members)

    def split(self, text: str) -> list[str]:
        """The names of a list in one cell, as written: groups and names holding commas or "và" stay whole.

        At each place the longest run of pieces that names a group or an agency is taken; pieces naming
        nothing are kept together up to the next name, so the error quotes the unknown name as written.
        """
        out: list[str] = []
        for line in LIST_BREAK_RE.split(unicodedata.normalize("NFC", text)):
            line = LIST_BULLET_RE.sub("", line)
            if not fold_name(line, True):
                continue
            if self.knows(line):
                out.append(line)
                continue
            parts = LIST_JOIN_RE.split(line)  # names at even places, what joined them at odd places
            names, joins = parts[0::2], parts[1::2]
            start, unknown = 0, None
            while start < len(names):
                end = next(
                    (
                        e
                        for e in range(min(len(names), start + LIST_SPAN), start, -1)
                        if self.knows(_joined(names, joins, start, e))
                    ),
                    None,
                )
                if end is None:
                    unknown = start if unknown is None else unknown
                    start += 1
                    continue
                if unknown is not None:
                    out.append(_joined(names, joins, unknown, start))
                    unknown = None
                out.append(_joined(names, joins, start, end))
                start = end
            if unknown is not None:
                out.append(_joined(names, joins, unknown, len(names)))
        return [LIST_BULLET_RE.sub("", n) for n in out if fold_name(n, True)]

    def suggestions(self, text: str, limit: int = 3) -> list[Agency]:
        """Up to ``limit`` agencies existing on the day whose folded name is close to ``text``'s (for a preview)."""
        if not hasattr(self, "_suggestable"):  # built once per import, on the first unknown name
            self._suggestable: dict[str, Agency] = {}
            for name, found in self.by_name[True].items():
                active = [a for a in found if a.exists_on(self.day)]
                if len(active) == 1:
                    self._suggestable[name] = active[0]
        out: list[Agency] = []
        for name in difflib.get_close_matches(fold_name(text, True), list(self._suggestable), n=limit * 3, cutoff=0.6):
            if self._suggestable[name] not in out:
                out.append(self._suggestable[name])
        return out[:limit]

    def _usable(self, agency: Agency, text: str) -> Agency:
        if agency.exists_on(self.day):
            return agency
        successor = agency.successor_on(self.day)
        if successor.pk != agency.pk:
            raise CellError(
                _("The agency “%(text)s” was merged into “%(other)s”; assign the task to that agency.")
                % {"text": text, "other": successor.name}
            )
        raise CellError(_("The agency “%(text)s” is no longer active.") % {"text": text})


def _joined(names: list[str], joins: list[str], start: int, end: int) -> str:
    """Pieces ``start``..``end`` (excluded) of a split line with what joined them, as written."""
    text = names[start]
    for i in range(start + 1, end):
        text += joins[i - 1] + names[i]
    return text.strip()


def save_alias(text: str, agency_id: Any, user, day: dt.date | None = None) -> AgencyAlias:
    """Save ``text`` as another name of an agency (SNV, from a preview); ValidationError says why not.

    Refused: an empty name, an agency that does not exist (on ``day``), a name that already names an
    agency or a group, or one already saved for some agency. The normalised form is fold_name's.
    """
    text = " ".join(unicodedata.normalize("NFC", str(text or "")).split())[:200]
    folded = fold_name(text, True)[:200]
    if not folded:
        raise ValidationError(_("Write the name to save."))
    agency = Agency.objects.filter(pk=agency_id).first() if str(agency_id or "").isdigit() else None
    if agency is None or not agency.exists_on(day or clock.today()):
        raise ValidationError(_("Choose an existing agency for this name."))
    existing = AgencyAlias.objects.filter(normalized=folded).select_related("agency").first()
    if existing is not None:
        raise ValidationError(
            _("“%(text)s” is already another name of “%(agency)s”.") % {"text": text, "agency": existing.agency.name}
        )
    index = AgencyIndex(day)
    if index.knows(text):
        raise ValidationError(_("“%(text)s” already names an agency or a group.") % {"text": text})
    try:
        with transaction.atomic():
            return AgencyAlias.objects.create(text=text, normalized=folded, agency=agency, created_by=user)
    except IntegrityError:  # saved meanwhile by another request
        raise ValidationError(_("“%(text)s” is already another name of an agency.") % {"text": text}) from None


# --------------------------------------------------------------------------- entry point


def run_import(
    source: bytes | IO[bytes],
    kind: str,
    cycle: Cycle,
    *,
    dry_run: bool = False,
    user=None,
    framework_name: str = "",
    framework_kind: str = "",
    sheet: str = "",
    crosswalk: bytes | None = None,
    parsed: dict | None = None,
) -> ImportResult:
    """Parse, validate and (unless a dry run or any problem) apply a workbook in one transaction.

    Never raises for bad input: every way the file or its rows can be wrong
    comes back as a Problem, and then nothing has been written.

    Parse once: ``result.parsed`` is the read of the file as plain data (RecordedSource); given back as
    ``parsed`` (by the confirmation of a preview), the file is not parsed again. A record of another
    kind, sheet or crosswalk is ignored and the file is read.
    """
    result = ImportResult(kind=kind, dry_run=dry_run)
    problems = Problems()
    data = source if isinstance(source, bytes) else source.read()
    fits = SheetSource.fits(parsed, kind, sheet, crosswalk is not None)
    replayed = ReplayedSource(parsed) if fits else None
    workbook = None
    if replayed is None:
        try:
            workbook = excel.open_workbook(data)
        except WorkbookError as exc:
            result.problems = [Problem(exc.message)]
            return result
    reader = replayed or RecordedSource(workbook, kind, sheet, crosswalk)
    try:
        if kind == ImportKind.FRAMEWORK:
            importer = FrameworkImport(reader, cycle, result, problems, framework_name, framework_kind)
            importer.crosswalk_rows = reader.crosswalk(crosswalk, problems)
        else:
            importer = TaskImport(reader, cycle, result, problems)
        _atomically(cycle, problems, result, lambda: importer.plan(sheet or None), lambda: importer.apply(user))
    finally:
        if workbook is not None:
            workbook.close()
    result.parsed = reader.record
    # Only a failed row's empty required cell sends back to the file, to say whether a formula lost its value.
    result.problems = sorted(explain_formulas(data, problems), key=lambda p: p.sort_key)
    return result


def _crosswalk_rows(data: bytes | None, problems: Problems) -> list[tuple[str, str, str]] | None:
    """The crosswalk given with a framework import (old code, new code, note), or None when none was given."""
    if data is None:
        return None
    try:
        return read_crosswalk_rows(data)
    except WorkbookError:
        problems.add(_("The crosswalk workbook has no mapping rows (old code, new code, note) on its first sheet."))
        return []


def explain_formulas(data: bytes, problems: list[Problem]) -> list[Problem]:
    """A required cell that reads as empty because it holds a formula without a stored value says so."""
    required = _("This value is required.")
    empty = {(p.sheet, p.row, p.column) for p in problems if p.message == required and p.row and p.column}
    formulas: set[tuple[str, int, str]] = set()
    for sheet in {s for s, _r, _c in empty}:
        cells = {(r, column_index_from_string(c)) for s, r, c in empty if s == sheet}
        found = excel.formula_cells(data, sheet, cells)
        formulas |= {(sheet, r, get_column_letter(c)) for r, c in found}
    message = _(
        "The cell holds a formula whose result the file does not store; open the file in Excel or LibreOffice "
        "and save it again, or type the value."
    )
    return [replace(p, message=message) if (p.sheet, p.row, p.column) in formulas else p for p in problems]


def _atomically(cycle: Cycle, problems: Problems, result: ImportResult, plan: Callable, apply: Callable) -> None:
    """Read, plan and apply inside one transaction holding the cycle's row lock.

    The lock serialises two imports into the same cycle, so two reviewers
    confirming at once cannot both create the same tasks. Any problem or a dry
    run rolls back before a write; a database refusal rolls the whole file back
    and becomes a problem.
    """
    try:
        with transaction.atomic():
            Cycle.objects.select_for_update().filter(pk=cycle.pk).first()
            plan()
            if problems or result.dry_run:
                transaction.set_rollback(True)
                return
            apply()
            result.applied = True
    except DatabaseError as exc:
        result.applied = False
        problems.add(_("The database refused the import, so nothing was written: %(error)s") % {"error": exc})


# --------------------------------------------------------------------------- framework with scores


@dataclass
class CriterionRow:
    """One criterion row of the file, as read."""

    row: int
    code: str
    name: str
    max_points: Decimal | None
    method: str | None
    scores: dict[str, Decimal | None]
    focal: Agency | None
    order: int

    @property
    def depth(self) -> int:
        return self.code.count(".") + 1

    @property
    def parent_code(self) -> str:
        return self.code.rsplit(".", 1)[0] if "." in self.code else ""


def parse_method(value: str) -> str | None:
    """ "Tự đánh giá"/"self" or "Điều tra XHH"/"survey"; blank is None (decided from the children)."""
    if not value:
        return None
    method = METHODS.get(excel.normalize(value))
    if method is None:
        raise CellError(
            _("“%(value)s” is not a method; write “Tự đánh giá” (self-assessed) or “Điều tra XHH” (survey).")
            % {"value": value[:50]}
        )
    return method


# The survey's names of METHODS, found anywhere in a note ("Tiêu chí đánh giá qua điều tra XHH").
SURVEY_WORDS = "|".join(k for k, m in METHODS.items() if m == Method.SURVEY)
SURVEY_NOTE_RE = re.compile(rf"\b(?:{SURVEY_WORDS})\b")


def survey_note(text: str) -> bool:
    """A note marking a survey-based sub-criterion: "Điều tra XHH", "điều tra xã hội học", "XHH"."""
    return bool(SURVEY_NOTE_RE.search(excel.normalize(text)))


SUBTOTAL_WORDS = {"linh", "vuc", "muc", "phan", "nhom"}  # "Tổng điểm lĩnh vực I", "Tổng mục 2"


def is_total(code: str, name: str) -> bool:
    """A total row: "Tổng cộng", "Tổng số" where the name is, or in the code column of cells merged across."""
    return not CODE_RE.match(code) and not is_subtotal(code, name) and excel.normalize(name or code).startswith("tong")


def is_subtotal(code: str, name: str) -> bool:
    """A subtotal row of an area or a part, never data: "Cộng", "Cộng lĩnh vực I", "Tổng điểm lĩnh vực II".

    "Cộng" is told apart from "Công" (as in "Công tác chỉ đạo") on the text as written, marks included.
    """
    if CODE_RE.match(code):
        return False
    text = unicodedata.normalize("NFC", (name or code).strip()).lower()
    words = set(excel.normalize(text).split())
    return text.startswith("cộng") or (text.startswith("tổng") and bool(words & SUBTOTAL_WORDS))


def guess_framework_kind(texts: Iterable[str]) -> str:
    """SIPAS when a title or the name says so ("SIPAS", "hài lòng"), else the PAR Index."""
    folded = " ".join(excel.normalize(t) for t in texts)
    return FrameworkKind.SIPAS if "sipas" in folded or "hai long" in folded else FrameworkKind.PAR


def title_name(titles: list[str]) -> str:
    """The title row naming the framework; a letterhead line ("UBND TỈNH ...") is skipped."""
    keywords = ("chi so", "par", "sipas", "tieu chi", "cai cach hanh chinh", "hai long")
    for title in titles:
        if any(k in excel.normalize(title).split() or k in excel.normalize(title) for k in keywords):
            return title
    return titles[0] if titles else ""


class FrameworkImport:
    """A framework (PAR Index or SIPAS), its criteria tree and one cycle's scores.

    The level comes from the code's depth and the parent from its prefix; a
    parent's maximum must equal the sum of its children's, and for the PAR
    Index the areas must add up to the framework's total. SIPAS components are
    percentages, each out of 100, so their total is checked only when the file
    has a total row.
    """

    def __init__(self, workbook, cycle, result, problems, name: str, kind: str) -> None:
        self.workbook, self.cycle, self.result, self.problems = workbook, cycle, result, problems
        self.given_name, self.given_kind = name.strip(), kind
        self.rows: list[CriterionRow] = []
        self.total: Decimal | None = None
        self.total_row: int | None = None
        self.children: dict[str, list[CriterionRow]] = defaultdict(list)
        self.crosswalk_rows: list[tuple[str, str, str]] | None = None  # given with the import, to replace a tree

    # ---- reading the file

    def plan(self, sheet: str | None) -> None:
        match = _locate(self.workbook, FRAMEWORK_LAYOUT, self.problems, sheet, self.result)
        if match is None:
            return
        self.match = match
        self.result.sheet = match.sheet
        self.read_rows(AgencyIndex(self.cycle.as_of()))
        if not self.rows and not self.problems:
            self.problems.add(_("The sheet has no criteria below its header row."), match)
        self.resolve_framework()
        if self.problems:
            return
        self.check_tree()
        self.check_scores()
        if not self.problems:
            self.plan_changes()

    def read_rows(self, agencies: AgencyIndex) -> None:
        for number, values in _rows(self.workbook, self.match, self.problems):
            reader = RowReader(self.match, number, values, self.problems, self.workbook.epoch)
            code, name = reader.code("code"), reader.text("name", 500)
            if is_subtotal(code, name):  # an area's or a part's sum: the tree checks the sums itself
                continue
            if is_total(code, name):  # "Tổng cộng" in the name, or merged across from the code column
                self.total, self.total_row = reader.decimal("max_points", required=True), number
                continue
            self.result.rows += 1  # every criterion row, the ones with problems too
            if not str(values.get("name") or "").strip():  # a name too long is already a problem of its own
                reader.problem("name", _("This value is required."))
            row = self.read_row(reader, code, name, agencies)
            if row is not None:
                self.rows.append(row)

    def read_row(self, reader: RowReader, code: str, name: str, agencies: AgencyIndex) -> CriterionRow | None:
        area = excel.roman(code)  # an annex numbers its areas I … VIII: areas 1 … 8
        code = str(area) if area is not None else code
        if not code:
            reader.problem("code", _("The code is missing."))
            return None
        if not CODE_RE.match(code):
            reader.problem("code", _("“%(code)s” is not a criterion code such as 3, 3.2 or 3.2.1.") % {"code": code})
            return None
        max_points = reader.decimal("max_points", required=True)
        if max_points is not None and not 0 <= max_points <= MAX_SCORE:
            reader.problem("max_points", _("The maximum must be between 0 and %(max)s.") % {"max": points(MAX_SCORE)})
            max_points = None
        method = reader.read("method", lambda v: parse_method(excel.parse_text(v, 100)), False)
        if reader.has("note") and survey_note(reader.text("note")):
            if method == Method.SELF:
                message = _("The method says self-assessed, but the note says survey (“Điều tra XHH”); write one.")
                reader.problem("note", message)
            method = method or Method.SURVEY
        scores = {key: reader.decimal(key) for key in SCORE_KEYS if reader.has(key)}
        focal = None
        focal_text = reader.text("focal_agency", 200)
        if focal_text and code.count(".") == 0:
            focal = reader.read("focal_agency", lambda v: agencies.find(focal_text), False)
        return CriterionRow(reader.number, code, name, max_points, method, scores, focal, len(self.rows) + 1)

    def resolve_framework(self) -> None:
        """The framework's name (given, else the title row) and kind (given, else as stored, else guessed)."""
        name = self.given_name or title_name(self.match.title_lines)
        if not name:
            self.problems.add(
                _("The framework has no name: give one, or write it in a title row above the header."), self.match
            )
        elif len(name) > 200:
            self.problems.add(_("The framework's name is longer than 200 characters."), self.match)
        self.framework = Framework.objects.filter(name=name).first() if name else None
        self.framework = self.own_version(self.framework)
        stored = self.framework.kind if self.framework else ""
        self.kind = self.given_kind or stored or guess_framework_kind([name, *self.match.title_lines])
        if stored and stored != self.kind:
            self.problems.add(
                _("A framework named “%(name)s” already exists as %(kind)s.")
                % {"name": name, "kind": FrameworkKind(stored).label},
                self.match,
            )
        self.result.framework_name, self.result.framework_kind = name, self.kind
        self.name = name

    def own_version(self, framework: Framework | None) -> Framework | None:
        """This cycle's version of a shared framework, written by an earlier import (copy on write), if any."""
        if framework is None or self.cycle.frameworks.filter(pk=framework.pk).exists():
            return framework
        version = self.cycle.frameworks.filter(
            kind=framework.kind, crosswalks_in__old_framework=framework, crosswalks_in__note=COPY_ON_WRITE_NOTE
        ).first()
        return version or framework

    # ---- checking the tree

    def check_tree(self) -> None:
        """Unique codes, present parents, parents' maxima equal to their children's sums, and the total."""
        self.by_code: dict[str, CriterionRow] = {}
        for row in self.rows:
            if row.code in self.by_code:
                first = self.by_code[row.code].row
                self.problem(
                    row, "code", _("The code %(code)s is already on row %(row)s.") % {"code": row.code, "row": first}
                )
                continue
            self.by_code[row.code] = row
        for row in self.by_code.values():
            if row.parent_code and row.parent_code not in self.by_code:
                message = _("The parent %(parent)s of %(code)s is not in the sheet.")
                self.problem(row, "code", message % {"parent": row.parent_code, "code": row.code})
            elif row.parent_code:
                self.children[row.parent_code].append(row)
        for code, kids in self.children.items():
            self.check_sum(self.by_code[code], kids)
        self.check_total()

    def check_sum(self, parent: CriterionRow, kids: list[CriterionRow]) -> None:
        if parent.max_points is None or any(k.max_points is None for k in kids):
            return
        total = sum((k.max_points for k in kids), Decimal(0))
        if total != parent.max_points:
            message = _("The maximum %(max)s of %(code)s is not the sum of its parts' maxima (%(sum)s).")
            self.problem(
                parent,
                "max_points",
                message % {"max": points(parent.max_points), "code": parent.code, "sum": points(total)},
            )

    def check_total(self) -> None:
        areas = [r for r in self.by_code.values() if r.depth == 1]
        if self.total is None and self.kind != FrameworkKind.PAR:
            return
        total = (
            self.total if self.total is not None else (self.framework.total_points if self.framework else Decimal(100))
        )
        if any(a.max_points is None for a in areas) or total is None:
            return
        found = sum((a.max_points for a in areas), Decimal(0))
        if found != total:
            message = _("The areas add up to %(sum)s points, but the framework's total is %(total)s.")
            self.problems.add(
                message % {"sum": points(found), "total": points(total)}, self.match, self.total_row, "max_points"
            )
        self.total = total

    def check_scores(self) -> None:
        """Scores sit on the scored leaves; each must lie within 0 and the maximum, as the database demands."""
        for row in self.by_code.values():
            if row.code in self.children or row.max_points is None:
                continue
            for key, value in row.scores.items():
                if value is None:
                    continue
                limit = MAX_SCORE if key == "previous_score" else row.max_points
                if not 0 <= value <= limit:
                    message = _("The score %(value)s is outside 0 to %(max)s.")
                    self.problem(row, key, message % {"value": points(value), "max": points(limit)})

    def problem(self, row: CriterionRow, key: str, message: str) -> None:
        self.problems.add(message, self.match, row.row, key)

    # ---- planning against the database

    def plan_changes(self) -> None:
        self.existing = (
            {c.code: c for c in Criterion.objects.filter(framework=self.framework)} if self.framework else {}
        )
        self.methods = self.effective_methods()
        self.copy_from = self.framework if self.shared_with() and self.tree_changes() else None
        self.check_survey_scores()
        missing = sorted(set(self.existing) - set(self.by_code), key=_code_key)
        if missing:
            message = _(
                "The framework “%(name)s” also has criteria that are not in the file (%(codes)s); an import never "
                "deletes criteria. Add them to the file, or import under a new framework name."
            )
            self.problems.add(message % {"name": self.name, "codes": ", ".join(missing[:10])}, self.match)
        self.check_lowered_maxima()
        self.check_cycle_frameworks()
        self.count_changes()
        if self.copy_from is not None:
            self.plan_copy()

    # ---- copy on write

    def shared_with(self) -> list[int]:
        """The years of the other cycles using the named framework (``start_cycle(copy_frameworks=False)``)."""
        if self.framework is None:
            return []
        others = self.framework.cycles.exclude(pk=self.cycle.pk).order_by("year")
        self.result.shared_with = list(others.values_list("year", flat=True))
        return self.result.shared_with

    def tree_changes(self) -> bool:
        """Whether the file changes what the other cycles see: a criterion or the total (scores are per cycle)."""
        if self.total is not None and self.total != self.framework.total_points:
            return True
        return any(
            row.code not in self.existing or _differs(self.existing[row.code], self.node_values(row))
            for row in self.by_code.values()
        )

    def plan_copy(self) -> None:
        """The import writes a new version of the framework for this cycle only: the others keep theirs."""
        self.result.copied_from = self.copy_from.name
        self.name = self.result.framework_name = _version_name(self.copy_from.name, self.cycle.year)
        summary = self.result.summary
        for bucket in (summary.updated, summary.unchanged):
            bucket.pop("framework", None)
            bucket.pop("criterion", None)
        summary.created["framework"], summary.created["criterion"] = 1, len(self.by_code)

    def effective_methods(self) -> dict[str, str]:
        """Blank methods: a leaf is self-assessed; a parent is a survey when all its children are."""
        methods: dict[str, str] = {}
        for row in sorted(self.by_code.values(), key=lambda r: -r.depth):
            kids = self.children.get(row.code, [])
            derived = Method.SURVEY if kids and all(methods[k.code] == Method.SURVEY for k in kids) else Method.SELF
            methods[row.code] = row.method or derived
        return methods

    def check_survey_scores(self) -> None:
        """A survey-based sub-criterion takes no self score (the database refuses one too)."""
        for row in self.by_code.values():
            if row.code in self.children or self.methods.get(row.code) != Method.SURVEY:
                continue
            if row.scores.get("self_score") is not None:
                self.problem(row, "self_score", str(SURVEY_NO_SELF_SCORE))
            node = self.existing.get(row.code)
            if node is not None and node.method != Method.SURVEY and self.copy_from is None:
                scored = Score.objects.filter(criterion=node, self_score__isnull=False).exclude(cycle=self.cycle)
                if scored.exists():
                    message = _("%(code)s becomes survey-based, but another cycle records a self score for it.")
                    self.problem(row, "method", message % {"code": row.code})

    def check_lowered_maxima(self) -> None:
        """A lowered maximum must stay above every score already recorded against it, in any cycle."""
        lowered = {
            code: node
            for code, node in self.existing.items()
            if code in self.by_code and self.by_code[code].max_points < node.max_points
        }
        if not lowered:
            return
        labels = {"self_score": _("self score"), "appraised_score": _("appraised score"), "target": _("target")}
        scores = Score.objects.filter(criterion__in=lowered.values()).select_related("cycle", "criterion")
        for score in scores.order_by("cycle__year", "criterion__code"):
            row = self.by_code[score.criterion.code]
            if self.copy_from is not None and score.cycle_id != self.cycle.pk:
                continue  # copy on write: the other cycles keep their version and its maxima
            for key, label in labels.items():
                if score.cycle_id == self.cycle.pk and key in row.scores:
                    continue
                value = getattr(score, key)
                if value is not None and value > row.max_points:
                    message = _(
                        "Cycle %(year)s records %(what)s %(value)s for %(code)s, above the new maximum %(max)s."
                    )
                    values = {"year": score.cycle.year, "what": label, "value": points(value), "code": row.code}
                    self.problem(row, "max_points", message % {**values, "max": points(row.max_points)})

    def check_cycle_frameworks(self) -> None:
        """A cycle has one framework of each kind. Another one is replaced while the cycle has no data on it, or,
        for the tree "start next cycle" copied, until its self-assessment round has entries (issue 12's rule):
        the cycle's tasks linked to it are re-linked through the crosswalk given with the import."""
        self.detach = [
            f for f in self.cycle.frameworks.filter(kind=self.kind) if f.pk != getattr(self.framework, "pk", None)
        ]
        self.replacing, self.relinks = None, []
        for other in self.detach:
            used = (
                Score.objects.filter(cycle=self.cycle, criterion__framework=other).exists()
                or Task.objects.filter(cycle=self.cycle, sub_criteria__framework=other).exists()
            )
            if not used:
                continue
            refusal = replacement_refusal(self.cycle, other) if self.framework is None else None
            if refusal is None and self.framework is None:
                self.plan_replacement(other)
                continue
            message = refusal or _(
                "Cycle %(year)s already uses the framework “%(other)s”, with scores or tasks; remove it from "
                "the cycle first, or import under that framework's name."
            ) % {"year": self.cycle.year, "other": other.name}
            self.problems.add(message, self.match)

    def plan_replacement(self, other: Framework) -> None:
        """Which tasks follow the crosswalk onto the new tree; without a crosswalk, linked tasks refuse the import."""
        self.replacing = other
        self.result.replaces = other.name
        self.crosswalk_from = copy_source(other) or other
        pairs: dict[str, list[str]] = defaultdict(list)
        leaves = {code for code in self.by_code if code not in self.children}
        old_leaves = set(
            Criterion.objects.filter(framework=self.crosswalk_from).leaves().values_list("code", flat=True)
        )
        for number, (old_code, new_code, _note) in enumerate(self.crosswalk_rows or [], start=1):
            if old_code not in old_leaves:
                message = _("Crosswalk row %(n)s: %(code)s is not a sub-criterion of “%(name)s”.")
                self.problems.add(message % {"n": number, "code": old_code, "name": self.crosswalk_from.name})
            elif new_code and new_code not in leaves:
                message = _("Crosswalk row %(n)s: %(code)s is not a sub-criterion of the imported tree.")
                self.problems.add(message % {"n": number, "code": new_code})
            elif new_code:
                pairs[old_code].append(new_code)
        self.relinks = plan_tree_relinks(self.cycle, other, pairs)
        self.result.relinks = [
            {"number": r.number, "title": r.title, "old": list(r.old_codes), "new": list(r.new_codes)}
            for r in self.relinks
        ]
        if self.relinks and self.crosswalk_rows is None:
            message = _(
                "%(n)s tasks of cycle %(year)s are linked to the tree “%(other)s” that this import replaces; give the "
                "crosswalk from “%(old)s” to the new tree (old code, new code) with the import, so they are re-linked."
            )
            values = {"n": len(self.relinks), "year": self.cycle.year, "other": other.name}
            self.problems.add(message % {**values, "old": self.crosswalk_from.name}, self.match)

    def node_values(self, row: CriterionRow, parent: Criterion | None = None) -> dict[str, Any]:
        """The fields a row sets on its criterion; the parent is the node of the code's prefix."""
        parent = parent or self.existing.get(row.parent_code)
        values = {
            "parent_id": parent.pk if parent else None,
            "level": LEVELS[row.depth],
            "name": row.name,
            "max_points": row.max_points,
            "method": self.methods[row.code],
            "order": row.order,
        }
        if row.depth == 1 and "focal_agency" in self.match.positions:
            values["focal_agency_id"] = row.focal.pk if row.focal else None
        return values

    def count_changes(self) -> None:
        """What the preview announces: rows new, updated or unchanged (the apply step writes the same)."""
        summary = self.result.summary
        changed = self.framework is not None and self.total is not None and self.total != self.framework.total_points
        summary.count("framework", self.framework is None, changed)
        scores = Score.objects.filter(cycle=self.cycle, criterion__framework=self.framework) if self.framework else []
        self.scores = {s.criterion_id: s for s in scores}
        for row in self.by_code.values():
            node = self.existing.get(row.code)
            summary.count("criterion", node is None, node is not None and _differs(node, self.node_values(row)))
            if row.code not in self.children:
                score = self.scores.get(node.pk) if node else None
                values = {"max_points": row.max_points, **row.scores}
                summary.count("score", score is None, score is not None and _differs(score, values))

    # ---- writing

    def apply(self, user) -> None:
        if self.copy_from is not None:
            return self.apply_copy(user)
        framework = self.framework or Framework(name=self.name, kind=self.kind)
        if framework.pk is None or framework.total_points != self.total:
            framework.total_points = self.total if self.total is not None else framework.total_points
            framework._change_reason = CHANGE_REASON
            framework.save()
        nodes: dict[str, Criterion] = {}
        for row in sorted(self.by_code.values(), key=lambda r: (r.depth, r.order)):
            nodes[row.code] = self.save_node(framework, row, nodes.get(row.parent_code))
        for row in self.by_code.values():
            if row.code not in self.children:
                self.save_score(nodes[row.code], row)
        if self.replacing is not None:
            self.apply_replacement(framework, user)
        self.cycle.frameworks.remove(*self.detach)
        self.cycle.frameworks.add(framework)

    def apply_replacement(self, framework: Framework, user) -> None:
        """The crosswalk from last year's tree to the new one, then the replacement (remediation's service)."""
        try:
            if self.crosswalk_rows:
                import_crosswalk(self.crosswalk_from, framework, self.crosswalk_rows, user=user)
            replace_cycle_tree(self.cycle, self.replacing, framework, self.relinks, user)
        except ValidationError as exc:  # an entry recorded since the preview: nothing is written
            raise ReplacementRefused(" ".join(exc.messages)) from exc

    def apply_copy(self, user) -> None:
        """A new version for this cycle: the tree from the file, this cycle's scores and task links moved onto it
        by code, an identity crosswalk from the shared version; the other cycles' rows are not touched."""
        old = self.copy_from
        fields = ("kind", "legal_basis", "decision_date", "first_year", "last_year", "groups", "description")
        framework = Framework(name=self.name, total_points=self.total or old.total_points)
        for name in fields:
            setattr(framework, name, getattr(old, name))
        framework._change_reason = _("Copy on write of “%(name)s” for cycle %(year)s") % {
            "name": old.name,
            "year": self.cycle.year,
        }
        framework.save()
        codes = {node.pk: code for code, node in self.existing.items()}
        scores_by_code = {codes[score.criterion_id]: score for score in self.scores.values()}
        self.existing, nodes = {}, {}
        for row in sorted(self.by_code.values(), key=lambda r: (r.depth, r.order)):
            nodes[row.code] = self.save_node(framework, row, nodes.get(row.parent_code))
        self.scores = {nodes[c].pk: score for c, score in scores_by_code.items() if c in nodes}
        for row in self.by_code.values():
            if row.code not in self.children:
                self.save_score(nodes[row.code], row)
        self.relink_tasks(old, nodes)
        crosswalk = Crosswalk.objects.create(old_framework=old, new_framework=framework, note=COPY_ON_WRITE_NOTE)
        old_leaves = Criterion.objects.filter(framework=old).leaves().values_list("id", "code")
        CrosswalkMapping.objects.bulk_create(
            CrosswalkMapping(crosswalk=crosswalk, old_id=pk, new=nodes[code])
            for pk, code in old_leaves
            if code in nodes and code not in self.children
        )
        self.cycle.frameworks.remove(old, *self.detach)
        self.cycle.frameworks.add(framework)

    def relink_tasks(self, old: Framework, nodes: dict[str, Criterion]) -> None:
        """This cycle's tasks linked to the shared version now link to the same codes of the new one."""
        through = Task.sub_criteria.through
        links = through.objects.filter(task__cycle=self.cycle, criterion__framework=old)
        for link_id, code in links.values_list("id", "criterion__code"):
            through.objects.filter(pk=link_id).update(criterion_id=nodes[code].pk)

    def save_node(self, framework: Framework, row: CriterionRow, parent: Criterion | None) -> Criterion:
        node = self.existing.get(row.code) or Criterion(framework=framework, code=row.code)
        values = self.node_values(row, parent)
        old_max = node.max_points
        if node.pk is None or _differs(node, values):
            for key, value in values.items():
                setattr(node, key, value)
            node.save()
        if old_max is not None and old_max != node.max_points:
            # Keep every cycle's copied maximum in step (the CHECK constraints compare against it);
            # this cycle's row is saved with its new scores just after.
            Score.objects.filter(criterion=node).exclude(cycle=self.cycle).update(max_points=node.max_points)
        # The copied method too (check_survey_scores made sure no other cycle holds a refused value).
        Score.objects.filter(criterion=node).exclude(cycle=self.cycle).exclude(method=node.method).update(
            method=node.method
        )
        return node

    def save_score(self, node: Criterion, row: CriterionRow) -> None:
        score = self.scores.get(node.pk) or Score(cycle=self.cycle, criterion=node)
        values = {"criterion_id": node.pk, "max_points": node.max_points, "method": node.method, **row.scores}
        if score.pk is None or _differs(score, values):
            for key, value in values.items():
                setattr(score, key, value)
            score._change_reason = CHANGE_REASON
            score.save()


# Marks the crosswalk from a shared framework to one cycle's own version (data, in the documents' language).
COPY_ON_WRITE_NOTE = "Phiên bản riêng của chu kỳ khi nhập (bộ tiêu chí dùng chung giữ nguyên)"


def _version_name(name: str, year: int) -> str:
    base = f"{name} ({year})"
    candidate, n = base, 2
    while Framework.objects.filter(name=candidate).exists():
        candidate, n = f"{base} [{n}]", n + 1
    return candidate[:200]


def points(value: Decimal) -> str:
    """Points as people write them in the active language: 0,5 in Vietnamese, 0.5 in English; no trailing zeros."""
    return formats.number_format(Decimal(format(value.normalize(), "f")), use_l10n=True)


def _differs(obj: models.Model, values: dict[str, Any]) -> bool:
    return any(getattr(obj, key) != value for key, value in values.items())


def _code_key(code: str) -> tuple[int, ...]:
    return tuple(int(p) if p.isascii() and p.isdecimal() else 0 for p in code.split("."))


# --------------------------------------------------------------------------- task assignments


@dataclass
class TaskRow:
    """One task row of the file, as read; None for a column the file does not have."""

    row: int
    title: str
    lead: Agency
    deadline: dt.date | None  # None: "Thường xuyên", a standing task with no deadline
    description: str | None
    source: str
    criteria: set[int] | None
    coordinating: set[int] | None
    number: int | None = None
    shortcoming: str | None = None

    @property
    def key(self) -> tuple:
        """What identifies the task: its stable number when the file gives one, else its normalised title and lead."""
        return ("number", self.number) if self.number is not None else self.title_key

    @property
    def title_key(self) -> tuple:
        return ("title", task_key(self.title), self.lead.pk)


def _is_heading(values: dict[str, Any]) -> bool:
    """A group heading of a task annex ("I. CÔNG TÁC CHỈ ĐẠO, ĐIỀU HÀNH", merged across): one text, no lead
    agency and no deadline; never a task."""
    filled = [v for v in values.values() if v is not None and not (isinstance(v, str) and not v.strip())]
    if len(filled) != 1 or not isinstance(filled[0], str) or values.get("lead_agency") or values.get("deadline"):
        return False
    text = filled[0].strip()
    return text.isupper() or bool(HEADING_RE.match(text))  # a lone ordinary title is still a row with problems


HEADING_RE = re.compile(r"^(?=[IVXL]+\b)[IVXL]{1,6}[.)]?\s")  # "I. …", "IV) …", "VIII …"


def task_key(title: str) -> str:
    """A title as compared: NFC, spacing and case folded ("Rà soát  TTHC" is "rà soát tthc"), never raw bytes."""
    return " ".join(unicodedata.normalize("NFC", title).casefold().split())


def parse_task_number(value: Any) -> int | None:
    """A task number: a whole number (12, 12.0 or "12"); blank is None."""
    text = excel.parse_text(value, 20)
    if not text:
        return None
    if not (text.isascii() and text.isdecimal()) or not 0 < int(text) < 2**31:
        raise CellError(_("“%(value)s” is not a task number.") % {"value": text})
    return int(text)


@dataclass
class TaskChange:
    row: TaskRow
    task: Task | None
    fields: dict[str, Any]
    created: bool
    changed: bool
    links_changed: bool = False


def _chunks(items: list, size: int = 1000) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class TaskImport:
    """Task assignments for a cycle: title, description, sub-criteria, lead and coordinating agencies,
    deadline and source document.

    Progress, completion and causes belong to the agencies and are never
    touched, so a province can re-import its list mid-campaign.
    """

    def __init__(self, workbook, cycle, result, problems) -> None:
        self.workbook, self.cycle, self.result, self.problems = workbook, cycle, result, problems
        self.rows: list[TaskRow] = []
        self.changes: list[TaskChange] = []
        self.unknown: dict[str, tuple[str, list[int]]] = {}  # folded name → (as first written, rows)
        self.groups: dict[tuple[str, int], tuple[str, list[int]]] = {}  # (folded group, size) → (as written, rows)
        self.deadlines: dict[str, tuple[dt.date | None, list[int]]] = {}  # as written → (understood, rows)

    def plan(self, sheet: str | None) -> None:
        match = _locate(self.workbook, TASK_LAYOUT, self.problems, sheet, self.result)
        if match is None:
            return
        self.match = match
        self.result.sheet = match.sheet
        self.criteria = self.load_criteria()
        agencies = AgencyIndex(self.cycle.as_of(), self.cycle.reporting_kinds)
        self.read_rows(agencies)  # counts every task row in result.rows, the ones with problems too
        self.report_names(agencies)
        if not self.rows and not self.problems:
            self.problems.add(_("The sheet has no tasks below its header row."), match)
        if not self.problems:
            self.plan_changes()

    def load_criteria(self) -> dict[str, tuple[int, bool]] | None:
        """Code → (id, is a sub-criterion) in the cycle's PAR framework; None when there is none."""
        framework = self.cycle.framework_of(FrameworkKind.PAR)
        if framework is None:
            return None
        nodes = Criterion.objects.filter(framework=framework).annotate(kids=models.Count("children"))
        return {code: (pk, kids == 0) for code, pk, kids in nodes.values_list("code", "id", "kids")}

    def read_rows(self, agencies: AgencyIndex) -> None:
        seen: dict[tuple[str, int], int] = {}
        for number, values in _rows(self.workbook, self.match, self.problems):
            if _is_heading(values):
                continue
            self.result.rows += 1  # every task row, the ones with problems too
            reader = RowReader(self.match, number, values, self.problems, self.workbook.epoch)
            row = self.read_row(reader, agencies)
            if row is None:
                continue
            if row.key in seen:
                if row.number is not None:
                    message = _("The task number %(number)s is already on row %(row)s.")
                    reader.problem("number", message % {"number": row.number, "row": seen[row.key]})
                else:
                    message = _("The same task (title and lead agency) is already on row %(row)s.")
                    reader.problem("title", message % {"row": seen[row.key]})
                continue
            seen[row.key] = number
            self.rows.append(row)

    def read_row(self, reader: RowReader, agencies: AgencyIndex) -> TaskRow | None:
        number = reader.read("number", parse_task_number, False)
        title = reader.text("title", 300, required=True)
        lead_text = reader.text("lead_agency", 200, required=True)
        lead = None
        if lead_text:
            lead = reader.read("lead_agency", lambda _v: self.read_lead(lead_text, agencies, reader), False)
        deadline = reader.read("deadline", lambda v: excel.parse_deadline(v, self.workbook.epoch), True)
        ongoing = deadline is excel.ONGOING  # "Thường xuyên": a task with no deadline
        deadline = None if ongoing else deadline
        written = reader.values.get("deadline")
        if isinstance(written, str) and (deadline or ongoing):  # the preview shows the date each text was read as
            text = " ".join(written.split())
            self.deadlines.setdefault(text, (deadline, []))[1].append(reader.number)
        description = reader.text("description") if reader.has("description") else None
        shortcoming = reader.text("shortcoming") if reader.has("shortcoming") else None
        source = reader.text("source_document", 200)
        criteria = self.read_codes(reader) if reader.has("codes") else None
        coordinating = self.read_coordinating(reader, agencies, lead) if reader.has("coordinating") else None
        if not (title and lead and (deadline or ongoing)):
            return None
        return TaskRow(
            reader.number, title, lead, deadline, description, source, criteria, coordinating, number, shortcoming
        )

    def read_codes(self, reader: RowReader) -> set[int]:
        """Sub-criteria codes separated by commas, semicolons or line breaks, all in the cycle's PAR tree."""
        text = reader.text("codes", 2000)
        codes = [excel.parse_code(SUB_PREFIX_RE.sub("", p)) for p in re.split(r"[,;\n]+", text) if p.strip()]
        if not codes:
            return set()
        if self.criteria is None:
            message = _("Cycle %(year)s has no PAR Index framework yet; import the framework first.")
            reader.problem("codes", message % {"year": self.cycle.year})
            return set()
        unknown = [c for c in codes if c not in self.criteria]
        inner = [c for c in codes if c in self.criteria and not self.criteria[c][1]]
        if unknown:
            message = _("These codes are not in the cycle's PAR Index framework: %(codes)s.")
            reader.problem("codes", message % {"codes": ", ".join(unknown[:10])})
        if inner:
            message = _("These codes are not sub-criteria (they have parts of their own): %(codes)s.")
            reader.problem("codes", message % {"codes": ", ".join(inner[:10])})
        return {self.criteria[c][0] for c in codes if c in self.criteria}

    def read_lead(self, text: str, agencies: AgencyIndex, reader: RowReader) -> Agency:
        """The one lead agency of a task: a group or a list of several is refused (they coordinate)."""
        try:
            return agencies.find(text)
        except UnknownAgency as exc:
            if fold_name(text, True) in agencies.groups:
                message = _(
                    "“%(text)s” is a group of agencies; one agency leads a task. Write that agency here "
                    "and the group under “Cơ quan phối hợp”."
                )
                raise CellError(message % {"text": text}) from None
            names = agencies.split(text)
            if len(names) > 1 and all(agencies.knows(n) for n in names):
                message = _(
                    "One agency leads a task, and this cell names %(n)s (%(names)s). Keep one here and write "
                    "the others under “Cơ quan phối hợp”."
                )
                raise CellError(message % {"n": len(names), "names": "; ".join(names)}) from None
            self.note_unknown(exc.text, reader.number)
            raise

    def read_coordinating(self, reader: RowReader, agencies: AgencyIndex, lead: Agency | None) -> set[int]:
        """A list in one cell (line breaks, semicolons, commas, "và"), each name an agency or a group."""
        text = reader.text("coordinating", 4000)
        found: list[Agency] = []
        for name in agencies.split(text):
            try:
                group = agencies.group(name)
                if group is not None:
                    found.extend(group.agencies)
                    key = (fold_name(name, True), len(group.agencies))
                    self.groups.setdefault(key, (name, []))[1].append(reader.number)
                else:
                    found.append(agencies.find(name))
            except UnknownAgency as exc:
                self.note_unknown(exc.text, reader.number)
                reader.problem("coordinating", exc.message)
            except CellError as exc:
                reader.problem("coordinating", exc.message)
        return {a.pk for a in found if lead is None or a.pk != lead.pk}

    def note_unknown(self, text: str, row: int) -> None:
        rows = self.unknown.setdefault(fold_name(text, True), (text, []))[1]
        if row not in rows:
            rows.append(row)

    def report_names(self, agencies: AgencyIndex) -> None:
        """For the preview: each unknown name once, with its rows and up to 3 suggestions; each group expanded.

        Bounded for a file full of unknown names: the first UNKNOWN_LISTED names, suggestions for the first
        UNKNOWN_SUGGESTED (each compares with every agency name), ROWS_LISTED rows each plus their count;
        every row keeps its own error in the problems."""
        self.result.unknown_agencies = [
            {
                "text": text,
                "rows": rows[:ROWS_LISTED],
                "row_count": len(rows),
                "suggestions": [
                    {"id": a.pk, "name": a.name} for a in (agencies.suggestions(text) if i < UNKNOWN_SUGGESTED else [])
                ],
            }
            for i, (text, rows) in enumerate(list(self.unknown.values())[:UNKNOWN_LISTED])
        ]
        self.result.agency_groups = [
            {"text": text, "count": size, "rows": rows[:ROWS_LISTED], "row_count": len(rows)}
            for (_key, size), (text, rows) in self.groups.items()
        ]
        self.result.deadlines = [
            {"text": text, "date": f"{day:%d/%m/%Y}" if day else "", "rows": rows[:ROWS_LISTED], "row_count": len(rows)}
            for text, (day, rows) in list(self.deadlines.items())[:UNKNOWN_LISTED]
        ]

    # ---- planning against the database

    def existing_tasks(self) -> dict[tuple, list[Task]]:
        """The cycle's tasks the file's rows name, by the rows' keys: number, else normalised title and lead.

        Titles are compared after NFC and case folding in Python, so a title stored
        decomposed, or spaced differently, is still the same task. Read in chunks of
        numbers and of lead agencies: memory follows the file and its agencies' tasks.
        """
        found: dict[tuple, list[Task]] = defaultdict(list)
        fields = (
            "id",
            "number",
            "title",
            "lead_agency_id",
            "description",
            "shortcoming",
            "deadline",
            "source_document",
        )
        fields = (*fields, "version")
        tasks = Task.objects.filter(cycle=self.cycle).only(*fields).order_by("id")
        numbers = sorted({r.number for r in self.rows if r.number is not None})
        for chunk in _chunks(numbers):
            for task in tasks.filter(number__in=chunk):
                found[("number", task.number)].append(task)
        # Every row's title key too: a number from another cycle's export falls back to it.
        leads = sorted({r.lead.pk for r in self.rows})
        wanted = {r.title_key for r in self.rows}
        for chunk in _chunks(leads, 200):
            for task in tasks.filter(lead_agency_id__in=chunk):
                key = ("title", task_key(task.title), task.lead_agency_id)
                if key in wanted:
                    found[key].append(task)
        return found

    def current_links(self, task_ids: list[int]) -> tuple[dict[int, set[int]], dict[int, set[int]]]:
        criteria: dict[int, set[int]] = defaultdict(set)
        agencies: dict[int, set[int]] = defaultdict(set)
        for ids in _chunks(task_ids):
            for task_id, other in Task.sub_criteria.through.objects.filter(task_id__in=ids).values_list(
                "task_id", "criterion_id"
            ):
                criteria[task_id].add(other)
            for task_id, other in Task.coordinating_agencies.through.objects.filter(task_id__in=ids).values_list(
                "task_id", "agency_id"
            ):
                agencies[task_id].add(other)
        return criteria, agencies

    def plan_changes(self) -> None:
        existing = self.existing_tasks()
        matched = [tasks[0].pk for tasks in existing.values()]
        self.links = self.current_links(matched)
        for row in self.rows:
            tasks = existing.get(row.key, [])
            if row.number is not None and not tasks:
                # No such number in this cycle (a workbook exported from another cycle): the title and lead decide.
                row.number, tasks = None, existing.get(row.title_key, [])
            elif row.number is not None and not self.numbered_task_fits(row, tasks):
                continue
            if len(tasks) > 1:
                message = _(
                    "%(n)s tasks of this cycle already have this title and lead agency; "
                    "the import cannot tell which one to update."
                )
                self.problems.add(message % {"n": len(tasks)}, self.match, row.row, "title")
                continue
            self.changes.append(self.change_for(row, tasks[0] if tasks else None))
            change = self.changes[-1]
            self.result.summary.count("task", change.created, change.changed)

    def numbered_task_fits(self, row: TaskRow, tasks: list[Task]) -> bool:
        """A numbered row updates that task of the cycle, which keeps its lead agency."""
        if tasks[0].lead_agency_id != row.lead.pk:
            message = _(
                "Task number %(number)s has another lead agency; a new lead is assigned on the task's page, "
                "where the hand-over is recorded."
            )
            self.problems.add(message % {"number": row.number}, self.match, row.row, "lead_agency")
            return False
        return True

    def change_for(self, row: TaskRow, task: Task | None) -> TaskChange:
        fields: dict[str, Any] = {"deadline": row.deadline}
        if task is not None and row.number is not None:
            fields["title"] = row.title  # the number identifies the task, so its title may be corrected
        if row.description is not None:
            fields["description"] = row.description
        if row.shortcoming is not None:
            fields["shortcoming"] = row.shortcoming
        if row.source:
            fields["source_document"] = row.source
        if task is None:
            return TaskChange(row, None, fields, created=True, changed=False, links_changed=True)
        criteria, agencies = self.links
        links_changed = (row.criteria is not None and row.criteria != criteria.get(task.pk, set())) or (
            row.coordinating is not None and row.coordinating != agencies.get(task.pk, set())
        )
        changed = _differs(task, fields) or links_changed
        return TaskChange(row, task, fields, created=False, changed=changed, links_changed=links_changed)

    # ---- writing

    def apply(self, user) -> None:
        """Bulk writes: 10,000 rows in a few seconds, with the same history rows a save() would leave."""
        now = clock.now(self.cycle)
        created = [
            Task(cycle=self.cycle, title=c.row.title, lead_agency=c.row.lead, created_by=user, **c.fields)
            for c in self.changes
            if c.created
        ]
        Task.objects.bulk_create(created, batch_size=500)
        for change, task in zip((c for c in self.changes if c.created), created, strict=True):
            change.task = task
        updated = [c for c in self.changes if c.changed]
        for change in updated:
            for key, value in change.fields.items():
                setattr(change.task, key, value)
            change.task.version += 1
            change.task.updated_at = now
        fields = ["title", "deadline", "description", "shortcoming", "source_document", "version", "updated_at"]
        Task.objects.bulk_update([c.task for c in updated], fields, batch_size=500)
        self.replace_links([c for c in self.changes if c.links_changed])
        sync_assignments([c.task.pk for c in self.changes if c.links_changed], reason=CHANGE_REASON)
        _record_history(created, user, update=False)
        _record_history([c.task for c in updated], user, update=True)

    def replace_links(self, changes: list[TaskChange]) -> None:
        """Set each changed task's sub-criteria and coordinating agencies to the file's lists."""
        specs = (
            (Task.sub_criteria.through, "criterion_id", lambda r: r.criteria),
            (Task.coordinating_agencies.through, "agency_id", lambda r: r.coordinating),
        )
        for through, other, wanted in specs:
            targets = [c for c in changes if wanted(c.row) is not None]
            for ids in _chunks([c.task.pk for c in targets if not c.created]):
                through.objects.filter(task_id__in=ids).delete()
            links = [through(task_id=c.task.pk, **{other: pk}) for c in targets for pk in sorted(wanted(c.row))]
            through.objects.bulk_create(links, batch_size=1000)


def _record_history(tasks: list[Task], user, update: bool) -> None:
    """History rows for bulk-written tasks, with their sub-criteria and agencies, as save() would record."""
    if not tasks:
        return
    history = Task.history.bulk_history_create(
        tasks, batch_size=500, update=update, default_user=user, default_change_reason=CHANGE_REASON
    )
    by_task = {h.id: h.history_id for h in history}
    for name, other in (("sub_criteria", "criterion_id"), ("coordinating_agencies", "agency_id")):
        m2m_history = getattr(Task.history.model, name).model
        through = getattr(Task, name).through
        rows = []
        for ids in _chunks(list(by_task)):
            for pk, task_id, other_id in through.objects.filter(task_id__in=ids).values_list("id", "task_id", other):
                rows.append(m2m_history(id=pk, task_id=task_id, history_id=by_task[task_id], **{other: other_id}))
        m2m_history.objects.bulk_create(rows, batch_size=1000)
