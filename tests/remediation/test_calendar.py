"""The agency's private ICS feed: it parses, holds the right events, and its token can be replaced."""

import datetime as dt

import pytest
from django.urls import reverse
from icalendar import Calendar

from agencies.models import Agency
from remediation.models import Task
from tests.factories import AgencyFactory, CycleFactory, TaskFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def tasks(agency, other_agency):
    cycle = CycleFactory(is_current=True)
    lead = TaskFactory(
        cycle=cycle, lead_agency=agency, deadline=dt.date(2021, 12, 20), title="Chủ trì; rà soát, cập nhật"
    )
    coordinated = TaskFactory(cycle=cycle, lead_agency=other_agency, deadline=dt.date(2021, 11, 30), title="Phối hợp")
    coordinated.coordinating_agencies.add(agency)
    TaskFactory(cycle=cycle, lead_agency=agency, deadline=dt.date(2021, 11, 1), completed_on=dt.date(2021, 10, 30))
    TaskFactory(cycle=cycle, lead_agency=AgencyFactory(code="stp"), deadline=dt.date(2021, 12, 1), title="Of another")
    return lead, coordinated


def feed(client, agency) -> Calendar:
    response = client.get(reverse("remediation:calendar-feed", args=[agency.calendar_token]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    return Calendar.from_ical(response.content)


def events(calendar: Calendar) -> dict[str, tuple[dt.date, str]]:
    return {str(e["UID"]): (e.decoded("DTSTART"), str(e["SUMMARY"])) for e in calendar.walk("VEVENT")}


def test_feed_holds_the_agency_task_deadlines_lead_and_coordinating(client, agency, tasks):
    lead, coordinated = tasks
    found = events(feed(client, agency))
    task_events = {uid: v for uid, v in found.items() if uid.startswith("task-")}
    assert set(task_events) == {f"task-{lead.pk}@partracker", f"task-{coordinated.pk}@partracker"}
    date, summary = task_events[f"task-{lead.pk}@partracker"]
    assert date == dt.date(2021, 12, 20)
    assert "Chủ trì; rà soát, cập nhật" in summary  # escaping round-trips
    assert task_events[f"task-{coordinated.pk}@partracker"][0] == dt.date(2021, 11, 30)


def test_feed_holds_the_cycle_deadlines(client, agency, tasks):
    found = events(feed(client, agency))
    dates = {uid.split("@")[0]: date for uid, (date, _s) in found.items() if uid.startswith("cycle-")}
    cycle_id = tasks[0].cycle_id
    assert dates[f"cycle-{cycle_id}-report"] == dt.date(2021, 11, 15)
    assert dates[f"cycle-{cycle_id}-completion"] == dt.date(2021, 12, 31)
    assert dates[f"cycle-{cycle_id}-compilation"] == dt.date(2022, 1, 28)
    assert "Hạn báo cáo" in found[f"cycle-{cycle_id}-report@partracker"][1]  # Vietnamese


def test_feed_events_are_all_day_and_lines_folded(client, agency, tasks):
    response = client.get(reverse("remediation:calendar-feed", args=[agency.calendar_token]))
    lines = response.content.split(b"\r\n")
    assert all(len(line) <= 75 for line in lines)
    for event in Calendar.from_ical(response.content).walk("VEVENT"):
        start, end = event.decoded("DTSTART"), event.decoded("DTEND")
        assert not isinstance(start, dt.datetime) and end - start == dt.timedelta(days=1)


def test_wrong_token_answers_404(client, agency, tasks):
    assert client.get(reverse("remediation:calendar-feed", args=["not-the-token"])).status_code == 404


def test_inactive_agency_feed_answers_404(client, agency, tasks):
    Agency.objects.filter(pk=agency.pk).update(valid_to=dt.date(2020, 12, 31))
    assert client.get(reverse("remediation:calendar-feed", args=[agency.calendar_token])).status_code == 404


def test_staff_regenerates_the_token_and_the_old_address_stops(client, agency, staff, tasks):
    old = agency.calendar_token
    client.force_login(staff)
    response = client.post(reverse("remediation:calendar-regenerate"))
    assert response.status_code == 302
    agency.refresh_from_db()
    assert agency.calendar_token != old
    assert client.get(reverse("remediation:calendar-feed", args=[old])).status_code == 404
    assert client.get(reverse("remediation:calendar-feed", args=[agency.calendar_token])).status_code == 200


def test_leader_may_regenerate_too(client, agency, leader):
    old = agency.calendar_token
    client.force_login(leader)
    client.post(reverse("remediation:calendar-regenerate"))
    agency.refresh_from_db()
    assert agency.calendar_token != old


def test_another_agencys_user_changes_only_their_own_token(client, agency, other_user):
    old = agency.calendar_token
    client.force_login(other_user)
    client.post(reverse("remediation:calendar-regenerate"))
    agency.refresh_from_db()
    assert agency.calendar_token == old


def test_user_without_agency_cannot_regenerate(client, snv):
    client.force_login(snv)
    assert client.post(reverse("remediation:calendar-regenerate")).status_code == 403


def test_regenerate_needs_post_and_login(client, staff):
    assert client.post(reverse("remediation:calendar-regenerate")).status_code == 302  # to the login page
    client.force_login(staff)
    assert client.get(reverse("remediation:calendar-regenerate")).status_code == 405


def test_notifications_page_shows_the_feed_address(client, agency, staff):
    client.force_login(staff)
    response = client.get(reverse("remediation:notification-list"))
    assert f"/calendar/{agency.calendar_token}.ics" in response.content.decode()


def test_task_events_carry_an_alarm_at_each_reminder_step_of_the_cycle(client, agency, tasks):
    lead, _coordinated = tasks
    calendar = feed(client, agency)
    event = next(e for e in calendar.walk("VEVENT") if str(e["UID"]) == f"task-{lead.pk}@partracker")
    triggers = sorted(str(a["TRIGGER"].to_ical().decode()) for a in event.walk("VALARM"))
    # 7,3,1,0 days before, at 08:00: 6 days 16 h, 2 days 16 h, 16 h before midnight, 8 h after.
    assert triggers == sorted(["-P6DT16H", "-P2DT16H", "-PT16H", "PT8H"])
    descriptions = [str(a["DESCRIPTION"]) for a in event.walk("VALARM")]
    assert len(descriptions) == 4 and all(str(event["SUMMARY"]) in d for d in descriptions)


def test_an_extended_task_shows_the_approved_deadline_and_the_original(client, agency, tasks):
    lead, _coordinated = tasks
    Task.objects.filter(pk=lead.pk).update(original_deadline=dt.date(2021, 11, 30))
    calendar = feed(client, agency)
    event = next(e for e in calendar.walk("VEVENT") if str(e["UID"]) == f"task-{lead.pk}@partracker")
    assert event.decoded("DTSTART") == dt.date(2021, 12, 20)
    assert "30/11/2021" in str(event["DESCRIPTION"])
