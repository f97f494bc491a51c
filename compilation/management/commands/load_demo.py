from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from compilation.demo.loader import DemoRefused, load_demo


class Command(BaseCommand):
    help = (
        "Load the Bình Định 2021 demo and the 2025 Gia Lai reorganisation (idempotent: a second run changes nothing)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="Load even if the database holds other data.")
        parser.add_argument(
            "--without-2025",
            action="store_true",
            help="Stop before the 2025 reorganisation (Bình Định into Gia Lai, wards and communes) and its 2025 cycle.",
        )

    def handle(self, *args, force: bool = False, without_2025: bool = False, **options):
        if not getattr(settings, "ALLOW_DEMO", False):
            raise CommandError("load_demo never runs with production settings.")
        try:
            stats = load_demo(force=force, with_2025=not without_2025)
        except DemoRefused as exc:
            raise CommandError(str(exc)) from exc
        if stats.total:
            details = ", ".join(f"{k}: {v}" for k, v in sorted(stats.created.items()))
            self.stdout.write(self.style.SUCCESS(f"Demo loaded ({details})."))
        else:
            self.stdout.write("Demo already loaded: nothing changed.")
