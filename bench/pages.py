"""Timing of SNV's pages through Django's test Client: the full request, templates included.

Used by ``bench/run.py``. Each page is requested a few times to warm caches
(connection, templates, PostgreSQL's buffers), then ``runs`` times; the query
count is taken from one more request with every statement counted.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass

# (name, path): the three pages of issue 4's target, the score tree both whole and
# filtered to the sub-criteria below max, and SNV's management list beside the task list.
PAGES = [
    ("dashboard", "/dashboard/"),
    ("score_tree", "/scores/"),
    ("score_tree_below_max", "/scores/?below=on"),
    ("task_list", "/tasks/"),
    ("task_list_overdue", "/tasks/?status=overdue"),
    ("manage_task_list", "/manage/tasks/"),
]
WARM_UP = 3


class QueryCounter:
    """Counts every statement (CaptureQueriesContext keeps only the last 9,000)."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


@dataclass
class Figure:
    page: str
    path: str
    status: int
    p50_ms: float
    p95_ms: float
    cpu_p50_ms: float  # the Django process's own CPU time: less sensitive to other load (database time excluded)
    queries: int
    runs: int


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile: with 20 runs, p95 is the 19th fastest."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * pct // 100))
    return ordered[int(rank) - 1]


def measure(client, name: str, path: str, runs: int) -> Figure:
    from django.db import connection

    for _ in range(WARM_UP):
        status = client.get(path).status_code
    timings, cpu = [], []
    for _ in range(runs):
        started, cpu_started = time.perf_counter(), time.process_time()
        response = client.get(path)
        timings.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - cpu_started) * 1000)
        status = response.status_code
    counter = QueryCounter()
    with connection.execute_wrapper(counter):
        client.get(path)
    return Figure(
        page=name,
        path=path,
        status=status,
        p50_ms=round(statistics.median(timings), 1),
        p95_ms=round(percentile(timings, 95), 1),
        cpu_p50_ms=round(statistics.median(cpu), 1),
        queries=counter.count,
        runs=runs,
    )
