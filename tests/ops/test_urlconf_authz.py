"""Authorization generated from the URLconf: every URL × every role, own and other agency's objects.

Every named URL of the project must have an expectation here; a new URL without one fails
this test, so nobody adds a page without deciding who may reach it. GET is checked for every
URL; POST with an empty body for every URL that changes something (an authorized user gets a
form error, never a change; everybody else gets 302 to the login page, 403 or 404).
"""

import hashlib

import pytest
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from agencies.models import Agency, User
from compilation.api import tokens
from compilation.models import ApiScope, IssuedReport, IssuedReportStatus
from parindex.models import Criterion, Crosswalk, Cycle, Round
from remediation import services
from remediation.models import AgencyReport, DeadlineExtension, Evidence, ExtensionState, Notification, Task
from tests.remediation import files

pytestmark = pytest.mark.django_db
ROLES = ["anonymous", "quynhon", "quynhon.lead", "annhon", "stp", "snv", "vp", "admin"]


def row(*statuses: int) -> dict[str, int]:
    return dict(zip(ROLES, statuses, strict=True))


ALL_200 = row(200, 200, 200, 200, 200, 200, 200, 200)
LOGIN_200 = row(302, 200, 200, 200, 200, 200, 200, 200)
LOGIN_405 = row(302, 405, 405, 405, 405, 405, 405, 405)
PROVINCE = row(302, 404, 404, 404, 404, 200, 200, 200)  # SNV, Chairman's office, administrator
SNV_ONLY = row(302, 404, 404, 404, 404, 200, 404, 200)
SNV_FORM_ERROR = row(302, 404, 404, 404, 404, 400, 404, 400)
OWN_TASK = row(302, 200, 200, 404, 404, 200, 200, 200)  # quynhon's; annhon and stp are strangers
# The JSON API (issue 19): 401 instead of the login redirect, otherwise the pages' own rules.
API_ALL = row(401, 200, 200, 200, 200, 200, 200, 200)
API_PROVINCE = row(401, 404, 404, 404, 404, 200, 200, 200)
API_OWN_TASK = row(401, 200, 200, 404, 404, 200, 200, 200)
API_405 = row(401, 405, 405, 405, 405, 405, 405, 405)

