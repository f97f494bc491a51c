"""Login throttling (django-axes) that an attacker cannot turn against an official.

Two rules, both keyed on the client's real address:

- username + address: ``LOGIN_USERNAME_FAILURE_LIMIT`` (5, env ``AXES_FAILURE_LIMIT``) failures
  lock that username *from that address* for the cool-off. The owner, at another address, still logs in;
- address alone: ``LOGIN_ADDRESS_FAILURE_LIMIT`` (20) failures across any usernames lock the
  address, so spraying many usernames from one address is slowed to 20 guesses per cool-off.

Axes counts every lockout parameter of ``AXES_LOCKOUT_PARAMETERS`` but compares the largest count
with one limit; ``failure_limit`` below gives each rule its own limit. Nothing ever sleeps: a
refused attempt is answered at once with the lockout page (429), so throttling costs no worker.

Behind the reverse proxy, ``REMOTE_ADDR`` is the proxy's: ``client_address`` reads the client from
``X-Forwarded-For`` counting ``TRUSTED_PROXY_COUNT`` proxies from the right, the entries our own
proxies appended; whatever a client writes further left is ignored, so the header cannot be forged
to pick someone else's address.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def _valid(address: str) -> str | None:
    try:
        return str(ipaddress.ip_address(address.strip()))
    except ValueError:
        return None


def client_address(request: HttpRequest) -> str | None:
    """The client's address: the one ``TRUSTED_PROXY_COUNT`` proxies reported, else ``REMOTE_ADDR``."""
    remote = request.META.get("REMOTE_ADDR")
    count = settings.TRUSTED_PROXY_COUNT
    if count <= 0:
        return remote
    chain = [part for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if len(chain) < count:
        return remote  # a request that did not pass through every proxy: trust only the socket
    return _valid(chain[-count]) or remote


def failure_limit(request: HttpRequest, credentials: dict | None) -> int:
    """The per-username limit once this username has failed that often from this address, else the address's."""
    from axes.attempts import get_cool_off_threshold
    from axes.helpers import get_client_username
    from axes.models import AccessAttempt

    limit = settings.LOGIN_USERNAME_FAILURE_LIMIT
    username = get_client_username(request, credentials)
    address = getattr(request, "axes_ip_address", None) or client_address(request)
    if username is not None:
        attempts = AccessAttempt.objects.filter(username=username, ip_address=address)
        if getattr(request, "axes_attempt_time", None) is not None:
            attempts = attempts.filter(attempt_time__gte=get_cool_off_threshold(request))
        failures = sum(attempts.values_list("failures_since_start", flat=True))
        if failures >= limit:
            return limit
    return settings.LOGIN_ADDRESS_FAILURE_LIMIT
