"""Scoring rounds: dates, owner, lock, submission, reopening, and figures as of a date (issue 12, part 2)."""

import datetime as dt
from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import override

from agencies.models import AgencyKind, MembershipRole
from compilation import figures
from parindex import services
from parindex.models import (
    ROUND_OWNERS,
    Cycle,
    FrameworkKind,
    Level,
    Method,
    Round,
    RoundKind,
    RoundReopening,
    RoundSubmission,
    Score,
)
from tests.factories import (
    AgencyFactory,
    CriterionFactory,
    CycleFactory,
    FrameworkFactory,
    MembershipFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
TODAY = dt.date(2022, 1, 10)


@pytest.fixture
def world(db, settings, snv):
    """A cycle pinned to 10/01/2022 with a self-assessment round open until 15/01/2022, kept by 'stp'."""
    settings.CLOCK_PIN = "cycle"
    cycle = CycleFactory(reference_date=TODAY)
    framework = FrameworkFactory(kind=FrameworkKind.PAR)
    cycle.frameworks.add(framework)
    stp = AgencyFactory(code="stp", kind=AgencyKind.DEPARTMENT)
    area = CriterionFactory(framework=framework, level=Level.AREA, code="1", max_points=2, focal_agency=stp)
    crit = CriterionFactory(framework=framework, level=Level.CRITERION, code="1.1", parent=area, max_points=2)
    leaf = CriterionFactory(framework=framework, parent=crit, code="1.1.1", max_points=1)
    survey = CriterionFactory(framework=framework, parent=crit, code="1.1.2", max_points=1, method=Method.SURVEY)
    rounds = {}
    for kind, opens, deadline in (
        (RoundKind.SELF_ASSESSMENT, dt.date(2021, 12, 1), dt.date(2022, 1, 15)),
        (RoundKind.APPRAISAL_1, dt.date(2022, 3, 1), dt.date(2022, 3, 31)),
        (RoundKind.EXPLANATION, dt.date(2022, 4, 1), dt.date(2022, 4, 10)),
    ):
        rounds[kind] = Round.objects.create(
            cycle=cycle, kind=kind, opens=opens, deadline=deadline, owner=ROUND_OWNERS[kind]
        )
    user = MembershipFactory(user=UserFactory(username="stp-user"), agency=stp, role=MembershipRole.STAFF).user
    return {"cycle": cycle, "leaf": leaf, "survey": survey, "rounds": rounds, "stp": stp, "focal": user, "snv": snv}


def _pin(world, day: dt.date) -> Cycle:
    cycle = world["cycle"]
    Cycle.objects.filter(pk=cycle.pk).update(reference_date=day)
    cycle.refresh_from_db()
    return cycle


def test_focal_agency_writes_its_self_score_while_the_round_is_open(world):
    score = services.update_score(world["cycle"], world["leaf"], user=world["focal"], self_score=D("0.75"))
    assert score.self_score == D("0.75")


def test_snv_does_not_write_a_self_score_in_the_focal_agency_s_place(world):
    with override("en"), pytest.raises(ValidationError, match="focal agency"):
        services.update_score(world["cycle"], world["leaf"], user=world["snv"], self_score=D("0.75"))


def test_write_after_the_deadline_is_refused_with_a_clear_message(world):
    cycle = _pin(world, dt.date(2022, 1, 16))
    with override("en"), pytest.raises(ValidationError) as exc:
        services.update_score(cycle, world["leaf"], user=world["focal"], self_score=D("0.75"))
    assert "closed on 15/01/2022: its entries are locked" in exc.value.messages[0]
    assert not Score.objects.filter(self_score__isnull=False).exists()


def test_write_before_a_round_opens_is_refused(world):
    with override("en"), pytest.raises(ValidationError, match="opens on 01/03/2022"):
        services.update_score(world["cycle"], world["leaf"], user=world["snv"], appraised_1=D("0.5"))


def test_submitted_area_is_read_only_until_withdrawn_before_the_deadline(world):
    cycle, rnd = world["cycle"], world["rounds"][RoundKind.SELF_ASSESSMENT]
    services.submit_area(rnd, world["stp"], user=world["focal"])
    with override("en"), pytest.raises(ValidationError, match="withdraw"):
        services.update_score(cycle, world["leaf"], user=world["focal"], self_score=D("0.5"))
    services.withdraw_area(rnd, world["stp"], user=world["focal"])
    assert services.update_score(cycle, world["leaf"], user=world["focal"], self_score=D("0.5")).self_score == D("0.5")


def test_withdrawal_after_the_deadline_is_refused(world):
    rnd = world["rounds"][RoundKind.SELF_ASSESSMENT]
    services.submit_area(rnd, world["stp"], user=world["focal"])
    _pin(world, dt.date(2022, 1, 16))
    rnd.refresh_from_db()
    with override("en"), pytest.raises(ValidationError, match="no longer be withdrawn"):
        services.withdraw_area(rnd, world["stp"], user=world["focal"])
    assert RoundSubmission.objects.get().is_submitted


def test_reopening_is_recorded_with_who_when_why_and_lets_the_agency_and_snv_write(world):
    cycle = _pin(world, dt.date(2022, 1, 20))
    rnd = Round.objects.get(cycle=cycle, kind=RoundKind.SELF_ASSESSMENT)
    reopening = services.reopen_entries(
        rnd, world["stp"], user=world["snv"], reason="Bổ sung tài liệu kiểm chứng", until=dt.date(2022, 1, 25)
    )
    stored = RoundReopening.objects.get()
    assert (stored.reopened_by, stored.reason, stored.until) == (
        world["snv"],
        "Bổ sung tài liệu kiểm chứng",
        reopening.until,
    )
    assert timezone.localtime(stored.reopened_at).date() == dt.date(2022, 1, 20)  # the day in Việt Nam, not UTC
    services.update_score(cycle, world["leaf"], user=world["focal"], self_score=D("1"))
    services.update_score(cycle, world["leaf"], user=world["snv"], self_score=D("0.75"), reason="Theo mở lại")
    assert Score.objects.get(criterion=world["leaf"]).self_score == D("0.75")


def test_reopening_needs_a_reason(world):
    rnd = world["rounds"][RoundKind.SELF_ASSESSMENT]
    with pytest.raises(ValidationError):
        services.reopen_entries(rnd, world["stp"], user=world["snv"], reason="  ", until=TODAY)


def test_beat_task_stamps_rounds_past_their_deadline(world):
    assert services.lock_due_rounds(dt.date(2022, 1, 16)) == 1
    assert Round.objects.get(kind=RoundKind.SELF_ASSESSMENT).locked_at is not None
    assert services.lock_due_rounds(dt.date(2022, 1, 16)) == 0  # a second run stamps nothing


def test_beat_task_locks_through_the_service(world, settings):
    from parindex.tasks import lock_due_rounds

    settings.CLOCK_PIN = "2022-04-20"  # past the three rounds' deadlines
    assert lock_due_rounds.apply().get() == 3
    assert not Round.objects.filter(locked_at__isnull=True).exists()


def test_explanation_only_where_round_1_is_below_the_self_score(world):
    cycle = world["cycle"]
    services.update_score(cycle, world["leaf"], user=world["focal"], self_score=D("1"))
    cycle = _pin(world, dt.date(2022, 3, 10))
    services.update_score(
        cycle, world["leaf"], user=world["snv"], appraised_1=D("0.5"), council_remark="Thiếu minh chứng"
    )
    cycle = _pin(world, dt.date(2022, 4, 5))
    score = services.update_score(cycle, world["leaf"], user=world["focal"], explanation="Đã có văn bản số 12")
    assert score.explanation == "Đã có văn bản số 12"
    with override("en"), pytest.raises(ValidationError, match="below the self score"):
        services.update_score(cycle, world["survey"], user=world["focal"], explanation="x")


def test_as_of_a_date_each_round_shows_its_values_as_recorded_and_unopened_rounds_are_hidden(world):
    cycle = world["cycle"]
    services.update_score(cycle, world["leaf"], user=world["focal"], self_score=D("0.75"))
    cycle = _pin(world, dt.date(2022, 3, 10))
    services.update_score(cycle, world["leaf"], user=world["snv"], appraised_1=D("0.5"))
    later = figures.leaves(figures.score_tree(cycle, as_of=dt.date(2022, 3, 10)))[0]
    assert (later.self_score, later.appraised_1, later.effective) == (D("0.75"), D("0.5"), D("0.5"))
    before = figures.leaves(figures.score_tree(cycle, as_of=dt.date(2022, 1, 10)))[0]
    assert (before.self_score, before.appraised_1, before.effective) == (D("0.75"), None, D("0.75"))
    with override("en"):
        source = figures.figure_source(cycle, dt.date(2022, 1, 10))
        assert source.label == "self-assessment (provisional)"
        assert [r.kind for r in source.rounds] == [RoundKind.SELF_ASSESSMENT]
        assert figures.figure_source(cycle, dt.date(2022, 3, 10)).label == "appraisal round 1 (provisional)"


# --------------------------------------------------------------------------- the demo


def test_demo_2021_as_of_15_11_2021_shows_only_provisional_self_assessment(client, demo):
    from agencies.models import User

    cycle = Cycle.objects.get(year=2021)
    tree = figures.score_tree(cycle, FrameworkKind.PAR, dt.date(2021, 11, 15))
    rows = figures.leaves(tree)
    assert not any(r.appraised_score is not None or r.appraised_1 is not None for r in rows)
    assert len(figures.below_max(tree)) == 47
    assert figures.announced(cycle, dt.date(2021, 11, 15)) is None
    client.force_login(User.objects.get(username="snv"))
    html = client.get(reverse("compilation:score-tree")).content.decode()
    assert "tự đánh giá (dự kiến)" in html and 'id="announced-result"' not in html
    after = client.get(reverse("compilation:score-tree"), {"as_of": "01/06/2022"}).content.decode()
    assert 'id="announced-result"' in after and "/63" in after


def test_demo_workbook_as_of_15_11_2021_has_no_appraised_figure(demo):
    import io

    from openpyxl import load_workbook

    from compilation.excel.exporting import export_workbook

    cycle = Cycle.objects.get(year=2021)
    out = io.BytesIO()
    export_workbook(cycle, dt.date(2021, 11, 15), out)
    sheet = load_workbook(io.BytesIO(out.getvalue()))["Điểm Chỉ số CCHC"]
    header_row = next(i for i, row in enumerate(sheet.iter_rows(values_only=True), 1) if "Điểm thẩm định" in row)
    column = [c for c in sheet[header_row] if c.value == "Điểm thẩm định"][0].column
    values = [sheet.cell(row=r, column=column).value for r in range(header_row + 1, sheet.max_row + 1)]
    assert all(v in (None, 0) for v in values)


def test_bad_as_of_date_is_a_400(client, demo):
    from agencies.models import User

    client.force_login(User.objects.get(username="snv"))
    assert client.get(reverse("compilation:score-tree"), {"as_of": "32/13/2021"}).status_code == 400


# --------------------------------------------------------------------------- the rounds page


def test_focal_agency_submits_its_area_from_the_rounds_page_and_is_locked_out_after_the_deadline(client, world):
    rnd = world["rounds"][RoundKind.SELF_ASSESSMENT]
    client.force_login(world["focal"])
    url = reverse("compilation:round-submit", args=[rnd.pk, "submit"])
    assert client.post(url, {"confirm": "1"}).status_code == 302
    assert RoundSubmission.objects.get(round=rnd, agency=world["stp"]).is_submitted
    page = client.get(reverse("compilation:round-list"), {"cycle": world["cycle"].year})
    assert page.status_code == 200 and 'id="round-self_assessment"' in page.content.decode()
    _pin(world, dt.date(2022, 1, 16))
    client.post(reverse("compilation:round-submit", args=[rnd.pk, "withdraw"]), {"confirm": "1"})
    assert RoundSubmission.objects.get(round=rnd, agency=world["stp"]).is_submitted  # refused: past the deadline


def test_snv_reopens_from_the_rounds_page_and_the_reopening_is_listed(client, world):
    rnd = world["rounds"][RoundKind.SELF_ASSESSMENT]
    _pin(world, dt.date(2022, 1, 20))
    client.force_login(world["snv"])
    data = {"agency": world["stp"].pk, "until": "25/01/2022", "reason": "Bổ sung minh chứng"}
    assert client.post(reverse("compilation:round-reopen", args=[rnd.pk]), data).status_code == 302
    page = client.get(reverse("compilation:round-list"), {"cycle": world["cycle"].year}).content.decode()
    assert 'id="reopenings"' in page and "Bổ sung minh chứng" in page


def test_focal_agency_adds_evidence_to_its_self_assessment_checked_and_private(client, world):
    from tests.remediation import files

    client.force_login(world["focal"])
    url = reverse("compilation:score-evidence-upload", args=[world["cycle"].year, world["leaf"].pk])
    assert client.post(url, {"round": "self_assessment", "file": files.pdf()}).status_code == 302
    evidence = Score.objects.get(criterion=world["leaf"]).evidence.get()
    assert evidence.content_type == "application/pdf" and evidence.uploaded_by == world["focal"]
    download = client.get(reverse("compilation:score-evidence-download", args=[evidence.pk]))
    assert download.status_code == 200 and download["Cache-Control"] == "private, no-store"


def test_evidence_after_the_deadline_is_refused(client, world):
    from tests.remediation import files

    _pin(world, dt.date(2022, 1, 16))
    client.force_login(world["focal"])
    url = reverse("compilation:score-evidence-upload", args=[world["cycle"].year, world["leaf"].pk])
    client.post(url, {"round": "self_assessment", "file": files.pdf()})
    assert not Score.objects.filter(criterion=world["leaf"], evidence__isnull=False).exists()
