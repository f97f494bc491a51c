"""The Celery application.

Named celery_app.py so that it never shadows the ``celery`` package. The broker
and the result backend come from REDIS_URL; without it (the embedded default)
tasks run eagerly in the calling process (see settings.base).
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("partracker")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
