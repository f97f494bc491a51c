"""Benchmark of the reminder sweep on the national dataset (PostgreSQL). Prints JSON.

    .venv/bin/python bench/sweep.py                       # creates partracker_bench_rem and the dataset if needed
    .venv/bin/python bench/sweep.py --database partracker_bench_rem --as-of 08/11/2021

Measures, each from a clean reminder state (reminders and notifications deleted first):
- ``dry_run``: selection only, nothing written;
- ``first_sweep``: the cold start, every overdue task of the country claimed at once;
  ``claim`` is the sweep itself (select, claim, enqueue), ``digests`` the per-recipient
  digest tasks run one after the other in this process (Celery eager, locmem e-mail);
  in production they run on the workers;
- ``same_day_rerun``: a second sweep the same day (claims nothing);
- ``next_day``: the following day's sweep, a typical daily run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def setup(database: str, base_url: str) -> None:
    """Point Django at the benchmark database, creating it if needed; Celery runs eagerly (no REDIS_URL)."""
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


class QueryCounter:
    """Counts every statement (CaptureQueriesContext keeps only the last 9,000)."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def measure(as_of: dt.date, dry_run: bool = False) -> dict:
    """One sweep; on_commit digests are held until the outer transaction ends, so the two are timed apart."""
    from django.core import mail
    from django.db import connection, transaction

    from remediation.tasks import send_due_reminders

    mail.outbox = []
    counter = QueryCounter()
    with connection.execute_wrapper(counter):
        started = time.perf_counter()
        with transaction.atomic():
            result = send_due_reminders(as_of=as_of, dry_run=dry_run)
            claimed, claim_queries = time.perf_counter(), counter.count
        finished = time.perf_counter()
    figures = {
        "as_of": as_of.isoformat(),
        "reminders": result.reminders,
        "recipients": result.recipients,
        "claim_seconds": round(claimed - started, 2),
        "claim_queries": claim_queries,
    }
    if not dry_run:
        figures |= {
            "digest_seconds": round(finished - claimed, 2),
            "digest_queries": counter.count - claim_queries,
            "emails": len(mail.outbox),
            "total_seconds": round(finished - started, 2),
        }
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", default="partracker_bench_rem")
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--as-of", default="08/11/2021", help="DD/MM/YYYY")
    args = parser.parse_args()
    setup(args.database, args.server)
    import logging

    logging.disable(logging.INFO)  # Celery logs one line per eager task
    from bench.dataset import generate
    from remediation.models import Notification, Reminder, Task

    dataset = None
    if not Task.objects.exists():
        dataset = generate("national", updates=False)
    Reminder.objects.all().delete()
    Notification.objects.all().delete()
    as_of = dt.datetime.strptime(args.as_of, "%d/%m/%Y").date()
    report = {
        "database": args.database,
        "generated": dataset,
        "tasks": Task.objects.count(),
        "open_tasks": Task.objects.open(as_of).count(),
        "dry_run": measure(as_of, dry_run=True),
        "first_sweep": measure(as_of),
        "same_day_rerun": measure(as_of),
        "next_day": measure(as_of + dt.timedelta(days=1)),
    }
    print(json.dumps(report, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
