"""Operator entry point onto the export: the same workbook as the browser's download."""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from agencies.models import Agency
from compilation.excel.exporting import export_workbook
from parindex.models import Cycle


class Command(BaseCommand):
    help = gettext_lazy("Export the tracking workbook of a cycle (scores, tasks, report status) to an .xlsx file.")

    def add_arguments(self, parser) -> None:
        parser.add_argument("--cycle", required=True, type=int, help=gettext_lazy("the cycle's year, e.g. 2021"))
        parser.add_argument(
            "--as-of", default="", help=gettext_lazy("statuses as of DD/MM/YYYY (default: the cycle's)")
        )
        parser.add_argument("--output", required=True, help=gettext_lazy("the .xlsx file to write"))
        parser.add_argument("--agency", default="", help=gettext_lazy("only this agency's tasks (its code)"))

    def handle(self, *args, **options) -> None:
        cycle = Cycle.objects.filter(year=options["cycle"]).first()
        if cycle is None:
            raise CommandError(_("There is no cycle for the year %(year)s.") % {"year": options["cycle"]})
        as_of = self.parse_as_of(options["as_of"]) or cycle.as_of()
        agency = None
        if options["agency"]:
            agency = Agency.objects.filter(code=options["agency"]).first()
            if agency is None:
                raise CommandError(_("There is no agency with the code %(code)s.") % {"code": options["agency"]})
        output = Path(options["output"])
        counts = self.write(cycle, as_of, output, agency)
        for sheet, rows in counts.items():
            self.stdout.write(_("%(sheet)s: %(rows)s rows") % {"sheet": sheet, "rows": rows})
        self.stdout.write(self.style.SUCCESS(_("Written to %(file)s.") % {"file": output}))

    @staticmethod
    def parse_as_of(value: str) -> dt.date | None:
        if not value:
            return None
        try:
            return dt.datetime.strptime(value, "%d/%m/%Y").date()
        except ValueError as exc:
            raise CommandError(_("“%(value)s” is not a date in the form DD/MM/YYYY.") % {"value": value}) from exc

    @staticmethod
    def write(cycle: Cycle, as_of: dt.date, output: Path, agency: Agency | None) -> dict[str, int]:
        """Write beside the target and rename, so a failed export never leaves half a file behind."""
        folder = output.resolve().parent
        if not folder.is_dir():
            raise CommandError(_("The folder %(folder)s does not exist.") % {"folder": folder})
        fd, temp = tempfile.mkstemp(suffix=".xlsx", dir=folder)
        os.close(fd)
        try:
            counts = export_workbook(cycle, as_of, temp, agency)
            os.replace(temp, output)
        finally:
            Path(temp).unlink(missing_ok=True)
        return counts
