"""The agency's private calendar feed (ICS, RFC 5545): its task deadlines and the cycle's deadlines.

Written by hand rather than with a library: the format needs only escaping,
line folding and CRLF, and the web process then carries no extra dependency.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from django.conf import settings
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext as _

from agencies import clock
from agencies.models import Agency
from parindex.models import Cycle

from .models import Task, by_deadline
from .reminders.links import home_link, report_link, scores_link_for, task_link


def escape(text: str) -> str:
    """TEXT escaping of RFC 5545 §3.3.11."""
    return (
        text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\r\n", "\\n").replace("\n", "\\n")
    )


def fold(line: str) -> str:
    """Fold at 75 octets without splitting a UTF-8 character (Vietnamese is multi-byte)."""
    out, current = [], ""
    for char in line:
        if len((current + char).encode()) > 75:
            out.append(current)
            current = " " + char
        else:
            current += char
    out.append(current)
    return "\r\n".join(out)


def alarms(offsets: list[int], summary: str) -> list[str]:
    """One VALARM per reminder step of the cycle (7, 3, 1 days before, …): at 08:00 on that day.

    An all-day event starts at midnight; a trigger of ``-P{n}DT16H`` rings at 08:00 of the day
    n days before (0 = the deadline day itself, at 08:00 = ``PT8H``).
    """
    out = []
    for days in offsets:
        trigger = "PT8H" if days == 0 else f"-P{days - 1}DT16H"
        label = _("Due today") if days == 0 else _("%(n)s days left") % {"n": days}
        out += [
            "BEGIN:VALARM",
            "ACTION:DISPLAY",
            f"TRIGGER:{trigger}",
            f"DESCRIPTION:{escape(f'{label}: {summary}')}",
            "END:VALARM",
        ]
    return out


def event(
    uid: str, day: dt.date, summary: str, description: str, url: str, stamp: str, offsets: list[int] = ()
) -> list[str]:
    """An all-day event: DTEND is the next day (exclusive), as calendar clients expect."""
    return [
        "BEGIN:VEVENT",
        f"UID:{uid}",
        f"DTSTAMP:{stamp}",
        f"DTSTART;VALUE=DATE:{day:%Y%m%d}",
        f"DTEND;VALUE=DATE:{day + dt.timedelta(days=1):%Y%m%d}",
        f"SUMMARY:{escape(summary)}",
        f"DESCRIPTION:{escape(description)}",
        f"URL:{url}",
        "TRANSP:TRANSPARENT",
        *alarms(list(offsets), summary),
        "END:VEVENT",
    ]


def task_events(agency: Agency, cycle: Cycle, stamp: str) -> Iterator[list[str]]:
    """Open tasks the agency leads or coordinates; finished ones leave the calendar, and an ongoing
    ("Thường xuyên") task has no date to put on it: it is reported with the agency report, whose
    deadline is among the cycle's events."""
    tasks = (
        Task.objects.filter(cycle=cycle, closed_at__isnull=True, completed_on__isnull=True, deadline__isnull=False)
        .filter(Q(lead_agency=agency) | Q(coordinating_agencies=agency))
        .distinct()
        .order_by(by_deadline(), "pk")
        .values_list("pk", "title", "deadline", "lead_agency_id", "original_deadline")
    )
    site = settings.SITE_URL.rstrip("/")
    for pk, title, deadline, lead_id, original in tasks:
        # The deadline in force is the approved one; the first stays in the description.
        role = _("lead") if lead_id == agency.pk else _("coordinating")
        summary = _("Task deadline (%(role)s): %(title)s") % {"role": role, "title": title}
        url = site + task_link(pk)
        text = f"{title}\n{url}"
        if original and original != deadline:
            text = _("%(text)s\nOriginal deadline: %(date)s") % {"text": text, "date": f"{original:%d/%m/%Y}"}
        yield event(f"task-{pk}@partracker", deadline, summary, text, url, stamp, cycle.offsets)


def cycle_events(agency: Agency, cycle: Cycle, stamp: str) -> Iterator[list[str]]:
    site = settings.SITE_URL.rstrip("/")
    scores = scores_link_for(agency)
    dates = [
        ("report", cycle.report_deadline, _("Agency report deadline"), report_link()),
        ("completion", cycle.task_completion_target, _("Task completion target"), home_link()),
        ("compilation", cycle.compilation_deadline, _("Compilation deadline"), scores),
        ("self-assessment", cycle.self_assessment_date, _("Self-assessment sent to the Ministry"), scores),
    ]
    for key, day, label, path in dates:
        if day:
            summary = f"{label} – {cycle.name}"
            yield event(f"cycle-{cycle.pk}-{key}@partracker", day, summary, summary, site + path, stamp, cycle.offsets)


def agency_calendar(agency: Agency, cycle: Cycle | None = None) -> str:
    """The whole feed, in Vietnamese, with stable UIDs so that clients update events in place."""
    cycle = cycle or Cycle.current()
    stamp = clock.now().astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    with translation.override("vi"):
        name = _("Deadlines of %(agency)s") % {"agency": agency}
        lines = [
            "BEGIN:VCALENDAR",
            "VERSION:2.0",
            "PRODID:-//PAR Tracker//Deadlines//VI",
            "CALSCALE:GREGORIAN",
            "METHOD:PUBLISH",
            f"X-WR-CALNAME:{escape(name)}",
            "X-WR-TIMEZONE:Asia/Ho_Chi_Minh",
        ]
        if cycle is not None:
            for block in [*cycle_events(agency, cycle, stamp), *task_events(agency, cycle, stamp)]:
                lines += block
        lines.append("END:VCALENDAR")
    return "".join(fold(line) + "\r\n" for line in lines)
