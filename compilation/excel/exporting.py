"""Excel exports: the score tree with its gaps, the task tracking table, the agencies' report status.

pretix-style: each sheet is a title, its columns and a row generator; the
figures come from figures.py (the dashboard and the PDF read the same
functions), so the three cannot drift apart. excel.write_workbook streams the
rows in write-only mode, so 100,000 tasks need no more memory than 100.

The score and task sheets begin with the columns of the import layouts, under
the same headers: an exported workbook loads again as a framework with scores
and as task assignments, so a province can edit last year's file and load it.
Headers and labels are Vietnamese: they are the province's spreadsheet format,
not interface text.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from typing import IO

from django.utils.text import slugify
from django.utils.translation import gettext as _

from agencies.models import Agency
from parindex.models import Cycle, FrameworkKind, Level

from .. import figures, vocabulary
from ..consolidated.document import annex_subtitle
from .workbook import (
    DATE_FORMAT,
    FRAMEWORK_LAYOUT,
    INTEGER_FORMAT,
    ONGOING_TEXT,
    PERCENT_FORMAT,
    POINTS_FORMAT,
    TASK_LAYOUT,
    Column,
    Layout,
    Row,
    Sheet,
    write_workbook,
)

LEVEL_LABELS = vocabulary.LEVEL
METHOD_LABELS = vocabulary.METHOD
STATUS_LABELS = vocabulary.TASK_STATUS
REPORT_LABELS = vocabulary.REPORT_STATE
KIND_LABELS = vocabulary.AGENCY_KIND
BELOW_MAX_MARK = "x"
TOTAL_LABEL = "Tổng cộng"


def _col(layout: Layout, key: str) -> Column:
    return layout.column(key)


def letterhead(cycle: Cycle) -> tuple[str, str]:
    """The issuing block of an annex: the governing body of the cycle's province and SNV, in capitals."""
    return (cycle.document_governing_body.upper(), cycle.issuing_body.upper())


def annex_lines(cycle: Cycle, as_of: dt.date, number: str, *lines: str) -> tuple[str, ...]:
    """An annex's title lines: "PHỤ LỤC II", its title and subtitle, then "(Kèm theo Báo cáo số …)",
    the consolidated report's own subtitle (one wording, compilation.consolidated.document)."""
    return (f"PHỤ LỤC {number}", *lines, annex_subtitle(cycle, as_of))


def _fraction(percent: Decimal | None) -> Decimal | None:
    """85.45 (the figures' percentage) as 0.8545, for a cell in PERCENT_FORMAT."""
    return None if percent is None else percent / 100


# --------------------------------------------------------------------------- score tree

F = FRAMEWORK_LAYOUT
SCORE_COLUMNS = (
    _col(F, "code"),
    _col(F, "name"),
    Column("level", "Cấp", width=19),
    _col(F, "method"),
    _col(F, "max_points"),
    _col(F, "self_score"),
    _col(F, "estimate"),
    _col(F, "appraised_score"),
    Column("effective", "Điểm đạt", width=10, number_format=POINTS_FORMAT),
    Column("gap", "Điểm bị mất", width=10, number_format=POINTS_FORMAT),
    Column("below_max", "Dưới điểm tối đa", width=10),
    _col(F, "previous_score"),
    Column("change", "Tăng, giảm so với năm trước", width=12, number_format=POINTS_FORMAT),
    _col(F, "focal_agency"),
    Column("tasks_total", "Số nhiệm vụ", width=10, number_format=INTEGER_FORMAT),
    Column("tasks_open", "Nhiệm vụ chưa hoàn thành", width=12, number_format=INTEGER_FORMAT),
)


def _walk(tree: list[figures.ScoreRow]) -> Iterator[figures.ScoreRow]:
    """Areas, each followed by its criteria and sub-criteria: the order of the official annex."""
    stack = list(reversed(tree))
    while stack:
        row = stack.pop()
        yield row
        stack.extend(reversed(row.children))


def _appraised(node: figures.ScoreRow) -> Decimal | None:
    """The Ministry's figure (round 2, else round 1): a leaf's own, an inner node's sum of its leaves'.
    None while no leaf has one, so a workbook as of a date before the appraisal shows none."""
    values = [
        leaf.appraised_score if leaf.appraised_score is not None else leaf.appraised_1
        for leaf in figures.leaves([node])
    ]
    if all(v is None for v in values):
        return None
    return sum((v for v in values if v is not None), Decimal(0))


