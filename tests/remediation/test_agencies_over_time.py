"""Agencies over time: existence is read for a date, one carrying rule, future-dated changes, open reports."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from agencies import services as agency_services
from agencies.models import Agency, AgencyKind, LinkKind, User
from parindex.access import default_cycle
from remediation import restructuring, services
from remediation.access import visible_tasks
from remediation.models import (
    AgencyReport,
    Notification,
    ReportStatus,
    RestructuringState,
    ScheduledRestructuring,
    Task,
    TaskAssignment,
)
from remediation.reminders import Directory
from remediation.restructuring import Plan
from tests.factories import AgencyFactory, AgencyReportFactory, CycleFactory, MembershipFactory, TaskFactory

JULY_1 = dt.date(2025, 7, 1)
NOV_15 = dt.date(2021, 11, 15)


@pytest.fixture
def wards(db):
    return [
        AgencyFactory(code=f"ward-{i}", name=f"UBND phường Thử {i}", kind=AgencyKind.WARD, valid_from=JULY_1)
        for i in range(2)
    ]


@pytest.fixture
def cycle2025(db):
    return CycleFactory(
        year=2025,
        report_deadline=dt.date(2025, 11, 15),
        task_completion_target=dt.date(2025, 12, 31),
        reference_date=dt.date(2025, 11, 15),
        reporting_kinds=["central", "department", "commune", "ward"],
    )


def _fresh(user: User) -> User:
    return User.objects.get(pk=user.pk)  # the membership cache is per instance


def test_a_retired_agency_exists_on_the_days_of_its_period_and_no_flag_says_otherwise(agency, wards):
    restructuring.apply(Plan(LinkKind.SPLIT, [agency], wards, JULY_1), user=None)
    agency.refresh_from_db()
    assert agency.exists_on(NOV_15) and agency.exists_on(dt.date(2025, 6, 30)) and not agency.exists_on(JULY_1)
    assert Agency.objects.as_of(NOV_15).filter(pk=agency.pk).exists()
    assert not Agency.objects.current().filter(pk=agency.pk).exists()  # the clock's today is after 30/06/2025
    assert not hasattr(agency, "is_active")


def test_the_retired_districts_user_keeps_its_agency_and_its_2021_tasks(agency, staff, wards, cycle):
    done = TaskFactory(cycle=cycle, lead_agency=agency, completed_on=dt.date(2021, 11, 1), progress=100)
    restructuring.apply(Plan(LinkKind.SPLIT, [agency], wards, JULY_1), user=None)
    staff = _fresh(staff)
    assert staff.agency == agency
    assert done in visible_tasks(staff)


def test_a_user_of_both_agencies_works_for_the_one_existing_today(agency, staff, wards):
    restructuring.apply(Plan(LinkKind.SPLIT, [agency], wards, JULY_1), user=None, memberships={staff.pk: wards[1].pk})
    assert _fresh(staff).agency == wards[1]


def test_default_cycle_is_the_latest_in_which_the_agency_exists(agency, staff, snv, wards, cycle, cycle2025):
    cycle.is_current = True
    cycle.save()
    ward_user = MembershipFactory(agency=wards[0]).user
    assert default_cycle(ward_user) == cycle2025  # the ward does not exist in the current (2021) cycle
    assert default_cycle(staff) == cycle  # the district exists in the current cycle
    assert default_cycle(snv) == cycle


def test_an_agency_formed_after_every_cycle_lands_in_the_newest_not_the_current(agency, wards, cycle):
    cycle.is_current = True
    cycle.save()
    later = CycleFactory(year=2022, reference_date=dt.date(2022, 11, 15))
    ward_user = MembershipFactory(agency=wards[0]).user
    assert default_cycle(ward_user) == later  # no cycle's date falls after 01/07/2025: its moved tasks are in 2022
    assert default_cycle(MembershipFactory(agency=agency).user) == cycle


def test_a_retired_districts_user_lands_in_its_last_cycle_when_a_later_one_is_current(
    agency, staff, wards, cycle, cycle2025
):
    restructuring.apply(Plan(LinkKind.SPLIT, [agency], wards, JULY_1), user=None)
    cycle2025.is_current = True
    cycle2025.save()
    assert default_cycle(_fresh(staff)) == cycle
    assert default_cycle(MembershipFactory(agency=wards[0]).user) == cycle2025


def test_the_task_list_opens_in_the_users_default_cycle(client, agency, staff, wards, cycle, cycle2025):
    restructuring.apply(Plan(LinkKind.SPLIT, [agency], wards, JULY_1), user=None)
    cycle2025.is_current = True
    cycle2025.save()
    old = TaskFactory(cycle=cycle, lead_agency=agency, completed_on=dt.date(2021, 11, 1), progress=100)
    client.force_login(staff)
    page = client.get(reverse("remediation:task-list"))
    assert page.status_code == 200 and page.context["cycle"] == cycle
    assert old.title in page.content.decode()


def test_a_future_split_waits_for_its_date_then_applies_once(settings, agency, staff, wards, cycle2025):
    task = TaskFactory(cycle=cycle2025, lead_agency=agency, deadline=dt.date(2025, 12, 1))
    settings.CLOCK_PIN = "2025-06-01"
    applied = restructuring.apply(Plan(LinkKind.SPLIT, [agency], wards, JULY_1), user=None)
    assert applied.scheduled is not None and applied.tasks_moved == 0
    assert Task.objects.get(pk=task.pk).lead_agency == agency
    assert Agency.objects.get(pk=agency.pk).valid_to is None
    assert restructuring.apply_due() == 0  # not yet its day
    settings.CLOCK_PIN = "2025-07-01"
    assert restructuring.apply_due() == 1
    assert Task.objects.get(pk=task.pk).lead_agency == wards[0]
    assert Agency.objects.get(pk=agency.pk).valid_to == dt.date(2025, 6, 30)
    assert ScheduledRestructuring.objects.get().state == RestructuringState.APPLIED
    notes, rows = Notification.objects.count(), TaskAssignment.objects.count()
    assert notes == 1
    assert restructuring.apply_due() == 0  # a second run applies nothing
    assert (Notification.objects.count(), TaskAssignment.objects.count()) == (notes, rows)


def test_a_scheduled_plan_keeps_snvs_choices_and_confirmed_memberships(settings, agency, staff, wards, cycle2025):
    first = TaskFactory(cycle=cycle2025, lead_agency=agency, deadline=dt.date(2025, 12, 1))
    second = TaskFactory(cycle=cycle2025, lead_agency=agency, deadline=dt.date(2025, 12, 1))
    settings.CLOCK_PIN = "2025-06-01"
    plan = Plan(LinkKind.SPLIT, [agency], wards, JULY_1, choices={second.pk: [wards[1].pk]})
    restructuring.apply(plan, user=None, memberships={staff.pk: wards[1].pk})
    settings.CLOCK_PIN = "2025-07-02"  # a missed day catches up
    assert restructuring.apply_due() == 1
    assert Task.objects.get(pk=first.pk).lead_agency == wards[0]
    assert Task.objects.get(pk=second.pk).lead_agency == wards[1]
    assert _fresh(staff).agency == wards[1]


def test_re_applying_an_applied_merge_changes_nothing(agency, other_agency, staff, cycle2025):
    target = AgencyFactory(code="merged", kind=AgencyKind.WARD, valid_from=JULY_1)
    TaskFactory(cycle=cycle2025, lead_agency=agency, deadline=dt.date(2025, 12, 1))
    plan = Plan(LinkKind.MERGE, [agency, other_agency], [target], JULY_1)
    first = restructuring.apply(plan, user=None)
    counts = (Notification.objects.count(), TaskAssignment.objects.count(), Agency.history.count())
    again = restructuring.apply(Plan(LinkKind.MERGE, [agency, other_agency], [target], JULY_1), user=None)
    assert first.tasks_moved == 1 and again.tasks_moved == 0 and again.notified == 0
    assert (Notification.objects.count(), TaskAssignment.objects.count(), Agency.history.count()) == counts


def test_open_reports_of_merged_agencies_are_both_kept_and_closed_with_a_record(settings, agency, other_agency, cycle):
    target = AgencyFactory(code="merged", name="UBND phường Hợp nhất", kind=AgencyKind.WARD, valid_from=JULY_1)
    one = AgencyReportFactory(cycle=cycle, agency=agency, status=ReportStatus.DRAFT, narrative="A")
    two = AgencyReportFactory(cycle=cycle, agency=other_agency, status=ReportStatus.RETURNED, narrative="B")
    sent = AgencyReportFactory(cycle=CycleFactory(year=2020), agency=agency, status=ReportStatus.SUBMITTED)
    applied = restructuring.apply(Plan(LinkKind.MERGE, [agency, other_agency], [target], JULY_1), user=None)
    assert applied.reports_closed == 2
    for report, status in ((one, ReportStatus.DRAFT), (two, ReportStatus.RETURNED)):
        report.refresh_from_db()
        assert (report.agency_id, report.status, report.closed_on) == (report.agency_id, status, JULY_1)
        assert target.name in report.closed_note and "30/06/2025" in report.closed_note
        assert report.history.first().history_change_reason == "closed: restructuring"
    assert AgencyReport.objects.get(pk=sent.pk).closed_on is None  # a submitted report is past work: untouched


def test_a_closed_report_is_refused_from_its_closing_day_only(settings, agency, staff, other_agency, cycle):
    target = AgencyFactory(code="merged", kind=AgencyKind.WARD, valid_from=JULY_1)
    report = AgencyReportFactory(cycle=cycle, agency=agency, status=ReportStatus.DRAFT, narrative="A")
    restructuring.apply(Plan(LinkKind.MERGE, [agency], [target], JULY_1), user=None)
    settings.CLOCK_PIN = "2025-06-30"  # as the day before: the draft was still open then
    assert services.save_report_draft(report.pk, _fresh(staff), narrative="B").narrative == "B"
    settings.CLOCK_PIN = ""
    with pytest.raises(ValidationError):
        services.save_report_draft(report.pk, _fresh(staff), narrative="C")
    assert AgencyReport.objects.get(pk=report.pk).narrative == "B"


def test_reminders_skip_the_members_of_an_agency_that_no_longer_exists(agency, staff, wards):
    restructuring.apply(Plan(LinkKind.SPLIT, [agency], wards, JULY_1), user=None)
    assert staff.pk in Directory.load(dt.date(2025, 6, 30)).members(agency.pk)
    assert Directory.load(JULY_1).members(agency.pk) == []


def test_a_carried_task_follows_the_successor_link_when_nothing_moved_it(agency, other_agency, cycle, cycle2025):
    old = TaskFactory(cycle=cycle, lead_agency=agency)
    old.coordinating_agencies.add(other_agency)
    target = AgencyFactory(code="merged", kind=AgencyKind.WARD, valid_from=JULY_1)
    agency_services.retire_agency(agency, JULY_1)
    agency_services.link(agency, target, LinkKind.MERGE, JULY_1)
    assert restructuring.carry_latest_open_tasks(cycle2025, dt.date(2025, 12, 31)) == 1
    new = Task.objects.get(carried_from=old)
    assert new.lead_agency == target and list(new.coordinating_agencies.all()) == [other_agency]


def test_the_agencies_page_lists_a_change_waiting_for_its_date(settings, client, snv, agency, wards):
    settings.CLOCK_PIN = "2025-06-01"
    client.force_login(snv)
    data = {"sources": [agency.pk], "successors": [w.pk for w in wards], "effective_on": "01/07/2025"}
    response = client.post(reverse("compilation:agency-restructure", args=["split"]), {**data, "step": "confirm"})
    assert response.status_code == 302
    row = ScheduledRestructuring.objects.get()
    page = client.get(reverse("compilation:agency-manage")).content.decode()
    assert f'data-scheduled="{row.pk}"' in page and 'data-effective-on="2025-07-01"' in page
    assert Agency.objects.get(pk=agency.pk).valid_to is None


def test_a_ward_visiting_the_report_page_of_a_cycle_before_it_existed_creates_nothing(client, wards, cycle):
    ward_user = MembershipFactory(agency=wards[0]).user
    client.force_login(ward_user)
    assert client.get(reverse("remediation:report-edit"), {"cycle": cycle.year}).status_code == 404
    assert not AgencyReport.objects.filter(agency=wards[0]).exists()
