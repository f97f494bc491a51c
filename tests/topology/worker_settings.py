"""Settings of the Celery worker that tests/services/ start as a real process.

The test settings plus what a test passes through the environment: an SMTP
port on loopback, a queue of its own (so no stray message from another run
reaches this worker), and a short retry backoff so a fault test ends quickly.
"""

import os

from config.settings.test import *  # noqa: F403

_smtp_port = os.environ.get("REMINDER_TEST_SMTP_PORT")
if _smtp_port:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = "127.0.0.1"
    EMAIL_PORT = int(_smtp_port)
    EMAIL_HOST_USER = ""
    EMAIL_HOST_PASSWORD = ""
    EMAIL_USE_TLS = False
    EMAIL_USE_SSL = False
    EMAIL_TIMEOUT = 5

CELERY_TASK_DEFAULT_QUEUE = os.environ.get("REMINDER_TEST_QUEUE", "celery")
CELERY_TASK_ANNOTATIONS = {
    "remediation.send_reminder_digest": {
        "retry_backoff": 1,
        "retry_backoff_max": 2,
        "retry_jitter": False,
        "max_retries": 60,
    }
}
