from pathlib import Path

from django.core.management.base import BaseCommand
from django.utils import timezone

from remediation.backup import backup


class Command(BaseCommand):
    help = "Back up the database and the evidence files into one .tar.gz archive."

    def add_arguments(self, parser):
        parser.add_argument("--output", help="Archive path (default: par-backup-YYYYmmdd-HHMM.tar.gz).")

    def handle(self, *args, output=None, **options):
        path = Path(output or f"par-backup-{timezone.localtime():%Y%m%d-%H%M}.tar.gz")
        manifest = backup(path)
        self.stdout.write(self.style.SUCCESS(f"Backup written to {path} ({len(manifest['files'])} files)."))
