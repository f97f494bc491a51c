"""One digest per recipient: the e-mail and the in-app notifications for the claims a run owns."""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from email.utils import parseaddr

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import Count, F
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from agencies import clock
from agencies.models import Agency, MembershipRole
from parindex.models import Criterion, Round

from ..models import AgencyReport, Notification, Reminder, ReminderKind, ReminderState, Task
from ..reports import SUBMITTED
from ..status import TaskStatus, task_status
from .claims import LIVE, is_stale_task_row
from .links import notifications_link, report_link, rounds_link, scores_link, task_link
from .recipients import areas_needing_compilation, rounds_needing_reminder

logger = logging.getLogger(__name__)
User = get_user_model()

DIGEST_MAX_ITEMS = 200  # an e-mail lists at most this many; the in-app list holds all
# What a digest reads of each row: an SNV reviewer's escalation digest can hold tens of thousands.
DIGEST_FIELDS = [
    *(f.attname for f in Reminder._meta.concrete_fields),
    *(f"task__{name}" for name in ("title", "deadline", "completed_on", "closed_at", "progress", "lead_agency_id")),
    "agency__name",
    "agency__short_name",
    "cycle",
]


# --- The digest -----------------------------------------------------------------------------


@dataclass
class DigestItem:
    kind: str
    kind_label: str
    title: str
    status_label: str
    deadline: dt.date
    days: int  # > 0 left, 0 today, < 0 late
    days_text: str
    path: str
    url: str
    role: str
    overdue: bool
    notify: bool  # not yet in the recipient's in-app list


@dataclass
class DigestOutcome:
    state: str  # "sent", "failed", "nothing"
    items: int = 0
    error: str = ""


def days_text(days: int) -> str:
    if days > 0:
        return ngettext("%(n)s day left", "%(n)s days left", days) % {"n": days}
    if days == 0:
        return _("Due today")
    return ngettext("%(n)s day overdue", "%(n)s days overdue", -days) % {"n": -days}


def sender() -> str:
    """The From of every notice: named after the province's SNV (``NOTICE_SENDER_NAME``), at the
    address of DEFAULT_FROM_EMAIL; without a name, DEFAULT_FROM_EMAIL as it is."""
    name = " ".join(str(getattr(settings, "NOTICE_SENDER_NAME", "")).split()).replace('"', "")
    address = parseaddr(settings.DEFAULT_FROM_EMAIL)[1]
    return f'"{name}" <{address}>' if name and address else settings.DEFAULT_FROM_EMAIL


def ongoing_counts(cycle_ids: Iterable[int], agency_ids: Iterable[int], as_of: dt.date) -> dict[tuple[int, int], int]:
    """Open ongoing ("Thường xuyên") tasks per (cycle, lead agency): they have no reminder of their own
    and are reported on at the cycle's report deadline, so the report reminder names them (one query)."""
    rows = (
        Task.objects.filter(cycle_id__in=list(cycle_ids), lead_agency_id__in=list(agency_ids))
        .ongoing(as_of)
        .order_by()
        .values_list("cycle_id", "lead_agency_id")
        .annotate(n=Count("id"))
    )
    return {(cycle_id, agency_id): n for cycle_id, agency_id, n in rows}


