"""Real services for the integration tests: an SMTP server on loopback and a Celery worker process."""

import os
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Inbox:
    """aiosmtpd handler keeping every message it accepts."""

    def __init__(self) -> None:
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"


class SMTPServer:
    """A real SMTP server on 127.0.0.1, which a test can start late to play an outage."""

    def __init__(self, port: int) -> None:
        self.port, self.inbox, self.controller = port, Inbox(), None

    def start(self) -> None:
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp_port() -> int:
    return free_port()


@pytest.fixture
def smtp_server(smtp_port):
    """Created stopped: call .start(). Nothing listens on its port until then (connection refused)."""
    server = SMTPServer(smtp_port)
    yield server
    server.stop()


@pytest.fixture
def smtp_settings(settings, smtp_port):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", smtp_port
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5
    return settings


def wait_for(predicate, what: str, limit: float = 90.0):
    """Poll until predicate() is truthy. The limit only stops a broken run; nothing asserts on time."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"gave up waiting for {what}")


class Worker:
    """`celery -A config worker` as a child process, on a queue of its own, against the test database."""

    def __init__(self, database_url: str, redis_url: str, log: Path, smtp_port: int | None = None) -> None:
        self.queue = f"remtest-{uuid.uuid4().hex[:10]}"
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.topology.worker_settings",
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "REMINDER_TEST_QUEUE": self.queue,
        }
        if smtp_port:
            env["REMINDER_TEST_SMTP_PORT"] = str(smtp_port)
        command = [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo", "--loglevel=INFO"]
        command += ["--without-gossip", "--without-mingle", "--without-heartbeat", "-Q", self.queue]
        command += ["-n", f"{self.queue}@%h"]
        self.log = log
        self.process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


def database_url_of(connection) -> str:
    """The URL of the database pytest-django created (test_<name>), for the worker process."""
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


@pytest.fixture
def start_worker(transactional_db, tmp_path):
    """Start a worker (PostgreSQL and REDIS_URL only); stopped before the test database is flushed."""
    from django.conf import settings
    from django.db import connection

    # These run in `make test` (PostgreSQL and Redis); `make test-sqlite` deselects the
    # "services" marker. Anything else is a misconfiguration, reported as a failure.
    if connection.vendor != "postgresql":
        pytest.fail("a worker process cannot open SQLite's in-memory test database: run with PostgreSQL")
    if not settings.REDIS_URL:
        pytest.fail("REDIS_URL is not set: no broker for a worker")
    workers = []

    def _start(smtp_port: int | None = None) -> Worker:
        worker = Worker(database_url_of(connection), settings.REDIS_URL, tmp_path / "worker.log", smtp_port)
        workers.append(worker)
        return worker

    yield _start
    for worker in workers:
        worker.stop()
