"""The one reader of the cycle from a request: 400 for a malformed year, 404 for none, current by default."""

import pytest
from django.urls import reverse

from tests.factories import CycleFactory, UserFactory

pytestmark = pytest.mark.django_db

PAGES = ["compilation:dashboard", "compilation:score-tree", "remediation:task-list", "remediation:manage-task-list"]


@pytest.fixture
def snv_client(client):
    CycleFactory(year=2021)
    client.force_login(UserFactory(province_role="snv"))
    return client


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("value", ["²", "٣", "2021x", "-1", "9" * 40, "20 21"])
def test_a_malformed_cycle_is_a_bad_request_not_a_server_error(snv_client, page, value):
    assert snv_client.get(reverse(page), {"cycle": value}).status_code == 400


@pytest.mark.parametrize("page", PAGES)
def test_a_year_without_a_cycle_is_not_found(snv_client, page):
    assert snv_client.get(reverse(page), {"cycle": "1999"}).status_code == 404


@pytest.mark.parametrize("page", PAGES)
def test_no_cycle_parameter_reads_the_current_cycle(snv_client, page):
    assert snv_client.get(reverse(page)).status_code == 200
