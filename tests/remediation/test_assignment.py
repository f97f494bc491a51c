"""SNV's task management: services (history, versions) and pages (SNV only, flat query counts)."""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import translation

from agencies.models import AgencyKind
from agencies.versioning import StaleEdit
from compilation import figures
from remediation import assignment
from remediation.models import Task
from tests.compilation.test_dashboard import bulk_tasks, small_index
from tests.factories import AgencyFactory, CriterionFactory, CycleFactory, TaskFactory

pytestmark = pytest.mark.django_db
DEADLINE = dt.date(2021, 12, 31)


@pytest.fixture
def districts(db):
    return [AgencyFactory(code=f"h{i}", name=f"UBND huyện {i}", kind=AgencyKind.DISTRICT) for i in range(3)]


@pytest.fixture
def department(db):
    return AgencyFactory(code="stp", name="Sở Tư pháp", kind=AgencyKind.DEPARTMENT)


# --------------------------------------------------------------------------- services


def test_one_recommendation_becomes_one_task_per_lead_agency(snv, cycle, districts, department):
    sub = CriterionFactory()
    tasks = assignment.create_tasks(
        cycle,
        lead_agencies=districts,
        title="Rà soát thủ tục hành chính",
        deadline=DEADLINE,
        user=snv,
        sub_criteria=[sub],
        coordinating_agencies=[department, districts[0]],
    )
    assert [t.lead_agency for t in tasks] == districts
    assert all(list(t.sub_criteria.all()) == [sub] for t in tasks)
    assert list(tasks[0].coordinating_agencies.all()) == [department]  # never its own coordinator
    assert sorted(tasks[1].coordinating_agencies.all(), key=lambda a: a.pk) == [districts[0], department]


def test_assignment_is_recorded_with_author_and_reason(snv, cycle, districts):
    with translation.override("en"):
        (task,) = assignment.create_tasks(cycle, lead_agencies=districts[:1], title="T", deadline=DEADLINE, user=snv)
    first = task.history.earliest("history_date")
    assert first.history_type == "+" and first.history_user == snv
    assert first.history_change_reason == "Assigned by SNV"
    assert task.created_by == snv


def test_no_lead_agency_is_refused(snv, cycle):
    with pytest.raises(assignment.AssignmentError):
        assignment.create_tasks(cycle, lead_agencies=[], title="T", deadline=DEADLINE, user=snv)


def test_edit_raises_the_version_and_keeps_history(snv, cycle, districts):
    task = TaskFactory(cycle=cycle, lead_agency=districts[0])
    edited = assignment.edit_task(
        task, user=snv, reason="Sửa tiêu đề", expected_version=1, title="Tiêu đề mới", lead_agency=districts[1]
    )
    assert (edited.version, edited.title, edited.lead_agency) == (2, "Tiêu đề mới", districts[1])
    latest = edited.history.latest("history_date")
    assert latest.history_user == snv and latest.history_change_reason == "Sửa tiêu đề"
    assert latest.history_type == "~"


def test_edit_with_a_stale_version_is_refused(snv, cycle, districts):
    task = TaskFactory(cycle=cycle, lead_agency=districts[0])
    assignment.edit_task(task, user=snv, expected_version=1, title="A")
    with pytest.raises(StaleEdit):
        assignment.edit_task(task, user=snv, expected_version=1, title="B")
    task.refresh_from_db()
    assert task.title == "A"


def test_bulk_change_of_deadline_bumps_every_version(snv, cycle, districts):
    tasks = [TaskFactory(cycle=cycle, lead_agency=a) for a in districts]
    changed = assignment.bulk_change(
        [t.pk for t in tasks[:2]], user=snv, reason="Gia hạn theo chỉ đạo", deadline=dt.date(2022, 1, 31)
    )
    assert changed == 2
    rows = {t.pk: t for t in Task.objects.all()}
    assert rows[tasks[0].pk].deadline == dt.date(2022, 1, 31) and rows[tasks[0].pk].version == 2
    assert rows[tasks[2].pk].deadline == DEADLINE and rows[tasks[2].pk].version == 1
    assert rows[tasks[1].pk].history.latest("history_date").history_change_reason == "Gia hạn theo chỉ đạo"


