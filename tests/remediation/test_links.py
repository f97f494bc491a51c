"""Every link the product sends out lands on a page that answers 200 for its recipient.

The demo is loaded, the reminder sweep runs on the days that produce each kind of
reminder (task due and overdue, report due and overdue, compilation due), and then,
logged in as each recipient: every link of every e-mail, every notification (directly
and through its "open" redirect) and every event of the agencies' calendar feeds is
followed. A hard-coded path such as the former "/reports/" fails here.
"""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client
from django.urls import reverse

from agencies.models import Agency, User
from compilation.demo.loader import load_demo
from config.celery_app import app as celery_app
from parindex.models import Cycle
from remediation import tasks
from remediation.models import Notification, Reminder, ReminderKind
from remediation.notices import NoticeKind

pytestmark = pytest.mark.django_db
# 15/11/2021: tasks due and overdue, the report deadline day; 20/11: reports overdue;
# 14/01/2022: the self-assessment round closes tomorrow (focal agencies, SNV); 27/01/2022: the compilation
# deadline (28/01/2022) is a day away (and the compilation round's, for SNV).
SWEEP_DAYS = (dt.date(2021, 11, 15), dt.date(2021, 11, 20), dt.date(2022, 1, 14), dt.date(2022, 1, 27))
HREF = re.compile(r'href="([^"]+)"')
# Every notice kind is in the 2021 demo but the restructuring's: no agency was restructured in
# 2021 (the 2025 demo's are real; tests/remediation/test_restructuring.py follows that link).
IN_THE_DEMO = set(NoticeKind.values) - {NoticeKind.AGENCY_RESTRUCTURED}


@pytest.fixture
def swept(django_capture_on_commit_callbacks, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    try:
        load_demo(with_2025=False)  # the 2021 campaign; the 2025 notices: test_restructuring.py
        cycle = Cycle.objects.get(year=2021)
        for day in SWEEP_DAYS:
            with django_capture_on_commit_callbacks(execute=True):
                tasks.send_due_reminders(as_of=day, cycle=cycle)
        # The state-change notices the demo holds (issue 14) go out in their daily e-mail too.
        with django_capture_on_commit_callbacks(execute=True):
            tasks.send_notice_digests()
    finally:
        celery_app.conf.task_always_eager = previous
    return cycle


def _local(url: str) -> str:
    """A link as sent (absolute with SITE_URL) back to the path the test client requests."""
    site = settings.SITE_URL.rstrip("/")
    assert url.startswith(site) or url.startswith("/"), url
    parts = urlsplit(url[len(site) :] if url.startswith(site) else url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_sweeps_produced_every_kind_of_reminder(swept):
    kinds = set(Reminder.objects.values_list("kind", flat=True))
    assert kinds == set(ReminderKind.values)


def test_every_link_of_every_email_answers_200_for_its_recipient(swept):
    assert mail.outbox, "the sweeps sent no e-mail"
    followed = 0
    for message in mail.outbox:
        recipient = User.objects.get(email=message.to[0])
        client = _client_for(recipient)
        html = next(body for body, kind in message.alternatives if kind == "text/html")
        for url in sorted(set(HREF.findall(html))):
            response = client.get(_local(url))
            assert response.status_code == 200, f"{url} for {recipient.username}: {response.status_code}"
            followed += 1
    assert followed >= len(mail.outbox) * 2  # at least an item and "all your notifications" each


def test_every_notification_link_answers_200_for_its_recipient(swept):
    notices = list(Notification.objects.select_related("recipient"))
    assert {n.kind for n in notices} >= {k.value for k in ReminderKind} | IN_THE_DEMO
    for notice in notices:
        client = _client_for(notice.recipient)
        assert client.get(notice.url).status_code == 200, f"{notice.kind} {notice.url} for {notice.recipient}"
        opened = client.get(reverse("remediation:notification-open", args=[notice.pk]), follow=True)
        assert opened.status_code == 200
        assert opened.redirect_chain[-1][0] == notice.url


def test_every_calendar_event_link_answers_200_for_a_member_of_the_agency(swept):
    agencies = Agency.objects.filter(memberships__isnull=False).distinct()
    followed = 0
    for agency in agencies:
        member = agency.memberships.select_related("user").first().user
        feed = Client().get(reverse("remediation:calendar-feed", args=[agency.calendar_token]))
        assert feed.status_code == 200
        urls = set(re.findall(r"^URL:(\S+)", feed.content.decode().replace("\r\n ", ""), re.M))
        assert urls, f"no event in {agency.code}'s feed"
        client = _client_for(member)
        for url in sorted(urls):
            assert client.get(_local(url)).status_code == 200, f"{url} for {member.username} of {agency.code}"
            followed += 1
    assert followed > len(agencies)


def test_every_kind_of_state_change_notice_was_emailed_and_each_link_answers(swept):
    """Each notice kind of issue 14 reached an inbox once, and its page answers its recipient."""
    emailed = Notification.objects.filter(kind__in=NoticeKind.values, emailed_at__isnull=False)
    assert set(emailed.values_list("kind", flat=True)) == IN_THE_DEMO
    for notice in emailed.select_related("recipient"):
        body = next(m for m in mail.outbox if m.to == [notice.recipient.email] and notice.title in m.body)
        assert settings.SITE_URL.rstrip("/") + notice.url in body.body
        assert _client_for(notice.recipient).get(notice.url).status_code == 200, (notice.kind, notice.url)
    assert tasks.send_notice_digests().notices == 0  # a re-run claims nothing more


def test_stored_report_links_of_the_old_path_were_rewritten():
    """The data migration's rule: "/reports/" (no route) becomes the agency's report page."""
    from importlib import import_module

    from django.apps import apps as django_apps

    migration = import_module("remediation.migrations.0004_fix_report_reminder_links")
    assert reverse("remediation:report-edit") == migration.NEW
    user = User.objects.create(username="x")
    stale = Notification.objects.create(recipient=user, kind="report_due", title="t", url=migration.OLD)
    migration.forwards(django_apps, None)
    stale.refresh_from_db()
    assert stale.url == migration.NEW
