"""Restructuring: merge, split and transfer move open tasks on an effective date; the past is unchanged."""

import datetime as dt

import pytest
from django.urls import reverse

from agencies.models import Agency, AgencyKind, AgencyLink, LinkKind, Membership, MembershipRole
from compilation import figures
from remediation import restructuring
from remediation.access import visible_tasks
from remediation.models import (
    AgencyReport,
    AssignmentRole,
    Notification,
    Reminder,
    ReminderKind,
    ReminderState,
    ReportStatus,
    Task,
    TaskAssignment,
)
from remediation.restructuring import Plan, RestructuringError
from tests.factories import (
    AgencyFactory,
    AgencyReportFactory,
    CycleFactory,
    MembershipFactory,
    TaskFactory,
    UserFactory,
)

JULY_1 = dt.date(2025, 7, 1)
NOV_15 = dt.date(2021, 11, 15)


@pytest.fixture
def wards(db):
    return [
        AgencyFactory(code=f"ward-{i}", name=f"UBND phường Thử {i}", kind=AgencyKind.WARD, valid_from=JULY_1)
        for i in range(2)
    ]


def test_split_moves_only_open_tasks_as_chosen_with_history(agency, wards, cycle):
    done = TaskFactory(cycle=cycle, lead_agency=agency, completed_on=dt.date(2021, 11, 1), progress=100)
    first, second = TaskFactory(cycle=cycle, lead_agency=agency), TaskFactory(cycle=cycle, lead_agency=agency)
    plan = Plan(LinkKind.SPLIT, [agency], wards, JULY_1, choices={second.pk: [wards[1].pk, wards[0].pk]})
    seen = restructuring.preview(plan)
    assert {m.task.pk: [a.pk for a in m.successors] for m in seen.lead_moves} == {
        first.pk: [wards[0].pk],  # the default: the first successor
        second.pk: [wards[1].pk, wards[0].pk],
    }
    restructuring.apply(plan, user=None)
    assert Task.objects.get(pk=done.pk).lead_agency == agency
    assert Task.objects.get(pk=first.pk).lead_agency == wards[0]
    moved = Task.objects.get(pk=second.pk)
    assert moved.lead_agency == wards[1] and list(moved.coordinating_agencies.all()) == [wards[0]]
    leads = [(h.lead_agency_id, h.history_change_reason or "") for h in moved.history.order_by("history_id")]
    assert leads[0][0] == agency.pk
    assert any(pk == wards[1].pk and "01/07/2025" in reason for pk, reason in leads)
    old, new = TaskAssignment.objects.filter(task=moved, role=AssignmentRole.LEAD).order_by("pk")
    assert (old.agency, old.valid_to, new.agency, new.valid_from) == (agency, dt.date(2025, 6, 30), wards[1], JULY_1)
    assert AgencyLink.objects.filter(predecessor=agency, kind=LinkKind.SPLIT).count() == 2
    agency.refresh_from_db()
    assert agency.valid_to == dt.date(2025, 6, 30) and not agency.exists_on(JULY_1)


def test_figures_as_of_an_earlier_date_are_unchanged_by_a_split(agency, other_agency, wards, cycle):
    TaskFactory(cycle=cycle, lead_agency=agency, completed_on=dt.date(2021, 11, 1), progress=100)
    TaskFactory.create_batch(2, cycle=cycle, lead_agency=agency, deadline=dt.date(2021, 11, 1))
    TaskFactory(cycle=cycle, lead_agency=other_agency)

    def snapshot():
        data = figures.dashboard(cycle, NOV_15)
        rows = [(r.agency_id, r.name, r.total, r.done, r.overdue, r.is_addressee) for r in data.agencies]
        tracking = [(t.title, t.lead_agency, t.status) for t in figures.tracking_table(cycle, NOV_15)]
        return rows, data.headline.reports, data.headline.tasks, tracking

    before = snapshot()
    restructuring.apply(Plan(LinkKind.SPLIT, [agency], wards, JULY_1), user=None)
    assert snapshot() == before
    later = {r.agency_id: r.total for r in figures.agency_table(cycle, JULY_1)}
    assert later[wards[0].pk] == 2 and later.get(agency.pk, 0) == 1  # the finished task stays


