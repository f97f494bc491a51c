"""Deadline reminders, claimed in the database before they are sent.

- ``schedule``: which step of a deadline is due on a date (pure);
- ``recipients``: who receives what, and the keys of reminded items;
- ``claims``: inserting claims under a unique constraint, cancelling stale ones;
- ``sweep``: the daily selection and claim of what is due;
- ``digest``: one e-mail and the in-app notifications per recipient;
- ``links``: where each reminder leads (``reverse()``).

The Celery tasks that enqueue digests live in ``remediation.tasks``, which imports
these modules and is imported by none of them.
"""

from .claims import cancel_report_reminders, cancel_stale_reminders
from .digest import describe, send_digest
from .recipients import Directory
from .schedule import Steps, is_escalated, steps_for
from .sweep import SweepResult, claim_due_reminders, resolve_cycle

__all__ = [
    "Directory",
    "Steps",
    "SweepResult",
    "cancel_report_reminders",
    "cancel_stale_reminders",
    "claim_due_reminders",
    "describe",
    "is_escalated",
    "resolve_cycle",
    "send_digest",
    "steps_for",
]
