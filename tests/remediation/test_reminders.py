"""Reminders: the schedule at every boundary, exactly-once claims, cancellation, the digest."""

import datetime as dt
from email.mime.base import MIMEBase

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from agencies.models import AgencyKind
from config.celery_app import app as celery_app
from parindex.models import Level
from remediation import reminders, tasks
from remediation.models import Notification, Reminder, ReminderKind, ReminderState, ReportStatus
from tests.factories import (
    AgencyFactory,
    AgencyReportFactory,
    CriterionFactory,
    CycleFactory,
    MembershipFactory,
    ScoreFactory,
    TaskFactory,
    UserFactory,
)

D = dt.date(2021, 11, 15)  # a Monday, the letter's report deadline


def day(n: int) -> dt.date:
    return D + dt.timedelta(days=n)


@pytest.fixture(autouse=True)
def eager_celery():
    """Run digest tasks in-process here; tests/services/ drives a real worker."""
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    """A sweep whose after-commit digests really run, as they would outside a test transaction."""

    def _run(as_of: dt.date, cycle=None, dry_run: bool = False, send: bool = True):
        with django_capture_on_commit_callbacks(execute=send) as callbacks:
            result = tasks.send_due_reminders(as_of=as_of, cycle=cycle, dry_run=dry_run)
        result.callbacks = callbacks
        return result

    return _run


@pytest.fixture
def cycle(db):
    # The report and compilation deadlines lie far from D so task tests see tasks only.
    return CycleFactory(report_deadline=dt.date(2022, 6, 30), self_assessment_date=dt.date(2022, 9, 30))


@pytest.fixture
def task(cycle, agency, staff, leader):
    staff.email, leader.email = "quynhon@example.vn", "quynhon.lead@example.vn"
    staff.save(), leader.save()
    return TaskFactory(cycle=cycle, lead_agency=agency, deadline=D, title="Rà soát thủ tục hành chính")


def keys(**filters) -> set[tuple]:
    return set(Reminder.objects.filter(**filters).values_list("recipient__username", "kind", "due_date"))


# --- The schedule: pure function, every boundary ---------------------------------------------


@pytest.mark.parametrize(
    "offset, regular, escalation",
    [
        (-8, None, None),  # before the first window opens
        (-7, -7, None),  # 7 days before
        (-6, -7, None),  # inside the 7-day window: still the 7-day step
        (-4, -7, None),
        (-3, -3, None),
        (-2, -3, None),
        (-1, -1, None),
        (0, 0, None),  # the deadline day
        (1, 1, None),  # the day after: first overdue step
        (2, 1, None),
        (3, 1, None),
        (4, 4, None),  # every 3 days while overdue
        (6, 4, None),
        (7, 7, 7),  # escalation day
        (8, 7, 7),
        (10, 10, 10),
        (30, 28, 28),
    ],
)
def test_schedule_at_every_boundary(offset, regular, escalation):
    cycle = CycleFactory.build()
    steps = reminders.steps_for(D, day(offset), cycle)
    assert steps.regular == (day(regular) if regular is not None else None)
    assert steps.escalation == (day(escalation) if escalation is not None else None)
    assert steps.overdue == (offset > 0)


@pytest.mark.parametrize("deadline", [dt.date(2021, 11, 13), dt.date(2021, 11, 14)])
def test_weekend_deadlines_use_calendar_days(deadline):
    """A Saturday or Sunday deadline is reminded on that day and 1, 3, 7 calendar days before."""
    cycle = CycleFactory.build()
    for offset in (7, 3, 1, 0):
        step = deadline - dt.timedelta(days=offset)
        assert reminders.steps_for(deadline, step, cycle).regular == step
    assert deadline.weekday() >= 5


