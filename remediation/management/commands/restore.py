from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from remediation.backup import RestoreRefused, restore


class Command(BaseCommand):
    help = "Restore a backup made by `backup` into an empty, migrated database and empty storage."

    def add_arguments(self, parser):
        parser.add_argument("archive")

    def handle(self, *args, archive, **options):
        try:
            manifest = restore(Path(archive))
        except RestoreRefused as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(f"Restored the database and {len(manifest['files'])} files."))
