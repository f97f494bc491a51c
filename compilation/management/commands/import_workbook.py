"""Operator entry point onto the import service: the same checks and the same single transaction as the browser."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from compilation.excel.importing import ImportKind, run_import
from parindex.models import Cycle, FrameworkKind


class Command(BaseCommand):
    help = gettext_lazy(
        "Import a framework with scores, or task assignments, from an .xlsx workbook into a cycle. "
        "Exits non-zero, writing nothing, when the file has any problem."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", help=gettext_lazy("the .xlsx workbook"))
        parser.add_argument("--kind", required=True, choices=ImportKind.values, help=gettext_lazy("what it holds"))
        parser.add_argument("--cycle", required=True, type=int, help=gettext_lazy("the cycle's year, e.g. 2021"))
        parser.add_argument("--dry-run", action="store_true", help=gettext_lazy("check and report; write nothing"))
        parser.add_argument("--name", default="", help=gettext_lazy("framework name (default: the title row)"))
        parser.add_argument(
            "--framework-kind",
            default="",
            choices=["", *FrameworkKind.values],
            help=gettext_lazy("par or sipas (default: as stored, else from the name)"),
        )
        parser.add_argument("--sheet", default="", help=gettext_lazy("read only this sheet"))
        parser.add_argument(
            "--crosswalk",
            default="",
            help=gettext_lazy("crosswalk workbook (old code, new code, note) re-linking tasks when a tree is replaced"),
        )

    def handle(self, *args, **options) -> None:
        cycle = Cycle.objects.filter(year=options["cycle"]).first()
        if cycle is None:
            raise CommandError(_("There is no cycle for the year %(year)s.") % {"year": options["cycle"]})
        try:
            data = Path(options["file"]).read_bytes()
        except OSError as exc:
            raise CommandError(_("Cannot read %(file)s: %(error)s") % {"file": options["file"], "error": exc}) from exc
        crosswalk = None
        if options["crosswalk"]:
            try:
                crosswalk = Path(options["crosswalk"]).read_bytes()
            except OSError as exc:
                values = {"file": options["crosswalk"], "error": exc}
                raise CommandError(_("Cannot read %(file)s: %(error)s") % values) from exc
        result = run_import(
            data,
            options["kind"],
            cycle,
            dry_run=options["dry_run"],
            framework_name=options["name"],
            framework_kind=options["framework_kind"],
            sheet=options["sheet"],
            crosswalk=crosswalk,
        )
        if result.sheet:
            self.stdout.write(_("Sheet read: %(sheet)s (%(rows)s rows)") % {"sheet": result.sheet, "rows": result.rows})
        if result.unused_columns:
            self.stdout.write(_("Columns not imported: %(columns)s") % {"columns": "; ".join(result.unused_columns)})
        if result.hidden_sheets:
            self.stdout.write(_("Hidden sheets, not read: %(sheets)s") % {"sheets": ", ".join(result.hidden_sheets)})
        if result.replaces:
            self.stdout.write(_("Replaces the cycle's tree: %(name)s") % {"name": result.replaces})
            for relink in result.relinks:
                values = {"number": relink["number"], "old": ", ".join(relink["old"]), "new": ", ".join(relink["new"])}
                self.stdout.write(_("Task %(number)s: %(old)s → %(new)s") % values)
        for group in result.agency_groups:
            values = {"group": group["text"], "n": group["count"], "rows": ", ".join(map(str, group["rows"]))}
            self.stdout.write(_("Group %(group)s → %(n)s agencies (rows %(rows)s)") % values)
        for unknown in result.unknown_agencies:
            values = {"text": unknown["text"], "rows": ", ".join(map(str, unknown["rows"]))}
            line = _("No agency is named “%(text)s” (rows %(rows)s).") % values
            if unknown["suggestions"]:
                names = "; ".join(s["name"] for s in unknown["suggestions"])
                line += " " + _("Did you mean: %(names)s? SNV can save the name on the import preview page.") % {
                    "names": names
                }
            self.stderr.write(line)
        if result.problems:
            for problem in result.problems:
                self.stderr.write(str(problem))
            n = len(result.problems)
            raise CommandError(
                ngettext("%(n)s problem; nothing was written.", "%(n)s problems; nothing was written.", n) % {"n": n}
            )
        for line in result.summary.lines():
            self.stdout.write(line)
        done = _("Dry run: nothing was written.") if result.dry_run else _("Imported.")
        self.stdout.write(self.style.SUCCESS(done))
