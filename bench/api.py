"""Benchmark of the JSON API (issue 19): the figures endpoint and the task list, with a province token.

    .venv/bin/python bench/api.py --scale province --write-docs     # SQLite: var/bench_api_province.sqlite3
    .venv/bin/python bench/api.py --scale national --database postgres://postgres@127.0.0.1:5432/partracker_bench_api

The dataset is bench/dataset.py's (written on first use, then kept), evaluated as of its date,
and the setup is bench/run.py's. Requests go through Django's test Client with a province
read-only token (``Authorization: Bearer``), so a figure is the whole request (authentication,
rate limit, views, figures, serializers, JSON) without the network. The machine is shared:
the 1-minute load average is recorded with each figure.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.docs import write_section  # noqa: E402

DOCS = ROOT / "docs" / "performance.md"
START, END = "<!-- section:api (issue 19) -->", "<!-- /section:api -->"
RUNS = {"province": 20, "national": 5}
ENDPOINTS = [
    ("figures", "/api/v1/cycles/2021/figures/?as_of=2021-11-08"),
    ("tasks", "/api/v1/tasks/?cycle=2021&as_of=2021-11-08"),
    ("tasks_overdue", "/api/v1/tasks/?cycle=2021&as_of=2021-11-08&status=overdue&page_size=500"),
]


def run(scale: str, vendor: str, runs: int) -> list[dict]:
    from django.conf import settings
    from django.test import Client

    from agencies.models import User
    from bench.pages import measure
    from compilation.api import tokens
    from compilation.models import ApiScope

    settings.API_RATE_LIMIT_PER_MINUTE = 10**9  # the limit is not what is measured
    snv = User.objects.get(username="bench-snv-0")
    issued = tokens.issue_token(name="bench", scope=ApiScope.PROVINCE_READ, agency=None, by=snv)
    client = Client(headers={"Authorization": f"Bearer {issued.secret}"})
    lines = []
    for name, path in ENDPOINTS:
        figure = measure(client, name, path, runs)
        line = {"endpoint": name, "scale": scale, "database": vendor, **dataclasses.asdict(figure)}
        line["load_1min"] = round(os.getloadavg()[0], 2)
        print(json.dumps(line, ensure_ascii=False), flush=True)
        lines.append(line)
    tokens.revoke_token(issued.token.pk, by=snv)
    return lines


def kept_rows(scale: str) -> list[str]:
    """The table rows of the other scales already in the section (each scale is its own run and database)."""
    text = DOCS.read_text()
    if START not in text:
        return []
    section = text.split(START, 1)[1].split(END, 1)[0]
    return [
        line
        for line in section.splitlines()
        if line.startswith("| ") and not line.startswith(("| scale", f"| {scale} "))
    ]


def docs_section(lines: list[dict], command: str, tasks: int, kept: list[str] = ()) -> str:
    out = [
        START,
        "## The JSON API (issue 19)",
        "",
        "Whole requests through Django's test Client with a province read-only token on `bench/dataset.py`'s",
        f"datasets (province: 1,000 tasks; national: 100,000 tasks; this run: {tasks:,}),",
        "statuses as of 08/11/2021. The task list answers its first page (50 tasks);",
        "the overdue list up to 500. **The machine was shared with other engineers' work while measuring**:",
        "the 1-minute load average (2 cores) is given with each figure, and above 2 the times are inflated.",
        "",
        "| scale | database | endpoint | p50 ms | p95 ms | CPU p50 ms | queries | load | date |",
        "|---|---|---|---:|---:|---:|---:|---:|---|",
    ]
    stamp = dt.date.today().isoformat()
    out += list(kept)
    for r in lines:
        out.append(
            f"| {r['scale']} | {r['database']} | {r['endpoint']} (`{r['path']}`) | {r['p50_ms']} | {r['p95_ms']} | "
            f"{r['cpu_p50_ms']} | {r['queries']} | {r['load_1min']} | {stamp} |"
        )
    out += [
        "",
        "The figures endpoint calls `compilation.figures.dashboard()`, the dashboard page's own function, so",
        "its time is the dashboard's without the template and charts. Query counts do not grow with the data",
        "(tests/compilation/test_api.py holds the task list and the progress list flat).",
        "",
        f"Command of the {lines[0]['scale']} rows: `{command}`; each scale is its own run (the other's rows are kept).",
        END,
    ]
    return "\n".join(out)


def write_docs(section: str) -> None:
    write_section(DOCS, START, END, section)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", choices=sorted(RUNS), default="province")
    parser.add_argument("--database", help="database URL (default: SQLite under var/)")
    parser.add_argument("--runs", type=int, help="timed requests per endpoint")
    parser.add_argument("--write-docs", action="store_true", help="write the API section of docs/performance.md")
    args = parser.parse_args()
    from bench.run import dataset, setup

    url = args.database or f"sqlite:///{ROOT / 'var' / f'bench_api_{args.scale}.sqlite3'}"
    started = time.perf_counter()
    vendor = setup(url)
    data = dataset(args.scale)
    print(json.dumps({"dataset": data, "database": vendor, "setup_seconds": round(time.perf_counter() - started, 1)}))
    lines = run(args.scale, vendor, args.runs or RUNS[args.scale])
    command = "python bench/api.py --scale " + args.scale + (f" --database {args.database}" if args.database else "")
    if args.write_docs:
        write_docs(docs_section(lines, command, data["tasks"], kept_rows(args.scale)))


if __name__ == "__main__":
    main()
