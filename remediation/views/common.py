"""Helpers shared by the views: service errors on forms, the "someone saved first" message, the area choices."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest

from parindex.models import Criterion, FrameworkKind, Level


def add_validation_error(form, exc: ValidationError) -> None:
    """Put a service's ValidationError on the form: on its field when the form has one."""
    errors = exc.message_dict if hasattr(exc, "error_dict") else {None: exc.messages}
    for field, messages_ in errors.items():
        form.add_error(field if field in form.fields else None, messages_)


def stale_messages(request: HttpRequest, exc) -> None:
    """Tell the user that someone saved first, and what they changed."""
    messages.error(request, str(exc))
    for line in exc.changes:
        messages.warning(request, line)


def area_choices(cycle) -> list[tuple[str, str]]:
    """The PAR areas of the cycle's framework as (code, "code. name"), for the area filter (one query)."""
    rows = Criterion.objects.filter(
        framework__cycles=cycle, framework__kind=FrameworkKind.PAR, level=Level.AREA
    ).values_list("code", "name")
    return sorted({(code, f"{code}. {name}") for code, name in rows}, key=lambda r: (len(r[0]), r[0]))
