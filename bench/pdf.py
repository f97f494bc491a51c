"""Benchmark of the consolidated PDF: the full province report, time and peak memory. Prints JSON.

    .venv/bin/python bench/pdf.py                         # 1,000 tasks, 3 renders, scratch SQLite under /tmp
    .venv/bin/python bench/pdf.py --tasks 1000 2000 4000 --runs 1   # how the annex grows
    .venv/bin/python bench/pdf.py --postgres              # scratch PostgreSQL databases partracker_bench_pdf_N

The dataset is the Bình Định 2021 demo (95 sub-criteria, 47 below max, 39 addressees,
126 tasks) with generated tasks on top until the cycle holds N tasks, shaped like the
demo's: deadlines around the 15/11/2021 as-of date, about a third done, causes on the
overdue ones, each task linked to one or two sub-criteria below max. It is written once
per size into a scratch database and reused.

Every render runs in a fresh child process (``--child``) that imports Django and
WeasyPrint and renders once: ``--modes parallel`` is what ``report_services.render_report``
does now (issue 16: body and annex runs laid out in forked processes, joined with pypdf),
``sequential`` the one-process layout of before, ``chromium`` the same HTML printed by
headless Chromium (the reference). It reports wall time, CPU time (its own and its
children's), pages, bytes, ``ru_maxrss`` and the peak of the summed PSS of the process and
its forked children (memory "for all its processes together"; native allocations of Pango
and cairo included), and the 1-minute load average: the machine is shared, so a figure taken
under load says so.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
AS_OF = dt.date(2021, 11, 15)
PG_BASE = "postgres://postgres@127.0.0.1:5432"


def database_url(tasks: int, postgres: bool) -> str:
    if postgres:
        return f"{PG_BASE}/partracker_bench_pdf_{tasks}"
    return f"sqlite:////tmp/partracker_bench_pdf_{tasks}.sqlite3"


def setup_django(url: str) -> None:
    """Point Django at a scratch database; Celery eager (no REDIS_URL), local settings."""
    os.environ["DATABASE_URL"] = url
    os.environ.pop("REDIS_URL", None)
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.local"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()


def create_pg_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    with psycopg.connect(f"{PG_BASE}/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


# --------------------------------------------------------------------------- dataset

CAUSES = [
    "Chưa bố trí được kinh phí thực hiện.",
    "Thiếu nhân sự chuyên trách; đang đề nghị bổ sung biên chế.",
    "Phụ thuộc hướng dẫn của bộ, ngành Trung ương.",
    "Hệ thống phần mềm dùng chung chưa hoàn thiện, đang phối hợp nhà cung cấp.",
]
VERBS = ["Rà soát, bổ sung tài liệu kiểm chứng", "Xây dựng giải pháp nâng điểm", "Khắc phục hạn chế tại"]


def _dates(rng: random.Random) -> tuple[dt.date, dt.date | None, int]:
    """The demo's mix: deadlines from a month before to six weeks after the as-of date."""
    deadline = AS_OF + dt.timedelta(days=rng.randint(-30, 46))
    if rng.random() < 0.35:
        late = rng.random() >= 0.75
        done = (
            deadline + dt.timedelta(days=rng.randint(1, 6))
            if late
            else deadline - dt.timedelta(days=rng.randint(0, 10))
        )
        return deadline, min(done, AS_OF), 100
    return deadline, None, rng.choice([0, 0, 20, 30, 50, 60, 80])


