"""A stable task number per cycle: existing tasks numbered in creation order (by id), history rows too."""

from django.conf import settings
from django.db import migrations, models


def number_existing(apps, schema_editor):
    Task = apps.get_model("remediation", "Task")
    HistoricalTask = apps.get_model("remediation", "HistoricalTask")
    numbers, counters = {}, {}
    for pk, cycle_id in Task.objects.order_by("cycle_id", "id").values_list("id", "cycle_id"):
        counters[cycle_id] = counters.get(cycle_id, 0) + 1
        numbers[pk] = counters[cycle_id]
    for pk, number in numbers.items():
        Task.objects.filter(pk=pk).update(number=number)
    for pk, number in numbers.items():
        HistoricalTask.objects.filter(id=pk).update(number=number)
    # history of tasks deleted since: numbered after the live ones, per cycle
    for row in HistoricalTask.objects.filter(number__isnull=True).order_by("id").values("id", "cycle_id").distinct():
        counters[row["cycle_id"]] = counters.get(row["cycle_id"], 0) + 1
        HistoricalTask.objects.filter(id=row["id"]).update(number=counters[row["cycle_id"]])


class Migration(migrations.Migration):

    dependencies = [
        ('agencies', '0001_initial'),
        ('parindex', '0002_move_issuedreport_to_compilation'),
        ('remediation', '0002_reminder_run_token'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='historicaltask',
            name='number',
            field=models.PositiveIntegerField(editable=False, help_text="The task's stable number within its cycle, in creation order.", null=True, verbose_name='number'),
        ),
        migrations.AddField(
            model_name='task',
            name='number',
            field=models.PositiveIntegerField(editable=False, help_text="The task's stable number within its cycle, in creation order.", null=True, verbose_name='number'),
        ),
        migrations.RunPython(number_existing, migrations.RunPython.noop),
        migrations.AlterField(
            model_name='historicaltask',
            name='number',
            field=models.PositiveIntegerField(editable=False, help_text="The task's stable number within its cycle, in creation order.", verbose_name='number'),
        ),
        migrations.AlterField(
            model_name='task',
            name='number',
            field=models.PositiveIntegerField(editable=False, help_text="The task's stable number within its cycle, in creation order.", verbose_name='number'),
        ),
        migrations.AddConstraint(
            model_name='task',
            constraint=models.UniqueConstraint(fields=('cycle', 'number'), name='task_number_unique_per_cycle'),
        ),
    ]
