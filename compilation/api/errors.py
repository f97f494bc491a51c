"""Every API error as JSON: a machine ``code``, a Vietnamese ``message``, and ``fields`` naming the fields.

DRF's own errors, Django's ValidationError and PermissionDenied raised by the services,
Http404 from the QuerySets, BadRequest from the parameter readers (agencies.params,
parindex.access) and StaleEdit from optimistic locking all come out in this one shape.
"""

from __future__ import annotations

from django.core.exceptions import BadRequest, PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response

from agencies.versioning import StaleEdit

MESSAGES = {
    "not_authenticated": lambda: _("Sign in or send a valid API token (Authorization: Bearer <token>)."),
    "authentication_failed": lambda: _("The token is not valid or has been revoked."),
    "permission_denied": lambda: _("You may not do this."),
    "not_found": lambda: _("Not found."),
    "method_not_allowed": lambda: _("This method is not allowed here."),
    "throttled": lambda: _("Too many requests: try again later."),
    "invalid": lambda: _("Some fields are not valid."),
    "bad_request": lambda: _("A parameter is malformed."),
    "unsupported_media_type": lambda: _("Send JSON or multipart/form-data."),
    "parse_error": lambda: _("The request body could not be read."),
    "stale": lambda: _(
        "Someone else saved this after you read it. Nothing of yours was saved: read it again and retry."
    ),
}


def body(code: str, message: str | None = None, **extra) -> dict:
    return {"code": code, "message": str(message or MESSAGES.get(code, MESSAGES["invalid"])()), **extra}


def _django_validation(exc: DjangoValidationError) -> Response:
    if hasattr(exc, "error_dict"):
        fields = {name: [str(m) for e in errors for m in e.messages] for name, errors in exc.error_dict.items()}
        first = next(iter(fields.values()), [""])[0]
        return Response(body("invalid", first, fields=fields), status=400)
    messages = [str(m) for m in exc.messages]
    return Response(body("invalid", messages[0] if messages else None, errors=messages), status=400)


def _flatten(detail) -> dict[str, list[str]]:
    if isinstance(detail, dict):
        out = {}
        for name, value in detail.items():
            if isinstance(value, dict):
                for sub, msgs in _flatten(value).items():
                    out[f"{name}.{sub}"] = msgs
            elif isinstance(value, list) and value and isinstance(value[0], dict):
                for i, item in enumerate(value):
                    for sub, msgs in _flatten(item).items():
                        out[f"{name}[{i}].{sub}"] = msgs
            else:
                out[name] = [str(v) for v in (value if isinstance(value, list) else [value])]
        return out
    return {"non_field_errors": [str(v) for v in (detail if isinstance(detail, list) else [detail])]}


def handler(exc, context):
    if isinstance(exc, StaleEdit):
        return Response(body("stale", changes=exc.changes), status=status.HTTP_409_CONFLICT)
    if isinstance(exc, DjangoValidationError):
        return _django_validation(exc)
    if isinstance(exc, BadRequest):
        return Response(body("bad_request", str(exc) if str(exc) else None), status=400)
    if isinstance(exc, Http404):
        return Response(body("not_found"), status=404)
    if isinstance(exc, PermissionDenied):
        return Response(body("permission_denied"), status=403)
    if isinstance(exc, exceptions.ValidationError):
        fields = _flatten(exc.detail)
        first = next(iter(fields.values()), [""])[0]
        return Response(body("invalid", first, fields=fields), status=400)
    if isinstance(exc, exceptions.APIException):
        code = exc.get_codes() if isinstance(exc.get_codes(), str) else exc.default_code
        headers = {}
        if isinstance(exc, exceptions.Throttled) and exc.wait is not None:
            headers["Retry-After"] = str(int(exc.wait))
        if getattr(exc, "auth_header", None):
            headers["WWW-Authenticate"] = exc.auth_header
        message = MESSAGES[code]() if code in MESSAGES else str(exc.detail)
        return Response(body(code, message), status=exc.status_code, headers=headers)
    return None
