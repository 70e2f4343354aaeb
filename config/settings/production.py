"""Production: refuses to start with a key Django calls weak, without a database or without a Celery broker.

`manage.py check --deploy` with the environment the README documents prints no warning the
README does not explain.
"""

from django.core.checks.security.base import (
    SECRET_KEY_INSECURE_PREFIX,
    SECRET_KEY_MIN_LENGTH,
    SECRET_KEY_MIN_UNIQUE_CHARACTERS,
    _check_secret_key,
)
from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F401,F403
from .base import CELERY_BROKER_URL, CELERY_TASK_ALWAYS_EAGER, DATABASES, SECRET_KEY, env

# Django's own rule (security.W009), applied at start instead of only warning in check --deploy.
if not SECRET_KEY or not _check_secret_key(SECRET_KEY):
    raise ImproperlyConfigured(
        f"DJANGO_SECRET_KEY must be set to a random value of at least {SECRET_KEY_MIN_LENGTH} characters "
        f"with at least {SECRET_KEY_MIN_UNIQUE_CHARACTERS} different characters, not starting with "
        f"'{SECRET_KEY_INSECURE_PREFIX}' (Django's check --deploy calls anything else weak). Generate one with: "
        "python -c 'from django.core.management.utils import get_random_secret_key as k; print(k())'"
    )

# Never the development server on var/postgres/: production names its database.
if "default" not in DATABASES:
    raise ImproperlyConfigured(
        "DATABASE_URL must be set in production (e.g. postgres://crm:password@db.internal:5432/crm); "
        "the embedded PostgreSQL is for development and tests only."
    )

# Keep connections between requests (a new one costs ~2 ms p50 / 4 ms p95 per request, measured in
# docs/benchmarks.md, Guide workspace), checked before reuse so a restarted server is not an error.
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DJANGO_CONN_MAX_AGE", default=60))
DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)

# Without a broker every task (imports, level reviews, expiry) would run inside the web request
# that queued it. Only an explicit opt-in allows that, e.g. for a one-machine trial.
CELERY_ALLOW_EAGER_IN_PRODUCTION = env.bool("CELERY_ALLOW_EAGER_IN_PRODUCTION", default=False)
if (not CELERY_BROKER_URL or CELERY_TASK_ALWAYS_EAGER) and not CELERY_ALLOW_EAGER_IN_PRODUCTION:
    raise ImproperlyConfigured(
        "CELERY_BROKER_URL must be set in production (e.g. redis://127.0.0.1:6379/0) and "
        "CELERY_TASK_ALWAYS_EAGER must not be true: otherwise tasks run eagerly inside web requests. "
        "Set CELERY_ALLOW_EAGER_IN_PRODUCTION=true only for a trial that accepts that (not for production)."
    )

DEBUG = False
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=3600)
# Off by default (check --deploy warns W005 / W021): they bind every subdomain of the brand's domain
# to HTTPS for the HSTS lifetime, a decision for whoever owns the domain (see README).
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=False)
SECURE_CONTENT_TYPE_NOSNIFF = True
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
