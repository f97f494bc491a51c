"""The CHECKs of the two parts, in a migration of their own: PostgreSQL refuses to ALTER a table
with pending trigger events, which 0003's data step leaves in its transaction."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("parindex", "0003_score_method_estimate"),
    ]

    operations = [
        migrations.AddConstraint(
            model_name='score',
            constraint=models.CheckConstraint(condition=models.Q(('estimate__isnull', True), models.Q(('estimate__gte', 0), ('estimate__lte', models.F('max_points'))), _connector='OR'), name='score_estimate_in_range'),
        ),
        migrations.AddConstraint(
            model_name='score',
            constraint=models.CheckConstraint(condition=models.Q(('self_score__isnull', True), ('method', 'self'), _connector='OR'), name='score_survey_no_self_score'),
        ),
        migrations.AddConstraint(
            model_name='score',
            constraint=models.CheckConstraint(condition=models.Q(('estimate__isnull', True), ('method', 'survey'), _connector='OR'), name='score_estimate_survey_only'),
        ),
    ]