def score_rows(tree: list[figures.ScoreRow], total: Decimal) -> Iterator[Row]:
    """One row per node; the below-max marker on each sub-criterion that lost points; a total row last."""
    for node in _walk(tree):
        yield Row(
            [
                node.code,
                node.name,
                LEVEL_LABELS.get(node.level, node.level),
                METHOD_LABELS.get(node.method, node.method),
                node.max_points,
                node.self_score if not node.is_leaf or not node.is_survey else None,
                node.estimate,
                _appraised(node),
                node.effective,
                node.gap,
                BELOW_MAX_MARK if node.is_leaf and node.below_max else None,
                node.previous_score,
                node.change,
                node.focal_agency or None,
                node.tasks_total,
                node.tasks_open,
            ],
            strong=node.level == Level.AREA,
        )
    totals = figures.totals(tree)
    appraised = [_appraised(root) for root in tree]
    has_any = any(a is not None for a in appraised)
    appraised_total = sum((a for a in appraised if a is not None), Decimal(0)) if has_any else None
    yield Row(
        [None, TOTAL_LABEL, None, None, total, totals.self_points, None, appraised_total, totals.points, totals.lost]
        + [None, totals.previous_points, None, None, None, None],
        strong=True,
    )


def score_sheet(cycle: Cycle, as_of: dt.date) -> Sheet | None:
    """The PAR Index tree of the cycle; the first title line is the framework's name (read back on import)."""
    framework = cycle.framework_of(FrameworkKind.PAR)
    if framework is None:
        return None
    tree = figures.score_tree(cycle, FrameworkKind.PAR, as_of)
    subtitle = f"Năm {cycle.year} – số liệu tính đến ngày {as_of:%d/%m/%Y}"
    source = figures.figure_source(cycle, as_of)
    if source and source.kind:
        subtitle += f" – số liệu: {vocabulary.figure_source(source.kind, source.provisional)}"
    if framework.legal_basis:
        subtitle += f" – căn cứ {framework.legal_basis}"
    return Sheet(
        "Điểm Chỉ số CCHC",
        SCORE_COLUMNS,
        score_rows(tree, framework.total_points),
        annex_lines(cycle, as_of, "I", framework.name, subtitle),  # the name is read back on import
        frozen_columns=2,  # the code and the name stay in view
        letterhead=letterhead(cycle),
    )


# --------------------------------------------------------------------------- task tracking table

T = TASK_LAYOUT
TASK_COLUMNS = (
    _col(T, "number"),
    _col(T, "shortcoming"),
    _col(T, "title"),
    _col(T, "description"),
    _col(T, "codes"),
    _col(T, "lead_agency"),
    _col(T, "coordinating"),
    _col(T, "deadline"),
    _col(T, "source_document"),
    Column("status", "Trạng thái", width=24),
    Column("progress", "Tiến độ (%)", width=9, number_format=INTEGER_FORMAT),
    Column("completed_on", "Ngày hoàn thành", width=12, number_format=DATE_FORMAT),
    Column("days_overdue", "Số ngày quá hạn", width=9, number_format=INTEGER_FORMAT),
    Column("cause", "Nguyên nhân chưa hoàn thành", width=40),
    # Issue 14, at the end so the import's header matching is untouched.
    Column("original_deadline", "Hạn ban đầu", width=12, number_format=DATE_FORMAT),
    Column("verification", "Xác nhận hoàn thành", width=16),
    Column("backlog_since", "Tồn đọng từ năm", width=9, number_format=INTEGER_FORMAT),
    Column("times_extended", "Số lần gia hạn", width=8, number_format=INTEGER_FORMAT),
)
VERIFICATION_LABELS = {figures.VERIFIED: "Đã xác nhận", figures.CLAIMED: "Chờ xác nhận"}


def task_rows(rows: Iterator[figures.TrackingRow]) -> Iterator[list]:
    """One line per task of the tracking table, under its stable number (a re-import matches on it)."""
    for task in rows:
        yield [
            task.number,
            task.shortcoming or None,
            task.title,
            task.description or None,
            "; ".join(task.codes) or None,
            task.lead_agency,
            "; ".join(task.coordinating) or None,
            ONGOING_TEXT if task.deadline is None else task.deadline,  # read back as ongoing
            task.source_document or None,
            STATUS_LABELS.get(task.status, task.status),
            task.progress,
            task.completed_on,
            task.days_overdue,
            task.cause or None,
            task.original_deadline,
            VERIFICATION_LABELS.get(task.verification),
            task.backlog_since,
            task.times_extended or None,
        ]


