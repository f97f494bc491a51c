"""Predecessor-province baselines: imported from a framework workbook, shown side by side, never combined."""

import datetime as dt
from decimal import Decimal as D

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from agencies.models import Province
from compilation import baselines, figures
from compilation.models import PredecessorBaseline
from tests.data.workbooks import FRAMEWORK_ROWS, simple_framework
from tests.factories import CycleFactory


@pytest.fixture
def gia_lai(db):
    return Province.objects.create(
        name="Gia Lai", governing_body="UBND TỈNH GIA LAI", place="Gia Lai", valid_from=dt.date(2025, 7, 1)
    )


def _import(province, name: str, rows=None):
    return baselines.import_baseline(
        simple_framework(rows), successor=province, province_name=name, year=2024, framework_name="876/QĐ-BNV",
        announced_percent=D("86.45"), rank="39/63",
    )  # fmt: skip


def test_import_keeps_the_announced_points_per_node(gia_lai):
    result = _import(gia_lai, "Bình Định")
    assert result.problems == []
    scores = {s.code: s.announced for s in result.baseline.scores.all()}
    assert scores["1.1.2"] == D("0.5") and scores["2.1.1"] == D("0.25") and scores["1.2.1"] is None
    assert len(scores) == len([r for r in FRAMEWORK_ROWS if r[0]])


def test_a_workbook_without_the_appraised_column_is_refused_and_nothing_is_written(gia_lai):
    rows = [r[:5] for r in FRAMEWORK_ROWS]
    result = baselines.import_baseline(
        simple_framework(rows, header=["Mã", "Tên tiêu chí", "Điểm tối đa", "Phương pháp", "Điểm tự đánh giá"]),
        successor=gia_lai, province_name="Bình Định", year=2024, framework_name="876/QĐ-BNV",
    )  # fmt: skip
    assert result.baseline is None and result.problems
    assert not PredecessorBaseline.objects.exists()


def test_first_cycle_of_the_merged_province_shows_each_predecessor_beside_the_other(gia_lai):
    _import(gia_lai, "Bình Định")
    _import(gia_lai, "Gia Lai (cũ)", [r if r[0] != "1.1.1" else [*r[:5], 0] for r in FRAMEWORK_ROWS])
    table = figures.predecessor_baselines(CycleFactory(year=2025, report_deadline=dt.date(2025, 11, 15)))
    assert [c.province for c in table.columns] == ["Bình Định", "Gia Lai (cũ)"]
    assert table.rows == [
        ("1", [(D(3), D("1.5")), (D(3), D("0.5"))]),  # each its own sum of leaves, never added together
        ("2", [(D(2), D("1.75")), (D(2), D("1.75"))]),
    ]


def test_other_cycles_show_no_baseline(gia_lai):
    _import(gia_lai, "Bình Định")
    assert not figures.predecessor_baselines(CycleFactory(year=2021))


def test_snv_imports_through_the_page_and_the_score_page_shows_it(client, snv, gia_lai):
    CycleFactory(year=2025, report_deadline=dt.date(2025, 11, 15), is_current=True)
    client.force_login(snv)
    upload = SimpleUploadedFile("bd-2024.xlsx", simple_framework())
    data = {"successor": gia_lai.pk, "province_name": "Bình Định", "year": 2024, "framework_name": "876/QĐ-BNV",
            "file": upload}  # fmt: skip
    assert client.post(reverse("compilation:baseline-import"), data).status_code == 302
    page = client.get(reverse("compilation:score-tree"), {"cycle": 2025})
    assert page.status_code == 200 and 'id="predecessor-baselines"' in page.content.decode()


def test_a_bad_file_is_a_clear_400(client, snv, gia_lai):
    client.force_login(snv)
    upload = SimpleUploadedFile("x.xlsx", b"not a workbook")
    data = {
        "successor": gia_lai.pk,
        "province_name": "Bình Định",
        "year": 2024,
        "framework_name": "876",
        "file": upload,
    }
    response = client.post(reverse("compilation:baseline-import"), data)
    assert response.status_code == 400 and response.context["problems"]
