"""The demo's states of closing the loop (issue 14, §6), laid over the 2021 tasks.

Called at the end of the loader, after the 2021 tasks exist. It changes no derived
status as of 15/11/2021, so the demo's counts stay what they were: completions are
verified (a few left awaiting verification), a completion sent back is one that is
open again, extensions move only deadlines that stay beyond the due-soon window.
Idempotent: each state is written only where it is not there yet.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from agencies.models import Agency
from parindex.models import Criterion, Cycle, Score
from parindex.services import area_focal_id
from remediation.models import AgencyReport, DeadlineExtension, ExtensionState, Notification, ReportStatus, Task
from remediation.notices import NoticeKind, members_of
from remediation.status import DUE_SOON_DAYS

AS_OF = dt.date(2021, 11, 15)
AWAITING = 4  # completions left awaiting verification
User = get_user_model()


def _at(day: dt.date, hour: int = 9) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 0)))


def load_loop_states(cycle: Cycle, previous: Cycle | None) -> None:
    if Notification.objects.filter(kind__in=NoticeKind.values).exists():
        return  # already laid: the loader stays idempotent
    snv = User.objects.get(username="snv")
    tasks = Task.objects.filter(cycle=cycle).order_by("number")
    quynhon = Agency.objects.get(code="quynhon")
    # The tasks were assigned from Report 117 of 07/10/2021: the records the loader wrote so far
    # (creation, lead and coordinators) are dated then, so the verification steps dated below follow them.
    Task.history.filter(cycle=cycle).update(history_date=_at(dt.date(2021, 10, 7), 8))
    awaiting = _verify_completions(tasks, snv)
    sent_back = _send_back_one(tasks, quynhon, snv)
    extended = _extensions(tasks, quynhon, snv)
    backlog = _backlog(tasks, previous) if previous else []
    _notices(cycle, quynhon, awaiting, sent_back, extended, backlog)
    _receipts(cycle)


def _receipts(cycle: Cycle) -> None:
    """The demo's submitted reports carry a receipt like those the submit service gives."""
    for report in AgencyReport.objects.filter(cycle=cycle, submitted_at__isnull=False, receipt_number=""):
        AgencyReport.objects.filter(pk=report.pk).update(receipt_number=f"{cycle.year}/{report.pk:04d}-1")


def _record(task: Task, user, reason: str, when: dt.datetime, **fields) -> None:
    """One saved change of the task, as the service would make it, dated when it happened (history)."""
    for name, value in fields.items():
        setattr(task, name, value)
    task.version += 1
    task._history_user = user
    task._change_reason = reason
    task.save()
    latest = task.history.order_by("-history_id").values_list("history_id", flat=True).first()
    task.history.filter(history_id=latest).update(history_date=when)


def _verify_completions(tasks, snv) -> list[Task]:
    """Every demo completion verified a few days later (each a history record), except a few of Quy Nhơn's
    and others', left awaiting verification; one was sent back for evidence first, answered, then verified."""
    done = list(tasks.filter(completed_on__isnull=False, completed_on__lte=AS_OF).select_related("lead_agency"))
    left = [t for t in done if t.lead_agency.code == "quynhon"][:2]
    left += [t for t in done if t not in left][: AWAITING - len(left)]
    round_trip = next((t for t in done if t not in left and t.completed_on <= AS_OF - dt.timedelta(days=4)), None)
    for task in done:
        if task in left:
            continue
        if task is round_trip:
            _sent_back_then_verified(task, snv)
            continue
        verified = min(task.completed_on + dt.timedelta(days=3), AS_OF)
        _record(task, snv, "completion verified", _at(verified, 10), verified_on=verified, verified_by=snv)
    Task.objects.filter(pk__in=[t.pk for t in left]).update(
        closure_criteria="Văn bản ban hành và báo cáo kết quả có xác nhận của lãnh đạo đơn vị."
    )
    return left


def _sent_back_then_verified(task: Task, snv) -> None:
    """The whole loop on one task: claimed, sent back for evidence, answered, verified."""
    claimed_on, progress = task.completed_on, task.progress
    member = (members_of(task.lead_agency) or [None])[0]
    back = claimed_on + dt.timedelta(days=1)
    note = "Chưa có văn bản ban hành kèm theo; đề nghị bổ sung tài liệu kiểm chứng."
    _record(
        task,
        snv,
        "completion sent back",
        _at(back, 14),
        completed_on=None,
        progress=min(progress, 90),
        sent_back_at=_at(back, 14),
        verification_note=note,
    )
    again = claimed_on + dt.timedelta(days=2)
    _record(task, member, "marked done", _at(again, 9), completed_on=claimed_on, progress=progress)
    verified = claimed_on + dt.timedelta(days=3)
    _record(
        task,
        snv,
        "completion verified",
        _at(verified, 10),
        verified_on=verified,
        verified_by=snv,
        verification_note="Đã bổ sung văn bản; xác nhận hoàn thành.",
    )


