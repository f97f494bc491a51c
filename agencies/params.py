"""Reading ids and years from a request: one parser, so no page answers 500 to a strange value.

``"²".isdigit()`` is true but ``int("²")`` fails; ``isdecimal()`` and a length bound
are the rule here. A malformed value is a 400 (``BadRequest``); a well-formed id
that names nothing is the caller's 404.
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import BadRequest, ValidationError

MAX_DIGITS = 18  # fits a PostgreSQL bigint


def parse_int(value: str | None, *, name: str = "id") -> int | None:
    """``None`` for an absent or empty value, the integer for a decimal one, else ``BadRequest``."""
    if value is None:
        return None
    text = str(value).strip()
    if not text:
        return None
    if not (text.isascii() and text.isdecimal() and len(text) <= MAX_DIGITS):
        raise BadRequest(f"Malformed {name}.")
    return int(text)


def parse_int_or_none(value: str | None) -> int | None:
    """Like parse_int, but a malformed value reads as absent (for optional filters and choices)."""
    try:
        return parse_int(value)
    except BadRequest:
        return None


MAX_ID = 2**63 - 1  # PostgreSQL bigint, SQLite INTEGER


def is_id(value) -> bool:
    """A value a primary-key column can hold, as a request sends it."""
    text = str(value).strip()
    return text.isascii() and text.isdecimal() and len(text) <= MAX_DIGITS + 1 and int(text) <= MAX_ID


class BoundedIdsMixin:
    """For ``ModelMultipleChoiceField``: refuse ids no column can hold before the ``__in`` query.

    Django 5 answers an exact lookup with an out-of-range integer with no rows, but an ``__in``
    lookup still reaches SQLite, which raises ``OverflowError`` (a 500) for ``9`` × 30.
    """

    def _check_values(self, value):
        if (getattr(self, "to_field_name", None) or "pk") == "pk":
            for pk in value or ():
                if not is_id(pk):
                    raise ValidationError(
                        self.error_messages["invalid_pk_value"], code="invalid_pk_value", params={"pk": pk}
                    )
        return super()._check_values(value)


class ModelMultipleIdsField(BoundedIdsMixin, forms.ModelMultipleChoiceField):
    """A ``ModelMultipleChoiceField`` whose out-of-range ids are a form error, not a 500."""
