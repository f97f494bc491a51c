"""Benchmark of the Excel export (100,000 task rows) and import (10,000 task rows), on PostgreSQL. Prints JSON.

    .venv/bin/python bench/excel.py                      # creates partracker_bench_xls and the dataset if needed
    .venv/bin/python bench/excel.py --database partracker_bench_xls --rows 10000

The dataset is bench.dataset's "national" scale without progress updates:
2,000 agencies and 100,000 tasks in cycle 2021, written with bulk_create; the
tasks get a description and, when overdue, a cause, so the rows are as wide
as a real tracking table's. Each measured step runs the real management
command in its own process, and its time (wall clock, Django start-up
included) and peak memory (the child's ru_maxrss, from wait4) are reported:

- ``export``: ``export_workbook --cycle 2021`` (three sheets, 100,000 task rows);
- ``import_dry_run``: ``import_workbook --kind tasks --dry-run`` of a 10,000-row workbook;
- ``import``: the same file into a fresh cycle (10,000 tasks created, with history);
- ``reimport``: the same file again (10,000 rows compared, nothing written).

Targets (issue 7): at most 20 s and 300 MB each.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
IMPORT_YEAR = 2099


def setup(database: str, base_url: str) -> None:
    """Point Django at the benchmark database, creating and migrating it if needed."""
    import psycopg

    with psycopg.connect(f"{base_url}/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database]).fetchone():
            conn.execute(f'CREATE DATABASE "{database}"')
    os.environ["DATABASE_URL"] = f"{base_url}/{database}"
    os.environ.pop("REDIS_URL", None)
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def ensure_dataset() -> dict:
    """The national dataset (100,000 tasks), generated once, with realistic descriptions and causes."""
    from django.db import connection

    from bench.dataset import DatasetExists, generate

    try:
        figures = generate("national", updates=False)
    except DatasetExists:
        figures = {"reused": True}
    with connection.cursor() as cursor:
        cursor.execute(
            """UPDATE remediation_task SET
                 description = 'Theo kiến nghị tại Báo cáo 117/BC-SNV: rà soát, khắc phục tồn tại, hạn chế '
                               || 'của tiêu chí thành phần; báo cáo kết quả về Sở Nội vụ trước ngày 15/11/2021.',
                 cause = CASE WHEN completed_on IS NULL AND deadline < DATE '2021-11-08'
                              THEN 'Chưa bố trí được kinh phí thực hiện; đang chờ hướng dẫn của bộ, ngành.' ELSE '' END
               WHERE description = ''"""
        )
    return figures


def task_workbook(path: Path, rows: int) -> None:
    """A 10,000-row assignment list in the import layout, agencies by code or by name, as SNV would prepare."""
    from agencies.models import Agency, AgencyKind
    from compilation.excel.workbook import TASK_LAYOUT, Sheet, write_workbook
    from parindex.models import Criterion, Cycle, FrameworkKind

    cycle = Cycle.objects.get(year=2021)
    codes = list(
        Criterion.objects.filter(framework=cycle.framework_of(FrameworkKind.PAR))
        .leaves()
        .values_list("code", flat=True)
    )
    agencies = list(Agency.objects.filter(code__startswith="bench-").exclude(kind=AgencyKind.COMMUNE))

    def generate():
        for i in range(rows):
            lead = agencies[i % len(agencies)]
            partners = [agencies[(i * 7 + k) % len(agencies)] for k in range(i % 3)]
            values = {  # by column key: the layout's order may change (issue 15 added the number and shortcoming)
                "title": f"Nhiệm vụ nhập từ Excel số {i:05d}",
                "description": "Rà soát, khắc phục tồn tại theo kiến nghị của Báo cáo 117/BC-SNV.",
                "codes": "; ".join(codes[(i + k) % len(codes)] for k in range(1 + i % 2)),
                "lead_agency": lead.code if i % 2 else lead.name,
                "coordinating": "; ".join(p.code for p in partners if p.pk != lead.pk),
                "deadline": f"{1 + i % 28:02d}/{1 + i % 12:02d}/2022",
                "source_document": "Báo cáo 117/BC-SNV",
            }
            yield [values.get(column.key) for column in TASK_LAYOUT.columns]

    write_workbook([Sheet("Nhiệm vụ", TASK_LAYOUT.columns, generate())], str(path))


def fresh_import_cycle() -> None:
    """An empty cycle to import into, using the dataset's PAR framework; earlier runs' tasks are removed."""
    import datetime as dt

    from parindex.models import Cycle, FrameworkKind
    from remediation.models import Task

    Task.history.filter(cycle_id__in=Cycle.objects.filter(year=IMPORT_YEAR).values("id")).delete()
    Task.objects.filter(cycle__year=IMPORT_YEAR).delete()
    cycle, _ = Cycle.objects.get_or_create(
        year=IMPORT_YEAR,
        defaults={
            "name": "Chu kỳ nhập thử",
            "report_deadline": dt.date(IMPORT_YEAR, 11, 15),
            "task_completion_target": dt.date(IMPORT_YEAR, 12, 31),
        },
    )
    cycle.frameworks.set([Cycle.objects.get(year=2021).framework_of(FrameworkKind.PAR)])


# A forked child inherits its parent's peak memory in ru_maxrss (Linux copies the high-water mark at
# fork and keeps it over exec), and this process holds Django and the dataset generator. So each step
# is started by a small launcher process, and the launcher reports its own child's figures.
LAUNCHER = """
import json, os, subprocess, sys, time
started = time.perf_counter()
child = subprocess.Popen(sys.argv[1:], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
output = child.stdout.read().decode()
_pid, status, usage = os.wait4(child.pid, 0)
print(json.dumps({"seconds": time.perf_counter() - started, "maxrss_kb": usage.ru_maxrss,
                  "exit": os.waitstatus_to_exitcode(status), "output": output}))
"""


def measure(args: list[str]) -> dict:
    """Run ``manage.py <args>`` in its own process: wall time, peak resident memory, exit status."""
    command = [sys.executable, "-c", LAUNCHER, sys.executable, str(ROOT / "manage.py"), *args]
    done = subprocess.run(command, capture_output=True, text=True, env=os.environ.copy(), check=True)
    figures = json.loads(done.stdout)
    return {
        "seconds": round(figures["seconds"], 2),
        "peak_mb": round(figures["maxrss_kb"] / 1024, 1),
        "exit": figures["exit"],
        "output": figures["output"].strip().splitlines()[-3:],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default="partracker_bench_xls")
    parser.add_argument("--base-url", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--rows", type=int, default=10_000, help="rows of the imported workbook")
    options = parser.parse_args()
    setup(options.database, options.base_url)
    from remediation.models import Task

    report = {"dataset": ensure_dataset(), "tasks_in_cycle_2021": Task.objects.filter(cycle__year=2021).count()}
    with tempfile.TemporaryDirectory() as folder:
        exported, assignments = Path(folder) / "export.xlsx", Path(folder) / "tasks.xlsx"
        report["export"] = measure(
            ["export_workbook", "--cycle", "2021", "--as-of", "08/11/2021", "--output", str(exported)]
        )
        report["export"]["file_mb"] = round(exported.stat().st_size / 1e6, 1)
        task_workbook(assignments, options.rows)
        fresh_import_cycle()
        command = ["import_workbook", str(assignments), "--kind", "tasks", "--cycle", str(IMPORT_YEAR)]
        report["import_rows"] = options.rows
        report["import_dry_run"] = measure([*command, "--dry-run"])
        report["import"] = measure(command)
        report["reimport"] = measure(command)
        report["tasks_imported"] = Task.objects.filter(cycle__year=IMPORT_YEAR).count()
    print(json.dumps(report, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
