"""Developer machine: debug on, an insecure key is acceptable here only."""

from .base import *  # noqa: F401,F403
from .base import env

DEBUG = env.bool("DJANGO_DEBUG", default=True)
SECRET_KEY = env("DJANGO_SECRET_KEY", default="local-dev-only-not-secret")

if "default" not in DATABASES:  # noqa: F405 - no DATABASE_URL: the checkout's own server
    DATABASES["default"] = embedded_database()  # noqa: F405