def test_schedule_follows_the_cycle_settings():
    cycle = CycleFactory.build(reminder_offsets="10, 2", overdue_step_days=5, escalation_days=3)
    assert reminders.steps_for(D, day(-11), cycle).regular is None
    assert reminders.steps_for(D, day(-10), cycle).regular == day(-10)
    assert reminders.steps_for(D, day(-1), cycle).regular == day(-2)
    assert reminders.steps_for(D, day(0), cycle).regular == day(-2)  # no 0 offset: no deadline-day step
    assert reminders.steps_for(D, day(2), cycle) == reminders.Steps(day(1), None, True)
    assert reminders.steps_for(D, day(3), cycle) == reminders.Steps(day(1), day(3), True)
    assert reminders.steps_for(D, day(8), cycle) == reminders.Steps(day(6), day(8), True)


# --- Who receives what --------------------------------------------------------------------------


def test_task_step_goes_to_lead_staff_and_coordinating_staff(run, task, other_user, leader):
    task.coordinating_agencies.add(other_user.agency)
    run(day(-3))
    assert keys() == {("quynhon", ReminderKind.TASK_DUE, day(-3)), ("annhon", ReminderKind.TASK_DUE, day(-3))}


def test_leader_and_snv_are_not_reminded_before_the_escalation_day(run, task, snv):
    run(day(6))
    assert keys() == {("quynhon", ReminderKind.TASK_OVERDUE, day(4))}


def test_escalation_day_reaches_leader_and_snv(run, task, snv):
    run(day(7))
    assert keys() == {
        ("quynhon", ReminderKind.TASK_OVERDUE, day(7)),
        ("quynhon.lead", ReminderKind.TASK_OVERDUE, day(7)),
        ("snv", ReminderKind.TASK_OVERDUE, day(7)),
    }
    assert not Reminder.objects.filter(escalated=False).exists()


def test_agency_without_staff_reminds_its_leader(run, cycle, agency, leader):
    TaskFactory(cycle=cycle, lead_agency=agency, deadline=D)
    run(day(0))
    assert keys() == {("quynhon.lead", ReminderKind.TASK_DUE, day(0))}


def test_done_and_closed_tasks_are_not_reminded(run, task, cycle, agency):
    TaskFactory(cycle=cycle, lead_agency=agency, deadline=D, completed_on=day(-5), progress=100)
    TaskFactory(cycle=cycle, lead_agency=agency, deadline=D, closed_at=timezone.now())
    run(day(0))
    assert set(Reminder.objects.values_list("task_id", flat=True)) == {task.pk}


def test_nothing_due_sends_nothing(run, task):
    result = run(day(-8))
    assert (result.reminders, result.recipients) == (0, 0)
    assert mail.outbox == [] and not Notification.objects.exists()


# --- Exactly once -----------------------------------------------------------------------------------


def test_second_run_same_day_sends_nothing(run, task):
    first = run(day(-3))
    second = run(day(-3))
    assert (first.reminders, second.reminders) == (1, 0)
    assert len(mail.outbox) == 1


def test_a_step_already_sent_is_not_repeated_inside_its_window(run, task):
    run(day(-7))
    assert run(day(-6)).reminders == 0
    assert run(day(-4)).reminders == 0
    assert len(mail.outbox) == 1


def test_missed_days_are_caught_up_once(run, task):
    """The sweep did not run from D-7 to D-2: one reminder for the latest step, not three."""
    result = run(day(-1))
    assert result.reminders == 1
    assert keys() == {("quynhon", ReminderKind.TASK_DUE, day(-1))}
    assert run(day(-1)).reminders == 0 and len(mail.outbox) == 1


def test_each_step_goes_once_across_a_month_of_daily_runs(run, task, snv):
    for n in range(-10, 12):
        run(day(n))
    steps = sorted(Reminder.objects.filter(recipient__username="quynhon").values_list("due_date", flat=True))
    assert steps == [day(n) for n in (-7, -3, -1, 0, 1, 4, 7, 10)]
    assert sorted(Reminder.objects.filter(recipient=snv).values_list("due_date", flat=True)) == [day(7), day(10)]
    assert Reminder.objects.exclude(state=ReminderState.SENT).count() == 0


