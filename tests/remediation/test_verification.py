"""A completion is a claim until someone other than the doer verifies it (issue 14, §1)."""

import datetime as dt
import html
import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from parindex.models import Level
from remediation import verification
from remediation.models import Notification, Task
from remediation.notices import NoticeKind
from tests.factories import AgencyFactory, CriterionFactory, MembershipFactory, TaskFactory, UserFactory

pytestmark = pytest.mark.django_db
AS_OF = dt.date(2021, 11, 15)


@pytest.fixture
def claimed(cycle, agency, staff):
    return TaskFactory(
        cycle=cycle,
        lead_agency=agency,
        deadline=dt.date(2021, 12, 31),
        completed_on=dt.date(2021, 11, 10),
        progress=100,
        closure_criteria="Quyết định ban hành quy chế",
    )


@pytest.fixture
def pinned(settings):
    settings.CLOCK_PIN = "2021-11-15"


def test_a_completion_awaits_verification_and_keeps_its_derived_status(claimed):
    assert claimed.is_claimed(AS_OF)
    assert claimed.status_on(AS_OF) == "done_on_time"
    counts = Task.objects.filter(pk=claimed.pk).status_counts(AS_OF)
    assert (counts["done"], counts["claimed"], counts["verified"]) == (1, 1, 0)


def test_snv_verifies_and_the_completion_date_stays_the_agencys(claimed, snv, staff, pinned):
    verification.verify_completion(claimed.pk, snv, note="Đủ hồ sơ")
    claimed.refresh_from_db()
    assert claimed.completed_on == dt.date(2021, 11, 10)
    assert claimed.verified_on == AS_OF and claimed.verified_by == snv
    counts = Task.objects.filter(pk=claimed.pk).status_counts(AS_OF)
    assert (counts["claimed"], counts["verified"]) == (0, 1)
    assert Notification.objects.filter(recipient=staff, kind=NoticeKind.COMPLETION_VERIFIED).count() == 1


def test_verified_later_counts_as_claimed_on_an_earlier_as_of(claimed, snv, settings):
    settings.CLOCK_PIN = "2021-11-20"
    verification.verify_completion(claimed.pk, snv)
    counts = Task.objects.filter(pk=claimed.pk).status_counts(AS_OF)
    assert (counts["claimed"], counts["verified"]) == (1, 0)
    assert Task.objects.filter(pk=claimed.pk).status_counts(dt.date(2021, 11, 20))["verified"] == 1


def test_sending_back_reopens_the_task_with_the_reason(claimed, snv, staff, pinned):
    verification.send_back_completion(claimed.pk, snv, reason="Thiếu quyết định ban hành")
    claimed.refresh_from_db()
    assert claimed.completed_on is None and claimed.verification_note == "Thiếu quyết định ban hành"
    assert claimed.history.filter(history_change_reason="completion sent back").exists()
    notice = Notification.objects.get(recipient=staff, kind=NoticeKind.COMPLETION_SENT_BACK)
    assert notice.url == reverse("remediation:task-detail", args=[claimed.pk])


def test_sending_back_needs_a_reason(claimed, snv):
    with pytest.raises(ValidationError):
        verification.send_back_completion(claimed.pk, snv, reason="  ")


def test_the_lead_agency_cannot_verify_its_own_claim(claimed, leader):
    with pytest.raises(PermissionDenied):
        verification.verify_completion(claimed.pk, leader)


def test_a_task_not_marked_done_cannot_be_verified(cycle, agency, snv):
    task = TaskFactory(cycle=cycle, lead_agency=agency)
    with pytest.raises(ValidationError):
        verification.verify_completion(task.pk, snv)


def test_the_focal_agency_of_the_first_area_verifies_where_the_cycle_delegates(cycle, agency, claimed):
    justice = AgencyFactory(code="stp", name="Sở Tư pháp")
    other_focal = AgencyFactory(code="stc", name="Sở Tài chính")
    area = CriterionFactory(code="2", level=Level.AREA, focal_agency=justice, order=1)
    crit = CriterionFactory(code="2.1", level=Level.CRITERION, parent=area, framework=area.framework, order=2)
    sub = CriterionFactory(code="2.1.1", parent=crit, framework=area.framework, order=3)
    area2 = CriterionFactory(code="6", level=Level.AREA, framework=area.framework, focal_agency=other_focal, order=10)
    sub2 = CriterionFactory(
        code="6.1.1",
        framework=area.framework,
        order=12,
        parent=CriterionFactory(code="6.1", level=Level.CRITERION, parent=area2, framework=area.framework, order=11),
    )
    claimed.sub_criteria.set([sub, sub2])
    justice_user = MembershipFactory(user=UserFactory(username="stp"), agency=justice).user
    finance_user = MembershipFactory(user=UserFactory(username="stc"), agency=other_focal).user
    assert not verification.can_verify(justice_user, claimed)  # not delegated yet
    cycle.focal_agencies_verify = True
    cycle.save()
    claimed.refresh_from_db()
    assert verification.can_verify(justice_user, claimed)
    assert not verification.can_verify(finance_user, claimed)


# --- pages -------------------------------------------------------------------------------


def test_snv_verifies_from_the_task_page(client, snv, claimed):
    client.force_login(snv)
    page = client.get(reverse("remediation:task-detail", args=[claimed.pk]))
    assert 'id="verify"' in page.content.decode() and "Quyết định ban hành quy chế" in page.content.decode()
    response = client.post(reverse("remediation:task-verify", args=[claimed.pk]), {"version": claimed.version})
    assert response.status_code == 302
    claimed.refresh_from_db()
    assert claimed.verified_on is not None