def _open_far(tasks, agency: Agency | None = None):
    """Open tasks whose deadline stays beyond the due-soon window: moving them later changes no status."""
    qs = tasks.filter(completed_on__isnull=True, deadline__gt=AS_OF + dt.timedelta(days=DUE_SOON_DAYS + 2))
    return qs.filter(lead_agency=agency) if agency else qs


def _send_back_one(tasks, quynhon: Agency, snv) -> Task | None:
    """An open task of Quy Nhơn's: claimed done on 09/11/2021, sent back by SNV on 12/11/2021 (open again)."""
    task = _open_far(tasks, quynhon).first() or _open_far(tasks).first()
    if task is None:
        return None
    progress = task.progress
    member = (members_of(task.lead_agency) or [None])[0]
    claimed = dt.date(2021, 11, 9)
    _record(task, member, "marked done", _at(claimed, 16), completed_on=claimed, progress=100)
    _record(
        task,
        snv,
        "completion sent back",
        _at(dt.date(2021, 11, 12), 14),
        completed_on=None,
        progress=min(progress, 90),
        sent_back_at=_at(dt.date(2021, 11, 12), 14),
        verification_note="Chưa có văn bản ban hành kèm theo; đề nghị bổ sung tài liệu kiểm chứng.",
    )
    return task


def _extension(task: Task, who, snv, asked: dt.date, proposed: dt.date, state: str, decided: dt.date | None):
    comments = {ExtensionState.APPROVED: "Đồng ý gia hạn.", ExtensionState.REFUSED: "Không đủ căn cứ gia hạn."}
    ext = DeadlineExtension.objects.create(
        task=task,
        requested_by=who,
        requested_at=_at(asked),
        reason="Chờ hướng dẫn của bộ, ngành Trung ương; cần thêm thời gian hoàn thiện hồ sơ.",
        proposed_deadline=proposed,
        state=state,
        previous_deadline=task.deadline if decided else None,
        approved_deadline=proposed if state == ExtensionState.APPROVED else None,
        decided_by=snv if decided else None,
        decided_at=_at(decided, 15) if decided else None,
        decided_on=decided,
        comment=comments.get(state, ""),
    )
    if state == ExtensionState.APPROVED:
        Task.objects.filter(pk=task.pk).update(
            original_deadline=task.original_deadline or task.deadline, deadline=proposed
        )
        task.refresh_from_db()
    return ext


def _extensions(tasks, quynhon: Agency, snv) -> list[Task]:
    """Two pending requests, one refused, and one task extended twice (Quy Nhơn's where it has one)."""
    free = _open_far(tasks).exclude(sent_back_at__isnull=False)
    mine = list(free.filter(lead_agency=quynhon)[:1])
    pool = mine + [t for t in free[:5] if t not in mine]
    if len(pool) < 4:
        return []
    twice, refused, pending_a, pending_b = pool[:4]
    who = {t.pk: members_of(t.lead_agency)[0] for t in pool[:4]}
    first = twice.deadline + dt.timedelta(days=15)
    _extension(twice, who[twice.pk], snv, dt.date(2021, 10, 20), first, ExtensionState.APPROVED, dt.date(2021, 10, 25))
    second = first + dt.timedelta(days=20)
    _extension(twice, who[twice.pk], snv, dt.date(2021, 11, 8), second, ExtensionState.APPROVED, dt.date(2021, 11, 10))
    later = refused.deadline + dt.timedelta(days=30)
    _extension(refused, who[refused.pk], snv, dt.date(2021, 11, 5), later, ExtensionState.REFUSED, dt.date(2021, 11, 9))
    for task, day in ((pending_a, dt.date(2021, 11, 12)), (pending_b, dt.date(2021, 11, 14))):
        _extension(task, who[task.pk], snv, day, task.deadline + dt.timedelta(days=31), ExtensionState.PENDING, None)
    return [twice, refused, pending_a, pending_b]


def _backlog(tasks, previous: Cycle) -> list[Task]:
    """Two open 2021 tasks carried over from 2020 tasks that were never finished; SNV marks one a priority."""
    candidates = list(
        tasks.filter(completed_on__isnull=True, carried_from__isnull=True, deadline__lt=AS_OF)
        .exclude(Q(sent_back_at__isnull=False) | Q(extensions__isnull=False))
        .distinct()
        .prefetch_related("sub_criteria")
    )
    # Tasks on sub-criteria 2020 left below max first: their points won back are the demo's story.
    lost_2020 = set(
        Score.objects.filter(cycle=previous)
        .filter(
            Q(appraised_score__lt=F("max_points")) | Q(appraised_score__isnull=True, self_score__lt=F("max_points"))
        )
        .values_list("criterion__code", flat=True)
    )
    candidates.sort(key=lambda t: not any(c.code in lost_2020 for c in t.sub_criteria.all()))
    chosen = candidates[:2]
    for i, task in enumerate(chosen):
        origin = Task.objects.create(
            cycle=previous,
            title=task.title.replace("năm 2022", "năm 2021"),
            description=task.description,
            source_document="Báo cáo kết quả chỉ số CCHC năm 2020",
            lead_agency=task.lead_agency,
            deadline=dt.date(2020, 12, 31),
            progress=30,
            cause="Chưa bố trí được kinh phí thực hiện.",
        )
        origin.sub_criteria.set(_same_codes(task, previous))
        Task.objects.filter(pk=task.pk).update(carried_from=origin, is_priority=i == 0)
    return chosen


