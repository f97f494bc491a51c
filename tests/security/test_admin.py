"""Django's admin: for administrators only, at the path of settings.ADMIN_URL, and no 500 on garbage."""

import importlib

import pytest
from django.contrib import admin
from django.test import override_settings
from django.urls import clear_url_caches, reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def administrator(db):
    return UserFactory(username="admin", is_staff=True, is_superuser=True)


@pytest.mark.parametrize("path", ["/admin/", "/admin/login/", "/admin/agencies/user/", "/admin/jsi18n/"])
def test_the_admin_is_not_found_by_anonymous_visitors(client, path):
    assert client.get(path).status_code == 404


@pytest.mark.parametrize("path", ["/admin/", "/admin/login/", "/admin/agencies/user/"])
def test_the_admin_is_not_found_by_users_who_are_not_administrators(client, staff, snv, path):
    for user in (staff, snv):
        client.force_login(user)
        assert client.get(path).status_code == 404


def test_an_administrator_reaches_the_admin(client, administrator):
    client.force_login(administrator)
    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/login/").status_code == 302  # already in: on to the index


@pytest.fixture
def moved_admin(settings):
    import config.urls

    settings.ADMIN_URL = "quan-tri-7f3a/"
    importlib.reload(config.urls)
    clear_url_caches()
    yield
    settings.ADMIN_URL = "admin/"
    importlib.reload(config.urls)
    clear_url_caches()


def test_the_admin_answers_at_the_path_of_the_setting(client, administrator, moved_admin):
    client.force_login(administrator)
    assert reverse("admin:index") == "/quan-tri-7f3a/"
    assert client.get("/quan-tri-7f3a/").status_code == 200
    assert client.get("/admin/").status_code == 404


GARBAGE = {"q": "a\x00b", "o": "x.-9.²", "p": "9" * 30, "e": "1", "all": "", "_to_field": "password"}


def test_no_admin_list_answers_500_to_garbage(client, demo):
    from agencies.models import User

    client.force_login(User.objects.get(username="admin"))
    errors = []
    for model in admin.site._registry:
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        for key, value in GARBAGE.items():
            try:
                status = client.get(url, {key: value}).status_code
            except Exception as exc:  # re-raised from the view: a 500
                status = f"500 {type(exc).__name__}"
            if not isinstance(status, int) or status >= 500:
                errors.append((url, key, status))
    assert errors == []


@override_settings(AXES_ENABLED=True)
def test_an_administrator_logs_in_through_the_site_login(client, administrator):
    response = client.post(reverse("login"), {"username": "admin", "password": "demo-2021"})
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200


def test_the_admin_history_page_and_the_login_records_are_in_vietnamese(client, administrator, cycle, agency):
    """django-simple-history and django-axes ship no Vietnamese: their strings come from our catalogue
    (config/admin_site.py), so an administrator meets no English fragment there."""
    from tests.factories import TaskFactory

    task = TaskFactory(cycle=cycle, lead_agency=agency)
    client.force_login(administrator)
    page = client.get(reverse("admin:remediation_task_history", args=[task.pk])).content.decode()
    for vietnamese in ("Lịch sử thay đổi", "Ngày, giờ", "Người thay đổi", "Đối tượng"):
        assert vietnamese in page
    for english in ("Change history", "Date/time", "Changed by"):
        assert english not in page
    attempts = client.get(reverse("admin:axes_accessattempt_changelist")).content.decode()
    assert "các lượt đăng nhập" in attempts.lower() and "access attempts" not in attempts.lower()