def test_bulk_change_of_lead_removes_the_new_lead_from_coordinators(snv, cycle, districts, department):
    task = TaskFactory(cycle=cycle, lead_agency=districts[0])
    task.coordinating_agencies.add(department)
    assignment.bulk_change([task.pk], user=snv, reason="Chuyển chủ trì", lead_agency=department)
    task.refresh_from_db()
    assert task.lead_agency == department
    assert not task.coordinating_agencies.exists()


def test_bulk_change_skips_tasks_already_so(snv, cycle, districts):
    task = TaskFactory(cycle=cycle, lead_agency=districts[0])
    assert assignment.bulk_change([task.pk], user=snv, reason="x", deadline=DEADLINE) == 0
    task.refresh_from_db()
    assert task.version == 1


def test_close_and_reopen_with_a_reason(snv, cycle, districts):
    task = TaskFactory(cycle=cycle, lead_agency=districts[0])
    closed = assignment.close_task(task, user=snv, reason="Trùng nhiệm vụ khác")
    assert closed.closed_at is not None and closed.close_reason == "Trùng nhiệm vụ khác" and closed.version == 2
    assert figures.cycle_task_counts(cycle, cycle.as_of())["total"] == 0
    reopened = assignment.reopen_task(closed, user=snv, reason="Vẫn cần thực hiện")
    assert reopened.closed_at is None and reopened.version == 3
    reasons = list(task.history.order_by("history_date").values_list("history_change_reason", flat=True))
    assert reasons[-2:] == ["Trùng nhiệm vụ khác", "Vẫn cần thực hiện"]


@pytest.mark.parametrize("reason", ["", "   "])
def test_closing_needs_a_reason(snv, cycle, reason):
    with pytest.raises(assignment.AssignmentError):
        assignment.close_task(TaskFactory(cycle=cycle), user=snv, reason=reason)


def test_an_open_task_cannot_be_reopened(snv, cycle):
    with pytest.raises(assignment.AssignmentError):
        assignment.reopen_task(TaskFactory(cycle=cycle), user=snv, reason="x")


# --------------------------------------------------------------------------- pages


@pytest.fixture
def world(db):
    cycle = CycleFactory()
    subs = small_index(cycle)
    agencies = [AgencyFactory(code=f"d{i}", name=f"UBND huyện D{i}", kind=AgencyKind.DISTRICT) for i in range(4)]
    return cycle, subs, agencies


def test_snv_assigns_one_recommendation_to_two_districts(client, snv, world):
    cycle, subs, agencies = world
    client.force_login(snv)
    url = reverse("remediation:manage-task-create")
    assert client.get(url, {"criterion": subs[1].pk}).context["form"].initial["sub_criteria"] == [subs[1].pk]
    response = client.post(
        url,
        {
            "cycle": "2021",
            "title": "Rà soát quy trình nội bộ",
            "source_document": "Báo cáo 117/BC-SNV",
            "deadline": "20/12/2021",
            "sub_criteria": [subs[1].pk],
            "lead_agencies": [agencies[0].pk, agencies[1].pk],
            "next": "/scores/",
        },
    )
    assert response.status_code == 302 and response["Location"] == "/scores/"
    tasks = Task.objects.filter(title="Rà soát quy trình nội bộ")
    assert sorted(t.lead_agency_id for t in tasks) == [agencies[0].pk, agencies[1].pk]
    assert all(t.deadline == dt.date(2021, 12, 20) for t in tasks)


def test_lead_group_assigns_every_district(client, snv, world):
    cycle, subs, agencies = world
    client.force_login(snv)
    client.post(
        reverse("remediation:manage-task-create"),
        {
            "cycle": "2021",
            "title": "Cho mọi huyện",
            "source_document": "BC",
            "deadline": "20/12/2021",
            "lead_groups": ["district"],
        },
    )
    assert Task.objects.filter(title="Cho mọi huyện").count() == 4


def test_an_offsite_next_is_ignored(client, snv, world):
    cycle, subs, agencies = world
    client.force_login(snv)
    response = client.post(
        reverse("remediation:manage-task-create"),
        {
            "cycle": "2021",
            "title": "T",
            "source_document": "BC",
            "deadline": "20/12/2021",
            "lead_agencies": [agencies[0].pk],
            "next": "https://evil.example/",
        },
    )
    assert response["Location"] == reverse("remediation:manage-task-list")


