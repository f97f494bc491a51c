"""The consolidated report's contents: the figures of ``compilation.figures`` arranged in sections.

Every figure comes from the module the dashboard reads, so the PDF and the dashboard
agree for the same as-of date. This module only arranges those figures into the
sections of the report, in the document's fixed Vietnamese wording (an official
document must not depend on a translation catalogue), and hands them to ``pdf``.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from agencies.models import vietnamese_order
from parindex.models import Cycle, FrameworkKind
from remediation.models import Task
from remediation.status import TaskStatus

from .. import charts, figures, vocabulary
from . import pdf

TEMPLATE = "pdf/report.html"

STATUS_VI = vocabulary.TASK_STATUS
GROUP_VI = vocabulary.RANKING_GROUP


# ----------------------------------------------------------------- document formatting


def long_date(day: dt.date) -> str:
    """Like "ngày 07 tháng 10 năm 2021": Decree 30/2020 pads days < 10 and months 1–2 with a zero."""
    month = f"{day.month:02d}" if day.month <= 2 else str(day.month)
    return f"ngày {day.day:02d} tháng {month} năm {day.year}"


def document_date(place: str, day: dt.date) -> str:
    """The italic place-and-date line of the header: "Bình Định, ngày 15 tháng 11 năm 2021"."""
    return f"{place}, {long_date(day)}"


def group_label(group: str | None) -> str:
    return GROUP_VI.get(group, "dưới nhóm C") if group else ""


def recipient_lines(recipients: str) -> list[str]:
    """The "Nơi nhận" list, one line each; the decree ends it with "- Lưu: VT, …"."""
    lines = [line.strip() for line in recipients.splitlines() if line.strip()]
    if not lines or not lines[-1].lstrip("- ").startswith("Lưu"):
        lines.append("- Lưu: VT.")
    return lines


def paragraphs(text: str) -> list[str]:
    """Free text as paragraphs: each non-empty line is one justified, indented paragraph."""
    return [line.strip() for line in text.splitlines() if line.strip()]


# ----------------------------------------------------------------- sections


def summary_section(cycle: Cycle, as_of: dt.date, tree: list[figures.ScoreRow]) -> dict[str, Any]:
    """Section 1: scores, task counts and agency reports, exactly the dashboard's headline."""
    head = figures.headline_of_tree(cycle, as_of, tree)
    totals = head.totals
    source = figures.figure_source(cycle, as_of)
    return {
        "source": vocabulary.figure_source(source.kind, source.provisional) if source else "",
        "result": source.result if source else None,
        "headline": head,
        "totals": totals,
        "projection": head.projection,
        "group": group_label(totals.group) if totals else "",
        "previous_group": group_label(totals.previous_group) if totals else "",
        "projected_group": group_label(head.projection.group) if head.projection else "",
        "projection_all": head.projection_all,
        "projected_all_group": group_label(head.projection_all.group) if head.projection_all else "",
        "status_rows": [(STATUS_VI[s], head.tasks[s.value]) for s in TaskStatus],
    }


def _linked_by_status(tasks: list[Task], numbers: dict[int, int]) -> list[tuple[str, list[int]]]:
    """A sub-criterion's tasks as annex numbers grouped by status, most urgent status first.

    Numbers, not titles: with a thousand tasks the titles would make section II as long as
    the annex that already lists them, and each number points at its annex row.
    """
    order = [
        TaskStatus.OVERDUE,
        TaskStatus.DUE_SOON,
        TaskStatus.IN_PROGRESS,
        TaskStatus.NOT_YET_DUE,
        TaskStatus.DONE_LATE,
        TaskStatus.DONE_ON_TIME,
    ]
    groups: dict[str, list[int]] = defaultdict(list)
    for task in tasks:
        if task.closed_at is None and task.id in numbers:
            groups[task.status].append(numbers[task.id])
    return [(STATUS_VI[s], sorted(groups[s])) for s in order if groups.get(s)]


def below_max_section(
    cycle: Cycle, as_of: dt.date, tree: list[figures.ScoreRow], numbers: dict[int, int]
) -> list[dict[str, Any]]:
    """Section 2: the sub-criteria below max, grouped by area, with their linked tasks."""
    rows = figures.below_max(tree)
    linked = figures.tasks_by_criterion(cycle, as_of, [r.id for r in rows])
    by_area: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        by_area[row.area_code].append({"row": row, "tasks": _linked_by_status(linked.get(row.id, []), numbers)})
    areas = []
    for area in tree:
        items = by_area.get(area.code)
        if items:
            lost = sum((i["row"].gap for i in items), figures.ZERO)
            areas.append({"area": area, "items": items, "lost": lost})
    return areas


REPORT_GROUP_VI = vocabulary.REPORT_GROUP


def agency_section(cycle: Cycle, as_of: dt.date) -> dict[str, Any]:
    """Section 3: every agency's led tasks by outcome and its report, ranked as the dashboard."""
    rows = figures.agency_table(cycle, as_of)
    # The same groups as the headline's report counts; agencies that are not addressees
    # (communes with tasks) are not asked for a report.
    groups = figures.report_groups(cycle, as_of)
    items = [{"row": r, "report": REPORT_GROUP_VI[groups[r.agency_id]] if r.agency_id in groups else "—"} for r in rows]
    return {
        "items": items,
        "chart": charts.completion_by_agency_svg(
            [r for r in rows if r.total],
            width=620,
            title="Tỷ lệ hoàn thành nhiệm vụ theo cơ quan",
            legend={
                "done_on_time": "Hoàn thành đúng hạn",
                "done_late": "Hoàn thành quá hạn",
                "overdue": "Quá hạn",
                "open": "Đang thực hiện",
            },
            font_family=pdf.FONT_FAMILY,
            empty_text="Không có nhiệm vụ.",
        ),
    }


