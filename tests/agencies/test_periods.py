"""Agencies in time: periods, names per period, links, the province's periods, the cycle's reporting kinds."""

import datetime as dt

import pytest

from agencies import services
from agencies.models import REPORTING_KINDS_2025, Agency, AgencyKind, AgencyLink, LinkKind, Province
from compilation import figures
from parindex import services as cycle_services
from parindex.models import Cycle
from tests.factories import AgencyFactory, CycleFactory, TaskFactory

NOV_15 = dt.date(2021, 11, 15)


def test_deactivating_from_a_later_date_leaves_the_earlier_addressees_unchanged(demo):
    cycle = Cycle.objects.get(year=2021)
    assert figures.report_counts(cycle, NOV_15).addressees == 39
    services.deactivate_agency(Agency.objects.get(code="sdl"), dt.date(2021, 12, 1))
    assert figures.report_counts(cycle, NOV_15).addressees == 39
    assert figures.report_counts(cycle, dt.date(2021, 12, 1)).addressees == 38
    assert len([r for r in figures.agency_table(cycle, NOV_15) if r.is_addressee]) == 39


def test_deactivation_ends_the_period_the_day_before(db):
    agency = AgencyFactory()
    services.deactivate_agency(agency, dt.date(2021, 12, 1))
    agency.refresh_from_db()
    assert agency.valid_to == dt.date(2021, 11, 30)
    assert agency.exists_on(dt.date(2021, 11, 30)) and not agency.exists_on(dt.date(2021, 12, 1))
    assert list(Agency.objects.as_of(dt.date(2021, 12, 1))) == []
    assert list(Agency.objects.as_of(dt.date(2021, 11, 30))) == [agency]


def test_agency_created_later_is_absent_from_earlier_dates(db):
    ward = services.create_agency(
        code="p-quynhon", name="UBND phường Quy Nhơn", kind=AgencyKind.WARD, valid_from=dt.date(2025, 7, 1)
    )
    assert not Agency.objects.as_of(dt.date(2025, 6, 30)).filter(pk=ward.pk).exists()
    assert Agency.objects.as_of(dt.date(2025, 7, 1)).filter(pk=ward.pk).exists()


def test_a_rename_keeps_the_old_name_for_earlier_dates(db):
    cycle = CycleFactory()
    agency = AgencyFactory(name="Sở Kế hoạch và Đầu tư", kind=AgencyKind.DEPARTMENT)
    TaskFactory(cycle=cycle, lead_agency=agency)
    services.rename_agency(agency, name="Sở Tài chính (mới)", on=dt.date(2025, 3, 1))
    assert agency.names.get().valid_to == dt.date(2025, 2, 28)
    rows = {r.agency_id: r.name for r in figures.agency_table(cycle, NOV_15)}
    assert rows[agency.pk] == "Sở Kế hoạch và Đầu tư"
    later = {r.agency_id: r.name for r in figures.agency_table(cycle, dt.date(2025, 3, 1))}
    assert later[agency.pk] == "Sở Tài chính (mới)"
    assert [row.lead_agency for row in figures.tracking_table(cycle, NOV_15)] == ["Sở Kế hoạch và Đầu tư"]


def test_rename_to_the_same_name_is_refused_with_a_message(db):
    agency = AgencyFactory(name="Sở Y tế")
    with pytest.raises(services.AgencyChangeError):
        services.rename_agency(agency, name="Sở Y tế", on=dt.date(2025, 3, 1))


def test_communes_are_addressees_only_where_the_cycle_has_their_kind(db):
    commune = AgencyFactory(kind=AgencyKind.COMMUNE)
    ward = AgencyFactory(kind=AgencyKind.WARD)
    district = AgencyFactory(kind=AgencyKind.DISTRICT)
    cycle2021 = CycleFactory(year=2021)
    cycle2025 = CycleFactory(
        year=2025, report_deadline=dt.date(2025, 11, 15), reporting_kinds=list(REPORTING_KINDS_2025)
    )
    ids2021 = set(figures.addressees(cycle2021, NOV_15).values_list("pk", flat=True))
    ids2025 = set(figures.addressees(cycle2025, dt.date(2025, 11, 15)).values_list("pk", flat=True))
    assert district.pk in ids2021 and commune.pk not in ids2021 and ward.pk not in ids2021
    assert {commune.pk, ward.pk} <= ids2025 and district.pk not in ids2025


def test_next_cycle_carries_the_reporting_kinds(db):
    previous = CycleFactory(year=2024, reporting_kinds=list(REPORTING_KINDS_2025))
    started = cycle_services.start_cycle(previous, 2025, user=None)
    assert started.cycle.reporting_kinds == list(REPORTING_KINDS_2025)


def test_documents_print_the_province_as_it_stood_in_the_cycle(db):
    Province.objects.create(
        name="Bình Định", governing_body="UBND TỈNH BÌNH ĐỊNH", place="Bình Định", valid_to=dt.date(2025, 6, 30)
    )
    Province.objects.create(
        name="Gia Lai",
        governing_body="UBND TỈNH GIA LAI",
        place="Gia Lai",
        seat="Quy Nhơn",
        valid_from=dt.date(2025, 7, 1),
    )
    cycle2021 = CycleFactory(year=2021, governing_body="typed by hand")
    cycle2025 = CycleFactory(year=2025, report_deadline=dt.date(2025, 11, 15))
    assert (cycle2021.document_governing_body, cycle2021.document_place) == ("UBND TỈNH BÌNH ĐỊNH", "Bình Định")
    assert (cycle2025.document_governing_body, cycle2025.document_place) == ("UBND TỈNH GIA LAI", "Gia Lai")


def test_a_link_records_predecessor_successor_kind_and_date(db):
    old, new = AgencyFactory(), AgencyFactory()
    link = services.link(old, new, LinkKind.SPLIT, dt.date(2025, 7, 1))
    assert AgencyLink.objects.get() == link
    assert list(old.successor_links.values_list("successor", flat=True)) == [new.pk]
    with pytest.raises(services.AgencyChangeError):
        services.link(old, old, LinkKind.MERGE, dt.date(2025, 7, 1))
