"""The JSON API (compilation/api): contract, tokens, access rules, writes, limits, figures."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openapi_schema_validator import OAS30Validator
from openapi_spec_validator import validate as validate_spec

from agencies.models import Agency, User
from compilation import figures
from compilation.api import tokens
from compilation.models import ApiScope, ApiToken
from parindex.models import Criterion, Cycle, Method, Round, RoundKind, Score
from remediation import access
from remediation.models import Evidence, ProgressUpdate, Task
from tests.remediation import files

pytestmark = pytest.mark.django_db
TWO_DECIMALS = re.compile(r"^-?\d+\.\d{2}$")


@pytest.fixture(autouse=True)
def _fresh_rate_counters():
    cache.clear()


@pytest.fixture
def issued(shared_demo):
    snv = User.objects.get(username="snv")
    quynhon, annhon = Agency.objects.get(code="quynhon"), Agency.objects.get(code="annhon")
    return {
        "province": tokens.issue_token(name="Hệ thống QLVB", scope=ApiScope.PROVINCE_READ, agency=None, by=snv),
        "snv": tokens.issue_token(name="Nhập kết quả thẩm định", scope=ApiScope.SNV_WRITE, agency=None, by=snv),
        "quynhon": tokens.issue_token(name="QLVB Quy Nhơn", scope=ApiScope.AGENCY, agency=quynhon, by=snv),
        "annhon": tokens.issue_token(name="QLVB An Nhơn", scope=ApiScope.AGENCY, agency=annhon, by=snv),
    }


def call(client, method: str, url: str, token=None, **kwargs):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token.secret}"} if token is not None else {}
    return getattr(client, method)(url, **kwargs, **headers)


@pytest.fixture
def spec(client, issued):
    response = client.get(reverse("api:schema") + "?format=json")
    assert response.status_code == 200
    return response.json()


def _quynhon_task() -> Task:
    return (
        Task.objects.filter(lead_agency__code="quynhon", closed_at__isnull=True, completed_on__isnull=True)
        .exclude(coordinating_agencies__code="annhon")
        .order_by("id")
        .first()
    )


# --------------------------------------------------------------------------- the contract


def test_schema_is_a_valid_openapi_3_document_with_vietnamese_descriptions(spec):
    validate_spec(spec)
    assert spec["openapi"].startswith("3.")
    assert "Sở Nội vụ" in spec["info"]["description"]
    summaries = [op["summary"] for path in spec["paths"].values() for op in path.values() if "summary" in op]
    assert "Số liệu của bảng điều khiển tại ngày chốt số liệu (cùng hàm với trang, PDF, Excel)" in summaries
    assert spec["components"]["securitySchemes"]["token"]["scheme"] == "bearer"


def _response_schema(spec: dict, path: str, status: str = "200") -> dict:
    op = spec["paths"][path]["get"]
    schema = op["responses"][status]["content"]["application/json"]["schema"]
    return {**schema, "components": spec["components"]}


def test_real_responses_over_the_demo_validate_against_the_schema(client, spec, issued):
    cycle = Cycle.objects.get(year=2021)
    task = _quynhon_task()
    report = issued["quynhon"].token.agency.reports.get(cycle=cycle)
    checked = {
        "/api/v1/cycles/": "",
        "/api/v1/cycles/{year}/": "",
        "/api/v1/cycles/{year}/scores/": "?as_of=2021-11-15",
        "/api/v1/cycles/{year}/figures/": "?as_of=15/11/2021",
        "/api/v1/frameworks/": "",
        "/api/v1/frameworks/{id}/": "",
        "/api/v1/agencies/": "?page_size=500",
        "/api/v1/tasks/": "?cycle=2021&page_size=500",
        "/api/v1/tasks/{id}/": "",
        "/api/v1/tasks/{id}/progress/": "",
        "/api/v1/reports/": "?cycle=2021",
        "/api/v1/reports/{id}/": "",
        "/api/v1/issued-reports/": "?cycle=2021",
    }
    ids = {"{year}": "2021", "{id}": ""}
    for path, query in checked.items():
        url = path.replace("{year}", ids["{year}"])
        if "{id}" in url:
            pk = {"frameworks": cycle.framework_of("par").pk, "tasks": task.pk, "reports": report.pk}[
                path.split("/")[3]
            ]
            url = url.replace("{id}", str(pk))
        response = call(client, "get", url + query, issued["province"])
        assert response.status_code == 200, (url, response.content[:300])
        OAS30Validator(_response_schema(spec, path)).validate(response.json())


def test_dates_are_iso_and_decimals_strings_with_two_places(client, issued):
    body = call(client, "get", "/api/v1/cycles/2021/scores/?as_of=15/11/2021", issued["province"]).json()
    assert body["as_of"] == "2021-11-15"
    for row in body["rows"]:
        assert TWO_DECIMALS.match(row["max_points"])
        assert row["self_score"] is None or TWO_DECIMALS.match(row["self_score"])
    assert TWO_DECIMALS.match(body["totals"]["percent"])


def test_two_places_rounds_half_up_once():
    assert figures.two_places(Decimal("86.455")) == "86.46"
    assert figures.two_places(Decimal("1")) == "1.00"
    assert figures.two_places(None) is None


# --------------------------------------------------------------------------- the figures


def test_figures_as_of_15_11_2021_equal_the_dashboard_page(client, issued):
    snv = User.objects.get(username="snv")
    client.force_login(snv)
    page = client.get(reverse("compilation:dashboard") + "?cycle=2021&as_of=15/11/2021").context["data"]
    client.logout()
    body = call(client, "get", "/api/v1/cycles/2021/figures/?as_of=2021-11-15", issued["province"]).json()
    h = page.headline
    assert body["as_of"] == "2021-11-15" == page.as_of.isoformat()
    assert body["tasks"] == h.tasks
    assert body["totals"]["percent"] == figures.two_places(h.totals.percent)
    assert body["totals"]["points"] == figures.two_places(h.totals.points)
    assert body["totals"]["group"] == h.totals.group
    assert body["projection"]["percent"] == figures.two_places(h.projection.percent)
    assert body["reports"]["submitted"] == h.reports.submitted
    assert body["reports"]["missing"] == h.reports.missing
    assert body["below_max"] == h.below_max
    assert [r["agency_id"] for r in body["agencies"]] == [r.agency_id for r in page.ranked]
    assert [r["completion_rate"] for r in body["agencies"]] == [
        figures.two_places(r.completion_rate) for r in page.ranked
    ]
    assert [(a["code"], a["lost"]) for a in body["areas"]] == [(a.code, figures.two_places(a.lost)) for a in page.areas]


def test_a_malformed_as_of_is_a_json_400_never_a_500(client, issued):
    response = call(client, "get", "/api/v1/cycles/2021/figures/?as_of=31/02/2021", issued["province"])
    assert response.status_code == 400
    assert response.json()["code"] == "bad_request"


# --------------------------------------------------------------------------- tokens


def test_a_token_is_stored_hashed_and_shown_once(client, issued):
    secret = issued["province"].secret
    stored = ApiToken.objects.get(pk=issued["province"].token.pk)
    assert secret.startswith("pt_") and len(secret) > 40
    assert stored.key_hash == tokens.digest(secret) != secret
    assert secret not in str(ApiToken.objects.filter(pk=stored.pk).values().first())
    client.force_login(User.objects.get(username="snv"))
    assert secret not in client.get(reverse("compilation:api-tokens")).content.decode()


def test_snv_issues_a_token_in_the_browser_and_sees_it_once(client, shared_demo):
    client.force_login(User.objects.get(username="snv"))
    response = client.post(reverse("compilation:api-tokens"), {"name": "Hệ thống QLVB", "scope": "province_read"})
    assert response.status_code == 200
    secret = re.search(r'id="issued-secret">(pt_[^<]+)<', response.content.decode()).group(1)
    token = ApiToken.objects.get()
    assert token.key_hash == tokens.digest(secret) and token.created_by.username == "snv"
    client.logout()
    assert call(client, "get", "/api/v1/cycles/", type("T", (), {"secret": secret})).status_code == 200


def test_an_agency_token_needs_its_agency(client, shared_demo):
    client.force_login(User.objects.get(username="snv"))
    response = client.post(reverse("compilation:api-tokens"), {"name": "X", "scope": "agency"})
    assert response.status_code == 400
    assert not ApiToken.objects.exists()


def test_last_use_is_recorded(client, issued):
    token = issued["province"].token
    assert ApiToken.objects.get(pk=token.pk).last_used_at is None
    call(client, "get", "/api/v1/cycles/", issued["province"])
    assert ApiToken.objects.get(pk=token.pk).last_used_at is not None


def test_a_revoked_token_answers_401_at_once(client, issued):
    client.force_login(User.objects.get(username="snv"))
    token = issued["quynhon"].token
    assert client.post(reverse("compilation:api-token-revoke", args=[token.pk])).status_code == 302
    client.logout()
    response = call(client, "get", "/api/v1/tasks/", issued["quynhon"])
    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"
    assert ApiToken.objects.get(pk=token.pk).revoked_at is not None


def test_no_token_and_a_wrong_token_answer_401_json(client, issued):
    assert client.get("/api/v1/tasks/").json()["code"] == "not_authenticated"
    wrong = call(client, "get", "/api/v1/tasks/", type("T", (), {"secret": "pt_nope"}))
    assert wrong.status_code == 401 and wrong["WWW-Authenticate"] == "Bearer"


def test_session_authentication_works_for_the_browser(client, issued):
    client.force_login(User.objects.get(username="quynhon"))
    assert client.get("/api/v1/tasks/?cycle=2021").status_code == 200


# --------------------------------------------------------------------------- access rules


def test_an_agency_token_sees_only_its_own_tasks(client, issued):
    body = call(client, "get", "/api/v1/tasks/?cycle=2021&page_size=500", issued["quynhon"]).json()
    own = set(
        access.visible_tasks(User.objects.get(username="quynhon")).filter(cycle__year=2021).values_list("id", flat=True)
    )
    got = {t["id"] for t in body["results"]}
    assert got and got <= own
    assert body["count"] == len(own - set(Task.objects.filter(closed_at__isnull=False).values_list("id", flat=True)))


def test_another_agencys_task_and_evidence_answer_404(client, issued):
    task = _quynhon_task()
    services_user = User.objects.get(username="quynhon")
    from remediation import services

    update = services.record_progress(
        task.pk, services_user, percent=10, note="x", reported_on=task.cycle.as_of(), files=[files.pdf()], cause="c"
    )
    evidence = Evidence.objects.get(progress_update=update)
    for url in (f"/api/v1/tasks/{task.pk}/", f"/api/v1/tasks/{task.pk}/progress/",
                f"/api/v1/evidence/{evidence.pk}/download/"):  # fmt: skip
        stranger = call(client, "get", url, issued["annhon"])
        assert stranger.status_code == 404 and stranger.json()["code"] == "not_found"
        assert call(client, "get", url, issued["quynhon"]).status_code == 200


def test_an_agency_token_reads_no_province_figures(client, issued):
    assert call(client, "get", "/api/v1/cycles/2021/figures/", issued["quynhon"]).status_code == 404
    assert call(client, "get", "/api/v1/issued-reports/", issued["quynhon"]).status_code == 404


def test_overdue_tasks_of_an_agency_for_the_province_token(client, issued):
    quynhon = Agency.objects.get(code="quynhon")
    body = call(client, "get", f"/api/v1/tasks/?cycle=2021&status=overdue&lead={quynhon.pk}", issued["province"]).json()
    as_of = Cycle.objects.get(year=2021).as_of()
    expected = Task.objects.filter(cycle__year=2021, lead_agency=quynhon).not_closed().overdue(as_of)
    assert {t["id"] for t in body["results"]} == set(expected.values_list("id", flat=True))
    assert all(t["status"] == "overdue" for t in body["results"])


# --------------------------------------------------------------------------- writes: progress


def test_an_agency_token_posts_progress_with_evidence_as_its_staff(client, issued):
    task = _quynhon_task()
    url = f"/api/v1/tasks/{task.pk}/progress/"
    data = {
        "percent": 55,
        "note": "Đã rà soát",
        "cause": "Chờ số liệu",
        "version": task.version,
        "files": [files.pdf()],
    }
    response = call(client, "post", url, issued["quynhon"], data=data)
    assert response.status_code == 201, response.content
    body = response.json()
    update = ProgressUpdate.objects.get(pk=body["id"])
    assert update.author == issued["quynhon"].token.user and update.agency.code == "quynhon"
    assert update.note == unicodedata.normalize("NFC", "Đã rà soát")
    assert Task.objects.get(pk=task.pk).progress == 55
    download = body["evidence"][0]["download"]
    assert call(client, "get", download, issued["quynhon"]).status_code == 200
    assert call(client, "get", download, issued["annhon"]).status_code == 404


def test_a_stale_version_is_refused_409_and_nothing_is_written(client, issued):
    task = _quynhon_task()
    before = ProgressUpdate.objects.count()
    data = {"percent": 70, "note": "x", "cause": "c", "version": task.version + 5}
    response = call(client, "post", f"/api/v1/tasks/{task.pk}/progress/", issued["quynhon"], data=data,
                    content_type="application/json")  # fmt: skip
    assert response.status_code == 409 and response.json()["code"] == "stale"
    assert ProgressUpdate.objects.count() == before
    assert Task.objects.get(pk=task.pk).version == task.version


def test_a_bad_percent_names_the_field(client, issued):
    task = _quynhon_task()
    data = {"percent": 150, "note": "x", "version": task.version}
    response = call(client, "post", f"/api/v1/tasks/{task.pk}/progress/", issued["quynhon"], data=data,
                    content_type="application/json")  # fmt: skip
    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["percent"]


def test_read_only_and_other_agencys_tokens_cannot_post_progress(client, issued):
    task = _quynhon_task()
    data = {"percent": 20, "note": "x", "cause": "c", "version": task.version}
    for name, expected in (("province", 403), ("snv", 403), ("annhon", 404)):
        response = call(client, "post", f"/api/v1/tasks/{task.pk}/progress/", issued[name], data=data,
                        content_type="application/json")  # fmt: skip
        assert response.status_code == expected, name
    assert Task.objects.get(pk=task.pk).version == task.version


# --------------------------------------------------------------------------- writes: appraisal


@pytest.fixture
def open_appraisal(issued):
    """The 2021 cycle's appraisal round 1 open today (the demo's lies in 2022)."""
    cycle = Cycle.objects.get(year=2021)
    today = cycle.today()
    Round.objects.filter(cycle=cycle, kind=RoundKind.APPRAISAL_1).update(
        opens=today - dt.timedelta(days=1), deadline=today + dt.timedelta(days=10)
    )
    return cycle


def _self_leaves(cycle: Cycle, n: int) -> list[Criterion]:
    return list(Criterion.objects.filter(framework=cycle.framework_of("par"), method=Method.SELF).leaves()[:n])


def test_appraisal_results_are_written_all_together(client, issued, open_appraisal):
    cycle = open_appraisal
    leaves = _self_leaves(cycle, 3)
    current = {s.criterion_id: s.appraised_1 for s in Score.objects.filter(cycle=cycle, criterion__in=leaves)}
    wanted = {c.code: (Decimal(0) if current.get(c.pk) != 0 else c.max_points) for c in leaves}
    rows = [{"code": code, "value": str(value)} for code, value in wanted.items()]
    response = call(client, "post", "/api/v1/cycles/2021/appraisal/", issued["snv"],
                    data={"round": "appraisal_1", "results": rows}, content_type="application/json")  # fmt: skip
    assert response.status_code == 200, response.content
    assert response.json() == {"round": "appraisal_1", "changed": 3, "unchanged": 0}
    for c in leaves:
        score = Score.objects.get(cycle=cycle, criterion=c)
        assert score.appraised_1 == wanted[c.code]
        assert score.history.first().history_user == issued["snv"].token.user


def test_one_bad_appraisal_row_writes_nothing(client, issued, open_appraisal):
    cycle = open_appraisal
    leaves = _self_leaves(cycle, 2)
    before = {s.pk: s.appraised_1 for s in Score.objects.filter(cycle=cycle)}
    rows = [{"code": leaves[0].code, "value": "0.25"}, {"code": leaves[1].code, "value": str(leaves[1].max_points + 1)},
            {"code": "9.9.9", "value": "0"}]  # fmt: skip
    response = call(client, "post", "/api/v1/cycles/2021/appraisal/", issued["snv"],
                    data={"round": "appraisal_1", "results": rows}, content_type="application/json")  # fmt: skip
    assert response.status_code == 400
    assert len(response.json()["errors"]) == 2
    assert {s.pk: s.appraised_1 for s in Score.objects.filter(cycle=cycle)} == before


def test_a_survey_sub_criterion_takes_no_round_1_appraisal(client, issued, open_appraisal):
    survey = Criterion.objects.filter(framework=open_appraisal.framework_of("par"), method=Method.SURVEY).leaves()[0]
    response = call(client, "post", "/api/v1/cycles/2021/appraisal/", issued["snv"],
                    data={"round": "appraisal_1", "results": [{"code": survey.code, "value": "0"}]},
                    content_type="application/json")  # fmt: skip
    assert response.status_code == 400 and survey.code in response.json()["message"]


def test_a_closed_round_refuses_the_appraisal(client, issued):
    leaf = _self_leaves(Cycle.objects.get(year=2021), 1)[0]
    Round.objects.filter(cycle__year=2021, kind=RoundKind.APPRAISAL_2).update(
        opens=dt.date(2022, 3, 1), deadline=dt.date(2022, 3, 31)
    )
    response = call(client, "post", "/api/v1/cycles/2021/appraisal/", issued["snv"],
                    data={"round": "appraisal_2", "results": [{"code": leaf.code, "value": "0"}]},
                    content_type="application/json")  # fmt: skip
    assert response.status_code == 400 and response.json()["code"] == "invalid"


def test_only_snvs_write_token_posts_appraisal_results(client, issued, open_appraisal):
    leaf = _self_leaves(open_appraisal, 1)[0]
    before = Score.objects.get(cycle=open_appraisal, criterion=leaf).appraised_1
    value = "0.00" if before != 0 else str(leaf.max_points)
    data = {"round": "appraisal_1", "results": [{"code": leaf.code, "value": value}]}
    for name in ("province", "quynhon"):
        response = call(client, "post", "/api/v1/cycles/2021/appraisal/", issued[name], data=data,
                        content_type="application/json")  # fmt: skip
        assert response.status_code == 403, name
    assert Score.objects.get(cycle=open_appraisal, criterion=leaf).appraised_1 == before


# --------------------------------------------------------------------------- limits and query counts


def test_the_rate_limit_answers_429_with_retry_after(client, issued, settings):
    settings.API_RATE_LIMIT_PER_MINUTE = 3
    answers = [call(client, "get", "/api/v1/cycles/", issued["province"]) for _ in range(4)]
    assert [r.status_code for r in answers] == [200, 200, 200, 429]
    assert answers[-1].json()["code"] == "throttled"
    assert 1 <= int(answers[-1]["Retry-After"]) <= 60
    # another token has its own count
    assert call(client, "get", "/api/v1/cycles/", issued["quynhon"]).status_code == 200


def _queries(client, url: str, token) -> int:
    """Queries of one request, the token's last-use stamp left out (written at most once a minute)."""
    with CaptureQueriesContext(connection) as ctx:
        assert call(client, "get", url, token).status_code == 200
    return sum(1 for q in ctx.captured_queries if not q["sql"].startswith('UPDATE "compilation_apitoken"'))