def task_sheet(cycle: Cycle, as_of: dt.date, agency: Agency | None = None) -> Sheet:
    """Every task not closed (or, for an agency, only those it leads or coordinates)."""
    title = f"Theo dõi nhiệm vụ khắc phục – {cycle.name}"
    if agency is not None:
        title = f"{title} – {agency.name}"
    subtitle = f"Trạng thái tính đến ngày {as_of:%d/%m/%Y}"
    rows = task_rows(figures.tracking_table(cycle, as_of, agency))
    if agency is not None:  # an agency's own working file, not SNV's annex
        return Sheet("Theo dõi nhiệm vụ", TASK_COLUMNS, rows, (title, subtitle), frozen_columns=1)
    lines = annex_lines(cycle, as_of, "II", title, subtitle)
    return Sheet("Theo dõi nhiệm vụ", TASK_COLUMNS, rows, lines, frozen_columns=1, letterhead=letterhead(cycle))


# --------------------------------------------------------------------------- agencies' report status

AGENCY_COLUMNS = (
    Column("number", "STT", width=6, number_format=INTEGER_FORMAT),
    Column("agency", "Cơ quan, đơn vị", width=40),
    Column("kind", "Loại cơ quan", width=18),
    Column("total", "Nhiệm vụ chủ trì", width=10, number_format=INTEGER_FORMAT),
    Column("done_on_time", "Hoàn thành đúng hạn", width=11, number_format=INTEGER_FORMAT),
    Column("done_late", "Hoàn thành quá hạn", width=11, number_format=INTEGER_FORMAT),
    Column("open", "Chưa hoàn thành", width=11, number_format=INTEGER_FORMAT),
    Column("overdue", "Trong đó quá hạn", width=10, number_format=INTEGER_FORMAT),
    Column("rate", "Tỷ lệ hoàn thành", width=11, number_format=PERCENT_FORMAT),
    Column("report", "Tình trạng báo cáo", width=18),
)


def agency_rows(cycle: Cycle, as_of: dt.date) -> Iterator[list]:
    """The dashboard's agency ranking, best first, with each agency's report state."""
    for number, row in enumerate(figures.agency_table(cycle, as_of), start=1):
        yield [
            number,
            row.name,
            KIND_LABELS.get(row.kind, row.kind),
            row.total,
            row.done_on_time,
            row.done_late,
            row.open,
            row.overdue,
            _fraction(row.completion_rate),
            REPORT_LABELS.get(row.report_state, row.report_state),
        ]


def agency_sheet(cycle: Cycle, as_of: dt.date) -> Sheet:
    deadline = f"Hạn báo cáo: {cycle.report_deadline:%d/%m/%Y} – số liệu tính đến ngày {as_of:%d/%m/%Y}"
    title = f"Tình hình thực hiện và báo cáo của các cơ quan – {cycle.name}"
    lines = annex_lines(cycle, as_of, "III", title, deadline)
    rows = agency_rows(cycle, as_of)
    return Sheet("Tình hình báo cáo", AGENCY_COLUMNS, rows, lines, frozen_columns=2, letterhead=letterhead(cycle))


# --------------------------------------------------------------------------- SIPAS

SIPAS_COLUMNS = (
    Column("code", "Mã", width=7),
    Column("name", "Yếu tố", width=50, wrap=True),
    Column("value", "Chỉ số thành phần", width=13, number_format=PERCENT_FORMAT),
    Column("previous", "Năm trước", width=13, number_format=PERCENT_FORMAT),
    Column("change", "Tăng, giảm (điểm %)", width=13, number_format=POINTS_FORMAT),
)


def sipas_rows(cycle: Cycle, as_of: dt.date) -> Iterator[Row]:
    """The SIPAS components as of the date, then the index as a whole (announced, else provisional)."""
    for row in figures.leaves(figures.score_tree(cycle, FrameworkKind.SIPAS, as_of)):
        yield Row([row.code, row.name, _fraction(row.effective), _fraction(row.previous_score), row.change])
    overall = figures.sipas_overall(cycle, as_of)
    if overall is not None:
        if overall["provisional"]:
            label = "Chỉ số SIPAS – dự kiến (bình quân các yếu tố)"
        else:
            result = overall["result"]
            label = f"Chỉ số SIPAS – kết quả công bố ({result.decision}), xếp thứ {result.rank}/{result.out_of}"
        yield Row([None, label, _fraction(overall["percent"]), None, None], strong=True)


def sipas_sheet(cycle: Cycle, as_of: dt.date) -> Sheet | None:
    """The SIPAS index of the cycle, in percentages; None when the cycle has no SIPAS framework."""
    if cycle.framework_of(FrameworkKind.SIPAS) is None:
        return None
    title = f"Chỉ số hài lòng về sự phục vụ hành chính (SIPAS) năm {cycle.year}"
    subtitle = f"Số liệu tính đến ngày {as_of:%d/%m/%Y}"
    lines = annex_lines(cycle, as_of, "IV", title, subtitle)
    return Sheet(
        "Chỉ số SIPAS", SIPAS_COLUMNS, sipas_rows(cycle, as_of), lines, frozen_columns=2, letterhead=letterhead(cycle)
    )


