"""Render the consolidated report to a PDF file, the same bytes the browser's issue produces.

    python manage.py render_report --cycle 2021 [--as-of 15/11/2021] [--proposals-file p.txt] --output report.pdf

It calls the same service as the Celery task (`report_services.render_report`) but
archives nothing: issuing, with its record of who and when, happens in the browser.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from compilation.consolidated import document as report_services
from parindex.models import Cycle


def parse_date(value: str) -> dt.date:
    """dd/mm/yyyy, as everywhere in the product (never month first)."""
    try:
        return dt.datetime.strptime(value, "%d/%m/%Y").date()
    except ValueError as exc:
        raise CommandError(f"--as-of must be DD/MM/YYYY, got {value!r}") from exc


class Command(BaseCommand):
    help = "Render the consolidated report (Decree 30/2020 format) of a cycle to a PDF file."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--cycle", type=int, help="Cycle year (default: the current cycle).")
        parser.add_argument("--as-of", dest="as_of", help="Figures as of DD/MM/YYYY (default: the cycle's).")
        parser.add_argument("--proposals", default="", help="Text of section VI (proposals).")
        parser.add_argument("--proposals-file", dest="proposals_file", help="Read section VI from a UTF-8 file.")
        parser.add_argument("--output", "-o", required=True, help="PDF path, or - for standard output.")

    def handle(self, *args, **options) -> None:
        cycle = self._cycle(options["cycle"])
        as_of = parse_date(options["as_of"]) if options["as_of"] else cycle.as_of()
        proposals = options["proposals"]
        if options["proposals_file"]:
            proposals = Path(options["proposals_file"]).read_text(encoding="utf-8")
        data = report_services.render_report(cycle, as_of, proposals)
        if options["output"] == "-":
            sys.stdout.buffer.write(data)
            return
        Path(options["output"]).write_bytes(data)
        self.stdout.write(f"Wrote {options['output']} ({len(data):,} bytes, {cycle.year}, as of {as_of:%d/%m/%Y}).")

    def _cycle(self, year: int | None) -> Cycle:
        cycle = Cycle.objects.filter(year=year).first() if year else Cycle.current()
        if cycle is None:
            raise CommandError(f"No cycle {year}." if year else "No cycle exists.")
        return cycle