def add_tasks(total: int) -> int:
    """Top the demo cycle up to ``total`` tasks with bulk_create; returns how many were added."""
    from agencies.models import Agency
    from compilation.demo import par2021 as demo_data
    from parindex.models import Criterion, Cycle, Level
    from remediation.models import Task

    cycle = Cycle.objects.get(year=2021)
    missing = total - Task.objects.filter(cycle=cycle).count()
    if missing <= 0:
        return 0
    rng = random.Random(f"bench-pdf-{total}")
    agencies = list(Agency.objects.addressees().order_by("code"))
    subs = list(Criterion.objects.filter(level=Level.SUB, code__in=demo_data.BELOW_MAX_2021).order_by("order"))
    tasks, picks = [], []
    for i in range(missing):
        chosen = rng.sample(subs, rng.choice([1, 1, 1, 2]))
        deadline, done, progress = _dates(rng)
        overdue_open = done is None and deadline < AS_OF
        title = f"{rng.choice(VERBS)} tiêu chí {chosen[0].code}: {chosen[0].name} (đợt {i // 200 + 2})"
        tasks.append(
            Task(
                cycle=cycle,
                title=title[:300],
                lead_agency=rng.choice(agencies),
                deadline=deadline,
                completed_on=done,
                progress=progress,
                cause=rng.choice(CAUSES) if overdue_open and rng.random() < 0.7 else "",
            )
        )
        picks.append(chosen)
    created = Task.objects.bulk_create(tasks, batch_size=500)
    through = Task.sub_criteria.through
    links = [through(task_id=t.pk, criterion_id=c.pk) for t, chosen in zip(created, picks, strict=True) for c in chosen]
    through.objects.bulk_create(links, batch_size=1000)
    return len(created)


def prepare(tasks: int, postgres: bool) -> None:
    """Migrate, load the demo and add tasks, once per size."""
    url = database_url(tasks, postgres)
    if postgres:
        create_pg_database(url)
    setup_django(url)
    from django.core.management import call_command

    from compilation.demo.loader import demo_present, load_demo

    call_command("migrate", verbosity=0, interactive=False)
    if not demo_present():
        load_demo()
    added = add_tasks(tasks)
    print(json.dumps({"prepared": url, "added": added}), file=sys.stderr)


# --------------------------------------------------------------------------- render


def maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _pss_kb(pid: int) -> int:
    """Proportional set size of a process: shared pages counted once across the processes."""
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return 0
    return 0


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(c) for c in (task / "children").read_text().split()]
        except FileNotFoundError:
            continue
    return found


class PssSampler:
    """Samples, every 20 ms, the PSS of this process plus its children (the forked layout
    processes): the peak of that sum is the memory the render holds "for all its processes
    together" (RSS would count the pages a fork shares with its parent once per process)."""

    def __init__(self) -> None:
        import threading

        self.peak_kb = 0
        self.timeline: list[tuple[float, int, list[int]]] = []  # (s, this process, children), KiB
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        me, start = os.getpid(), time.perf_counter()
        while not self._stop.wait(0.02):
            own, children = _pss_kb(me), [_pss_kb(c) for c in _children(me)]
            self.timeline.append((round(time.perf_counter() - start, 2), own, children))
            self.peak_kb = max(self.peak_kb, own + sum(children))

    def __enter__(self) -> PssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def chromium_seconds(html: str) -> float | None:
    """The reference of the issue: the same HTML printed by headless Chromium (None: no Chromium)."""
    import shutil
    import tempfile

    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if exe is None:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        page, out = Path(tmp) / "report.html", Path(tmp) / "report.pdf"
        page.write_text(html, encoding="utf-8")
        wall = time.perf_counter()
        subprocess.run(
            [exe, "--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer",
             f"--print-to-pdf={out}", page.as_uri()],
            check=True, capture_output=True, timeout=300,
        )  # fmt: skip
        return round(time.perf_counter() - wall, 2)


