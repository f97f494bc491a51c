"""The sweep executed by a real Celery worker process against the real Redis (REDIS_URL)."""

import datetime as dt

import pytest

from remediation.models import Reminder, ReminderState
from remediation.tasks import sweep_reminders
from tests.factories import CycleFactory, TaskFactory

from .conftest import wait_for

pytestmark = [pytest.mark.topology, pytest.mark.timeout(180)]

D = dt.date(2021, 11, 15)


@pytest.fixture
def due(transactional_db, agency, staff):
    staff.email = "quynhon@binhdinh.gov.vn"
    staff.save()
    cycle = CycleFactory(report_deadline=dt.date(2022, 6, 30), self_assessment_date=dt.date(2022, 9, 30))
    return TaskFactory(cycle=cycle, lead_agency=agency, deadline=D, title="Rà soát quy trình nội bộ")


def sent_states() -> set:
    return set(Reminder.objects.values_list("state", flat=True))


def test_worker_runs_the_sweep_and_the_digest(due, start_worker):
    worker = start_worker()
    result = sweep_reminders.apply_async(kwargs={"as_of": "2021-11-12"}, queue=worker.queue)
    payload = result.get(timeout=120)  # from the Redis result backend, written by the worker
    assert payload["reminders"] == 1 and payload["recipients"] == 1 and payload["cycle"] == 2021
    wait_for(lambda: sent_states() == {ReminderState.SENT}, "the digest task sent by the worker")
    reminder = Reminder.objects.get()
    assert str(reminder.run_token) == payload["token"] and reminder.attempts == 1


def test_worker_retries_with_backoff_while_smtp_is_down_then_sends_once(due, start_worker, smtp_server):
    worker = start_worker(smtp_port=smtp_server.port)  # nothing listens there yet
    sweep_reminders.apply_async(kwargs={"as_of": "2021-11-12"}, queue=worker.queue).get(timeout=120)
    wait_for(lambda: Reminder.objects.filter(state=ReminderState.FAILED, attempts__gte=1).exists(), "a failure")
    smtp_server.start()
    wait_for(lambda: sent_states() == {ReminderState.SENT}, "the retry to go through")
    worker.stop()  # no task left running: the count below is final
    assert len(smtp_server.inbox.envelopes) == 1
    reminder = Reminder.objects.get()
    assert reminder.attempts >= 2 and reminder.last_error == ""
    assert b"quynhon@binhdinh.gov.vn" in b"".join(e.rcpt_tos[0].encode() for e in smtp_server.inbox.envelopes)
