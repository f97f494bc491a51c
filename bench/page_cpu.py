"""One page's CPU per request in the web process, for a before/after comparison of one change.

    .venv/bin/python bench/page_cpu.py /manage/tasks/
    .venv/bin/python bench/page_cpu.py /tasks/ID/ --user agency      # ID: the first task of the user's list

The page is requested in-process (Django's test Client, as bench/run.py does) after 10 warm-up
requests, then 7 batches of 20; it prints the median and the lowest batch's CPU per request
(``time.process_time``, the database server's time not included). Compare two commits by running
it at each, alternated at least twice, in one sitting: between two runs of the same code the figure
moves by up to 10-15 % on the shared machine, so only a larger difference says something.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.run import setup  # noqa: E402

DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/partracker_bench_pages_province"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("path")
    parser.add_argument("--user", default="bench-snv-0", help='a username, or "agency" (the replay\'s agency user)')
    parser.add_argument("--database", default=os.environ.get("BENCH_DB", DEFAULT_DB))
    parser.add_argument("--batches", type=int, default=7)
    args = parser.parse_args()
    setup(args.database)
    from django.test import Client

    from agencies.models import User

    client = Client()
    if args.user == "agency":
        from bench.replay import agency_user

        client.force_login(agency_user())
    else:
        client.force_login(User.objects.get(username=args.user))
    path = args.path
    if "ID" in path:
        first = re.findall(r'href="/tasks/(\d+)/"', client.get("/tasks/").content.decode())[0]
        path = path.replace("ID", first)
    for _ in range(10):
        assert client.get(path).status_code == 200, path
    batches = []
    for _ in range(args.batches):
        started = time.process_time()
        for _ in range(20):
            client.get(path)
        batches.append((time.process_time() - started) * 1000 / 20)
    median, lowest = statistics.median(batches), min(batches)
    print(f"{path} as {args.user}: CPU per request median {median:.1f} ms, lowest {lowest:.1f} ms")


if __name__ == "__main__":
    main()