# name -> (object key for the URL's arguments, GET expectations, POST-with-empty-body expectations or None)
EXPECTED = {
    "compilation:home": (None, LOGIN_200, None),
    # Issue 14: verification and priority by SNV (admin too), extensions asked by the lead agency.
    "remediation:task-verify": ("task", LOGIN_405, row(302, 404, 404, 404, 404, 400, 404, 400)),
    "remediation:task-send-back": ("task", LOGIN_405, row(302, 404, 404, 404, 404, 400, 404, 400)),
    "remediation:task-priority": ("task", LOGIN_405, row(302, 404, 404, 404, 404, 400, 404, 400)),
    "remediation:extension-request": ("task", LOGIN_405, row(302, 400, 400, 404, 404, 404, 404, 404)),
    "remediation:extension-decide": ("extension", LOGIN_405, row(302, 404, 404, 404, 404, 400, 404, 400)),
    "remediation:report-causes": (None, LOGIN_405, row(302, 400, 400, 400, 400, 400, 404, 404)),
    "healthz": (None, ALL_200, None),
    "login": (None, ALL_200, None),
    "logout": (None, None, row(302, 302, 302, 302, 302, 302, 302, 302)),
    "set_language": (None, row(302, 302, 302, 302, 302, 302, 302, 302), None),
    "remediation:task-list": (None, LOGIN_200, None),
    "remediation:task-detail": ("task", OWN_TASK, None),
    "remediation:task-updates": ("task", OWN_TASK, None),
    "remediation:task-history": ("task", OWN_TASK, None),
    "remediation:task-progress": ("task", LOGIN_405, row(302, 400, 400, 404, 404, 404, 404, 404)),
    "remediation:task-complete": ("task", LOGIN_405, row(302, 400, 400, 404, 404, 404, 404, 404)),
    "remediation:task-cause": ("task", LOGIN_405, row(302, 400, 400, 404, 404, 404, 404, 404)),
    "remediation:evidence-download": ("evidence", OWN_TASK, None),
    # snv works at Sở Nội vụ, an addressee with a report of its own; vp and admin belong to no agency.
    "remediation:report-edit": (
        None,
        row(302, 200, 200, 200, 200, 200, 404, 404),
        row(302, 400, 400, 400, 400, 400, 404, 404),
    ),
    "remediation:report-inbox": (None, PROVINCE, None),
    "remediation:report-detail": ("report", OWN_TASK, None),
    "remediation:report-review": ("report", LOGIN_405, row(302, 404, 404, 404, 404, 400, 404, 400)),
    "remediation:manage-task-list": (None, SNV_ONLY, None),
    "remediation:manage-task-create": (None, SNV_ONLY, SNV_ONLY),
    "remediation:manage-task-bulk": (
        None,
        row(302, 404, 404, 404, 404, 405, 404, 405),
        row(302, 404, 404, 404, 404, 302, 404, 302),
    ),
    "remediation:manage-task-edit": ("task", SNV_ONLY, SNV_ONLY),
    "remediation:manage-task-close": ("task", SNV_ONLY, SNV_ONLY),
    "remediation:manage-task-reopen": ("task", SNV_ONLY, SNV_ONLY),
    "remediation:notification-list": (None, LOGIN_200, None),
    "remediation:notification-open": ("notification", row(302, 302, 404, 404, 404, 404, 404, 404), None),
    "remediation:notification-read-all": (None, LOGIN_405, row(302, 302, 302, 302, 302, 302, 302, 302)),
    "remediation:calendar-regenerate": (None, LOGIN_405, row(302, 302, 302, 302, 302, 302, 403, 403)),
    "remediation:calendar-feed": ("token", ALL_200, None),
    "compilation:dashboard": (None, PROVINCE, None),
    "compilation:agencies": (None, PROVINCE, None),
    "compilation:score-tree": (None, row(302, 404, 404, 404, 200, 200, 200, 200), None),
    # criterion of area 1 (focal: Sở Nội vụ): stp reads it as a focal agency but may not edit it.
    # SNV and the administrator get a form error: the 2021 self-assessment round is locked.
    "compilation:criterion-detail": (
        "criterion",
        row(302, 404, 404, 404, 200, 200, 200, 200),
        row(302, 404, 404, 404, 403, 200, 403, 200),
    ),
    # stp is not the focal agency of area 1: a 403 on upload, a 404 on download.
    "compilation:score-evidence-upload": (
        "criterion",
        row(302, 404, 404, 404, 405, 405, 405, 405),
        row(302, 404, 404, 404, 403, 400, 403, 400),
    ),
    "compilation:score-evidence-download": ("score_evidence", row(302, 404, 404, 404, 404, 200, 200, 200), None),
    "compilation:cycle-list": (None, PROVINCE, None),
    "compilation:cycle-start": (None, SNV_ONLY, SNV_ONLY),
    "compilation:cycle-settings": ("year", SNV_ONLY, SNV_FORM_ERROR),
    "compilation:round-list": (None, row(302, 404, 404, 404, 200, 200, 200, 200), None),
    "compilation:crosswalk-list": (None, PROVINCE, row(302, 404, 404, 404, 404, 400, 404, 400)),
    "compilation:crosswalk-detail": ("crosswalk", PROVINCE, row(302, 404, 404, 404, 404, 400, 404, 400)),
    # snv works at Sở Nội vụ, focal agency of area 1; vp and admin belong to no agency.
    "compilation:round-submit": (
        "round_action",
        row(302, 404, 404, 404, 405, 405, 405, 405),
        row(302, 404, 404, 404, 400, 400, 404, 404),
    ),
    # Issue 12: the Ministry's appraisal import, a round's dates, the announced results (SNV only).
    "compilation:appraisal-import": ("appraisal_round", SNV_ONLY, SNV_FORM_ERROR),
    "compilation:round-dates": (
        "round",
        row(302, 404, 404, 404, 405, 405, 405, 405),
        row(302, 404, 404, 404, 404, 400, 404, 400),
    ),
    "compilation:result-record": (
        "result",
        row(302, 404, 404, 404, 405, 405, 405, 405),
        row(302, 404, 404, 404, 404, 400, 404, 400),
    ),
    "compilation:round-reopen": (
        "round",
        row(302, 404, 404, 404, 405, 405, 405, 405),
        row(302, 404, 404, 404, 404, 400, 404, 400),
    ),
    "compilation:report-list": (None, PROVINCE, None),
    "compilation:report-issue": (None, LOGIN_405, row(302, 404, 404, 404, 404, 400, 403, 400)),
    "compilation:report-detail": ("issued", PROVINCE, None),
    "compilation:report-status": ("issued", PROVINCE, None),
    "compilation:report-download": ("issued", PROVINCE, None),
    "compilation:excel-home": (None, LOGIN_200, None),
    "compilation:excel-import": (None, LOGIN_405, row(302, 404, 404, 404, 404, 400, 404, 400)),
    "compilation:excel-preview": ("import_token", row(302, 404, 404, 404, 404, 404, 404, 404), None),
    "compilation:excel-cancel": ("import_token", LOGIN_405, row(302, 404, 404, 404, 404, 404, 404, 404)),
    "compilation:excel-sheet": ("import_token", LOGIN_405, row(302, 404, 404, 404, 404, 404, 404, 404)),
    "compilation:excel-alias": ("import_token", LOGIN_405, row(302, 404, 404, 404, 404, 404, 404, 404)),
    "compilation:excel-export": ("export_query", LOGIN_200, None),
    "compilation:excel-template": ("kind", SNV_ONLY, None),
    # Agencies over time (issue 13): SNV only; an empty POST is a form error, never a change.
    "compilation:agency-manage": (None, SNV_ONLY, None),
    "compilation:agency-create": (None, SNV_ONLY, SNV_FORM_ERROR),
    "compilation:agency-rename": ("agency", SNV_ONLY, SNV_FORM_ERROR),
    "compilation:agency-deactivate": ("agency", SNV_ONLY, SNV_FORM_ERROR),
    "compilation:agency-restructure": ("restructure_kind", SNV_ONLY, SNV_FORM_ERROR),
    "compilation:baseline-import": (None, SNV_ONLY, SNV_FORM_ERROR),
    # The API's client tokens (issue 19): SNV issues and revokes them.
    "compilation:api-tokens": (None, SNV_ONLY, SNV_FORM_ERROR),
    "compilation:api-token-revoke": (
        "api_token",
        row(302, 404, 404, 404, 404, 405, 404, 405),
        row(302, 404, 404, 404, 404, 302, 404, 302),
    ),
    # The JSON API, signed in with a session (the token scopes: API_TOKEN_EXPECTED below).
    "api:cycle-list": (None, API_ALL, None),
    "api:cycle-detail": ("year", API_ALL, None),
    "api:scores": ("year", row(401, 404, 404, 404, 200, 200, 200, 200), None),
    "api:figures": ("year", API_PROVINCE, None),
    "api:appraisal": ("year", API_405, row(401, 404, 404, 404, 404, 400, 404, 400)),
    "api:framework-list": (None, API_ALL, None),
    "api:framework-detail": ("framework", API_ALL, None),
    "api:agency-list": (None, API_ALL, None),
    "api:task-list": (None, API_ALL, None),
    "api:task-detail": ("task", API_OWN_TASK, None),
    "api:task-progress": ("task", API_OWN_TASK, row(401, 400, 400, 404, 404, 403, 403, 403)),
    "api:evidence-download": ("evidence", API_OWN_TASK, None),
    "api:report-list": (None, API_ALL, None),
    "api:report-detail": ("report", API_OWN_TASK, None),
    "api:issued-report-list": (None, API_PROVINCE, None),
    "api:issued-report-download": ("issued", API_PROVINCE, None),
    "api:schema": (None, ALL_200, None),
    "api:docs": (None, ALL_200, None),
    "api:redoc": (None, ALL_200, None),
}

