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


class _DemoSnapshot:
    """The demo's rows, kept after the first load of the session and written back for later tests.

    ``load_demo`` takes seconds; run for each of the hundreds of tests that use the demo it was
    most of the suite's time. The first test loads it through the service (so the loader
    itself is tested every run, and ``tests/compilation/test_demo*.py`` load it fresh); later
    tests get the same rows back with one INSERT per table. Foreign keys are deferred
    (Django creates them DEFERRABLE INITIALLY DEFERRED), so the tables go back in any order.
    Used only on an empty database: a test that made its own rows first loads the demo anew.
    """

    KEEP = {"django_migrations", "django_content_type", "auth_permission"}

    def __init__(self) -> None:
        self.tables: list[tuple[str, list[str], list[tuple]]] = []
        self.stats = None

    @staticmethod
    def _empty() -> bool:
        from agencies.models import Agency, User

        return not Agency.objects.exists() and not User.objects.exists()

    def take(self, stats) -> None:
        from django.db import connection

        with connection.cursor() as cursor:
            for table in sorted(connection.introspection.django_table_names(only_existing=True)):
                if table in self.KEEP:
                    continue
                cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
                rows = cursor.fetchall()
                if rows:
                    columns = [c[0] for c in cursor.description]
                    self.tables.append((table, columns, rows))
        self.stats = stats

    def restore(self) -> None:
        from django.db import connection

        q = connection.ops.quote_name
        with connection.cursor() as cursor:
            for table, columns, rows in self.tables:
                marks = ", ".join(["%s"] * len(columns))
                cursor.executemany(
                    f"INSERT INTO {q(table)} ({', '.join(q(c) for c in columns)}) VALUES ({marks})", rows
                )
        if connection.vendor == "postgresql":  # ids given explicitly: move each sequence past them
            from django.apps import apps
            from django.core.management.color import no_style

            with connection.cursor() as cursor:
                for sql in connection.ops.sequence_reset_sql(no_style(), apps.get_models(include_auto_created=True)):
                    cursor.execute(sql)


_demo_snapshots: dict[str, _DemoSnapshot] = {}


@pytest.fixture
def demo(db, settings):
    """The Bình Định 2021 demo, loaded through the same service as `load_demo` (see _DemoSnapshot).

    One snapshot per clock pin: what the loader records can depend on "today"."""
    from compilation.demo.loader import load_demo

    snapshot = _demo_snapshots.setdefault(str(getattr(settings, "CLOCK_PIN", "")), _DemoSnapshot())
    if snapshot.stats is not None and _DemoSnapshot._empty():
        snapshot.restore()
        return snapshot.stats
    fresh = _DemoSnapshot._empty()
    # The 2021 situation: the tests of the 2025 reorganisation load it themselves
    # (tests/compilation/test_gialai2025.py), as `make run` does by default.
    stats = load_demo(with_2025=False)
    if fresh and snapshot.stats is None:
        snapshot.take(stats)
    return stats


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