class DigestBuilder:
    """Turns one recipient's claimed rows into items, with a fixed number of queries."""

    def __init__(self, user, rows: list[Reminder], as_of: dt.date) -> None:
        self.user, self.rows, self.as_of = user, rows, as_of
        memberships = list(user.memberships.values_list("agency_id", "role"))
        self.my_agencies = {agency_id for agency_id, _role in memberships}
        self.leads = {agency_id for agency_id, role in memberships if role == MembershipRole.LEADER}
        cycle_ids = {r.cycle_id for r in rows}
        report_agencies = [r.agency_id for r in rows if r.item_key.startswith("report:")]
        self.reports = {
            (rep.cycle_id, rep.agency_id): rep
            for rep in AgencyReport.objects.filter(cycle_id__in=cycle_ids, agency_id__in=report_agencies)
        }
        self.ongoing = ongoing_counts(cycle_ids, report_agencies, as_of) if report_agencies else {}
        area_ids = [int(r.item_key.rsplit(":", 1)[1]) for r in rows if r.item_key.startswith("compilation:")]
        self.areas = Criterion.objects.in_bulk(area_ids)
        self.open_areas = {c: areas_needing_compilation(c, as_of) for c in {r.cycle for r in rows}} if area_ids else {}
        round_rows = [r for r in rows if r.item_key.startswith("round:")]
        self.rounds = Round.objects.in_bulk([int(r.item_key.split(":")[1]) for r in round_rows])
        self.rounds_due = (
            {
                (d.round.pk, d.agency_id): d
                for c in {r.cycle for r in round_rows}
                for d in rounds_needing_reminder(c, as_of)
            }
            if round_rows
            else {}
        )

    def is_stale(self, row: Reminder) -> bool:
        if row.task_id:
            return is_stale_task_row(row, row.task, self.as_of)
        if row.item_key.startswith("report:"):
            report = self.reports.get((row.cycle_id, row.agency_id))
            return row.deadline != row.cycle.report_deadline or bool(report and report.status in SUBMITTED)
        if row.item_key.startswith("round:"):
            round_id, agency_id = (int(x) for x in row.item_key.split(":")[1:])
            round_ = self.rounds.get(round_id)
            return (
                round_ is None
                or row.deadline != round_.deadline
                or (round_id, agency_id or None) not in self.rounds_due
            )
        area_id = int(row.item_key.rsplit(":", 1)[1])
        return row.deadline != row.cycle.compilation_deadline or not self.open_areas[row.cycle].get(area_id)

    def item(self, row: Reminder, notify: bool) -> DigestItem:
        days = (row.deadline - self.as_of).days
        title, status, path = self.describe(row)
        return DigestItem(
            kind=row.kind,
            kind_label=str(ReminderKind(row.kind).label),
            title=title,
            status_label=status,
            deadline=row.deadline,
            days=days,
            days_text=days_text(days),
            path=path,
            url=settings.SITE_URL.rstrip("/") + path,
            role=self.role(row),
            overdue=days < 0,
            notify=notify,
        )

    def describe(self, row: Reminder) -> tuple[str, str, str]:
        """Title, status label and link path of the row's item."""
        timing = TaskStatus.OVERDUE.label if row.deadline < self.as_of else TaskStatus.DUE_SOON.label
        if row.task_id:
            task = row.task
            status = task_status(task.deadline, task.completed_on, self.as_of, task.progress).label
            return task.title, str(status), task_link(task.pk)
        if row.item_key.startswith("report:"):
            report = self.reports.get((row.cycle_id, row.agency_id))
            state = report.get_status_display() if report else _("Not started")
            title = _("Report of %(agency)s to the Chairman (%(cycle)s)") % {"agency": row.agency, "cycle": row.cycle}
            if n := self.ongoing.get((row.cycle_id, row.agency_id)):
                # "Thường xuyên" tasks have no deadline of their own: they are reported on here.
                title += ngettext(
                    ", with %(n)s ongoing task to report on", ", with %(n)s ongoing tasks to report on", n
                ) % {"n": n}
            return title, f"{timing} · {state}", report_link()
        if row.item_key.startswith("round:"):
            return self.describe_round(row, str(timing))
        area = self.areas[int(row.item_key.rsplit(":", 1)[1])]
        n = self.open_areas[row.cycle].get(area.pk, 0)
        title = ngettext(
            "Compile the scores of area %(area)s: %(n)s sub-criterion below maximum still open",
            "Compile the scores of area %(area)s: %(n)s sub-criteria below maximum still open",
            n,
        ) % {"area": f"{area.code}. {area.name}", "n": n}
        return title, str(timing), scores_link()

    def describe_round(self, row: Reminder, timing: str) -> tuple[str, str, str]:
        round_id, agency_id = (int(x) for x in row.item_key.split(":")[1:])
        round_ = self.rounds[round_id]
        due = self.rounds_due.get((round_id, agency_id or None))
        label = {"round": round_.get_kind_display(), "cycle": row.cycle}
        if due is not None and due.pending:
            title = ngettext(
                "%(round)s (%(cycle)s): %(n)s sub-criterion appraised below the self score still to explain",
                "%(round)s (%(cycle)s): %(n)s sub-criteria appraised below the self score still to explain",
                due.pending,
            ) % {**label, "n": due.pending}
        elif agency_id:
            title = _("%(round)s (%(cycle)s): the area of %(agency)s is not submitted yet") % {
                **label,
                "agency": row.agency,
            }
        else:
            title = _("%(round)s (%(cycle)s): the round's deadline") % label
        return title, timing, rounds_link(row.cycle.year)

    def role(self, row: Reminder) -> str:
        """Why this person gets the item: their own agency, a coordinating one, or an escalation."""
        mine = row.agency_id in self.my_agencies
        if row.kind == ReminderKind.COMPILATION_DUE:
            return _("Focal agency of the area") if mine else _("SNV compilation")
        if row.kind == ReminderKind.ROUND_DUE:
            return _("Focal agency of the area") if mine else _("Scoring rounds")
        if row.escalated and (row.agency_id in self.leads or (not mine and self.user.is_snv)):
            return _("Escalated: %(agency)s") % {"agency": row.agency}
        if mine:
            return _("Lead agency") if row.task_id else _("Your agency")
        return _("Coordinating agency")


def group_items(builder: DigestBuilder, rows: list[Reminder]) -> list[DigestItem]:
    """One item per thing to do: an older failed step and a newer one of the same item show once."""
    latest: dict[str, Reminder] = {}
    fresh: set[str] = set()
    for row in rows:
        if row.item_key not in latest or row.due_date > latest[row.item_key].due_date:
            latest[row.item_key] = row
        if row.attempts == 0:
            fresh.add(row.item_key)
    items = [builder.item(row, row.item_key in fresh) for row in latest.values()]
    return sorted(items, key=lambda i: (i.days, i.title))


