"""A new explanation round: where the round-1 appraisal is below the self score, the area's focal
agency is told, with a link to the page where it writes the explanation (issue 14, §3)."""

import datetime as dt
from decimal import Decimal as D

import pytest
from django.test import Client
from django.urls import reverse

from parindex import services
from remediation.models import Notification
from remediation.notices import NoticeKind
from tests.parindex.test_rounds import _pin, world  # noqa: F401 -- the rounds' fixture, shared

pytestmark = pytest.mark.django_db


def _appraise(world, value: str):  # noqa: F811
    cycle = _pin(world, dt.date(2022, 3, 10))
    return services.update_score(cycle, world["leaf"], user=world["snv"], appraised_1=D(value))


def test_an_appraisal_below_the_self_score_notifies_the_focal_agency_once(world):  # noqa: F811
    services.update_score(world["cycle"], world["leaf"], user=world["focal"], self_score=D("1"))
    assert not Notification.objects.filter(kind=NoticeKind.EXPLANATION_ROUND).exists()
    score = _appraise(world, "0.5")
    (notice,) = Notification.objects.filter(kind=NoticeKind.EXPLANATION_ROUND)
    assert notice.recipient == world["focal"]
    assert notice.url == reverse("compilation:criterion-detail", args=[world["cycle"].year, world["leaf"].pk])
    assert "1.1.1" in notice.title and "10/04/2022" in notice.body  # the explanation round's deadline
    services.update_score(score.cycle, world["leaf"], user=world["snv"], appraised_1=D("0.25"))  # still below
    assert Notification.objects.filter(kind=NoticeKind.EXPLANATION_ROUND).count() == 1


def test_an_appraisal_at_the_self_score_notifies_nobody(world):  # noqa: F811
    services.update_score(world["cycle"], world["leaf"], user=world["focal"], self_score=D("1"))
    _appraise(world, "1")
    assert not Notification.objects.filter(kind=NoticeKind.EXPLANATION_ROUND).exists()


def test_the_recipient_follows_the_link_and_reaches_the_explanation_form(world):  # noqa: F811
    services.update_score(world["cycle"], world["leaf"], user=world["focal"], self_score=D("1"))
    _appraise(world, "0.5")
    _pin(world, dt.date(2022, 4, 5))  # the explanation round is open
    notice = Notification.objects.get(kind=NoticeKind.EXPLANATION_ROUND)
    client = Client()
    client.force_login(notice.recipient)
    opened = client.get(reverse("remediation:notification-open", args=[notice.pk]), follow=True)
    assert opened.status_code == 200 and opened.redirect_chain[-1][0] == notice.url
    assert 'name="explanation"' in opened.content.decode()
