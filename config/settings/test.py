"""Test settings: fast hashing, in-memory mail unless a test asks for SMTP."""

from .base import *  # noqa: F403
from .base import BASE_DIR, env

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
PRIVATE_MEDIA_ROOT = BASE_DIR / "var" / "test-private"
ALLOWED_HOSTS = ["*"]
SECRET_KEY = env("SECRET_KEY", default="test-only-key")

# Serve static files straight from the finders: no collectstatic needed.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

# Throttling is exercised by its own tests (override_settings(AXES_ENABLED=True)); elsewhere
# client.login() has no request for axes to inspect.
AXES_ENABLED = False
