"""Faults of the real parts: Redis down, a worker killed mid-task. Nothing lost, nothing twice."""

import asyncio
import logging
import os
import signal
import subprocess
import time
import urllib.request
import uuid

import psycopg
import pytest
from aiosmtpd.controller import Controller

from bench.load import Stats
from bench.load import User as HttpUser
from bench.topology import Topology, free_port, production_env

# aiosmtpd logs from its own thread, which may outlive pytest's captured streams.
logging.getLogger("mail.log").setLevel(logging.WARNING)

pytestmark = [pytest.mark.topology, pytest.mark.timeout(600)]
ADMIN_URL = os.environ.get("SMOKE_DATABASE_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres")


class SlowInbox:
    """An SMTP server that can stall before EHLO (so a killed client has sent nothing)."""

    def __init__(self):
        self.messages: list[tuple[str, list[str]]] = []
        self.stall_first = 0.0

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        if self.stall_first:
            delay, self.stall_first = self.stall_first, 0.0
            await asyncio.sleep(delay)
        session.host_name = hostname
        return responses

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 OK"


@pytest.fixture
def smtp():
    inbox = SlowInbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller, inbox
    controller.stop()


@pytest.fixture
def scratch_database():
    name = f"partracker_fault_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class PrivateRedis:
    """A Redis server of the test's own, which the test may kill and restart."""

    def __init__(self, tmp_path):
        self.port = free_port()
        self.dir = tmp_path
        self.proc = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.dir),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(50):
            try:
                import redis

                redis.Redis(port=self.port, socket_connect_timeout=0.2).ping()
                return
            except Exception:
                time.sleep(0.1)
        raise RuntimeError("redis-server did not start")

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)


@pytest.fixture
def private_redis(tmp_path):
    server = PrivateRedis(tmp_path)
    server.start()
    yield server
    if server.proc and server.proc.poll() is None:
        server.kill()


def _count(db_url: str, sql: str) -> int:
    with psycopg.connect(db_url) as conn:
        return conn.execute(sql).fetchone()[0]


def _prepare(tmp_path, db_url: str, redis_url: str, smtp_port: int, **extra) -> Topology:
    env = production_env(
        db_url,
        redis_url,
        EMAIL_URL=f"smtp://127.0.0.1:{smtp_port}",
        PRIVATE_MEDIA_ROOT=str(tmp_path / "private"),
        **extra,
    )
    topo = Topology(env=env, logdir=tmp_path)
    topo.manage("migrate", "--noinput")
    topo.env = {**env, "DJANGO_SETTINGS_MODULE": "config.settings.local"}
    topo.manage("load_demo")
    topo.env = env
    topo.manage("collectstatic", "--noinput")
    return topo


def _issue_report_over_http(topo: Topology) -> int:
    """SNV issues the consolidated report from the browser form (CSRF token and all)."""
    snv = HttpUser(topo.base_url, "snv", Stats())
    assert snv.login()
    _code, html = snv.request("/consolidated-report/")
    code, _ = snv.request(
        "/consolidated-report/issue/",
        {"csrfmiddlewaretoken": snv.csrf(html), "as_of": "15/11/2021", "proposals": "Đề xuất thử."},
    )
    return code


def _wait(predicate, timeout: float) -> bool:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return True
        time.sleep(1)
    return False


def test_redis_down_web_keeps_working_and_reminders_go_out_when_it_is_back(
    scratch_database, private_redis, smtp, tmp_path
):
    controller, inbox = smtp
    topo = _prepare(
        tmp_path,
        scratch_database,
        private_redis.url,
        controller.port,
        REMINDER_SWEEP_EVERY_SECONDS="3",
        REPORT_REQUEUE_SECONDS="5",
    )
    try:
        topo.start_web(workers=2)
        topo.start_worker()
        private_redis.kill()
        topo.start_beat()  # beat starts while the broker is down: nothing can be scheduled yet
        user = HttpUser(topo.base_url, "quynhon", Stats())
        assert user.login()
        user.browse()
        for _ in range(3):
            user.log_progress()
        assert user.stats.progress_ok >= 1 and user.stats.errors == []
        with pytest.raises(urllib.error.HTTPError) as info:
            urllib.request.urlopen(f"{topo.base_url}/healthz", timeout=10)
        assert info.value.code == 503  # health says the broker is down, pages still work
        assert _issue_report_over_http(topo) == 302  # the enqueue fails, the request does not
        assert _count(scratch_database, "SELECT count(*) FROM compilation_issuedreport WHERE status='pending'") == 1
        time.sleep(5)
        assert inbox.messages == []

        private_redis.start()  # same port: the worker and beat reconnect
        assert _wait(lambda: inbox.messages, 150), topo.log("worker")[-3000:] + topo.log("beat")[-2000:]
        assert _wait(
            lambda: _count(scratch_database, "SELECT count(*) FROM remediation_reminder WHERE state='sent'") > 0, 60
        )
    finally:
        topo.stop()
    recipients = [tuple(rcpt) for _sender, rcpt in inbox.messages]
    assert len(recipients) == len(set(recipients)), "no recipient got the same digest twice"


