"""Login throttling that cannot be turned on the users: keyed on the real address behind the proxy."""

import time

import pytest
from django.test import override_settings
from django.urls import reverse

from agencies.throttling import client_address

pytestmark = pytest.mark.django_db

PROXY = "127.0.0.1"  # the reverse proxy, as gunicorn sees it
OWNER, ATTACKER = "10.1.2.7", "203.0.113.66"
throttled = override_settings(
    AXES_ENABLED=True, TRUSTED_PROXY_COUNT=1, LOGIN_USERNAME_FAILURE_LIMIT=5, LOGIN_ADDRESS_FAILURE_LIMIT=20
)


def login(client, username, password, address, forwarded=None):
    return client.post(
        reverse("login"),
        {"username": username, "password": password},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR=forwarded or address,
    )


@pytest.fixture(autouse=True)
def no_sleeping(monkeypatch):
    """Throttling must never hold a web worker: any sleep during a login fails the test."""

    def refuse(seconds):
        raise AssertionError(f"a login slept {seconds} s in the web worker")

    monkeypatch.setattr(time, "sleep", refuse)


@throttled
def test_an_attackers_failures_never_lock_the_owner_out_from_another_address(client, staff):
    for _ in range(10):
        login(client, "quynhon", "sai", ATTACKER)
    response = login(client, "quynhon", "demo-2021", OWNER)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(staff.pk)


@throttled
def test_the_attacker_is_locked_out_of_that_username_with_a_vietnamese_message(client, staff):
    for _ in range(5):
        login(client, "quynhon", "sai", ATTACKER)
    response = login(client, "quynhon", "demo-2021", ATTACKER)
    assert response.status_code == 429
    assert "tạm khóa" in response.content.decode()
    assert "_auth_user_id" not in client.session


@throttled
def test_a_forged_forwarded_header_cannot_charge_the_owners_address(client, staff):
    """The client writes the left of X-Forwarded-For; the proxy appends the real address on the right."""
    for _ in range(10):
        login(client, "quynhon", "sai", ATTACKER, forwarded=f"{OWNER}, {ATTACKER}")
    assert login(client, "quynhon", "demo-2021", OWNER).status_code == 302


@throttled
def test_spraying_many_usernames_from_one_address_is_locked(client, staff):
    for i in range(20):
        login(client, f"nguoi-dung-{i}", "sai", ATTACKER)
    response = login(client, "quynhon", "demo-2021", ATTACKER)
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


@throttled
def test_spraying_from_one_address_does_not_lock_the_others(client, staff):
    for i in range(25):
        login(client, f"nguoi-dung-{i}", "sai", ATTACKER)
    assert login(client, "quynhon", "demo-2021", OWNER).status_code == 302


@throttled
def test_a_few_failures_below_the_limits_still_let_the_user_in(client, staff):
    for _ in range(4):
        login(client, "quynhon", "sai", OWNER)
    assert login(client, "quynhon", "demo-2021", OWNER).status_code == 302


@pytest.mark.parametrize(
    ("count", "meta", "expected"),
    [
        (0, {"REMOTE_ADDR": "10.0.0.1", "HTTP_X_FORWARDED_FOR": "1.2.3.4"}, "10.0.0.1"),  # no proxy: header ignored
        (1, {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": "1.2.3.4, 5.6.7.8"}, "5.6.7.8"),
        (2, {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": "1.2.3.4, 5.6.7.8, 9.9.9.9"}, "5.6.7.8"),
        (2, {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": "5.6.7.8"}, PROXY),  # bypassed a proxy
        (1, {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": "không-phải-địa-chỉ"}, PROXY),
        (1, {"REMOTE_ADDR": PROXY}, PROXY),
    ],
)
def test_the_client_address_counts_trusted_proxies_from_the_right(rf, settings, count, meta, expected):
    settings.TRUSTED_PROXY_COUNT = count
    assert client_address(rf.get("/", **meta)) == expected