def render_digest(user, items: list[DigestItem], as_of: dt.date) -> EmailMultiAlternatives:
    """The digest in Vietnamese, whatever language the caller runs in: plain text and HTML."""
    with translation.override("vi"):
        context = {
            "user": user,
            "as_of": as_of,
            "items": items[:DIGEST_MAX_ITEMS],
            "more": max(len(items) - DIGEST_MAX_ITEMS, 0),
            "overdue": sum(1 for i in items if i.overdue),
            "total": len(items),
            "site_url": settings.SITE_URL.rstrip("/"),
            "notifications_url": settings.SITE_URL.rstrip("/") + notifications_link(),
        }
        subject = " ".join(render_to_string("emails/reminder_digest_subject.txt", context).split())
        text = render_to_string("emails/reminder_digest.txt", context)
        html = render_to_string("emails/reminder_digest.html", context)
    message = EmailMultiAlternatives(subject, text, sender(), [user.email])
    message.attach_alternative(html, "text/html")
    return message


def notify(user, items: list[DigestItem]) -> None:
    """The in-app copies, once per item: retries of a failed mail add nothing."""
    with translation.override("vi"):
        Notification.objects.bulk_create(
            Notification(
                recipient=user,
                kind=i.kind,
                title=i.title[:300],
                body=f"{i.status_label} · {i.deadline:%d/%m/%Y} · {i.days_text}",
                url=i.path,
            )
            for i in items
            if i.notify
        )


def deliver(message: EmailMultiAlternatives) -> str:
    """Send; return the error text, empty on success. Only mail-transport errors are caught."""
    timeout = getattr(settings, "EMAIL_TIMEOUT", None) or 30
    try:
        message.connection = get_connection(timeout=timeout)
        message.send()
    except (smtplib.SMTPException, OSError) as exc:
        return f"{exc.__class__.__name__}: {exc}"[:2000]
    return ""


def send_digest(recipient_id: int, token: str, as_of: dt.date) -> DigestOutcome:
    """Send one recipient's digest for the claims of one run, and record the result.

    The rows stay locked (FOR UPDATE SKIP LOCKED) from the check to the record,
    so a duplicate delivery of this task, or a cancellation, cannot interleave.
    """
    user = User.objects.filter(pk=recipient_id).first()
    if user is None:  # deleted since the sweep: its reminders went with it (CASCADE)
        return DigestOutcome("nothing")
    with transaction.atomic():
        rows = list(
            Reminder.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(run_token=token, recipient_id=recipient_id, state__in=LIVE)
            .select_related("task", "agency", "cycle")
            .only(*DIGEST_FIELDS)
            .order_by("pk")
        )
        if not rows:
            return DigestOutcome("nothing")
        builder = DigestBuilder(user, rows, as_of)
        stale = {r.pk for r in rows if builder.is_stale(r)}
        Reminder.objects.filter(pk__in=stale).update(
            state=ReminderState.CANCELLED, last_error="Cancelled: no longer due when the digest was sent."
        )
        live = [r for r in rows if r.pk not in stale]
        if not live:
            return DigestOutcome("nothing")
        with translation.override("vi"):
            items = group_items(builder, live)
        notify(user, items)
        error = deliver(render_digest(user, items, as_of)) if user.email else ""
        record(token, recipient_id, stale, error, has_email=bool(user.email))
    return DigestOutcome("failed" if error else "sent", len(items), error)


def record(token: str, recipient_id: int, stale: set[int], error: str, has_email: bool) -> None:
    """Record the outcome on the rows this digest holds locked (by token, not a long list of ids)."""
    pending = Reminder.objects.filter(run_token=token, recipient_id=recipient_id, state__in=LIVE)
    if stale:
        pending = pending.exclude(pk__in=stale)
    if error:
        pending.update(state=ReminderState.FAILED, attempts=F("attempts") + 1, last_error=error)
        return
    note = "" if has_email else "No e-mail address: in-app notification only."
    pending.update(state=ReminderState.SENT, sent_at=clock.now(), attempts=F("attempts") + 1, last_error=note)


def describe(reminders: Iterable[Reminder]) -> Iterator[str]:
    """One line per reminder for operators: recipient, kind, item (bulk look-ups, chunked)."""
    rows = list(reminders)
    users = User.objects.in_bulk({r.recipient_id for r in rows})
    tasks = Task.objects.only("title").in_bulk({r.task_id for r in rows if r.task_id})
    agencies = Agency.objects.in_bulk({r.agency_id for r in rows if r.agency_id})
    for r in sorted(rows, key=lambda r: (users[r.recipient_id].username, r.kind, r.item_key)):
        user = users[r.recipient_id]
        label = tasks[r.task_id].title if r.task_id else (str(agencies[r.agency_id]) if r.agency_id else "")
        escalated = " escalated" if r.escalated else ""
        yield (
            f"{user.username} <{user.email or '-'}>  {r.kind}{escalated}  {r.item_key} "
            f"[{r.deadline:%d/%m/%Y}, step {r.due_date:%d/%m/%Y}] {label}"
        )
