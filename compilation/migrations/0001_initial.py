"""IssuedReport comes from parindex (its 0002 renamed the table): state only, no database change."""

import compilation.models
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('parindex', '0002_move_issuedreport_to_compilation'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='IssuedReport',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('status', models.CharField(choices=[('pending', 'Queued'), ('running', 'Generating'), ('done', 'Issued'), ('failed', 'Failed')], default='pending', max_length=10, verbose_name='status')),
                        ('as_of', models.DateField(verbose_name='figures as of')),
                        ('proposals', models.TextField(blank=True, verbose_name='proposals')),
                        ('requested_at', models.DateTimeField(auto_now_add=True, verbose_name='requested at')),
                        ('finished_at', models.DateTimeField(blank=True, null=True, verbose_name='finished at')),
                        ('file', models.FileField(blank=True, storage=compilation.models.report_storage, upload_to=compilation.models.issued_report_path, verbose_name='file')),
                        ('size', models.PositiveBigIntegerField(blank=True, null=True, verbose_name='size (bytes)')),
                        ('sha256', models.CharField(blank=True, max_length=64, verbose_name='SHA-256')),
                        ('error', models.TextField(blank=True, verbose_name='error')),
                        ('cycle', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='issued_reports', to='parindex.cycle', verbose_name='cycle')),
                        ('requested_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='issued by')),
                    ],
                    options={
                        'verbose_name': 'issued report',
                        'verbose_name_plural': 'issued reports',
                        'ordering': ['-requested_at'],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
