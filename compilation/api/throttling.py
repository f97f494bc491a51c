"""A request limit per token (or signed-in user), counted in the shared cache (Redis in production).

A fixed window of one minute: ``cache.add`` starts the window's counter with its expiry and
``cache.incr`` is atomic in Redis, so every gunicorn worker counts into the same number and the
limit does not multiply by the number of workers. Past the limit: 429 with Retry-After.
"""

from __future__ import annotations

import logging
import time

from django.conf import settings
from django.core.cache import cache
from rest_framework.throttling import BaseThrottle

from .permissions import token_of

log = logging.getLogger(__name__)
WINDOW_SECONDS = 60


class PerClientRate(BaseThrottle):
    def _client(self, request) -> str:
        token = token_of(request)
        if token is not None:
            return f"token:{token.pk}"
        if request.user and request.user.is_authenticated:
            return f"user:{request.user.pk}"
        return f"addr:{self.get_ident(request)}"

    def allow_request(self, request, view) -> bool:
        limit = settings.API_RATE_LIMIT_PER_MINUTE
        now = time.time()
        window = int(now // WINDOW_SECONDS)
        key = f"api-rate:{self._client(request)}:{window}"
        self.wait_seconds = max(1, int((window + 1) * WINDOW_SECONDS - now + 0.999))
        try:
            cache.add(key, 0, timeout=WINDOW_SECONDS + 5)
            count = cache.incr(key)
        except Exception:  # the store is down: serve, and say so (a limit is not worth an outage)
            log.warning("API rate limit store unreachable; request served unthrottled", exc_info=True)
            return True
        return count <= limit

    def wait(self) -> float | None:
        return self.wait_seconds
