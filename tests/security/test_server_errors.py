"""The four server errors of the black-box probe, each answered now with a 4xx or a redirect."""

import pytest
from django.test import override_settings
from django.urls import reverse

from remediation.models import Task

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "target", ["1", "compilation:home", "//evil.example/", "https://evil.example/", "/\\evil", "/x\x00"]
)
def test_a_next_that_is_not_a_local_path_falls_back_to_the_task_list(client, demo, target):
    from agencies.models import User

    client.force_login(User.objects.get(username="snv"))
    response = client.post(reverse("remediation:manage-task-bulk"), {"next": target})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("remediation:manage-task-list"))


@override_settings(AXES_ENABLED=True)
def test_a_60000_character_username_is_a_form_error_not_a_server_error(client, staff):
    response = client.post(reverse("login"), {"username": "a" * 60_000, "password": "x"})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_a_task_without_history_rows_shows_its_page(client, demo):
    from agencies.models import User

    task = Task.objects.filter(lead_agency__code="quynhon").first()
    task.history.all().delete()
    client.force_login(User.objects.get(username="snv"))
    assert client.get(reverse("remediation:task-detail", args=[task.pk])).status_code == 200


@pytest.mark.parametrize("url", ["/tasks/99999999999999999999/", "/scores/2021/99999999999999999999/"])
def test_an_overflowing_id_in_the_path_is_not_found(client, demo, url):
    from agencies.models import User

    client.force_login(User.objects.get(username="snv"))
    assert client.get(url).status_code == 404


def test_a_local_next_is_followed(client, demo):
    from agencies.models import User

    client.force_login(User.objects.get(username="snv"))
    target = reverse("remediation:manage-task-list") + "?cycle=2021&page=2"
    response = client.post(reverse("remediation:manage-task-bulk"), {"next": target})
    assert response["Location"] == target


@pytest.mark.parametrize("field", ["coordinating_agencies", "sub_criteria"])
def test_an_overflowing_id_in_a_multiple_choice_is_a_form_error(client, demo, field):
    """SQLite raised OverflowError in the ``__in`` query of ModelMultipleChoiceField (found by the fuzz matrix)."""
    from agencies.models import User

    task = Task.objects.filter(lead_agency__code="quynhon").first()
    client.force_login(User.objects.get(username="snv"))
    response = client.post(reverse("remediation:manage-task-edit", args=[task.pk]), {field: "9" * 30})
    assert response.status_code == 200
    assert field in response.context["form"].errors