def test_merge_of_two_agencies_with_reports_in_progress_keeps_both_reports(agency, other_agency, cycle):
    target = AgencyFactory(code="merged", name="UBND phường Hợp nhất", kind=AgencyKind.WARD, valid_from=JULY_1)
    one = AgencyReportFactory(cycle=cycle, agency=agency, status=ReportStatus.DRAFT, narrative="A")
    two = AgencyReportFactory(cycle=cycle, agency=other_agency, status=ReportStatus.RETURNED, narrative="B")
    plan = Plan(LinkKind.MERGE, [agency, other_agency], [target], JULY_1)
    assert {r.pk for r in restructuring.preview(plan).open_reports} == {one.pk, two.pk}
    restructuring.apply(plan, user=None)
    assert AgencyReport.objects.get(pk=one.pk).agency == agency
    assert AgencyReport.objects.get(pk=two.pk).agency == other_agency
    assert AgencyReport.objects.get(pk=one.pk).narrative == "A"
    assert AgencyReport.objects.filter(cycle=cycle).count() == 2


def test_successor_sees_moved_tasks_and_retired_users_no_longer(agency, staff, wards, cycle):
    task = TaskFactory(cycle=cycle, lead_agency=agency)
    ward_user = MembershipFactory(agency=wards[0]).user
    assert task in visible_tasks(staff)
    restructuring.apply(Plan(LinkKind.SPLIT, [agency], wards, JULY_1), user=None)
    staff = type(staff).objects.get(pk=staff.pk)
    assert task in visible_tasks(ward_user)
    assert task not in visible_tasks(staff)


def test_a_confirmed_successor_membership_keeps_the_user_on_the_moved_tasks(agency, staff, leader, wards, cycle):
    task = TaskFactory(cycle=cycle, lead_agency=agency)
    plan = Plan(LinkKind.SPLIT, [agency], wards, JULY_1)
    proposed = {m.user_id: a.pk for m, a in restructuring.preview(plan).memberships}
    assert proposed == {staff.pk: wards[0].pk, leader.pk: wards[0].pk}
    applied = restructuring.apply(plan, user=None, memberships={staff.pk: wards[0].pk})
    assert applied.memberships_created == 1
    assert Membership.objects.get(user=staff, agency=wards[0]).role == MembershipRole.STAFF
    assert not Membership.objects.filter(user=leader, agency__in=wards).exists()  # not confirmed: not moved
    assert task in visible_tasks(type(staff).objects.get(pk=staff.pk))
    assert task not in visible_tasks(type(leader).objects.get(pk=leader.pk))


def test_a_membership_outside_the_successors_is_refused(agency, staff, wards, other_agency):
    plan = Plan(LinkKind.SPLIT, [agency], wards, JULY_1)
    with pytest.raises(RestructuringError):
        restructuring.apply(plan, user=None, memberships={staff.pk: other_agency.pk})
    assert Agency.objects.get(pk=agency.pk).valid_to is None  # nothing half-applied


def test_reminders_of_the_retired_agency_stop_and_its_users_are_told_where_work_went(agency, staff, wards, cycle):
    task = TaskFactory(cycle=cycle, lead_agency=agency)
    Reminder.objects.create(
        cycle=cycle,
        recipient=staff,
        kind=ReminderKind.TASK_DUE,
        item_key=f"task:{task.pk}",
        task=task,
        agency=agency,
        due_date=dt.date(2025, 6, 30),
        deadline=dt.date(2025, 7, 7),
    )
    applied = restructuring.apply(Plan(LinkKind.SPLIT, [agency], wards, JULY_1), user=None)
    assert applied.reminders_cancelled == 1
    assert Reminder.objects.get().state == ReminderState.CANCELLED
    note = Notification.objects.get(recipient=staff)
    assert wards[0].name in note.body and note.url == reverse("remediation:task-list")


def test_a_carried_task_moves_once_from_its_latest_cycle(agency, wards):
    cycle2021, cycle2022 = CycleFactory(year=2021), CycleFactory(year=2022, report_deadline=dt.date(2022, 11, 15))
    old = TaskFactory(cycle=cycle2021, lead_agency=agency)
    new = TaskFactory(cycle=cycle2022, lead_agency=agency, carried_from=old)
    seen = restructuring.preview(Plan(LinkKind.SPLIT, [agency], wards, JULY_1))
    assert [m.task.pk for m in seen.lead_moves] == [new.pk]


def test_transfer_moves_only_the_chosen_tasks_and_both_agencies_continue(agency, other_agency, cycle):
    kept, moved = TaskFactory(cycle=cycle, lead_agency=agency), TaskFactory(cycle=cycle, lead_agency=agency)
    restructuring.apply(Plan(LinkKind.TRANSFER, [agency], [other_agency], JULY_1, task_ids=[moved.pk]), user=None)
    assert Task.objects.get(pk=kept.pk).lead_agency == agency
    assert Task.objects.get(pk=moved.pk).lead_agency == other_agency
    assert Agency.objects.get(pk=agency.pk).valid_to is None


