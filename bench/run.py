"""Benchmark of SNV's pages (issue 4): dashboard, score tree, task lists. Prints one JSON line per page.

    .venv/bin/python bench/run.py --scale province                       # SQLite: var/bench_pages_province.sqlite3
    .venv/bin/python bench/run.py --scale province --database postgres://postgres@127.0.0.1:5432/partracker_bench_pages_province
    .venv/bin/python bench/run.py --scale national --database postgres://postgres@127.0.0.1:5432/partracker_bench_pages_national

The dataset comes from ``bench/dataset.py`` (written on first use, then kept:
a second run measures the same data). The cycle is evaluated as of the
dataset's date, so the statuses have the mix of a running campaign. Requests go
through Django's test Client as an SNV reviewer, so a figure is the whole
request (middleware, views, queries, templates) without the network.

Each run merges its figures into ``bench/results_pages.json`` and, with
``--write-docs``, rewrites the pages section of docs/performance.md from all
the figures recorded there.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

RESULTS = ROOT / "bench" / "results_pages.json"
DOCS = ROOT / "docs" / "performance.md"
START, END = "<!-- section:pages (issue 4) -->", "<!-- /section:pages -->"
TARGETS_MS = {"province": 50, "national": 300}
RUNS = {"province": 30, "national": 10}


def setup(database_url: str) -> str:
    """Point Django at the benchmark database (created on PostgreSQL if missing) and migrate it."""
    if database_url.startswith("postgres"):
        import psycopg

        server, name = database_url.rsplit("/", 1)
        with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
            if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
                conn.execute(f'CREATE DATABASE "{name}"')
    os.environ["DATABASE_URL"] = database_url
    # Persistent connections, as production intends (config/settings/production.py, CONN_MAX_AGE=60):
    # with 0 every request would also pay a new PostgreSQL connection.
    os.environ.setdefault("CONN_MAX_AGE", "60")
    os.environ.pop("REDIS_URL", None)
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
    # Migrated by a child process: loading the migration graph here would leave
    # a large heap that every garbage collection of the measured requests walks
    # (about 15 ms more per dashboard request), which a web worker never has.
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, check=True)
    import django

    django.setup()
    import logging

    logging.disable(logging.WARNING)  # a 404 of a page still being written must not flood the output
    from django.db import connection

    return connection.vendor


def dataset(scale: str) -> dict:
    """The benchmark dataset, generated on first use; its cycle is evaluated as of the dataset's date."""
    from django.db import connection

    from bench.dataset import AS_OF, generate
    from parindex.models import Cycle
    from remediation.models import Task

    generated = None
    if not Task.objects.exists():
        generated = generate(scale)
    Cycle.objects.filter(year=2021).update(reference_date=AS_OF, is_current=True)
    # Planner statistics, as a live database has them: right after a bulk load
    # PostgreSQL guesses one row per table and picks nested loops over 100,000 rows.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return {"generated": generated, "tasks": Task.objects.count(), "as_of": AS_OF.isoformat()}


def run(scale: str, vendor: str, runs: int) -> list[dict]:
    from django.test import Client

    from agencies.models import User
    from bench.pages import PAGES, measure

    client = Client()
    client.force_login(User.objects.get(username="bench-snv-0"))
    lines = []
    for name, path in PAGES:
        figure = measure(client, name, path, runs)
        line = {"page": name, "scale": scale, "database": vendor, **dataclasses.asdict(figure)}
        line["target_ms"] = TARGETS_MS[scale]
        line["load_1min"] = round(os.getloadavg()[0], 2)  # other work on the machine inflates the figures
        line["met"] = figure.status == 200 and figure.p50_ms <= TARGETS_MS[scale]
        print(json.dumps(line, ensure_ascii=False), flush=True)
        lines.append(line)
    return lines


def record(lines: list[dict], command: str) -> dict:
    """Merge this run's figures into the results file, keyed by (page, scale, database)."""
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    stamp = dt.date.today().isoformat()
    for line in lines:
        key = f"{line['scale']}/{line['database']}/{line['page']}"
        results[key] = {**line, "command": command, "date": stamp, "machine": platform.machine()}
    RESULTS.write_text(json.dumps(results, indent=1, ensure_ascii=False, sort_keys=True) + "\n")
    return results