NO_CAUSE = "Chưa giải trình nguyên nhân"
CANNOT_FINISH = " (đề nghị xác định không thể hoàn thành)"


def unfinished_section(cycle: Cycle, as_of: dt.date, numbers: dict[int, int]) -> list[dict[str, Any]]:
    """Section 4: per lead agency, its unfinished tasks grouped by the cause it gave.

    Tasks appear by their annex number under the cause given for them, so every
    unfinished task is listed with its cause (the letter demands one) while the
    section grows with agencies and causes rather than with tasks; the annex holds
    the titles. Agencies come in the order of `figures.unfinished_tasks`: the one
    with the most overdue task first.
    """
    agencies: dict[int, dict[str, Any]] = {}
    earlier = figures.earlier_labels(as_of)
    for task in figures.unfinished_tasks(cycle, as_of):
        entry = agencies.setdefault(
            task.lead_on,
            {
                "agency": earlier.get(task.lead_on, task.lead_label_on),
                "open": 0,
                "overdue": 0,
                "causes": defaultdict(list),
            },
        )
        entry["open"] += 1
        entry["overdue"] += task.status == TaskStatus.OVERDUE
        cause = " ".join(task.cause.split()).rstrip(" .;") or NO_CAUSE
        entry["causes"][cause + (CANNOT_FINISH if task.cannot_finish else "")].append(numbers.get(task.id))
    for entry in agencies.values():
        causes = sorted(entry["causes"].items(), key=lambda item: (item[0].startswith(NO_CAUSE), item[0]))
        entry["causes"] = [(cause, sorted(n for n in nums if n)) for cause, nums in causes]
    return list(agencies.values())


def annex_rows(cycle: Cycle, as_of: dt.date) -> list[dict[str, Any]]:
    """Section 7: every task of the cycle not closed (the same set the counts use), numbered.

    One query plus one prefetch; ordered by lead agency (Vietnamese collation) so each
    agency finds its own rows, and section II refers to tasks by these numbers.
    """
    tasks = (
        Task.objects.filter(cycle=cycle)
        .not_closed()
        .with_status(as_of)
        .annotate(since=figures.backlog_year())
        .with_lead_on(as_of)
        .select_related("lead_agency")
        .prefetch_related("sub_criteria")
        .order_by(vietnamese_order("lead_name_on"), "deadline", "id")
    )
    earlier = figures.earlier_labels(as_of)
    return [
        {
            "number": number,
            "task": t,
            "agency": earlier.get(t.lead_on, t.lead_label_on),
            "codes": ", ".join(sorted(c.code for c in t.sub_criteria.all())),
            "status": STATUS_VI[TaskStatus(t.status)],
            "done": t.status in (TaskStatus.DONE_ON_TIME, TaskStatus.DONE_LATE),
            # Issue 14: the first deadline where it moved, a claim not verified by as_of, the backlog's age.
            "original": t.original_deadline if t.original_deadline and t.original_deadline != t.deadline else None,
            "claimed": t.is_claimed(as_of),
            "since": str(t.since) if t.since else "",
        }
        for number, t in enumerate(tasks, start=1)
    ]


def area_chart(tree: list[figures.ScoreRow]) -> str:
    return charts.points_lost_by_area_svg(
        figures.area_table(tree),
        width=620,
        title="Điểm bị mất theo lĩnh vực",
        legend={"points": "Điểm đạt", "lost": "Điểm bị mất"},
        font_family=pdf.FONT_FAMILY,
        empty_text="Chưa có điểm.",
    )


def report_context(cycle: Cycle, as_of: dt.date, proposals: str) -> dict[str, Any]:
    """Everything the template needs; a pure read of the database for (cycle, as_of)."""
    tree = figures.score_tree(cycle, FrameworkKind.PAR, as_of)
    annex = annex_rows(cycle, as_of)
    numbers = {row["task"].id: row["number"] for row in annex}
    return {
        "cycle": cycle,
        "as_of": as_of,
        # Strings, so that no template prints "2.021" with a thousands separator.
        "year": str(cycle.year),
        "previous_year": str(cycle.previous.year if cycle.previous_id else cycle.year - 1),
        "date_line": document_date(cycle.document_place, as_of),
        "annex_date": long_date(as_of),
        "signer_lines": [line.strip() for line in cycle.signer_title.splitlines() if line.strip()],
        "recipients": recipient_lines(cycle.recipients),
        "summary": summary_section(cycle, as_of, tree),
        "area_chart": area_chart(tree) if tree else "",
        "below_max": below_max_section(cycle, as_of, tree, numbers),
        "agencies": agency_section(cycle, as_of),
        "unfinished": unfinished_section(cycle, as_of, numbers),
        "sipas": figures.sipas(cycle),
        "proposals": paragraphs(proposals),
        "annex": annex,
        "backlog": backlog_section(cycle, as_of, numbers),
        # Issue 14, §5: the previous cycle's tasks in this cycle's results (figures.points_won_back).
        "won_back": figures.remediation_effect(cycle, as_of),
    }


def backlog_section(cycle: Cycle, as_of: dt.date, numbers: dict[int, int]) -> list[dict[str, Any]]:
    """Open tasks carried from earlier cycles, oldest first, by annex number (issue 14, §5)."""
    return [
        {"number": numbers.get(t.pk), "task": t, "since": str(t.since), "priority": t.is_priority}
        for t in figures.backlog(cycle, as_of)
    ]


def render_report(cycle: Cycle, as_of: dt.date, proposals: str = "") -> bytes:
    """The consolidated report as PDF bytes: the browser's task and `render_report` both call it."""
    return pdf.render_pdf(TEMPLATE, report_context(cycle, as_of, proposals))
