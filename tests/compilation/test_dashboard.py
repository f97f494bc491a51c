"""The SNV dashboard: who sees it, what every figure links to, and flat query counts."""

import datetime as dt
import re
from decimal import Decimal as D

import pytest
from django.urls import reverse

from agencies.models import AgencyKind
from parindex.models import Cycle, FrameworkKind, Level
from remediation.models import Task
from tests.factories import AgencyFactory, CriterionFactory, CycleFactory, FrameworkFactory, ScoreFactory

pytestmark = pytest.mark.django_db
DASHBOARD = reverse("compilation:dashboard")


def small_index(cycle: Cycle, n_subs: int = 6):
    """One area, one criterion, ``n_subs`` one-point sub-criteria half of them below max; returns the leaves."""
    framework = FrameworkFactory(kind=FrameworkKind.PAR)
    cycle.frameworks.add(framework)
    focal = AgencyFactory(code="snv-focal", kind=AgencyKind.DEPARTMENT)
    area = CriterionFactory(framework=framework, level=Level.AREA, code="1", max_points=n_subs, focal_agency=focal)
    crit = CriterionFactory(framework=framework, level=Level.CRITERION, code="1.1", parent=area, max_points=n_subs)
    subs = [CriterionFactory(framework=framework, parent=crit, code=f"1.1.{i + 1}", order=i + 2) for i in range(n_subs)]
    for i, sub in enumerate(subs):
        ScoreFactory(cycle=cycle, criterion=sub, self_score=D("0.5") if i % 2 else D("1"))
    return subs


def bulk_tasks(cycle: Cycle, n: int, subs, agencies) -> None:
    """``n`` tasks in every status, spread over agencies and sub-criteria, written in bulk (no history)."""
    base = dt.date(2021, 11, 15)
    rows = []
    for i in range(n):
        deadline = base + dt.timedelta(days=(i % 60) - 30)
        done = deadline - dt.timedelta(days=i % 3) if i % 4 == 0 else None
        rows.append(
            Task(
                cycle=cycle,
                title=f"Nhiệm vụ {i}",
                lead_agency=agencies[i % len(agencies)],
                deadline=deadline,
                completed_on=done if done and done <= base else None,
                progress=(i * 7) % 100,
            )
        )
    tasks = Task.objects.bulk_create(rows, batch_size=500)
    through = Task.sub_criteria.through
    through.objects.bulk_create(
        [through(task_id=t.pk, criterion_id=subs[i % len(subs)].pk) for i, t in enumerate(tasks)]
    )
    coord = Task.coordinating_agencies.through
    coord.objects.bulk_create(
        [coord(task_id=t.pk, agency_id=agencies[(i + 1) % len(agencies)].pk) for i, t in enumerate(tasks) if i % 3 == 0]
    )


@pytest.fixture
def world(db):
    cycle = CycleFactory()
    subs = small_index(cycle)
    agencies = [AgencyFactory(code=f"a{i}", kind=AgencyKind.DISTRICT) for i in range(5)]
    return cycle, subs, agencies


def hrefs(response) -> list[str]:
    return re.findall(r'href="([^"]+)"', response.content.decode())


def test_snv_sees_the_dashboard_with_edit_controls(client, snv, world):
    cycle, subs, agencies = world
    bulk_tasks(cycle, 10, subs, agencies)
    client.force_login(snv)
    response = client.get(DASHBOARD)
    assert response.status_code == 200
    assert reverse("remediation:manage-task-create") in hrefs(response)


def test_overdue_figure_links_to_the_overdue_task_list(client, snv, world):
    cycle, subs, agencies = world
    bulk_tasks(cycle, 10, subs, agencies)
    client.force_login(snv)
    body = client.get(DASHBOARD).content.decode()
    card = re.search(r'id="fig-overdue">\s*<a class="[^"]*" href="([^"]+)">\s*<div class="figure">(\d+)<', body)
    assert card, "the overdue figure is a link"
    assert card.group(1) == "/tasks/?status=overdue"
    assert int(card.group(2)) == Task.objects.overdue(cycle.as_of()).count()


@pytest.mark.parametrize("status", ["done_on_time", "done_late", "in_progress", "not_yet_due", "due_soon", "overdue"])
def test_every_task_figure_links_to_its_status(client, snv, world, status):
    client.force_login(snv)
    assert f"/tasks/?status={status}" in hrefs(client.get(DASHBOARD))