def test_the_agency_cannot_post_a_verification(client, staff, claimed):
    client.force_login(staff)
    response = client.post(reverse("remediation:task-verify", args=[claimed.pk]), {"version": claimed.version})
    assert response.status_code == 404
    claimed.refresh_from_db()
    assert claimed.verified_on is None


def test_send_back_without_a_reason_is_a_form_error(client, snv, claimed):
    client.force_login(snv)
    response = client.post(reverse("remediation:task-send-back", args=[claimed.pk]), {"version": claimed.version})
    assert response.status_code == 400
    claimed.refresh_from_db()
    assert claimed.completed_on is not None


def test_the_agency_sees_why_its_completion_was_sent_back(client, snv, staff, claimed):
    verification.send_back_completion(claimed.pk, snv, reason="Thiếu quyết định ban hành")
    client.force_login(staff)
    page = client.get(reverse("remediation:task-detail", args=[claimed.pk])).content.decode()
    assert 'id="sent-back"' in page and "Thiếu quyết định ban hành" in page


def test_snv_inbox_lists_the_completions_awaiting_verification(client, snv, claimed):
    client.force_login(snv)
    page = client.get(reverse("remediation:report-inbox")).content.decode()
    assert 'id="awaiting-verification"' in page
    assert reverse("remediation:task-detail", args=[claimed.pk]) in page


def test_the_inbox_lists_the_oldest_claims_and_links_to_all_of_them(client, snv, cycle, agency, pinned):
    """A province's queue can hold hundreds of claims: the inbox shows the 20 oldest, the count,
    and a link to the task list filtered to every claim; followed as SNV, it lists them all."""
    from remediation.views.reports import INBOX_QUEUE

    claims = [
        TaskFactory(cycle=cycle, lead_agency=agency, deadline=dt.date(2021, 12, 31), progress=100,
                    completed_on=dt.date(2021, 10, 1) + dt.timedelta(days=i), title=f"Nhiệm vụ chờ xác nhận {i:02d}")
        for i in range(INBOX_QUEUE + 5)
    ]  # fmt: skip
    TaskFactory(cycle=cycle, lead_agency=agency, deadline=dt.date(2021, 12, 31), title="Nhiệm vụ đang làm")
    client.force_login(snv)
    page = client.get(reverse("remediation:report-inbox")).content.decode()
    assert 'data-count="awaiting">25<' in page
    listed = [t for t in claims if reverse("remediation:task-detail", args=[t.pk]) + "#verify" in page]
    assert listed == claims[:INBOX_QUEUE]  # the oldest completions
    link = re.search(r'<a href="([^"]+)" id="awaiting-all">', page).group(1)
    tasks = client.get(html.unescape(link))
    assert tasks.status_code == 200
    body = tasks.content.decode()
    assert all(t.title in body for t in claims) and "Nhiệm vụ đang làm" not in body


def test_the_agency_answers_a_send_back_by_marking_the_task_done_again(claimed, snv, leader, pinned):
    from remediation import services

    from . import files

    verification.send_back_completion(claimed.pk, snv, reason="Thiếu quyết định")
    services.complete_task(
        claimed.pk, leader, completed_on=dt.date(2021, 11, 14), note="Đã bổ sung quyết định", files=[files.pdf()]
    )
    claimed.refresh_from_db()
    assert claimed.is_claimed(AS_OF) and claimed.sent_back_at is not None
    assert verification.awaiting().filter(pk=claimed.pk).exists()


def test_snv_marks_a_priority_and_an_agency_cannot(client, snv, staff, claimed):
    url = reverse("remediation:task-priority", args=[claimed.pk])
    client.force_login(staff)
    assert client.post(url, {"priority": "1"}).status_code == 404
    client.force_login(snv)
    assert client.post(url, {"priority": "1"}).status_code == 302
    claimed.refresh_from_db()
    assert claimed.is_priority and claimed.history.filter(history_change_reason="priority").exists()


def test_the_delegated_focal_agency_finds_and_verifies_the_claim(client, cycle, claimed):
    justice = AgencyFactory(code="stp", name="Sở Tư pháp")
    area = CriterionFactory(code="2", level=Level.AREA, focal_agency=justice, order=1)
    crit = CriterionFactory(code="2.1", level=Level.CRITERION, parent=area, framework=area.framework, order=2)
    claimed.sub_criteria.set([CriterionFactory(code="2.1.1", parent=crit, framework=area.framework, order=3)])
    cycle.focal_agencies_verify = True
    cycle.is_current = True
    cycle.save()
    user = MembershipFactory(user=UserFactory(username="stp"), agency=justice).user
    client.force_login(user)
    home = client.get(reverse("compilation:home")).content.decode()
    assert 'data-act="verify"' in home
    assert client.get(reverse("remediation:task-detail", args=[claimed.pk])).status_code == 200
    response = client.post(reverse("remediation:task-verify", args=[claimed.pk]), {"version": claimed.version})
    assert response.status_code == 302
    claimed.refresh_from_db()
    assert claimed.verified_by == user


def test_a_focal_agency_without_delegation_does_not_see_the_task(client, cycle, claimed):
    justice = AgencyFactory(code="stp", name="Sở Tư pháp")
    user = MembershipFactory(user=UserFactory(username="stp"), agency=justice).user
    client.force_login(user)
    assert client.get(reverse("remediation:task-detail", args=[claimed.pk])).status_code == 404


def test_the_task_history_names_the_verifier_not_an_id(client, snv, staff, claimed):
    verification.verify_completion(claimed.pk, snv)
    client.force_login(staff)
    page = client.get(reverse("remediation:task-detail", args=[claimed.pk])).content.decode()
    history = page[page.index("list-group-flush history") :]
    assert f"→ {snv.get_full_name()}</div>" in history
    assert f"→ {snv.pk}</div>" not in history
