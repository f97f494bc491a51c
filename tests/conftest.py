"""Shared fixtures: named personas and the real services the suite talks to."""

import os

import pytest

from agencies.models import AgencyKind, MembershipRole, ProvinceRole

from .factories import AgencyFactory, CycleFactory, MembershipFactory, UserFactory


def pytest_sessionstart(session):
    """Fail at once, with a clear message, when a configured service is unreachable.

    The suite never falls back silently: DATABASE_URL and REDIS_URL name the
    real PostgreSQL and Redis (see the Makefile and .ci/run).
    """
    db_url = os.environ.get("DATABASE_URL", "")
    if db_url.startswith("postgres"):
        import psycopg

        try:
            psycopg.connect(db_url.rsplit("/", 1)[0] + "/postgres", connect_timeout=5).close()
        except Exception as exc:
            pytest.exit(f"PostgreSQL is not reachable at {db_url}: {exc}", returncode=3)


@pytest.fixture
def cycle(db):
    return CycleFactory()


@pytest.fixture
def agency(db):
    return AgencyFactory(code="quynhon", name="UBND thành phố Quy Nhơn", kind=AgencyKind.DISTRICT)


@pytest.fixture
def other_agency(db):
    return AgencyFactory(code="annhon", name="UBND thị xã An Nhơn", kind=AgencyKind.DISTRICT)


@pytest.fixture
def staff(agency):
    return MembershipFactory(user=UserFactory(username="quynhon"), agency=agency, role=MembershipRole.STAFF).user


@pytest.fixture
def leader(agency):
    return MembershipFactory(user=UserFactory(username="quynhon.lead"), agency=agency, role=MembershipRole.LEADER).user


@pytest.fixture
def other_user(other_agency):
    return MembershipFactory(user=UserFactory(username="annhon"), agency=other_agency).user


@pytest.fixture
def snv(db):
    return UserFactory(username="snv", province_role=ProvinceRole.SNV)


@pytest.fixture
def chairman_office(db):
    return UserFactory(username="vp", province_role=ProvinceRole.CHAIRMAN_OFFICE)


@pytest.fixture
def demo(db):
    """The whole Bình Định 2021 demo, loaded through the same service as `load_demo`."""
    from compilation.demo.loader import load_demo

    return load_demo()


@pytest.fixture(scope="module")
def _demo_of_module(django_db_setup, django_db_blocker):
    """The demo loaded once for a whole module, committed, and flushed after its last test.

    Loading the demo takes seconds; a module of many short tests over it (the API's) would
    spend most of its time loading it again. Each test still runs in its own transaction
    (``db``), so what one test writes is rolled back before the next.
    """
    from django.core.management import call_command

    from compilation.demo.loader import load_demo

    with django_db_blocker.unblock():
        loaded = load_demo()
    yield loaded
    with django_db_blocker.unblock():
        call_command("flush", interactive=False, verbosity=0)


@pytest.fixture
def shared_demo(_demo_of_module, db):
    """The module's demo (see ``_demo_of_module``): for tests whose writes roll back."""
    return _demo_of_module
