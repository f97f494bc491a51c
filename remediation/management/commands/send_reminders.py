"""Operator entry point onto the same sweep as Celery beat: for cron, catch-up and the demo."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from remediation import reminders, tasks
from remediation.models import Reminder


def parse_date(value: str) -> dt.date:
    """dd/mm/yyyy as the province writes dates, or ISO yyyy-mm-dd."""
    for fmt in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return dt.datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    raise CommandError(f"Cannot read the date {value!r}: use DD/MM/YYYY or YYYY-MM-DD.")


class Command(BaseCommand):
    help = "Claim and send the reminders due as of a date (default today): one digest e-mail per recipient."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--as-of", type=parse_date, help="DD/MM/YYYY or YYYY-MM-DD; default: today")
        parser.add_argument("--dry-run", action="store_true", help="show what would be sent; claim nothing")
        parser.add_argument("--cycle", type=int, help="the cycle's year; default: the current cycle")

    def handle(self, *args, as_of: dt.date | None, dry_run: bool, cycle: int | None, **options) -> None:
        target = reminders.resolve_cycle(cycle)
        if target is None:
            raise CommandError("No such cycle." if cycle else "No cycle: nothing to remind.")
        result = tasks.send_due_reminders(as_of=as_of, cycle=target, dry_run=dry_run)
        rows = result.planned if dry_run else Reminder.objects.filter(run_token=result.token)
        for line in reminders.describe(rows):
            self.stdout.write(line)
        # The summary keeps one fixed English shape so that cron wrappers can read it.
        self.stdout.write(f"{result.reminders} reminders to {result.recipients} recipients")
