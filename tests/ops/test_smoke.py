"""The whole production topology on loopback: gunicorn, a Celery worker and beat, PostgreSQL, Redis.

Log in over HTTP, log progress, and see the reminder sweep executed by the worker
(scheduled by beat) and its digest reach a real SMTP server.
"""

import logging
import os
import re
import time
import uuid

import psycopg
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message

from bench.load import Stats
from bench.load import User as HttpUser
from bench.topology import Topology, free_port, production_env

# aiosmtpd logs from its own thread, which may outlive pytest's captured streams.
logging.getLogger("mail.log").setLevel(logging.WARNING)

pytestmark = [pytest.mark.topology, pytest.mark.timeout(300)]
ADMIN_URL = os.environ.get("SMOKE_DATABASE_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres")


class Inbox(Message):
    def __init__(self):
        super().__init__()
        self.messages = []

    def handle_message(self, message):
        self.messages.append(message)


@pytest.fixture
def scratch_database():
    name = f"partracker_smoke_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def smtp():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller, inbox
    controller.stop()


def _count(db_url: str, sql: str) -> int:
    with psycopg.connect(db_url) as conn:
        return conn.execute(sql).fetchone()[0]


def test_login_progress_and_a_reminder_through_the_real_topology(scratch_database, smtp, tmp_path):
    controller, inbox = smtp
    redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/15")
    env = production_env(
        scratch_database,
        redis_url,
        EMAIL_URL=f"smtp://127.0.0.1:{controller.port}",
        REMINDER_SWEEP_EVERY_SECONDS="3",
        PRIVATE_MEDIA_ROOT=str(tmp_path / "private"),
    )
    topo = Topology(env=env, logdir=tmp_path)
    topo.manage("migrate", "--noinput")
    topo.env = {**env, "DJANGO_SETTINGS_MODULE": "config.settings.local"}
    topo.manage("load_demo")
    topo.env = env
    topo.manage("collectstatic", "--noinput")
    try:
        topo.start_web(workers=2)
        topo.start_worker()
        topo.start_beat()
        user = HttpUser(topo.base_url, "quynhon", Stats())
        assert user.login()
        user.browse()
        assert user.tasks, "the agency's task list shows its tasks"
        before = _count(scratch_database, "SELECT count(*) FROM remediation_progressupdate")
        for _ in range(3):
            user.log_progress()
        assert user.stats.progress_ok >= 1 and not user.stats.errors
        after = _count(scratch_database, "SELECT count(*) FROM remediation_progressupdate")
        assert after - before == user.stats.progress_ok

        assert topo.wait_for_log("worker", "remediation.sweep_reminders", timeout=90), topo.log("worker")[-3000:]
        deadline = time.time() + 90
        while time.time() < deadline and not inbox.messages:
            time.sleep(1)
        assert inbox.messages, topo.log("worker")[-3000:]
        assert re.search(r"succeeded", topo.log("worker"))
        sent = _count(scratch_database, "SELECT count(*) FROM remediation_reminder WHERE state = 'sent'")
        assert sent >= 1
    finally:
        topo.stop()
    assert all(p.poll() is not None for p in topo.procs.values())