def _same_codes(task: Task, previous: Cycle) -> list[Criterion]:
    """The task's sub-criteria in the earlier cycle's own tree (the demo's crosswalk keeps the codes)."""
    out = []
    for criterion in task.sub_criteria.select_related("framework"):
        framework = previous.framework_of(criterion.framework.kind)
        out += list(Criterion.objects.filter(framework=framework, code=criterion.code)) if framework else []
    return out


def _notice(users, kind: str, title: str, url: str, body: str = "", day: dt.date = AS_OF) -> None:
    for user in users:
        n = Notification.objects.create(recipient=user, kind=kind, title=title[:300], body=body, url=url)
        Notification.objects.filter(pk=n.pk).update(created_at=_at(day, 8))


def _link(task: Task) -> str:
    return reverse("remediation:task-detail", args=[task.pk])


def _notices(cycle: Cycle, quynhon: Agency, awaiting, sent_back, extended, backlog) -> None:
    """Unread notices of every kind for the demo users, each linked to the page that answers it."""
    first = Task.objects.filter(cycle=cycle, lead_agency=quynhon).order_by("number").first()
    if first:
        title = f"Nhiệm vụ mới: #{first.number} {first.title}"
        _notice(members_of(quynhon), NoticeKind.TASK_ASSIGNED, title, _link(first), day=dt.date(2021, 10, 8))
    if extended:
        twice = extended[0]
        people, day = members_of(twice.lead_agency), dt.date(2021, 11, 10)
        label = f"#{twice.number} {twice.title}"
        _notice(people, NoticeKind.DEADLINE_CHANGED, f"Hạn đã thay đổi: {label}", _link(twice), day=day)
        _notice(
            people, NoticeKind.EXTENSION_DECIDED, f"Đã duyệt gia hạn: {label}", _link(twice), "Đồng ý gia hạn.", day
        )
    verified = Task.objects.filter(cycle=cycle, verified_on__isnull=False).order_by("-verified_on", "number").first()
    if verified:
        title = f"Đã xác nhận hoàn thành: #{verified.number} {verified.title}"
        people = members_of(verified.lead_agency)
        _notice(people, NoticeKind.COMPLETION_VERIFIED, title, _link(verified), day=verified.verified_on)
    if sent_back:
        title = f"Kết quả bị trả lại: #{sent_back.number} {sent_back.title}"
        people, note = members_of(sent_back.lead_agency), sent_back.verification_note
        _notice(people, NoticeKind.COMPLETION_SENT_BACK, title, _link(sent_back), note, dt.date(2021, 11, 12))
    for status, kind in (
        (ReportStatus.RETURNED, NoticeKind.REPORT_RETURNED),
        (ReportStatus.ACCEPTED, NoticeKind.REPORT_ACCEPTED),
    ):
        for report in (
            AgencyReport.objects.filter(cycle=cycle, status=status).select_related("agency").order_by("pk")[:2]
        ):
            title = f"Báo cáo của đơn vị: {report.get_status_display()}"
            _notice(members_of(report.agency), kind, title, reverse("remediation:report-edit"), report.reviewer_comment)
    snv_users = User.objects.filter(username="snv")
    for report in AgencyReport.objects.filter(cycle=cycle, status=ReportStatus.SUBMITTED).select_related("agency")[:2]:
        url = reverse("remediation:report-detail", args=[report.pk])
        _notice(snv_users, NoticeKind.REPORT_SUBMITTED, f"Báo cáo đã gửi: {report.agency}", url)
    _explanation_notice(cycle)


def _explanation_notice(cycle: Cycle) -> None:
    """The explanation round of 2021: a sub-criterion whose round-1 appraisal is below the self score
    (else the first appraised one), its area's focal agency told on the day appraisal round 1 closed."""
    scores = Score.objects.filter(cycle=cycle, appraised_1__isnull=False, self_score__isnull=False)
    score = (
        scores.filter(appraised_1__lt=F("self_score")).select_related("criterion").order_by("criterion__order").first()
        or scores.select_related("criterion").order_by("criterion__order").first()
    )
    if score is None:
        return
    focal = Agency.objects.filter(pk=area_focal_id(score.criterion)).first()
    if focal is None:
        return
    title = f"Giải trình: {score.criterion.code}, điểm thẩm định vòng 1 thấp hơn điểm tự đánh giá"
    url = reverse("compilation:criterion-detail", args=[cycle.year, score.criterion_id])
    body = "Đề nghị giải trình trước ngày 10/04/2022."
    _notice(members_of(focal), NoticeKind.EXPLANATION_ROUND, title, url, body, dt.date(2022, 3, 31))