# --------------------------------------------------------------------------- workbooks


def export_workbook(
    cycle: Cycle, as_of: dt.date, target: str | IO[bytes], agency: Agency | None = None
) -> dict[str, int]:
    """The tracking workbook: the whole province's sheets (scores, tasks, agencies, SIPAS), each
    an annex with its issuing block, or one agency's own tasks only.

    An agency's workbook holds no other agency's rows: no score tree with
    province-wide task counts and no ranking of the others.
    """
    if agency is not None:
        sheets = [task_sheet(cycle, as_of, agency)]
    else:
        scores = score_sheet(cycle, as_of)
        sheets = [task_sheet(cycle, as_of), agency_sheet(cycle, as_of), sipas_sheet(cycle, as_of)]
        sheets = [s for s in (scores, *sheets) if s is not None]
    title = f"Theo dõi nhiệm vụ khắc phục – {cycle.name}"
    return write_workbook(sheets, target, title=title, author="Sở Nội vụ")


def export_filename(cycle: Cycle, as_of: dt.date, agency: Agency | None = None) -> str:
    scope = f"-{slugify(agency.code)}" if agency else ""
    return f"theo-doi-{cycle.year}{scope}-{as_of:%Y-%m-%d}.xlsx"


TEMPLATE_HELP = {
    "code": (lambda: _("Code of the area (3), criterion (3.2) or sub-criterion (3.2.1)."), "3.2.1"),
    "name": (lambda: _("Name of the area, criterion or sub-criterion."), "Công khai thủ tục hành chính"),
    "max_points": (lambda: _("Maximum points; a parent's maximum is the sum of its parts'."), "0,5"),
    "method": (lambda: _("“Tự đánh giá” (self-assessed) or “Điều tra XHH” (survey); blank means self-assessed."), ""),
    "self_score": (lambda: _("The province's self-assessed score (self-assessed sub-criteria only)."), "0,25"),
    "estimate": (lambda: _("The province's own estimate (survey-based sub-criteria only)."), "0,5"),
    "appraised_score": (lambda: _("The score after the Ministry's appraisal (sub-criteria only)."), "0,25"),
    "previous_score": (lambda: _("Last year's score (sub-criteria only)."), "0,5"),
    "focal_agency": (lambda: _("Focal agency of an area: its code or its name."), "snv"),
    "note": (
        lambda: _("Notes; “Điều tra XHH” here marks a survey-based sub-criterion when the method is blank."),
        "Điều tra XHH",
    ),
    "number": (
        lambda: _(
            "The task's number in the cycle, as the exported workbook shows it; blank for a new task. "
            "With a number, a re-import updates that task."
        ),
        "12",
    ),
    "title": (
        lambda: _("Title of the task; without a number, with the lead agency it identifies the task on re-import."),
        "",
    ),
    "description": (lambda: _("What is to be done."), ""),
    "shortcoming": (lambda: _("The shortcoming found in the report that the task remedies."), ""),
    "codes": (lambda: _("Sub-criteria codes, separated by commas or semicolons."), "3.2.1; 3.2.2"),
    "lead_agency": (lambda: _("Lead agency: its code or its exact name."), "Sở Tư pháp"),
    "coordinating": (lambda: _("Coordinating agencies, separated by semicolons."), "snv; stc"),
    "deadline": (
        lambda: _("Deadline as a date or as dd/mm/yyyy text; “Thường xuyên” for an ongoing task with no deadline."),
        "31/12/2021",
    ),
    "source_document": (lambda: _("The document that assigned the task."), "Báo cáo 117/BC-SNV"),
}


def template_sheets(kind: str) -> list[Sheet]:
    """An empty sheet with the import headers, and a sheet explaining each column with an example."""
    layout = FRAMEWORK_LAYOUT if kind == "framework" else TASK_LAYOUT
    title = "Bộ tiêu chí" if kind == "framework" else "Nhiệm vụ"
    help_columns = (
        Column("column", _("Column"), width=26),
        Column("required", _("Required"), width=12),
        Column("meaning", _("Meaning"), width=70),
        Column("example", _("Example"), width=24),
    )

    def help_rows() -> Iterator[list]:
        for column in layout.columns:
            meaning, example = TEMPLATE_HELP[column.key]
            yield [column.header, _("yes") if column.required else _("no"), meaning(), example or None]

    return [Sheet(title, layout.columns, iter(())), Sheet(_("Instructions"), help_columns, help_rows())]


def template_workbook(kind: str, target: str | IO[bytes]) -> None:
    write_workbook(template_sheets(kind), target)
