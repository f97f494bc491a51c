"""The score tree and the sub-criterion page: filters, edits, permissions, history."""

import re
from decimal import Decimal as D

import pytest
from django.urls import reverse
from django.utils import translation

from agencies.models import AgencyKind, MembershipRole, User
from parindex.models import Criterion, Cycle, FrameworkKind, Level, Method, Score
from remediation.models import Evidence
from tests.compilation.test_dashboard import bulk_tasks
from tests.factories import (
    AgencyFactory,
    CriterionFactory,
    CycleFactory,
    FrameworkFactory,
    MembershipFactory,
    ScoreFactory,
    TaskFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
TREE = reverse("compilation:score-tree")


@pytest.fixture
def index(db):
    """Two areas: area 1 kept by 'stp', area 2 by 'stc'; each with one criterion and two one-point leaves."""
    cycle = CycleFactory()
    framework = FrameworkFactory(kind=FrameworkKind.PAR)
    cycle.frameworks.add(framework)
    leaves = {}
    for n, code in ((1, "stp"), (2, "stc")):
        focal = AgencyFactory(code=code, name=f"Sở {code}", kind=AgencyKind.DEPARTMENT)
        area = CriterionFactory(framework=framework, level=Level.AREA, code=str(n), max_points=2, focal_agency=focal)
        crit = CriterionFactory(framework=framework, level=Level.CRITERION, code=f"{n}.1", parent=area, max_points=2)
        for i in (1, 2):
            method = Method.SURVEY if (n, i) == (2, 2) else Method.SELF
            leaf = CriterionFactory(framework=framework, parent=crit, code=f"{n}.1.{i}", method=method)
            # A survey-based leaf is never self-scored: its point is the Ministry's result.
            values = {"appraised_score": D("1")} if method == Method.SURVEY else {"self_score": D(i) / 2}
            ScoreFactory(cycle=cycle, criterion=leaf, **values)
            leaves[leaf.code] = leaf
    return cycle, leaves


def focal_user(code: str) -> User:
    from agencies.models import Agency

    return MembershipFactory(
        user=UserFactory(username=f"{code}-user"), agency=Agency.objects.get(code=code), role=MembershipRole.STAFF
    ).user


def detail_url(cycle: Cycle, criterion: Criterion) -> str:
    return reverse("compilation:criterion-detail", args=[cycle.year, criterion.pk])


def post_scores(client, url: str, **values):
    data = {"self_score": "", "appraised_score": "", "previous_score": "", "target": "", "note": "", "reason": ""}
    data.update(values)
    return client.post(url, data)


# --------------------------------------------------------------------------- the tree


def test_tree_lists_every_node_with_totals(client, snv, index):
    client.force_login(snv)
    response = client.get(TREE)
    codes = re.findall(r'data-code="([\d.]+)"', response.content.decode())
    assert codes == ["1", "1.1", "1.1.1", "1.1.2", "2", "2.1", "2.1.1", "2.1.2"]
    totals = response.context["totals"]
    assert (totals.points, totals.max_points, totals.survey_max) == (D("3"), D("4"), D("1"))


def test_below_max_filter_keeps_the_sub_criteria_below_max_and_their_parents(client, snv, index):
    client.force_login(snv)
    response = client.get(TREE, {"below": "on"})
    codes = re.findall(r'data-code="([\d.]+)"', response.content.decode())
    assert codes == ["1", "1.1", "1.1.1", "2", "2.1", "2.1.1"]
    assert len(response.context["matches"]) == 2


def test_no_task_filter_leaves_out_sub_criteria_being_worked_on(client, snv, index):
    cycle, leaves = index
    TaskFactory(cycle=cycle).sub_criteria.add(leaves["1.1.1"])
    client.force_login(snv)
    response = client.get(TREE, {"below": "on", "no_task": "on"})
    assert [r.code for r in response.context["matches"]] == ["2.1.1"]


@pytest.mark.parametrize(("params", "codes"), [({"area": "2"}, ["2.1.1", "2.1.2"]), ({"method": "survey"}, ["2.1.2"])])
def test_area_and_method_filters(client, snv, index, params, codes):
    client.force_login(snv)
    assert [r.code for r in client.get(TREE, params).context["matches"]] == codes


def test_focal_agency_filter(client, snv, index):
    from agencies.models import Agency

    client.force_login(snv)
    response = client.get(TREE, {"focal": Agency.objects.get(code="stc").pk})
    assert [r.code for r in response.context["matches"]] == ["2.1.1", "2.1.2"]


def test_demo_below_max_filter_shows_exactly_47(client, demo):
    client.force_login(User.objects.get(username="snv"))
    response = client.get(TREE, {"below": "on"})
    assert len(response.context["matches"]) == 47
    assert "47" in response.content.decode()


def test_projected_score_and_group_are_shown(client, snv, index):
    client.force_login(snv)
    response = client.get(TREE)
    assert response.context["projection"].percent == D("75.00")
    assert 'id="projection-done_so_far"' in response.content.decode()


def test_sipas_tree_is_shown_apart(client, snv, index):
    cycle, _ = index
    sipas = FrameworkFactory(kind=FrameworkKind.SIPAS)
    cycle.frameworks.add(sipas)
    component = CriterionFactory(framework=sipas, level=Level.AREA, code="S1", max_points=100, method=Method.SURVEY)
    ScoreFactory(cycle=cycle, criterion=component, appraised_score=D("86.5"))
    client.force_login(snv)
    response = client.get(TREE, {"kind": "sipas"})
    assert re.findall(r'data-code="([^"]+)"', response.content.decode()) == ["S1"]


@pytest.mark.parametrize("n", [10, 1000])
def test_tree_query_count_does_not_grow_with_tasks(client, snv, index, n, django_assert_max_num_queries):
    cycle, leaves = index
    bulk_tasks(cycle, n, list(leaves.values()), [AgencyFactory(code=f"d{i}") for i in range(4)])
    client.force_login(snv)
    with django_assert_max_num_queries(16):  # 15, and one for the predecessor provinces' baselines (issue 13)
        assert client.get(TREE, {"below": "on"}).status_code == 200


# --------------------------------------------------------------------------- who sees what


def test_chairman_office_reads_the_tree_without_edit_controls(client, chairman_office, index):
    client.force_login(chairman_office)
    body = client.get(TREE).content.decode()
    assert "edit-link" not in body and "/manage/" not in body


def test_focal_agency_sees_edit_controls_on_its_own_area_only(client, index):
    client.force_login(focal_user("stp"))
    body = client.get(TREE).content.decode()
    rows = dict(re.findall(r'data-code="([\d.]+)">(.*?)</tr>', body, re.S))
    assert "edit-link" in rows["1.1.1"]
    assert "edit-link" not in rows["2.1.1"]


def test_agency_that_is_no_focal_agency_gets_404(client, staff, index):
    cycle, leaves = index
    client.force_login(staff)
    assert client.get(TREE).status_code == 404
    assert client.get(detail_url(cycle, leaves["1.1.1"])).status_code == 404


def test_chairman_office_cannot_post_a_score(client, chairman_office, index):
    cycle, leaves = index
    client.force_login(chairman_office)
    page = client.get(detail_url(cycle, leaves["1.1.1"]))
    assert page.status_code == 200 and page.context["form"] is None
    assert post_scores(client, detail_url(cycle, leaves["1.1.1"]), self_score="1").status_code == 403
    assert Score.objects.get(criterion=leaves["1.1.1"]).self_score == D("0.5")


def test_focal_agency_edits_a_score_of_its_area(client, index):
    cycle, leaves = index
    client.force_login(focal_user("stp"))
    response = post_scores(client, detail_url(cycle, leaves["1.1.2"]), self_score="0,75", appraised_score="0.5")
    assert response.status_code == 302
    score = Score.objects.get(criterion=leaves["1.1.2"])
    assert (score.self_score, score.appraised_score) == (D("0.75"), D("0.5"))


def test_focal_agency_cannot_edit_another_area(client, index):
    cycle, leaves = index
    client.force_login(focal_user("stp"))
    assert post_scores(client, detail_url(cycle, leaves["2.1.1"]), self_score="1").status_code == 403


# --------------------------------------------------------------------------- editing


def test_decimal_comma_is_accepted(client, snv, index):
    cycle, leaves = index
    client.force_login(snv)
    post_scores(client, detail_url(cycle, leaves["1.1.1"]), self_score="0,25", target="1", previous_score="0,5")
    score = Score.objects.get(criterion=leaves["1.1.1"])
    assert (score.self_score, score.target, score.previous_score) == (D("0.25"), D("1"), D("0.5"))


def test_form_shows_the_current_score_with_a_comma_in_vietnamese(client, snv, index):
    cycle, leaves = index
    client.force_login(snv)
    with translation.override("vi"):
        body = client.get(detail_url(cycle, leaves["1.1.1"]), HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    assert re.search(r'name="self_score" value="0,5"', body)


@pytest.mark.parametrize("value", ["1,5", "-0,25"])
def test_score_outside_zero_to_max_is_refused_with_a_message(client, snv, index, value, settings):
    cycle, leaves = index
    client.force_login(snv)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = post_scores(client, detail_url(cycle, leaves["1.1.1"]), self_score=value)
    assert response.status_code == 200
    assert response.context["form"].errors["self_score"] == ["The score must be between 0 and 1."]
    assert Score.objects.get(criterion=leaves["1.1.1"]).self_score == D("0.5")


def test_validation_message_is_translated_into_vietnamese(client, snv, index):
    cycle, leaves = index
    client.force_login(snv)
    with translation.override("vi"):
        response = post_scores(client, detail_url(cycle, leaves["1.1.1"]), appraised_score="3")
    assert "Điểm phải từ 0 đến 1" in response.content.decode()


def test_first_edit_creates_the_missing_score_row(client, snv, index):
    cycle, leaves = index
    Score.objects.filter(criterion=leaves["2.1.2"]).delete()
    client.force_login(snv)
    post_scores(client, detail_url(cycle, leaves["2.1.2"]), appraised_score="0,75")
    assert Score.objects.get(cycle=cycle, criterion=leaves["2.1.2"]).appraised_score == D("0.75")


def test_history_shows_who_changed_what_and_why(client, snv, index):
    cycle, leaves = index
    client.force_login(snv)
    url = detail_url(cycle, leaves["1.1.1"])
    post_scores(client, url, self_score="0,75", reason="Thẩm định vòng 1")
    record = Score.history.filter(criterion_id=leaves["1.1.1"].pk).latest("history_date")
    assert record.history_user == snv and record.history_change_reason == "Thẩm định vòng 1"
    body = client.get(url).content.decode()
    history = body.split('id="score-history"')[1]
    assert str(snv) in history and "Thẩm định vòng 1" in history and "→ 0,75" in history.replace(".", ",")


def test_inner_nodes_have_no_page(client, snv, index):
    cycle, leaves = index
    client.force_login(snv)
    assert client.get(detail_url(cycle, leaves["1.1.1"].parent)).status_code == 404


def test_criterion_of_another_cycle_is_not_found(client, snv, index):
    _, leaves = index
    other = CycleFactory(year=2030)
    client.force_login(snv)
    assert client.get(detail_url(other, leaves["1.1.1"])).status_code == 404


def test_sub_criterion_page_lists_its_tasks_and_evidence(client, snv, index, tmp_path, settings):
    settings.PRIVATE_MEDIA_ROOT = tmp_path
    cycle, leaves = index
    task = TaskFactory(cycle=cycle, title="Bổ sung tài liệu kiểm chứng")
    task.sub_criteria.add(leaves["1.1.1"])
    Evidence.objects.create(
        task=task,
        file="evidence/x.pdf",
        original_name="kiem-chung.pdf",
        content_type="application/pdf",
        size=10,
        sha256="0" * 64,
        uploaded_by=snv,
    )
    client.force_login(snv)
    body = client.get(detail_url(cycle, leaves["1.1.1"])).content.decode()
    assert "Bổ sung tài liệu kiểm chứng" in body
    assert reverse("remediation:task-detail", args=[task.pk]) in body
    assert "kiem-chung.pdf" in body
    assert f"{reverse('remediation:manage-task-create')}?criterion={leaves['1.1.1'].pk}" in body
