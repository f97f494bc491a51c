"""Signal receivers of the reminders: a changed task or a submitted report cancels unsent reminders."""

from __future__ import annotations

from django.db.models.signals import post_save
from django.dispatch import receiver

from .models import AgencyReport, Task
from .reminders import cancel_report_reminders, cancel_stale_reminders


@receiver(post_save, sender=Task, dispatch_uid="remediation.cancel_stale_reminders")
def task_saved(sender, instance: Task, created: bool, raw: bool = False, **kwargs) -> None:
    """Any service that saves a task (finish, new deadline, new lead agency) cancels the old state's reminders.

    QuerySet.update() sends no signal; the digest re-checks each item just
    before sending, so a reminder for an old state never goes out either way.
    """
    if created or raw:
        return
    cancel_stale_reminders(instance)


@receiver(post_save, sender=AgencyReport, dispatch_uid="remediation.cancel_report_reminders")
def report_saved(sender, instance: AgencyReport, created: bool, raw: bool = False, **kwargs) -> None:
    if raw:
        return
    cancel_report_reminders(instance)
