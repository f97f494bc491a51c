"""Each page beside its own SQL (issue 18 §1): how much of a request is Python, not the database.

    .venv/bin/python bench/replay.py --scale province --write-docs \
        --database postgres://postgres@127.0.0.1:5432/partracker_bench_pages_province

For every page of SNV and of an agency, one request is run with every statement it sends
captured (SQL and parameters, through ``connection.execute_wrapper``). Then, for ``--rounds``
rounds, interleaved so that other load on the machine weighs on both alike, the page is
requested ``--reps`` times and its captured statements are replayed ``--reps`` times through a
raw cursor on the same connection (rows fetched, as the ORM fetches them). The figures are the
medians over every repetition:

- page wall and page CPU (the web process's own CPU time: ``time.process_time``);
- replay wall: what the database and the driver need for the same statements;
- ratio = page wall / replay wall (target ≤ 4), and page CPU (target ≤ 25 ms).

The dataset is the one of ``bench/run.py`` (``bench/dataset.py``), evaluated as of its date. The
1-minute load average is recorded with every figure: above 1 on this 2-core machine, other work
shares the cores and the figures are inflated.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.docs import write_section  # noqa: E402
from bench.run import dataset, setup  # noqa: E402

RESULTS = ROOT / "bench" / "results_replay.json"
DOCS = ROOT / "docs" / "performance.md"
START, END = "<!-- section:replay (issue 18) -->", "<!-- /section:replay -->"
RATIO_TARGET, CPU_TARGET_MS = 4.0, 25.0

SNV_PAGES = [
    ("dashboard", "/dashboard/"),
    ("dashboard_agencies", "/dashboard/agencies/"),
    ("score_tree", "/scores/"),
    ("task_list", "/tasks/"),
    ("task_list_overdue", "/tasks/?status=overdue"),
    ("manage_task_list", "/manage/tasks/"),
    ("report_inbox", "/reports/inbox/"),
    ("rounds", "/rounds/"),
]
AGENCY_PAGES = [
    ("agency_home", "/"),
    ("agency_task_list", "/tasks/"),
    ("agency_report", "/reports/mine/"),
    ("agency_notifications", "/notifications/"),
    ("agency_task_page", "/tasks/ID/"),  # ID: the first task of the agency's list
]


class Recorder:
    """Keeps every statement with its parameters (CaptureQueriesContext keeps the SQL text only)."""

    def __init__(self) -> None:
        self.statements: list[tuple[str, object]] = []

    def __call__(self, execute, sql, params, many, context):
        if not many:
            self.statements.append((sql, params))
        return execute(sql, params, many, context)


def capture(client, path: str) -> tuple[int, list[tuple[str, object]]]:
    from django.db import connection

    recorder = Recorder()
    with connection.execute_wrapper(recorder):
        status = client.get(path).status_code
    # Only reads are replayed: a session save or a savepoint has no meaning outside its request.
    reads = [(sql, p) for sql, p in recorder.statements if sql.lstrip().upper().startswith(("SELECT", "WITH"))]
    return status, reads


def replay(statements: list[tuple[str, object]]) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        for sql, params in statements:
            cursor.execute(sql, params)
            cursor.fetchall()


def measure(client, name: str, path: str, rounds: int, reps: int) -> dict:
    for _ in range(3):
        client.get(path)
    status, statements = capture(client, path)
    wall, cpu, sql = [], [], []
    for _ in range(rounds):
        for _ in range(reps):
            started, cpu_started = time.perf_counter(), time.process_time()
            client.get(path)
            wall.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - cpu_started) * 1000)
        for _ in range(reps):
            started = time.perf_counter()
            replay(statements)
            sql.append((time.perf_counter() - started) * 1000)
    page_ms, cpu_ms, sql_ms = statistics.median(wall), statistics.median(cpu), statistics.median(sql)
    ratio = page_ms / sql_ms if sql_ms else float("inf")
    return {
        "page": name,
        "path": path,
        "status": status,
        "queries": len(statements),
        "page_p50_ms": round(page_ms, 1),
        "cpu_p50_ms": round(cpu_ms, 1),
        "sql_p50_ms": round(sql_ms, 1),
        "ratio": round(ratio, 1),
        "ratio_met": status == 200 and ratio <= RATIO_TARGET,
        "cpu_met": status == 200 and cpu_ms <= CPU_TARGET_MS,
        "rounds": rounds,
        "reps": reps,
        "load_1min": round(os.getloadavg()[0], 2),
    }


def agency_user():
    """The staff user of the agency that leads the most tasks: the heaviest agency pages."""
    from django.db.models import Count

    from agencies.models import Agency, User

    agency = Agency.objects.annotate(n=Count("led_tasks")).order_by("-n").first()
    return User.objects.get(username=agency.code)


def docs_section(results: dict) -> str:
    out = [
        START,
        "## Pages beside their own SQL (issue 18)",
        "",
        "Each page's request against the replay of its own SELECT statements (captured with their",
        "parameters, replayed through a raw cursor on the same connection, rows fetched), interleaved",
        "round by round; medians over every repetition. Targets: page wall ≤ 4 × its SQL, and ≤ 25 ms of",
        'CPU in the web process, at province scale on PostgreSQL. "load" is the 1-minute load average',
        "(2 cores): above 1, other work shared the machine and the figures are inflated.",
        "",
        "| scale | database | page | queries | page p50 ms | CPU p50 ms | SQL p50 ms | ratio | ≤ 4× | ≤ 25 ms CPU "
        "| load | date |",
        "|---|---|---|---:|---:|---:|---:|---:|---|---|---:|---|",
    ]
    for key in sorted(results):
        r = results[key]
        yes = {True: "yes", False: "**no**"}
        out.append(
            f"| {r['scale']} | {r['database']} | {r['page']} (`{r['path']}`) | {r['queries']} | {r['page_p50_ms']} | "
            f"{r['cpu_p50_ms']} | {r['sql_p50_ms']} | {r['ratio']} | {yes[r['ratio_met']]} | {yes[r['cpu_met']]} | "
            f"{r['load_1min']} | {r['date']} |"
        )
    out += ["", "Command (raw figures in `bench/results_replay.json`):", ""]
    out += [f"    {c}" for c in sorted({r["command"] for r in results.values()})]
    out.append(END)
    return "\n".join(out)


def write_docs(results: dict) -> None:
    write_section(DOCS, START, END, docs_section(results))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", choices=["province", "national"], default="province")
    parser.add_argument("--database", help="database URL (default: SQLite under var/)")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--reps", type=int, default=6)
    parser.add_argument("--write-docs", action="store_true")
    args = parser.parse_args()
    url = args.database or f"sqlite:///{ROOT / 'var' / f'bench_pages_{args.scale}.sqlite3'}"
    vendor = setup(url)
    dataset(args.scale)
    from django.test import Client

    from agencies.models import User

    snv, agency = Client(), Client()
    snv.force_login(User.objects.get(username="bench-snv-0"))
    agency.force_login(agency_user())
    command = "python bench/replay.py --scale " + args.scale + (f" --database {args.database}" if args.database else "")
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    first_task = re.findall(r'href="/tasks/(\d+)/"', agency.get("/tasks/").content.decode())[0]
    for client, pages in ((snv, SNV_PAGES), (agency, AGENCY_PAGES)):
        for name, path in pages:
            path = path.replace("ID", first_task)
            line = {"scale": args.scale, "database": vendor, **measure(client, name, path, args.rounds, args.reps)}
            line |= {"command": command, "date": time.strftime("%Y-%m-%d")}
            print(json.dumps(line, ensure_ascii=False), flush=True)
            results[f"{args.scale}/{vendor}/{name}"] = line
    RESULTS.write_text(json.dumps(results, indent=1, ensure_ascii=False, sort_keys=True) + "\n")
    if args.write_docs:
        write_docs(results)


if __name__ == "__main__":
    main()
