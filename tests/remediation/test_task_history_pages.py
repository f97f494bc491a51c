"""A task worked on for a long time: its page shows the latest updates and changes, the rest are a link away.

The task page is the one agency staff open every day; it used to list every progress update and
every saved change, so its cost (and its length on a phone) grew with the task's age.
"""

import datetime as dt
import re

import pytest
from django.urls import reverse

from remediation import services
from remediation.views.tasks import HISTORY_PAGE_SIZE, SHOWN_ON_TASK_PAGE
from tests.factories import TaskFactory

pytestmark = pytest.mark.django_db

UPDATES = 30  # more than one page of the full list (25)


@pytest.fixture
def worked_task(cycle, agency, staff):
    task = TaskFactory(cycle=cycle, lead_agency=agency, deadline=dt.date(2021, 12, 31))
    for i in range(1, UPDATES + 1):
        task.refresh_from_db()
        services.record_progress(
            task.pk,
            staff,
            percent=i,
            note=f"Ghi chép số {i:02d}",
            reported_on=dt.date(2021, 10, 1),
            expected_version=task.version,
        )
    return task


def notes(html: str) -> list[int]:
    return [int(n) for n in re.findall(r"Ghi chép số (\d\d)", html)]


def progress_changes(html: str) -> list[tuple[int, int]]:
    """The (old, new) progress of each change entry shown, in page order."""
    return [(int(a), int(b)) for a, b in re.findall(r"<del>(\d+)</del> → (\d+)</div>", html)]


def test_the_task_page_shows_the_latest_updates_and_links_to_all(client, staff, worked_task):
    client.force_login(staff)
    html = client.get(reverse("remediation:task-detail", args=[worked_task.pk])).content.decode()
    assert notes(html) == list(range(UPDATES, UPDATES - SHOWN_ON_TASK_PAGE, -1))  # 30 … 21, newest first
    link = re.search(r'<a href="([^"]+)" id="all-updates">([^<]+)</a>', html)
    assert link.group(1) == reverse("remediation:task-updates", args=[worked_task.pk])
    assert "Tất cả 30 lần cập nhật tiến độ" in link.group(2)

    first = client.get(link.group(1))
    assert first.status_code == 200
    page1 = first.content.decode()
    assert notes(page1) == list(range(UPDATES, UPDATES - HISTORY_PAGE_SIZE, -1))  # 30 … 6
    following = re.search(r'<a class="page-link" href="(\?page=2)">', page1).group(1)
    page2 = client.get(link.group(1) + following).content.decode()
    assert notes(page2) == [5, 4, 3, 2, 1]
    assert "30 mục" in page1 and "2 / 2" in page2


def test_the_task_page_shows_the_latest_changes_each_against_the_one_before(client, staff, worked_task):
    client.force_login(staff)
    html = client.get(reverse("remediation:task-detail", args=[worked_task.pk])).content.decode()
    # The oldest change shown (progress 20 → 21) is compared with the record before it, not shown as a creation.
    assert progress_changes(html) == [(i - 1, i) for i in range(UPDATES, UPDATES - SHOWN_ON_TASK_PAGE, -1)]
    assert "tạo nhiệm vụ" not in html
    link = re.search(r'<a href="([^"]+)" id="all-history">', html).group(1)
    assert link == reverse("remediation:task-history", args=[worked_task.pk])

    page1 = client.get(link).content.decode()
    # 31 records: the creation and 30 updates; page 1 holds the 25 newest, its last compared across the page break.
    assert progress_changes(page1) == [(i - 1, i) for i in range(UPDATES, UPDATES - HISTORY_PAGE_SIZE, -1)]
    assert "tạo nhiệm vụ" not in page1
    page2 = client.get(link + "?page=2").content.decode()
    assert progress_changes(page2) == [(i - 1, i) for i in range(5, 0, -1)]
    assert page2.count("tạo nhiệm vụ") == 1


def test_a_young_task_shows_everything_and_no_links(client, staff, cycle, agency):
    task = TaskFactory(cycle=cycle, lead_agency=agency)
    client.force_login(staff)
    html = client.get(reverse("remediation:task-detail", args=[task.pk])).content.decode()
    assert 'id="all-updates"' not in html and 'id="all-history"' not in html
    assert "tạo nhiệm vụ" in html


@pytest.mark.parametrize("page", ["abc", "999", "-1", "1' OR '1'='1"])
def test_a_bad_page_number_shows_a_page_not_an_error(client, staff, worked_task, page):
    client.force_login(staff)
    for name in ("remediation:task-updates", "remediation:task-history"):
        response = client.get(reverse(name, args=[worked_task.pk]), {"page": page})
        assert response.status_code == 200, (name, page)


def test_another_agency_sees_neither_list(client, other_user, worked_task):
    client.force_login(other_user)
    for name in ("remediation:task-updates", "remediation:task-history"):
        assert client.get(reverse(name, args=[worked_task.pk])).status_code == 404


def test_the_task_page_costs_the_same_whatever_the_number_of_updates(
    client, staff, cycle, agency, worked_task, django_assert_max_num_queries
):
    young = TaskFactory(cycle=cycle, lead_agency=agency, deadline=dt.date(2021, 12, 31))
    services.record_progress(young.pk, staff, percent=5, note="Một lần", reported_on=dt.date(2021, 10, 1))
    client.force_login(staff)
    client.get(reverse("remediation:task-detail", args=[young.pk]))
    with django_assert_max_num_queries(60) as few:
        client.get(reverse("remediation:task-detail", args=[young.pk]))
    # One COUNT more for the link "All 30 progress updates"; nothing grows with the 30 updates.
    with django_assert_max_num_queries(len(few.captured_queries) + 1):
        client.get(reverse("remediation:task-detail", args=[worked_task.pk]))
