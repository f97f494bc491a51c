"""SNV's cycle settings page: who verifies completions and the reminder rhythm, each change in the history."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import override

from parindex import services
from parindex.models import Cycle

pytestmark = pytest.mark.django_db


def _url(cycle: Cycle) -> str:
    return reverse("compilation:cycle-settings", args=[cycle.year])


def _post(cycle: Cycle, **changes) -> dict:
    data = {
        "focal_agencies_verify": "",
        "reminder_offsets": cycle.reminder_offsets,
        "overdue_step_days": cycle.overdue_step_days,
        "escalation_days": cycle.escalation_days,
        "reason": "",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v != ""} | {"reason": data["reason"]}


def test_snv_delegates_verification_and_the_change_is_in_the_history(client, cycle, snv):
    client.force_login(snv)
    response = client.post(_url(cycle), _post(cycle, focal_agencies_verify="on", reason="Theo Kế hoạch 12"))
    assert response.status_code == 302 and response.url == _url(cycle)
    cycle.refresh_from_db()
    assert cycle.focal_agencies_verify is True
    record = cycle.history.latest("history_id")
    assert record.history_user == snv and record.history_change_reason == "Theo Kế hoạch 12"
    page = client.get(_url(cycle)).content.decode()
    assert page.count("data-history=") == 2  # created, then the delegation
    assert "Theo Kế hoạch 12" in page


def test_reminder_steps_are_normalised_and_bad_ones_refused_without_a_500(client, cycle, snv):
    client.force_login(snv)
    client.post(_url(cycle), _post(cycle, reminder_offsets=" 3, 7,1 ,0,3"))
    cycle.refresh_from_db()
    assert cycle.reminder_offsets == "7,3,1,0" and cycle.offsets == [7, 3, 1, 0]
    response = client.post(_url(cycle), _post(cycle, reminder_offsets="7,ba"))
    assert response.status_code == 400
    cycle.refresh_from_db()
    assert cycle.reminder_offsets == "7,3,1,0"  # nothing half-written


def test_saving_unchanged_settings_writes_no_history(client, cycle, snv):
    client.force_login(snv)
    before = cycle.history.count()
    assert client.post(_url(cycle), _post(cycle)).status_code == 302
    assert cycle.history.count() == before


@pytest.mark.parametrize("who", ["staff", "leader", "chairman_office"])
def test_only_snv_opens_the_settings(client, cycle, who, request):
    client.force_login(request.getfixturevalue(who))
    assert client.get(_url(cycle)).status_code in (403, 404)
    assert client.post(_url(cycle), _post(cycle, focal_agencies_verify="on")).status_code in (403, 404)
    cycle.refresh_from_db()
    assert cycle.focal_agencies_verify is False


def test_the_service_refuses_anyone_but_snv(cycle, staff):
    with override("en"), pytest.raises(ValidationError, match="Only SNV"):
        services.update_loop_settings(cycle, user=staff, focal_agencies_verify=True)


def test_the_next_cycle_keeps_the_setting(cycle, snv):
    services.update_loop_settings(cycle, user=snv, focal_agencies_verify=True)
    assert "focal_agencies_verify" in services.CARRIED_CYCLE_FIELDS


def test_an_unknown_cycle_is_a_404(client, snv):
    client.force_login(snv)
    assert client.get(reverse("compilation:cycle-settings", args=[1999])).status_code == 404


def test_the_cycle_list_links_to_the_settings(client, cycle, snv):
    client.force_login(snv)
    page = client.get(reverse("compilation:cycle-list")).content.decode()
    assert _url(cycle) in page
