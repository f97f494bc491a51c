"""SNV's restructuring pages: who may open them, the preview then confirm, clear errors."""

import datetime as dt

import pytest
from django.urls import reverse

from agencies.models import Agency, AgencyKind, AgencyLink, LinkKind, Membership
from remediation.models import Task
from tests.factories import AgencyFactory, CycleFactory, TaskFactory

JULY_1 = dt.date(2025, 7, 1)


@pytest.fixture
def wards(db):
    return [
        AgencyFactory(code=f"p-qn-{i}", name=f"UBND phường Quy Nhơn {i}", kind=AgencyKind.WARD, valid_from=JULY_1)
        for i in range(2)
    ]


def _split_data(agency, wards, **extra):
    data = {
        "sources": [agency.pk],
        "successors": [w.pk for w in wards],
        "effective_on": "01/07/2025",
        "note": "Nghị quyết (minh họa)",
    }
    data.update(extra)
    return data


@pytest.mark.parametrize("name", ["agency-manage", "agency-create"])
def test_agency_pages_are_not_found_for_agency_staff(client, staff, name):
    client.force_login(staff)
    assert client.get(reverse(name.join(["compilation:", ""]))).status_code == 404


def test_restructure_is_not_found_for_agency_staff(client, staff, agency, wards):
    client.force_login(staff)
    url = reverse("compilation:agency-restructure", args=["split"])
    assert client.post(url, _split_data(agency, wards, step="confirm")).status_code == 404
    assert Agency.objects.get(pk=agency.pk).valid_to is None


def test_snv_creates_a_ward(client, snv):
    client.force_login(snv)
    response = client.post(
        reverse("compilation:agency-create"),
        {"code": "p-quynhon-bac", "name": "UBND phường Quy Nhơn Bắc", "kind": "ward", "valid_from": "01/07/2025"},
    )
    assert response.status_code == 302
    ward = Agency.objects.get(code="p-quynhon-bac")
    assert (ward.kind, ward.valid_from) == (AgencyKind.WARD, JULY_1)


def test_split_shows_a_preview_then_applies_on_confirm(client, snv, agency, staff, wards):
    cycle = CycleFactory()
    done = TaskFactory(cycle=cycle, lead_agency=agency, completed_on=dt.date(2021, 11, 1))
    first, second = TaskFactory(cycle=cycle, lead_agency=agency), TaskFactory(cycle=cycle, lead_agency=agency)
    client.force_login(snv)
    url = reverse("compilation:agency-restructure", args=["split"])
    preview = client.post(url, _split_data(agency, wards, step="preview"))
    assert preview.status_code == 200
    page = preview.content.decode()
    assert first.title in page and second.title in page and done.title not in page
    assert Task.objects.get(pk=first.pk).lead_agency == agency  # nothing applied yet
    confirm = client.post(
        url,
        _split_data(
            agency,
            wards,
            step="confirm",
            **{f"task-{second.pk}": [str(wards[1].pk)], f"member-{staff.pk}": str(wards[1].pk)},
        ),
    )
    assert confirm.status_code == 302
    assert Task.objects.get(pk=first.pk).lead_agency == wards[0]
    assert Task.objects.get(pk=second.pk).lead_agency == wards[1]
    assert Task.objects.get(pk=done.pk).lead_agency == agency
    assert Membership.objects.filter(user=staff, agency=wards[1]).exists()
    assert AgencyLink.objects.filter(predecessor=agency, kind=LinkKind.SPLIT).count() == 2


def test_split_with_one_successor_is_refused_with_a_message(client, snv, agency, wards):
    client.force_login(snv)
    url = reverse("compilation:agency-restructure", args=["split"])
    response = client.post(url, _split_data(agency, wards[:1], step="preview"))
    assert response.status_code == 400
    assert response.context["form"].non_field_errors()
    assert Agency.objects.get(pk=agency.pk).valid_to is None


