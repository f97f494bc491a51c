"""Report reminders stored the link "/reports/", which matches no route: point them at the agency's report.

The link is now built with reverse("remediation:report-edit"); this rewrites the rows
already stored. The path is written out here because a migration must not change
when the URLconf does.
"""

from django.db import migrations

OLD, NEW = "/reports/", "/reports/mine/"


def forwards(apps, schema_editor):
    Notification = apps.get_model("remediation", "Notification")
    Notification.objects.filter(url=OLD).update(url=NEW)


class Migration(migrations.Migration):
    dependencies = [("remediation", "0003_task_number")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
