"""SNV sets a round's dates and closes it (history kept), and records the announced results of the
PAR Index (rank N/63, the group where the methodology has groups) and of SIPAS (components)."""

import datetime as dt
import re
from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import override

from compilation import figures
from parindex import services
from parindex.models import ROUND_OWNERS, Cycle, FrameworkKind, Level, Result, Round, RoundKind
from tests.factories import CriterionFactory, CycleFactory, FrameworkFactory

pytestmark = pytest.mark.django_db
TODAY = dt.date(2022, 5, 30)


@pytest.fixture
def world(db, settings):
    settings.CLOCK_PIN = "cycle"
    cycle = CycleFactory(reference_date=TODAY)
    par = FrameworkFactory(kind=FrameworkKind.PAR, groups=[])  # 2021: no groups
    sipas = FrameworkFactory(kind=FrameworkKind.SIPAS, name="SIPAS thử")
    cycle.frameworks.add(par, sipas)
    area = CriterionFactory(framework=par, level=Level.AREA, code="1", max_points=1)
    CriterionFactory(framework=par, parent=area, code="1.1", max_points=1)
    for code in ("1", "2"):
        CriterionFactory(framework=sipas, level=Level.AREA, code=code, max_points=100)
    round_ = Round.objects.create(
        cycle=cycle,
        kind=RoundKind.APPRAISAL_1,
        opens=dt.date(2022, 3, 1),
        deadline=dt.date(2022, 3, 31),
        owner=ROUND_OWNERS[RoundKind.APPRAISAL_1],
        locked_at=dt.datetime(2022, 4, 1, tzinfo=dt.UTC),
    )
    return cycle, round_


def test_snv_moves_a_deadline_with_a_reason_and_the_round_history_keeps_the_old_one(world, snv, client):
    cycle, round_ = world
    client.force_login(snv)
    prefix = f"round-{round_.pk}"
    data = {f"{prefix}-opens": "01/03/2022", f"{prefix}-deadline": "15/06/2022", f"{prefix}-reason": "Bộ gia hạn"}
    assert client.post(reverse("compilation:round-dates", args=[round_.pk]), data).status_code == 302
    round_.refresh_from_db()
    assert round_.deadline == dt.date(2022, 6, 15) and round_.locked_at is None  # open again: the stamp is lifted
    deadlines = list(round_.history.order_by("history_id").values_list("deadline", "history_change_reason"))
    assert deadlines[0][0] == dt.date(2022, 3, 31) and deadlines[-1] == (dt.date(2022, 6, 15), "Bộ gia hạn")
    page = client.get(reverse("compilation:round-list"), {"cycle": cycle.year}).content.decode()
    assert "Bộ gia hạn" in page and 'data-round-dates="appraisal_1"' in page


def test_closing_a_round_makes_its_figures_final(world, snv):
    cycle, round_ = world
    services.update_round(round_, user=snv, reason="Đóng vòng", opens=round_.opens, deadline=round_.deadline,
                          closed_on=dt.date(2022, 3, 31))  # fmt: skip
    assert figures.figure_source(Cycle.objects.get(pk=cycle.pk), TODAY).provisional is False


def test_round_dates_need_a_reason_an_order_and_snv(world, snv, staff):
    _cycle, round_ = world
    dates = {"opens": round_.opens, "deadline": round_.deadline, "closed_on": None}
    with override("en"), pytest.raises(ValidationError, match="reason"):
        services.update_round(round_, user=snv, reason=" ", **dates)
    with override("en"), pytest.raises(ValidationError, match="before the opening"):
        services.update_round(round_, user=snv, reason="x", **(dates | {"deadline": dt.date(2022, 2, 1)}))
    with override("en"), pytest.raises(ValidationError, match="Only SNV"):
        services.update_round(round_, user=staff, reason="x", **dates)
    assert Round.objects.get(pk=round_.pk).deadline == dt.date(2022, 3, 31)


def test_snv_records_the_par_result_and_it_shows_from_its_decision_date(world, snv, client):
    cycle, _round = world
    client.force_login(snv)
    data = {
        "par-decision": "…/QĐ-BNV",
        "par-decision_date": "25/05/2022",
        "par-percent": "85,12",
        "par-rank": "31",
        "par-out_of": "63",
        "par-group": "",
    }
    response = client.post(reverse("compilation:result-record", args=[cycle.year, "par"]), data)
    assert response.status_code == 302
    result = Result.objects.get(cycle=cycle, kind=FrameworkKind.PAR)
    assert (result.percent, result.rank, result.out_of, result.group) == (D("85.12"), 31, 63, "")
    page = client.get(reverse("compilation:round-list"), {"cycle": cycle.year}).content.decode()
    shown = re.search(r'data-result="par">.*?class="result-figures">(.*?)</span>', page, re.S).group(1)
    assert "31/63" in shown and "85,12" in shown
    # As of the day before the decision it is not announced.
    Cycle.objects.filter(pk=cycle.pk).update(reference_date=dt.date(2022, 5, 24))
    page = client.get(reverse("compilation:round-list"), {"cycle": cycle.year}).content.decode()
    assert 'class="result-figures"' not in page


def test_a_group_is_refused_where_the_methodology_has_none_and_a_rank_beyond_the_provinces(world, snv):
    cycle, _round = world
    args = {"decision": "x", "decision_date": TODAY, "percent": D("85"), "out_of": 34}
    with override("en"), pytest.raises(ValidationError) as caught:
        services.record_result(cycle, FrameworkKind.PAR, user=snv, rank=35, group="B", **args)
    assert set(caught.value.message_dict) == {"rank", "group"}
    assert not Result.objects.exists()


def test_sipas_result_keeps_its_components_and_a_correction_keeps_the_earlier_values(world, snv):
    cycle, _round = world
    args = {"decision": "SIPAS 2021", "decision_date": TODAY, "rank": 20, "out_of": 63}
    services.record_result(cycle, FrameworkKind.SIPAS, user=snv, percent=D("82"), components={"1": D("80.5")}, **args)
    services.record_result(cycle, FrameworkKind.SIPAS, user=snv, percent=D("83"), components={"1": D("81")}, **args)
    result = Result.objects.get(cycle=cycle, kind=FrameworkKind.SIPAS)
    assert result.components == {"1": "81"}
    assert sorted(result.history.values_list("percent", flat=True)) == [D("82"), D("83")]
    with override("en"), pytest.raises(ValidationError, match="component"):
        services.record_result(cycle, FrameworkKind.SIPAS, user=snv, percent=D("83"), components={"9": D("1")}, **args)
