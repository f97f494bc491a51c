"""What one request of each kind costs the server core, on the production stack, one at a time.

    python bench/request_cost.py [--requests 200] [--user quynhon] [--write-docs]

The stack of ``bench/load_run.py --pin`` (gunicorn with the production settings, 2 workers, on a
scratch database holding the demo; gunicorn, PostgreSQL and Redis pinned to core 1), with one
client on core 0 that sends the requests of the load test one after another: the task list, a
task page, a task page then its progress POST (tasks taken in turn from the user's list). The
cost of a kind is core 1's busy time (``/proc/stat``) over the requests divided by their number,
and its split by process (``/proc/<pid>/stat`` of gunicorn, postgres and redis-server) and into
kernel time. Counters tick every 10 ms: over 200 requests a figure is good to about 0.1 ms.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import os
import random
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.docs import write_section  # noqa: E402
from bench.load import CSRF, TASK_LINK, VERSION  # noqa: E402
from bench.load_run import demo_server  # noqa: E402

DOCS = ROOT / "docs" / "performance.md"
START, END = "<!-- section:request-cost (issue 18) -->", "<!-- /section:request-cost -->"
TICK_MS = 1000 / os.sysconf("SC_CLK_TCK")


def core_ms(cpu: int) -> tuple[float, float]:
    """(busy, kernel) ms of one core since boot."""
    for line in Path("/proc/stat").read_text().splitlines():
        if line.startswith(f"cpu{cpu} "):
            v = [int(x) for x in line.split()[1:]]
            return (sum(v) - v[3] - v[4]) * TICK_MS, (v[2] + v[5] + v[6]) * TICK_MS
    raise RuntimeError(f"no cpu{cpu} in /proc/stat")


def process_ms(prefixes: tuple[str, ...]) -> float:
    """User + system ms of every process whose name starts with one of the prefixes."""
    total = 0
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            continue
        name = stat[stat.index("(") + 1 : stat.rindex(")")]
        if name.startswith(prefixes):
            fields = stat[stat.rindex(")") + 2 :].split()
            total += int(fields[11]) + int(fields[12])
    return total * TICK_MS


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    def __init__(self, base: str) -> None:
        self.base = base
        jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect)

    def request(self, path: str, data: dict | None = None) -> tuple[int, str]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        req = urllib.request.Request(self.base + path, data=body, headers={"Referer": self.base + path})
        try:
            with self.opener.open(req, timeout=30) as resp:
                return resp.status, resp.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode(errors="replace")


def measure(kinds: dict, requests: int) -> list[dict]:
    rows = []
    for name, fn in kinds.items():
        for _ in range(10):
            fn()
        time.sleep(0.5)
        busy0, kernel0 = core_ms(1)
        web0, db0, redis0 = process_ms(("gunicorn",)), process_ms(("postgres",)), process_ms(("redis",))
        started = time.perf_counter()
        for _ in range(requests):
            fn()
        wall = (time.perf_counter() - started) * 1000 / requests
        busy1, kernel1 = core_ms(1)
        web1, db1, redis1 = process_ms(("gunicorn",)), process_ms(("postgres",)), process_ms(("redis",))
        row = {
            "kind": name,
            "core_ms": round((busy1 - busy0) / requests, 1),
            "gunicorn_ms": round((web1 - web0) / requests, 1),
            "postgres_ms": round((db1 - db0) / requests, 1),
            "redis_ms": round((redis1 - redis0) / requests, 1),
            "kernel_ms": round((kernel1 - kernel0) / requests, 1),
            "wall_ms": round(wall, 1),
        }
        print(row, flush=True)
        rows.append(row)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--user", default="quynhon", help="a demo agency login")
    parser.add_argument("--write-docs", action="store_true")
    args = parser.parse_args()
    if (os.cpu_count() or 1) < 2:
        raise SystemExit("needs two cores: the client on core 0, the server on core 1")
    os.sched_setaffinity(0, {0})
    with demo_server(workers=2, pin=True) as (topo, _db):
        browser = Browser(topo.base_url)
        _, html = browser.request("/login/")
        token = CSRF.search(html).group(1)
        code, _ = browser.request(
            "/login/", {"csrfmiddlewaretoken": token, "username": args.user, "password": "demo-2021"}
        )
        if code != 302:
            raise SystemExit(f"login as {args.user} failed: HTTP {code}")
        tasks = TASK_LINK.findall(browser.request("/tasks/")[1])
        turn = iter(range(10**9))

        def task_page() -> None:
            browser.request(f"/tasks/{tasks[next(turn) % len(tasks)]}/")

        def page_and_post() -> None:
            task = tasks[next(turn) % len(tasks)]
            code, html = browser.request(f"/tasks/{task}/")
            version = VERSION.search(html)
            if code != 200 or not version:
                raise SystemExit(f"task {task}: no progress form for {args.user}")
            data = {
                "csrfmiddlewaretoken": CSRF.search(html).group(1),
                "version": version.group(1),
                "percent": random.randint(1, 99),
                "note": f"Đo chi phí {time.time():.6f}",
                "reported_on": "15/11/2021",
                "cause": "Đo chi phí: nguyên nhân",
            }
            code, _ = browser.request(f"/tasks/{task}/progress/", data)
            if code != 302:
                raise SystemExit(f"task {task}: progress answered HTTP {code}")

        rows = measure(
            {
                "task list": lambda: browser.request("/tasks/"),
                "task page": task_page,
                "task page + progress POST": page_and_post,
                "notifications": lambda: browser.request("/notifications/"),
            },
            args.requests,
        )
    if args.write_docs:
        write_docs(rows, args)


def write_docs(rows: list[dict], args) -> None:
    table = "\n".join(
        f"| {r['kind']} | {r['core_ms']} | {r['gunicorn_ms']} | {r['postgres_ms']} | {r['redis_ms']} | "
        f"{r['kernel_ms']} | {r['wall_ms']} |"
        for r in rows
    )
    section = f"""{START}
## What one request costs the server core (issue 18)

```sh
python bench/request_cost.py --requests {args.requests} --user {args.user} --write-docs
```

One client on core 0 sends the load test's requests one at a time to the stack of
`bench/load_run.py --pin` (gunicorn with the production settings, 2 workers × 2 threads, the demo,
analysed; gunicorn, PostgreSQL and Redis on core 1), {args.requests} of each kind as `{args.user}`.
"core" is core 1's busy time per request (`/proc/stat`); the next columns split it by process, and
"kernel" is the part of it spent in the kernel. Measured {time.strftime("%d/%m/%Y %H:%M")} UTC, 1-minute
load average {os.getloadavg()[0]:.1f} at the end.

| request | core ms | gunicorn ms | PostgreSQL ms | Redis ms | kernel ms | wall ms |
|---|---:|---:|---:|---:|---:|---:|
{table}
{END}"""
    write_section(DOCS, START, END, section)


if __name__ == "__main__":
    main()
