"""The reminder sweep covers the scoring rounds' deadlines: the focal agencies with their area still
to do, and SNV; claimed exactly once; the link answers its recipient (issue 12, §2)."""

import datetime as dt
import re
from decimal import Decimal as D

import pytest
from django.core import mail
from django.test import Client

from agencies.models import AgencyKind, MembershipRole
from config.celery_app import app as celery_app
from parindex import services
from parindex.models import ROUND_OWNERS, FrameworkKind, Level, Round, RoundKind, Score
from remediation import tasks
from remediation.models import Reminder, ReminderKind
from tests.factories import (
    AgencyFactory,
    CriterionFactory,
    CycleFactory,
    FrameworkFactory,
    MembershipFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
DEADLINE = dt.date(2022, 1, 15)


@pytest.fixture(autouse=True)
def eager_celery(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


@pytest.fixture
def world(db, snv, settings):
    settings.CLOCK_PIN = "cycle"
    # Report and compilation deadlines far away, so only the rounds are due.
    cycle = CycleFactory(
        report_deadline=dt.date(2021, 6, 1), self_assessment_date=None, reference_date=dt.date(2022, 1, 14)
    )
    framework = FrameworkFactory(kind=FrameworkKind.PAR)
    cycle.frameworks.add(framework)
    stp = AgencyFactory(code="stp", name="Sở Tư pháp", kind=AgencyKind.DEPARTMENT)
    area = CriterionFactory(framework=framework, level=Level.AREA, code="2", max_points=1, focal_agency=stp)
    crit = CriterionFactory(framework=framework, level=Level.CRITERION, code="2.1", parent=area, max_points=1)
    leaf = CriterionFactory(framework=framework, parent=crit, code="2.1.1", max_points=1)
    rounds = {
        kind: Round.objects.create(cycle=cycle, kind=kind, opens=opens, deadline=deadline, owner=ROUND_OWNERS[kind])
        for kind, opens, deadline in (
            (RoundKind.SELF_ASSESSMENT, dt.date(2021, 12, 1), DEADLINE),
            (RoundKind.APPRAISAL_1, dt.date(2022, 3, 1), dt.date(2022, 3, 31)),
            (RoundKind.EXPLANATION, dt.date(2022, 4, 1), dt.date(2022, 4, 10)),
        )
    }
    focal = MembershipFactory(user=UserFactory(username="stp", email="stp@example.org"), agency=stp,
                              role=MembershipRole.STAFF).user  # fmt: skip
    snv.email = "snv@example.org"
    snv.save()
    return {"cycle": cycle, "stp": stp, "focal": focal, "snv": snv, "leaf": leaf, "rounds": rounds}


def _sweep(cycle, day, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return tasks.send_due_reminders(as_of=day, cycle=cycle)


def test_a_day_before_the_self_assessment_deadline_the_focal_agency_and_snv_are_reminded_once(
    world, django_capture_on_commit_callbacks
):
    cycle = world["cycle"]
    _sweep(cycle, dt.date(2022, 1, 14), django_capture_on_commit_callbacks)
    rows = Reminder.objects.filter(kind=ReminderKind.ROUND_DUE)
    assert {r.recipient.username for r in rows} == {"stp", "snv"}
    assert {r.deadline for r in rows} == {DEADLINE}
    again = _sweep(cycle, dt.date(2022, 1, 14), django_capture_on_commit_callbacks)
    assert again.reminders == 0 and rows.count() == 2


def test_a_submitted_area_is_not_reminded_and_nothing_after_the_deadline(world, django_capture_on_commit_callbacks):
    cycle, rounds = world["cycle"], world["rounds"]
    services.submit_area(rounds[RoundKind.SELF_ASSESSMENT], world["stp"], user=world["focal"])
    _sweep(cycle, dt.date(2022, 1, 14), django_capture_on_commit_callbacks)
    assert not Reminder.objects.filter(kind=ReminderKind.ROUND_DUE).exists()
    services.withdraw_area(rounds[RoundKind.SELF_ASSESSMENT], world["stp"], user=world["focal"])
    _sweep(cycle, dt.date(2022, 1, 16), django_capture_on_commit_callbacks)  # locked: too late to remind
    assert not Reminder.objects.filter(kind=ReminderKind.ROUND_DUE).exists()


def test_the_explanation_round_reminds_the_focal_agency_of_what_is_still_to_explain(
    world, django_capture_on_commit_callbacks
):
    cycle, leaf = world["cycle"], world["leaf"]
    Score.objects.create(cycle=cycle, criterion=leaf, max_points=1, self_score=D("1"), appraised_1=D("0.5"))
    _sweep(cycle, dt.date(2022, 4, 9), django_capture_on_commit_callbacks)
    mine = Reminder.objects.get(kind=ReminderKind.ROUND_DUE, recipient=world["focal"])
    assert mine.item_key == f"round:{world['rounds'][RoundKind.EXPLANATION].pk}:{world['stp'].pk}"
    message = next(m for m in mail.outbox if m.to == ["stp@example.org"])
    assert "2.1" not in message.subject  # the digest lists the round, not a task
    # The link of the e-mail answers the focal agency, and shows its round.
    links = re.findall(r'href="([^"]+)"', next(b for b, kind in message.alternatives if kind == "text/html"))
    client = Client()
    client.force_login(world["focal"])
    round_links = [u for u in links if "/rounds/" in u]
    assert round_links
    for url in round_links:
        path = url.split("://", 1)[-1].split("/", 1)[-1]
        response = client.get("/" + path)
        assert response.status_code == 200 and 'id="round-explanation"' in response.content.decode()


def test_an_explained_sub_criterion_is_no_longer_reminded(world, django_capture_on_commit_callbacks):
    cycle, leaf = world["cycle"], world["leaf"]
    Score.objects.create(
        cycle=cycle, criterion=leaf, max_points=1, self_score=D("1"), appraised_1=D("0.5"), explanation="Đã có"
    )
    _sweep(cycle, dt.date(2022, 4, 9), django_capture_on_commit_callbacks)
    assert not Reminder.objects.filter(kind=ReminderKind.ROUND_DUE, recipient=world["focal"]).exists()
