"""The whole load run: gunicorn + PostgreSQL on loopback, 50 agency users, then check every write.

    python bench/load_run.py [--users 50] [--duration 120] [--workers 5] [--think 1.0]
                             [--ramp 30] [--pin] [--write-docs]

Creates a scratch PostgreSQL database with the demo, starts gunicorn with the production
settings (plain HTTP on 127.0.0.1), runs bench/load.py with the given think time and login
ramp, then looks up, in the database, the note of every progress update the server answered
302 to (each note is unique), stops gunicorn by pid and drops the database.

With --pin the load generator runs on core 0 and the server stack (gunicorn, and the running
PostgreSQL and Redis servers, re-pinned for the run and restored afterwards) on core 1, so the
generator's own CPU does not count against the server.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import spy  # noqa: E402
from bench.docs import write_section  # noqa: E402
from bench.topology import Topology, production_env  # noqa: E402

ADMIN_URL = os.environ.get("BENCH_DATABASE_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres")
DOCS = ROOT / "docs" / "performance.md"


def count(db_url: str, sql: str) -> int:
    with psycopg.connect(db_url) as conn:
        return conn.execute(sql).fetchone()[0]


def _pids(name: str) -> list[str]:
    found = subprocess.run(["pgrep", "-x", name], capture_output=True, text=True)
    return found.stdout.split()


def pin_servers(cpus: str) -> None:
    """Pin PostgreSQL and Redis (all their threads; new backends inherit the postmaster's mask)."""
    for name in ("postgres", "redis-server"):
        for pid in _pids(name):
            subprocess.run(["taskset", "-a", "-cp", cpus, pid], capture_output=True, check=False)


def acknowledged_stored(db_url: str, notes: list[str]) -> int:
    if not notes:
        return 0
    with psycopg.connect(db_url) as conn:
        sql = "SELECT count(DISTINCT note) FROM remediation_progressupdate WHERE note = ANY(%s)"
        return conn.execute(sql, [notes]).fetchone()[0]


@contextlib.contextmanager
def demo_server(workers: int, pin: bool = False):
    """gunicorn (production settings) on a scratch PostgreSQL database holding the demo, analysed.

    Yields (topology, database URL); stops gunicorn, restores the pinning and drops the database after.
    """
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
        # Planner statistics, as a live database has them (autovacuum gathers them within a minute
        # or so): right after the bulk load PostgreSQL guesses one row per table, and the task
        # page's score history query took 100-350 ms with nested loops instead of 0.6 ms.
        with psycopg.connect(db_url, autocommit=True) as conn:
            conn.execute("ANALYZE")
        if pin:
            pin_servers("1")
        topo.start_web(workers=workers, cpus="1" if pin else "")
        yield topo, db_url
    finally:
        topo.stop()
        if pin:
            pin_servers(f"0-{os.cpu_count() - 1}")
        with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run(
    users: int, duration: float, workers: int, think: float, ramp: float = 0.0, pin: bool = False, profile: bool = False
) -> dict:
    with demo_server(workers, pin) as (topo, db_url):
        before = count(db_url, "SELECT count(*) FROM remediation_progressupdate")
        tmp = topo.logdir
        out = tmp / "load.json"
        spies = []
        if profile:  # sampled from the generator's core: py-spy's own work is not the server's
            spies = spy.start(spy.workers_of(topo.procs["web"].pid), ramp + duration, tmp, cpus="0" if pin else "")
        subprocess.run(
            [
                *(["taskset", "-c", "0"] if pin else []),
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
                "--think",
                str(think),
                "--ramp",
                str(ramp),
            ],
            check=True,
            timeout=ramp + duration + 300,
        )
        result = json.loads(out.read_text())
        for proc in spies:
            proc.wait(timeout=60)
        if spies:
            result["profile"] = spy.table(*spy.summary(sorted(tmp.glob("spy-*.txt"))))
        notes = result.pop("acknowledged_notes")
        result["progress_rows_added"] = count(db_url, "SELECT count(*) FROM remediation_progressupdate") - before
        result["acknowledged_stored"] = acknowledged_stored(db_url, notes)
        result["workers"] = workers
        result["pinned"] = pin
        result["load_average"] = os.getloadavg()[0]
        return result


def write_docs(results: list[dict], command: str) -> None:
    keys = ["think_s", "requests", "requests_per_s", "p50_ms", "p95_ms", "p99_ms", "errors", "conflicts_409"]
    header = "| think time s | requests | requests/s | p50 ms | p95 ms | p99 ms | errors | 409 conflicts"
    header += " | progress saved (302) | of those found in the database | target |\n" + "|---:" * 10 + "|---|"
    rows = []
    for r in results:
        worst = max((v["p95_ms"] for k, v in r["by_kind"].items() if not k.startswith("login")), default=0)
        met = "met" if r["errors"] == 0 and worst <= 300 else f"**missed** (worst p95 {worst} ms)"
        cells = [*(str(r[k]) for k in keys), str(r["progress_ok"]), str(r["acknowledged_stored"]), met]
        rows.append("| " + " | ".join(cells) + " |")
    kinds = []
    for r in results:
        for kind, v in r["by_kind"].items():
            kinds.append(f"| {r['think_s']} | {kind} | {v['n']} | {v['p50_ms']} | {v['p95_ms']} |")
    lost = sum(r["progress_ok"] - r["acknowledged_stored"] for r in results)
    rows_text, kinds_text = "\n".join(rows), "\n".join(kinds)
    kept = "none lost" if lost == 0 else f"{lost} missing"
    r0 = results[0]
    pinning = (
        "The load generator ran pinned to core 0 (taskset) and the server stack (gunicorn, PostgreSQL,"
        " Redis) to core 1."
        if r0.get("pinned")
        else "Nothing was pinned: the load generator and the server shared both cores."
    )
    errors_text = "0 in every run" if all(r["errors"] == 0 for r in results) else "see the table"
    profile_text = "".join(
        f"""
Where the workers' time went (think time {r["think_s"]} s; `--profile`: py-spy sampled each gunicorn
worker 100 times a second from the generator's core, bench/spy.py; a share is the time of
requests spent in that function and what it called, on the CPU or waiting for PostgreSQL):

{r["profile"]}
"""
        for r in results
        if r.get("profile")
    )
    body = f"""<!-- section:load (issue 8) -->
## Load: {r0["users"]} agency users against gunicorn and PostgreSQL (issue 8)

```sh
{command}
```

{r0["users"]} simulated agency users (the demo's staff logins, one thread each) log in, then for
{r0["duration_s"]:.0f} s browse their task list, open a task and log progress on it (CSRF token and
version read from the form, as a browser does), against gunicorn ({r0["workers"]} gthread workers ×
2 threads, production settings, plain HTTP on 127.0.0.1) and PostgreSQL on the same 2-core machine
as the load generator, with the demo's data. "Think time" is the mean pause of a user between two
requests (uniform, 0.5–1.5 × the mean), passed to every user thread: 0 is a closed loop where every
user fires its next request the moment the last one answers, i.e. the server's saturation point.
Logins are spread evenly over the first {r0.get("ramp_s", 0):.0f} s (one login costs about 0.3 s of
CPU by design, PBKDF2), and the measured window runs {r0["duration_s"]:.0f} s in all.
{pinning} Measured {dt.date.today():%d/%m/%Y}, 1-minute load average {r0["load_average"]:.1f} at the end.

{header}
{rows_text}

Targets: 0 errors and p95 ≤ 300 ms. **Errors: {errors_text}. Every progress update that got a
success answer is in the database** ({kept}: answers and
rows counted per run above). A 409 is the optimistic lock refusing a stale form (two agencies
coordinating the same task): a correct answer, not an error.

Per request kind (p50 / p95 ms):

| think time s | request | count | p50 ms | p95 ms |
|---:|---|---:|---:|---:|
{kinds_text}
{profile_text}<!-- /section:load -->"""
    write_section(DOCS, "<!-- section:load (issue 8) -->", "<!-- /section:load -->", body)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--duration", type=float, default=60)
    parser.add_argument("--workers", type=int, default=5)
    parser.add_argument("--think", type=float, nargs="+", default=[1.0, 0.0])
    parser.add_argument("--ramp", type=float, default=30.0, help="seconds over which the users log in")
    parser.add_argument("--pin", action="store_true", help="load generator on core 0, server stack on core 1")
    parser.add_argument("--profile", action="store_true", help="sample the workers with py-spy (bench/spy.py)")
    parser.add_argument("--write-docs", action="store_true")
    args = parser.parse_args()
    results = []
    for think in args.think:
        results.append(run(args.users, args.duration, args.workers, think, args.ramp, args.pin, args.profile))
        print(json.dumps({k: v for k, v in results[-1].items() if k != "profile"}))
        if "profile" in results[-1]:
            print(results[-1]["profile"])
    if args.write_docs:
        thinks = " ".join(str(t) for t in args.think)
        command = (
            f"python bench/load_run.py --users {args.users} --duration {args.duration:.0f} "
            f"--workers {args.workers} --think {thinks} --ramp {args.ramp:.0f}"
            f"{' --pin' if args.pin else ''}{' --profile' if args.profile else ''} --write-docs"
        )
        write_docs(results, command)


if __name__ == "__main__":
    main()
