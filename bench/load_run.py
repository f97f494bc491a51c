"""The whole load run: gunicorn + PostgreSQL on loopback, 50 agency users for 60 s, then count.

    python bench/load_run.py [--users 50] [--duration 60] [--workers 5] [--write-docs]

Creates a scratch PostgreSQL database with the demo, starts gunicorn with the production
settings (plain HTTP on 127.0.0.1), runs bench/load.py, then counts the progress updates in
the database against the successful answers, stops gunicorn by pid and drops the database.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.topology import Topology, production_env  # noqa: E402

ADMIN_URL = os.environ.get("BENCH_DATABASE_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres")
DOCS = ROOT / "docs" / "performance.md"


def count(db_url: str, sql: str) -> int:
    with psycopg.connect(db_url) as conn:
        return conn.execute(sql).fetchone()[0]


def run(users: int, duration: float, workers: int) -> dict:
    name = f"partracker_load_{uuid.uuid4().hex[:6]}"
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    db_url = ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    tmp = Path(tempfile.mkdtemp(prefix="par-load-"))
    env = production_env(
        db_url,
        os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/8"),
        PRIVATE_MEDIA_ROOT=str(tmp / "private"),
        LOG_LEVEL="WARNING",
    )
    topo = Topology(env=env, logdir=tmp)
    try:
        topo.manage("migrate", "--noinput")
        topo.env = {**env, "DJANGO_SETTINGS_MODULE": "config.settings.local"}
        topo.manage("load_demo")
        topo.env = env
        topo.manage("collectstatic", "--noinput")
        topo.start_web(workers=workers)
        before = count(db_url, "SELECT count(*) FROM remediation_progressupdate")
        out = tmp / "load.json"
        subprocess.run(
            [
                sys.executable,
                str(ROOT / "bench" / "load.py"),
                "--base",
                topo.base_url,
                "--users",
                str(users),
                "--duration",
                str(duration),
                "--json",
                str(out),
            ],
            check=True,
            timeout=duration + 300,
        )
        result = json.loads(out.read_text())
        result["progress_rows_added"] = count(db_url, "SELECT count(*) FROM remediation_progressupdate") - before
        result["workers"] = workers
        result["load_average"] = os.getloadavg()[0]
        return result
    finally:
        topo.stop()
        with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def write_docs(result: dict, command: str) -> None:
    met = "met" if result["errors"] == 0 and result["p95_ms"] <= 300 else "**missed**"
    lost = result["progress_ok"] - result["progress_rows_added"]
    header = "| requests | requests/s | p50 ms | p95 ms | p99 ms | errors (5xx, refused) | 409 conflicts"
    header += " | progress saved (302) | rows added |\n|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    keys = ["requests", "requests_per_s", "p50_ms", "p95_ms", "p99_ms", "errors", "conflicts_409", "progress_ok"]
    row = "| " + " | ".join(str(result[k]) for k in [*keys, "progress_rows_added"]) + " |"
    kept = "none lost" if lost == 0 else f"{lost} missing"
    body = f"""<!-- section:load (issue 8) -->
## Load: {result["users"]} agency users against gunicorn and PostgreSQL (issue 8)

```sh
{command}
```

{result["users"]} simulated agency users (the demo's staff logins, one thread each, each waiting for
its answer) log in, then for {result["duration_s"]:.0f} s browse their task list, open a task and log
progress on it (CSRF token and version read from the form, as a browser does), against gunicorn
({result["workers"]} gthread workers × 2 threads, production settings, plain HTTP on 127.0.0.1) and
PostgreSQL on the same 2-core machine, with the demo's data. Measured {dt.date.today():%d/%m/%Y};
1-minute load average at the end {result["load_average"]:.1f} (the load generator shares the cores).

{header}
{row}

Targets: 0 errors and p95 ≤ 300 ms: {met}. Every progress update that got a success answer is in
the database: {result["progress_ok"]} answers, {result["progress_rows_added"]} rows ({kept}).
A 409 is the optimistic lock refusing a stale form (two agencies coordinating the same task), a
correct answer, not an error. Status codes: `{json.dumps(result["status_codes"])}`.
<!-- /section:load -->"""
    text = DOCS.read_text()
    text = re.sub(r"<!-- section:load \(issue 8\) -->.*?<!-- /section:load -->", body, text, flags=re.S)
    DOCS.write_text(text)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--duration", type=float, default=60)
    parser.add_argument("--workers", type=int, default=5)
    parser.add_argument("--write-docs", action="store_true")
    args = parser.parse_args()
    result = run(args.users, args.duration, args.workers)
    print(json.dumps(result))
    if args.write_docs:
        write_docs(
            result,
            f"python bench/load_run.py --users {args.users} --duration {args.duration:.0f} "
            f"--workers {args.workers} --write-docs",
        )


if __name__ == "__main__":
    main()
