"""Start and stop the production topology on loopback: gunicorn, a Celery worker and beat.

Used by the smoke test (tests/ops/test_smoke.py) and the load run (bench/load_run.py).
Processes are started with their own pid and stopped by pid, never by name.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def production_env(database_url: str, redis_url: str, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        SECRET_KEY="topology-run-" + "k" * 50,
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SECURE_SSL_REDIRECT="false",
        SECURE_COOKIES="false",
        SECURE_HSTS_SECONDS="0",
        LOG_JSON="true",
    )
    env.update(extra)
    return env


@dataclass
class Topology:
    env: dict[str, str]
    logdir: Path
    port: int = field(default_factory=free_port)
    procs: dict[str, subprocess.Popen] = field(default_factory=dict)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def manage(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            check=True,
            capture_output=True,
            text=True,
            timeout=600,
        )

    def start(self, name: str, argv: list[str], extra_env: dict[str, str] | None = None, cpus: str = "") -> None:
        """Start a process; with ``cpus`` ("1", "0-1") it runs pinned there through taskset."""
        if cpus:
            argv = ["taskset", "-c", cpus, *argv]
        log = (self.logdir / f"{name}.log").open("w")
        env = {**self.env, **(extra_env or {})}
        self.procs[name] = subprocess.Popen(
            argv, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )

    def start_web(self, workers: int = 3, cpus: str = "") -> None:
        self.start(
            "web",
            [str(VENV_BIN / "gunicorn"), "-c", "config/gunicorn.py", "config.wsgi"],
            {"GUNICORN_BIND": f"127.0.0.1:{self.port}", "GUNICORN_WORKERS": str(workers), "GUNICORN_ACCESSLOG": ""},
            cpus=cpus,
        )
        self.wait_healthy()

    def start_worker(self) -> None:
        self.start(
            "worker",
            [
                str(VENV_BIN / "celery"),
                "-A",
                "config",
                "worker",
                "--loglevel=INFO",
                "--concurrency=1",
                "--without-gossip",
                "--without-mingle",
            ],
        )

    def start_beat(self) -> None:
        self.start(
            "beat",
            [
                str(VENV_BIN / "celery"),
                "-A",
                "config",
                "beat",
                "--loglevel=INFO",
                f"--schedule={self.logdir / 'celerybeat-schedule'}",
            ],
        )

    def wait_healthy(self, timeout: float = 60) -> None:
        deadline = time.time() + timeout
        while time.time() < deadline:
            try:
                with urllib.request.urlopen(f"{self.base_url}/healthz", timeout=2) as resp:
                    if resp.status == 200:
                        return
            except OSError:
                time.sleep(0.3)
        raise RuntimeError(f"gunicorn did not become healthy: {self.log('web')[-2000:]}")

    def log(self, name: str) -> str:
        return (self.logdir / f"{name}.log").read_text(errors="replace")

    def wait_for_log(self, name: str, text: str, timeout: float = 60) -> bool:
        deadline = time.time() + timeout
        while time.time() < deadline:
            if text in self.log(name):
                return True
            time.sleep(0.5)
        return False

    def stop(self) -> None:
        """Stop every process by its own pid (and its process group), then reap it."""
        for proc in reversed(list(self.procs.values())):
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.procs.values():
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)
        self.procs.clear()