def test_dry_run_claims_nothing_and_lists_what_would_go(run, task):
    planned = run(day(-3), dry_run=True)
    assert planned.reminders == 1 and not Reminder.objects.exists()
    run(day(-3))
    assert run(day(-3), dry_run=True).reminders == 0


# --- Cancellation ------------------------------------------------------------------------------


def claimed_not_sent(run, as_of):
    """Claim, but hold the after-commit digests back, as when the worker has not picked them up yet."""
    result = run(as_of, send=False)
    assert Reminder.objects.filter(state=ReminderState.CLAIMED).exists()
    return result


def send_pending(result):
    for callback in result.callbacks:
        callback()


def test_cancelled_reminder_is_not_sent(run, task):
    pending = claimed_not_sent(run, day(-3))
    Reminder.objects.update(state=ReminderState.CANCELLED)
    send_pending(pending)
    assert mail.outbox == [] and not Notification.objects.exists()


def test_finishing_the_task_cancels_unsent_reminders(run, task):
    pending = claimed_not_sent(run, day(-3))
    task.completed_on, task.progress = day(-3), 100
    task.save()
    assert set(Reminder.objects.values_list("state", flat=True)) == {ReminderState.CANCELLED}
    send_pending(pending)
    assert mail.outbox == []


def test_moving_the_deadline_cancels_and_the_new_deadline_is_reminded(run, task):
    claimed_not_sent(run, day(-3))
    task.deadline = day(4)  # D-3 is now the 7-day step of the new deadline: the same step date
    task.save()
    assert Reminder.objects.get().state == ReminderState.CANCELLED
    run(day(-3))
    sent = Reminder.objects.get(state=ReminderState.SENT)
    assert (sent.deadline, sent.due_date) == (day(4), day(-3))
    assert len(mail.outbox) == 1


def test_changing_the_lead_agency_cancels_and_reminds_the_new_lead(run, task, other_user):
    claimed_not_sent(run, day(-3))
    task.lead_agency = other_user.agency
    task.save()
    assert Reminder.objects.get(recipient__username="quynhon").state == ReminderState.CANCELLED
    run(day(-3))
    assert keys(state=ReminderState.SENT) == {("annhon", ReminderKind.TASK_DUE, day(-3))}


def test_saving_a_task_without_change_keeps_its_reminders(run, task):
    claimed_not_sent(run, day(-3))
    task.progress = 40
    task.save()
    assert reminders.cancel_stale_reminders(task) == 0
    assert Reminder.objects.get().state == ReminderState.CLAIMED


def test_a_change_made_by_update_is_caught_just_before_sending(run, task):
    """QuerySet.update() sends no signal: the digest checks each item against the task again."""
    pending = claimed_not_sent(run, day(-3))
    type(task).objects.filter(pk=task.pk).update(deadline=day(20))
    send_pending(pending)
    assert mail.outbox == [] and Reminder.objects.get().state == ReminderState.CANCELLED


# --- Report and compilation deadlines ----------------------------------------------------------


@pytest.fixture
def report_cycle(db):
    return CycleFactory(report_deadline=D, self_assessment_date=dt.date(2022, 9, 30))


def test_report_reminders_go_to_agencies_without_a_submitted_report(run, report_cycle, agency, staff, leader):
    for code, status in [
        ("stp", ReportStatus.SUBMITTED),
        ("stc", ReportStatus.ACCEPTED),
        ("syt", ReportStatus.RETURNED),
    ]:
        member = MembershipFactory(user=UserFactory(username=code), agency=AgencyFactory(code=code))
        AgencyReportFactory(cycle=report_cycle, agency=member.agency, status=status)
    commune = AgencyFactory(code="nhonbinh", kind=AgencyKind.COMMUNE)
    MembershipFactory(user=UserFactory(username="nhonbinh"), agency=commune)
    run(day(-7))
    assert keys() == {
        ("quynhon", ReminderKind.REPORT_DUE, day(-7)),
        ("quynhon.lead", ReminderKind.REPORT_DUE, day(-7)),  # the letter orders the head to report
        ("syt", ReminderKind.REPORT_DUE, day(-7)),  # returned: not submitted
    }


