"""Role gates for views: who may open a page at all.

Anyone who fails a gate gets a 404 rather than a 403, so the pages cannot be
probed. Finer rules (which agency's objects) are applied in QuerySets.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.http import Http404

from .models import User


def role_required(test: Callable[[User], bool]):
    """A decorator: log in first, then 404 unless ``test(user)`` holds."""

    def decorator(view):
        @login_required
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not test(request.user):
                raise Http404
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


snv_required = role_required(lambda user: user.is_snv)
province_reader_required = role_required(lambda user: user.sees_everything)
