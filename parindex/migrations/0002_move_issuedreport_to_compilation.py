"""IssuedReport belongs to the compilation app: its table is renamed and its state handed over.

No row is copied or lost: the table itself moves (ALTER TABLE … RENAME), and
compilation's 0001 takes over the model's state without touching the database.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("parindex", "0001_initial")]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.AlterModelTable("issuedreport", "compilation_issuedreport")],
            state_operations=[migrations.DeleteModel("IssuedReport")],
        ),
    ]
