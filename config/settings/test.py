"""Test run: fast hashing, tasks eager unless a test starts a real worker."""

from .base import *  # noqa: F401,F403

SECRET_KEY = "test-only-not-secret"
DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CELERY_TASK_ALWAYS_EAGER = True
# A test that starts a real worker uses the configured broker (Redis in CI), else Kombu's in-process
# memory transport — never the default amqp://localhost, which may be someone's RabbitMQ.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="memory://")  # noqa: F405
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", default="")  # noqa: F405
if not CELERY_RESULT_BACKEND:
    CELERY_RESULT_BACKEND = "cache+memory://" if CELERY_BROKER_URL == "memory://" else CELERY_BROKER_URL
# One media folder per pytest-xdist worker: a test that empties its folder never touches the other's.
MEDIA_ROOT = BASE_DIR / ".test-media" / env("PYTEST_XDIST_WORKER", default="main")  # noqa: F405
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "WARNING"}}

if "default" not in DATABASES:  # noqa: F405 - no DATABASE_URL: the checkout's own server
    DATABASES["default"] = embedded_database()  # noqa: F405
