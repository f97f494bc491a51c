"""The demo holds each state of closing the loop, and keeps the 2021 counts it had (issue 14, §6)."""

import datetime as dt

import pytest

from parindex.models import Cycle
from remediation.models import DeadlineExtension, ExtensionState, Notification, Task
from remediation.notices import NoticeKind
from remediation.status import task_status

pytestmark = pytest.mark.django_db
AS_OF = dt.date(2021, 11, 15)


@pytest.fixture
def cycle(demo):
    return Cycle.objects.get(year=2021)


def test_the_2021_invariants_hold(cycle):
    tasks = Task.objects.filter(cycle=cycle)
    assert tasks.count() == 126
    counts = tasks.status_counts(AS_OF)
    assert counts["claimed"] >= 2 and counts["verified"] == counts["done"] - counts["claimed"]


def test_completions_await_verification_and_one_was_sent_back(cycle):
    tasks = Task.objects.filter(cycle=cycle)
    assert tasks.claimed(AS_OF).filter(lead_agency__code="quynhon").exists()
    sent_back = tasks.get(sent_back_at__isnull=False, completed_on__isnull=True)
    assert sent_back.verification_note


def _reasons(task: Task) -> list[str]:
    """The task's dated steps, oldest first (the loader's own later saves carry no reason)."""
    records = task.history.exclude(history_change_reason__isnull=True).exclude(history_change_reason="")
    records = records.order_by("history_date", "history_id")
    return list(records.values_list("history_change_reason", flat=True))


def test_the_verification_history_is_in_the_tasks_history(cycle):
    """Verified, sent back for more evidence, awaiting: each step a dated record with who made it."""
    tasks = Task.objects.filter(cycle=cycle)
    verified = tasks.filter(verified_on__isnull=False, sent_back_at__isnull=True).first()
    record = verified.history.get(history_change_reason="completion verified")
    assert record.history_user.username == "snv" and record.history_date.date() == verified.verified_on
    open_again = tasks.get(sent_back_at__isnull=False, completed_on__isnull=True)
    assert _reasons(open_again) == ["marked done", "completion sent back"]
    assert open_again.history.order_by("history_date", "history_id").first().history_type == "+"
    assert open_again.history.filter(completed_on__isnull=False).exists()  # the earlier claim is kept
    round_trip = tasks.get(sent_back_at__isnull=False, verified_on__isnull=False)
    assert _reasons(round_trip) == ["completion sent back", "marked done", "completion verified"]
    for awaiting in tasks.claimed(AS_OF):
        assert "completion verified" not in _reasons(awaiting)


def test_extensions_pending_refused_and_one_task_extended_twice(cycle):
    exts = DeadlineExtension.objects.filter(task__cycle=cycle)
    assert exts.filter(state=ExtensionState.PENDING).count() == 2
    assert exts.filter(state=ExtensionState.REFUSED).count() == 1
    twice = Task.objects.get(
        cycle=cycle, extensions__state=ExtensionState.APPROVED, extensions__decided_on=dt.date(2021, 11, 10)
    )
    assert twice.extensions.filter(state=ExtensionState.APPROVED).count() == 2
    assert twice.original_deadline < twice.deadline


def test_no_extension_changed_a_status_as_of_the_demo_date(cycle):
    for task in Task.objects.filter(cycle=cycle, original_deadline__isnull=False):
        before = task_status(task.original_deadline, task.completed_on, AS_OF, task.progress)
        assert task.status_on(AS_OF) == before, task.number


def test_backlog_tasks_carry_their_age_and_one_is_a_priority(cycle):
    backlog = Task.objects.filter(cycle=cycle, carried_from__isnull=False)
    assert backlog.count() == 2
    assert {t.backlog_since for t in backlog} == {2020}
    assert backlog.filter(is_priority=True).count() == 1


def test_unread_notices_of_every_kind_for_the_demo_users(cycle):
    kinds = set(Notification.objects.filter(read_at__isnull=True).values_list("kind", flat=True))
    assert kinds >= set(NoticeKind.values) - {NoticeKind.AGENCY_RESTRUCTURED}  # none in 2021
    assert Notification.objects.filter(recipient__username="quynhon.lead", kind__in=NoticeKind.values).exists()