def docs_section(results: dict) -> str:
    rows = sorted(results.values(), key=lambda r: (r["scale"] != "province", r["database"], r["page"]))
    out = [
        START,
        "## SNV's pages (issue 4)",
        "",
        "Whole requests through Django's test Client as an SNV reviewer (middleware, views, queries and",
        "templates; no network), after three warm-up requests. Dataset: `bench/dataset.py` (province: 60",
        "agencies, 95 sub-criteria, 1,000 tasks, 10,000 progress updates; national: 2,000 agencies,",
        "100,000 tasks, 1,000,000 progress updates), statuses as of 08/11/2021. Targets: p50 ≤ 50 ms at",
        'province scale, ≤ 300 ms at national scale on PostgreSQL. "load" is the machine\'s 1-minute load',
        "average when the page was measured (2 cores, shared with other work): above 2 the figures are inflated.",
        "\"CPU p50\" is the Django process's own CPU time per request (the database server's time not included).",
        "",
        "| scale | database | page | p50 ms | p95 ms | CPU p50 ms | queries | target | met | load | date |",
        "|---|---|---|---:|---:|---:|---:|---:|---|---:|---|",
    ]
    for r in rows:
        met = "yes" if r["met"] else ("**no**" if r["status"] == 200 else f"HTTP {r['status']}")
        if r["scale"] == "national" and r["database"] != "postgresql":
            met, r = "n/a", {**r, "target_ms": "—"}  # the national target is set for PostgreSQL only
        out.append(
            f"| {r['scale']} | {r['database']} | {r['page']} (`{r['path']}`) | {r['p50_ms']} | {r['p95_ms']} | "
            f"{r.get('cpu_p50_ms', '')} | "
            f"{r['queries']} | {r['target_ms']} | {met} | {r.get('load_1min', '')} | {r['date']} |"
        )
    out += ["", *NOTES, "", "Commands (each figure comes from one; raw figures in `bench/results_pages.json`):", ""]
    out += [f"    {c}" for c in sorted({r["command"] for r in rows})]
    out.append(END)
    return "\n".join(out)


NOTES = [
    "Notes:",
    "",
    "- `task_list` is the agencies' and SNV's list of issue 3 (`/tasks/`), measured here as the issue asks;",
    "  `manage_task_list` is SNV's management list of issue 4 (`/manage/tasks/`).",
    "- Query counts are the same at both scales (the tests hold them at 10 and 1,000 tasks); the time that",
    "  grows is the aggregate scans of the cycle's tasks (dashboard: two on `remediation_task`, one on the",
    "  task–sub-criterion links; the score tree: the links only).",
    "- The benchmark keeps database connections open between requests (`CONN_MAX_AGE=60`), runs `ANALYZE`",
    "  after loading the dataset, and migrates in a child process so that the measuring process holds",
    "  only what a web worker holds.",
]


def write_docs(results: dict) -> None:
    text = DOCS.read_text()
    before, rest = text.split(START, 1)
    _, after = rest.split(END, 1)
    DOCS.write_text(before + docs_section(results) + after)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", choices=sorted(TARGETS_MS), default="province")
    parser.add_argument("--database", help="database URL (default: SQLite under var/)")
    parser.add_argument("--runs", type=int, help="timed requests per page (default: 30 province, 10 national)")
    parser.add_argument("--write-docs", action="store_true", help="rewrite the pages section of docs/performance.md")
    parser.add_argument("--docs-only", action="store_true", help="rewrite the section from the recorded figures")
    args = parser.parse_args()
    if args.docs_only:
        write_docs(json.loads(RESULTS.read_text()))
        return
    url = args.database or f"sqlite:///{ROOT / 'var' / f'bench_pages_{args.scale}.sqlite3'}"
    started = time.perf_counter()
    vendor = setup(url)
    data = dataset(args.scale)
    print(json.dumps({"dataset": data, "database": vendor, "setup_seconds": round(time.perf_counter() - started, 1)}))
    lines = run(args.scale, vendor, args.runs or RUNS[args.scale])
    command = "python bench/run.py --scale " + args.scale + (f" --database {args.database}" if args.database else "")
    results = record(lines, command)
    if args.write_docs:
        write_docs(results)


if __name__ == "__main__":
    main()
