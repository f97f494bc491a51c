"""Signal receivers of the reminders: a changed task or a submitted report cancels unsent reminders."""

from __future__ import annotations

from django.db.models.signals import m2m_changed, post_save
from django.dispatch import receiver

from .models import AgencyReport, Task
from .periods import sync_or_defer
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


@receiver(post_save, sender=Task, dispatch_uid="remediation.sync_lead_assignment")
def task_lead_saved(sender, instance: Task, created: bool, raw: bool = False, **kwargs) -> None:
    """A saved task's lead (the cache) gets its dated assignment row (remediation.periods)."""
    if raw or getattr(instance, "_assignments_managed", False):
        return
    sync_or_defer([instance.pk], reason=getattr(instance, "_change_reason", "") or "")


@receiver(m2m_changed, sender=Task.coordinating_agencies.through, dispatch_uid="remediation.sync_coordinators")
def task_coordinators_changed(sender, instance, action: str, reverse: bool, pk_set=None, **kwargs) -> None:
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    if reverse:
        task_ids = list(pk_set or ())  # agency.coordinated_tasks.add(...): pk_set holds tasks
        if action == "post_clear":
            return  # the tasks are unknown after a reverse clear; the next save of each task syncs it
    else:
        if getattr(instance, "_assignments_managed", False):
            return
        task_ids = [instance.pk]
    sync_or_defer(task_ids)
