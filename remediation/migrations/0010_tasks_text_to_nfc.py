"""Current task rows in NFC: a title saved decomposed (NFD) no longer differs from the same title typed.

History rows are left as they were recorded (they say what was stored then);
only the current rows are rewritten, with update(), so no history row is added.
"""

import unicodedata

from django.db import migrations

FIELDS = ("title", "description", "source_document", "cause", "close_reason", "closure_criteria", "verification_note")


def to_nfc(apps, schema_editor):
    Task = apps.get_model("remediation", "Task")
    for row in Task.objects.values("id", *FIELDS).iterator(chunk_size=2000):
        changed = {f: unicodedata.normalize("NFC", row[f]) for f in FIELDS if row[f]}
        changed = {f: v for f, v in changed.items() if v != row[f]}
        if changed:
            Task.objects.filter(pk=row["id"]).update(**changed)


class Migration(migrations.Migration):
    dependencies = [("remediation", "0009_reminder_round_kind")]

    operations = [migrations.RunPython(to_nfc, migrations.RunPython.noop)]
