"""A Report 117 annex as provinces lay it out, imported with no hand editing, checked cell by cell."""

import datetime as dt
import shutil
import subprocess
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import translation

from agencies.models import AgencyKind
from compilation.excel.importing import run_import
from compilation.excel.workbook import parse_deadline
from remediation.models import Task
from tests.data.workbooks import report_117_annex, simple_framework
from tests.factories import AgencyFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def tree(cycle):
    for code, name in (("snv", "Sở Nội vụ"), ("stp", "Sở Tư pháp"), ("stc", "Sở Tài chính")):
        AgencyFactory(code=code, name=name, kind=AgencyKind.DEPARTMENT)
    assert run_import(simple_framework(), "framework", cycle).applied
    return cycle


def landed(cycle) -> list[tuple]:
    rows = []
    for task in Task.objects.filter(cycle=cycle).order_by("number"):
        rows.append(
            (
                task.shortcoming,
                task.title,
                sorted(task.sub_criteria.values_list("code", flat=True)),
                task.lead_agency.code,
                sorted(task.coordinating_agencies.values_list("code", flat=True)),
                task.deadline,
            )
        )
    return rows


EXPECTED = [
    (
        "Kế hoạch CCHC ban hành chậm",
        "Ban hành kế hoạch CCHC năm đúng hạn",
        ["1.1.1"],
        "stp",
        ["snv"],
        dt.date(2021, 12, 31),
    ),
    (
        "Chưa hoàn thành 100% kế hoạch",
        "Hoàn thành các nhiệm vụ của kế hoạch",
        ["1.1.2"],
        "stp",
        [],
        dt.date(2021, 11, 15),
    ),
    ("Cập nhật thủ tục chậm", "Cập nhật thủ tục trên cổng", ["2.1.2"], "stc", ["stp"], dt.date(2021, 12, 31)),
]


def test_the_annex_imports_as_laid_out(tree):
    result = run_import(report_117_annex(), "tasks", tree)
    assert result.problems == [], [str(p) for p in result.problems]
    assert result.rows == 3 and result.sheet == "Phụ lục"
    assert result.unused_columns == ["STT", "Sản phẩm", "Ghi chú"]
    assert landed(tree) == EXPECTED


def test_the_command_imports_the_same_cells_and_lists_the_unused_columns(tree, tmp_path):
    path = tmp_path / "phu-luc-117.xlsx"
    path.write_bytes(report_117_annex())
    out = StringIO()
    with translation.override("en"):
        call_command("import_workbook", str(path), "--kind", "tasks", "--cycle", str(tree.year), stdout=out)
    assert "Columns not imported: STT; Sản phẩm; Ghi chú" in out.getvalue().splitlines()
    assert landed(tree) == EXPECTED


def test_the_annex_saved_again_by_libreoffice_imports_the_same(tree, tmp_path):
    soffice = shutil.which("soffice")
    assert soffice, "LibreOffice (soffice) is needed for the round trip"
    source = tmp_path / "in" / "phu-luc.xlsx"
    source.parent.mkdir()
    source.write_bytes(report_117_annex())
    out_dir = tmp_path / "out"
    subprocess.run(
        [soffice, f"-env:UserInstallation=file://{tmp_path}/lo", "--headless", "--convert-to", "xlsx",
         "--outdir", str(out_dir), str(source)],
        check=True, capture_output=True, timeout=240,
    )  # fmt: skip
    result = run_import((out_dir / "phu-luc.xlsx").read_bytes(), "tasks", tree)
    assert result.problems == [], [str(p) for p in result.problems]
    assert landed(tree) == EXPECTED


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("15/11/2021", dt.date(2021, 11, 15)),
        ("ngày 15 tháng 11 năm 2021", dt.date(2021, 11, 15)),
        ("Trước 31/12/2021", dt.date(2021, 12, 31)),
        ("Quý IV/2021", dt.date(2021, 12, 31)),
        ("Quý I/2022", dt.date(2022, 3, 31)),
        ("Tháng 12/2021", dt.date(2021, 12, 31)),
        ("Tháng 2/2024", dt.date(2024, 2, 29)),
        ("Năm 2021", dt.date(2021, 12, 31)),
    ],
)
def test_deadlines_as_officials_write_them_are_read_as_their_last_day(text, day):
    assert parse_deadline(text) == day
