"""The one clock: every service, form default, status and Celery task asks here for "today" and "now".

Production reads the real clock. Development and the demo may pin it with the
``CLOCK_PIN`` setting (production refuses the setting):

- ``CLOCK_PIN = "2021-11-15"``: every "today" is that date, and "now" that date at
  the current time of day;
- ``CLOCK_PIN = "cycle"`` (``make run``): inside a cycle that has a reference date,
  that date is "today", so a visitor acts on 15/11/2021 in the 2021 demo cycle and
  on a later cycle's own date there; outside a cycle, and for cycles without a
  reference date, the real clock.

Callers pass the cycle they act in (anything with a ``reference_date``), so this
module imports nothing of the apps above it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.utils import timezone

CYCLE = "cycle"


def _pin() -> str:
    return str(getattr(settings, "CLOCK_PIN", "") or "").strip()


def _pinned_date(cycle: Any = None) -> dt.date | None:
    pin = _pin()
    if not pin:
        return None
    if pin == CYCLE:
        return getattr(cycle, "reference_date", None) if cycle is not None else None
    return dt.date.fromisoformat(pin)


def today(cycle: Any = None) -> dt.date:
    """Today in Asia/Ho_Chi_Minh, or the pinned date."""
    return _pinned_date(cycle) or timezone.localdate()


def now(cycle: Any = None) -> dt.datetime:
    """Now, aware; with a pin, the pinned date at the current local time of day."""
    real = timezone.now()
    day = _pinned_date(cycle)
    if day is None:
        return real
    local = timezone.localtime(real)
    return local.replace(year=day.year, month=day.month, day=day.day)


def is_pinned() -> bool:
    return bool(_pin())


def validate_pin(value: str) -> str:
    """For settings: a pin is "", "cycle" or an ISO date; anything else stops start-up."""
    value = (value or "").strip()
    if value and value != CYCLE:
        dt.date.fromisoformat(value)
    return value
