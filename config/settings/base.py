"""Settings shared by every environment; values come from the environment (django-environ)."""

import os
from pathlib import Path

import environ
from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

# openpyxl writes through lxml when lxml is installed (python-docx brings it), and then the
# workbook writer's fast path for data rows (compilation.excel.workbook.RowXml) is not taken:
# 10x the CPU for the tracking workbook (20,000 rows: 7.3 s against 0.7 s, measured). This must
# be set before openpyxl is first imported; tests/compilation/test_excel_io.py checks it took.
os.environ.setdefault("OPENPYXL_LXML", "False")

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"
VAR_DIR.mkdir(exist_ok=True)

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

SECRET_KEY = env("SECRET_KEY", default="dev-only-insecure-key-change-me")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])

INSTALLED_APPS = [
    "config.admin_site.AdminConfig",  # django.contrib.admin, for administrators only (config/admin_site.py)
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_filters",
    "simple_history",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "agencies",
    "parindex",
    "remediation",
    "compilation",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "agencies.middleware.VietnameseByDefaultMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "agencies.middleware.NormalizeTextMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
]

ROOT_URLCONF = "config.urls"
# Where Django's admin answers (administrators only, others get a 404). Pick a path of your own in
# production and restrict it further at the proxy (README, deployment).
ADMIN_URL = env("ADMIN_URL", default="admin/").strip("/") + "/"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "agencies.context_processors.navigation",
            ],
        },
    },
]

# SQLite under var/ is the embedded default so that `make run` works anywhere;
# production and CI use PostgreSQL through DATABASE_URL.
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=0))
if DATABASES["default"]["ENGINE"].endswith("postgresql") and env.bool("POSTGRES_JIT_OFF", default=True):
    # PostgreSQL compiles a costly query with LLVM before running it. For the dashboard's one scan
    # of a national cycle (100,000 tasks) that compilation took 1.26 s of a 1.46 s query (EXPLAIN
    # ANALYZE, docs/performance.md); the app's queries gain nothing from it. POSTGRES_JIT_OFF=false
    # leaves the server's own setting.
    options = DATABASES["default"].setdefault("OPTIONS", {})
    options["options"] = (options.get("options", "") + " -c jit=off").strip()
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "agencies.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "compilation:home"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=8 * 60 * 60)