def test_report_overdue_escalates_to_snv(run, report_cycle, agency, staff, snv):
    run(day(7))
    assert keys() == {("quynhon", ReminderKind.REPORT_OVERDUE, day(7)), ("snv", ReminderKind.REPORT_OVERDUE, day(7))}


def test_submitting_the_report_cancels_unsent_report_reminders(run, report_cycle, agency, staff):
    pending = claimed_not_sent(run, day(-1))
    AgencyReportFactory(cycle=report_cycle, agency=agency, status=ReportStatus.SUBMITTED)
    assert Reminder.objects.get().state == ReminderState.CANCELLED
    send_pending(pending)
    assert mail.outbox == []


@pytest.fixture
def compilation(db, agency, staff, snv):
    """Compilation due D (self-assessment a month later); area 1 has agency as focal agency."""
    cycle = CycleFactory(report_deadline=dt.date(2021, 6, 1), self_assessment_date=dt.date(2021, 12, 15))
    area = CriterionFactory(level=Level.AREA, code="1", max_points=2, focal_agency=agency)
    criterion = CriterionFactory(framework=area.framework, level=Level.CRITERION, code="1.1", parent=area)
    subs = [CriterionFactory(framework=area.framework, parent=criterion, code=f"1.1.{i}") for i in (1, 2)]
    ScoreFactory(cycle=cycle, criterion=subs[0], self_score=0)  # below max
    ScoreFactory(cycle=cycle, criterion=subs[1], self_score=1)  # at max
    for user in (staff, snv):
        user.email = f"{user.username}@example.vn"
        user.save()
    return cycle, subs[0]


def test_compilation_reminds_snv_and_the_focal_agency_while_an_area_is_open(run, compilation):
    cycle, _sub = compilation
    assert cycle.compilation_deadline == D
    run(day(-3))
    assert keys(kind=ReminderKind.COMPILATION_DUE) == {
        ("snv", ReminderKind.COMPILATION_DUE, day(-3)),
        ("quynhon", ReminderKind.COMPILATION_DUE, day(-3)),
    }
    assert any("http://127.0.0.1:8000/scores/" in m.body for m in mail.outbox)


def test_compilation_is_quiet_when_every_weak_sub_criterion_has_only_finished_tasks(run, compilation, agency):
    cycle, sub = compilation
    done = TaskFactory(cycle=cycle, lead_agency=agency, deadline=dt.date(2021, 6, 1), completed_on=dt.date(2021, 6, 1))
    done.sub_criteria.add(sub)
    run(day(-3))
    assert not Reminder.objects.filter(kind=ReminderKind.COMPILATION_DUE).exists()


# --- The digest ---------------------------------------------------------------------------------


def test_one_digest_per_recipient_with_every_item(run, task, cycle, agency):
    second = TaskFactory(cycle=cycle, lead_agency=agency, deadline=day(-5), title="Công khai kết quả giải quyết")
    run(day(0))
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["quynhon@example.vn"]
    assert "15/11/2021" in message.subject and "2" in message.subject
    body = message.body
    assert "Rà soát thủ tục hành chính" in body and "Công khai kết quả giải quyết" in body
    assert "10/11/2021" in body and "15/11/2021" in body
    assert f"http://127.0.0.1:8000/tasks/{task.pk}/" in body and f"/tasks/{second.pk}/" in body
    assert "Quá hạn" in body and "Sắp đến hạn" in body  # status labels, in Vietnamese
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html" and f'href="http://127.0.0.1:8000/tasks/{task.pk}/"' in html