def test_coordinating_links_move_to_the_successor(agency, other_agency, wards, cycle):
    task = TaskFactory(cycle=cycle, lead_agency=other_agency)
    task.coordinating_agencies.add(agency)
    restructuring.apply(Plan(LinkKind.SPLIT, [agency], wards, JULY_1), user=None)
    assert list(Task.objects.get(pk=task.pk).coordinating_agencies.all()) == [wards[0]]
    assert [t.pk for t in Task.objects.for_agency(agency, NOV_15)] == [task.pk]
    assert [t.pk for t in Task.objects.for_agency(wards[0], JULY_1)] == [task.pk]


def test_a_split_needs_two_successors(agency, wards):
    with pytest.raises(RestructuringError):
        restructuring.preview(Plan(LinkKind.SPLIT, [agency], wards[:1], JULY_1))


def test_commune_leads_tasks_and_reports_where_the_cycle_includes_communes(db):
    from agencies.models import REPORTING_KINDS_2025
    from remediation import services

    cycle = CycleFactory(
        year=2025,
        report_deadline=dt.date(2025, 11, 15),
        reporting_kinds=list(REPORTING_KINDS_2025),
        reference_date=dt.date(2025, 11, 1),
    )
    commune = AgencyFactory(kind=AgencyKind.COMMUNE, valid_from=JULY_1)
    leader = MembershipFactory(agency=commune, role=MembershipRole.LEADER, user=UserFactory()).user
    task = TaskFactory(cycle=cycle, lead_agency=commune, deadline=dt.date(2025, 12, 31))
    assert task in visible_tasks(leader)
    report = services.submit_report(services.report_for(cycle, commune).pk, leader, narrative="Đã khắc phục.")
    assert report.status == ReportStatus.SUBMITTED
    assert [row["id"] for row in report.snapshot["tasks"]] == [task.pk]
    assert figures.report_counts(cycle, dt.date(2025, 11, 1)).addressees == 1
    assert {r.agency_id for r in figures.agency_table(cycle, dt.date(2025, 11, 1)) if r.is_addressee} == {commune.pk}


def test_for_agency_query_count_is_flat_with_2000_agencies_and_links(django_assert_max_num_queries, cycle):
    agencies = Agency.objects.bulk_create(
        [
            Agency(code=f"n{i}", name=f"UBND xã {i}", kind=AgencyKind.COMMUNE, calendar_token=f"t{i}")
            for i in range(2000)
        ]
    )
    AgencyLink.objects.bulk_create(
        [
            AgencyLink(predecessor=a, successor=b, kind=LinkKind.MERGE, effective_on=JULY_1)
            for a, b in zip(agencies[::2], agencies[1::2], strict=True)
        ]
    )
    tasks = Task.objects.bulk_create(
        [Task(cycle=cycle, title=f"t{i}", lead_agency=agencies[i], deadline=NOV_15) for i in range(0, 2000, 4)]
    )
    with django_assert_max_num_queries(1):
        assert len(list(Task.objects.for_agency(agencies[0]))) == 1
    with django_assert_max_num_queries(3):
        assert figures.report_counts(cycle, NOV_15).addressees == 0
        assert len(tasks) == 500
    with django_assert_max_num_queries(5):
        rows = figures.agency_table(cycle, NOV_15)
    assert len(rows) == 500


def test_the_restructuring_notice_is_emailed_once_and_its_link_answers_its_recipient(
    agency, staff, wards, cycle, settings, django_capture_on_commit_callbacks
):
    """Issue 14, §3: an agency merge that moved one's tasks reaches the daily e-mail too."""
    from django.core import mail
    from django.test import Client

    from config.celery_app import app as celery_app
    from remediation import tasks

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    staff.email = "quynhon@example.vn"
    staff.save()
    TaskFactory(cycle=cycle, lead_agency=agency)
    restructuring.apply(Plan(LinkKind.SPLIT, [agency], wards, JULY_1), user=None)
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    try:
        with django_capture_on_commit_callbacks(execute=True):
            tasks.send_notice_digests()
        with django_capture_on_commit_callbacks(execute=True):
            assert tasks.send_notice_digests().notices == 0
    finally:
        celery_app.conf.task_always_eager = previous
    assert [m.to for m in mail.outbox] == [[staff.email]]
    note = Notification.objects.get(recipient=staff)
    assert note.emailed_at is not None and settings.SITE_URL.rstrip("/") + note.url in mail.outbox[0].body
    client = Client()
    client.force_login(staff)
    assert client.get(note.url).status_code == 200