# Vietnamese first, English available. Dates are dd/mm/yyyy through the
# project's format modules: the stock "vi" locale reads 05/03/2021 as 3 May.
LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Vietnamese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "Asia/Ho_Chi_Minh"
FORMAT_MODULE_PATH = ["config.formats"]
USE_THOUSAND_SEPARATOR = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(env("STATIC_ROOT", default=str(VAR_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# Evidence files live outside the web root and are served only through a view
# that checks the viewer's rights; there is deliberately no MEDIA_URL for them.
PRIVATE_MEDIA_ROOT = Path(env("PRIVATE_MEDIA_ROOT", default=str(VAR_DIR / "private")))
EVIDENCE_MAX_BYTES = env.int("EVIDENCE_MAX_BYTES", default=20 * 1024 * 1024)
# Office evidence (DOCX, XLSX) is a zip: refused when it unpacks to more, or holds more parts, than this
# (a zip bomb renamed .docx/.xlsx). A 20 MB workbook of real data unpacks to well under 200 MB.
EVIDENCE_MAX_UNPACKED_BYTES = env.int("EVIDENCE_MAX_UNPACKED_BYTES", default=200 * 1024 * 1024)
EVIDENCE_MAX_ZIP_ENTRIES = env.int("EVIDENCE_MAX_ZIP_ENTRIES", default=2000)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# E-mail: the console backend in development unless EMAIL_URL is given.
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="PAR Tracker <no-reply@par.local>")
# The name notices are sent under (remediation.reminders.digest.sender), at DEFAULT_FROM_EMAIL's address.
NOTICE_SENDER_NAME = env("NOTICE_SENDER_NAME", default="Sở Nội vụ tỉnh Bình Định – Theo dõi CCHC")
# django-filter's empty choice reads "Tất cả" (glossary), never "---------".
FILTERS_EMPTY_CHOICE_LABEL = _("All")
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")

# Celery. Without REDIS_URL tasks run eagerly in the web process (embedded default).
REDIS_URL = env("REDIS_URL", default="")
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or "cache+memory://"
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# The daily reminder sweep (remediation.reminders), by beat, in CELERY_TIMEZONE (Asia/Ho_Chi_Minh).
REMINDER_HOUR = env.int("REMINDER_HOUR", default=7)
# With a broker, an Excel upload this large or larger is read by a worker while its page polls
# (compilation/excel/runs.py); smaller ones, and all of them without Redis, are read in the request.
# 24 KB is about 700 task rows, read in 0.44 s (docs/security.md): no request reads for a second.
EXCEL_BACKGROUND_MIN_BYTES = env.int("EXCEL_BACKGROUND_MIN_BYTES", default=24 * 1024)
# An Excel import refuses a sheet with more data rows than this (counted while the rows stream, never read from
# the sheet's declared dimension), and a workbook whose parts unpack to more than this, checked from the zip's
# directory before any sheet is parsed (compilation/excel/workbook.py, open_workbook and data_rows).
EXCEL_IMPORT_MAX_ROWS = env.int("EXCEL_IMPORT_MAX_ROWS", default=20_000)
EXCEL_IMPORT_MAX_UNPACKED_BYTES = env.int("EXCEL_IMPORT_MAX_UNPACKED_BYTES", default=100 * 1024 * 1024)
# A reminder claim still unsent this long after the sweep lost its digest (broker down); beat re-sends it.
REMINDER_STALE_CLAIM_SECONDS = env.int("REMINDER_STALE_CLAIM_SECONDS", default=600)
# A consolidated report "running" this long after its claim lost its worker; beat enqueues it again.
REPORT_STUCK_AFTER_SECONDS = env.int("REPORT_STUCK_AFTER_SECONDS", default=900)
CELERY_BEAT_SCHEDULE = {
    "reminders-daily-sweep": {
        "task": "remediation.sweep_reminders",
        "schedule": crontab(hour=REMINDER_HOUR, minute=0),
    },
    # Claims whose digests were lost with the broker go out within minutes, not at the next sweep.
    "reminders-retry-stale-claims": {
        "task": "remediation.retry_stale_claims",
        "schedule": float(env.int("REMINDER_RETRY_SECONDS", default=300)),
    },
    # State-change notices, claimed first, e-mailed once a day.
    "notices-daily-email": {
        "task": "remediation.sweep_notices",
        "schedule": crontab(hour=REMINDER_HOUR, minute=5),
    },
    # Scoring rounds lock after their deadline (the same rule is checked on every write).
    "rounds-lock-after-deadline": {
        "task": "parindex.lock_due_rounds",
        "schedule": crontab(hour=0, minute=5),
    },
    # Merges and splits SNV dated after the day they confirmed them (remediation.restructuring.apply_due).
    "restructurings-apply-due": {
        "task": "remediation.apply_due_restructurings",
        "schedule": crontab(hour=0, minute=10),
    },
    "reports-requeue-pending": {
        "task": "compilation.requeue_pending_reports",
        "schedule": float(env.int("REPORT_REQUEUE_SECONDS", default=300)),
    },
}

SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True

# Logs: JSON lines with the request id when LOG_JSON is on (the default in production).
LOG_JSON = env.bool("LOG_JSON", default=False)
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"correlation_id": {"()": "django_guid.log_filters.CorrelationId"}},
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s %(correlation_id)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "correlation_id": "request_id"},
        },
        "plain": {"format": "%(asctime)s %(levelname)s [%(correlation_id)s] %(name)s: %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["correlation_id"],
            "formatter": "json" if LOG_JSON else "plain",
        }
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {"django_guid": {"level": "WARNING"}, "axes": {"level": "WARNING"}},
}
ALLOW_DEMO = True
# The one clock (agencies/clock.py): "" reads the real clock; "cycle" makes each cycle's reference
# date its "today" (the demo: `make run`); an ISO date pins every "today". Refused in production.
CLOCK_PIN = env.str("CLOCK_PIN", default="").strip()
if CLOCK_PIN and CLOCK_PIN != "cycle":
    import datetime as _dt

    _dt.date.fromisoformat(CLOCK_PIN)  # a malformed pin stops start-up here

