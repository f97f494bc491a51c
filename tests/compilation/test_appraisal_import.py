"""The Ministry's appraisal (rounds 1 and 2) entered by SNV from the Ministry's workbook: preview,
all or nothing, refused when the round is locked or closed (issue 12, §2 round 3 and 5)."""

import datetime as dt
import io
import re
from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils.translation import override
from openpyxl import Workbook

from compilation.excel.appraisal import parse_appraisal_rows, read_appraisal_workbook
from parindex import services
from parindex.models import ROUND_OWNERS, Cycle, FrameworkKind, Level, Round, RoundKind, Score
from tests.factories import AgencyFactory, CriterionFactory, CycleFactory, FrameworkFactory, ScoreFactory

pytestmark = pytest.mark.django_db
TODAY = dt.date(2022, 3, 10)


@pytest.fixture
def world(db, settings):
    settings.CLOCK_PIN = "cycle"
    cycle = CycleFactory(reference_date=TODAY)
    framework = FrameworkFactory(kind=FrameworkKind.PAR)
    cycle.frameworks.add(framework)
    focal = AgencyFactory(code="stp")
    area = CriterionFactory(framework=framework, level=Level.AREA, code="1", max_points=3, focal_agency=focal)
    crit = CriterionFactory(framework=framework, level=Level.CRITERION, code="1.1", parent=area, max_points=3)
    leaves = {
        code: CriterionFactory(framework=framework, parent=crit, code=code, max_points=1, name=f"Tiêu chí {code}")
        for code in ("1.1.1", "1.1.2", "1.1.10")
    }
    for leaf in leaves.values():
        ScoreFactory(cycle=cycle, criterion=leaf, self_score=D("1"))
    rounds = {
        kind: Round.objects.create(cycle=cycle, kind=kind, opens=opens, deadline=deadline, owner=ROUND_OWNERS[kind])
        for kind, opens, deadline in (
            (RoundKind.APPRAISAL_1, dt.date(2022, 3, 1), dt.date(2022, 3, 31)),
            (RoundKind.APPRAISAL_2, dt.date(2022, 5, 1), dt.date(2022, 5, 15)),
        )
    }
    return cycle, leaves, rounds


def _book(rows, code_format: str | None = None) -> bytes:
    """The Ministry's sheet: a title block, the header, an area heading, then the rows."""
    book = Workbook()
    sheet = book.active
    sheet.append(["BỘ NỘI VỤ – KẾT QUẢ THẨM ĐỊNH CHỈ SỐ CCHC NĂM 2021"])
    sheet.append(["Mã tiêu chí", "Nội dung", "Điểm tối đa", "Điểm thẩm định", "Nhận xét của Hội đồng"])
    sheet.append(["I", "Công tác chỉ đạo, điều hành", None, None, None])
    for code, score, remark in rows:
        sheet.append([code, "…", 1, score, remark])
    if code_format:
        for row in sheet.iter_rows(min_row=4, max_col=1):
            row[0].number_format = code_format
    data = io.BytesIO()
    book.save(data)
    return data.getvalue()


def test_the_workbook_reader_takes_codes_scores_with_a_decimal_comma_and_remarks():
    rows = read_appraisal_workbook(_book([("1.1.1", "0,75", "Thiếu văn bản"), ("1.1.10", 1, "")]))
    assert [(r.code, r.score, r.remark) for r in rows] == [
        ("1.1.1", D("0.75"), "Thiếu văn bản"),
        ("1.1.10", D("1"), ""),
    ]
    assert rows[0].line == 4


def test_a_blank_score_and_an_ambiguous_numeric_code_are_refused_row_by_row():
    with override("en"), pytest.raises(ValidationError) as caught:
        parse_appraisal_rows([(4, {"code": "1.1.1", "score": None}), (5, {"code": 3.1, "score": 1})])
    text = " ".join(caught.value.messages)
    assert "Row 4" in text and "no appraised score" in text
    assert "Row 5" in text and "3.1 and 3.10" in text


def test_plan_refuses_unknown_duplicate_and_over_max_rows_and_nothing_is_written(world):
    cycle, leaves, _rounds = world
    rows = [
        services.AppraisalRow("1.1.1", D("0.5"), "", 4),
        services.AppraisalRow("9.9.9", D("0.5"), "", 5),
        services.AppraisalRow("1.1.1", D("0.5"), "", 6),
        services.AppraisalRow("1.1.2", D("1.5"), "", 7),
    ]
    with override("en"), pytest.raises(ValidationError) as caught:
        services.record_appraisal(cycle, RoundKind.APPRAISAL_1, rows, user=None)
    text = " ".join(caught.value.messages)
    assert "Row 5" in text and "Row 6" in text and "Row 7" in text and "Row 4" not in text
    assert not Score.objects.filter(cycle=cycle, appraised_1__isnull=False).exists()