def test_worker_killed_mid_task_runs_it_again_without_a_duplicate_mail(scratch_database, private_redis, smtp, tmp_path):
    controller, inbox = smtp
    topo = _prepare(tmp_path, scratch_database, private_redis.url, controller.port, CELERY_VISIBILITY_TIMEOUT="8")
    try:
        inbox.stall_first = 30.0  # the first delivery hangs before EHLO: nothing is sent yet
        topo.start_worker()
        topo.manage("send_reminders", "--as-of", "08/11/2021")  # claims, then enqueues one digest per recipient
        claimed = _count(scratch_database, "SELECT count(DISTINCT recipient_id) FROM remediation_reminder")
        assert claimed > 0
        assert topo.wait_for_log("worker", "remediation.send_reminder_digest", timeout=60)
        time.sleep(2)
        worker = topo.procs.pop("worker")
        os.killpg(worker.pid, signal.SIGKILL)  # killed while its first delivery is stalled
        worker.wait(timeout=10)
        delivered_before_restart = len(inbox.messages)
        topo.start_worker()
        assert _wait(lambda: len({tuple(r) for _s, r in inbox.messages}) >= claimed, 240), topo.log("worker")[-3000:]
        time.sleep(10)  # let any duplicate that would come, come
    finally:
        topo.stop()
    recipients = [tuple(rcpt) for _sender, rcpt in inbox.messages]
    assert len(recipients) == len(set(recipients)) == claimed
    assert delivered_before_restart < claimed
    unsent = _count(scratch_database, "SELECT count(*) FROM remediation_reminder WHERE state <> 'sent'")
    assert unsent == 0


def test_redis_killed_a_second_after_the_sweep_the_claims_go_out_within_minutes(
    scratch_database, private_redis, smtp, tmp_path
):
    """The sweep claims and enqueues; Redis dies a second later with every digest message (no
    persistence). Beat's retry of stale claims (every REMINDER_RETRY_SECONDS) sends them once
    the broker is back, each recipient exactly once, instead of at the next day's sweep."""
    controller, inbox = smtp
    topo = _prepare(
        tmp_path,
        scratch_database,
        private_redis.url,
        controller.port,
        REMINDER_RETRY_SECONDS="3",
        REMINDER_STALE_CLAIM_SECONDS="5",
    )
    claimed_sql = "SELECT count(*) FROM remediation_reminder WHERE state='claimed'"
    try:
        topo.manage("send_reminders", "--as-of", "08/11/2021")  # no worker yet: the digests wait in Redis
        claimed = _count(scratch_database, claimed_sql)
        assert claimed > 0
        time.sleep(1)
        private_redis.kill()  # the queued digests are lost with it
        private_redis.start()  # an empty Redis on the same port
        topo.start_worker()
        topo.start_beat()
        assert _wait(lambda: _count(scratch_database, claimed_sql) == 0 and inbox.messages, 120), (
            topo.log("worker")[-3000:] + topo.log("beat")[-2000:]
        )
        time.sleep(8)  # two more retry periods: any duplicate that would come, comes
    finally:
        topo.stop()
    recipients = [tuple(rcpt) for _sender, rcpt in inbox.messages]
    assert recipients and len(recipients) == len(set(recipients)), "no recipient got the same digest twice"
    sent = _count(scratch_database, "SELECT count(DISTINCT recipient_id) FROM remediation_reminder WHERE state='sent'")
    assert sent == len(recipients)