# --- Security: login throttling (django-axes), CSP (django-csp), request ids (django-guid) ---
INSTALLED_APPS += ["axes", "csp", "django_guid"]  # noqa: F405
MIDDLEWARE.insert(0, "django_guid.middleware.guid_middleware")  # noqa: F405
MIDDLEWARE.insert(MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1, "csp.middleware.CSPMiddleware")
MIDDLEWARE.append("axes.middleware.AxesMiddleware")
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
# Two rules on the client's real address (agencies/throttling.py): a username is locked from the
# address it failed from (never for its owner elsewhere), and an address spraying many usernames is
# locked after LOGIN_ADDRESS_FAILURE_LIMIT failures. Axes compares one limit; the callable gives each
# rule its own. Nothing sleeps: a locked attempt is answered at once (429).
LOGIN_USERNAME_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
LOGIN_ADDRESS_FAILURE_LIMIT = env.int("LOGIN_ADDRESS_FAILURE_LIMIT", default=20)
AXES_FAILURE_LIMIT = "agencies.throttling.failure_limit"
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=0.25)  # hours: 15 minutes
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/lockout.html"
# The number of reverse proxies in front of gunicorn (README, deployment). 0: the socket's address is
# the client's. N: the client is the N-th address from the right of X-Forwarded-For, the ones our own
# proxies appended. django-ipware is not installed, so axes' AXES_IPWARE_* settings would do nothing.
TRUSTED_PROXY_COUNT = env.int("PROXY_COUNT", default=0)
AXES_CLIENT_IP_CALLABLE = "agencies.throttling.client_address"
# Successful logins are kept too (axes AccessLog), indefinitely: a record of who logged in when.
AXES_DISABLE_ACCESS_LOG = False

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

DJANGO_GUID = {"GUID_HEADER_NAME": "X-Request-ID", "RETURN_HEADER": True, "VALIDATE_GUID": False}

# For the topology smoke test and staging: sweep every N seconds instead of daily.
if env.int("REMINDER_SWEEP_EVERY_SECONDS", default=0):
    CELERY_BEAT_SCHEDULE["reminders-daily-sweep"]["schedule"] = env.int("REMINDER_SWEEP_EVERY_SECONDS")  # noqa: F405
# A task whose worker died unacknowledged goes back to the queue after this many seconds (Redis).
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600)}

# --- The JSON API (compilation/api): DRF + drf-spectacular, per-client tokens, a limit per token ---
# The rate limit is counted in the cache: Redis when REDIS_URL is set (shared by every worker, so the
# limit does not multiply with them), else the process's memory (the embedded default).
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL, "KEY_PREFIX": "partracker"}
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}
# Sessions stay in the database alone (Django's default). Tried on 02/12/2026 and reverted: cached_db
# with Redis saved a query a page (no throughput gain beyond the spread of the load runs), but with
# Redis down every page failed (tests/ops/test_faults.py), and a logout whose cache delete failed
# would leave the cached session valid once Redis came back.
# Requests per token (or per signed-in user) per minute; a call past it gets 429 with Retry-After.
API_RATE_LIMIT_PER_MINUTE = env.int("API_RATE_LIMIT_PER_MINUTE", default=600)
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "compilation.api.tokens.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["compilation.api.permissions.TokenScope"],
    "DEFAULT_THROTTLE_CLASSES": ["compilation.api.throttling.PerClientRate"],
    "DEFAULT_PAGINATION_CLASS": "compilation.api.pagination.Pagination",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "rest_framework.parsers.JSONParser",
        "rest_framework.parsers.MultiPartParser",
        "rest_framework.parsers.FormParser",
    ],
    "EXCEPTION_HANDLER": "compilation.api.errors.handler",
    "COERCE_DECIMAL_TO_STRING": True,
    "DATE_FORMAT": "iso-8601",
    "DATETIME_FORMAT": "iso-8601",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "PAR Tracker API",
    "DESCRIPTION": (
        "API JSON của PAR Tracker cho các hệ thống khác của tỉnh (quản lý văn bản và điều hành, chỉ đạo "
        "điều hành, hệ thống báo cáo theo Nghị định 09/2019/NĐ-CP, cổng dữ liệu mở): chu kỳ và vòng chấm "
        "điểm, bộ tiêu chí, điểm, số liệu của bảng điều khiển tại một ngày chốt số liệu (as_of), cơ quan, "
        "nhiệm vụ, tiến độ, báo cáo. Xác thực bằng token do Sở Nội vụ cấp: `Authorization: Bearer <token>`."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {},
}