def test_record_appraisal_writes_round_1_scores_and_remarks_with_history(world, snv):
    cycle, leaves, _rounds = world
    rows = [services.AppraisalRow("1.1.1", D("0.5"), "Thiếu minh chứng", 4), services.AppraisalRow("1.1.2", D("1"))]
    assert services.record_appraisal(cycle, RoundKind.APPRAISAL_1, rows, user=snv) == 2
    score = Score.objects.get(cycle=cycle, criterion=leaves["1.1.1"])
    assert (score.appraised_1, score.council_remark, score.self_score) == (D("0.5"), "Thiếu minh chứng", D("1"))
    assert score.history.filter(history_user=snv, appraised_1=D("0.5")).count() == 1
    # The same file again changes nothing: no new history.
    assert services.record_appraisal(cycle, RoundKind.APPRAISAL_1, rows, user=snv) == 0


def test_round_2_is_refused_before_it_opens_and_written_to_its_own_columns_once_open(world, snv):
    cycle, leaves, _rounds = world
    rows = [services.AppraisalRow("1.1.1", D("0.75"), "Sau giải trình", 4)]
    with override("en"), pytest.raises(ValidationError, match="opens on 01/05/2022"):
        services.record_appraisal(cycle, RoundKind.APPRAISAL_2, rows, user=snv)
    Cycle.objects.filter(pk=cycle.pk).update(reference_date=dt.date(2022, 5, 2))
    cycle.refresh_from_db()
    services.record_appraisal(cycle, RoundKind.APPRAISAL_2, rows, user=snv)
    score = Score.objects.get(cycle=cycle, criterion=leaves["1.1.1"])
    assert (score.appraised_score, score.council_remark_2, score.appraised_1) == (D("0.75"), "Sau giải trình", None)


def test_a_locked_or_closed_round_refuses_the_import(world, snv):
    cycle, _leaves, rounds = world
    rows = [services.AppraisalRow("1.1.1", D("0.5"))]
    Round.objects.filter(pk=rounds[RoundKind.APPRAISAL_1].pk).update(closed_on=dt.date(2022, 3, 9))
    with override("en"), pytest.raises(ValidationError, match="was closed on 09/03/2022"):
        services.record_appraisal(cycle, RoundKind.APPRAISAL_1, rows, user=snv)
    Round.objects.filter(pk=rounds[RoundKind.APPRAISAL_1].pk).update(closed_on=None)
    Cycle.objects.filter(pk=cycle.pk).update(reference_date=dt.date(2022, 4, 1))
    cycle.refresh_from_db()
    with override("en"), pytest.raises(ValidationError, match="entries are locked"):
        services.record_appraisal(cycle, RoundKind.APPRAISAL_1, rows, user=snv)


def test_snv_uploads_sees_a_preview_then_confirms_and_the_values_are_written(client, snv, world):
    cycle, leaves, rounds = world
    url = reverse("compilation:appraisal-import", args=[rounds[RoundKind.APPRAISAL_1].pk])
    client.force_login(snv)
    round_page = client.get(reverse("compilation:round-list"), {"cycle": cycle.year}).content.decode()
    assert f'href="{url}"' in round_page
    upload = SimpleUploadedFile("thamdinh.xlsx", _book([("1.1.1", 0.5, "Thiếu minh chứng"), ("1.1.10", 1, "")]))
    preview = client.post(url, {"file": upload})
    html = preview.content.decode()
    assert preview.status_code == 200 and 'id="appraisal-preview"' in html
    assert re.findall(r'data-code="([^"]+)" data-changed="1"', html) == ["1.1.1", "1.1.10"]
    assert not Score.objects.filter(cycle=cycle, appraised_1__isnull=False).exists()  # a preview writes nothing
    payload = re.search(r'name="payload" value="([^"]+)"', html).group(1)
    assert client.post(url, {"payload": payload}).status_code == 302
    assert Score.objects.get(cycle=cycle, criterion=leaves["1.1.1"]).appraised_1 == D("0.5")
    assert Score.objects.get(cycle=cycle, criterion=leaves["1.1.10"]).appraised_1 == D("1")


def test_a_tampered_preview_and_another_user_are_refused(client, snv, staff, world):
    cycle, _leaves, rounds = world
    url = reverse("compilation:appraisal-import", args=[rounds[RoundKind.APPRAISAL_1].pk])
    client.force_login(staff)
    assert client.get(url).status_code == 404
    client.force_login(snv)
    assert client.post(url, {"payload": "forged:value"}).status_code == 400
    assert not Score.objects.filter(cycle=cycle, appraised_1__isnull=False).exists()


def test_an_upload_with_a_problem_shows_it_and_writes_nothing(client, snv, world):
    cycle, _leaves, rounds = world
    url = reverse("compilation:appraisal-import", args=[rounds[RoundKind.APPRAISAL_1].pk])
    client.force_login(snv)
    upload = SimpleUploadedFile("thamdinh.xlsx", _book([("1.1.1", 0.5, ""), ("7.7.7", 1, "")]))
    response = client.post(url, {"file": upload})
    assert response.status_code == 400 and 'id="appraisal-problems"' in response.content.decode()
    assert "7.7.7" in response.content.decode()
    assert not Score.objects.filter(cycle=cycle, appraised_1__isnull=False).exists()
