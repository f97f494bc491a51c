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

from django.utils.translation import gettext as _

from agencies.models import vietnamese_order
from parindex.models import Cycle, FrameworkKind
from remediation.models import Task, by_deadline
from remediation.reports import ReportState
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


def recipient_lines(recipients: str, groups: list[str] | tuple[str, ...] = ()) -> list[str]:
    """The "Nơi nhận" list, one line each; the decree ends it with "- Lưu: VT, …".

    ``groups`` are the kinds of agency the cycle orders to report ("Các sở, ban, ngành …"):
    they come before the "Lưu" line, each once, after the cycle's own lines.
    """
    lines = [line.strip() for line in recipients.splitlines() if line.strip()]
    keep = lines.pop() if lines and lines[-1].lstrip("- ").startswith("Lưu") else "- Lưu: VT."
    present = {line.lstrip("- ").rstrip(";.").strip() for line in lines}
    lines += [f"- {group};" for group in groups if group not in present]
    return [*lines, keep]


def reporting_groups(cycle: Cycle) -> list[str]:
    """The cycle's reporting kinds as "Nơi nhận" lines, in the order of the kinds' list."""
    kinds = set(cycle.reporting_kinds or [])
    return [label for kind, label in vocabulary.RECIPIENT_GROUP.items() if str(kind) in kinds]


def subject_text(cycle: Cycle) -> str:
    """The subject line without abbreviations and with the cycle's year ("… năm 2021")."""
    subject = " ".join(cycle.report_subject.split())
    return subject if str(cycle.year) in subject else f"{subject} năm {cycle.year}"


def balanced_lines(text: str, longest: int = 70) -> list[str]:
    """The subject on at most two lines of near equal length (Decree 30/2020 centres it).

    WeasyPrint has no ``text-wrap: balance``: the break goes at the space that makes the
    longer line shortest. A subject that fits on one line stays on one.
    """
    words = text.split()
    if len(text) <= longest or len(words) < 2:
        return [text]
    best = min(range(1, len(words)), key=lambda i: max(len(" ".join(words[:i])), len(" ".join(words[i:]))))
    return [" ".join(words[:best]), " ".join(words[best:])]


def report_symbol(number: str) -> tuple[str, str]:
    """("125", "/BC-SNV") from "125/BC-SNV"; the number is blank when the records office fills it."""
    number = number.strip()
    head, sep, tail = number.partition("/")
    return head.strip(), f"/{tail.strip()}" if sep else ""


def issuer_name(body: str) -> str:
    """The issuing body as written inside a sentence: "SỞ NỘI VỤ" → "Sở Nội vụ".

    Vietnamese capitalises the first word and the name's first word ("Sở" "Nội vụ"), which no
    casing rule derives; the header's capitals are mapped for the bodies that issue this report.
    """
    body = " ".join(body.split())
    return vocabulary.ISSUER_IN_TEXT.get(body.upper(), body)


def annex_subtitle(cycle: Cycle, as_of: dt.date) -> str:
    """ "(Kèm theo Báo cáo số 125/BC-SNV ngày 15 tháng 11 năm 2021 của Sở Nội vụ)".

    With the number left blank for the records office, the day is left blank as well: it is
    the day the records office numbers the signed report, not the as-of date.
    """
    number, symbol = report_symbol(cycle.report_number)
    issuer = issuer_name(cycle.issuing_body)
    if number:
        day = long_date(as_of)
    else:
        number, day = "     ", f"ngày      tháng      năm {as_of.year}"
    return f"(Kèm theo Báo cáo số {number}{symbol} {day} của {issuer})"


def issue_blockers(cycle: Cycle) -> list[str]:
    """What keeps the report from being issued, in the user's language (empty: it may be issued).

    A document an official would sign unedited names its signer, carries its number's symbol
    (the number itself may wait for the records office) and cites the instruction it answers
    and its basis. The web form and ``render_report`` both refuse while any is missing.
    """
    problems = []
    if not cycle.signer_name.strip():
        problems.append(_("The signer's full name is not set for this cycle."))
    if not cycle.signer_title.strip():
        problems.append(_("The signer's title is not set for this cycle."))
    if not report_symbol(cycle.report_number)[1]:
        problems.append(_('The report number is not set for this cycle (at least its symbol, e.g. "/BC-SNV").'))
    if not cycle.instruction_reference.strip():
        problems.append(_("The instructing document (number and date) is not set for this cycle."))
    if not cycle.basis_reference.strip():
        problems.append(_("The basis document (number and date) is not set for this cycle."))
    return problems


