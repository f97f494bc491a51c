"""Query counts stay flat with 2,000 agencies, their links and their earlier names (issue 13, §5).

The national dataset of bench/ has about 2,000 agencies. Each page is read once with 20 agencies
and once after 1,980 more (half of them merged into a successor, each with an earlier name and
tasks of its own): the number of queries must not move.
"""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from agencies.models import Agency, AgencyKind, AgencyLink, AgencyName, LinkKind
from tests.compilation.test_dashboard import bulk_tasks, world  # noqa: F401 (the fixture)

pytestmark = pytest.mark.django_db

MERGED_ON = dt.date(2021, 7, 1)
PAGES = [
    ("compilation:dashboard", {}),
    ("compilation:agencies", {}),
    ("compilation:agencies", {"kind": "district"}),
    ("compilation:agency-manage", {"all": "1"}),
    ("remediation:task-list", {}),
    ("remediation:manage-task-list", {}),
    ("remediation:report-inbox", {}),
]


def add_agencies(n: int, start: int) -> list[Agency]:
    """``n`` agencies in bulk; every second one merged into the next on MERGED_ON, under its earlier name."""
    rows = [
        Agency(
            code=f"x{start + i}",
            name=f"UBND xã Thử {start + i}",
            short_name=f"Xã {start + i}",
            kind=AgencyKind.COMMUNE if i % 3 else AgencyKind.DISTRICT,
            valid_to=MERGED_ON - dt.timedelta(days=1) if i % 2 == 0 else None,
        )
        for i in range(n)
    ]
    agencies = Agency.objects.bulk_create(rows)
    AgencyLink.objects.bulk_create(
        AgencyLink(predecessor=a, successor=b, kind=LinkKind.MERGE, effective_on=MERGED_ON)
        for a, b in zip(agencies[0::2], agencies[1::2], strict=False)
    )
    AgencyName.objects.bulk_create(
        AgencyName(agency=a, name=f"UBND xã Cũ {a.code}", valid_to=dt.date(2020, 12, 31)) for a in agencies
    )
    return agencies


def counts(client) -> dict[str, int]:
    out = {}
    for name, params in PAGES:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse(name), params)
        assert response.status_code == 200, name
        out[f"{name} {params}"] = len(queries)
    return out


def test_pages_read_the_same_number_of_queries_with_20_and_2000_agencies(client, snv, world):  # noqa: F811
    cycle, subs, agencies = world
    agencies += add_agencies(15, 0)
    bulk_tasks(cycle, 60, subs, agencies)
    client.force_login(snv)
    client.get(reverse("compilation:dashboard"))  # warm the session and the caches of the first request
    small = counts(client)

    more = add_agencies(1980, 100)
    bulk_tasks(cycle, 2000, subs, more)
    assert Agency.objects.count() >= 2000
    assert counts(client) == small