def child(tasks: int, postgres: bool, mode: str) -> dict:
    """One render in this (fresh) process: the figures the parent collects.

    ``mode``: "parallel" (what the service does now: body and annex runs in forked processes),
    "sequential" (the one-process layout of before, for the before/after comparison), or
    "chromium" (the same HTML printed by headless Chromium: the reference).
    """
    setup_django(database_url(tasks, postgres))
    import weasyprint  # noqa: F401  (imported before the baseline, as a worker would have it)

    from compilation.consolidated import document as report_services
    from compilation.consolidated import pdf
    from parindex.models import Cycle
    from remediation.models import Task

    cycle = Cycle.objects.get(year=2021)
    baseline = maxrss_mb()
    proposals = "Đề xuất, kiến nghị của Sở Nội vụ."
    extra: dict = {}
    wall, cpu = time.perf_counter(), time.process_time()
    with PssSampler() as sampler:
        context = report_services.report_context(cycle, AS_OF, proposals)
        if mode == "sequential":
            data = pdf.render_pdf(report_services.TEMPLATE, context)
        elif mode == "chromium":
            html = pdf.render_html(report_services.TEMPLATE, context)
            extra["chromium_seconds"] = chromium_seconds(html)
            data = b""
        else:
            threshold, report_services.PARALLEL_FROM = report_services.PARALLEL_FROM, 0
            data, peaks = report_services.render_pdf(context)
            report_services.PARALLEL_FROM = threshold
            extra["process_peak_rss_mb"] = [round(p, 1) for p in peaks]
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    if os.environ.get("BENCH_PSS_TIMELINE"):  # where the peak falls: every sample, as JSON lines
        with open(os.environ["BENCH_PSS_TIMELINE"], "a") as out:
            out.write(json.dumps({"mode": mode, "timeline": sampler.timeline}) + "\n")
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    import io

    from pypdf import PdfReader

    return {
        "mode": mode,
        "tasks": Task.objects.filter(cycle=cycle, closed_at__isnull=True).count(),
        "open_tasks": Task.objects.filter(cycle=cycle).open(AS_OF).count(),
        "seconds": round(wall, 2),
        "cpu_seconds": round(cpu, 2),
        "children_cpu_seconds": round(children.ru_utime + children.ru_stime, 2),
        "pages": len(PdfReader(io.BytesIO(data)).pages) if data else None,
        "bytes": len(data),
        "rss_before_mb": round(baseline, 1),
        "peak_rss_mb": round(maxrss_mb(), 1),
        "peak_pss_all_processes_mb": round(sampler.peak_kb / 1024, 1),
        "load_average_1min": round(os.getloadavg()[0], 2),
        **extra,
    }


def run(tasks: int, runs: int, postgres: bool, modes: list[str]) -> list[dict]:
    """Prepare the dataset, then render ``runs`` times per mode, each in a new process."""
    me = [sys.executable, str(Path(__file__).resolve())]
    flags = ["--postgres"] if postgres else []
    subprocess.run([*me, "--prepare", "--tasks", str(tasks), *flags], check=True, cwd=ROOT)
    summary = []
    for mode in modes:
        results = []
        for _ in range(runs):
            out = subprocess.run(
                [*me, "--child", "--mode", mode, "--tasks", str(tasks), *flags],
                check=True, cwd=ROOT, capture_output=True, text=True,
            )  # fmt: skip
            results.append(json.loads(out.stdout.strip().splitlines()[-1]))
        first = results[0]
        summary.append(
            {
                "mode": mode,
                "tasks": first["tasks"],
                "open_tasks": first["open_tasks"],
                "pages": first["pages"],
                "bytes": first["bytes"],
                "runs": results,
                "seconds_median": statistics.median(r["seconds"] for r in results),
                "seconds_max": max(r["seconds"] for r in results),
                "cpu_seconds_median": statistics.median(r["cpu_seconds"] + r["children_cpu_seconds"] for r in results),
                "peak_pss_all_processes_mb_max": max(r["peak_pss_all_processes_mb"] for r in results),
                "load_average_1min": [r["load_average_1min"] for r in results],
                "chromium_seconds": [r.get("chromium_seconds") for r in results if r.get("chromium_seconds")],
            }
        )
    return summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tasks", type=int, nargs="+", default=[1000])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--postgres", action="store_true", help="scratch PostgreSQL databases instead of SQLite")
    parser.add_argument("--prepare", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument(
        "--modes",
        nargs="+",
        default=["parallel", "sequential", "chromium"],
        choices=["parallel", "sequential", "chromium"],
    )
    parser.add_argument("--mode", default="parallel", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.prepare:
        prepare(args.tasks[0], args.postgres)
    elif args.child:
        print(json.dumps(child(args.tasks[0], args.postgres, args.mode)))
    else:
        results = [row for n in args.tasks for row in run(n, args.runs, args.postgres, args.modes)]
        report = {"cpu_count": os.cpu_count(), "results": results}
        print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
