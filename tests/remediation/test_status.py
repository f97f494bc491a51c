import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from remediation.models import Task
from remediation.status import TaskStatus, task_status
from tests.factories import TaskFactory

DEADLINE = dt.date(2021, 11, 15)


@pytest.mark.parametrize(
    ("as_of", "completed_on", "progress", "expected"),
    [
        (dt.date(2021, 11, 15), None, 0, TaskStatus.DUE_SOON),  # due today
        (dt.date(2021, 11, 16), None, 50, TaskStatus.OVERDUE),  # one day late
        (dt.date(2021, 11, 8), None, 0, TaskStatus.DUE_SOON),  # exactly seven days left
        (dt.date(2021, 11, 7), None, 0, TaskStatus.NOT_YET_DUE),  # eight days left, not started
        (dt.date(2021, 11, 7), None, 30, TaskStatus.IN_PROGRESS),  # eight days left, started
        (dt.date(2021, 11, 20), dt.date(2021, 11, 15), 100, TaskStatus.DONE_ON_TIME),  # done on the deadline
        (dt.date(2021, 11, 20), dt.date(2021, 11, 16), 100, TaskStatus.DONE_LATE),  # done a day late
        (dt.date(2021, 11, 10), dt.date(2021, 11, 12), 100, TaskStatus.DUE_SOON),  # done after the as-of date
        (dt.date(2021, 11, 20), dt.date(2021, 11, 1), 100, TaskStatus.DONE_ON_TIME),  # done early
    ],
)
def test_status_at_boundaries(as_of, completed_on, progress, expected):
    assert task_status(DEADLINE, completed_on, as_of, progress) == expected


@pytest.mark.django_db
@settings(max_examples=60, deadline=None)
@given(
    offset=st.integers(min_value=-20, max_value=20),
    done_offset=st.one_of(st.none(), st.integers(min_value=-20, max_value=20)),
    progress=st.integers(min_value=0, max_value=100),
    ongoing=st.booleans(),
)
def test_sql_status_matches_python_status(offset, done_offset, progress, ongoing):
    """The SQL annotation used by lists and the dashboard agrees with the Python rule, "Thường xuyên" too."""
    as_of = DEADLINE + dt.timedelta(days=offset)
    completed = None if done_offset is None else DEADLINE + dt.timedelta(days=done_offset)
    task = TaskFactory(deadline=None if ongoing else DEADLINE, completed_on=completed, progress=progress)
    annotated = Task.objects.with_status(as_of).get(pk=task.pk).status
    assert annotated == task.status_on(as_of)
    task.delete()


@pytest.mark.django_db
def test_querysets_select_overdue_and_due_within(agency, other_agency):
    as_of = dt.date(2021, 11, 15)
    late = TaskFactory(deadline=dt.date(2021, 11, 10), lead_agency=agency)
    soon = TaskFactory(deadline=dt.date(2021, 11, 18), lead_agency=agency)
    TaskFactory(deadline=dt.date(2021, 11, 10), completed_on=dt.date(2021, 11, 9), lead_agency=agency)
    coordinated = TaskFactory(deadline=dt.date(2021, 12, 30), lead_agency=other_agency)
    coordinated.coordinating_agencies.add(agency)
    TaskFactory(lead_agency=other_agency)
    assert list(Task.objects.overdue(as_of)) == [late]
    assert list(Task.objects.due_within(3, as_of)) == [soon]
    assert Task.objects.for_agency(agency).count() == 4
    assert Task.objects.for_agency(other_agency).count() == 2


# Narrow ranges, so that decisions fall on the as-of and completion days themselves (the boundaries).
EXTENSION = st.tuples(
    st.integers(min_value=-4, max_value=4),  # decided on, days from the deadline
    st.one_of(st.none(), st.integers(min_value=-3, max_value=3)),  # the deadline it replaced
    st.sampled_from(["approved", "approved", "rejected"]),
)


@pytest.mark.django_db
@settings(max_examples=150, deadline=None)
@given(
    offset=st.integers(min_value=-5, max_value=10),
    done_offset=st.one_of(st.none(), st.integers(min_value=-5, max_value=6)),
    progress=st.integers(min_value=0, max_value=100),
    moved=st.integers(min_value=1, max_value=6),
    extensions=st.lists(EXTENSION, max_size=3),
)
def test_sql_status_matches_python_status_with_extensions(offset, done_offset, progress, moved, extensions):
    """With approved and rejected extensions decided before and after the as-of and completion dates:
    the status SQL (remediation.models.StatusOn) reads the deadline in force as Task.deadline_on() does."""
    from remediation.models import DeadlineExtension
    from tests.factories import UserFactory

    as_of = DEADLINE + dt.timedelta(days=offset)
    completed = None if done_offset is None else DEADLINE + dt.timedelta(days=done_offset)
    task = TaskFactory(
        deadline=DEADLINE + dt.timedelta(days=moved),
        original_deadline=DEADLINE,
        completed_on=completed,
        progress=progress,
    )
    user = UserFactory()
    for decided, previous, state in extensions:
        DeadlineExtension.objects.create(
            task=task,
            requested_by=user,
            requested_at=dt.datetime(2021, 10, 1, tzinfo=dt.UTC),
            reason="x",
            proposed_deadline=DEADLINE + dt.timedelta(days=moved),
            state=state,
            previous_deadline=None if previous is None else DEADLINE + dt.timedelta(days=previous),
            decided_on=DEADLINE + dt.timedelta(days=decided),
        )
    annotated = Task.objects.with_status(as_of).get(pk=task.pk).status
    assert annotated == task.status_on(as_of)
    # The same expression inside a subquery (its table relabelled) and in a GROUP BY.
    assert Task.objects.filter(pk__in=Task.objects.with_status(as_of).filter(status=annotated).values("pk")).exists()
    assert Task.objects.filter(pk=task.pk).status_counts(as_of)[annotated] == 1
    DeadlineExtension.objects.filter(task=task).delete()
    task.delete()
    user.delete()