def test_the_task_list_query_count_stays_flat_as_tasks_grow(client, issued):
    url = "/api/v1/tasks/?cycle=2021&page_size=500"
    small = _queries(client, url, issued["province"])
    template = Task.objects.filter(cycle__year=2021).first()
    criteria = list(template.sub_criteria.all())
    agencies = list(Agency.objects.all()[:3])
    for i in range(40):
        task = Task.objects.create(cycle=template.cycle, title=f"Thêm {i}", lead_agency=agencies[i % 3],
                                   deadline=template.deadline)  # fmt: skip
        task.sub_criteria.set(criteria)
        task.coordinating_agencies.set(agencies[:2])
    cache.clear()
    assert _queries(client, url, issued["province"]) == small


def test_the_progress_list_query_count_stays_flat(client, issued):
    task = _quynhon_task()
    user = User.objects.get(username="quynhon")
    from remediation import services

    services.record_progress(
        task.pk, user, percent=1, note="x", reported_on=task.cycle.as_of(), files=[files.pdf()], cause="c"
    )
    url = f"/api/v1/tasks/{task.pk}/progress/"
    small = _queries(client, url, issued["quynhon"])
    for i in range(5):
        services.record_progress(task.pk, user, percent=2 + i, note="x", reported_on=task.cycle.as_of(),
                                 files=[files.pdf(), files.pdf()], cause="c")  # fmt: skip
    cache.clear()
    assert _queries(client, url, issued["quynhon"]) == small
