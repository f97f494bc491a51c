"""The explanation round (round 4) end to end through the pages, as the focal agency of area 2
('stp'): it sees the sub-criteria appraised below its self score, writes an explanation and adds
evidence before the deadline, and is refused after it (issue 12, §2)."""

import datetime as dt
from decimal import Decimal as D

import pytest
from django.urls import reverse

from agencies.models import AgencyKind, MembershipRole
from parindex.models import ROUND_OWNERS, Cycle, FrameworkKind, Level, Round, RoundKind, Score, ScoreEvidence
from tests.factories import (
    AgencyFactory,
    CriterionFactory,
    CycleFactory,
    FrameworkFactory,
    MembershipFactory,
    UserFactory,
)
from tests.remediation import files

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db, settings):
    settings.CLOCK_PIN = "cycle"
    cycle = CycleFactory(year=2021, reference_date=dt.date(2022, 4, 5))
    framework = FrameworkFactory(kind=FrameworkKind.PAR)
    cycle.frameworks.add(framework)
    stp = AgencyFactory(code="stp", name="Sở Tư pháp", kind=AgencyKind.DEPARTMENT)
    other = AgencyFactory(code="stc", name="Sở Tài chính", kind=AgencyKind.DEPARTMENT)
    leaves = {}
    for area_code, focal in (("2", stp), ("6", other)):
        area = CriterionFactory(framework=framework, level=Level.AREA, code=area_code, max_points=2, focal_agency=focal)
        crit = CriterionFactory(
            framework=framework, level=Level.CRITERION, code=f"{area_code}.1", parent=area, max_points=2
        )
        for i in (1, 2):
            leaves[f"{area_code}.1.{i}"] = CriterionFactory(
                framework=framework, parent=crit, code=f"{area_code}.1.{i}", max_points=1
            )
    for code, own, appraised in (("2.1.1", "1", "0.5"), ("2.1.2", "1", "1"), ("6.1.1", "1", "0")):
        Score.objects.create(
            cycle=cycle, criterion=leaves[code], max_points=1, self_score=D(own), appraised_1=D(appraised)
        )
    for kind, opens, deadline in (
        (RoundKind.APPRAISAL_1, dt.date(2022, 3, 1), dt.date(2022, 3, 31)),
        (RoundKind.EXPLANATION, dt.date(2022, 4, 1), dt.date(2022, 4, 10)),
    ):
        Round.objects.create(cycle=cycle, kind=kind, opens=opens, deadline=deadline, owner=ROUND_OWNERS[kind])
    user = MembershipFactory(user=UserFactory(username="stp"), agency=stp, role=MembershipRole.STAFF).user
    return cycle, leaves, user


def _form(score: Score, **changes) -> dict:
    fields = ("self_score", "appraised_1", "council_remark", "explanation", "appraised_score", "note")
    data = {f: "" if getattr(score, f) is None else str(getattr(score, f)) for f in fields}
    return data | changes


def test_the_focal_agency_sees_only_its_sub_criteria_appraised_below_the_self_score(client, world):
    cycle, leaves, stp = world
    client.force_login(stp)
    page = client.get(reverse("compilation:round-list"), {"cycle": cycle.year}).content.decode()
    listed = page.split('id="to-explain"', 1)[1].split("</table>", 1)[0]
    assert 'data-code="2.1.1"' in listed and 'data-explained="0"' in listed
    assert 'data-code="2.1.2"' not in listed  # appraised at its self score: nothing to explain
    assert 'data-code="6.1.1"' not in listed  # another focal agency's area
    assert reverse("compilation:criterion-detail", args=[cycle.year, leaves["2.1.1"].pk]) in listed


def test_the_focal_agency_writes_an_explanation_and_adds_evidence_before_the_deadline(client, world):
    cycle, leaves, stp = world
    client.force_login(stp)
    url = reverse("compilation:criterion-detail", args=[cycle.year, leaves["2.1.1"].pk])
    score = Score.objects.get(cycle=cycle, criterion=leaves["2.1.1"])
    response = client.post(url, _form(score, explanation="Đã ban hành kế hoạch, gửi kèm văn bản."))
    assert response.status_code == 302
    score.refresh_from_db()
    assert score.explanation == "Đã ban hành kế hoạch, gửi kèm văn bản."
    assert score.history.filter(history_user=stp, explanation__startswith="Đã ban hành").exists()
    upload = files.pdf()
    evidence = client.post(
        reverse("compilation:score-evidence-upload", args=[cycle.year, leaves["2.1.1"].pk]),
        {"file": upload, "round": "explanation"},
    )
    assert evidence.status_code == 302
    assert ScoreEvidence.objects.filter(score=score, round_kind=RoundKind.EXPLANATION, uploaded_by=stp).count() == 1
    page = client.get(reverse("compilation:round-list"), {"cycle": cycle.year}).content.decode()
    assert 'data-explained="1"' in page.split('id="to-explain"', 1)[1]


def test_no_explanation_where_the_appraisal_is_not_below_and_none_after_the_deadline(client, world):
    cycle, leaves, stp = world
    client.force_login(stp)
    level = Score.objects.get(cycle=cycle, criterion=leaves["2.1.2"])
    url = reverse("compilation:criterion-detail", args=[cycle.year, leaves["2.1.2"].pk])
    assert client.post(url, _form(level, explanation="Không cần")).status_code == 200  # the form, with why
    assert Score.objects.get(pk=level.pk).explanation == ""
    Cycle.objects.filter(pk=cycle.pk).update(reference_date=dt.date(2022, 4, 11))
    below = Score.objects.get(cycle=cycle, criterion=leaves["2.1.1"])
    url = reverse("compilation:criterion-detail", args=[cycle.year, leaves["2.1.1"].pk])
    response = client.post(url, _form(below, explanation="Muộn"))
    assert response.status_code == 200 and "10/04/2022" in response.content.decode()
    assert Score.objects.get(pk=below.pk).explanation == ""
