"""Agency names as officials write them in a Report 117 annex (issue 15 §2): spellings, a list in one cell,
groups that expand in the cycle, and the aliases SNV saves when the preview asks "did you mean …".

The workbooks are written from the issue's description: a letterhead and title block of merged rows, the
annex's columns, the "(1) (2) …" row, Roman-numeral headings and a signature block.
"""

import datetime as dt
import json
import shutil
import subprocess
from io import StringIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django.utils import translation

from agencies.models import Agency, AgencyAlias, AgencyKind
from compilation.excel import runs
from compilation.excel.importing import AgencyIndex, run_import
from compilation.excel.workbook import CellError
from remediation.models import Task
from tests.data.workbooks import REPORT117_HEADER, simple_framework, workbook_bytes
from tests.factories import AgencyFactory, CycleFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

DEPARTMENTS = {
    "snv": "Sở Nội vụ",
    "stp": "Sở Tư pháp",
    "stc": "Sở Tài chính",
    "skhdt": "Sở Kế hoạch và Đầu tư",
    "sgddt": "Sở Giáo dục và Đào tạo",
    "syt": "Sở Y tế",
    "sxd": "Sở Xây dựng",
    "vpubnd": "Văn phòng UBND tỉnh",
}
DISTRICTS = {"quynhon": "UBND thành phố Quy Nhơn", "annhon": "UBND thị xã An Nhơn", "anlao": "UBND huyện An Lão"}


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def private_storage(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


@pytest.fixture
def province(cycle):
    for code, name in DEPARTMENTS.items():
        AgencyFactory(code=code, name=name, kind=AgencyKind.DEPARTMENT)
    for code, name in DISTRICTS.items():
        AgencyFactory(code=code, name=name, kind=AgencyKind.DISTRICT)
    # Gone before the 2021 cycle's as-of date: never part of "UBND các huyện, thị xã, thành phố" in 2021.
    AgencyFactory(code="tuyphuoc-cu", name="UBND huyện Cũ", kind=AgencyKind.DISTRICT, valid_to=dt.date(2020, 12, 31))
    AgencyFactory(code="cucthue", name="Cục Thuế tỉnh", kind=AgencyKind.CENTRAL)
    # Communes exist in 2021 but do not report in the 2021 cycle (issue 13).
    AgencyFactory(code="nhonly", name="UBND xã Nhơn Lý", kind=AgencyKind.COMMUNE)
    AgencyFactory(code="ghenhranh", name="UBND phường Ghềnh Ráng", kind=AgencyKind.WARD)
    assert run_import(simple_framework(), "framework", cycle).applied
    return cycle


HEADER = REPORT117_HEADER


def annex(tasks: list[tuple[str, str, str]]) -> bytes:
    """A Report 117 annex whose task rows are (task, lead agency, coordinating agencies) as officials write them."""
    rows = [
        ["UBND TỈNH BÌNH ĐỊNH", None, None, None, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"],
        ["SỞ NỘI VỤ", None, None, None, "Độc lập - Tự do - Hạnh phúc"],
        ["PHỤ LỤC"],
        ["DANH MỤC NHIỆM VỤ KHẮC PHỤC HẠN CHẾ CHỈ SỐ CCHC NĂM 2020"],
        ["(Kèm theo Báo cáo số 117/BC-SNV ngày 15/11/2021 của Sở Nội vụ)"],
        HEADER,
        [f"({i})" for i in range(1, 10)],
        ["I", "CÔNG TÁC CHỈ ĐẠO, ĐIỀU HÀNH"],
    ]
    for number, (title, lead, coordinating) in enumerate(tasks, start=1):
        rows.append(
            [number, "Hạn chế " + str(number), title, "1.1.1", lead, coordinating, "Quý IV/2021", "Báo cáo", None]
        )
    rows += [
        [None] * 9,
        ["Ghi chú: các cơ quan báo cáo kết quả về Sở Nội vụ"],
        ["Nơi nhận:", None, None, None, None, None, "GIÁM ĐỐC"],
        [None, None, None, None, None, None, "Quy Nhơn, ngày 15 tháng 11 năm 2021"],
    ]
    merges = ["A1:D1", "E1:I1", "A2:D2", "E2:I2", "A3:I3", "A4:I4", "A5:I5", "B8:I8"]
    return workbook_bytes({"Phụ lục": rows}, {"Phụ lục": merges})


SPELLINGS = [
    ("Rà soát quy chế làm việc", "UBND TP Quy Nhơn", "Sở GD&ĐT, Sở Y tế"),
    ("Công khai thủ tục hành chính", "UBND TP. Quy Nhơn", "Sở Tài chính; Sở Xây dựng"),
    ("Kiện toàn bộ phận một cửa", "Thành phố Quy Nhơn", "Sở Nội vụ và Sở Tư pháp"),
    ("Rà soát văn bản quy phạm pháp luật", "Sở Tư Pháp", "Sở KH&ĐT\nVP UBND tỉnh"),
    ("Đánh giá tác động thủ tục", "Sở KH&ĐT", "Các sở, ban, ngành"),
    ("Tổng hợp báo cáo CCHC", "VP UBND tỉnh", "UBND các huyện, thị xã, thành phố"),
    ("Bố trí kinh phí CCHC", "Sở Nội vụ", "Sở Tài chính, UBND các huyện, thị xã, thành phố"),
    ("Phối hợp khảo sát hài lòng", "Sở Nội vụ", "- Các cơ quan Trung ương trên địa bàn tỉnh;\n- Sở Kế hoạch và Đầu tư"),
]
EVERY_DEPARTMENT = sorted(DEPARTMENTS)
EVERY_DISTRICT = sorted(DISTRICTS)
LANDED = {
    "Rà soát quy chế làm việc": ("quynhon", ["sgddt", "syt"]),
    "Công khai thủ tục hành chính": ("quynhon", ["stc", "sxd"]),
    "Kiện toàn bộ phận một cửa": ("quynhon", ["snv", "stp"]),
    "Rà soát văn bản quy phạm pháp luật": ("stp", ["skhdt", "vpubnd"]),
    "Đánh giá tác động thủ tục": ("skhdt", [c for c in EVERY_DEPARTMENT if c != "skhdt"]),
    "Tổng hợp báo cáo CCHC": ("vpubnd", EVERY_DISTRICT),
    "Bố trí kinh phí CCHC": ("snv", sorted(["stc", *EVERY_DISTRICT])),
    "Phối hợp khảo sát hài lòng": ("snv", ["cucthue", "skhdt"]),
}


def landed(cycle) -> dict[str, tuple[str, list[str]]]:
    return {
        t.title: (t.lead_agency.code, sorted(t.coordinating_agencies.values_list("code", flat=True)))
        for t in Task.objects.filter(cycle=cycle)
    }


def client_for(user) -> Client:
    client = Client()
    client.cookies["django_language"] = "en"
    client.force_login(user)
    return client


def upload(client, data: bytes, cycle) -> str:
    response = client.post(
        reverse("compilation:excel-import"),
        {"kind": "tasks", "cycle": cycle.pk, "file": _file(data)},
    )
    assert response.status_code == 302, response.content[:2000]
    return response.url


def _file(data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile("phu-luc-117.xlsx", data)


# --------------------------------------------------------------------------- spellings, lists, groups


def test_officials_spellings_lists_and_groups_land_on_each_task(province):
    result = run_import(annex(SPELLINGS), "tasks", province)
    assert result.problems == [], [str(p) for p in result.problems]
    assert landed(province) == LANDED
    groups = {(g["text"], g["count"]): g["rows"] for g in result.agency_groups}
    # 8 departments, less the lead of its row; the three 2021 districts (the one gone in 2020 is not counted).
    assert groups == {
        ("Các sở, ban, ngành", 8): [13],
        ("UBND các huyện, thị xã, thành phố", 3): [14, 15],
        ("Các cơ quan Trung ương trên địa bàn tỉnh", 1): [16],
    }


def test_the_browser_preview_shows_the_groups_expanded_and_the_import_lands_the_same(province, snv):
    client = client_for(snv)
    preview_url = upload(client, annex(SPELLINGS), province)
    page = client.get(preview_url).content.decode()
    assert 'id="agency-groups"' in page
    assert "Các sở, ban, ngành → 8 agencies" in page
    assert "UBND các huyện, thị xã, thành phố → 3 agencies" in page
    assert "Các cơ quan Trung ương trên địa bàn tỉnh → 1 agency" in page
    assert Task.objects.count() == 0
    assert client.post(preview_url).status_code == 302
    assert landed(province) == LANDED


def test_the_command_lands_the_same_agencies(province, tmp_path):
    path = tmp_path / "phu-luc-117.xlsx"
    path.write_bytes(annex(SPELLINGS))
    out = StringIO()
    call_command("import_workbook", str(path), "--kind", "tasks", "--cycle", "2021", stdout=out)
    assert landed(province) == LANDED
    assert "Group Các sở, ban, ngành → 8 agencies (rows 13)" in out.getvalue()


def test_the_command_names_an_unknown_agency_with_its_suggestions_and_writes_nothing(province, tmp_path):
    path = tmp_path / "phu-luc-117.xlsx"
    path.write_bytes(annex(UNKNOWN))
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("import_workbook", str(path), "--kind", "tasks", "--cycle", "2021", stdout=StringIO(), stderr=err)
    assert "No agency is named “Sở Tư pháp tỉnh” (rows 9, 10). Did you mean: Sở Tư pháp" in err.getvalue()
    assert Task.objects.count() == 0


def test_the_commune_group_is_refused_in_a_cycle_where_communes_do_not_report(province):
    rows = [("Hướng dẫn cấp xã", "Sở Nội vụ", "UBND các xã, phường")]
    result = run_import(annex(rows), "tasks", province)
    assert [(p.row, p.column, p.message) for p in result.problems] == [
        (9, "F", "No agency of the group “UBND các xã, phường” reports in this cycle (as of 15/11/2021).")
    ]
    assert Task.objects.count() == 0


def test_the_commune_group_expands_to_communes_wards_and_special_zones_in_2025(db):
    cycle = CycleFactory(
        year=2025,
        reference_date=dt.date(2025, 11, 15),
        reporting_kinds=["central", "department", "commune", "ward", "special_zone"],
    )
    AgencyFactory(
        code="quynhon", name="UBND thành phố Quy Nhơn", kind=AgencyKind.DISTRICT, valid_to=dt.date(2025, 6, 30)
    )
    AgencyFactory(code="nhonly", name="UBND xã Nhơn Lý", kind=AgencyKind.COMMUNE)
    AgencyFactory(code="quynhonnam", name="UBND phường Quy Nhơn Nam", kind=AgencyKind.WARD)
    AgencyFactory(code="lyson", name="UBND đặc khu Lý Sơn", kind=AgencyKind.SPECIAL_ZONE)
    AgencyFactory(code="snv", name="Sở Nội vụ", kind=AgencyKind.DEPARTMENT)
    index = AgencyIndex(cycle.as_of(), cycle.reporting_kinds)
    for written in ("UBND các xã, phường, đặc khu", "UBND cấp xã", "UBND các xã, phường"):
        assert sorted(a.code for a in index.group(written).agencies) == ["lyson", "nhonly", "quynhonnam"]
    with pytest.raises(CellError, match="reports in this cycle"):
        index.group("UBND cấp huyện")  # no district level after 01/07/2025


def test_several_leads_or_a_group_as_lead_are_row_errors_and_nothing_is_written(province):
    rows = [
        ("Rà soát quy chế", "Sở Nội vụ, Sở Tư pháp", ""),
        ("Công khai thủ tục", "Các sở, ban, ngành", ""),
        ("Kiện toàn bộ phận", "Sở Nội vụ", "Sở Tư pháp"),
    ]
    result = run_import(annex(rows), "tasks", province)
    messages = [(p.row, p.column, p.message) for p in result.problems]
    assert messages == [
        (
            9,
            "E",
            "One agency leads a task, and this cell names 2 (Sở Nội vụ; Sở Tư pháp). Keep one here and write "
            "the others under “Cơ quan phối hợp”.",
        ),
        (
            10,
            "E",
            "“Các sở, ban, ngành” is a group of agencies; one agency leads a task. Write that agency here "
            "and the group under “Cơ quan phối hợp”.",
        ),
    ]
    assert Task.objects.count() == 0


def test_a_name_holding_va_or_an_unknown_piece_is_kept_whole(province):
    index = AgencyIndex(province.as_of(), province.reporting_kinds)
    assert index.split("Sở Kế hoạch và Đầu tư và Sở Giáo dục và Đào tạo") == [
        "Sở Kế hoạch và Đầu tư",
        "Sở Giáo dục và Đào tạo",
    ]
    assert index.split("Sở Khoa học và Công nghệ, Sở Y tế") == ["Sở Khoa học và Công nghệ", "Sở Y tế"]


# --------------------------------------------------------------------------- did you mean …

UNKNOWN = [
    ("Rà soát quy chế làm việc", "Sở Tư pháp tỉnh", "Sở Y tế"),
    ("Công khai thủ tục hành chính", "Sở Nội vụ", "Sở Y tế, Sở Tư pháp tỉnh"),
    ("Kiện toàn bộ phận một cửa", "Sở Nội vụ", "Ban Dân tộc"),
]


def test_an_unknown_name_is_a_row_error_listed_once_with_its_rows_and_suggestions(province):
    result = run_import(annex(UNKNOWN), "tasks", province, dry_run=True)
    assert [(p.row, p.column) for p in result.problems] == [(9, "E"), (10, "F"), (11, "F")]
    unknown = {u["text"]: (u["rows"], [s["name"] for s in u["suggestions"]]) for u in result.unknown_agencies}
    rows, suggested = unknown["Sở Tư pháp tỉnh"]
    assert rows == [9, 10] and suggested[0] == "Sở Tư pháp" and len(suggested) <= 3  # the closest first
    assert unknown["Ban Dân tộc"][0] == [11]
    assert "Sở Tư pháp" not in unknown["Ban Dân tộc"][1]


def test_snv_saves_the_alias_from_the_preview_and_the_same_upload_then_matches(province, snv):
    client = client_for(snv)
    preview_url = upload(client, annex(UNKNOWN[:2]), province)
    page = client.get(preview_url).content.decode()
    assert 'data-text="Sở Tư pháp tỉnh"' in page and "Did you mean:" in page
    assert "Save as another name of “Sở Tư pháp”" in page
    token = preview_url.rstrip("/").split("/")[-1]
    stp = province_agency("stp")
    response = client.post(
        reverse("compilation:excel-alias", args=[token]), {"text": "Sở Tư pháp tỉnh", "agency": stp.pk}
    )
    assert response.status_code == 302 and response.url != preview_url  # the same upload, read again
    alias = AgencyAlias.objects.get()
    assert (alias.text, alias.normalized, alias.agency, alias.created_by) == (
        "Sở Tư pháp tỉnh",
        "so tu phap tinh",
        stp,
        snv,
    )
    page = client.get(response.url).content.decode()
    assert "No problem found" in page and 'id="unknown-agencies"' not in page
    assert client.post(response.url).status_code == 302
    assert landed(province) == {
        "Rà soát quy chế làm việc": ("stp", ["syt"]),
        "Công khai thủ tục hành chính": ("snv", ["stp", "syt"]),
    }


def test_the_alias_serves_the_command_too_in_any_spelling(province, snv, tmp_path):
    AgencyAlias.objects.create(text="Ban Dân tộc", normalized="ban dan toc", agency=province_agency("snv"))
    path = tmp_path / "phu-luc.xlsx"
    path.write_bytes(annex([("Rà soát quy chế", "BAN DÂN TỘC", "ban  dân tộc; Sở Y tế")]))
    call_command("import_workbook", str(path), "--kind", "tasks", "--cycle", "2021", stdout=StringIO())
    assert landed(province) == {"Rà soát quy chế": ("snv", ["syt"])}


def province_agency(code: str) -> Agency:
    return Agency.objects.get(code=code)


@pytest.mark.parametrize(
    ("post", "message"),
    [
        ({"text": "Sở Tư pháp tỉnh", "agency": "999999"}, "Choose an existing agency for this name."),
        ({"text": "Sở Tư pháp tỉnh", "agency": "abc"}, "Choose an existing agency for this name."),
        ({"text": "   ", "agency": "stp"}, "Write the name to save."),
        ({"text": "", "agency": "stp"}, "Write the name to save."),
        ({"text": "Sở  Y TẾ", "agency": "stp"}, "“Sở Y TẾ” already names an agency or a group."),
        ({"text": "Các sở, ban, ngành", "agency": "stp"}, "“Các sở, ban, ngành” already names an agency or a group."),
        ({"text": "BAN DÂN TỘC", "agency": "stp"}, "“BAN DÂN TỘC” is already another name of “Sở Nội vụ”."),
        ({"text": "Sở Tư pháp tỉnh", "agency": "tuyphuoc-cu"}, "Choose an existing agency for this name."),
    ],
)
def test_a_bad_alias_is_refused_with_a_message_and_nothing_saved(province, snv, post, message):
    AgencyAlias.objects.create(text="Ban Dân tộc", normalized="ban dan toc", agency=province_agency("snv"))
    client = client_for(snv)
    preview_url = upload(client, annex(UNKNOWN), province)
    token = preview_url.rstrip("/").split("/")[-1]
    if post["agency"] in ("stp", "tuyphuoc-cu"):
        post = {**post, "agency": province_agency(post["agency"]).pk}
    response = client.post(reverse("compilation:excel-alias", args=[token]), post, follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == preview_url  # back on the same preview
    assert message in [str(m) for m in response.context["messages"]]
    assert AgencyAlias.objects.count() == 1


def test_agency_staff_cannot_reach_the_alias_form(province, snv):
    staff = MembershipFactory(user=UserFactory(username="stp.staff"), agency=province_agency("stp")).user
    token = upload(client_for(snv), annex(UNKNOWN), province).rstrip("/").split("/")[-1]
    response = client_for(staff).post(
        reverse("compilation:excel-alias", args=[token]),
        {"text": "Sở Tư pháp tỉnh", "agency": province_agency("stp").pk},
    )
    assert response.status_code == 404
    assert AgencyAlias.objects.count() == 0


def test_the_alias_form_needs_a_post_with_csrf(province, snv):
    client = client_for(snv)
    token = upload(client, annex(UNKNOWN), province).rstrip("/").split("/")[-1]
    assert client.get(reverse("compilation:excel-alias", args=[token])).status_code == 405
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(snv)
    response = strict.post(
        reverse("compilation:excel-alias", args=[token]),
        {"text": "Sở Tư pháp tỉnh", "agency": province_agency("stp").pk},
    )
    assert response.status_code == 403 and AgencyAlias.objects.count() == 0


def test_a_name_wins_over_an_alias_saved_before_the_agency_existed(province):
    AgencyAlias.objects.create(text="Sở Du lịch", normalized="so du lich", agency=province_agency("snv"))
    index = AgencyIndex(province.as_of(), province.reporting_kinds)
    assert index.find("Sở Du lịch").code == "snv"
    AgencyFactory(code="sdl", name="Sở Du lịch", kind=AgencyKind.DEPARTMENT)
    assert AgencyIndex(province.as_of(), province.reporting_kinds).find("SỞ DU LỊCH").code == "sdl"


def test_a_file_full_of_unknown_names_keeps_every_row_error_and_a_bounded_list(province):
    rows = [(f"Nhiệm vụ {i}", f"Phòng số {i}", "") for i in range(260)]
    result = run_import(annex(rows), "tasks", province, dry_run=True)
    assert len(result.problems) == 260 and Task.objects.count() == 0
    assert len(result.unknown_agencies) == 200
    assert result.unknown_agencies[0] == {"text": "Phòng số 0", "rows": [9], "row_count": 1, "suggestions": []}


def test_the_annex_saved_again_by_libreoffice_lands_the_same_agencies(province, tmp_path):
    """Line breaks and "&" inside the agency cells survive a LibreOffice save, as provinces' files go through it."""
    soffice = shutil.which("soffice")
    assert soffice, "LibreOffice (soffice) is needed for the round trip"
    source = tmp_path / "in" / "phu-luc.xlsx"
    source.parent.mkdir()
    source.write_bytes(annex(SPELLINGS))
    out_dir = tmp_path / "out"
    subprocess.run(
        [soffice, f"-env:UserInstallation=file://{tmp_path}/lo", "--headless", "--convert-to", "xlsx",
         "--outdir", str(out_dir), str(source)],
        check=True, capture_output=True, timeout=240,
    )  # fmt: skip
    result = run_import((out_dir / "phu-luc.xlsx").read_bytes(), "tasks", province)
    assert result.problems == [], [str(p) for p in result.problems]
    assert landed(province) == LANDED


def test_a_preview_read_by_a_worker_keeps_its_unknown_names_and_groups(province):
    result = run_import(annex([*UNKNOWN, SPELLINGS[4]]), "tasks", province, dry_run=True)
    stored = runs.result_from_data(json.loads(json.dumps(runs.result_to_data(result))))
    assert stored.unknown_agencies == result.unknown_agencies and len(stored.unknown_agencies) == 2
    assert (
        stored.agency_groups
        == result.agency_groups
        == [{"text": "Các sở, ban, ngành", "count": 8, "rows": [12], "row_count": 1}]
    )