def test_edit_page_refuses_a_stale_form(client, snv, world):
    cycle, subs, agencies = world
    task = TaskFactory(cycle=cycle, lead_agency=agencies[0])
    assignment.edit_task(task, user=snv, title="Đã sửa")  # version 2 now
    client.force_login(snv)
    response = client.post(
        reverse("remediation:manage-task-edit", args=[task.pk]),
        {
            "title": "Của tôi",
            "source_document": "BC",
            "deadline": "31/12/2021",
            "lead_agency": agencies[0].pk,
            "version": "1",
        },
    )
    assert response.status_code == 200 and response.context["form"].non_field_errors()
    task.refresh_from_db()
    assert task.title == "Đã sửa"


def test_bulk_page_changes_the_ticked_tasks(client, snv, world):
    cycle, subs, agencies = world
    tasks = [TaskFactory(cycle=cycle, lead_agency=agencies[0]) for _ in range(3)]
    client.force_login(snv)
    response = client.post(
        reverse("remediation:manage-task-bulk"),
        {
            "cycle": "2021",
            "tasks": [tasks[0].pk, tasks[1].pk],
            "action": "lead",
            "lead_agency": agencies[2].pk,
            "reason": "Giao lại",
        },
    )
    assert response.status_code == 302
    assert Task.objects.filter(lead_agency=agencies[2]).count() == 2


def test_close_page_closes_with_the_reason(client, snv, world):
    cycle, subs, agencies = world
    task = TaskFactory(cycle=cycle, lead_agency=agencies[0])
    client.force_login(snv)
    client.post(reverse("remediation:manage-task-close", args=[task.pk]), {"reason": "Không còn phù hợp"})
    task.refresh_from_db()
    assert task.closed_at is not None and task.close_reason == "Không còn phù hợp"
    client.post(reverse("remediation:manage-task-reopen", args=[task.pk]), {"reason": "Mở lại"})
    task.refresh_from_db()
    assert task.closed_at is None


def test_list_filters_in_the_queryset(client, snv, world):
    cycle, subs, agencies = world
    bulk_tasks(cycle, 40, subs, agencies)
    client.force_login(snv)
    response = client.get(reverse("remediation:manage-task-list"), {"status": "overdue", "lead": agencies[1].pk})
    expected = Task.objects.overdue(cycle.as_of()).filter(lead_agency=agencies[1]).count()
    assert response.context["page"].paginator.count == expected > 0


@pytest.mark.parametrize("username", ["vp", "quynhon"])
@pytest.mark.parametrize("url_name", ["remediation:manage-task-list", "remediation:manage-task-create"])
def test_only_snv_reaches_task_management(client, chairman_office, staff, world, username, url_name):
    from agencies.models import User

    client.force_login(User.objects.get(username=username))
    assert client.get(reverse(url_name)).status_code == 404


def test_chairman_office_cannot_post_a_bulk_change(client, chairman_office, world):
    cycle, subs, agencies = world
    task = TaskFactory(cycle=cycle, lead_agency=agencies[0])
    client.force_login(chairman_office)
    response = client.post(
        reverse("remediation:manage-task-bulk"),
        {"tasks": [task.pk], "action": "deadline", "deadline": "01/01/2022", "reason": "x"},
    )
    assert response.status_code == 404
    task.refresh_from_db()
    assert task.deadline == DEADLINE


@pytest.mark.parametrize("n", [10, 1000])
def test_management_list_query_count_does_not_grow(client, snv, world, n, django_assert_max_num_queries):
    cycle, subs, agencies = world
    bulk_tasks(cycle, n, subs, agencies)
    client.force_login(snv)
    with django_assert_max_num_queries(14):
        assert client.get(reverse("remediation:manage-task-list"), {"status": "open", "area": "1"}).status_code == 200


def test_management_list_filters_by_area_chosen_by_name(client, demo):
    """The area filter is a list of the cycle's PAR areas by code and name (it was an empty text box)."""
    from agencies.models import User

    client.force_login(User.objects.get(username="snv"))
    response = client.get(reverse("remediation:manage-task-list"), {"area": "2"})
    body = response.content.decode()
    options = dict(re.findall(r'<option value="(\d)"[^>]*>(\d\. [^<]+)</option>', body))
    assert sorted(options) == [str(n) for n in range(1, 9)]
    assert options["2"].startswith("2. ") and len(options["2"]) > 10
    assert '<option value="2" selected>' in body
    shown = response.context["page"].object_list
    assert shown and all(any(c.code.startswith("2.") for c in t.sub_criteria.all()) for t in shown)