TOKENS = ["none", "province", "snv", "quynhon", "annhon"]


def trow(*statuses: int) -> dict[str, int]:
    return dict(zip(TOKENS, statuses, strict=True))


T_ALL = trow(401, 200, 200, 200, 200)
T_PROVINCE = trow(401, 200, 200, 404, 404)
T_OWN = trow(401, 200, 200, 200, 404)
# Every API route × every token scope: GET, and POST with an empty body where the route writes.
API_TOKEN_EXPECTED = {
    "api:cycle-list": (None, T_ALL, None),
    "api:cycle-detail": ("year", T_ALL, None),
    "api:scores": ("year", T_PROVINCE, None),
    "api:figures": ("year", T_PROVINCE, None),
    "api:appraisal": ("year", trow(401, 405, 405, 405, 405), trow(401, 403, 400, 403, 403)),
    "api:framework-list": (None, T_ALL, None),
    "api:framework-detail": ("framework", T_ALL, None),
    "api:agency-list": (None, T_ALL, None),
    "api:task-list": (None, T_ALL, trow(401, 403, 403, 403, 403)),
    "api:task-detail": ("task", T_OWN, trow(401, 403, 403, 403, 403)),
    "api:task-progress": ("task", T_OWN, trow(401, 403, 403, 400, 404)),
    "api:evidence-download": ("evidence", T_OWN, None),
    "api:report-list": (None, T_ALL, None),
    "api:report-detail": ("report", T_OWN, None),
    "api:issued-report-list": (None, T_PROVINCE, None),
    "api:issued-report-download": ("issued", T_PROVINCE, None),
    "api:schema": (None, trow(200, 200, 200, 200, 200), None),
    "api:docs": (None, trow(200, 200, 200, 200, 200), None),
    "api:redoc": (None, trow(200, 200, 200, 200, 200), None),
}