def test_digest_is_vietnamese_whatever_the_active_language(run, task):
    from django.utils import translation

    with translation.override("en"):
        run(day(-3))
    assert "Sắp đến hạn" in mail.outbox[0].body


def test_digest_items_become_notifications_once(run, task, staff):
    run(day(-3))
    run(day(-3))
    notice = Notification.objects.get(recipient=staff)
    assert notice.kind == ReminderKind.TASK_DUE
    assert notice.url == f"/tasks/{task.pk}/" and "15/11/2021" in notice.body


def test_recipient_without_email_gets_the_notification_only(run, task, staff):
    staff.email = ""
    staff.save()
    run(day(-3))
    assert mail.outbox == []
    reminder = Reminder.objects.get()
    assert reminder.state == ReminderState.SENT and "No e-mail" in reminder.last_error
    assert Notification.objects.filter(recipient=staff).count() == 1


def test_digest_attaches_html_alternative_not_files(run, task):
    run(day(-3))
    assert not [a for a in mail.outbox[0].attachments if isinstance(a, MIMEBase)]


# --- Queries grow with chunks, not tasks ---------------------------------------------------------


def _claim_queries(cycle, as_of) -> tuple[int, int]:
    """Queries of the sweep other than the claim INSERTs, and the INSERTs (one per batch of rows)."""
    with CaptureQueriesContext(connection) as ctx:
        tasks.send_due_reminders(as_of=as_of, cycle=cycle, dry_run=False)
    inserts = sum(1 for q in ctx.captured_queries if q["sql"].lstrip().upper().startswith("INSERT"))
    return len(ctx.captured_queries) - inserts, inserts


