"""Every URL of the agency pages, as each role and as another agency's user."""

import re

import pytest
from django.urls import reverse

from agencies.models import User
from remediation import services
from remediation.models import AgencyReport, Evidence, Task
from tests.factories import TaskFactory

from . import files

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(demo):
    """The demo plus one evidence file on a Quy Nhơn task and a Quy Nhơn report."""
    task = (
        Task.objects.filter(lead_agency__code="quynhon")
        .exclude(coordinating_agencies__code__in=["annhon", "stp"])
        .exclude(sub_criteria__code__startswith="2.")  # stp is the focal agency of area 2
        .order_by("id")
        .first()
    )
    quynhon = User.objects.get(username="quynhon")
    from remediation import services

    services.record_progress(
        task.pk,
        quynhon,
        percent=40,
        note="x",
        reported_on=task.cycle.as_of(),
        files=[files.pdf()],
        cause="Thiếu nhân sự",
    )
    task.refresh_from_db()
    report = AgencyReport.objects.get(agency__code="quynhon")
    other_task = (
        Task.objects.exclude(lead_agency__code="quynhon").exclude(coordinating_agencies__code="quynhon").first()
    )
    other_report = AgencyReport.objects.exclude(agency__code="quynhon").first()
    return {
        "task": task,
        "evidence": Evidence.objects.get(task=task),
        "report": report,
        "other_task": other_task,
        "other_report": other_report,
    }


ROLES = ["anonymous", "quynhon", "quynhon.lead", "annhon", "snv", "vp", "stp"]

# (url name, args key, {role: expected status}); "own" objects belong to Quy Nhơn.
MATRIX = [
    (
        "remediation:task-list",
        None,
        {"anonymous": 302, "quynhon": 200, "quynhon.lead": 200, "annhon": 200, "snv": 200, "vp": 200, "stp": 200},
    ),
    (
        "remediation:task-detail",
        "task",
        {"anonymous": 302, "quynhon": 200, "quynhon.lead": 200, "annhon": 404, "snv": 200, "vp": 200, "stp": 404},
    ),
    (
        "remediation:task-detail",
        "other_task",
        {"anonymous": 302, "quynhon": 404, "quynhon.lead": 404, "snv": 200, "vp": 200},
    ),
    (
        "remediation:evidence-download",
        "evidence",
        {"anonymous": 302, "quynhon": 200, "quynhon.lead": 200, "annhon": 404, "snv": 200, "vp": 200, "stp": 404},
    ),
    # snv also works at Sở Nội vụ, which reports like every department: its own report page answers.
    (
        "remediation:report-edit",
        None,
        {"anonymous": 302, "quynhon": 200, "quynhon.lead": 200, "annhon": 200, "snv": 200, "vp": 404, "stp": 200},
    ),
    (
        "remediation:report-inbox",
        None,
        {"anonymous": 302, "quynhon": 404, "quynhon.lead": 404, "annhon": 404, "snv": 200, "vp": 200, "stp": 404},
    ),
    (
        "remediation:report-detail",
        "report",
        {"anonymous": 302, "quynhon": 200, "quynhon.lead": 200, "annhon": 404, "snv": 200, "vp": 200, "stp": 404},
    ),
    (
        "remediation:report-detail",
        "other_report",
        {"anonymous": 302, "quynhon": 404, "quynhon.lead": 404, "snv": 200, "vp": 200},
    ),
]


def test_every_page_answers_each_role_as_expected(client, world):
    """One demo load for the whole matrix: every URL × every role, own and other agency's objects."""
    failures = []
    for name, key, expected in MATRIX:
        url = reverse(name, args=[world[key].pk] if key else [])
        for role, status in expected.items():
            client.logout()
            if role != "anonymous":
                client.force_login(User.objects.get(username=role))
            got = client.get(url).status_code
            if got != status:
                failures.append((url, role, status, got))
    assert failures == []


POSTS = [
    ("remediation:task-progress", {"percent": 10, "note": "x", "reported_on": "10/11/2021", "cause": "c"}),
    ("remediation:task-complete", {"completed_on": "10/11/2021", "note": "x"}),
    ("remediation:task-cause", {"cause": "c"}),
]


def test_outsiders_cannot_change_a_task(client, world):
    task = world["task"]
    for role in ["annhon", "vp", "snv"]:
        client.force_login(User.objects.get(username=role))
        for name, data in POSTS:
            response = client.post(reverse(name, args=[task.pk]), {"version": task.version, **data})
            assert response.status_code == 404, (role, name)
    fresh = Task.objects.get(pk=task.pk)
    assert (fresh.version, fresh.progress, fresh.completed_on) == (task.version, task.progress, task.completed_on)


