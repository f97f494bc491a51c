"""The one clock: real by default, pinned per cycle in the demo, pinned to a date on request."""

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.utils import timezone

from agencies import clock

REFERENCE = dt.date(2021, 11, 15)
CYCLE = SimpleNamespace(reference_date=REFERENCE)


def test_without_a_pin_today_is_the_real_local_date(settings):
    settings.CLOCK_PIN = ""
    assert clock.today(CYCLE) == timezone.localdate()
    assert abs((clock.now(CYCLE) - timezone.now()).total_seconds()) < 5


def test_cycle_pin_makes_the_reference_date_today_inside_that_cycle_only(settings):
    settings.CLOCK_PIN = "cycle"
    assert clock.today(CYCLE) == REFERENCE
    assert timezone.localtime(clock.now(CYCLE)).date() == REFERENCE
    assert clock.today() == timezone.localdate()  # outside a cycle: the real clock
    assert clock.today(SimpleNamespace(reference_date=None)) == timezone.localdate()


def test_a_date_pin_holds_everywhere(settings):
    settings.CLOCK_PIN = "2022-01-27"
    assert clock.today() == clock.today(CYCLE) == dt.date(2022, 1, 27)


@pytest.mark.django_db
def test_a_cycle_acts_on_its_own_date_under_the_demo_pin(settings):
    from tests.factories import CycleFactory

    settings.CLOCK_PIN = "cycle"
    cycle = CycleFactory(year=2021, reference_date=REFERENCE)
    assert cycle.today() == cycle.as_of() == REFERENCE
    settings.CLOCK_PIN = ""
    assert cycle.today() == timezone.localdate() and cycle.as_of() == REFERENCE  # a view "as of", not a pin


def _settings_process(module: str, **env: str) -> subprocess.CompletedProcess:
    root = Path(__file__).resolve().parents[2]
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": module, **env}
    code = "import django; django.setup(); from django.conf import settings; print(settings.CLOCK_PIN)"
    return subprocess.run([sys.executable, "-c", code], cwd=root, env=environment, capture_output=True, text=True)


def test_production_refuses_a_pin():
    secret = "x" * 60
    run = _settings_process(
        "config.settings.production", CLOCK_PIN="cycle", SECRET_KEY=secret, ALLOWED_HOSTS="example.gov.vn"
    )
    assert run.returncode != 0 and "CLOCK_PIN" in run.stderr


def test_a_malformed_pin_stops_start_up():
    run = _settings_process("config.settings.local", CLOCK_PIN="15/11/2021")
    assert run.returncode != 0 and "isoformat" in run.stderr