def test_a_bad_date_is_a_form_error_not_a_500(client, snv, agency, wards):
    client.force_login(snv)
    url = reverse("compilation:agency-restructure", args=["split"])
    response = client.post(url, _split_data(agency, wards, step="confirm", effective_on="31/02/2025"))
    assert response.status_code == 400
    assert "effective_on" in response.context["form"].errors


def test_unknown_restructuring_kind_is_not_found(client, snv):
    client.force_login(snv)
    assert client.get(reverse("compilation:agency-restructure", args=["explode"])).status_code == 404


def test_rename_and_deactivate_pages(client, snv, agency):
    client.force_login(snv)
    rename = client.post(
        reverse("compilation:agency-rename", args=[agency.pk]),
        {"name": "UBND TP Quy Nhơn (mới)", "effective_on": "01/03/2025"},
    )
    assert rename.status_code == 302
    agency.refresh_from_db()
    assert (
        agency.name == "UBND TP Quy Nhơn (mới)" and agency.name_on(dt.date(2021, 11, 15)) == "UBND thành phố Quy Nhơn"
    )
    deactivate = client.post(reverse("compilation:agency-deactivate", args=[agency.pk]), {"effective_on": "01/07/2025"})
    assert deactivate.status_code == 302
    assert Agency.objects.get(pk=agency.pk).valid_to == dt.date(2025, 6, 30)


def test_agency_list_filter_shows_communes(client, snv):
    CycleFactory(is_current=True)
    commune = AgencyFactory(kind=AgencyKind.COMMUNE, name="UBND xã Nhơn Lý")
    client.force_login(snv)
    response = client.get(reverse("compilation:agencies"), {"kind": "commune"})
    assert response.status_code == 200
    assert [r.agency_id for r in response.context["page"]] == [commune.pk]


def test_snv_sets_the_reporting_kinds_when_starting_a_cycle(client, snv):
    previous = CycleFactory(year=2024, report_deadline=dt.date(2024, 11, 15))
    client.force_login(snv)
    data = {"previous": previous.pk, "year": "2025", "reporting_kinds": ["central", "department", "commune", "ward"]}
    assert client.post(reverse("compilation:cycle-start"), data).status_code == 302
    from parindex.models import Cycle

    cycle = Cycle.objects.get(year=2025)
    assert cycle.reporting_kinds == ["central", "department", "commune", "ward"]
    assert previous.reporting_kinds == ["central", "department", "district"]


def test_a_split_dated_after_today_is_previewed_as_scheduled_and_moves_nothing(client, snv, agency, wards, settings):
    from remediation.models import RestructuringState, ScheduledRestructuring

    settings.CLOCK_PIN = "2025-06-20"
    task = TaskFactory(cycle=CycleFactory(), lead_agency=agency)
    client.force_login(snv)
    url = reverse("compilation:agency-restructure", args=["split"])
    page = client.post(url, _split_data(agency, wards, step="preview")).content.decode()
    assert 'id="scheduled-note"' in page and "01/07/2025" in page
    assert "Xác nhận và lên lịch" in page
    assert client.post(url, _split_data(agency, wards, step="confirm")).status_code == 302
    assert Task.objects.get(pk=task.pk).lead_agency == agency
    assert ScheduledRestructuring.objects.get().state == RestructuringState.PENDING

    settings.CLOCK_PIN = "2025-07-02"
    page = client.post(url, _split_data(agency, wards, step="preview")).content.decode()
    assert 'id="scheduled-note"' not in page and "Xác nhận và thực hiện" in page


def test_the_task_history_names_the_lead_agencies_not_their_ids(client, snv, agency, wards):
    task = TaskFactory(cycle=CycleFactory(), lead_agency=agency)
    client.force_login(snv)
    url = reverse("compilation:agency-restructure", args=["split"])
    client.post(url, _split_data(agency, wards, step="confirm"))
    assert Task.objects.get(pk=task.pk).lead_agency == wards[0]
    page = client.get(reverse("remediation:task-detail", args=[task.pk])).content.decode()
    history = page[page.index('class="list-group list-group-flush history"') :]
    assert f"<del>{agency}</del> → {wards[0]}" in history
    assert f"<del>{agency.pk}</del>" not in history