def test_mutations_need_post(client, world):
    client.force_login(User.objects.get(username="quynhon"))
    assert client.get(reverse("remediation:task-progress", args=[world["task"].pk])).status_code == 405


def test_evidence_download_is_the_stored_file(client, world):
    client.force_login(User.objects.get(username="quynhon"))
    response = client.get(reverse("remediation:evidence-download", args=[world["evidence"].pk]))
    assert b"".join(response.streaming_content) == files.PDF
    assert "attachment" in response["Content-Disposition"]


def test_agency_list_holds_only_its_tasks(client, world):
    client.force_login(User.objects.get(username="quynhon"))
    body = client.get(reverse("remediation:task-list")).content.decode()
    listed = {int(pk) for pk in re.findall(r'href="/tasks/(\d+)/"', body)}
    # The list shows the current cycle (2021); the demo's 2022 cycle holds the tasks carried over.
    own = set(
        Task.objects.for_agency(world["task"].lead_agency)
        .filter(cycle=world["task"].cycle)
        .values_list("id", flat=True)
    )
    assert listed and listed == own  # the demo's Quy Nhơn has fewer tasks than one page
    assert world["other_task"].pk not in listed


def test_task_list_query_count_is_flat(client, staff, cycle, agency, django_assert_max_num_queries):
    # 13: the area filter lists the cycle's areas by name (one query, issue 16); flat in the number of tasks.
    client.force_login(staff)
    TaskFactory.create_batch(10, cycle=cycle, lead_agency=agency)
    with django_assert_max_num_queries(13):
        assert client.get(reverse("remediation:task-list")).status_code == 200
    TaskFactory.create_batch(490, cycle=cycle, lead_agency=agency)
    with django_assert_max_num_queries(13):
        assert client.get(reverse("remediation:task-list") + "?status=open&sort=-progress").status_code == 200


def test_task_page_query_count_does_not_grow_with_its_history(
    client, staff, cycle, agency, django_assert_max_num_queries
):
    """History diffs read the many-to-many rows of all the task's records at once (two queries), not two
    per record and field: before, a task with 10 saved versions cost 40 queries more than a new one."""
    from tests.factories import AgencyFactory

    client.force_login(staff)
    task = TaskFactory(cycle=cycle, lead_agency=agency)
    url = reverse("remediation:task-detail", args=[task.pk])

    def save_versions(n: int) -> None:
        for _ in range(n):
            task.coordinating_agencies.add(AgencyFactory())
            task.title += "."
            task.save()

    save_versions(2)
    with django_assert_max_num_queries(40) as few:
        assert client.get(url).status_code == 200
    save_versions(20)
    with django_assert_max_num_queries(len(few.captured_queries)) as many:
        page = client.get(url)
    # Each agency added and each save writes a history record: 1 + 2 × 22.
    assert page.status_code == 200 and task.history.count() == 45
    # The history shows what changed, co-ordinating agencies included.
    assert AgencyFactory._meta.model.objects.order_by("id").last().name in page.content.decode()
    assert len(many.captured_queries) == len(few.captured_queries)


def test_inbox_query_count_is_flat(client, snv, cycle, django_assert_max_num_queries):
    from tests.factories import AgencyFactory, AgencyReportFactory

    for _ in range(10):
        AgencyReportFactory(cycle=cycle, agency=AgencyFactory())
    client.force_login(snv)
    # 8 for the reports, 2 for the completions awaiting verification and the extension requests (issue 14).
    with django_assert_max_num_queries(10):
        client.get(reverse("remediation:report-inbox"))
    for _ in range(490):
        AgencyReportFactory(cycle=cycle, agency=AgencyFactory())
    with django_assert_max_num_queries(10):
        assert client.get(reverse("remediation:report-inbox")).status_code == 200


def test_focal_agency_reads_evidence_of_its_areas_only(client, world):
    stp = User.objects.get(username="stp")
    quynhon = User.objects.get(username="quynhon")
    area2 = Task.objects.filter(sub_criteria__code__startswith="2.").exclude(lead_agency__code="stp").first()
    services.record_progress(
        area2.pk,
        User.objects.filter(memberships__agency=area2.lead_agency).first(),
        percent=10,
        note="x",
        reported_on=area2.cycle.as_of(),
        files=[files.pdf()],
        cause="c",
    )
    evidence = Evidence.objects.get(task=area2)
    client.force_login(stp)
    assert client.get(reverse("remediation:evidence-download", args=[evidence.pk])).status_code == 200
    assert client.get(reverse("remediation:evidence-download", args=[world["evidence"].pk])).status_code == 404
    client.force_login(quynhon)
    expected = 200 if Task.objects.for_agency(quynhon.agency).filter(pk=area2.pk).exists() else 404
    assert client.get(reverse("remediation:evidence-download", args=[evidence.pk])).status_code == expected
