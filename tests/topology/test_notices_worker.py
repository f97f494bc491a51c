"""State-change notices e-mailed by a real Celery worker through a real SMTP server, exactly once (issue 14)."""

import datetime as dt
from email import message_from_bytes, policy

import pytest

from remediation import assignment
from remediation.models import Notification
from remediation.tasks import sweep_notices
from tests.factories import CycleFactory

from .conftest import wait_for

pytestmark = [pytest.mark.topology, pytest.mark.timeout(180)]


def test_worker_emails_each_notice_once_through_smtp(transactional_db, agency, staff, snv, start_worker, smtp_server):
    staff.email = "quynhon@binhdinh.gov.vn"
    staff.save()
    cycle = CycleFactory(report_deadline=dt.date(2022, 6, 30), self_assessment_date=dt.date(2022, 9, 30))
    assignment.create_tasks(
        cycle, lead_agencies=[agency], title="Công khai thủ tục hành chính", deadline=dt.date(2021, 12, 31), user=snv
    )
    smtp_server.start()
    worker = start_worker(smtp_port=smtp_server.port)
    first = sweep_notices.apply_async(queue=worker.queue).get(timeout=120)
    assert first["notices"] == 1 and first["recipients"] == 1
    wait_for(lambda: Notification.objects.filter(emailed_at__isnull=False).exists(), "the worker's mail")
    again = sweep_notices.apply_async(queue=worker.queue).get(timeout=120)
    assert again["notices"] == 0  # a re-run claims nothing
    worker.stop()  # nothing left running: the count below is final
    assert [e.rcpt_tos for e in smtp_server.inbox.envelopes] == [["quynhon@binhdinh.gov.vn"]]
    message = message_from_bytes(smtp_server.inbox.envelopes[0].content, policy=policy.default)
    assert "Công khai thủ tục hành chính" in message.get_body(preferencelist=("plain",)).get_content()
