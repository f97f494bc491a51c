"""Load test: simulated agency users browse their tasks and log progress against a running server.

Bounded and loopback-only: it refuses any host other than 127.0.0.1/localhost, stops after
--duration seconds, and each user waits for its answer before the next request.

    python bench/load.py --base http://127.0.0.1:8000 --users 50 --duration 60 --json out.json

Users are the demo's agency staff logins (password demo-2021); run it against a server
loaded with `load_demo` (see bench/load_run.sh for the whole gunicorn + PostgreSQL run).
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import random
import re
import statistics
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

TASK_LINK = re.compile(r'href="/tasks/(\d+)/"')
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
VERSION = re.compile(r'id="log-progress".*?name="version" value="(\d+)"', re.S)


class Stats:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.latencies: list[float] = []
        self.by_kind: dict[str, list[float]] = {}
        self.errors: list[str] = []
        self.codes: dict[int, int] = {}
        self.progress_ok = 0
        self.conflicts = 0
        self.acknowledged: list[str] = []  # the note of every write the server answered 302 to

    def record(self, ms: float, code: int, error: str | None = None, kind: str = "other") -> None:
        with self.lock:
            self.latencies.append(ms)
            self.by_kind.setdefault(kind, []).append(ms)
            self.codes[code] = self.codes.get(code, 0) + 1
            if error:
                self.errors.append(error)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class User:
    def __init__(self, base: str, username: str, stats: Stats, think: float = 0.0, max_requests: int = 0) -> None:
        self.base, self.username, self.stats, self.think = base, username, stats, think
        self.max_requests = max_requests
        self.sent = 0
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), NoRedirect)
        self.tasks: list[str] = []

    def request(self, path: str, data: dict | None = None, kind: str = "other") -> tuple[int, str]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        req = urllib.request.Request(self.base + path, data=body, headers={"Referer": self.base + path})
        self.sent += 1
        start = time.perf_counter()
        try:
            with self.opener.open(req, timeout=30) as resp:
                code, text = resp.status, resp.read().decode()
        except urllib.error.HTTPError as exc:
            code, text = exc.code, exc.read().decode(errors="replace")
        except Exception as exc:  # connection refused, timeout: a real error
            self.stats.record((time.perf_counter() - start) * 1000, 0, f"{path}: {exc!r}", kind)
            return 0, ""
        ms = (time.perf_counter() - start) * 1000
        self.stats.record(ms, code, f"{path}: HTTP {code}" if code >= 500 else None, kind)
        if self.think:
            time.sleep(random.uniform(0.5, 1.5) * self.think)  # a person reads before the next click
        return code, text

    def csrf(self, html: str) -> str:
        match = CSRF.search(html)
        return match.group(1) if match else ""

    def login(self) -> bool:
        _code, html = self.request("/login/", kind="login page")
        code, _ = self.request(
            "/login/",
            {"csrfmiddlewaretoken": self.csrf(html), "username": self.username, "password": "demo-2021"},
            kind="login (POST)",
        )
        return code == 302

    def browse(self) -> None:
        _code, html = self.request("/tasks/", kind="task list")
        self.tasks = TASK_LINK.findall(html) or self.tasks

    def log_progress(self) -> None:
        if not self.tasks:
            return
        task = random.choice(self.tasks)
        code, html = self.request(f"/tasks/{task}/", kind="task page")
        version = VERSION.search(html)
        if code != 200 or not version:
            return  # not a task this user may update (e.g. completed)
        note = f"Tải thử {self.username} {time.time():.6f} {random.random():.9f}"
        data = {
            "csrfmiddlewaretoken": self.csrf(html),
            "version": version.group(1),
            "percent": random.randint(1, 99),
            "note": note,
            "reported_on": "15/11/2021",
            "cause": "Tải thử: nguyên nhân",
        }
        code, _ = self.request(f"/tasks/{task}/progress/", data, kind="log progress (POST)")
        with self.stats.lock:
            if code == 302:
                self.stats.progress_ok += 1
                self.stats.acknowledged.append(note)
            elif code == 409:
                self.stats.conflicts += 1

    def done(self, until: float) -> bool:
        return time.time() >= until or bool(self.max_requests and self.sent >= self.max_requests)

    def run(self, until: float, delay: float = 0.0) -> None:
        """Wait for this user's turn in the ramp, log in, then browse and write until time or count runs out."""
        time.sleep(delay)
        if not self.login():
            with self.stats.lock:
                self.stats.errors.append(f"login failed for {self.username}")
            return
        while not self.done(until):
            self.browse()
            if not self.done(until):
                self.log_progress()


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))] if ordered else 0.0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", default="http://127.0.0.1:8000")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--duration", type=float, default=60)
    parser.add_argument("--usernames", default="", help="comma-separated; default: the demo agencies")
    parser.add_argument("--json", default="")
    parser.add_argument("--think", type=float, default=0.0, help="mean seconds a user waits between requests")
    parser.add_argument("--ramp", type=float, default=0.0, help="seconds over which the users log in, evenly spread")
    parser.add_argument("--max-requests", type=int, default=0, help="per user; 0 = bounded by --duration only")
    args = parser.parse_args()
    host = urllib.parse.urlparse(args.base).hostname
    if host not in {"127.0.0.1", "localhost", "::1"}:
        raise SystemExit("load tests run against loopback only")
    names = [n for n in args.usernames.split(",") if n] or DEMO_USERS
    stats = Stats()
    # The run lasts --duration after the ramp, so every user is measured for the same window's end.
    until = time.time() + args.ramp + args.duration
    step = args.ramp / args.users if args.users else 0.0
    threads = [
        threading.Thread(
            target=User(args.base, names[i % len(names)], stats, args.think, args.max_requests).run,
            args=(until, i * step),
        )
        for i in range(args.users)
    ]
    started = time.time()
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=args.ramp + args.duration + 60)
    elapsed = time.time() - started
    result = {
        "users": args.users,
        "think_s": args.think,
        "ramp_s": args.ramp,
        "duration_s": round(elapsed, 1),
        "requests": len(stats.latencies),
        "requests_per_s": round(len(stats.latencies) / elapsed, 1),
        "p50_ms": round(percentile(stats.latencies, 50), 1),
        "p95_ms": round(percentile(stats.latencies, 95), 1),
        "p99_ms": round(percentile(stats.latencies, 99), 1),
        "mean_ms": round(statistics.fmean(stats.latencies), 1) if stats.latencies else 0,
        "errors": len(stats.errors),
        "status_codes": stats.codes,
        "progress_ok": stats.progress_ok,
        "conflicts_409": stats.conflicts,
        "error_samples": stats.errors[:5],
        "by_kind": {
            kind: {
                "n": len(values),
                "p50_ms": round(percentile(values, 50), 1),
                "p95_ms": round(percentile(values, 95), 1),
            }
            for kind, values in sorted(stats.by_kind.items())
        },
        "acknowledged_notes": stats.acknowledged,
    }
    print(json.dumps({k: v for k, v in result.items() if k != "acknowledged_notes"}))
    if args.json:
        with open(args.json, "w") as handle:
            json.dump(result, handle)


DEMO_USERS = [
    "quynhon",
    "annhon",
    "hoainhon",
    "anlao",
    "hoaian",
    "phumy",
    "phucat",
    "tayson",
    "tuyphuoc",
    "vancanh",
    "vinhthanh",
    "vp-ubnd",
    "stp",
    "skhdt",
    "stc",
    "sct",
    "snnptnt",
    "sgtvt",
    "sxd",
    "stnmt",
    "stttt",
    "sldtbxh",
    "svhtt",
    "sdl",
    "skhcn",
    "sgddt",
    "syt",
    "sngv",
    "ttt",
    "bdt",
    "bqlkkt",
    "ca",
    "cthue",
    "kbnn",
    "bhxh",
    "chq",
    "ctk",
    "nhnn",
    "quynhon.lead",
    "qn-lythuongkiet",
    "qn-tranphu",
    "qn-nhonbinh",
    "qn-ghenhrang",
    "qn-nhonly",
    "an-binhdinh",
    "an-dapda",
    "an-nhonhau",
    "hn-bongson",
    "hn-tamquan",
    "ts-phuphong",
]

if __name__ == "__main__":
    main()
