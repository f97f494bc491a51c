"""Render the consolidated report to a file, the same bytes the browser's issue produces.

    python manage.py render_report --cycle 2021 [--as-of 15/11/2021] --proposals-file p.txt \\
        [--format pdf|docx] --output report.pdf

It calls the same service as the Celery task (`document.render_report`) but archives
nothing: issuing, with its record of who and when, happens in the browser. As in the web
form, section VI (proposals) is required, and the cycle's signer, report number and cited
documents must be set (`document.issue_blockers`).
"""

from __future__ import annotations

import datetime as dt
import sys
import unicodedata
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
    help = "Render the consolidated report (Decree 30/2020 format) of a cycle to a PDF or DOCX file."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--cycle", type=int, help="Cycle year (default: the current cycle).")
        parser.add_argument("--as-of", dest="as_of", help="Figures as of DD/MM/YYYY (default: the cycle's).")
        parser.add_argument("--proposals", default="", help="Text of section VI (proposals); required, or a file.")
        parser.add_argument("--proposals-file", dest="proposals_file", help="Read section VI from a UTF-8 file.")
        parser.add_argument("--format", choices=report_services.FORMATS, default="pdf", help="pdf (default) or docx.")
        parser.add_argument("--output", "-o", required=True, help="File path, or - for standard output.")

    def handle(self, *args, **options) -> None:
        cycle = self._cycle(options["cycle"])
        as_of = parse_date(options["as_of"]) if options["as_of"] else cycle.as_of()
        proposals = options["proposals"]
        if options["proposals_file"]:
            proposals = Path(options["proposals_file"]).read_text(encoding="utf-8")
        proposals = unicodedata.normalize("NFC", proposals.replace("\r\n", "\n")).strip()
        if not proposals:
            raise CommandError("Section VI (proposals) is required: give --proposals or --proposals-file.")
        try:
            data = report_services.render_report(cycle, as_of, proposals, fmt=options["format"])
        except report_services.NotReady as exc:
            problems = "; ".join(str(p) for p in exc.problems)
            raise CommandError(f"Cycle {cycle.year} cannot be issued yet: {problems}") from exc
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
