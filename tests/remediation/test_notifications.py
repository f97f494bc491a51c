"""The in-app notification list and the unread count in the navigation bar."""

import pytest
from django.urls import reverse

from remediation.models import Notification

pytestmark = pytest.mark.django_db


def notice(user, title="Nhiệm vụ sắp đến hạn", url="/tasks/7/", **kwargs) -> Notification:
    return Notification.objects.create(recipient=user, kind="task_due", title=title, url=url, **kwargs)


def test_navbar_shows_the_unread_count(client, staff):
    notice(staff)
    notice(staff, title="Thứ hai")
    client.force_login(staff)
    html = client.get(reverse("compilation:home")).content.decode()
    assert reverse("remediation:notification-list") in html
    assert 'data-unread="2"' in html


def test_navbar_shows_no_badge_without_unread(client, staff):
    client.force_login(staff)
    assert "data-unread" not in client.get(reverse("compilation:home")).content.decode()


def test_list_shows_only_my_notifications(client, staff, other_user):
    notice(staff, title="Của tôi")
    notice(other_user, title="Của người khác")
    client.force_login(staff)
    html = client.get(reverse("remediation:notification-list")).content.decode()
    assert "Của tôi" in html and "Của người khác" not in html


def test_opening_marks_read_and_follows_the_link(client, staff):
    item = notice(staff)
    client.force_login(staff)
    response = client.get(reverse("remediation:notification-open", args=[item.pk]))
    assert response.status_code == 302 and response["Location"] == "/tasks/7/"
    item.refresh_from_db()
    assert item.read_at is not None


def test_opening_never_redirects_off_site(client, staff):
    item = notice(staff, url="https://evil.example/")
    client.force_login(staff)
    response = client.get(reverse("remediation:notification-open", args=[item.pk]))
    assert response["Location"] == reverse("remediation:notification-list")


def test_cannot_open_another_users_notification(client, staff, other_user):
    item = notice(other_user)
    client.force_login(staff)
    assert client.get(reverse("remediation:notification-open", args=[item.pk])).status_code == 404


def test_mark_all_read(client, staff):
    notice(staff)
    notice(staff)
    client.force_login(staff)
    client.post(reverse("remediation:notification-read-all"))
    assert not staff.notifications.filter(read_at__isnull=True).exists()


def test_list_needs_login(client):
    response = client.get(reverse("remediation:notification-list"))
    assert response.status_code == 302 and "/login/" in response["Location"]