def test_report_figures_link_to_the_agencies_behind_them(client, snv, world):
    cycle, *_ = world
    client.force_login(snv)
    links = hrefs(client.get(DASHBOARD))
    missing = f"{reverse('compilation:agencies')}?report=missing&amp;cycle=2021"
    assert missing in links
    page = client.get(reverse("compilation:agencies"), {"report": "missing", "cycle": "2021"})
    assert page.context["page"].paginator.count == 6  # 5 districts and the focal department, none reported
    assert f"{reverse('remediation:report-inbox')}?state=not_started" in links


def test_below_max_figure_links_to_the_filtered_score_tree(client, snv, world):
    client.force_login(snv)
    response = client.get(DASHBOARD)
    assert f"{reverse('compilation:score-tree')}?below=on&amp;cycle=2021" in hrefs(response)
    assert response.context["h"].below_max == 3


def test_agency_rows_link_to_their_tasks(client, snv, world):
    cycle, subs, agencies = world
    bulk_tasks(cycle, 10, subs, agencies)
    client.force_login(snv)
    links = hrefs(client.get(DASHBOARD))
    assert f"/tasks/?lead={agencies[0].pk}" in links


def test_area_rows_link_to_open_tasks_of_the_area(client, snv, world):
    client.force_login(snv)
    assert "/tasks/?status=open&amp;area=1" in hrefs(client.get(DASHBOARD))


def test_chairman_office_reads_the_dashboard_without_edit_controls(client, chairman_office, world):
    cycle, subs, agencies = world
    bulk_tasks(cycle, 10, subs, agencies)
    client.force_login(chairman_office)
    response = client.get(DASHBOARD)
    body = response.content.decode()
    assert response.status_code == 200
    assert "/manage/" not in body
    assert 'method="post"' not in body.split("<main")[1].split("</main>")[0]


@pytest.mark.parametrize("url_name", ["compilation:dashboard", "compilation:agencies", "compilation:cycle-list"])
def test_agency_user_cannot_reach_the_province_pages(client, staff, world, url_name):
    client.force_login(staff)
    assert client.get(reverse(url_name)).status_code == 404


def test_anonymous_user_is_sent_to_login(client, world):
    response = client.get(DASHBOARD)
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_charts_are_inline_svg(client, snv, world):
    cycle, subs, agencies = world
    bulk_tasks(cycle, 10, subs, agencies)
    client.force_login(snv)
    body = client.get(DASHBOARD).content.decode()
    assert body.count("<svg") >= 3
    # Every script and stylesheet is served by us: no external origin (a CSRF token may contain "cdn").
    sources = re.findall(r'(?:src|href)="([^"]+)"', body)
    assert sources and not [u for u in sources if u.startswith(("http:", "https:", "//"))]


@pytest.mark.parametrize("n", [10, 1000])
def test_dashboard_query_count_does_not_grow_with_tasks(client, snv, world, n, django_assert_max_num_queries):
    cycle, subs, agencies = world
    bulk_tasks(cycle, n, subs, agencies)
    client.force_login(snv)
    with django_assert_max_num_queries(22):
        assert client.get(DASHBOARD).status_code == 200


@pytest.mark.parametrize("n", [10, 1000])
def test_agency_ranking_query_count_does_not_grow_with_tasks(client, snv, world, n, django_assert_max_num_queries):
    cycle, subs, agencies = world
    bulk_tasks(cycle, n, subs, agencies)
    client.force_login(snv)
    with django_assert_max_num_queries(12):
        assert client.get(reverse("compilation:agencies")).status_code == 200


def test_demo_dashboard_shows_47_below_max_and_5_without_task(client, demo):
    from agencies.models import User

    client.force_login(User.objects.get(username="snv"))
    response = client.get(DASHBOARD)
    assert response.context["h"].below_max == 47
    assert response.context["data"].no_task == 5


def test_an_earlier_cycle_links_to_its_own_tasks(client, snv, world):
    cycle, *_ = world
    CycleFactory(year=2022, is_current=True)
    client.force_login(snv)
    links = hrefs(client.get(DASHBOARD, {"cycle": "2021"}))
    assert "/tasks/?status=overdue&amp;cycle=2021" in links
