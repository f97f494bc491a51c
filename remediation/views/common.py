"""Helpers shared by the agency views: service errors on forms, and the "someone saved first" message."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest


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