class NotReady(ValueError):
    """The cycle's document settings are incomplete (issue_blockers); nothing was rendered."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(" ".join(str(p) for p in problems))
        self.problems = problems


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
        "report_rows": report_rows(head.reports),
    }


def report_rows(reports: figures.ReportCounts) -> list[tuple[str, int]]:
    """Section I.3: the addressees' reports split five ways that add up to the addressees.

    A returned report is apart from "not submitted" (it was submitted once) and an accepted
    one is counted once, as accepted; the words are the glossary's report states.
    """
    states = vocabulary.REPORT_STATE
    return [
        (states[ReportState.SUBMITTED_ON_TIME], reports.submitted),
        (states[ReportState.SUBMITTED_LATE], reports.late),
        (states[ReportState.RETURNED], reports.returned),
        (states[ReportState.ACCEPTED], reports.accepted),
        ("Chưa gửi báo cáo", reports.missing - reports.returned),
    ]


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
        TaskStatus.ONGOING,
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


# The charts span the text width (165 mm ≈ 620 CSS px); 15 px is 11.25 pt, the decree's floor of 11 pt.
CHART_WIDTH = 620
CHART_FONT = 15


def agency_section(cycle: Cycle, as_of: dt.date) -> dict[str, Any]:
    """Section 3: every agency's led tasks by outcome and its report, ranked as the dashboard."""
    rows = figures.agency_table(cycle, as_of)
    # Each addressee's report state, in the glossary's words (the five of section I.3 and
    # "Đang dự thảo"); agencies that are not addressees (communes with tasks) are not asked for one.
    items = [{"row": r, "report": vocabulary.REPORT_STATE[r.report_state] if r.is_addressee else "—"} for r in rows]
    return {
        "items": items,
        "chart": charts.completion_by_agency_svg(
            [r for r in rows if r.total],
            width=CHART_WIDTH,
            font_size=CHART_FONT,
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
    earlier = figures.earlier_names(as_of)
    for task in figures.unfinished_tasks(cycle, as_of):
        entry = agencies.setdefault(
            task.lead_on,
            {
                "agency": earlier.get(task.lead_on, task.lead_name_on),
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
    """The annex: every task of the cycle not closed (the same set the counts use), by its number.

    One query plus one prefetch; ordered by lead agency (Vietnamese collation) so each
    agency finds its own rows, under the agency's full name. The number is the task's
    stable number in its cycle (``Task.number``, the one the web page and Excel show), and
    sections II and IV refer to tasks by it.
    """
    tasks = (
        Task.objects.filter(cycle=cycle)
        .not_closed()
        .with_status(as_of)
        .annotate(since=figures.backlog_year())
        .with_lead_on(as_of)
        .select_related("lead_agency")
        .prefetch_related("sub_criteria")
        .order_by(vietnamese_order("lead_name_on"), by_deadline(), "id")
    )
    earlier = figures.earlier_names(as_of)
    return [
        {
            "number": t.number,
            "task": t,
            "agency": earlier.get(t.lead_on, t.lead_name_on),
            "codes": ", ".join(sorted(c.code for c in t.sub_criteria.all())),
            "shortcoming": t.shortcoming,
            "status": STATUS_VI[TaskStatus(t.status)],
            "done": t.status in (TaskStatus.DONE_ON_TIME, TaskStatus.DONE_LATE),
            # Issue 14: the first deadline where it moved, a claim not verified by as_of, the backlog's age.
            "original": t.original_deadline if t.original_deadline and t.original_deadline != t.deadline else None,
            "claimed": t.is_claimed(as_of),
            "since": str(t.since) if t.since else "",
        }
        for t in tasks
    ]


def area_chart(tree: list[figures.ScoreRow]) -> str:
    return charts.points_lost_by_area_svg(
        figures.area_table(tree),
        width=CHART_WIDTH,
        font_size=CHART_FONT,
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
        "subject_lines": balanced_lines(subject_text(cycle)),
        "annex_subtitle": annex_subtitle(cycle, as_of),
        "signer_lines": [line.strip() for line in cycle.signer_title.splitlines() if line.strip()],
        "recipients": recipient_lines(cycle.recipients, reporting_groups(cycle)),
        "summary": summary_section(cycle, as_of, tree),
        "area_chart": area_chart(tree) if tree else "",
        "below_max": below_max_section(cycle, as_of, tree, numbers),
        "agencies": agency_section(cycle, as_of),
        "unfinished": unfinished_section(cycle, as_of, numbers),
        "sipas": figures.sipas(cycle),
        "sipas_overall": figures.sipas_overall(cycle, as_of),
        "proposals": paragraphs(proposals),
        "annex": annex,
        # A Report 117 annex names the shortcoming beside each task: that column needs an A4 landscape page.
        "annex_landscape": any(row["shortcoming"] for row in annex),
        "backlog": backlog_section(cycle, as_of, numbers),
        # Issue 14, §5: the previous cycle's tasks in this cycle's results (figures.points_won_back).
        "won_back": figures.remediation_effect(cycle, as_of),
    }


def backlog_section(cycle: Cycle, as_of: dt.date, numbers: dict[int, int]) -> list[dict[str, Any]]:
    """Open tasks carried from earlier cycles, oldest first, by annex number (issue 14, §5)."""
    tasks = figures.backlog(cycle, as_of)
    earlier = figures.earlier_names(as_of)
    return [
        {
            "number": numbers.get(t.pk),
            "task": t,
            "agency": earlier.get(t.lead_agency_id, t.lead_agency.name),
            "since": str(t.since),
            "priority": t.is_priority,
        }
        for t in tasks
    ]


FORMATS = ("pdf", "docx")
CONTENT_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


def render_report(cycle: Cycle, as_of: dt.date, proposals: str = "", fmt: str = "pdf") -> bytes:
    """The consolidated report as PDF or DOCX bytes: the browser's task and `render_report` both call it.

    Both formats read the one context of ``report_context``, so their figures cannot differ.
    Refuses (NotReady) while ``issue_blockers`` finds a setting missing: no unsignable draft.
    """
    problems = issue_blockers(cycle)
    if problems:
        raise NotReady(problems)
    context = report_context(cycle, as_of, proposals)
    if fmt == "docx":
        from . import word

        return word.render_docx(context)
    return render_pdf(context)[0]


#: The annex is laid out in this many runs, each in its own process beside the body's; on the
#: 2-core machine body + 2 runs keep both cores busy (docs/performance.md, issue 16).
ANNEX_RUNS = 2
#: Each process lays its share of the annex out in this many documents, one after the other, so
#: that it holds one document's pages at a time: the three processes' memory stays ≤ 300 MB.
ANNEX_CHUNKS = 2
#: Below this many annex rows one process does it all: forking costs more than it saves.
PARALLEL_FROM = 150


def annex_runs(rows: list[dict[str, Any]], runs: int = ANNEX_RUNS) -> list[list[dict[str, Any]]]:
    """The annex rows cut into ``runs`` runs of about equal length, each cut where the lead agency
    changes (nearest the ideal place), so no agency's rows are split between two runs."""
    if runs <= 1 or len(rows) < 2:
        return [rows]
    cuts = [i for i in range(1, len(rows)) if rows[i]["agency"] != rows[i - 1]["agency"]]
    chosen, start = [], 0
    for k in range(1, runs):
        ideal = len(rows) * k // runs
        later = [c for c in cuts if c > start]
        if not later:
            break
        start = min(later, key=lambda c: abs(c - ideal))
        chosen.append(start)
    bounds = [0, *sorted(set(chosen)), len(rows)]
    return [rows[a:b] for a, b in zip(bounds, bounds[1:], strict=False) if b > a]


def render_pdf(context: dict[str, Any]) -> tuple[bytes, list[float]]:
    """The PDF of ``report_context``: the body and the annex's runs laid out in parallel processes,
    the annex numbered after layout, then joined. Returns the bytes and each process's peak RSS (MB).

    WeasyPrint's cascade and layout of the annex (about 6 ms a row) are most of the time; the
    body's pages are numbered by its CSS, the annex's by ``pdf.number_pages`` (it numbers its own
    pages from 1, the first unnumbered), so the runs need not know each other's page counts.
    """
    rows = context["annex"]
    if len(rows) < PARALLEL_FROM:
        return pdf.render_pdf(TEMPLATE, context), []
    runs = annex_runs(rows, ANNEX_RUNS * ANNEX_CHUNKS)
    annex = [
        pdf.render_html(TEMPLATE, {**context, "part": "annex", "annex": run, "annex_first": i == 0})
        for i, run in enumerate(runs)
    ]
    share = -(-len(annex) // ANNEX_RUNS)  # consecutive chunks per process, rounded up
    groups = [[pdf.render_html(TEMPLATE, {**context, "part": "body"})]]
    groups += [annex[i : i + share] for i in range(0, len(annex), share)]
    parts, peaks = pdf.render_parallel(groups)
    annex = pdf.number_pages(pdf.merge(parts[1:]))
    return pdf.merge([parts[0], annex]), peaks