def _score_evidence(cycle, criterion) -> int:
    from parindex.models import Score, ScoreEvidence

    score = Score.objects.get(cycle=cycle, criterion=criterion)
    evidence = ScoreEvidence(score=score, round_kind="self_assessment", original_name="kc.pdf",
                             content_type="application/pdf", size=len(files.PDF), sha256="0" * 64,
                             uploaded_by=User.objects.get(username="snv"))  # fmt: skip
    evidence.file.save("kc.pdf", ContentFile(files.PDF), save=False)
    evidence.save()
    return evidence.pk


def named_urls() -> list[str]:
    """Every named URL of the project except Django's admin (which has its own permission system)."""

    def walk(patterns, namespace):
        for p in patterns:
            if isinstance(p, URLResolver):
                if p.namespace == "admin":
                    continue
                yield from walk(p.url_patterns, p.namespace or namespace)
            elif isinstance(p, URLPattern) and p.name:
                yield f"{namespace}:{p.name}" if namespace else p.name

    return sorted(set(walk(get_resolver().url_patterns, None)))


def test_every_url_has_an_expectation():
    assert sorted(set(named_urls()) - set(EXPECTED)) == []
    assert sorted(set(EXPECTED) - set(named_urls())) == []


@pytest.fixture
def objects(demo):
    cache.clear()  # the API's rate counters (Redis) start afresh: user ids repeat between test databases
    quynhon = User.objects.get(username="quynhon")
    task = (
        Task.objects.filter(lead_agency__code="quynhon")
        .exclude(coordinating_agencies__code__in=["annhon", "stp"])
        .exclude(sub_criteria__code__startswith="2.")
        .first()
    )
    services.record_progress(
        task.pk, quynhon, percent=40, note="x", reported_on=task.cycle.as_of(), files=[files.pdf()], cause="c"
    )
    cycle = Cycle.current()
    issued = IssuedReport.objects.create(
        cycle=cycle, requested_by=User.objects.get(username="snv"), as_of=cycle.as_of(), status=IssuedReportStatus.DONE
    )
    issued.file.save("bao-cao.pdf", ContentFile(files.PDF), save=False)
    issued.sha256, issued.size = hashlib.sha256(files.PDF).hexdigest(), len(files.PDF)
    issued.save()
    criterion = Criterion.objects.get(framework=cycle.framework_of("par"), code="1.1.1")
    snv = User.objects.get(username="snv")
    api_token = tokens.issue_token(name="QLVB", scope=ApiScope.PROVINCE_READ, agency=None, by=snv).token
    return {
        "year": [cycle.year],
        "framework": [cycle.framework_of("par").pk],
        "api_token": [api_token.pk],
        "task": [task.pk],
        "evidence": [Evidence.objects.get(task=task).pk],
        "report": [AgencyReport.objects.get(agency__code="quynhon").pk],
        "notification": [Notification.objects.create(recipient=quynhon, kind="x", title="t").pk],
        "extension": [DeadlineExtension.objects.filter(state=ExtensionState.PENDING).first().pk],
        "token": [quynhon.agency.calendar_token],
        "criterion": [cycle.year, criterion.pk],
        "crosswalk": [Crosswalk.objects.order_by("id").first().pk],
        "score_evidence": [_score_evidence(cycle, criterion)],
        "round": [Round.objects.filter(cycle=cycle).order_by("id").first().pk],
        "appraisal_round": [Round.objects.filter(kind="appraisal_1").order_by("id").first().pk],
        "result": [cycle.year, "par"],
        "round_action": [Round.objects.filter(cycle=cycle).order_by("id").first().pk, "submit"],
        "issued": [issued.pk],
        "import_token": ["khong-ton-tai"],
        "kind": ["tasks"],
        "agency": [quynhon.agency.pk],
        "restructure_kind": ["split"],
        "export_query": [],
        "export_suffix": f"?cycle={cycle.pk}",
    }


