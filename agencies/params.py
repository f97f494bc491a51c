"""Reading ids and years from a request: one parser, so no page answers 500 to a strange value.

``"²".isdigit()`` is true but ``int("²")`` fails; ``isdecimal()`` and a length bound
are the rule here. A malformed value is a 400 (``BadRequest``); a well-formed id
that names nothing is the caller's 404.
"""

from __future__ import annotations

from django.core.exceptions import BadRequest

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