def test_sweep_queries_do_not_grow_with_tasks(cycle, agency, staff, other_agency, snv):
    coordinating = other_agency
    MembershipFactory(user=UserFactory(username="annhon"), agency=coordinating)
    for n in range(5):
        TaskFactory(cycle=cycle, lead_agency=agency, deadline=day(n - 3)).coordinating_agencies.add(coordinating)
    few = _claim_queries(cycle, D)
    for n in range(60):
        TaskFactory(cycle=cycle, lead_agency=agency, deadline=day(n % 20 - 10)).coordinating_agencies.add(coordinating)
    many = _claim_queries(cycle, D + dt.timedelta(days=1))
    assert many[0] == few[0]
    # SQLite caps a statement's parameters, so bulk_create splits into more batches there.
    assert many[1] <= (1 if connection.vendor == "postgresql" else 1 + Reminder.objects.count() // 50)


def test_digest_queries_do_not_grow_with_items(run, cycle, agency, staff, django_assert_max_num_queries):
    staff.email = "quynhon@example.vn"
    staff.save()
    for n in range(40):
        TaskFactory(cycle=cycle, lead_agency=agency, deadline=day(n % 10))
    result = run(D, send=False)
    with django_assert_max_num_queries(14):
        send_pending(result)
    assert len(mail.outbox) == 1


# --- The command ------------------------------------------------------------------------------------


def test_command_prints_one_line_per_reminder_and_a_summary(task, capsys):
    call_command("send_reminders", "--as-of", "12/11/2021", "--dry-run")
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[-1] == "1 reminders to 1 recipients"
    assert lines[0].startswith("quynhon <quynhon@example.vn>  task_due  task:")
    assert not Reminder.objects.exists()


def test_command_sends_then_reports_zero_on_a_rerun(task, capsys, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_reminders", "--as-of", "2021-11-12")
    assert capsys.readouterr().out.strip().splitlines()[-1] == "1 reminders to 1 recipients"
    call_command("send_reminders", "--as-of", "12/11/2021")
    assert capsys.readouterr().out.strip() == "0 reminders to 0 recipients"
    assert len(mail.outbox) == 1


def test_command_refuses_an_unreadable_date(task):
    from django.core.management import CommandError

    with pytest.raises(CommandError):
        call_command("send_reminders", "--as-of", "12.11.2021")


def test_demo_dry_run_on_08_11_2021_lists_a_sensible_day(demo, capsys):
    call_command("send_reminders", "--as-of", "08/11/2021", "--dry-run", "--cycle", "2021")
    lines = capsys.readouterr().out.strip().splitlines()
    n, recipients = int(lines[-1].split()[0]), int(lines[-1].split()[3])
    assert len(lines) == n + 1 and n > 20 and recipients > 10
    body = "\n".join(lines)
    assert "report_due" in body and "task_due" in body and "task_overdue escalated" in body
    assert any(line.startswith("quynhon.lead ") and "report:" in line for line in lines)
    assert any(line.startswith("snv ") and "escalated" in line for line in lines)
    assert not Reminder.objects.exists()


def test_directory_splits_staff_leaders_and_snv(agency, staff, leader, snv, chairman_office):
    directory = reminders.Directory.load()
    assert directory.staff[agency.pk] == [staff.pk] and directory.leaders[agency.pk] == [leader.pk]
    assert directory.snv == [snv.pk]  # the Chairman's office is not an escalation recipient


# --- Wiring and the admin page ---------------------------------------------------------------------


def test_beat_runs_the_sweep_daily_at_the_reminder_hour(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["reminders-daily-sweep"]
    assert entry["task"] == "remediation.sweep_reminders" in celery_app.tasks
    assert entry["schedule"].hour == {settings.REMINDER_HOUR} and entry["schedule"].minute == {0}
    assert settings.CELERY_TIMEZONE == "Asia/Ho_Chi_Minh"


def test_sweep_task_takes_iso_dates_and_returns_figures(task):
    from remediation.tasks import sweep_reminders

    payload = sweep_reminders.delay(as_of="2021-11-12").get()
    assert payload["reminders"] == 1 and payload["recipients"] == 1 and payload["cycle"] == 2021


def test_admin_lists_what_was_sent_to_whom_and_failures(run, task, staff, client):
    run(day(-3))
    Reminder.objects.update(last_error="SMTPServerDisconnected: Connection unexpectedly closed")
    admin = UserFactory(username="admin", is_staff=True, is_superuser=True)
    client.force_login(admin)
    html = client.get("/admin/remediation/reminder/").content.decode()
    assert str(staff) in html and "SMTPServerDisconnected" in html and f"task:{task.pk}" in html


def test_command_refuses_an_unknown_cycle(task):
    from django.core.management import CommandError

    with pytest.raises(CommandError):
        call_command("send_reminders", "--cycle", "1999")


# --- Wording (issue 16, §4) ---------------------------------------------------------------------------


def test_the_digest_addresses_the_person_and_agency_names_the_sender_and_counts_days_overdue(
    run, task, agency, settings
):
    settings.DEFAULT_FROM_EMAIL = "PAR Tracker <no-reply@par.local>"
    settings.NOTICE_SENDER_NAME = "Sở Nội vụ tỉnh Bình Định – Theo dõi CCHC"
    run(day(4))  # four days after the deadline
    message = mail.outbox[-1]
    staff = message.to == ["quynhon@example.vn"]
    assert staff
    assert message.from_email == '"Sở Nội vụ tỉnh Bình Định – Theo dõi CCHC" <no-reply@par.local>'
    first = message.body.strip().splitlines()[0]
    assert first.startswith("Kính gửi: Ông/Bà ") and first.endswith(f", {agency.name}")
    assert "quá hạn 4 ngày" in message.body
    assert "bạn" not in message.body.replace("Bạn", "bạn")
    html = message.alternatives[0][0]
    assert "Kính gửi: Ông/Bà" in html and "quá hạn 4 ngày" in html
