"""Current criterion names in NFC (imports compare them); history rows stay as recorded."""

import unicodedata

from django.db import migrations


def to_nfc(apps, schema_editor):
    Criterion = apps.get_model("parindex", "Criterion")
    for pk, name in Criterion.objects.values_list("id", "name").iterator(chunk_size=2000):
        normal = unicodedata.normalize("NFC", name or "")
        if normal != name:
            Criterion.objects.filter(pk=pk).update(name=normal)


class Migration(migrations.Migration):
    dependencies = [("parindex", "0011_score_council_remark_round_2")]

    operations = [migrations.RunPython(to_nfc, migrations.RunPython.noop)]
