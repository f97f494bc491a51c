import datetime as dt
import os

import pytest
from django import forms
from django.urls import reverse
from django.utils import translation

from agencies.models import LinkKind
from remediation import restructuring
from remediation.models import Task
from remediation.restructuring import Plan, RestructuringError
from tests.factories import AgencyFactory, TaskFactory

pytestmark = pytest.mark.django_db


class DateForm(forms.Form):
    day = forms.DateField()


def test_vietnamese_date_input_is_day_first():
    with translation.override("vi"):
        form = DateForm(data={"day": "05/03/2021"})
        assert form.is_valid(), form.errors
    assert form.cleaned_data["day"] == dt.date(2021, 3, 5)


def test_english_date_input_is_day_first_too():
    with translation.override("en"):
        form = DateForm(data={"day": "05/03/2021"})
        assert form.is_valid(), form.errors
    assert form.cleaned_data["day"] == dt.date(2021, 3, 5)


def test_login_page_is_in_vietnamese(client):
    response = client.get(reverse("login"))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Đăng nhập" in body
    assert "Tên đăng nhập" in body


def test_wrong_password_gets_a_vietnamese_message(client, staff):
    response = client.post(reverse("login"), {"username": "quynhon", "password": "sai-mat-khau"})
    assert response.status_code == 200
    assert "Vui lòng nhập chính xác" in response.content.decode()


def test_login_then_landing_page_of_the_agency(client, staff, cycle):
    response = client.post(reverse("login"), {"username": "quynhon", "password": "demo-2021"}, follow=True)
    assert response.status_code == 200
    assert "UBND thành phố Quy Nhơn" in response.content.decode()


def test_landing_page_requires_login(client):
    response = client.get(reverse("compilation:home"))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


@pytest.mark.parametrize("who", ["snv", "chairman_office"])
def test_province_roles_have_their_landing_page(client, request, who, cycle):
    client.force_login(request.getfixturevalue(who))
    response = client.get(reverse("compilation:home"))
    assert response.status_code == 200
    assert "28/01/2022" in response.content.decode()  # compilation deadline, dd/mm/yyyy


def test_language_switch_to_english(client):
    client.post(reverse("set_language"), {"language": "en", "next": "/login/"})
    assert "Log in" in client.get(reverse("login")).content.decode()


def test_healthz_checks_the_database_and_broker(client, settings):
    settings.REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/15")
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "ok"}


def test_healthz_reports_an_unreachable_broker(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json()["broker"].startswith("error")


def test_merge_moves_open_tasks_and_keeps_history(agency, other_agency):
    done = TaskFactory(lead_agency=agency, completed_on=dt.date(2021, 11, 1), progress=100)
    open_task = TaskFactory(lead_agency=agency)
    plan = Plan(LinkKind.MERGE, [agency], [other_agency], dt.date(2025, 7, 1))
    applied = restructuring.apply(plan, user=None)
    agency.refresh_from_db()
    assert applied.tasks_moved == 1
    july = dt.date(2025, 7, 1)
    assert agency.exists_on(dt.date(2025, 6, 30)) and not agency.exists_on(july)
    assert agency.successor_on(july) == other_agency and agency.successor_on(dt.date(2025, 6, 30)) == agency
    assert Task.objects.get(pk=done.pk).lead_agency == agency
    assert Task.objects.get(pk=open_task.pk).lead_agency == other_agency
    assert open_task.history.first().prev_record.lead_agency == agency


def test_agency_cannot_merge_into_itself():
    a = AgencyFactory()
    with pytest.raises(RestructuringError):
        restructuring.apply(Plan(LinkKind.MERGE, [a], [a], dt.date(2025, 7, 1)), user=None)


def test_agency_landing_page_shows_its_standing(client, demo):
    from agencies.models import User

    client.force_login(User.objects.get(username="quynhon"))
    body = client.get(reverse("compilation:home")).content.decode()
    assert "Cần quan tâm trước" in body  # overdue and due-soon tasks first
    assert "quá hạn 7 ngày" in body  # the demo's overdue Quy Nhơn task, as of 15/11/2021
    assert reverse("remediation:report-edit") in body