def _url(name: str, key: str | None, objects: dict) -> str:
    url = reverse(name, args=objects[key] if key else [])
    return url + (objects["export_suffix"] if key == "export_query" else "")


def _answers(client, method: str, objects: dict) -> list[tuple]:
    wrong = []
    users = {u.username: u for u in User.objects.filter(username__in=ROLES)}
    for name, (key, get_expected, post_expected) in EXPECTED.items():
        expected = get_expected if method == "get" else post_expected
        if expected is None:
            continue
        url = _url(name, key, objects)
        for role, status in expected.items():
            client.logout()
            if role != "anonymous":
                client.force_login(users[role])
            got = getattr(client, method)(url, {}) if method == "post" else client.get(url)
            if got.status_code != status:
                wrong.append((method, url, role, status, got.status_code))
    return wrong


def test_every_url_answers_each_role_as_expected_on_get(client, objects):
    assert _answers(client, "get", objects) == []


def test_every_changing_url_refuses_outsiders_and_changes_nothing_on_empty_post(client, objects):
    task = Task.objects.get(pk=objects["task"][0])
    assert _answers(client, "post", objects) == []
    task_after = Task.objects.get(pk=task.pk)
    assert (task_after.version, task_after.progress, task_after.closed_at) == (task.version, task.progress, None)


def test_every_api_route_has_a_token_expectation():
    api = sorted(n for n in named_urls() if n.startswith("api:"))
    assert api == sorted(API_TOKEN_EXPECTED)


def test_every_api_route_answers_each_token_scope_as_expected(client, objects):
    snv = User.objects.get(username="snv")
    issued = {
        "province": tokens.issue_token(name="P", scope=ApiScope.PROVINCE_READ, agency=None, by=snv).secret,
        "snv": tokens.issue_token(name="S", scope=ApiScope.SNV_WRITE, agency=None, by=snv).secret,
        "quynhon": tokens.issue_token(
            name="Q", scope=ApiScope.AGENCY, agency=Agency.objects.get(code="quynhon"), by=snv
        ).secret,
        "annhon": tokens.issue_token(
            name="A", scope=ApiScope.AGENCY, agency=Agency.objects.get(code="annhon"), by=snv
        ).secret,
    }
    task = Task.objects.get(pk=objects["task"][0])
    client.logout()
    wrong = []
    for name, (key, get_expected, post_expected) in API_TOKEN_EXPECTED.items():
        url = _url(name, key, objects)
        for method, expected in (("get", get_expected), ("post", post_expected)):
            for scope, status in (expected or {}).items():
                headers = {"HTTP_AUTHORIZATION": f"Bearer {issued[scope]}"} if scope != "none" else {}
                got = client.get(url, **headers) if method == "get" else client.post(url, {}, **headers)
                if got.status_code != status:
                    wrong.append((method, url, scope, status, got.status_code))
    assert wrong == []
    after = Task.objects.get(pk=task.pk)
    assert (after.version, after.progress) == (task.version, task.progress)
