"""Settings shared by every environment; values that differ come from the environment."""

from datetime import timedelta
from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

SECRET_KEY = env("DJANGO_SECRET_KEY", default="")
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "django_celery_beat",
    "import_export",
    "core",
    "members",
    "loyalty",
    "tagging",
    "insights",
    "workspace",
    "campaigns",
    "axes",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "config.middleware.DropNulCharactersMiddleware",  # PostgreSQL refuses NUL: never let one reach a query
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",  # turns a lockout into the 429 page (config/lockout.py)
    # DEBUG only: the Chinese 404/500 pages instead of Django's technical ones for all but superusers
    "config.middleware.StaffErrorPagesInDebugMiddleware",
]

# django-axes first: it refuses a locked-out username + IP before the password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "core.auth_backend.OneQueryModelBackend",
]

ROOT_URLCONF = "config.urls"
CSRF_FAILURE_VIEW = "core.views.csrf_failure"  # Chinese, with what to do

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
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"

# PostgreSQL everywhere. Production and CI set DATABASE_URL. Without it, development and test
# settings (not production) use the checkout's own server on var/postgres/ (core/embedded_postgres.py).
DATABASES = {"default": env.db("DATABASE_URL")} if env("DATABASE_URL", default="") else {}


def embedded_database() -> dict:
    """The checkout's private PostgreSQL: started, or reused if running, and held until this process exits."""
    from core.embedded_postgres import default_data_dir, shared_server

    return shared_server(default_data_dir()).django_database()


DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
# Chinese for the strings installed packages leave in English (import-export, the admin's JS, axes).
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
MEDIA_ROOT = env.path("DJANGO_MEDIA_ROOT", default=BASE_DIR / "media")
MEDIA_URL = "media/"
# Largest file the upload page accepts; match the reverse proxy (nginx client_max_body_size).
IMPORTS_MAX_UPLOAD_MB = env.int("IMPORTS_MAX_UPLOAD_MB", default=500)
# An .xlsx past these is refused before it is read (members/imports/xlsx_limits.py): rows of the first
# sheet, the last column a value may be in, and how far a part of the zip may unpack beyond its size.
IMPORTS_XLSX_MAX_ROWS = env.int("IMPORTS_XLSX_MAX_ROWS", default=1_048_576)
IMPORTS_XLSX_MAX_COLUMNS = env.int("IMPORTS_XLSX_MAX_COLUMNS", default=500)
IMPORTS_XLSX_MAX_COMPRESSION_RATIO = env.int("IMPORTS_XLSX_MAX_COMPRESSION_RATIO", default=100)
# A running import writes a heartbeat after every chunk; one silent for this long is shown as 已中断
# (its process was killed) and may be resumed.
IMPORTS_STALE_AFTER_SECONDS = env.int("IMPORTS_STALE_AFTER_SECONDS", default=300)

# Login lockout (staff login, admin login, API basic auth): AXES_FAILURE_LIMIT failures in a row for one
# username from one address lock that pair for AXES_COOLOFF_TIME; a right login clears the count.
AXES_FAILURE_LIMIT = env.int("LOGIN_LOCKOUT_FAILURES", default=10)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_LOCKOUT_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "config.lockout.lockout_response"
AXES_CLIENT_IP_CALLABLE = "config.lockout.client_ip"
# Reverse proxies in front of the app that append to X-Forwarded-For (nginx: 1); 0 = use REMOTE_ADDR.
LOGIN_LOCKOUT_PROXY_COUNT = env.int("LOGIN_LOCKOUT_PROXY_COUNT", default=0)

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Basic first: DRF answers 401 with WWW-Authenticate only if the first class names a scheme.
        "config.authentication.BasicAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["config.permissions.ModelPermissions"],
    "DEFAULT_SCHEMA_CLASS": "config.schema.AutoSchema",  # documents error responses
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
}

SPECTACULAR_SETTINGS = {
    "TITLE": "客户中台 Member CRM API",
    "DESCRIPTION": "REST API for mini-programs, POS and integrations.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SWAGGER_UI_DIST": "SIDECAR",  # served locally: no CDN needed
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    # One enum for the channel, whether a field is a model field or an input field.
    "ENUM_NAME_OVERRIDES": {"ChannelEnum": "members.models.choices.Channel"},
}

# Celery: with no broker configured, tasks run eagerly in-process so the
# quick start needs no server. Production and CI set CELERY_BROKER_URL (Redis).
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="")
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not CELERY_BROKER_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", default=CELERY_BROKER_URL or None)
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
PERIODIC_JOBS = "config.schedule.BEAT_SCHEDULE"  # written into the scheduler by `manage.py sync_schedule`
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1

IMPORT_EXPORT_USE_TRANSACTIONS = True

# Every handler masks phones and e-mails (members/log_masking.py), the development server's request
# log included: its query strings carry searches.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"mask_personal_data": {"()": "members.log_masking.MaskPersonalData"}},
    "formatters": {
        "django.server": {"()": "django.utils.log.ServerFormatter", "format": "[{server_time}] {message}", "style": "{"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["mask_personal_data"]},
        "django.server": {"class": "logging.StreamHandler", "formatter": "django.server",
                          "filters": ["mask_personal_data"]},
    },
    "loggers": {"django.server": {"handlers": ["django.server"], "level": "INFO", "propagate": False}},
    "root": {"handlers": ["console"], "level": env("DJANGO_LOG_LEVEL", default="INFO")},
}

# Survivorship: which channel's value wins for a profile field (first wins), then
# the most recently seen non-empty value. Staff edits (manual) trump every channel.
MEMBERS_CHANNEL_PRIORITY = env.list(
    "MEMBERS_CHANNEL_PRIORITY", default=["manual", "mall", "wechat_mp", "pos", "api", "tmall", "jd"]
)
